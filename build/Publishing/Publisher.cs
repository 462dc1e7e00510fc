using System.Text.Json;
using System.Text.Json.Serialization;
using Build.Buildx;
using Build.Gates;
using Build.Hashing;
using Build.Registry;
using Build.Tools;

namespace Build.Publishing;

public sealed record PushedTag(string Tag, string Digest, string Action);

/// <param name="Repository">Where this image's tags live (a service's is the services repository); null in reports written before services.</param>
/// <param name="Cause">Why the image was built: its first root cause (Bake's why); null for a reused image.</param>
/// <param name="Inputs">Where its inputs record was published beside it, or null (not pushed, or the record could not be attached).</param>
public sealed record ImagePublish(string Family, string Hash, string? Digest, string Decision, string Why, IReadOnlyList<PushedTag> Tags, string? Repository = null, string? Cause = null, Explain.InputsAttachment? Inputs = null);

/// <summary>artifacts/publish.json: what was pushed, what was not and why, and the gate results it relied on.</summary>
public sealed record PublishReport(
    int SchemaVersion,
    RunStamp Run,
    string Registry,
    string? Shard,
    bool LatestMoved,
    string Why,
    IReadOnlyDictionary<string, GateResult> Gates,
    IReadOnlyList<ImagePublish> Families)
{
    public const int CurrentSchema = 2;

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
    IProcessRunner processes,
    int attempts = 3,
    TimeSpan? backoff = null,
    IReadOnlyDictionary<string, string?>? dockerEnvironment = null,
    Func<string, Explain.InputsDocument?>? inputs = null)
{
    private readonly IProcessRunner _processes = processes ?? throw new ArgumentNullException(nameof(processes));
    private readonly IReadOnlyDictionary<string, string?> _environment = dockerEnvironment ?? new Dictionary<string, string?>();

    /// <param name="localImages">The local store's image ID per tag: an image pushed must be the one the gates judged.</param>
    public PublishReport Publish(RunStamp stamp, string registryText, BakeResult bake, IReadOnlyDictionary<string, ImageTags> tags, GateLedger gates, string? shard, Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>> localImages)
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
                { } image when local.GetValueOrDefault(image.Tag) is not { } id =>
                    ("not-pushed", $"there is no local {image.Tag} to push: run the chain again (./build.sh --target=Publish)"),
                { } image when local[image.Tag] != image.Digest =>
                    ("not-pushed", $"the local {image.Tag} is {local[image.Tag]}, not the judged {image.Digest}: run the chain again (./build.sh --target=Publish)"),
                _ => ("pushed", string.Empty),
            };
        }

        var blocked = decisions.Where(d => d.Value.Decision == "not-pushed").Select(d => d.Key).ToList();
        var moveLatest = shard is null && bake.Succeeded && gates.AllPassed && blocked.Count == 0;
        var why = moveLatest ? "every gate passed"
            : shard is not null ? $"-latest stays where it was: this run is shard {shard}; Promote moves -latest once every shard passed"
            : $"-latest stays where it was: {(!bake.Succeeded ? "the bake failed" : !gates.AllPassed ? gates.Summary : $"not pushed: {string.Join(", ", blocked)}")}";

        var results = new List<ImagePublish>();
        foreach (var family in bake.Families)
        {
            var (decision, reason) = decisions[family.Name];
            var pushed = new List<PushedTag>();
            if (decision == "pushed")
            {
                var t = tags[family.Name];
                pushed.Add(Push(t.Immutable, family.Digest!));
                // The date tag is made in the registry from the digest just pushed: no second push, no retag.
                pushed.Add(TagInRegistry(t.Dated, family.Digest!));
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

            var attachment = decision == "pushed" || pushed.Count > 0 ? Attach(tags[family.Name], family.Name, family.Hash, family.Digest!) : null;
            results.Add(new ImagePublish(family.Name, family.Hash, family.Digest, decision, reason, pushed, tags[family.Name].Repository,
                family.Outcome == Outcome.Built ? family.Why : null, attachment));
        }

        if (moveLatest)
        {
            var moved = MoveAllLatest(results.Select(f => (tags[f.Family], f.Digest!)).ToList());
            results = results.Select((f, i) => f with { Tags = [.. f.Tags, moved[i]] }).ToList();
        }

        var gateResults = gates.Gates.ToDictionary(g => g.Name, g => gates.Reports.TryGetValue(g.Name, out var r) ? r.Result : GateResult.NotRun, StringComparer.Ordinal);
        return new PublishReport(PublishReport.CurrentSchema, stamp, registryText, shard, moveLatest, why, gateResults, results);
    }

    /// <summary>
    /// Every -latest, or none: each is pointed at its digest in the registry (no local image needed); when one fails,
    /// the ones already moved are pointed back at the digest they had, and the error says what is where.
    /// </summary>
    public IReadOnlyList<PushedTag> MoveAllLatest(IReadOnlyList<(ImageTags Tags, string Digest)> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var before = targets.Select(t => Head(t.Tags.Latest)?.Digest).ToList();
        var moved = new List<PushedTag>();
        try
        {
            foreach (var (tags, digest) in targets)
            {
                moved.Add(TagInRegistry(tags.Latest, digest));
            }

            return moved;
        }
        catch (RegistryException ex)
        {
            var restored = new List<string>();
            for (var i = 0; i < moved.Count; i++)
            {
                if (moved[i].Action == "pushed" && before[i] is { } previous)
                {
                    TagInRegistry(targets[i].Tags.Latest, previous);
                    restored.Add(targets[i].Tags.Latest);
                }
            }

            throw new PublishException($"moving -latest failed at {targets[moved.Count].Tags.Latest} ({ex.Message}); {(restored.Count == 0 ? "no -latest had moved" : "moved back: " + string.Join(", ", restored))}.");
        }
    }

    /// <summary>
    /// Publishes the image's inputs record beside it (an artifact with the image as subject, the referrers tag and
    /// &lt;name&gt;-&lt;hash&gt;.inputs), unless that tag already holds it. A failure is reported, not fatal: the image is
    /// what was judged, and an image without a record is still explained as far as it can be ("no inputs record").
    /// </summary>
    private Explain.InputsAttachment? Attach(ImageTags tags, string image, string hash, string digest)
    {
        if (inputs?.Invoke(image) is not { } document || document.Record.Hash != hash)
        {
            return null;
        }

        var repository = ImageName.ParseRepository(tags.Repository);
        var hashTag = ImageTags.InputsTagOf(image, hash);
        try
        {
            var attachment = new Explain.InputsPublisher(registry).AttachAsync(repository, document, digest).GetAwaiter().GetResult();
            log($"attached {image}'s inputs record {document.Digest[..19]} as {attachment.Artifact[..19]} ({hashTag}{(attachment.ReferrersTag is { } r ? ", " + r : string.Empty)})");
            return attachment;
        }
        catch (RegistryException ex)
        {
            log($"could not attach {image}'s inputs record ({ex.Message}); Explain will say it has none");
            return null;
        }
    }

    /// <summary>Points <paramref name="tag"/> at <paramref name="digest"/> inside the registry (skipped when it already is).</summary>
    public PushedTag TagInRegistry(string tag, string digest)
    {
        var image = ImageName.Parse(tag);
        if (Head(tag) is { } existing && existing.Digest == digest)
        {
            log($"{tag} is already {digest[..19]}: skipped");
            return new PushedTag(tag, digest, "already-present");
        }

        registry.TagManifestAsync(image with { Tag = null, Digest = null }, digest, image.Tag!).GetAwaiter().GetResult();
        log($"tagged {tag} as {digest[..19]}");
        return new PushedTag(tag, digest, "pushed");
    }

    private ManifestInfo? Head(string tag)
    {
        var image = ImageName.Parse(tag);
        return registry.HeadManifestAsync(image with { Tag = null, Digest = null }, image.Tag!).GetAwaiter().GetResult();
    }

    /// <summary>
    /// The immutable tag: skipped when the registry already has it at this digest (a re-run pushes only what is
    /// missing), else `docker push` of the local image — then the registry must name the judged digest, or Publish fails.
    /// </summary>
    private PushedTag Push(string tag, string digest)
    {
        if (Head(tag) is { } existing && existing.Digest == digest)
        {
            log($"{tag} is already {digest[..19]}: skipped");
            return new PushedTag(tag, digest, "already-present");
        }

        var options = new ProcessOptions { Environment = _environment, Timeout = TimeSpan.FromMinutes(30) };
        var wait = backoff ?? TimeSpan.FromSeconds(2);
        for (var attempt = 1; ; attempt++)
        {
            var push = _processes.Run(new CommandLine("docker").Add("push", "--quiet", tag), options);
            if (push.Succeeded)
            {
                var stored = Head(tag)?.Digest;
                if (stored != digest)
                {
                    throw new PublishException($"docker push {tag} left {stored ?? "nothing"} in the registry, not the judged {digest}: -latest stays where it was.");
                }

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
