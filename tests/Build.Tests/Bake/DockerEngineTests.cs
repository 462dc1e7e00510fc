using Build.Buildx;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Bake;

[TestFixture]
[Category("Unit")]
public sealed class DockerEngineSocketTests
{
    private static string? Resolve(Dictionary<string, string> env, string? config = null) =>
        DockerEngine.ResolveSocket(n => env.GetValueOrDefault(n), p => p == "/home/u/.docker/config.json" || p == "/cfg/config.json" ? config : null);

    [Test]
    public void The_default_socket_when_nothing_points_elsewhere() =>
        Resolve(new() { ["HOME"] = "/home/u" }).ShouldBe("/var/run/docker.sock");

    [Test]
    public void A_unix_DOCKER_HOST_is_used_as_is() =>
        Resolve(new() { ["DOCKER_HOST"] = "unix:///run/user/1000/docker.sock" }).ShouldBe("/run/user/1000/docker.sock");

    [TestCase("tcp://10.0.0.5:2376")]
    [TestCase("ssh://builder@gpu-host")]
    public void A_remote_DOCKER_HOST_is_left_to_the_docker_CLI(string host) =>
        Resolve(new() { ["DOCKER_HOST"] = host }).ShouldBeNull();

    [Test]
    public void A_docker_context_is_left_to_the_docker_CLI()
    {
        Resolve(new() { ["DOCKER_CONTEXT"] = "gpu-host" }).ShouldBeNull();
        Resolve(new() { ["DOCKER_CONTEXT"] = "default", ["HOME"] = "/home/u" }).ShouldBe("/var/run/docker.sock");
        Resolve(new() { ["HOME"] = "/home/u" }, "{\"auths\":{},\"currentContext\":\"desktop-linux\"}").ShouldBeNull();
        Resolve(new() { ["DOCKER_CONFIG"] = "/cfg" }, "{\"currentContext\":\"remote\"}").ShouldBeNull();
        Resolve(new() { ["HOME"] = "/home/u" }, "{\"auths\":{},\"currentContext\":\"default\"}").ShouldBe("/var/run/docker.sock");
    }

    [Test]
    public void A_broken_docker_config_is_left_to_the_docker_CLI_to_report() =>
        Resolve(new() { ["HOME"] = "/home/u" }, "{ not json").ShouldBeNull();
}

/// <summary>The engine API answers what the docker CLI answers.</summary>
[TestFixture]
[Category("Integration")]
public sealed class DockerEngineTests
{
    [Test]
    public async Task The_version_is_the_one_the_CLI_reports()
    {
        using var engine = DockerEngine.ForEnvironment().ShouldNotBeNull("tests/infra/up.sh runs dockerd on the default socket");

        var version = await engine.VersionAsync();

        version.ShouldBe(TestInfra.Run(new CommandLine("docker").Add("version", "--format", "{{.Server.Version}}")).StandardOutput.Trim());
        Prerequisites.CheckEngine(RealProcesses.Runner).ShouldBe(version);
    }

    [Test]
    public void The_test_engine_passes_the_builder_checks_with_what_the_CLI_reports()
    {
        var facts = Prerequisites.Check(null, RealProcesses.Runner);

        var buildx = TestInfra.Run(new CommandLine("docker").Add("buildx", "version")).StandardOutput;
        buildx.ShouldContain($" {facts.BuildxVersion}");
        facts.Driver.ShouldBe("docker");
        facts.ContainerdStore.ShouldBeTrue();
        facts.CanExportOci.ShouldBeTrue();
    }

    [Test]
    public void Local_images_are_found_by_tag_with_the_CLIs_image_ID_and_absent_tags_are_left_out()
    {
        var repository = $"{TestInfra.Registry}/{TestInfra.UniqueRepository("engine")}";
        var present = $"{repository}:present";
        TestInfra.Run(new CommandLine("docker").Add("pull", "-q", TestInfra.BaseImage)).Succeeded.ShouldBeTrue();
        TestInfra.Run(new CommandLine("docker").Add("tag", TestInfra.BaseImage, present)).Succeeded.ShouldBeTrue();
        try
        {
            var found = DockerEngine.LocalImages([present, $"{repository}:absent", $"{repository}:present"], RealProcesses.Runner);

            found.Keys.ShouldBe([present]);
            found[present].ShouldBe(TestInfra.Run(new CommandLine("docker").Add("image", "inspect", "--format", "{{.Id}}", present)).StandardOutput.Trim());
        }
        finally
        {
            TestInfra.Run(new CommandLine("docker").Add("rmi", present));
        }
    }

    [Test]
    public void Without_an_engine_nothing_is_local_and_the_CLI_words_the_error()
    {
        var noEngine = new KilnEnvironment(new Dictionary<string, string?> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" }).Lookup;

        var found = DockerEngine.LocalImages(["127.0.0.1:1/x:y"], RealProcesses.Runner, noEngine);

        found.ShouldBeEmpty();
        Should.Throw<PrerequisiteException>(() => Prerequisites.CheckEngine(RealProcesses.Runner, noEngine))
            .Message.ShouldStartWith("No Docker engine answers (Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock");
    }
}
