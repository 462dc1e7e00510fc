using System.Globalization;
using System.Text;
using Build.Buildx;
using Build.Gates;
using Build.Publishing;

namespace Build.Reports;

/// <summary>artifacts/summary.md: one page for the whole run (GitHub renders the Mermaid graph in the job summary).</summary>
public static class RunSummary
{
    public static string Render(Catalog.Catalog catalog, BakeResult? bake, CveReport? cve, SizeReport? size, PublishReport? publish, IReadOnlyList<string> failures)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(failures);
        var sb = new StringBuilder($"# Kiln: {catalog.File}\n\n");
        sb.Append(failures.Count == 0 ? "**Result: success.**\n\n" : "**Result: FAILED.**\n\n" + string.Concat(failures.Select(f => $"- {f}\n")) + "\n");
        if (publish is not null)
        {
            sb.Append(publish.LatestMoved ? "`-latest` tags moved: every gate passed.\n\n" : $"No `-latest` tag moved: {publish.Why}.\n\n");
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var family in catalog.Families)
        {
            var b = bake?.Get(family.Name);
            if (b is null)
            {
                continue;
            }

            var s = size?.Families.FirstOrDefault(f => f.Family == family.Name);
            var c = cve?.Families.FirstOrDefault(f => f.Family == family.Name);
            var p = publish?.Families.FirstOrDefault(f => f.Family == family.Name);
            rows.Add(
            [
                family.Name,
                Outcome(b, c, s, p),
                $"`{b.Hash}`",
                b.Digest is null ? "-" : $"`{b.Digest[..Math.Min(19, b.Digest.Length)]}`",
                s is null ? "-" : s.DeltaBytes is null ? $"{Bytes.Format(s.Now.Compressed)} (new)" : $"{Bytes.Format(s.Now.Compressed)} ({(s.DeltaBytes >= 0 ? "+" : string.Empty)}{Bytes.Format(s.DeltaBytes.Value)})",
                c is null ? "-" : c.Status != ScanStatus.Scanned ? c.Status.ToString().ToLowerInvariant() : $"{c.Count(Severity.Critical)}/{c.Count(Severity.High)}/{c.Count(Severity.Medium)}/{c.Count(Severity.Low)}{(c.Blocking > 0 ? $" ({c.Blocking} blocking)" : string.Empty)}",
                p is null || p.Tags.Count == 0 ? (p?.Why ?? "-") : string.Join("<br>", p.Tags.Select(t => $"`{t.Tag[(t.Tag.LastIndexOf(':') + 1)..]}` {t.Action}")),
            ]);
        }

        sb.Append(TextTable.Markdown(["Family", "Outcome", "Hash", "Digest", "Size (delta)", "CVE C/H/M/L", "Pushed tags"], rows));
        sb.Append("\n```mermaid\nflowchart TD\n");
        foreach (var family in catalog.Families.Where(f => bake?.Get(f.Name) is not null))
        {
            var b = bake!.Get(family.Name)!;
            var outcome = Outcome(b, cve?.Families.FirstOrDefault(f => f.Family == family.Name), size?.Families.FirstOrDefault(f => f.Family == family.Name), publish?.Families.FirstOrDefault(f => f.Family == family.Name));
            sb.Append($"    {Id(family.Name)}[\"{family.Name}<br>{b.Hash}<br>{outcome}\"]:::{Class(outcome)}\n");
            if (family.Parent is { } parent && bake.Get(parent) is not null)
            {
                sb.Append($"    {Id(parent)} --> {Id(family.Name)}\n");
            }
        }

        sb.Append("    classDef built fill:#d4f7d4,stroke:#2a7a2a\n    classDef reused fill:#e3ecfa,stroke:#3a5a9a\n");
        sb.Append("    classDef failed fill:#fbd5d5,stroke:#a12a2a\n    classDef blocked fill:#fde9c8,stroke:#a16a00\n```\n");
        sb.Append("\nReports: `hashes.json`, `bake-plan.json`, `build.log`, `oci-metadata.json`, `cve-report.md`, `size-report.md`, `ghcr-status.md`.\n");
        return sb.ToString();
    }

    private static string Outcome(FamilyOutcome b, FamilyScan? cve, SizeResult? size, FamilyPublish? publish) => b.Outcome switch
    {
        Buildx.Outcome.Reused => "reused",
        Buildx.Outcome.Failed or Buildx.Outcome.NotBuilt => "failed",
        _ when cve is { Blocking: > 0 } || size is { Verdict: not "pass" } || publish is { Decision: "not-pushed" } => "blocked",
        _ => "built",
    };

    private static string Class(string outcome) => outcome switch { "reused" => "reused", "failed" => "failed", "blocked" => "blocked", _ => "built" };

    private static string Id(string family) => "f_" + new string(family.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_').ToArray());
}
