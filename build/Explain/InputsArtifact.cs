using System.Buffers;
using System.Text.Json;
using Build.Registry;

namespace Build.Explain;

/// <summary>
/// An inputs record as an OCI artifact: a manifest with artifactType <see cref="InputsRecord.MediaType"/>, the empty
/// config, one layer (the record's canonical JSON) and the image as its subject. A registry without the referrers
/// API (Distribution 2.8) finds it through the referrers tag <c>sha256-&lt;hex&gt;</c>, an index the client keeps;
/// the tag <c>&lt;name&gt;-&lt;hash&gt;.inputs</c> finds it by hash, even after the image's own tags are gone.
/// </summary>
public static class InputsArtifact
{
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string IndexMediaType = "application/vnd.oci.image.index.v1+json";
    public const string EmptyMediaType = "application/vnd.oci.empty.v1+json";

    /// <summary>The empty config every artifact without a config of its own points at: the two bytes "{}".</summary>
    public static byte[] EmptyConfig => "{}"u8.ToArray();

    /// <summary>The referrers tag of a manifest: its algorithm (at most 32 characters), '-', its hex (at most 64).</summary>
    public static string ReferrersTag(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var algorithm = digest[..colon];
        var hex = digest[(colon + 1)..];
        static string Clean(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray());
        return Clean(algorithm[..Math.Min(32, algorithm.Length)]) + "-" + Clean(hex[..Math.Min(64, hex.Length)]);
    }

    /// <summary>The artifact manifest. Nothing in it depends on when it is made: the same image and record give the same digest.</summary>
    public static byte[] Manifest(InputsDocument document, ManifestInfo subject)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(subject);
        var empty = EmptyConfig;
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", ManifestMediaType);
            w.WriteString("artifactType", InputsRecord.MediaType);
            w.WriteStartObject("config");
            w.WriteString("mediaType", EmptyMediaType);
            w.WriteString("digest", InputsRecord.DigestOf(empty));
            w.WriteNumber("size", empty.Length);
            w.WriteEndObject();
            w.WriteStartArray("layers");
            w.WriteStartObject();
            w.WriteString("mediaType", InputsRecord.MediaType);
            w.WriteString("digest", document.Digest);
            w.WriteNumber("size", document.Json.Length);
            w.WriteStartObject("annotations");
            w.WriteString("org.opencontainers.image.title", $"{document.Record.Image}.inputs.json");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("subject");
            w.WriteString("mediaType", subject.MediaType);
            w.WriteString("digest", subject.Digest);
            w.WriteNumber("size", subject.Size);
            w.WriteEndObject();
            w.WriteStartObject("annotations");
            w.WriteString("dev.kiln.image", document.Record.Image);
            w.WriteString("dev.kiln.hash", document.Record.Hash);
            w.WriteString(InputsRecord.Label, document.Digest);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// The referrers tag's index with the artifact in it: an existing index keeps every other entry as it was (other
    /// tools' referrers too); the artifact is added once.
    /// </summary>
    public static byte[] Index(byte[]? existing, string artifactDigest, long artifactSize, InputsDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var doc = existing is null ? null : JsonDocument.Parse(existing);
        var entries = doc is not null && doc.RootElement.TryGetProperty("manifests", out var m) && m.ValueKind == JsonValueKind.Array
            ? m.EnumerateArray().Where(e => !(e.TryGetProperty("digest", out var d) && d.GetString() == artifactDigest)).ToList()
            : [];
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", IndexMediaType);
            w.WriteStartArray("manifests");
            foreach (var e in entries)
            {
                e.WriteTo(w);
            }

            w.WriteStartObject();
            w.WriteString("mediaType", ManifestMediaType);
            w.WriteString("digest", artifactDigest);
            w.WriteNumber("size", artifactSize);
            w.WriteString("artifactType", InputsRecord.MediaType);
            w.WriteStartObject("annotations");
            w.WriteString("dev.kiln.image", document.Record.Image);
            w.WriteString("dev.kiln.hash", document.Record.Hash);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The manifests an index (the referrers API's answer or the referrers tag) lists as inputs records.</summary>
    public static IReadOnlyList<string> Referrers(byte[] index)
    {
        ArgumentNullException.ThrowIfNull(index);
        using var doc = JsonDocument.Parse(index);
        if (!doc.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return manifests.EnumerateArray()
            .Where(e => e.TryGetProperty("artifactType", out var t) && t.GetString() == InputsRecord.MediaType && e.TryGetProperty("digest", out _))
            .Select(e => e.GetProperty("digest").GetString()!)
            .ToList();
    }

    /// <summary>The record layer of an artifact manifest (its digest), or null when the manifest is not an inputs record.</summary>
    public static string? RecordLayer(byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var doc = JsonDocument.Parse(manifest);
        var root = doc.RootElement;
        if (!root.TryGetProperty("artifactType", out var type) || type.GetString() != InputsRecord.MediaType
            || !root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array || layers.GetArrayLength() != 1)
        {
            return null;
        }

        var layer = layers[0];
        return layer.TryGetProperty("mediaType", out var mt) && mt.GetString() == InputsRecord.MediaType ? layer.GetProperty("digest").GetString() : null;
    }

    /// <summary>The subject digest of an artifact manifest, or null.</summary>
    public static string? Subject(byte[] manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        using var doc = JsonDocument.Parse(manifest);
        return doc.RootElement.TryGetProperty("subject", out var subject) && subject.TryGetProperty("digest", out var d) ? d.GetString() : null;
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        // Relaxed escaping: media types keep their '+' (readable with curl), the bytes are JSON all the same.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Where a record was published: the artifact's digest, the referrers tag (null when the registry indexes it) and the hash tag.</summary>
public sealed record InputsAttachment(string Artifact, string? ReferrersTag, string HashTag);

/// <summary>Publishes an image's inputs record beside it (Publish calls it after pushing the image).</summary>
public sealed class InputsPublisher(OciRegistryClient client)
{
    public async Task<InputsAttachment> AttachAsync(ImageName repository, InputsDocument document, string imageDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(document);
        var hashTag = Hashing.ImageTags.InputsTagOf(document.Record.Image, document.Record.Hash);
        // Published before (a re-run, or the image was already in the registry): the hash tag says so.
        if (await client.GetManifestAsync(repository, hashTag, cancellationToken).ConfigureAwait(false) is { } published && InputsArtifact.Subject(published.Bytes) == imageDigest)
        {
            var tag = InputsArtifact.ReferrersTag(imageDigest);
            var indexed = await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false) is not null;
            return new InputsAttachment(published.Info.Digest, indexed ? tag : null, hashTag);
        }

        var image = await client.GetManifestAsync(repository, imageDigest, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException(repository.Registry, repository.Repository, imageDigest, System.Net.HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "the image the record describes is not in the repository");
        await client.PutBlobAsync(repository, InputsArtifact.EmptyConfig, cancellationToken).ConfigureAwait(false);
        await client.PutBlobAsync(repository, document.Json, cancellationToken).ConfigureAwait(false);
        var manifest = InputsArtifact.Manifest(document, image.Info);
        var put = await client.PutManifestAsync(repository, InputsRecord.DigestOf(manifest), manifest, InputsArtifact.ManifestMediaType, cancellationToken).ConfigureAwait(false);
        string? referrersTag = null;
        if (!put.ReferrersApi)
        {
            referrersTag = InputsArtifact.ReferrersTag(imageDigest);
            var existing = await client.GetManifestAsync(repository, referrersTag, cancellationToken).ConfigureAwait(false);
            var index = InputsArtifact.Index(existing?.Bytes, put.Digest, manifest.Length, document);
            if (existing is null || !existing.Bytes.AsSpan().SequenceEqual(index))
            {
                await client.PutManifestAsync(repository, referrersTag, index, InputsArtifact.IndexMediaType, cancellationToken).ConfigureAwait(false);
            }
        }

        await client.PutManifestAsync(repository, hashTag, manifest, InputsArtifact.ManifestMediaType, cancellationToken).ConfigureAwait(false);
        return new InputsAttachment(put.Digest, referrersTag, hashTag);
    }
}
