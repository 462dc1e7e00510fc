using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Build.Buildx;
using Build.Images;
using Build.Tests.Infra;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class BakePlannerTests
{
    private static BakeSettings Settings(BuildMode mode, string? cache = null, string? cacheRef = null) =>
        new(mode, "/repo", new IO.ArtifactLayout("/repo/artifacts"), null, false, false, false, "20261121", cacheRef, null, true, cache);

    private static string Backend(BakeSettings settings, bool actions = false) =>
        BakePlanner.CacheBackend(settings with { ActionsCacheRuntime = actions });

    [Test]
    public void The_Actions_cache_runtime_is_there_only_with_its_token_and_a_results_or_cache_url()
    {
        var env = new Dictionary<string, string?> { ["ACTIONS_RUNTIME_TOKEN"] = "t" };
        BakeSettings.HasActionsCacheRuntime(env.GetValueOrDefault).ShouldBeFalse();
        env["ACTIONS_RESULTS_URL"] = "https://results";
        BakeSettings.HasActionsCacheRuntime(env.GetValueOrDefault).ShouldBeTrue();
        BakeSettings.HasActionsCacheRuntime(new Dictionary<string, string?> { ["ACTIONS_CACHE_URL"] = "https://cache" }.GetValueOrDefault).ShouldBeFalse();
    }

    [Test]
    public void Local_mode_uses_the_builders_own_cache_and_CI_mode_a_folder_unless_Actions_or_a_registry_cache_is_there()
    {
        Backend(Settings(BuildMode.Local)).ShouldBe("builder");
        Backend(Settings(BuildMode.Local), actions: true).ShouldBe("builder");
        Backend(Settings(BuildMode.Ci)).ShouldBe("local");
        Backend(Settings(BuildMode.Ci), actions: true).ShouldBe("gha");
        Backend(Settings(BuildMode.Ci, cacheRef: "ghcr.io/o/cache")).ShouldBe("registry");
        Backend(Settings(BuildMode.Local, cacheRef: "ghcr.io/o/cache")).ShouldBe("registry");
    }

    [Test]
    public void An_explicit_cache_wins_and_a_wrong_one_says_what_is_accepted()
    {
        Backend(Settings(BuildMode.Local, cache: "local")).ShouldBe("local");
        Backend(Settings(BuildMode.Ci, cache: "builder"), actions: true).ShouldBe("builder");
        Should.Throw<ArgumentException>(() => Backend(Settings(BuildMode.Local, cache: "s3")))
            .Message.ShouldBe("--cache=s3 is not a cache backend: use builder, local, registry, gha.");
        Should.Throw<ArgumentException>(() => Backend(Settings(BuildMode.Ci, cache: "registry")))
            .Message.ShouldStartWith("--cache=registry needs --cache-ref=REPO");
        Should.Throw<ArgumentException>(() => Backend(Settings(BuildMode.Ci, cache: "gha")))
            .Message.ShouldContain("ghaction-github-runtime");
    }

    internal static string Layout(TempDir dir, string name, string image, params byte[][] layers)
    {
        var blobs = new Dictionary<string, byte[]>();
        string Add(byte[] bytes)
        {
            var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            blobs[digest] = bytes;
            return digest;
        }

        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = Add(config), size = config.Length },
            layers = layers.Select(l => new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest = Add(l), size = l.Length }).ToArray(),
        });
        var manifestDigest = Add(manifest);
        var index = JsonSerializer.SerializeToUtf8Bytes(new
        {
            schemaVersion = 2,
            manifests = new[] { new Dictionary<string, object> { ["mediaType"] = "application/vnd.oci.image.manifest.v1+json", ["digest"] = manifestDigest, ["size"] = manifest.Length, ["annotations"] = new Dictionary<string, string> { ["io.containerd.image.name"] = image } } },
        });

        var path = Path.Combine(dir.Path, name + ".tar");
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream);
        void Write(string entry, byte[] bytes)
        {
            using var data = new MemoryStream(bytes);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = data });
        }

        Write("oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
        foreach (var (digest, bytes) in blobs)
        {
            Write("blobs/sha256/" + digest[7..], bytes);
        }

        Write("index.json", index);
        return path;
    }

    [Test]
    public void Merged_layouts_carry_each_blob_once_and_every_image_in_one_index()
    {
        using var dir = new TempDir();
        var shared = Encoding.UTF8.GetBytes("the parent's layer");
        var a = Layout(dir, "a", "r/x:a", shared, Encoding.UTF8.GetBytes("a's own layer"));
        var b = Layout(dir, "b", "r/x:b", shared, Encoding.UTF8.GetBytes("b's own layer"));

        using var merged = new MemoryStream();
        OciArchive.Merge([a, b], merged);

        merged.Position = 0;
        var entries = new List<string>();
        JsonDocument? index = null;
        using (var reader = new TarReader(merged))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                entries.Add(entry.Name);
                if (entry.Name == "index.json")
                {
                    index = JsonDocument.Parse(entry.DataStream!);
                }
            }
        }

        entries.Where(e => e.StartsWith("blobs/sha256/", StringComparison.Ordinal) && e.Length > "blobs/sha256/".Length).Count().ShouldBe(6, "one config (both images have the same), three layers, two manifests");
        entries.Count(e => e == "blobs/sha256/" + Convert.ToHexStringLower(SHA256.HashData(shared))).ShouldBe(1);
        entries.ShouldContain("oci-layout");
        index.ShouldNotBeNull().RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString()).ShouldBe(["r/x:a", "r/x:b"]);
        var measured = OciArchive.Measure(a);
        measured.LayerCount.ShouldBe(2);
    }

    [Test]
    public void A_tarball_without_an_index_is_refused_by_name()
    {
        using var dir = new TempDir();
        var path = dir.Write("broken.tar", string.Empty);
        using (var stream = File.Create(path))
        using (var writer = new TarWriter(stream))
        {
            using var data = new MemoryStream([1, 2, 3]);
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/00") { DataStream = data });
        }

        Should.Throw<InvalidDataException>(() => OciArchive.Merge([path], Stream.Null)).Message.ShouldContain("broken.tar is not an OCI image layout tarball");
    }
}
