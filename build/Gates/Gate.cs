using System.Reflection;
using System.Text.Json.Serialization;

namespace Build.Gates;

/// <summary>Which run produced a result, and from which catalog: only this run's verdicts count, and a resume (--exclusive) takes an earlier run's only for the very digest it judged.</summary>
public sealed record RunStamp(string Id, string StartedAt, string Catalog);

/// <summary>Where an image a gate judges comes from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImageOrigin>))]
public enum ImageOrigin
{
    /// <summary>Built in this run.</summary>
    [JsonStringEnumMemberName("built")]
    Built,

    /// <summary>Reused from the engine's local image store: not published yet.</summary>
    [JsonStringEnumMemberName("local")]
    Local,

    /// <summary>Reused from the registry: published (and gated) by an earlier run.</summary>
    [JsonStringEnumMemberName("registry")]
    Registry,
}

/// <summary>One image a gate judges: family, hash and the manifest digest that Publish would push.</summary>
public sealed record JudgedImage(string Family, string Hash, string Digest, string Tag, ImageOrigin Origin)
{
    /// <summary>Publish pushes what is not in the registry yet; only those need a verdict.</summary>
    public bool NeedsVerdict => Origin != ImageOrigin.Registry;
}

/// <summary>A gate's verdict on one image, naming the digest it judged.</summary>
public sealed record GateVerdict(string Family, string Hash, string Digest, GateResult Result, string Why)
{
    public bool Allows => Result is GateResult.Passed or GateResult.Skipped;
}

/// <summary>What every gate reports: who judged, in which run, the overall result and a verdict per image.</summary>
public interface IGateReport
{
    string Gate { get; }

    RunStamp Run { get; }

    GateResult Result { get; }

    IReadOnlyList<GateVerdict> Verdicts { get; }

    /// <summary>One sentence for the failure list when <see cref="Result"/> is failed.</summary>
    string FailureMessage { get; }

    string ToJson();

    string Markdown();

    IReadOnlyList<string> TableHeader { get; }

    IReadOnlyList<IReadOnlyList<string>> TableRows { get; }

    /// <summary>This gate's short word on a family for the run summary (e.g. sizes, or CVE counts).</summary>
    string SummaryCell(string family);
}

/// <summary>
/// A gate: its name (the key Publish and the summary use) and its report file (&lt;report&gt;.json and .md, read back
/// for an explicit resume). A new gate is an <see cref="IGate"/> here plus a task deriving from the gate task.
/// </summary>
public interface IGate
{
    string Name { get; }

    string Report { get; }

    /// <summary>The task that produces this gate's verdicts.</summary>
    string Task { get; }

    /// <summary>The command that produces this gate's verdicts, for Publish's refusal message.</summary>
    string Command => $"./build.sh --target={Task}";

    /// <summary>
    /// Reads the gate's configuration beside the catalog strictly (a <see cref="GateConfigException"/> with positions),
    /// so a bad policy fails the run before anything is built.
    /// </summary>
    /// <param name="images">Every image name a configuration may mention: the catalog's families and the fleet's services.</param>
    void CheckConfiguration(string repoRoot, Catalog.Catalog catalog, IReadOnlySet<string> images);

    IGateReport Read(string json);
}

/// <summary>Every gate of the app, found once: Publish requires a verdict from each.</summary>
public static class GateRegistry
{
    public static IReadOnlyList<IGate> All { get; } = typeof(IGate).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IGate).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (IGate)Activator.CreateInstance(t)!)
        .OrderBy(g => g.Name, StringComparer.Ordinal)
        .ToList();
}

/// <summary>
/// The verdicts Publish relies on: for each image it would push, every gate must have judged that very digest (same
/// family and hash) and let it through. Anything else is refused with what is missing and the command that fixes it.
/// </summary>
public sealed class GateLedger(IReadOnlyList<IGate> gates, IReadOnlyDictionary<string, IGateReport> reports)
{
    public IReadOnlyList<IGate> Gates { get; } = gates;

    public IReadOnlyDictionary<string, IGateReport> Reports { get; } = reports;

    /// <summary>Every gate ran and passed (or was explicitly skipped) for the whole run.</summary>
    public bool AllPassed => Gates.All(g => Reports.TryGetValue(g.Name, out var r) && r.Result is GateResult.Passed or GateResult.Skipped);

    /// <summary>Why <paramref name="image"/> may not be pushed, one sentence per gate; empty when every gate lets it through.</summary>
    public IReadOnlyList<string> Refusals(JudgedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var refusals = new List<string>();
        foreach (var gate in Gates)
        {
            if (!Reports.TryGetValue(gate.Name, out var report))
            {
                refusals.Add($"no {gate.Name} verdict in this run (run {gate.Command})");
                continue;
            }

            var mine = report.Verdicts.Where(v => v.Family == image.Family).ToList();
            var verdict = mine.FirstOrDefault(v => v.Digest == image.Digest && v.Hash == image.Hash);
            if (verdict is null)
            {
                refusals.Add(mine.Count == 0
                    ? $"the {gate.Name} gate did not judge it (run {gate.Command})"
                    : $"the {gate.Name} gate judged {Short(mine[0].Digest)}, not {Short(image.Digest)} (run {gate.Command})");
            }
            else if (!verdict.Allows)
            {
                refusals.Add($"the {gate.Name} gate {(verdict.Result == GateResult.NotRun ? "did not run" : "blocks it")}: {verdict.Why}");
            }
        }

        return refusals;
    }

    public string Summary => string.Join(", ", Gates.Select(g => $"{g.Name} gate {(Reports.TryGetValue(g.Name, out var r) ? Describe(r.Result) : "not run")}"));

    public static string Describe(GateResult result) => result switch { GateResult.NotRun => "not run", _ => result.ToString().ToLowerInvariant() };

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] : digest;
}
