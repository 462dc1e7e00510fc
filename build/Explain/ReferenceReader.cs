using System.Text.Json;
using Build.Registry;

namespace Build.Explain;

/// <summary>
/// The reference one image is compared with: the tags to try, in order (<c>hello-latest</c>; Bake also tries today's
/// date tag), in its repository. A tag ending in <c>.inputs</c> names the record itself (found by hash).
/// </summary>
public sealed record ReferenceRequest(string Image, ImageName Repository, IReadOnlyList<string> Tags);

/// <summary>
/// This machine's side: which local images carry which inputs label (reference → label value, "" for an image
/// without one; references the store lacks are left out) and the records kept here by digest.
/// </summary>
/// <param name="OfImage">The record this machine already read for an image manifest digest (an image's record never
/// changes: its label, part of the digest, names it), or null.</param>
/// <param name="Remember">Keeps a record read from the registry under its image's manifest digest.</param>
public sealed record LocalInputs(
    Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>> Labels,
    Func<string, byte[]?> Record,
    Func<string, byte[]?>? OfImage = null,
    Action<string, byte[]>? Remember = null)
{
    public static LocalInputs None { get; } = new(_ => new Dictionary<string, string>(), _ => null);
}

/// <summary>
/// Finds each image's reference record: in the registry (the tag's manifest, then its referrers — the referrers API,
/// else the referrers tag —, then the image's label as a last way to the record blob), else in the local store (the
/// local image's label, and a record kept in .kiln/inputs or artifacts/inputs with that digest). Every way it can
/// fail is a one-line reason: an unreachable registry, a tag that is gone, an image published before records were.
/// One request first: an unreachable registry is found out once, not once per image.
/// </summary>
public sealed class ReferenceReader(OciRegistryClient client, LocalInputs local)
{
    private enum Found
    {
        Record,
        Absent,
        NoRecord,
        Error,
    }

    private readonly Lock _gate = new();

    private Task<bool>? _referrersApi;

    private sealed record Outcome(Found Kind, InputsRecord? Record = null, string? Digest = null, string? Reason = null, string? Label = null, string Source = "registry");

    /// <param name="unreachable">Why the registry is already known to be unreachable (this run asked it before), or null.</param>
    public async Task<IReadOnlyDictionary<string, ReferenceLookup>> ReadAsync(IReadOnlyList<ReferenceRequest> requests, string? unreachable = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new Dictionary<string, ReferenceLookup>(StringComparer.Ordinal);
        if (requests.Count == 0)
        {
            return results;
        }

        var down = unreachable;
        if (down is null)
        {
            try
            {
                await client.HeadManifestAsync(requests[0].Repository, requests[0].Tags[0], cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex) when (ex.Unreachable)
            {
                down = Short(ex);
            }
            catch (RegistryException)
            {
                // An answer, if an unwelcome one: each image's own request reports it.
            }
        }

        var registry = down is not null
            ? requests.ToDictionary(r => r.Image, _ => (IReadOnlyList<Outcome>)[], StringComparer.Ordinal)
            : (await Task.WhenAll(requests.Select(async r => (r.Image, Outcomes: await FromRegistryAsync(r, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false))
                .ToDictionary(x => x.Image, x => x.Outcomes, StringComparer.Ordinal);

        // The local store, asked once for every reference the registry did not answer with a record.
        var pending = requests.Where(r => !registry[r.Image].Any(o => o.Kind == Found.Record)).ToList();
        var labels = pending.Count == 0 ? new Dictionary<string, string>() : local.Labels(pending.SelectMany(r => r.Tags.Where(t => !IsHashTag(t)).Select(t => Reference(r, t))).ToList());
        foreach (var request in requests)
        {
            results[request.Image] = Decide(request, registry[request.Image], labels, down);
        }

        return results;
    }

    private ReferenceLookup Decide(ReferenceRequest request, IReadOnlyList<Outcome> outcomes, IReadOnlyDictionary<string, string> labels, string? down)
    {
        var primary = request.Tags[0];
        if (outcomes.FirstOrDefault(o => o.Kind == Found.Record) is { } found)
        {
            return ReferenceLookup.Found(request.Image, request.Tags[outcomes.ToList().IndexOf(found)], found.Record!, found.Digest, found.Source);
        }

        // The registry's image is there but carries a label whose record is only kept here.
        foreach (var (outcome, tag) in outcomes.Zip(request.Tags))
        {
            if (outcome is { Kind: Found.NoRecord, Label: { } label } && Local(request, tag, label) is { Kind: Found.Record } kept)
            {
                return ReferenceLookup.Found(request.Image, tag, kept.Record!, outcome.Digest, "registry's image label and this machine's record");
            }
        }

        // The local store answers for a tag only where the registry did not: it may hold an older image under it.
        var unanswered = request.Tags.Select((t, i) => (Tag: t, Outcome: i < outcomes.Count ? outcomes[i] : null))
            .Where(x => !IsHashTag(x.Tag) && x.Outcome is null or { Kind: Found.Absent or Found.Error }).Select(x => x.Tag);
        string? localNote = null;
        foreach (var tag in unanswered)
        {
            if (!labels.TryGetValue(Reference(request, tag), out var label))
            {
                continue;
            }

            if (label.Length == 0)
            {
                localNote ??= $"the local {tag} has no inputs label: it was built before Kiln recorded inputs";
                continue;
            }

            switch (Local(request, tag, label))
            {
                case { Kind: Found.Record } kept:
                    return ReferenceLookup.Found(request.Image, tag, kept.Record!, null, "local store");
                case { } unusable:
                    localNote ??= unusable.Reason;
                    break;
                default:
                    localNote ??= $"the local {tag} is labelled {Abbrev(label)}, but no record with that digest is kept here (.kiln/inputs, artifacts/inputs)";
                    break;
            }
        }

        var named = request.Tags.FirstOrDefault(t => !IsHashTag(t)) ?? primary;
        if (down is not null)
        {
            // "unreachable after 2 attempts: Connection refused (…)": the sentence says unreachable already.
            down = down.StartsWith("unreachable after", StringComparison.Ordinal) && down.IndexOf(": ", StringComparison.Ordinal) is > 0 and var colon ? down[(colon + 2)..] : down;
            var tail = localNote ?? $"the local store has no {named}";
            return ReferenceLookup.Missing(request.Image, primary, $"the registry {request.Repository.Registry} is unreachable ({down}) and {tail}",
                $"the registry {request.Repository.Registry} is unreachable ({down}) and {(localNote is null ? $"the local store has no {Generic(request, named)}" : "the local images carry no usable record")}");
        }

        // The most telling answer: an image without a usable record says more than a tag that is not there.
        if (outcomes.FirstOrDefault(o => o.Kind is Found.NoRecord or Found.Error) is { } telling)
        {
            return ReferenceLookup.Missing(request.Image, primary, telling.Reason!);
        }

        return ReferenceLookup.Missing(request.Image, primary,
            $"{named} is in neither {request.Repository.Registry}/{request.Repository.Repository} nor the local store (deleted, or never published){(localNote is null ? string.Empty : "; " + localNote)}",
            $"{Generic(request, named)} is in neither {request.Repository.Registry}/{request.Repository.Repository} nor the local store (deleted, or never published)");
    }

    /// <summary>Each tag's outcome in the registry, in order, stopping at the first record.</summary>
    private async Task<IReadOnlyList<Outcome>> FromRegistryAsync(ReferenceRequest request, CancellationToken cancellationToken)
    {
        var outcomes = new List<Outcome>();
        foreach (var tag in request.Tags)
        {
            Outcome outcome;
            try
            {
                outcome = IsHashTag(tag)
                    ? await ByHashTagAsync(request, tag, cancellationToken).ConfigureAwait(false)
                    : await ByImageTagAsync(request, tag, cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex)
            {
                outcome = new Outcome(Found.Error, Reason: $"{tag}: the registry answered {Short(ex)}");
            }
            catch (JsonException ex)
            {
                outcome = new Outcome(Found.Error, Reason: $"{tag}: the registry returned a manifest that is not JSON ({ex.Message.Split('\n')[0]})");
            }

            outcomes.Add(outcome);
            if (outcome.Kind == Found.Record)
            {
                break;
            }
        }

        return outcomes;
    }

    private async Task<Outcome> ByHashTagAsync(ReferenceRequest request, string tag, CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(request.Repository, tag, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            return new Outcome(Found.Absent);
        }

        var layer = InputsArtifact.RecordLayer(manifest.Bytes);
        return layer is null
            ? new Outcome(Found.Error, Reason: $"{tag} is not an inputs record (artifactType is not {InputsRecord.MediaType})")
            : await RecordBlobAsync(request, tag, layer, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Outcome> ByImageTagAsync(ReferenceRequest request, string tag, CancellationToken cancellationToken)
    {
        var repository = request.Repository;
        var head = await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return new Outcome(Found.Absent);
        }

        // The tag moves; what the image it names was made of does not: read once, kept by its manifest digest.
        if (local.OfImage?.Invoke(head.Digest) is { } known && Checked(request, tag, known, head.Digest) is { Kind: Found.Record } remembered)
        {
            return remembered;
        }

        var index = (await ReferrersApiAsync(repository, head.Digest, cancellationToken).ConfigureAwait(false) ? await client.GetReferrersAsync(repository, head.Digest, InputsRecord.MediaType, cancellationToken).ConfigureAwait(false) : null)
            ?? (await client.GetManifestAsync(repository, InputsArtifact.ReferrersTag(head.Digest), cancellationToken).ConfigureAwait(false))?.Bytes;
        foreach (var artifact in index is null ? [] : InputsArtifact.Referrers(index))
        {
            var manifest = await client.GetManifestAsync(repository, artifact, cancellationToken).ConfigureAwait(false);
            if (manifest is not null && InputsArtifact.RecordLayer(manifest.Bytes) is { } layer)
            {
                var outcome = await RecordBlobAsync(request, tag, layer, head.Digest, cancellationToken).ConfigureAwait(false);
                if (outcome.Kind == Found.Record)
                {
                    return outcome;
                }
            }
        }

        // No referrer: the image's own label may still lead to the record's blob (or to one kept on this machine).
        var label = await LabelAsync(repository, head.Digest, cancellationToken).ConfigureAwait(false);
        if (label is null)
        {
            return new Outcome(Found.NoRecord, Digest: head.Digest, Reason: $"{tag} ({Abbrev(head.Digest)}) has no inputs record: it was published before Kiln recorded inputs");
        }

        if (await client.BlobExistsAsync(repository, label, cancellationToken).ConfigureAwait(false))
        {
            var byLabel = await RecordBlobAsync(request, tag, label, head.Digest, cancellationToken).ConfigureAwait(false);
            if (byLabel.Kind == Found.Record)
            {
                return byLabel with { Source = "registry (by the image's label)" };
            }
        }

        return new Outcome(Found.NoRecord, Digest: head.Digest, Label: label,
            Reason: $"{tag} ({Abbrev(head.Digest)}) is labelled with inputs {Abbrev(label)}, but neither the registry nor this machine holds that record");
    }

    /// <summary>
    /// One question for the registry as a whole, asked by the first image that needs its referrers (an image whose
    /// record is kept here needs none): without the referrers API (a 404), every image goes straight to its referrers
    /// tag instead of asking the API once more each.
    /// </summary>
    private Task<bool> ReferrersApiAsync(ImageName repository, string digest, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _referrersApi ??= Ask();
        }

        async Task<bool> Ask() => await client.GetReferrersAsync(repository, digest, InputsRecord.MediaType, cancellationToken).ConfigureAwait(false) is not null;
    }

    private async Task<Outcome> RecordBlobAsync(ReferenceRequest request, string tag, string digest, string? imageDigest, CancellationToken cancellationToken)
    {
        var bytes = await client.GetBlobAsync(request.Repository, digest, cancellationToken).ConfigureAwait(false);
        if (InputsRecord.DigestOf(bytes) != digest)
        {
            return new Outcome(Found.Error, Reason: $"the inputs record of {tag} does not match its digest {Abbrev(digest)}");
        }

        var outcome = Checked(request, tag, bytes, imageDigest);
        if (outcome.Kind == Found.Record && imageDigest is not null)
        {
            local.Remember?.Invoke(imageDigest, bytes);
        }

        return outcome;
    }

    private static Outcome Checked(ReferenceRequest request, string tag, byte[] bytes, string? imageDigest)
    {
        try
        {
            var record = InputsRecord.Parse(bytes);
            if (record.Image != request.Image)
            {
                return new Outcome(Found.Error, Reason: $"the inputs record found for {tag} describes {record.Image}, not {request.Image}");
            }

            return record.Inconsistency() is { } problem
                ? new Outcome(Found.Error, Reason: $"the inputs record of {tag} cannot be used: {problem}")
                : new Outcome(Found.Record, record, imageDigest);
        }
        catch (InputsRecordException ex)
        {
            return new Outcome(Found.Error, Reason: $"the inputs record of {tag} cannot be used: {ex.Message}");
        }
    }

    /// <summary>The record this machine keeps under a digest: null when none is kept, else the checked outcome.</summary>
    private Outcome? Local(ReferenceRequest request, string tag, string digest) =>
        local.Record(digest) is { } bytes && InputsRecord.DigestOf(bytes) == digest ? Checked(request, tag, bytes, null) : null;

    /// <summary>The image's <see cref="InputsRecord.Label"/>, read from its config (the first manifest of an index).</summary>
    private async Task<string?> LabelAsync(ImageName repository, string digest, CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(repository, digest, cancellationToken).ConfigureAwait(false);
        if (manifest is null)
        {
            return null;
        }

        using var doc = manifest.Parse();
        var root = doc.RootElement;
        if (root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array && manifests.GetArrayLength() > 0)
        {
            return await LabelAsync(repository, manifests[0].GetProperty("digest").GetString()!, cancellationToken).ConfigureAwait(false);
        }

        if (!root.TryGetProperty("config", out var config) || config.GetProperty("digest").GetString() is not { } configDigest)
        {
            return null;
        }

        using var configDoc = JsonDocument.Parse(await client.GetBlobAsync(repository, configDigest, cancellationToken).ConfigureAwait(false));
        return configDoc.RootElement.TryGetProperty("config", out var c) && c.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object
            && labels.TryGetProperty(InputsRecord.Label, out var value) && value.GetString() is { Length: > 0 } text ? text : null;
    }

    /// <summary>The tag with the image's name as a placeholder: "&lt;image&gt;-latest", the same words for every image.</summary>
    private static string Generic(ReferenceRequest request, string tag) => Hashing.ImageTags.Generic(request.Image, tag);

    private static bool IsHashTag(string tag) => Hashing.ImageTags.IsInputsTag(tag);

    private static string Reference(ReferenceRequest request, string tag) => $"{request.Repository.Registry}/{request.Repository.Repository}:{tag}";

    private static string Abbrev(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;

    /// <summary>The registry's reason without the "registry …, repository …, reference …:" prefix, on one line.</summary>
    public static string Short(RegistryException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return Short(ex.Message);
    }

    /// <inheritdoc cref="Short(RegistryException)"/>
    public static string Short(string registryMessage)
    {
        ArgumentNullException.ThrowIfNull(registryMessage);
        var message = registryMessage.Split('\n')[0];
        var at = message.IndexOf(": ", StringComparison.Ordinal);
        return at < 0 ? message : message[(at + 2)..];
    }
}
