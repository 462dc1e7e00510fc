using Build.Images;
using Build.Registry;
using Build.Tests.Infra;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
public sealed class MeasureCacheTests
{
    [Test]
    public void A_digest_measured_once_is_not_streamed_again_and_a_damaged_entry_is_not_trusted()
    {
        using var dir = new TempDir("kiln-measure-");
        using var registry = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(1) });
        var digest = "sha256:" + new string('c', 64);
        var measure = new ImageMeasure(digest, digest, "sha256:" + new string('d', 64), "linux/amd64", 1234, 5678, 2, null, new Dictionary<string, string>(), [], 0);
        var cache = Path.Combine(dir.Path, "cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, "sha256-" + new string('c', 64) + ".json"),
            System.Text.Json.JsonSerializer.Serialize(new { measure, source = MeasureSource.Local }, new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase }));
        var measurer = new ImageMeasurer(Path.Combine(dir.Path, "work"), registry, RealProcesses.Runner, cache);

        // The tag exists nowhere: only the cache can answer.
        var (hit, source) = measurer.Measure("f", "127.0.0.1:1/nowhere:f-0", null, digest);

        hit.CompressedSize.ShouldBe(1234);
        hit.UncompressedSize.ShouldBe(5678L);
        source.ShouldBe(MeasureSource.Local);
        File.WriteAllText(Path.Combine(cache, "sha256-" + new string('c', 64) + ".json"), "{ not json");
        Should.Throw<Exception>(() => measurer.Measure("f", "127.0.0.1:1/nowhere:f-0", null, digest), "a damaged entry is measured again (and here nothing can answer)");
    }
}
