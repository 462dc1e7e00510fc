using System.Formats.Tar;
using System.Text.Json;
using Build.Registry;
using Build.Tools;

namespace Build.Images;

/// <summary>Where a measurement came from: the build's own OCI tarball, the local engine, or the registry.</summary>
public enum MeasureSource
{
    Build,
    Local,
    Registry,
}

/// <summary>Measures images from the most exact source available: the build's OCI tarball, `docker save`, or the registry.</summary>
/// <param name="cacheDirectory">Where measurements are kept by digest: an image's digest names its content, so its
/// measurement never changes, and a no-op run need not stream every image again (null: no cache).</param>
/// <param name="processes">Runs `docker save`.</param>
public sealed class ImageMeasurer(string workDirectory, OciRegistryClient registry, IProcessRunner processes, string? cacheDirectory = null)
{
    private static readonly System.Text.Json.JsonSerializerOptions CacheJson = new() { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase };

    /// <summary>The measurement of the image <paramref name="digest"/>: from the cache when it was measured before, else measured and cached.</summary>
    public (ImageMeasure Measure, MeasureSource Source) Measure(string family, string tag, string? ociTarball, string? digest)
    {
        var cached = digest is null || cacheDirectory is null ? null : Path.Combine(cacheDirectory, digest.Replace(':', '-') + ".json");
        if (cached is not null && File.Exists(cached))
        {
            try
            {
                if (System.Text.Json.JsonSerializer.Deserialize<CachedMeasure>(File.ReadAllText(cached), CacheJson) is { } hit && hit.Measure.Digest == digest)
                {
                    return (hit.Measure, hit.Source);
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A damaged cache entry is measured again below.
            }
        }

        var (measure, source) = Measure(family, tag, ociTarball);
        if (cached is not null && measure.Digest == digest)
        {
            IO.AtomicFile.WriteAllText(cached, System.Text.Json.JsonSerializer.Serialize(new CachedMeasure(measure, source), CacheJson));
        }

        return (measure, source);
    }

    private sealed record CachedMeasure(ImageMeasure Measure, MeasureSource Source);

    public (ImageMeasure Measure, MeasureSource Source) Measure(string family, string tag, string? ociTarball)
    {
        if (ociTarball is not null && File.Exists(ociTarball))
        {
            return (OciArchive.Measure(ociTarball), MeasureSource.Build);
        }

        var save = SaveLocal(family, tag);
        if (save is not null)
        {
            try
            {
                return (OciArchive.Measure(save), MeasureSource.Local);
            }
            finally
            {
                File.Delete(save);
            }
        }

        return (FromRegistry(tag), MeasureSource.Registry);
    }

    /// <summary>`docker save` of a local image: with the containerd store it is an OCI layout tarball with the stored blobs.</summary>
    public string? SaveLocal(string family, string tag)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, $"{family}.save.tar");
        var save = processes.Run(SaveCommand(path, tag), new ProcessOptions { Timeout = TimeSpan.FromMinutes(30) });
        if (save.Succeeded)
        {
            return path;
        }

        File.Delete(path);
        return null;
    }

    public static CommandLine SaveCommand(string path, string tag) => new CommandLine("docker").Add("save", "-o", path, tag);

    /// <summary>From the registry: exact compressed sizes from the manifest; the uncompressed size is not in it (null).</summary>
    private ImageMeasure FromRegistry(string tag)
    {
        var image = ImageName.Parse(tag);
        var repository = image with { Tag = null, Digest = null };
        var top = registry.GetManifestAsync(repository, image.Reference).GetAwaiter().GetResult()
            ?? throw new RegistryException(image.Registry, image.Repository, image.Reference, System.Net.HttpStatusCode.NotFound, "MANIFEST_UNKNOWN", "the image is neither built in this run, nor local, nor in the registry");
        var manifest = top;
        var attestations = 0;
        var platform = "linux/amd64";
        using (var doc = top.Parse())
        {
            if (doc.RootElement.TryGetProperty("manifests", out _))
            {
                var (images, count) = OciJson.Manifests(doc.RootElement);
                attestations = count;
                platform = OciJson.Platform(images[0]);
                manifest = registry.GetManifestAsync(repository, images[0].GetProperty("digest").GetString()!).GetAwaiter().GetResult()!;
            }
        }

        using var m = manifest.Parse();
        var configDigest = m.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        using var config = JsonDocument.Parse(registry.GetBlobAsync(repository, configDigest).GetAwaiter().GetResult());
        return OciJson.Measure(top.Info.Digest, manifest.Info.Digest, platform, attestations, m.RootElement, config.RootElement, new Dictionary<string, long>());
    }

    /// <summary>Unpacks an OCI layout tarball into a layout directory (what Trivy's --input reads).</summary>
    public static void ExtractLayout(string tarball, string directory)
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        TarFile.ExtractToDirectory(tarball, directory, overwriteFiles: true);
    }
}
