using System.Text.Json;

namespace Build.Images;

/// <summary>
/// Reading OCI/Docker manifests, indexes and image configs — one implementation for every place that measures or
/// reports an image (an OCI layout tarball, the registry).
/// </summary>
public static class OciJson
{
    public static bool IsIndex(string? mediaType) =>
        mediaType is "application/vnd.oci.image.index.v1+json" or "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>BuildKit's attestation manifests sit in the index as platform unknown/unknown with this annotation.</summary>
    public static bool IsAttestation(JsonElement descriptor) =>
        descriptor.TryGetProperty("annotations", out var a) && a.TryGetProperty("vnd.docker.reference.type", out var t) && t.GetString() == "attestation-manifest";

    public static string Platform(JsonElement descriptor) =>
        descriptor.TryGetProperty("platform", out var p) ? $"{p.GetProperty("os").GetString()}/{p.GetProperty("architecture").GetString()}" : "linux/amd64";

    /// <summary>The image manifests of an index (attestations set apart).</summary>
    public static (IReadOnlyList<JsonElement> Images, int Attestations) Manifests(JsonElement index)
    {
        var all = index.GetProperty("manifests").EnumerateArray().ToList();
        return (all.Where(m => !IsAttestation(m)).ToList(), all.Count(IsAttestation));
    }

    /// <summary>config + layers: the bytes a pull of this platform image transfers.</summary>
    public static long CompressedSize(JsonElement manifest) =>
        manifest.GetProperty("config").GetProperty("size").GetInt64() + manifest.GetProperty("layers").EnumerateArray().Sum(l => l.GetProperty("size").GetInt64());

    /// <summary>The instruction that created each non-empty layer (image history), in layer order.</summary>
    public static IReadOnlyList<string> History(JsonElement config)
    {
        if (!config.TryGetProperty("history", out var history))
        {
            return [];
        }

        return history.EnumerateArray()
            .Where(h => !(h.TryGetProperty("empty_layer", out var e) && e.GetBoolean()))
            .Select(h => h.TryGetProperty("created_by", out var by) ? by.GetString() ?? string.Empty : string.Empty)
            .ToList();
    }

    /// <summary>An image from its manifest and config; uncompressed layer sizes where known (else that size is null).</summary>
    public static ImageMeasure Measure(string digest, string manifestDigest, string platform, int attestations, JsonElement manifest, JsonElement config, IReadOnlyDictionary<string, long> uncompressed)
    {
        ArgumentNullException.ThrowIfNull(uncompressed);
        var history = History(config);
        var layers = manifest.GetProperty("layers").EnumerateArray()
            .Select((l, i) =>
            {
                var layerDigest = l.GetProperty("digest").GetString()!;
                return new LayerInfo(layerDigest, l.GetProperty("mediaType").GetString()!, l.GetProperty("size").GetInt64(), uncompressed.TryGetValue(layerDigest, out var u) ? u : null, i < history.Count ? history[i] : null);
            })
            .ToList();
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (config.TryGetProperty("config", out var c) && c.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.GetString() ?? string.Empty;
            }
        }

        return new ImageMeasure(
            digest,
            manifestDigest,
            manifest.GetProperty("config").GetProperty("digest").GetString()!,
            platform,
            CompressedSize(manifest),
            layers.All(x => x.UncompressedSize is not null) ? layers.Sum(x => x.UncompressedSize!.Value) : null,
            layers.Count,
            config.TryGetProperty("created", out var created) ? created.GetString() : null,
            labels,
            layers,
            attestations);
    }
}
