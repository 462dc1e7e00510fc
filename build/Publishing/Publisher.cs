using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Buildx;
using Build.Gates;
using Build.Hashing;
using Build.Registry;
using Build.Tools;

namespace Build.Publishing;

public sealed record PushedTag(string Tag, string Digest, string Action);

public sealed record FamilyPublish(string Family, string Hash, string? Digest, string Decision, string Why, IReadOnlyList<PushedTag> Tags);

/// <summary>artifacts/publish.json: what was pushed, what was not and why, and the gate results it relied on.</summary>
public sealed record PublishReport(
    int SchemaVersion,
    RunStamp Run,
    string Registry,
    string? Shard,
    bool LatestMoved,
    string Why,
    IReadOnlyDictionary<string, GateResult> Gates,
    IReadOnlyList<FamilyPublish> Families)
{
    public const int CurrentSchema = 2;

    /// <summary>Every gate of the run passed (or was explicitly skipped) and every family is in the registry.</summary>
    public bool Complete => Gates.Values.All(g => g is GateResult.Passed or GateResult.Skipped) && Families.All(f => f.Decision is "pushed" or "reused");

    public string ToJson() => JsonSerializer.Serialize(this, CveReport.Json) + "\n";

    public static PublishReport FromJson(string json) => JsonSerializer.Deserialize<PublishReport>(json, CveReport.Json) ?? throw new JsonException("empty publish.json");
}

/// <summary>
/// Pushes images in a safe order: it decides first (an image is pushed only when every gate let that very digest
/// through), then pushes hash and date tags, then — only when every gate passed for every family and this run is
/// not one shard of several — points every -latest at its family's digest.
/// </summary>
public sealed class Publisher(
    OciRegistryClient registry,
    Action<string> log,
    Func<CommandLine, ProcessOptions?, ProcessResult>? run = null,
    int attempts = 3,
    TimeSpan? backoff = null,
    IReadOnlyDictionary<string, string?>? dockerEnvironment = null)
{
    private readonly Func<CommandLine, ProcessOptions?, ProcessResult> _run = run ?? ((c, o) => ProcessRunner.Run(c, o));
    private readonly IReadOnlyDictionary<string, string?> _environment = dockerEnvironment ?? new Dictionary<string, string?>();

    /// <param name="localImages">The local store's image ID per tag: an image pushed must be the one the gates judged.</param>
    public PublishReport Publish(RunStamp stamp, string registryText, BakeResult bake, IReadOnlyDictionary<string, FamilyTags> tags, GateLedger gates, string? shard, Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>> localImages)
    {
        ArgumentNullException.ThrowIfNull(bake);
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentNullException.ThrowIfNull(localImages);
        var toPush = bake.Images.Where(i => i.NeedsVerdict).ToList();
        var local = localImages(toPush.Select(i => i.Tag).ToList());
        var decisions = new Dictionary<string, (string Decision, string Why)>(StringComparer.Ordinal);
        foreach (var family in bake.Families)
        {
            decisions[family.Name] = family.Image switch
            {
                null => ("not-pushed", "it was not built"),
                { NeedsVerdict: false } => ("reused", "already published (hash hit): not pushed again"),
                { } image when gates.Refusals(image) is { Count: > 0 } refusals => ("not-pushed", string.Join("; ", refusals)),
                { } image when local.GetValueOrDefault(image.Tag) is { } id && id != image.Digest =>
                    ("not-pushed", $"the local {image.Tag} is {id}, not the judged {image.Digest}: run the chain again (./build.sh --target=Publish)"),
                _ => ("pushed", string.Empty),
            };
        }

        var blocked = decisions.Where(d => d.Value.Decision == "not-pushed").Select(d => d.Key).ToList();
        var moveLatest = shard is null && bake.Succeeded && gates.AllPassed && blocked.Count == 0;
        var why = moveLatest ? "every gate passed"
            : shard is not null ? $"-latest stays where it was: this run is shard {shard}; Promote moves -latest once every shard passed"
            : $"-latest stays where it was: {(!bake.Succeeded ? "the bake failed" : !gates.AllPassed ? gates.Summary : $"not pushed: {string.Join(", ", blocked)}")}";

        var results = new List<FamilyPublish>();
        foreach (var family in bake.Families)
        {
            var (decision, reason) = decisions[family.Name];
            var pushed = new List<PushedTag>();
            if (decision == "pushed")
            {
                var t = tags[family.Name];
                pushed.Add(Push(family.Tag, t.Immutable, family.Digest!));
                pushed.Add(Push(family.Tag, t.Dated, family.Digest!));
                if (pushed.All(p => p.Action == "already-present"))
                {
                    // Reused from the local store, and the registry already has it at this digest: nothing new went out.
                    (decision, reason) = ("reused", "already in the registry at this digest: not pushed again");
                }
                else
                {
                    reason = moveLatest ? "built and passed every gate" : "passed its gates; " + why;
                }
            }

            results.Add(new FamilyPublish(family.Name, family.Hash, family.Digest, decision, reason, pushed));
        }

        if (moveLatest)
        {
            results = results.Select(f => f with { Tags = [.. f.Tags, MoveLatest(tags[f.Family], f.Digest!)] }).ToList();
        }

        var gateResults = gates.Gates.ToDictionary(g => g.Name, g => gates.Reports.TryGetValue(g.Name, out var r) ? r.Result : GateResult.NotRun, StringComparer.Ordinal);
        return new PublishReport(PublishReport.CurrentSchema, stamp, registryText, shard, moveLatest, why, gateResults, results);
    }

    /// <summary>Points &lt;family&gt;-latest at <paramref name="digest"/> in the registry (no local image needed).</summary>
    public PushedTag MoveLatest(FamilyTags tags, string digest)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var image = ImageName.Parse(tags.Latest);
        var repository = image with { Tag = null, Digest = null };
        if (registry.HeadManifestAsync(repository, image.Tag!).GetAwaiter().GetResult() is { } existing && existing.Digest == digest)
        {
            log($"{tags.Latest} is already {digest[..19]}: skipped");
            return new PushedTag(tags.Latest, digest, "already-present");
        }

        registry.TagManifestAsync(repository, digest, image.Tag!).GetAwaiter().GetResult();
        log($"moved {tags.Latest} to {digest[..19]}");
        return new PushedTag(tags.Latest, digest, "pushed");
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

        var options = new ProcessOptions { Environment = _environment, Timeout = TimeSpan.FromMinutes(30) };
        if (tag != localTag)
        {
            var retag = _run(new CommandLine("docker").Add("tag", localTag, tag), options with { Timeout = TimeSpan.FromMinutes(1) });
            if (!retag.Succeeded)
            {
                throw new PublishException($"docker tag {localTag} {tag} failed: {retag.StandardError.Trim()}");
            }
        }

        var wait = backoff ?? TimeSpan.FromSeconds(2);
        for (var attempt = 1; ; attempt++)
        {
            var push = _run(new CommandLine("docker").Add("push", "--quiet", tag), options);
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
