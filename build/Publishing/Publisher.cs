using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Buildx;
using Build.Gates;
using Build.Registry;
using Build.Tools;

namespace Build.Publishing;

public sealed record PushedTag(string Tag, string Digest, string Action);

public sealed record FamilyPublish(string Family, string Decision, string Why, IReadOnlyList<PushedTag> Tags);

/// <summary>artifacts/publish.json: what was pushed, what was not and why.</summary>
public sealed record PublishReport(int SchemaVersion, string Registry, bool LatestMoved, string Why, IReadOnlyList<FamilyPublish> Families)
{
    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public static PublishReport FromJson(string json) => JsonSerializer.Deserialize<PublishReport>(json, CveReport.Json) ?? throw new JsonException("empty publish.json");
}

/// <summary>The gates' verdicts for one run, read from their reports.</summary>
public sealed record GateVerdicts(GateResult Cve, IReadOnlySet<string> CveBlocked, GateResult Size, IReadOnlySet<string> SizeBlocked)
{
    public bool AllPassed => Cve is GateResult.Passed or GateResult.Skipped && Size == GateResult.Passed;

    public string? BlockedWhy(string family) =>
        CveBlocked.Contains(family) ? "the CVE gate blocks it" :
        SizeBlocked.Contains(family) ? "the size gate blocks it" :
        Cve == GateResult.NotRun ? "it was not scanned for CVEs" : null;

    public static GateVerdicts Read(string artifacts)
    {
        var cvePath = Path.Combine(artifacts, "cve-report.json");
        var sizePath = Path.Combine(artifacts, "size-report.json");
        var cve = File.Exists(cvePath) ? CveReport.FromJson(File.ReadAllText(cvePath)) : null;
        var size = File.Exists(sizePath) ? SizeReport.FromJson(File.ReadAllText(sizePath)) : null;
        return new GateVerdicts(
            cve?.Result ?? GateResult.NotRun,
            cve?.Families.Where(f => f.Blocking > 0 || f.Status == ScanStatus.Failed).Select(f => f.Family).ToHashSet(StringComparer.Ordinal) ?? [],
            size?.Result ?? GateResult.NotRun,
            size?.Families.Where(f => f.Verdict != "pass").Select(f => f.Family).ToHashSet(StringComparer.Ordinal) ?? []);
    }

    public string Summary => $"CVE gate {Describe(Cve)}, size gate {Describe(Size)}";

    private static string Describe(GateResult r) => r switch { GateResult.NotRun => "not run", _ => r.ToString().ToLowerInvariant() };
}

/// <summary>Pushes images in the safe order and never moves -latest unless every gate passed everywhere.</summary>
public sealed class Publisher(OciRegistryClient registry, Action<string> log, Func<CommandLine, ProcessOptions?, ProcessResult>? run = null, int attempts = 3, TimeSpan? backoff = null)
{
    private readonly Func<CommandLine, ProcessOptions?, ProcessResult> _run = run ?? ((c, o) => ProcessRunner.Run(c, o));

    public PublishReport Publish(string registryText, BakeResult bake, IReadOnlyDictionary<string, IReadOnlyList<string>> tagsByFamily, GateVerdicts gates)
    {
        ArgumentNullException.ThrowIfNull(bake);
        ArgumentNullException.ThrowIfNull(tagsByFamily);
        ArgumentNullException.ThrowIfNull(gates);
        var moveLatest = gates.AllPassed && bake.Succeeded;
        var why = moveLatest ? "every gate passed" : $"-latest stays where it was: {(bake.Succeeded ? gates.Summary : "the bake failed")}";
        var results = new List<FamilyPublish>();
        foreach (var family in bake.Families)
        {
            if (family.Outcome == Outcome.Reused)
            {
                results.Add(new FamilyPublish(family.Name, "reused", "already published (hash hit): not pushed again", []));
                continue;
            }

            if (family.Outcome != Outcome.Built || family.Digest is null)
            {
                results.Add(new FamilyPublish(family.Name, "not-pushed", "it was not built", []));
                continue;
            }

            if (gates.BlockedWhy(family.Name) is { } blocked)
            {
                results.Add(new FamilyPublish(family.Name, "not-pushed", blocked, []));
                continue;
            }

            var tags = tagsByFamily[family.Name];
            var pushed = new List<PushedTag>
            {
                Push(family.Tag, tags[0], family.Digest),
                Push(family.Tag, tags[1], family.Digest),
            };
            if (moveLatest)
            {
                pushed.Add(Push(family.Tag, tags[2], family.Digest));
            }

            results.Add(new FamilyPublish(family.Name, "pushed", moveLatest ? "built and passed every gate" : "built and passed its gates; " + why, pushed));
        }

        return new PublishReport(1, registryText, moveLatest, why, results);
    }

    /// <summary>One tag: skipped when the registry already has it at this digest (a re-run pushes only what is missing).</summary>
    private PushedTag Push(string localTag, string tag, string digest)
    {
        var image = ImageName.Parse(tag);
        var repository = image with { Tag = null, Digest = null };
        if (registry.HeadManifestAsync(repository, image.Tag!).GetAwaiter().GetResult() is { } existing && existing.Digest == digest)
        {
            log($"{tag} is already {digest[..19]}: skipped");
            return new PushedTag(tag, digest, "already-present");
        }

        if (tag != localTag)
        {
            var retag = _run(new CommandLine("docker").Add("tag", localTag, tag), null);
            if (!retag.Succeeded)
            {
                throw new PublishException($"docker tag {localTag} {tag} failed: {retag.StandardError.Trim()}");
            }
        }

        var wait = backoff ?? TimeSpan.FromSeconds(2);
        for (var attempt = 1; ; attempt++)
        {
            var push = _run(new CommandLine("docker").Add("push", "--quiet", tag), new ProcessOptions { Timeout = TimeSpan.FromMinutes(30) });
            if (push.Succeeded)
            {
                log($"pushed {tag}");
                return new PushedTag(tag, digest, "pushed");
            }

            var error = push.StandardError.Trim().Split('\n').LastOrDefault() ?? "no error output";
            if (attempt >= attempts)
            {
                throw new PublishException($"docker push {tag} failed after {attempts} attempts: {error}");
            }

            log($"push {tag} failed ({error}); retrying in {wait.TotalSeconds:0.#} s");
            Thread.Sleep(wait);
            wait *= 2;
        }
    }
}

public sealed class PublishException(string message) : Exception(message)
{
    public PublishException()
        : this("Publish failed.")
    {
    }

    public PublishException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}
