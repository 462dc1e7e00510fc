using System.Text.Json;
using System.Text.Json.Serialization;

namespace Build.Gates;

public enum Severity
{
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>One vulnerability in one package of one family's image, normalised across scanners.</summary>
public sealed record Finding(
    string Family,
    string Id,
    string Package,
    string InstalledVersion,
    string? FixedVersion,
    Severity Severity,
    string? Title,
    string? Url,
    string? Location)
{
    public bool HasFix => !string.IsNullOrEmpty(FixedVersion);
}

public static class Severities
{
    /// <summary>Trivy's UPPERCASE and Grype's Capitalised names; anything else is Unknown (never dropped).</summary>
    public static Severity Parse(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "CRITICAL" => Severity.Critical,
        "HIGH" => Severity.High,
        "MEDIUM" => Severity.Medium,
        "LOW" => Severity.Low,
        "NEGLIGIBLE" => Severity.Negligible,
        _ => Severity.Unknown,
    };

    public static string Name(Severity severity) => severity.ToString().ToUpperInvariant();
}

/// <summary>Reads scanner reports (each tool's documented JSON) into findings.</summary>
public static class ScannerReports
{
    /// <summary>Trivy JSON, SchemaVersion 2: Results[].Vulnerabilities[]; either may be absent.</summary>
    public static IReadOnlyList<Finding> ParseTrivy(string family, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.TryGetProperty("SchemaVersion", out var schema) && schema.GetInt32() != 2)
        {
            throw new JsonException($"Trivy report schema {schema.GetInt32()} is not supported (expected 2).");
        }

        var findings = new List<Finding>();
        if (!root.TryGetProperty("Results", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            return findings;
        }

        foreach (var result in results.EnumerateArray())
        {
            if (!result.TryGetProperty("Vulnerabilities", out var vulns) || vulns.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            var target = Str(result, "Target");
            foreach (var v in vulns.EnumerateArray())
            {
                findings.Add(new Finding(
                    family,
                    Str(v, "VulnerabilityID") ?? "?",
                    Str(v, "PkgName") ?? "?",
                    Str(v, "InstalledVersion") ?? string.Empty,
                    Str(v, "FixedVersion"),
                    Severities.Parse(Str(v, "Severity")),
                    Str(v, "Title"),
                    Str(v, "PrimaryURL"),
                    Str(v, "PkgPath") ?? target));
            }
        }

        return Dedupe(findings);
    }

    /// <summary>Grype JSON: matches[].vulnerability + artifact; fix.state "fixed" carries fix.versions.</summary>
    public static IReadOnlyList<Finding> ParseGrype(string family, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var findings = new List<Finding>();
        if (!doc.RootElement.TryGetProperty("matches", out var matches) || matches.ValueKind != JsonValueKind.Array)
        {
            return findings;
        }

        foreach (var m in matches.EnumerateArray())
        {
            var v = m.GetProperty("vulnerability");
            var a = m.GetProperty("artifact");
            string? fixedVersion = null;
            if (v.TryGetProperty("fix", out var fix) && Str(fix, "state") == "fixed" && fix.TryGetProperty("versions", out var versions) && versions.GetArrayLength() > 0)
            {
                fixedVersion = string.Join(", ", versions.EnumerateArray().Select(x => x.GetString()));
            }

            string? location = null;
            if (a.TryGetProperty("locations", out var locations) && locations.GetArrayLength() > 0)
            {
                location = Str(locations[0], "path");
            }

            findings.Add(new Finding(
                family,
                Str(v, "id") ?? "?",
                Str(a, "name") ?? "?",
                Str(a, "version") ?? string.Empty,
                fixedVersion,
                Severities.Parse(Str(v, "severity")),
                Str(v, "description"),
                v.TryGetProperty("urls", out var urls) && urls.GetArrayLength() > 0 ? urls[0].GetString() : null,
                location));
        }

        return Dedupe(findings);
    }

    /// <summary>The same vulnerability in the same package version shows up once per layer or path; count it once.</summary>
    private static List<Finding> Dedupe(List<Finding> findings) =>
        findings.GroupBy(f => (f.Id, f.Package, f.InstalledVersion))
            .Select(g => g.OrderByDescending(f => f.Severity).First())
            .OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal).ThenBy(f => f.Package, StringComparer.Ordinal)
            .ToList();

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
