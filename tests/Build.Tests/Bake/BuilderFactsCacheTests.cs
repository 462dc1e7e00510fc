using Build.Buildx;
using Build.Tests.Infra;

namespace Build.Tests.Bake;

/// <summary>The remembered builder check: the same machine gives the same key, and anything the check depends on changes it.</summary>
[TestFixture]
[Category("Unit")]
public sealed class BuilderFactsCacheTests
{
    private static readonly BuilderFacts Facts = new("28.5.2", new Version(0, 29, 1), "default", "docker", true);

    private static IReadOnlyList<string> Inputs(Dictionary<string, string?> env, Dictionary<string, string> files, Dictionary<string, string> stats, string? builder = null, string engine = "id 28.5.2 overlayfs []") =>
        BuilderFactsCache.Inputs(builder, engine, n => env.GetValueOrDefault(n), p => files.GetValueOrDefault(p), p => stats.GetValueOrDefault(p),
            d => files.Keys.Where(f => Path.GetDirectoryName(f) == d));

    [Test]
    public void Every_input_of_the_builder_check_changes_the_key()
    {
        var env = new Dictionary<string, string?> { ["HOME"] = "/home/u" };
        var files = new Dictionary<string, string> { ["/home/u/.docker/config.json"] = "{}", ["/home/u/.docker/buildx/instances/kiln"] = "{\"Driver\":\"docker-container\"}" };
        var stats = new Dictionary<string, string> { ["/usr/libexec/docker/cli-plugins/docker-buildx"] = "100:1" };
        var key = BuilderFactsCache.Key(Inputs(env, files, stats));
        BuilderFactsCache.Key(Inputs(env, files, stats)).ShouldBe(key, "the same machine, the same key");

        BuilderFactsCache.Key(Inputs(env, files, stats, builder: "kiln")).ShouldNotBe(key);
        BuilderFactsCache.Key(Inputs(env, files, stats, engine: "id 28.5.2 overlayfs [[\"driver-type\",\"io.containerd.snapshotter.v1\"]]")).ShouldNotBe(key, "the containerd store turned on");
        BuilderFactsCache.Key(Inputs(new(env) { ["BUILDX_BUILDER"] = "kiln" }, files, stats)).ShouldNotBe(key);
        BuilderFactsCache.Key(Inputs(new(env) { ["DOCKER_CONTEXT"] = "remote" }, files, stats)).ShouldNotBe(key);
        BuilderFactsCache.Key(Inputs(env, new(files) { ["/home/u/.docker/buildx/current"] = "{\"Name\":\"kiln\"}" }, stats)).ShouldNotBe(key, "docker buildx use");
        BuilderFactsCache.Key(Inputs(env, new(files) { ["/home/u/.docker/buildx/instances/kiln"] = "{\"Driver\":\"remote\"}" }, stats)).ShouldNotBe(key, "a builder recreated");
        BuilderFactsCache.Key(Inputs(env, files, new(stats) { ["/usr/libexec/docker/cli-plugins/docker-buildx"] = "120:2" })).ShouldNotBe(key, "buildx upgraded");
        BuilderFactsCache.Key(Inputs(env, files, new(stats) { ["/home/u/.docker/cli-plugins/docker-buildx"] = "1:1" })).ShouldNotBe(key, "a user plugin shadows the system one");
    }

    [Test]
    public void A_hit_skips_the_check_a_miss_runs_it_and_remembers_and_no_key_remembers_nothing()
    {
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, ".kiln", "builder-facts.json");
        var checks = 0;
        BuilderFacts Check()
        {
            checks++;
            return Facts;
        }

        BuilderFactsCache.GetOrCheck(file, "k1", Check).ShouldBe(Facts);
        BuilderFactsCache.GetOrCheck(file, "k1", Check).ShouldBe(Facts);
        checks.ShouldBe(1);
        BuilderFactsCache.GetOrCheck(file, "k2", Check);
        checks.ShouldBe(2, "another key is a miss");

        File.WriteAllText(file, "not json");
        BuilderFactsCache.GetOrCheck(file, "k2", Check);
        checks.ShouldBe(3, "a broken cache file is a miss");

        BuilderFactsCache.GetOrCheck(file, null, Check);
        BuilderFactsCache.GetOrCheck(file, null, Check);
        checks.ShouldBe(5, "without the engine's socket nothing is remembered");
    }
}
