using System.Text.Json;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Deploy;

/// <summary>
/// The reduced rehearsal of the real fleet on this machine (what .ci/run can afford; the full one is a README
/// command): both machines' projects healthy, every cross-machine edge answered at the other machine's address,
/// the Docker API listed as uid 10001, nothing written outside volumes, and everything taken down.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class RehearsalTests
{
    [Test]
    public void The_reduced_rehearsal_brings_both_machines_up_healthy_with_every_cross_machine_edge_answered_and_takes_them_down()
    {
        using var repo = new TempDir("kiln-rehearsal-");
        foreach (var dir in new[] { "docker", "examples/demo" })
        {
            TestTree.Copy(Path.Combine(TestInfra.RepoRoot, dir), Path.Combine(repo.Path, dir));
        }

        File.Copy(Path.Combine(TestInfra.RepoRoot, "pixi.toml"), Path.Combine(repo.Path, "pixi.toml"));

        var (code, output) = KilnApp.RunWith(repo.Path, new() { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") }, "--target=Rehearse", "--reduced", "--mode=local");

        code.ShouldBe(0, output);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(repo.Path, "artifacts", "rehearsal", "rehearsal-report.json")));
        var root = report.RootElement;
        root.GetProperty("kind").GetString().ShouldBe("reduced");
        var services = root.GetProperty("services").EnumerateArray().ToList();
        services.Select(s => s.GetProperty("machine").GetString()).Distinct().Order(StringComparer.Ordinal).ShouldBe(["mainpc", "pc2"]);
        services.ShouldAllBe(s => s.GetProperty("health").GetString() == "healthy");
        services.Select(s => s.GetProperty("service").GetString()).ShouldContain("redis");
        var edges = root.GetProperty("crossMachineEdges").EnumerateArray().ToList();
        edges.ShouldNotBeEmpty();
        edges.ShouldAllBe(e => e.GetProperty("answered").GetBoolean());
        edges.ShouldContain(e => e.GetProperty("service").GetString() == "SpeechRelayService" && e.GetProperty("dependsOn").GetString() == "TTSService");
        root.GetProperty("dockerApi").EnumerateArray().Select(l => l.GetString()).ShouldAllBe(l => l!.Contains("containers listed as uid 10001", StringComparison.Ordinal));
        root.GetProperty("writesOutsideVolumes").GetArrayLength().ShouldBe(0);
        output.ShouldContain("cross-machine edges answered");

        // Taken down: no container of either project, no LAN network.
        foreach (var project in new[] { "kiln-mainpc", "kiln-pc2" })
        {
            TestInfra.Run(new CommandLine("docker").Add("ps", "-a", "-q", "--filter", $"label=com.docker.compose.project={project}")).StandardOutput.Trim().ShouldBeEmpty(project);
        }

        RealProcesses.Runner.Run(new CommandLine("docker").Add("network", "inspect", Build.Deploy.RehearsalLan.Network)).Succeeded.ShouldBeFalse("the LAN network is removed");
    }
}
