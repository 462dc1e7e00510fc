using System.Text;
using Build.Buildx;
using Build.Gates;
using Build.Publishing;

namespace Build.Reports;

/// <summary>artifacts/summary.md: one page for the whole run (GitHub renders the Mermaid graph in the job summary).</summary>
public static class RunSummary
{
    public static string Render(Catalog.Catalog catalog, RunResults results, IReadOnlyList<IGate> gates, IReadOnlyList<string> failures)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(failures);
        var bake = results.Bake;
        var publish = results.Publish;
        var sb = new StringBuilder($"# Kiln: {catalog.File}\n\n");
        sb.Append(failures.Count == 0 ? "**Result: success.**\n\n" : "**Result: FAILED.**\n\n" + string.Concat(failures.Select(f => $"- {f}\n")) + "\n");
        if (publish is not null)
        {
            sb.Append(publish.LatestMoved ? "`-latest` tags moved: every gate passed.\n\n" : $"No `-latest` tag moved: {publish.Why}.\n\n");
        }

        var reports = gates.Select(g => (Gate: g, Report: results.Gates.GetValueOrDefault(g.Name))).ToList();
        var rows = new List<IReadOnlyList<string>>();
        var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
        // Families in catalog order, then the bake's services (a resumed Publish has no hashes: the family is unknown).
        var images = catalog.Families.Select(f => (f.Name, f.Parent))
            .Concat(bake?.Families.Where(f => f.Kind == Hashing.ImageKind.Service).Select(s => (s.Name, results.Hashes?.Families.FirstOrDefault(h => h.Name == s.Name)?.Parent)) ?? [])
            .ToList();
        foreach (var family in images)
        {
            if (bake?.Get(family.Name) is not { } b)
            {
                continue;
            }

            var p = publish?.Families.FirstOrDefault(f => f.Family == family.Name);
            var outcome = outcomes[family.Name] = Outcome(b, reports.Select(r => r.Report), p);
            rows.Add(
            [
                family.Name,
                outcome,
                b.Outcome == Buildx.Outcome.Reused ? "-" : b.Why ?? b.Reason,
                $"`{b.Hash}`",
                b.Digest is null ? "-" : $"`{b.Digest[..Math.Min(19, b.Digest.Length)]}`",
                .. reports.Select(r => r.Report?.SummaryCell(family.Name) ?? "not run"),
                p is null || p.Tags.Count == 0 ? (p?.Why ?? "-") : string.Join("<br>", p.Tags.Select(t => $"`{Catalog.ImageReference.Split(t.Tag).Tag}` {t.Action}")),
            ]);
        }

        sb.Append(TextTable.Markdown(["Image", "Outcome", "Why built", "Hash", "Digest", .. reports.Select(r => $"{r.Gate.Name} gate"), "Pushed tags"], rows));
        sb.Append("\n```mermaid\nflowchart TD\n");
        foreach (var family in images.Where(f => outcomes.ContainsKey(f.Name)))
        {
            var b = bake!.Get(family.Name)!;
            var outcome = outcomes[family.Name];
            sb.Append($"    {Id(family.Name)}[\"{family.Name}<br>{b.Hash}<br>{outcome}\"]:::{outcome}\n");
            if (family.Parent is { } parent && outcomes.ContainsKey(parent))
            {
                sb.Append($"    {Id(parent)} --> {Id(family.Name)}\n");
            }
        }

        sb.Append("    classDef built fill:#d4f7d4,stroke:#2a7a2a\n    classDef reused fill:#e3ecfa,stroke:#3a5a9a\n");
        sb.Append("    classDef failed fill:#fbd5d5,stroke:#a12a2a\n    classDef blocked fill:#fde9c8,stroke:#a16a00\n```\n");
        sb.Append($"\nReports: `hashes.json`, `bake-plan.json`, `build.log`, `oci-metadata.json`, {string.Join(", ", gates.Select(g => $"`{g.Report}.md`"))}, `ghcr-status.md`.\n");
        return sb.ToString();
    }

    private static string Outcome(ImageOutcome b, IEnumerable<IGateReport?> reports, ImagePublish? publish) => b.Outcome switch
    {
        Buildx.Outcome.Failed or Buildx.Outcome.NotBuilt => "failed",
        _ when reports.Any(r => r?.Verdicts.Any(v => v.Family == b.Name && !v.Allows) == true) || publish is { Decision: "not-pushed" } => "blocked",
        Buildx.Outcome.Reused => "reused",
        _ => "built",
    };

    private static string Id(string family) => "f_" + new string(family.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_').ToArray());
}
