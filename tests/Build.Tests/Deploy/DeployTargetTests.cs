using Build.Deploy;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Deploy;

/// <summary>The Deploy and Down targets on the demo fleet, against the real engine and Compose (no GPU here: --gpu=off and a stand-in nvidia-smi).</summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DeployTargetTests
{
    // One copy for both tests: the second Deploy reuses the families (and the services whose hash is unchanged) the
    // first baked instead of baking the whole machine again under a new repository. Each test puts back what it edits
    // and takes the project down, so neither depends on the other or on their order.
    private DebianDemoTests.DebianRepo _repo = null!;

    [OneTimeSetUp]
    public void Copy() => _repo = new DebianDemoTests.DebianRepo();

    [OneTimeTearDown]
    public void Cleanup() => _repo?.Dispose();

    private static (int Code, string Output) Kiln(DebianDemoTests.DebianRepo repo, params string[] args) =>
        KilnApp.RunWith(repo.Root, new() { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") },
            [.. args, "--catalog=examples/demo/families.yaml", $"--registry={repo.Registry}", "--mode=local", "--machine=mainpc", "--gpu=off"]);

    /// <summary>
    /// A Compose override that gives the GPU service an nvidia-smi reporting <paramref name="capability"/>. It is a host
    /// bind mount the fleet does not declare, so the Deploys pass --allow-privileged-override (OverridePostureTests cover the refusal).
    /// </summary>
    /// <param name="failFast">Also probes <paramref name="failFast"/> services every second from the first: the demo's
    /// 20 s start period and 10 s interval would make a service that never turns healthy take ~50 s to be declared
    /// unhealthy; the verdict and its health output are the same.</param>
    private static string StandIn(TempDir dir, string capability, params string[] failFast)
    {
        var smi = dir.Write("nvidia-smi", $"#!/bin/sh\necho {capability}\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var yaml = new System.Text.StringBuilder("services:\n");
        foreach (var service in failFast.Append("gpu-ada").Distinct(StringComparer.Ordinal))
        {
            yaml.Append($"  {service}:\n");
            if (service == "gpu-ada")
            {
                yaml.Append($"    volumes:\n      - {smi}:/usr/local/bin/nvidia-smi:ro\n");
            }

            if (failFast.Contains(service, StringComparer.Ordinal))
            {
                yaml.Append("    healthcheck:\n      interval: 1s\n      start_period: 1s\n");
            }
        }

        return dir.Write("override.yaml", yaml.ToString());
    }

    /// <summary>The machine's project down; its images stay for the fixture's other test (the copy's dispose untags them).</summary>
    private static void Down(DebianDemoTests.DebianRepo repo) => Kiln(repo, "--target=Down");

    private static string[] Containers() =>
        TestInfra.Run(new CommandLine("docker").Add("ps", "-a", "-q", "--filter", "label=com.docker.compose.project=kiln-mainpc")).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public void Deploy_brings_every_service_of_the_machine_to_healthy_with_its_cold_start_time_and_Down_removes_them()
    {
        var repo = _repo;
        using var dir = new TempDir("kiln-deploy-");
        try
        {
            var (code, output) = Kiln(repo, "--target=Deploy", "--allow-privileged-override", $"--compose-override={StandIn(dir, "8.9")}");

            code.ShouldBe(0, output);
            var report = System.Text.Json.JsonSerializer.Deserialize<DeployReport>(File.ReadAllText(repo.Full("artifacts/deploy-report.json")), DeployReport.Json)!;
            report.Machine.ShouldBe("mainpc");
            report.Gpu.ShouldBeFalse();
            report.Services.Select(s => s.Service).ShouldBe(["audio", "gpu-ada", "heartbeat", "hello", "web"]);
            report.Services.ShouldAllBe(s => s.Health == "healthy" && s.SecondsToHealthy > 0 && s.Restarts == 0);
            report.Services.ShouldAllBe(s => s.Image.StartsWith(repo.Registry + "-services:", StringComparison.Ordinal));
            File.ReadAllText(repo.Full("artifacts/deploy-report.md")).ShouldContain("gpu-ada");
            output.ShouldContain("GPU reservations dropped (--gpu=off).");
            Containers().Length.ShouldBe(5);
        }
        finally
        {
            Down(repo);
        }

        Containers().ShouldBeEmpty("Down removes the machine's containers");
    }

    [Test]
    public void A_wrong_health_port_or_the_other_gpu_fails_Deploy_with_that_services_health_output()
    {
        var repo = _repo;
        using var dir = new TempDir("kiln-deploy-");
        var fleet = repo.Full("examples/demo/fleet.yaml");
        var committed = File.ReadAllText(fleet);
        try
        {
            File.WriteAllText(fleet, committed.Replace("health: { port: 17001 }", "health: { port: 17999 }", StringComparison.Ordinal));
            Kiln(repo, "--target=Generate").Code.ShouldBe(0);

            var (code, output) = Kiln(repo, "--target=Deploy", "--allow-privileged-override", $"--compose-override={StandIn(dir, "8.6", "hello", "gpu-ada")}");

            code.ShouldBe(1, output);
            output.ShouldContain("hello is unhealthy: kiln-healthcheck: nothing accepts connections on 127.0.0.1:17999");
            output.ShouldContain("gpu-ada is unhealthy");
            output.ShouldContain("kiln-gpu-probe: this image (ada) is built for compute capability 8.9, but the visible GPU has 8.6.");
        }
        finally
        {
            Down(repo);

            // The shared copy back to the committed fleet and its generated files, for the other test.
            File.WriteAllText(fleet, committed);
            Kiln(repo, "--target=Generate").Code.ShouldBe(0);
        }
    }
}

/// <summary>The committed Compose files are generated files: an edit by hand is drift, and GenerateCheck says where.</summary>
[TestFixture]
[Category("Integration")]
public sealed class ComposeDriftTests
{
    [Test]
    public void A_hand_edited_compose_file_is_drift_that_GenerateCheck_shows_and_does_not_overwrite()
    {
        using var repo = new DebianDemoTests.DebianRepo();
        var env = new Dictionary<string, string?> { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") };
        KilnApp.RunWith(repo.Root, env, "--target=GenerateCheck", "--catalog=examples/demo/families.yaml", "--mode=local").ExitCode.ShouldBe(0);
        var compose = repo.Full("examples/demo/deploy/mainpc/compose.yaml");
        var edited = File.ReadAllText(compose).Replace("cap_drop:", "cap_add:", StringComparison.Ordinal);
        File.WriteAllText(compose, edited);

        var (code, output) = KilnApp.RunWith(repo.Root, env, "--target=GenerateCheck", "--catalog=examples/demo/families.yaml", "--mode=local");

        code.ShouldBe(1);
        output.ShouldContain("examples/demo/deploy/mainpc/compose.yaml (updated)");
        output.ShouldContain("-    cap_add:");
        output.ShouldContain("+    cap_drop:");
        File.ReadAllText(compose).ShouldBe(edited, "GenerateCheck writes nothing");
    }
}
