using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>Each injected fault gives one positioned error that names the service, the machine/family and the fix.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetValidationTests
{
    private const string Cpu = "    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n";

    private static InputError Single(IReadOnlyList<InputError> errors)
    {
        errors.Count.ShouldBe(1, string.Join("\n", errors));
        return errors[0];
    }

    private static IReadOnlyList<InputError> Check(string services) =>
        FleetValidator.Check(FleetFixture.Parse(services), FleetFixture.SmallCatalog());

    [Test]
    public void A_gpu_ada_family_on_pc2_names_service_machine_family_and_both_archs()
    {
        var services = "  Llm:\n    machines: [pc2]\n    needs: [gpu]\n    family: gpu-ada\n    entrypoint: llm/app.py\n    health: { port: 8212 }\n";
        var e = Single(Check(services));

        e.Subject.ShouldBe("Llm");
        e.Where!.ShouldBe(new SourceSpan("docker/fleet.yaml", FleetFixture.LineOf(FleetFixture.FleetYaml(services), "family: gpu-ada"), 13));
        e.Message.ShouldBe("Family 'gpu-ada-py311' (alias 'gpu-ada') is built for GPU arch 8.9, but machine 'pc2' has compute capability 8.6: its GPU probe would fail at start.");
        e.Fix.ShouldBe("Use 'gpu-ampere' (built for 8.6) on 'pc2', or run the service on a machine with 8.9.");
    }

    [Test]
    public void A_service_named_like_a_family_or_a_bake_group_is_an_error()
    {
        var services = "  cpu-py311:\n" + Cpu + "    health: { port: 8000 }\n  services:\n" + Cpu + "    health: { port: 8001 }\n";
        var errors = Check(services);

        errors.Select(e => e.Subject).ShouldBe(["cpu-py311", "services"]);
        errors[0].Where!.Line.ShouldBe(FleetFixture.LineOf(FleetFixture.FleetYaml(services), "cpu-py311:"));
        errors[0].Message.ShouldBe("The service name 'cpu-py311' is already a family, family group or bake target of docker/families.yaml: the bake target and the name in hashes.json would be ambiguous.");
        errors[0].Fix.ShouldBe("Rename the service (or the family).");
    }

    [Test]
    public void Two_services_that_become_one_bake_target_or_variable_and_a_service_named_none_are_errors()
    {
        var services = "  a.b:\n" + Cpu + "    health: { port: 8000 }\n  a_b:\n" + Cpu + "    health: { port: 8001 }\n  A-B:\n" + Cpu + "    health: { port: 8002 }\n  none:\n" + Cpu + "    health: { port: 8003 }\n";
        var errors = Check(services);

        errors.Select(e => e.ToString()).ShouldBe(
        [
            $"docker/fleet.yaml:{FleetFixture.LineOf(FleetFixture.FleetYaml(services), "none:")}:3: service 'none': 'none' cannot name a service: --services=none means no service. Rename the service.",
            $"docker/fleet.yaml:{FleetFixture.LineOf(FleetFixture.FleetYaml(services), "a_b:")}:3: service 'a_b': The service names 'a.b' and 'a_b' both become 'a_b' (bake targets and variables keep only letters, digits, '-' and '_'). Rename one of them.",
            $"docker/fleet.yaml:{FleetFixture.LineOf(FleetFixture.FleetYaml(services), "A-B:")}:3: service 'A-B': The service names 'a.b' and 'A-B' both become 'SERVICE_HASH_A_B' (bake targets and variables keep only letters, digits, '-' and '_'). Rename one of them.",
        ]);
    }

    [Test]
    public void A_ptx_arch_accepts_a_newer_gpu_and_refuses_an_older_one()
    {
        var newer = "  Jit:\n    machines: [mainpc]\n    family: gpu-ptx-py311\n    entrypoint: j/app.py\n    health: { port: 8000 }\n";
        Check(newer).ShouldBeEmpty();

        var older = FleetFixture.Parse(newer, "  mainpc: { compute_capability: \"8.0\" }\n");
        var e = Single(FleetValidator.Check(older, FleetFixture.SmallCatalog()));
        e.Message.ShouldContain("is built for GPU arch 8.6+PTX, but machine 'mainpc' has compute capability 8.0");
        FleetFamilies.Covers(["8.6+PTX"], "9.0").ShouldBeTrue();
        FleetFamilies.Covers(["8.6"], "8.9").ShouldBeFalse();
    }

    [Test]
    public void A_gpu_family_on_a_machine_without_a_gpu_is_an_error()
    {
        var fleet = FleetFixture.Parse("  G:\n    machines: [pc2]\n    family: gpu-ampere\n    entrypoint: g/app.py\n    health: { port: 8000 }\n", "  pc2: { port_offset: 0 }\n");
        var e = Single(FleetValidator.Check(fleet, FleetFixture.SmallCatalog()));

        e.Message.ShouldBe("GPU family 'gpu-ampere-py311' (alias 'gpu-ampere') is placed on machine 'pc2', which has no GPU (no compute_capability in the fleet's machines).");
    }

    [Test]
    public void A_port_collision_after_the_offset_names_both_services_and_the_host_port()
    {
        var services = Cpu + "    ports: [7200]\n    health: { port: 8200 }\n";
        var yaml = "  A:\n" + services.Replace("[mainpc]", "[pc2]", StringComparison.Ordinal) +
                   "  B:\n    machines: [pc2]\n    family: cpu\n    entrypoint: b/app.py\n    ports: [8200]\n    health: { port: 8201 }\n";
        var e = Single(Check(yaml));

        e.Subject.ShouldBe("B");
        e.Where!.Line.ShouldBe(FleetFixture.LineOf(FleetFixture.FleetYaml(yaml), "ports: [8200]"));
        e.Message.ShouldBe("On machine 'pc2', host port 8300 (port 8200 + port_offset 100) is already used by service 'A' (its health port).");
    }

    [Test]
    public void The_same_ports_on_different_machines_do_not_collide()
    {
        var yaml = "  A:\n" + Cpu + "    ports: [7200]\n    health: { port: 8200 }\n" +
                   "  B:\n    machines: [pc2]\n    family: cpu\n    entrypoint: b/app.py\n    ports: [7200]\n    health: { port: 8200 }\n";
        Check(yaml).ShouldBeEmpty();
    }

    [Test]
    public void A_port_pushed_past_65535_by_the_offset_is_an_error()
    {
        var fleet = FleetFixture.Parse("  A:\n    machines: [pc2]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 65500 }\n");
        Single(FleetValidator.Check(fleet, FleetFixture.SmallCatalog())).Message.ShouldBe("On machine 'pc2', host port 65600 (health port 65500 + port_offset 100) is above 65535.");
    }

    [Test]
    public void An_unknown_alias_suggests_the_closest_and_lists_the_aliases()
    {
        var yaml = "  A:\n    machines: [mainpc]\n    family: cpu-wbe\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";
        var e = Single(Check(yaml));

        e.Where!.Line.ShouldBe(FleetFixture.LineOf(FleetFixture.FleetYaml(yaml), "family: cpu-wbe"));
        e.Message.ShouldBe("Family or alias 'cpu-wbe' is not in the catalog docker/families.yaml. Did you mean 'cpu-web'?");
        e.Fix.ShouldBe("Name a catalog family or an alias (aliases: cpu, cpu-audio, cpu-web, gpu-ada, gpu-ada-audio, gpu-ampere, gpu-ampere-audio); aliases are declared once, in the catalog's 'aliases:'.");
    }

    [Test]
    public void An_alias_that_points_at_no_family_is_named()
    {
        var catalog = FleetFixture.SmallCatalog();
        catalog = catalog with { Aliases = new Dictionary<string, string>(catalog.Aliases) { ["cpu"] = "cpu-py312" } };
        var fleet = FleetFixture.Parse("  A:\n" + Cpu + "    health: { port: 8000 }\n");

        Single(FleetValidator.Check(fleet, catalog)).Message.ShouldStartWith("Family or alias 'cpu' is not in the catalog docker/families.yaml (its alias points at 'cpu-py312', which is not a family).");
    }

    [Test]
    public void An_audio_need_on_a_family_without_audio_is_an_error_with_families_that_fit()
    {
        var yaml = "  Stt:\n    machines: [mainpc]\n    needs: [gpu, audio]\n    family: gpu-ada\n    entrypoint: s/app.py\n    health: { port: 6800 }\n";
        var e = Single(Check(yaml));

        e.Where!.Line.ShouldBe(FleetFixture.LineOf(FleetFixture.FleetYaml(yaml), "needs: [gpu, audio]"));
        e.Message.ShouldBe("The service needs audio, but family 'gpu-ada-py311' (alias 'gpu-ada') provides only cpu, gpu.");
        e.Fix.ShouldBe("Use a family that provides them: gpu-ada-audio, gpu-ada-audio-py311, gpu-ampere-audio, gpu-ampere-audio-py311.");
    }

    [Test]
    public void Audio_is_inherited_and_gpu_comes_from_the_variant()
    {
        var catalog = FleetFixture.SmallCatalog();
        FleetFamilies.Provides(catalog, catalog.Get("gpu-ampere-audio-py311")).ShouldBe([FleetNeed.Cpu, FleetNeed.Gpu, FleetNeed.Audio]);
        FleetFamilies.Provides(catalog, catalog.Get("cpu-py311")).ShouldBe([FleetNeed.Cpu]);
    }

    [Test]
    public void A_family_running_as_root_is_refused()
    {
        var catalog = FleetFixture.SmallCatalog();
        catalog = catalog with { Families = catalog.Families.Select(f => f.Name == "cpu-py311" ? f with { User = null } : f).ToList() };
        var fleet = FleetFixture.Parse("  A:\n" + Cpu + "    health: { port: 8000 }\n");

        Single(FleetValidator.Check(fleet, catalog)).Message.ShouldBe("Family 'cpu-py311' (alias 'cpu') runs as root; fleet services run as a non-root user (a container's root is the host's root once it escapes).");
    }

    [Test]
    public void A_fleet_machine_the_catalog_does_not_have_is_an_error()
    {
        var fleet = FleetFixture.Parse("  A:\n    machines: [mainpx]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n", "  mainpx: { port_offset: 0 }\n");
        var e = Single(FleetValidator.Check(fleet, FleetFixture.SmallCatalog()));

        e.Where!.Line.ShouldBe(3);
        e.Message.ShouldBe("Machine 'mainpx' is not a machine of the catalog (docker/families.yaml). Did you mean 'mainpc'?");
    }

    [Test]
    public void Every_error_is_reported_at_once()
    {
        var yaml = "  A:\n    machines: [pc2]\n    family: gpu-ada\n    entrypoint: a/app.py\n    health: { port: 8000 }\n" +
                   "  B:\n    machines: [mainpc]\n    needs: [web]\n    family: cpu\n    entrypoint: b/app.py\n    health: { port: 8001 }\n" +
                   "  C:\n    machines: [mainpc]\n    family: nope\n    entrypoint: c/app.py\n    health: { port: 8002 }\n";
        var ex = Should.Throw<InputException>(() => FleetValidator.Resolve(FleetFixture.Parse(yaml), FleetFixture.SmallCatalog()));

        ex.Errors.Select(e => e.Subject).ShouldBe(["A", "B", "C"]);
        ex.Message.ShouldStartWith("3 problems in the fleet:");
    }

    [Test]
    public void A_dependency_on_another_machine_is_a_link_to_that_machines_address_and_offset_port()
    {
        var yaml = "  Tts:\n    machines: [pc2]\n    family: cpu\n    entrypoint: t/app.py\n    ports: [5801]\n    health: { port: 8000 }\n" +
                   "  Relay:\n    machines: [mainpc, pc2]\n    family: cpu\n    entrypoint: r/app.py\n    health: { port: 8001 }\n    depends_on: [Tts]\n";
        var fleet = FleetFixture.Parse(yaml, "  mainpc: { port_offset: 0, compute_capability: \"8.9\" }\n  pc2: { port_offset: 100, compute_capability: \"8.6\", address: \"fd00::2\" }\n");

        FleetWiring.CrossMachine(fleet).ShouldHaveSingleItem().ShouldBe(new FleetLink("Relay", "mainpc", FleetLinkKind.DependsOn, "Tts", "pc2", "fd00::2", 5901, "KILN_PEER_TTS"));
        FleetWiring.CrossMachine(fleet)[0].Endpoint.ShouldBe("[fd00::2]:5901");
        FleetWiring.Links(fleet, fleet.Get("Relay"), "pc2").ShouldHaveSingleItem().ShouldBe(new FleetLink("Relay", "pc2", FleetLinkKind.DependsOn, "Tts", "pc2", "Tts", 5801, "KILN_PEER_TTS"), "on its own machine: the Compose name and the container port");
    }

    [Test]
    public void Gpu_optional_on_a_cpu_family_is_an_error()
    {
        var yaml = "  A:\n" + Cpu + "    health: { port: 8000 }\n    gpu: optional\n";
        var e = Single(Check(yaml));

        e.ToString().ShouldBe($"docker/fleet.yaml:{FleetFixture.LineOf(FleetFixture.FleetYaml(yaml), "gpu: optional")}:10: service 'A': 'gpu: optional' is set, but family 'cpu-py311' (alias 'cpu') has no GPU. Remove 'gpu: optional' (a CPU family never probes a GPU), or use a GPU family.");
    }

    [Test]
    public void An_infrastructure_port_collides_with_a_service_port_after_the_offset()
    {
        var yaml = "infrastructure:\n  redis: { image: \"redis:7.2@" + FleetFixture.D + "\", machines: [pc2], port: 6379, user: \"999:999\", health: { cmd: [redis-cli, ping] } }\n" +
                   FleetFixture.FleetYaml("  A:\n    machines: [pc2]\n    family: cpu\n    entrypoint: a/app.py\n    ports: [6379]\n    health: { port: 8000 }\n");
        var e = Single(FleetValidator.Check(FleetLoader.Parse(yaml, "docker/fleet.yaml"), FleetFixture.SmallCatalog()));

        e.Subject.ShouldBe("A");
        e.Message.ShouldBe("On machine 'pc2', host port 6479 (port 6379 + port_offset 100) is already used by infrastructure 'redis' (its infrastructure port).");
    }
}
