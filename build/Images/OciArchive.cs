using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Build.Images;

public sealed record LayerInfo(string Digest, string MediaType, long Size, long? UncompressedSize, string? CreatedBy);

/// <summary>One image as measured from its manifest and config (the platform image; attestations set apart).</summary>
public sealed record ImageMeasure(
    string Digest,
    string ManifestDigest,
    string ConfigDigest,
    string Platform,
    long CompressedSize,
    long? UncompressedSize,
    int LayerCount,
    string? Created,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<LayerInfo> Layers,
    int AttestationManifests);

/// <summary>
/// Reads an OCI image layout tarball (what buildx's type=oci exporter writes): index → manifest → config, with
/// exact compressed sizes from the descriptors and uncompressed sizes by streaming each gzip layer.
/// </summary>
public static class OciArchive
{
    public static ImageMeasure Measure(string tarPath, bool uncompressed = true)
    {
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[]? index = null;
        using (var stream = File.OpenRead(tarPath))
        using (var reader = new TarReader(stream))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null)
                {
                    continue;
                }

                if (entry.Name is "index.json" or "./index.json")
                {
                    index = Read(entry.DataStream);
                }
                else if (entry.Name.Contains("blobs/sha256/", StringComparison.Ordinal) && entry.Length < 4 << 20)
                {
                    // Small blobs are manifests, configs, attestations; layers are measured in a second pass.
                    blobs["sha256:" + entry.Name[(entry.Name.LastIndexOf('/') + 1)..]] = Read(entry.DataStream);
                }
            }
        }

        if (index is null)
        {
            throw new InvalidDataException($"{tarPath} is not an OCI image layout tarball (no index.json).");
        }

        var (digest, manifestDigest, platform, attestations) = ResolveManifest(index, blobs);
        using var manifest = JsonDocument.Parse(blobs[manifestDigest]);
        using var config = JsonDocument.Parse(blobs[manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!]);
        var sizes = uncompressed
            ? UncompressedSizes(tarPath, manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => (l.GetProperty("digest").GetString()!, l.GetProperty("mediaType").GetString()!)).ToList())
            : [];
        return OciJson.Measure(digest, manifestDigest, platform, attestations, manifest.RootElement, config.RootElement, sizes);
    }

    /// <summary>The image's digest (index or manifest) and the platform manifest inside, skipping attestation manifests.</summary>
    private static (string Digest, string Manifest, string Platform, int Attestations) ResolveManifest(byte[] index, Dictionary<string, byte[]> blobs)
    {
        using var doc = JsonDocument.Parse(index);
        var top = doc.RootElement.GetProperty("manifests")[0];
        var digest = top.GetProperty("digest").GetString()!;
        if (!OciJson.IsIndex(top.GetProperty("mediaType").GetString()))
        {
            return (digest, digest, OciJson.Platform(top), 0);
        }

        using var inner = JsonDocument.Parse(blobs[digest]);
        var (images, attestations) = OciJson.Manifests(inner.RootElement);
        return (digest, images[0].GetProperty("digest").GetString()!, OciJson.Platform(images[0]), attestations);
    }

    private static Dictionary<string, long> UncompressedSizes(string tarPath, IReadOnlyList<(string Digest, string MediaType)> layers)
    {
        // A manifest may list one blob twice (two steps that produced the same bytes): it is read once.
        var wanted = layers.DistinctBy(l => l.Digest).ToDictionary(l => l.Digest, l => l.MediaType, StringComparer.Ordinal);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var stream = File.OpenRead(tarPath);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            var name = entry.Name;
            var slash = name.LastIndexOf('/');
            var digest = "sha256:" + name[(slash + 1)..];
            if (entry.DataStream is null || !wanted.TryGetValue(digest, out var media) || result.ContainsKey(digest))
            {
                continue;
            }

            if (media.EndsWith("gzip", StringComparison.Ordinal))
            {
                using var gz = new GZipStream(entry.DataStream, CompressionMode.Decompress, leaveOpen: true);
                result[digest] = Count(gz);
            }
            else if (media.EndsWith(".tar", StringComparison.Ordinal) || media.EndsWith("diff.tar", StringComparison.Ordinal))
            {
                result[digest] = entry.Length;
            }
        }

        return result;
    }

    /// <summary>
    /// Several OCI layout tarballs as one layout, streamed to <paramref name="output"/>: every blob once (a family
    /// tree's images share their parent's layers, so each is sent once, not once per image) and one index listing
    /// every image's manifests with their names. `docker load` takes the whole run's images in one call.
    /// </summary>
    public static void Merge(IReadOnlyList<string> tarPaths, Stream output)
    {
        ArgumentNullException.ThrowIfNull(tarPaths);
        ArgumentNullException.ThrowIfNull(output);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var manifests = new List<JsonElement>();
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "blobs/"));
        writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "blobs/sha256/"));
        foreach (var path in tarPaths)
        {
            using var stream = File.OpenRead(path);
            using var reader = new TarReader(stream);
            var sawIndex = false;
            while (reader.GetNextEntry() is { } entry)
            {
                var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (entry.DataStream is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                if (name == "index.json")
                {
                    using var index = JsonDocument.Parse(entry.DataStream);
                    manifests.AddRange(index.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.Clone()));
                    sawIndex = true;
                }
                else if (name.StartsWith("blobs/", StringComparison.Ordinal) && written.Add(name))
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = entry.DataStream, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead });
                }
            }

            if (!sawIndex)
            {
                throw new InvalidDataException($"{path} is not an OCI image layout tarball (no index.json).");
            }
        }

        WriteFile(writer, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", 2);
            w.WriteString("mediaType", "application/vnd.oci.image.index.v1+json");
            w.WriteStartArray("manifests");
            foreach (var manifest in manifests)
            {
                manifest.WriteTo(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        WriteFile(writer, "index.json", json.ToArray());
    }

    private static void WriteFile(TarWriter writer, string name, byte[] content)
    {
        using var data = new MemoryStream(content);
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead });
    }

    private static long Count(Stream stream)
    {
        var buffer = new byte[1 << 16];
        long total = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static byte[] Read(Stream stream)
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return ms.ToArray();
    }
}
