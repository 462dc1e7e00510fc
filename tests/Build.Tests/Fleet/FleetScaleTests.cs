using System.Diagnostics;
using System.Text;
using Build.Catalog;
using Build.Deploy;
using Build.Fleet;
using Build.Generation;
using Build.Tests.Infra;

namespace Build.Tests.Fleet;

/// <summary>
/// Fleets far larger than any real one go through the loader, the catalog checks and the whole generation plan
/// (service Dockerfiles and Compose files) and come out complete. Wall time is not asserted here (a shared test
/// machine makes it noise); bench/fleet_scale.sh measures it and shows that the cost grows linearly.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetScaleTests
{
    [Test]
    public void Ten_thousand_services_load_validate_and_render()
    {
        var (resolved, plan) = Run(ScaleFleet(10_000, 0));

        resolved.Services.Count.ShouldBe(10_000);
        plan.Count(f => f.Path.StartsWith("examples/mini/services/", StringComparison.Ordinal) && f.Path.EndsWith("/Dockerfile", StringComparison.Ordinal)).ShouldBe(10_000);
        var compose = plan.Single(f => f.Path == "deploy/pc2/compose.yaml").Content;
        compose.ShouldContain("svc09999:");
        compose.ShouldContain("KILN_PEER_SVC09998");
    }

    [Test]
    public void One_service_with_a_hundred_thousand_env_entries_loads_validates_and_renders()
    {
        var (resolved, plan) = Run(ScaleFleet(1, 100_000));

        resolved.Services.ShouldHaveSingleItem().Service.Env.Count.ShouldBe(100_002);
        var dockerfile = plan.Single(f => f.Path == "examples/mini/services/svc00000/Dockerfile").Content;
        dockerfile.ShouldContain("VAR_099999=\"value 99999\"");
        plan.Single(f => f.Path == "deploy/mainpc/compose.yaml").Content.ShouldContain("VAR_099999: \"value 99999\"");
    }

    /// <summary>The same shape bench/fleet_scale.sh generates: every service on both machines, a chain of depends_on.</summary>
    internal static string ScaleFleet(int services, int env)
    {
        var text = new StringBuilder("version: 1\nsource_root: apps\ndeploy_dir: deploy\ndefaults: { requirements: none }\nmachines:\n  mainpc: { port_offset: 0 }\n  pc2: { port_offset: 1 }\nservices:\n");
        for (var i = 0; i < services; i++)
        {
            var port = 10000 + (2 * i);
            text.Append($"  svc{i:D5}:\n    machines: [mainpc, pc2]\n    family: demo-cpu\n    entrypoint: svc{i:D5}/app.py\n    ports: [{port}]\n    health: {{ port: {port} }}\n");
            if (i > 0)
            {
                text.Append($"    depends_on: [svc{i - 1:D5}]\n");
            }

            text.Append($"    env:\n      MODE: \"fast\"\n      WORKERS: \"{(i % 8) + 1}\"\n");
            for (var j = 0; i == 0 && j < env; j++)
            {
                text.Append($"      VAR_{j:D6}: \"value {j}\"\n");
            }
        }

        return text.ToString();
    }

    private static (ResolvedFleet Resolved, IReadOnlyList<GeneratedFile> Plan) Run(string yaml)
    {
        var catalog = CatalogLoader.Load("examples/mini/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;
        var clock = Stopwatch.StartNew();
        var fleet = FleetLoader.Parse(yaml, "examples/mini/fleet.yaml");
        var loaded = clock.Elapsed;
        var resolved = FleetValidator.Resolve(fleet, catalog);
        var validated = clock.Elapsed;
        var plan = (IReadOnlyList<GeneratedFile>)[.. Generator.Plan(catalog, resolved), .. FleetPlan.Files(resolved, ComposeOptions.ForGeneration(catalog))];
        TestContext.Out.WriteLine($"{yaml.Length / 1024} KiB: load {loaded.TotalMilliseconds:F0} ms, validate {(validated - loaded).TotalMilliseconds:F0} ms, plan {(clock.Elapsed - validated).TotalMilliseconds:F0} ms");
        return (resolved, plan);
    }
}
