using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Build.Gates;

public sealed record Waiver(string Id, IReadOnlyList<string> Families, IReadOnlyList<string> Packages, string Reason, DateOnly Expires, int Line)
{
    public bool Matches(Finding finding) =>
        string.Equals(Id, finding.Id, StringComparison.OrdinalIgnoreCase)
        && (Families.Count == 0 || Families.Contains(finding.Family))
        && (Packages.Count == 0 || Packages.Contains(finding.Package));
}

/// <summary>cve-policy.yaml: which severities fail, whether unfixed findings count, and expiring waivers.</summary>
public sealed record CvePolicy(string File, IReadOnlyList<Severity> FailOn, bool IgnoreUnfixed, IReadOnlyList<Waiver> Waivers)
{
    public static CvePolicy Default(string file) => new(file, [Severity.High, Severity.Critical], false, []);

    public static CvePolicy Load(string path, string displayPath)
    {
        if (!System.IO.File.Exists(path))
        {
            return Default(displayPath);
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(System.IO.File.ReadAllText(path)));
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new GateConfigException($"{displayPath}:{ex.Start.Line}:{ex.Start.Column}: YAML syntax error. Fix the YAML at that position.");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return Default(displayPath);
        }

        string At(YamlNode n) => $"{displayPath}:{n.Start.Line}";
        foreach (var key in root.Children.Keys.OfType<YamlScalarNode>())
        {
            if (key.Value is not ("fail_on" or "ignore_unfixed" or "waivers"))
            {
                throw new GateConfigException($"{At(key)}: unknown key '{key.Value}' in the CVE policy. Allowed: fail_on, ignore_unfixed, waivers.");
            }
        }

        var failOn = new List<Severity>();
        if (root.Children.TryGetValue(new YamlScalarNode("fail_on"), out var f) && f is YamlSequenceNode seq)
        {
            foreach (var s in seq.Children.OfType<YamlScalarNode>())
            {
                var sev = Severities.Parse(s.Value);
                if (sev == Severity.Unknown && !string.Equals(s.Value, "UNKNOWN", StringComparison.OrdinalIgnoreCase))
                {
                    throw new GateConfigException($"{At(s)}: '{s.Value}' is not a severity. Use UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH or CRITICAL.");
                }

                failOn.Add(sev);
            }
        }
        else
        {
            failOn.AddRange([Severity.High, Severity.Critical]);
        }

        var ignoreUnfixed = root.Children.TryGetValue(new YamlScalarNode("ignore_unfixed"), out var iu) && iu is YamlScalarNode ius && bool.TryParse(ius.Value, out var b) && b;
        var waivers = new List<Waiver>();
        if (root.Children.TryGetValue(new YamlScalarNode("waivers"), out var w) && w is YamlSequenceNode ws)
        {
            foreach (var item in ws.Children.OfType<YamlMappingNode>())
            {
                string? S(string k) => item.Children.TryGetValue(new YamlScalarNode(k), out var n) && n is YamlScalarNode sn ? sn.Value : null;
                List<string> L(string k) => item.Children.TryGetValue(new YamlScalarNode(k), out var n) && n is YamlSequenceNode sq ? sq.Children.OfType<YamlScalarNode>().Select(x => x.Value!).ToList() : [];
                var id = S("id") ?? throw new GateConfigException($"{At(item)}: a waiver needs an 'id' (e.g. CVE-2024-1234).");
                var reason = S("reason");
                if (string.IsNullOrWhiteSpace(reason))
                {
                    throw new GateConfigException($"{At(item)}: waiver {id} needs a 'reason': say why the risk is accepted.");
                }

                if (!DateOnly.TryParseExact(S("expires") ?? string.Empty, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
                {
                    throw new GateConfigException($"{At(item)}: waiver {id} needs 'expires: yyyy-mm-dd' (waivers are temporary by design).");
                }

                waivers.Add(new Waiver(id, L("families"), L("packages"), reason, expires, (int)item.Start.Line));
            }
        }

        return new CvePolicy(displayPath, failOn, ignoreUnfixed, waivers);
    }
}

public sealed class GateConfigException(string message) : Exception(message)
{
    public GateConfigException()
        : this("The gate configuration is invalid.")
    {
    }

    public GateConfigException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}
