using System.Security.Cryptography;
using Build.Fleet;
using Build.Tests.Infra;

namespace Build.Tests.Fleet;

/// <summary>examples/demo/fleet.yaml: six services on the demo families, with their code and a real hash lock.</summary>
[TestFixture]
[Category("Unit")]
public sealed class DemoFleetTests
{
    [Test]
    public void The_demo_fleet_covers_cpu_web_audio_both_gpu_archs_and_both_machines()
    {
        var fleet = FleetValidator.Resolve(FleetFixture.DemoFleet(), FleetFixture.DemoCatalog());

        fleet.Services.Count.ShouldBeGreaterThanOrEqualTo(6);
        fleet.Services.ShouldContain(s => s.Service.Has(FleetNeed.Web));
        fleet.Services.ShouldContain(s => s.Service.Has(FleetNeed.Audio));
        fleet.Services.Where(s => s.IsGpu).Select(s => string.Join(';', s.ArchList!)).Order(StringComparer.Ordinal).ShouldBe(["8.6", "8.9"]);
        fleet.Services.ShouldContain(s => s.Service.Machines.Count == 2);
        fleet.Services.ShouldAllBe(s => s.Service.RequirementsLock == $"requirements/{s.Name}.lock", "every service has the lock Lock writes");
        fleet.On("mainpc").Count.ShouldBe(5);
        fleet.On("pc2").Count.ShouldBe(2);
    }

    [Test]
    public void The_demo_services_code_and_locks_exist_and_pass_the_lock_rules()
    {
        var fleet = FleetValidator.Resolve(FleetFixture.DemoFleet(), FleetFixture.DemoCatalog());
        var root = Path.Combine(TestInfra.RepoRoot, fleet.Fleet.SourceRoot);

        // The demo family installs kiln-demo-greeting: a service lock must not repeat it (and does not).
        FleetValidator.RequireSources(fleet, root, _ => new HashSet<string> { "kiln-demo-greeting" }).ShouldBeEmpty();
    }

    [Test]
    public void The_locks_pin_the_sha256_of_the_committed_wheels_with_the_dependency()
    {
        var root = Path.Combine(TestInfra.RepoRoot, "examples/demo/apps");
        string Sha(string wheel) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, "_wheels", wheel))));

        foreach (var service in new[] { "hello", "heartbeat" })
        {
            var text = File.ReadAllText(Path.Combine(root, "requirements", service + ".lock"));
            var locked = Build.Locking.ServiceLock.Parse(text, $"requirements/{service}.lock");
            locked.Select(p => $"{p.Name}=={p.Version} {p.Sha256.Single()} via {string.Join(',', p.Via)}").ShouldBe(
            [
                $"kiln-demo-fleet==1.1.0 {Sha("kiln_demo_fleet-1.1.0-py3-none-any.whl")} via {service}.in",
                $"kiln-demo-wire==1.0.0 {Sha("kiln_demo_wire-1.0.0-py3-none-any.whl")} via kiln-demo-fleet",
            ], service);
        }

        File.ReadAllText(Path.Combine(root, "requirements", "web.lock")).Split('\n').ShouldAllBe(l => l.Length == 0 || l.StartsWith('#'), "web imports nothing its family lacks");
    }

    [Test]
    public void A_familys_locked_packages_are_its_lineages_requirements_lock_names_normalized()
    {
        var catalog = Build.Catalog.CatalogLoader.Load("examples/demo/families.yaml", new Build.Catalog.CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;

        FleetFamilies.LockedPackages(catalog, catalog.Get("demo-web-py311"), TestInfra.RepoRoot).ToList().ShouldBe(["kiln-demo-greeting"], "inherited from demo-py311's lock");
        FleetFamilies.LockedPackages(catalog, catalog.Get("demo-devcontainer-slim"), TestInfra.RepoRoot).ShouldBeEmpty();
    }
}
