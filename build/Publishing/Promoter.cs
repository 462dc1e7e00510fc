using System.Text.Json;
using Build.Gates;
using Build.Hashing;
using Build.Registry;

namespace Build.Publishing;

public sealed record ShardCheck(string Shard, string Source, bool Passed, IReadOnlyList<string> Problems);

public sealed record PromotedFamily(string Family, string Shard, string Hash, string Digest, PushedTag? Latest, string? Repository = null);

/// <summary>artifacts/promote.json: which shards were checked, what was wrong, and where every -latest points now.</summary>
public sealed record PromoteReport(int SchemaVersion, RunStamp Run, string Registry, bool Moved, string Why, IReadOnlyList<ShardCheck> Shards, IReadOnlyList<PromotedFamily> Families)
{
    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public static PromoteReport FromJson(string json) => JsonSerializer.Deserialize<PromoteReport>(json, CveReport.Json) ?? throw new JsonException("empty promote.json");

    public string Markdown()
    {
        var sb = new System.Text.StringBuilder("# Promote\n\n");
        sb.Append(Moved ? "**Every shard passed: every `-latest` moved.**\n\n" : $"**No `-latest` moved:** {Why}.\n\n");
        sb.Append(Reports.TextTable.Markdown(["Shard", "Report", "Result", "Problems"], Shards.Select(s => (IReadOnlyList<string>)[s.Shard, $"`{s.Source}`", s.Passed ? "passed" : "**FAILED**", s.Problems.Count == 0 ? "-" : string.Join("<br>", s.Problems)])));
        sb.Append('\n').Append(Reports.TextTable.Markdown(["Image", "Shard", "Hash", "Digest", "-latest"], Families.Select(f => (IReadOnlyList<string>)[f.Family, f.Shard, $"`{f.Hash}`", $"`{f.Digest[..Math.Min(19, f.Digest.Length)]}`", f.Latest?.Action ?? "not moved"])));
        return sb.ToString();
    }
}

/// <summary>
/// The last job of a sharded workflow: each shard pushed hash and date tags only. -latest moves for every family
/// only when every shard's every gate passed, every family is in the registry at the digest its shard reported, and
/// no two shards disagree about a family; one failure anywhere and nothing moves.
/// </summary>
public static class Promoter
{
    /// <param name="expected">The shards the workflow ran: one that left no publish report fails the promotion (null: the ones given).</param>
    public static PromoteReport Promote(RunStamp stamp, IReadOnlyList<(string Source, PublishReport Report)> shards, OciRegistryClient registry, Publisher publisher, IReadOnlyList<string>? expected = null)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(publisher);
        var registries = shards.Select(s => s.Report.Registry).Distinct(StringComparer.Ordinal).ToList();
        var target = registries.Count == 1 ? registries[0] : string.Join(", ", registries);
        var checks = new List<ShardCheck>();
        var families = new Dictionary<string, PromotedFamily>(StringComparer.Ordinal);
        foreach (var (source, report) in shards)
        {
            var shard = report.Shard ?? "(not a shard)";
            var problems = new List<string>();
            if (report.SchemaVersion != PublishReport.CurrentSchema || report.Gates is null || report.Families is null)
            {
                checks.Add(new ShardCheck(shard, source, false, [$"publish.json schema {report.SchemaVersion} is not {PublishReport.CurrentSchema}: re-run the shard with this Kiln"]));
                continue;
            }

            if (report.Shard is null)
            {
                problems.Add("this publish report is not a shard's (run the shard with --shard=NAME)");
            }

            if (registries.Count > 1)
            {
                problems.Add($"the shards published to different registries ({target})");
            }

            foreach (var (gate, result) in report.Gates.Where(g => g.Value is not (GateResult.Passed or GateResult.Skipped)))
            {
                problems.Add($"its {gate} gate {GateLedger.Describe(result)}");
            }

            foreach (var family in report.Families)
            {
                if (family.Decision is not ("pushed" or "reused") || family.Digest is null)
                {
                    problems.Add($"{family.Family} was not pushed: {family.Why}");
                    continue;
                }

                var tags = new ImageTags(family.Repository ?? report.Registry, family.Family, family.Hash, string.Empty);
                var image = ImageName.Parse(tags.Immutable);
                var found = registry.HeadManifestAsync(image with { Tag = null }, image.Tag!).GetAwaiter().GetResult();
                if (found?.Digest != family.Digest)
                {
                    problems.Add($"{tags.Immutable} is {found?.Digest ?? "not in the registry"}, not the reported {family.Digest}");
                    continue;
                }

                if (families.TryGetValue(family.Family, out var other) && other.Digest != family.Digest)
                {
                    problems.Add($"{family.Family} is {family.Digest} here but {other.Digest} in shard {other.Shard}");
                    continue;
                }

                families[family.Family] = new PromotedFamily(family.Family, shard, family.Hash, family.Digest, null, tags.Repository);
            }

            checks.Add(new ShardCheck(shard, source, problems.Count == 0, problems));
        }

        foreach (var missing in (expected ?? []).Where(e => checks.All(c => c.Shard != e)))
        {
            checks.Add(new ShardCheck(missing, "-", false, ["it left no publish report (the shard failed before Publish)"]));
        }

        var failed = checks.Where(c => !c.Passed).ToList();
        if (shards.Count == 0 || failed.Count > 0)
        {
            var why = shards.Count == 0
                ? "no shard publish report was given (--shards=DIR,DIR)"
                : string.Join("; ", failed.Select(c => $"shard {c.Shard}: {string.Join("; ", c.Problems)}"));
            return new PromoteReport(1, stamp, target, false, why, checks, [.. families.Values]);
        }

        var all = families.Values.ToList();
        IReadOnlyList<PushedTag> latest;
        try
        {
            latest = publisher.MoveAllLatest(all.Select(f => (new ImageTags(f.Repository ?? target, f.Family, f.Hash, string.Empty), f.Digest)).ToList());
        }
        catch (PublishException ex)
        {
            return new PromoteReport(1, stamp, target, false, ex.Message, checks, all);
        }

        return new PromoteReport(1, stamp, target, true, "every shard passed every gate", checks, all.Select((f, i) => f with { Latest = latest[i] }).ToList());
    }
}
