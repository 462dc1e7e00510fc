using Build.Buildx;
using Build.Tools;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
public sealed class PrerequisitesTests
{
    /// <summary>The docker CLI's answers, as the real one prints them (buildx's version comes from `docker info`'s plugin list).</summary>
    private static Func<CommandLine, ProcessResult> Answers(string engine = "28.5.2", string buildx = "0.29.1+ds1", string driver = "docker", string store = "[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]") =>
        c => c.Render() switch
        {
            var s when s.StartsWith("docker version", StringComparison.Ordinal) => engine.Length == 0 ? new(1, string.Empty, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", TimeSpan.Zero, false) : new(0, engine + "\n", string.Empty, TimeSpan.Zero, false),
            var s when s.StartsWith("docker buildx inspect", StringComparison.Ordinal) => new(0, $"Name:          default\nDriver:        {driver}\n", string.Empty, TimeSpan.Zero, false),
            var s when s == Prerequisites.InfoCommand.Render() => new(0, (buildx.Length == 0 ? "[]" : $$"""[{"SchemaVersion":"0.1.0","Vendor":"Docker Inc.","Version":"{{buildx}}","ShortDescription":"Docker Buildx","Name":"buildx","Path":"/usr/libexec/docker/cli-plugins/docker-buildx"}]""") + "\n" + store + "\n", string.Empty, TimeSpan.Zero, false),
            var s => throw new InvalidOperationException("unexpected command: " + s),
        };

    private static RecordingProcessRunner Fake(string engine = "28.5.2", string buildx = "0.29.1+ds1", string driver = "docker", string store = "[[\"driver-type\",\"io.containerd.snapshotter.v1\"]]") =>
        new((c, _) => Answers(engine, buildx, driver, store)(c));

    [Test]
    public void A_capable_engine_passes()
    {
        var facts = Prerequisites.Check(null, Fake(), askApi: false);

        facts.BuildxVersion.ShouldBe(new Version(0, 29, 1));
        facts.ContainerdStore.ShouldBeTrue();
        facts.HasEntitlements.ShouldBeTrue();
    }

    [Test]
    public void No_engine_says_how_to_start_one() =>
        Should.Throw<PrerequisiteException>(() => Prerequisites.Check(null, Fake(engine: string.Empty), askApi: false))
            .Message.ShouldBe("No Docker engine answers (Cannot connect to the Docker daemon at unix:///var/run/docker.sock.). Start Docker, or on Debian run tests/infra/up.sh.");

    [Test]
    public void Missing_buildx_names_the_minimum_version() =>
        Should.Throw<PrerequisiteException>(() => Prerequisites.Check(null, Fake(buildx: string.Empty), askApi: false))
            .Message.ShouldBe("docker buildx is not installed. Kiln needs buildx >= 0.13.0 (install the docker-buildx plugin; on Debian tests/infra/up.sh does).");

    [Test]
    public void A_broken_buildx_plugin_counts_as_missing()
    {
        var broken = Answers();
        var run = new RecordingProcessRunner((c, _) => c.Render() == Prerequisites.InfoCommand.Render()
            ? new(0, """[{"Name":"buildx","Path":"/usr/libexec/docker/cli-plugins/docker-buildx","Err":"exec format error"}]""" + "\n[]\n", string.Empty, TimeSpan.Zero, false)
            : broken(c));

        Should.Throw<PrerequisiteException>(() => Prerequisites.Check(null, run, askApi: false)).Message.ShouldStartWith("docker buildx is not installed.");
    }

    [Test]
    public void An_old_buildx_is_refused_with_the_minimum() =>
        Should.Throw<PrerequisiteException>(() => Prerequisites.Check(null, Fake(buildx: "v0.12.1"), askApi: false))
            .Message.ShouldStartWith("docker buildx 0.12.1 is older than 0.13.0, the oldest Kiln supports");

    [Test]
    public void The_classic_image_store_cannot_export_and_the_fix_is_named() =>
        Should.Throw<PrerequisiteException>(() => Prerequisites.Check(null, Fake(store: "[[\"Storage Driver\",\"overlay2\"]]"), askApi: false))
            .Message.ShouldContain("containerd-snapshotter");

    [Test]
    public void A_docker_container_builder_needs_no_containerd_store() =>
        Prerequisites.Check("ci", Fake(driver: "docker-container", store: "[]"), askApi: false).CanExportOci.ShouldBeTrue();

    [TestCase("git@github.com:kiln-org/kiln.git", "https://github.com/kiln-org/kiln")]
    [TestCase("https://x-access-token:secret@github.com/kiln-org/kiln.git", "https://github.com/kiln-org/kiln")]
    [TestCase("ssh://git@github.com/kiln-org/kiln", "https://github.com/kiln-org/kiln")]
    public void Git_remotes_become_https_source_urls_without_credentials(string remote, string source) =>
        GitFacts.HttpsSource(remote).ShouldBe(source);
}
