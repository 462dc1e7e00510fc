using System.Xml.Linq;

namespace Build.Testing;

/// <summary>The counters of a Visual Studio test results (.trx) file, summed over files.</summary>
public sealed record TrxSummary(int Total, int Passed, int Failed, int Skipped)
{
    public static TrxSummary Empty { get; } = new(0, 0, 0, 0);

    /// <summary>The closing line CI reads: "N passed, N failed, N skipped".</summary>
    public string Line => $"{Passed} passed, {Failed} failed, {Skipped} skipped";

    public static TrxSummary Parse(string trxXml)
    {
        var doc = XDocument.Parse(trxXml);
        var counters = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters")
            ?? throw new FormatException("The .trx file has no <Counters> element.");
        int Get(string name) => int.TryParse(counters.Attribute(name)?.Value, out var v) ? v : 0;
        var total = Get("total");
        var passed = Get("passed");
        var failed = Get("failed") + Get("error") + Get("timeout") + Get("aborted");
        return new TrxSummary(total, passed, failed, Math.Max(0, total - passed - failed));
    }

    public TrxSummary Plus(TrxSummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Total + other.Total, Passed + other.Passed, Failed + other.Failed, Skipped + other.Skipped);
    }
}
