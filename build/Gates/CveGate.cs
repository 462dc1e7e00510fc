using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Build.Reports;

namespace Build.Gates;

[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
public enum Verdict
{
    [JsonStringEnumMemberName("blocking")]
    Blocking,
    [JsonStringEnumMemberName("waived")]
    Waived,
    [JsonStringEnumMemberName("informational")]
    Informational,
}

[JsonConverter(typeof(JsonStringEnumConverter<ScanStatus>))]
public enum ScanStatus
{
    [JsonStringEnumMemberName("scanned")]
    Scanned,
    [JsonStringEnumMemberName("not-scanned")]
    NotScanned,
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>The result a gate reports to Publish.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GateResult>))]
public enum GateResult
{
    [JsonStringEnumMemberName("passed")]
    Passed,
    [JsonStringEnumMemberName("failed")]
    Failed,
    /// <summary>Not run, on purpose (--cve-scanner=none): shown everywhere, does not block.</summary>
    [JsonStringEnumMemberName("skipped")]
    Skipped,
    /// <summary>Could not run (no scanner locally): never a pass; blocks Publish.</summary>
    [JsonStringEnumMemberName("not-run")]
    NotRun,
}

public sealed record EvaluatedFinding(
    string Id,
    string Package,
    string InstalledVersion,
    string? FixedVersion,
    [property: JsonConverter(typeof(JsonStringEnumConverter<Severity>))] Severity Severity,
    Verdict Verdict,
    string Why,
    string? Waiver,
    string? Title,
    string? Url);

public sealed record ImageScan(string Family, string Hash, string Digest, ScanStatus Status, string? Detail, GateResult Result, IReadOnlyList<EvaluatedFinding> Findings)
{
    public int Count(Severity s) => Findings.Count(f => f.Severity == s);

    public int Blocking => Findings.Count(f => f.Verdict == Verdict.Blocking);

    public string Why => Result switch
    {
        GateResult.Passed => Findings.Count == 0 ? "no findings" : "no blocking finding",
        GateResult.Failed when Status == ScanStatus.Failed => $"the scan failed: {Detail}",
        GateResult.Failed => $"{Blocking} blocking finding(s)",
        _ => Detail ?? "not scanned",
    };
}

public sealed record WaiverState(string Id, string Reason, string Expires, int Line, bool Expired, bool Used);

/// <summary>artifacts/cve-report.json.</summary>
public sealed record CveReport(
    int SchemaVersion,
    string Gate,
    RunStamp Run,
    GateResult Result,
    string Scanner,
    string Policy,
    IReadOnlyList<string> FailOn,
    bool IgnoreUnfixed,
    IReadOnlyList<ImageScan> Families,
    IReadOnlyList<WaiverState> Waivers,
    IReadOnlyList<string> Problems) : IGateReport
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public const int CurrentSchema = 2;

    [JsonIgnore]
    public IReadOnlyList<GateVerdict> Verdicts => Families.Select(f => new GateVerdict(f.Family, f.Hash, f.Digest, f.Result, f.Why)).ToList();

    [JsonIgnore]
    public string FailureMessage => $"CVE gate failed: {Families.Sum(f => f.Blocking)} blocking finding(s){(Problems.Count > 0 ? "; " + string.Join("; ", Problems) : string.Empty)}. See artifacts/cve-report.md.";

    [JsonIgnore]
    public IReadOnlyList<string> TableHeader => ["Image", "Scan", "Critical", "High", "Medium", "Low", "Blocking", "Verdict"];

    [JsonIgnore]
    public IReadOnlyList<IReadOnlyList<string>> TableRows => Families.Select(f => (IReadOnlyList<string>)
    [
        f.Family, f.Status.ToString().ToLowerInvariant(),
        .. new[] { Severity.Critical, Severity.High, Severity.Medium, Severity.Low }.Select(l => f.Count(l).ToString(CultureInfo.InvariantCulture)),
        f.Blocking.ToString(CultureInfo.InvariantCulture), GateLedger.Describe(f.Result),
    ]).ToList();

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public string Markdown() => CvePolicyEngine.Markdown(this);

    public string SummaryCell(string family) => Families.FirstOrDefault(f => f.Family == family) is not { } c ? "-"
        : c.Status != ScanStatus.Scanned ? c.Status.ToString().ToLowerInvariant()
        : $"{c.Count(Severity.Critical)}/{c.Count(Severity.High)}/{c.Count(Severity.Medium)}/{c.Count(Severity.Low)}{(c.Blocking > 0 ? $" ({c.Blocking} blocking)" : string.Empty)}";

    public static CveReport FromJson(string json) => JsonSerializer.Deserialize<CveReport>(json, Json) ?? throw new JsonException("empty cve-report.json");
}

/// <summary>The CVE gate: each image scanned (Trivy or Grype) and judged by cve-policy.yaml.</summary>
public sealed class CveGate : IGate
{
    public const string GateName = "cve";

    public string Name => GateName;

    public string Report => "cve-report";

    public string Task => "CveScan";

    public static string PolicyFile(Catalog.Catalog catalog) => $"{catalog.Directory}/cve-policy.yaml";

    public static CvePolicy LoadPolicy(string repoRoot, Catalog.Catalog catalog, IReadOnlySet<string> images) =>
        CvePolicy.Load(Path.Combine(repoRoot, PolicyFile(catalog)), PolicyFile(catalog), images);

    public void CheckConfiguration(string repoRoot, Catalog.Catalog catalog, IReadOnlySet<string> images) => LoadPolicy(repoRoot, catalog, images);

    public IGateReport Read(string json) => CveReport.FromJson(json);
}

/// <summary>Applies the policy: blocking, waived or informational per finding; expired waivers fail; unused ones are stale.</summary>
public static class CvePolicyEngine
{
    public static CveReport Evaluate(string scanner, CvePolicy policy, IReadOnlyList<(JudgedImage Image, ScanStatus Status, string? Detail, IReadOnlyList<Finding> Findings)> scans, DateOnly today, RunStamp run, GateResult? forced = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(scans);
        var used = new HashSet<Waiver>();
        var families = new List<ImageScan>();
        foreach (var (image, status, detail, findings) in scans)
        {
            var family = image.Family;
            var evaluated = new List<EvaluatedFinding>();
            foreach (var f in findings)
            {
                var waiver = policy.Waivers.FirstOrDefault(w => w.Matches(f));
                Verdict verdict;
                string why;
                if (waiver is not null && waiver.Expires >= today)
                {
                    used.Add(waiver);
                    (verdict, why) = (Verdict.Waived, $"waived until {waiver.Expires:yyyy-MM-dd}: {waiver.Reason}");
                }
                else if (waiver is not null)
                {
                    used.Add(waiver);
                    (verdict, why) = (Verdict.Blocking, $"waiver expired on {waiver.Expires:yyyy-MM-dd}");
                }
                else if (!policy.FailOn.Contains(f.Severity))
                {
                    (verdict, why) = (Verdict.Informational, $"{Severities.Name(f.Severity)} is below the policy's threshold");
                }
                else if (policy.IgnoreUnfixed && !f.HasFix)
                {
                    (verdict, why) = (Verdict.Informational, "no fix is available (ignore_unfixed)");
                }
                else
                {
                    (verdict, why) = (Verdict.Blocking, $"{Severities.Name(f.Severity)}{(f.HasFix ? $", fixed in {f.FixedVersion}" : ", no fix yet")}");
                }

                evaluated.Add(new EvaluatedFinding(f.Id, f.Package, f.InstalledVersion, f.FixedVersion, f.Severity, verdict, why, waiver?.Id, f.Title, f.Url));
            }

            var ordered = evaluated.OrderBy(e => e.Verdict).ThenByDescending(e => e.Severity).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
            var familyResult = status switch
            {
                ScanStatus.Failed => GateResult.Failed,
                ScanStatus.NotScanned => forced == GateResult.Skipped ? GateResult.Skipped : GateResult.NotRun,
                _ => ordered.Any(e => e.Verdict == Verdict.Blocking) ? GateResult.Failed : GateResult.Passed,
            };
            families.Add(new ImageScan(family, image.Hash, image.Digest, status, detail, familyResult, ordered));
        }

        var waivers = policy.Waivers.Select(w => new WaiverState(w.Id, w.Reason, w.Expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), w.Line, w.Expires < today, used.Contains(w))).ToList();
        var problems = new List<string>();
        foreach (var w in waivers.Where(w => w.Expired))
        {
            problems.Add($"{policy.File}:{w.Line}: waiver {w.Id} expired on {w.Expires}: fix the vulnerability or renew the waiver with a new reason.");
        }

        foreach (var f in families.Where(f => f.Status == ScanStatus.Failed))
        {
            problems.Add($"{f.Family}: the scan failed: {f.Detail}");
        }

        var result = forced ?? (problems.Count > 0 || families.Any(f => f.Blocking > 0) ? GateResult.Failed : GateResult.Passed);
        return new CveReport(CveReport.CurrentSchema, CveGate.GateName, run, result, scanner, policy.File, policy.FailOn.Select(Severities.Name).ToList(), policy.IgnoreUnfixed, families, waivers, problems);
    }

    public static string Markdown(CveReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder("# CVE scan\n\n");
        sb.Append($"**Result: {report.Result.ToString().ToUpperInvariant()}** — scanner `{report.Scanner}`, policy `{report.Policy}` (fail on {string.Join(", ", report.FailOn)}{(report.IgnoreUnfixed ? ", unfixed ignored" : string.Empty)}).\n\n");
        Severity[] levels = [Severity.Critical, Severity.High, Severity.Medium, Severity.Low, Severity.Unknown];
        sb.Append(TextTable.Markdown(
            ["Image", "Scan", .. levels.Select(Severities.Name), "Blocking", "Waived"],
            report.Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Status == ScanStatus.Scanned ? "scanned" : $"{f.Status.ToString().ToLowerInvariant()}: {f.Detail}", .. levels.Select(l => f.Count(l).ToString(CultureInfo.InvariantCulture)), f.Blocking.ToString(CultureInfo.InvariantCulture), f.Findings.Count(x => x.Verdict == Verdict.Waived).ToString(CultureInfo.InvariantCulture)])));
        var blocking = report.Families.SelectMany(f => f.Findings.Where(x => x.Verdict == Verdict.Blocking).Select(x => (f.Family, x))).ToList();
        sb.Append("\n## Blocking findings\n\n");
        sb.Append(blocking.Count == 0 ? "None.\n" : TextTable.Markdown(["Family", "ID", "Package", "Installed", "Fixed in", "Severity", "Why"],
            blocking.Select(b => (IReadOnlyList<string>)[b.Family, b.x.Url is null ? b.x.Id : $"[{b.x.Id}]({b.x.Url})", b.x.Package, b.x.InstalledVersion, b.x.FixedVersion ?? "-", Severities.Name(b.x.Severity), b.x.Why])));
        if (report.Problems.Count > 0)
        {
            sb.Append("\n## Problems\n\n").Append(string.Concat(report.Problems.Select(p => $"- {p}\n")));
        }

        sb.Append("\n## Waivers\n\n");
        sb.Append(report.Waivers.Count == 0 ? "None.\n" : TextTable.Markdown(["ID", "Expires", "State", "Reason"],
            report.Waivers.Select(w => (IReadOnlyList<string>)[w.Id, w.Expires, w.Expired ? "EXPIRED" : w.Used ? "used" : "stale (matched nothing)", w.Reason])));
        return sb.ToString();
    }

    /// <summary>SARIF 2.1.0 for GitHub code scanning: one rule per vulnerability, results located at the family's Dockerfile.</summary>
    public static string Sarif(CveReport report, Func<string, string> dockerfileOf)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(dockerfileOf);
        static double Score(Severity s) => s switch { Severity.Critical => 9.5, Severity.High => 8.0, Severity.Medium => 5.5, Severity.Low => 2.0, _ => 0.0 };
        var all = report.Families.SelectMany(f => f.Findings.Select(x => (f.Family, x))).ToList();
        var rules = new JsonArray(all.GroupBy(a => a.x.Id).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (JsonNode)new JsonObject
        {
            ["id"] = g.Key,
            ["shortDescription"] = new JsonObject { ["text"] = g.First().x.Title ?? g.Key },
            ["helpUri"] = g.First().x.Url,
            ["properties"] = new JsonObject { ["security-severity"] = Score(g.Max(x => x.x.Severity)).ToString("0.0", CultureInfo.InvariantCulture), ["tags"] = new JsonArray("security", "vulnerability") },
        }).ToArray());
        var results = new JsonArray(all.Select(a => (JsonNode)new JsonObject
        {
            ["ruleId"] = a.x.Id,
            ["level"] = a.x.Verdict switch { Verdict.Blocking => "error", Verdict.Waived => "note", _ => "warning" },
            ["message"] = new JsonObject { ["text"] = $"{a.Family}: {a.x.Package} {a.x.InstalledVersion} has {a.x.Id} ({Severities.Name(a.x.Severity)}); {a.x.Why}." },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = dockerfileOf(a.Family) },
                    ["region"] = new JsonObject { ["startLine"] = 1 },
                },
            }),
            ["partialFingerprints"] = new JsonObject { ["kiln/finding"] = $"{a.Family}/{a.x.Id}/{a.x.Package}" },
        }).ToArray());
        var sarif = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = $"kiln-cve-gate ({report.Scanner})", ["informationUri"] = "https://github.com/kiln-org/kiln", ["rules"] = rules } },
                ["results"] = results,
            }),
        };
        return sarif.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
