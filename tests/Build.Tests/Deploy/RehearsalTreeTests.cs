using Build.Deploy;
using Build.Fleet;
using Build.Tests.Fleet;
using Build.Tests.Infra;

namespace Build.Tests.Deploy;

/// <summary>The rehearsal's tree: the real manifest on the demo families, stand-ins at the real entrypoints, the reduced set.</summary>
[TestFixture]
[Category("Unit")]
public sealed class RehearsalTreeTests
{
    private static readonly RehearsalHost[] Hosts = [new("mainpc", "172.30.0.1", "/tmp/models/mainpc"), new("pc2", "172.30.0.2", "/tmp/models/pc2")];

    private static string RealFleetText => File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "docker", "fleet.yaml"));

    [Test]
    public void The_rehearsed_manifest_keeps_every_service_on_the_demo_alias_with_stand_in_code_and_loads_against_the_rehearsal_catalog()
    {
        var text = RehearsalTree.FleetText(RealFleetText, "docker/fleet.yaml", Hosts, 998, "kiln.rehearsal/fleet:demo-redis-abc", keep: null);
        var rehearsed = FleetLoader.Parse(text, "rehearsal/fleet.yaml");
        var real = FleetFixture.RealFleet();

        rehearsed.Services.Select(s => (s.Name, s.Family, s.Entrypoint, string.Join(',', s.Machines), string.Join(',', s.Ports), s.Health.Port))
            .ShouldBe(real.Services.Select(s => (s.Name, s.Family, s.Entrypoint, string.Join(',', s.Machines), string.Join(',', s.Ports), s.Health.Port)));
        rehearsed.SourceRoot.ShouldBe("rehearsal/apps");
        rehearsed.DeployDir.ShouldBe("rehearsal/deploy");
        rehearsed.Services.ShouldAllBe(s => s.RequirementsLock == null && s.Files.Count == 0);
        rehearsed.Services.ShouldAllBe(s => s.Env.Any(e => e.Name == RehearsalTree.ServiceVariable && e.Value == s.Name));

        var catalog = Build.Catalog.CatalogLoader.Parse(RehearsalTree.CatalogText(File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "examples", "demo", "families.yaml"))), "rehearsal/families.yaml",
            new Build.Catalog.CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;
        var resolved = FleetValidator.Resolve(rehearsed, catalog);
        resolved.Get("STTService").Family.Name.ShouldBe("demo-gpu-ada-audio-py311", "gpu-ada-audio is added for the rehearsal");
        resolved.Get("VisionProcessingAgent").Family.Name.ShouldBe("demo-gpu-ampere-vision-py311");
        catalog.Families.ShouldContain(f => f.Name == RehearsalTree.RedisFamily);
    }

    [Test]
    public void Stand_ins_sit_at_every_real_entrypoint_and_share_one_module()
    {
        var real = FleetFixture.RealFleet();
        var files = RehearsalTree.StandIns(real);

        files.Select(f => f.Path).ShouldBe(["kiln_rehearsal/__init__.py", .. real.Services.Select(s => s.Entrypoint).Distinct().Order(StringComparer.Ordinal)]);
        files[0].Text.ShouldContain("def run(name, ports, health_port, check=\"tcp\", path=\"/health\")");
        var shared = files.Single(f => f.Path == "real_time_audio_pipeline/app.py").Text;
        shared.ShouldContain("\"RealTimeAudioPipeline\": ([5557, 5558], 6557, \"tcp\", \"/health\")");
        shared.ShouldContain("\"RealTimeAudioPipelinePC2\": ([5557, 5558], 6557, \"tcp\", \"/health\")");
        shared.ShouldContain("from kiln_rehearsal import run");
    }

    [Test]
    public void The_reduced_rehearsal_keeps_a_service_per_family_both_ends_of_cross_machine_edges_and_the_socket_user_closed_over_depends_on()
    {
        var fleet = FleetValidator.Resolve(FleetFixture.RealFleet(), FleetFixture.RealCatalog());
        var keep = RehearsalTree.Reduced(fleet);

        fleet.Services.Select(s => s.Family.Name).Distinct().ShouldAllBe(f => fleet.Services.Any(s => s.Family.Name == f && keep.Contains(s.Name)));
        foreach (var edge in FleetWiring.CrossMachine(fleet.Fleet).Where(l => l.Kind == FleetLinkKind.DependsOn))
        {
            keep.ShouldContain(edge.Service);
            keep.ShouldContain(edge.Target);
        }

        keep.ShouldContain("SelfHealingSupervisor");
        keep.SelectMany(k => fleet.Get(k).Service.DependsOn).ShouldAllBe(d => keep.Contains(d));
        keep.Count.ShouldBeLessThan(fleet.Services.Count / 2);

        var text = RehearsalTree.FleetText(File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "docker", "fleet.yaml")), "docker/fleet.yaml", Hosts, 998, null, keep);
        FleetLoader.Parse(text, "rehearsal/fleet.yaml").Services.Select(s => s.Name).Order(StringComparer.Ordinal).ShouldBe(keep);
    }
}
