using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Images;
using Build.Reports;

namespace Build.Gates;

public sealed record SizeRule(double MaxGrowthPercent, long MaxGrowthBytes);

public sealed record SizePolicy(double MaxGrowthPercent, long MaxGrowthBytes, IReadOnlyDictionary<string, SizeRule>? Families)
{
    public static SizePolicy Default { get; } = new(5, 10L * 1024 * 1024, new SortedDictionary<string, SizeRule>(StringComparer.Ordinal));

    public SizeRule For(string family) => Families is not null && Families.TryGetValue(family, out var r) ? r : new SizeRule(MaxGrowthPercent, MaxGrowthBytes);
}

public sealed record SizeEntry(long Compressed, long? Uncompressed);

/// <summary>size-baseline.json, committed beside the catalog and reviewed in PRs; written deterministically.</summary>
public sealed record SizeBaseline(int SchemaVersion, SizePolicy Policy, IReadOnlyDictionary<string, SizeEntry> Families)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static SizeBaseline Empty { get; } = new(1, SizePolicy.Default, new SortedDictionary<string, SizeEntry>(StringComparer.Ordinal));

    public static SizeBaseline Load(string path, string? displayPath = null, IReadOnlySet<string>? families = null) => SizeBaselineReader.Load(path, displayPath, families);

    /// <summary>Sorted families, stable indentation: a reviewer sees only the numbers that moved.</summary>
    public string ToJson() => JsonSerializer.Serialize(this with
    {
        Families = new SortedDictionary<string, SizeEntry>(Families.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal),
        Policy = Policy with { Families = Policy.Families is null ? null : new SortedDictionary<string, SizeRule>(Policy.Families.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal) },
    }, Json) + "\n";
}

public sealed record LayerLine(long Size, string CreatedBy);

[JsonConverter(typeof(JsonStringEnumConverter<SizeVerdict>))]
public enum SizeVerdict
{
    [JsonStringEnumMemberName("pass")]
    Pass,
    [JsonStringEnumMemberName("fail")]
    Fail,
    [JsonStringEnumMemberName("missing-baseline")]
    MissingBaseline,
}

public sealed record SizeResult(
    string Family,
    string Hash,
    string Digest,
    SizeVerdict Verdict,
    SizeEntry? Baseline,
    SizeEntry Now,
    long? DeltaBytes,
    double? DeltaPercent,
    SizeRule Rule,
    string Why,
    IReadOnlyList<LayerLine> LargestLayers);

/// <summary>artifacts/size-report.json.</summary>
public sealed record SizeReport(int SchemaVersion, string Gate, RunStamp Run, GateResult Result, string Baseline, IReadOnlyList<SizeResult> Families) : IGateReport
{
    public const int CurrentSchema = 2;

    [JsonIgnore]
    public IReadOnlyList<GateVerdict> Verdicts => Families.Select(f => new GateVerdict(f.Family, f.Hash, f.Digest, f.Verdict == SizeVerdict.Pass ? GateResult.Passed : GateResult.Failed, f.Why)).ToList();

    [JsonIgnore]
    public string FailureMessage => "Size gate failed: " + string.Join("; ", Families.Where(r => r.Verdict != SizeVerdict.Pass).Select(r => $"{r.Family}: {r.Why}"));

    [JsonIgnore]
    public IReadOnlyList<string> TableHeader => ["Image", "Baseline", "Now", "Delta", "Verdict"];

    [JsonIgnore]
    public IReadOnlyList<IReadOnlyList<string>> TableRows => Families.Select(r => (IReadOnlyList<string>)
    [
        r.Family, r.Baseline is null ? "-" : Bytes.Format(r.Baseline.Compressed), Bytes.Format(r.Now.Compressed),
        r.DeltaBytes is null ? "new" : $"{Bytes.Format(r.DeltaBytes.Value)} ({r.DeltaPercent:+0.0;-0.0;0.0}%)", Name(r.Verdict),
    ]).ToList();

    public static string Name(SizeVerdict verdict) => IO.JsonText.EnumName(verdict);

    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public string Markdown() => SizeGateEngine.Markdown(this);

    public string SummaryCell(string family) => Families.FirstOrDefault(f => f.Family == family) is not { } s ? "-"
        : s.DeltaBytes is null ? $"{Bytes.Format(s.Now.Compressed)} (new)"
        : $"{Bytes.Format(s.Now.Compressed)} ({(s.DeltaBytes >= 0 ? "+" : string.Empty)}{Bytes.Format(s.DeltaBytes.Value)})";

    public static SizeReport FromJson(string json) => JsonSerializer.Deserialize<SizeReport>(json, CveReport.Json) ?? throw new JsonException("empty size-report.json");
}

/// <summary>The size gate: each image's compressed size against the committed baseline.</summary>
public sealed class ImageSizeGate : IGate
{
    public const string GateName = "size";

    public string Name => GateName;

    public string Report => "size-report";

    public string Task => "SizeGate";

    public static string BaselineFile(Catalog.Catalog catalog) => $"{catalog.Directory}/size-baseline.json";

    public static SizeBaseline LoadBaseline(string repoRoot, Catalog.Catalog catalog, IReadOnlySet<string> images) =>
        SizeBaseline.Load(Path.Combine(repoRoot, BaselineFile(catalog)), BaselineFile(catalog), images);

    public void CheckConfiguration(string repoRoot, Catalog.Catalog catalog, IReadOnlySet<string> images) => LoadBaseline(repoRoot, catalog, images);

    public IGateReport Read(string json) => SizeReport.FromJson(json);
}

public static class SizeGateEngine
{
    public static SizeReport Evaluate(SizeBaseline baseline, string baselineFile, IReadOnlyList<(JudgedImage Image, ImageMeasure Measure)> measures, RunStamp run)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(measures);
        var results = new List<SizeResult>();
        foreach (var (image, m) in measures)
        {
            var family = image.Family;
            var rule = baseline.Policy.For(family);
            var now = new SizeEntry(m.CompressedSize, m.UncompressedSize);
            var layers = m.Layers.OrderByDescending(l => l.Size).Take(5).Select(l => new LayerLine(l.Size, Shorten(l.CreatedBy ?? "?"))).ToList();
            if (!baseline.Families.TryGetValue(family, out var before))
            {
                results.Add(new SizeResult(family, image.Hash, image.Digest, SizeVerdict.MissingBaseline, null, now, null, null, rule, $"{family} has no entry in {baselineFile}: run ./build.sh --target=SizeGate --update-baseline and commit the file.", layers));
                continue;
            }

            var delta = now.Compressed - before.Compressed;
            var percent = before.Compressed == 0 ? 100.0 : delta * 100.0 / before.Compressed;
            var fails = delta > rule.MaxGrowthBytes && percent > rule.MaxGrowthPercent;
            var why = fails
                ? $"grew {Bytes.Format(delta)} ({percent:+0.0;-0.0}%): more than {rule.MaxGrowthPercent.ToString("0.#", CultureInfo.InvariantCulture)}% and more than {Bytes.Format(rule.MaxGrowthBytes)}"
                : $"within {rule.MaxGrowthPercent.ToString("0.#", CultureInfo.InvariantCulture)}% or {Bytes.Format(rule.MaxGrowthBytes)}";
            results.Add(new SizeResult(family, image.Hash, image.Digest, fails ? SizeVerdict.Fail : SizeVerdict.Pass, before, now, delta, Math.Round(percent, 2), rule, why, layers));
        }

        return new SizeReport(SizeReport.CurrentSchema, ImageSizeGate.GateName, run, results.Any(r => r.Verdict != SizeVerdict.Pass) ? GateResult.Failed : GateResult.Passed, baselineFile, results);
    }

    public static SizeBaseline Updated(SizeBaseline baseline, IReadOnlyList<(JudgedImage Image, ImageMeasure Measure)> measures)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var families = new SortedDictionary<string, SizeEntry>(baseline.Families.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        foreach (var (image, m) in measures)
        {
            families[image.Family] = new SizeEntry(m.CompressedSize, m.UncompressedSize);
        }

        return baseline with { Families = families };
    }

    public static string Markdown(SizeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder($"# Image sizes\n\n**Result: {report.Result.ToString().ToUpperInvariant()}** — baseline `{report.Baseline}`; compressed size (config + layers, what a pull transfers).\n\n");
        sb.Append(TextTable.Markdown(
            ["Image", "Baseline", "Now", "Delta", "Uncompressed", "Verdict"],
            report.Families.Select(r => (IReadOnlyList<string>)
            [
                r.Family,
                r.Baseline is null ? "-" : Bytes.Format(r.Baseline.Compressed),
                Bytes.Format(r.Now.Compressed),
                r.DeltaBytes is null ? "new" : $"{(r.DeltaBytes >= 0 ? "+" : string.Empty)}{Bytes.Format(r.DeltaBytes.Value)} ({r.DeltaPercent:+0.0;-0.0;0.0}%)",
                r.Now.Uncompressed is null ? "-" : Bytes.Format(r.Now.Uncompressed.Value),
                r.Verdict == SizeVerdict.Pass ? "pass" : $"**{SizeReport.Name(r.Verdict).ToUpperInvariant()}**: {r.Why}",
            ]),
            [false, true, true, true, true, false]));
        string Mib(long b) => (b / 1048576.0).ToString("0.##", CultureInfo.InvariantCulture);
        sb.Append("\n```mermaid\nxychart-beta\n    title \"Compressed size (MiB): now, then baseline\"\n");
        sb.Append("    x-axis [").Append(string.Join(", ", report.Families.Select(r => $"\"{r.Family}\""))).Append("]\n");
        sb.Append("    y-axis \"MiB\"\n");
        sb.Append("    bar [").Append(string.Join(", ", report.Families.Select(r => Mib(r.Now.Compressed)))).Append("]\n");
        sb.Append("    bar [").Append(string.Join(", ", report.Families.Select(r => Mib(r.Baseline?.Compressed ?? 0)))).Append("]\n```\n");
        foreach (var grown in report.Families.Where(r => r.DeltaBytes > 0 || r.Verdict != SizeVerdict.Pass))
        {
            sb.Append($"\n## Largest layers of {grown.Family}\n\n");
            sb.Append(TextTable.Markdown(["Size", "Created by"], grown.LargestLayers.Select(l => (IReadOnlyList<string>)[Bytes.Format(l.Size), $"`{l.CreatedBy}`"]), [true, false]));
        }

        return sb.ToString();
    }

    private static string Shorten(string createdBy)
    {
        var text = createdBy.Replace("|", "/", StringComparison.Ordinal).ReplaceLineEndings(" ").Trim();
        return text.Length > 120 ? text[..117] + "..." : text;
    }
}
