using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>The manifest reader: positions, "did you mean", expected types, every error at once.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetLoaderTests
{
    private static InputException Fails(string services, string? machines = null) =>
        Should.Throw<InputException>(() => FleetFixture.Parse(services, machines));

    [Test]
    public void A_full_entry_is_read_with_defaults_applied()
    {
        var fleet = FleetFixture.Parse(
            "  Hub:\n    machines: [mainpc, pc2]\n    needs: [cpu, web]\n    family: cpu-web\n    entrypoint: hub/app.py\n" +
            "    ports: [5713, 8080]\n    health: { port: 8080, check: http, path: /ready, start_period: 90s }\n    env: { A: \"1\" }\n" +
            "    volumes: [models:/models:ro, /srv/data:/data]\n    depends_on: [Reg]\n    notes: n\n    confirm: \"which port?\"\n" +
            "  Reg:\n    machines: mainpc\n    family: cpu\n    entrypoint: main_pc_code/agents/reg.py\n    requirements: none\n    health: { port: 8200 }\n    docker_socket: true\n",
            "  mainpc: { port_offset: 0, compute_capability: \"8.9\", address: main.lan, docker_gid: 998, host_paths: [/srv/data] }\n  pc2: { port_offset: 100, compute_capability: \"8.6\", host_paths: [/srv] }\n");

        var hub = fleet.Get("Hub");
        hub.Machines.ShouldBe(["mainpc", "pc2"]);
        hub.Needs.ShouldBe([FleetNeed.Cpu, FleetNeed.Web]);
        hub.Files.ShouldBeEmpty();
        hub.Health.ShouldBe(new FleetHealth(FleetCheckKind.Http, 8080, "/ready", FleetHealthTiming.Default with { StartPeriod = "90s" }));
        hub.Health.Argument.ShouldBe("http:http://127.0.0.1:8080/ready");
        hub.Volumes.ShouldBe([new FleetVolume("models", "/models", true), new FleetVolume("/srv/data", "/data", false)]);
        hub.Volumes.Select(v => v.IsNamed).ShouldBe([true, false]);
        hub.RequirementsLock.ShouldBe("requirements/Hub.lock");
        hub.Confirm.ShouldBe("which port?");
        hub.At("ports").Line.ShouldBe(11);
        var reg = fleet.Get("Reg");
        reg.Entrypoint.ShouldBe("main_pc_code/agents/reg.py");
        reg.RequirementsLock.ShouldBeNull();
        reg.Needs.ShouldBe([FleetNeed.Cpu]);
        reg.DockerSocket.ShouldBeTrue();
        reg.Health.Argument.ShouldBe("tcp:8200");
        fleet.Machines["pc2"].PortOffset.ShouldBe(100);
        fleet.Machines["pc2"].ComputeCapability.ShouldBe("8.6");
        fleet.SourceRoot.ShouldBe(".");
    }

    [Test]
    public void The_hash_entry_of_a_service_ignores_where_it_was_written()
    {
        const string entry = "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";
        var first = FleetFixture.Parse(entry).Get("A");
        var moved = FleetFixture.Parse("  Z:\n    machines: [pc2]\n    family: cpu\n    entrypoint: z/app.py\n    health: { port: 9000 }\n\n# a comment\n" + entry).Get("A");

        moved.Source.ShouldNotBe(first.Source);
        Entry(moved).ShouldBe(Entry(first));
        Entry(first with { Ports = [1] }).ShouldNotBe(Entry(first));
    }

    private static string Entry(FleetService service) => Build.Hashing.CanonicalJson.Serialize(ServiceHasher.Entry(service));

    [Test]
    public void The_hash_entry_of_a_service_holds_only_what_is_set_so_a_new_unset_field_changes_no_hash()
    {
        const string entry = "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";
        var plain = FleetFixture.Parse(entry).Get("A");
        var spelledOut = FleetFixture.Parse(entry + "    docker_socket: false\n    models: false\n    files: []\n    env: {}\n    depends_on: []\n").Get("A");

        Entry(spelledOut).ShouldBe(Entry(plain), "a default written out is the same as one left out");
        Entry(plain).ShouldBe("""{"entrypoint":"a/app.py","family":"cpu","health":{"argument":"tcp:8000","check":0,"port":8000,"timing":{"interval":"30s","retries":3,"startInterval":"2s","startPeriod":"30s","timeout":"5s"}},"machines":["mainpc"],"name":"A","needs":[0],"requirementsLock":"requirements/A.lock"}""");
        Entry(plain with { Notes = "n", DockerSocket = true }).ShouldContain("\"dockerSocket\":true");
    }

    [Test]
    public void An_unknown_key_suggests_the_right_one()
    {
        var e = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n    depend_on: [B]\n").Errors.ShouldHaveSingleItem();

        e.Where!.ToString().ShouldBe("docker/fleet.yaml:11:5");
        e.Subject.ShouldBe("A");
        e.Message.ShouldBe("Unknown key 'depend_on' in a service. Did you mean 'depends_on'?");
        e.Fix.ShouldStartWith("Allowed keys: machines, needs, family,");
    }

    [Test]
    public void Wrong_types_name_the_expected_type()
    {
        var ex = Fails("  A:\n    machines: { a: 1 }\n    family: [cpu]\n    entrypoint: a/app.py\n    ports: [http]\n    health: { port: 8000, retries: many }\n    docker_socket: yes\n");

        ex.Errors.Select(e => (e.Where!.Line, e.Message)).ShouldBe(
        [
            (7, "'machines' must be a list of strings."),
            (8, "'family' must be a single value (a string), not a list."),
            (10, "'ports' must be a list of port numbers (integers from 1 to 65535); 'http' is not one."),
            (11, "'retries' must be an integer from 1 to 100, not 'many'."),
            (12, "'docker_socket' must be a boolean (true or false), not 'yes'."),
        ]);
    }

    [Test]
    public void Bad_needs_machines_health_and_volumes_are_all_reported()
    {
        var ex = Fails("  A:\n    machines: [mainpc, pc3]\n    needs: [gpus]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000, check: grpc }\n    volumes: [models]\n  B:\n    family: cpu\n    entrypoint: ../b.py\n    depends_on: [Aa]\n");

        ex.Errors.Select(e => e.Message).ShouldBe(
        [
            "Machine 'pc3' is not defined under the fleet's 'machines:'. Did you mean 'pc2'?",
            "'gpus' is not a need. Did you mean 'gpu'?",
            "'grpc' is not a health check kind.",
            "'models' is not a volume.",
            "The service names no machine.",
            "'entrypoint' is '../b.py': it must be a relative path without '..'.",
            "The service has no health check.",
        ]);
    }

    [Test]
    public void A_volume_source_with_a_variable_is_refused_because_generated_files_are_literal()
    {
        var e = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n    volumes: [\"${DATA}:/data\"]\n").Errors.ShouldHaveSingleItem();

        e.Where!.Line.ShouldBe(11);
        e.Message.ShouldBe("'${DATA}:/data' is not a volume.");
    }

    [Test]
    public void An_unknown_key_does_not_hide_the_other_problems_of_its_service()
    {
        var ex = Fails("  A:\n    machines: [mainpc]\n    famly: cpu\n    entrypoint: a/app.py\n    health: { port: 99999 }\n");

        ex.Errors.Select(e => e.Message).ShouldBe(
        [
            "Unknown key 'famly' in a service. Did you mean 'family'?",
            "The service names no family.",
            "'port' must be an integer from 1 to 65535, not '99999'.",
        ]);
    }

    [Test]
    public void A_service_defined_twice_is_a_positioned_error()
    {
        var ex = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n  A:\n    machines: [pc2]\n");

        var e = ex.Errors.ShouldHaveSingleItem();
        e.Where!.Line.ShouldBe(11);
        e.Message.ShouldBe("'A' is defined twice in this mapping (the other one is at docker/fleet.yaml:6:3).");
    }

    [Test]
    public void An_unknown_dependency_suggests_a_service()
    {
        var e = Fails("  Alpha:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n    depends_on: [Alpah]\n").Errors.ShouldHaveSingleItem();

        e.Message.ShouldBe("depends_on names 'Alpah', which is not a service of this fleet. Did you mean 'Alpha'?");
    }

    [Test]
    public void The_removed_source_key_is_one_error_saying_what_replaced_it()
    {
        var e = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    source: a\n    entrypoint: a/app.py\n    health: { port: 8000 }\n").Errors.ShouldHaveSingleItem();

        e.Message.ShouldStartWith("'source' is no longer read: an image holds exactly the modules its entrypoint imports");
        e.Fix.ShouldContain("files:");
    }

    [Test]
    public void Python_path_module_map_and_files_are_read()
    {
        var fleet = FleetLoader.Parse(
            "python_path: [., main_pc_code, ./common/]\nmodule_map: { cv2: opencv-python-headless, google.protobuf: protobuf }\n" +
            FleetFixture.FleetYaml("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    files: [a/config/**, ./a/x.json]\n    health: { port: 8000 }\n"),
            "docker/fleet.yaml");

        fleet.PythonPath.ShouldBe([".", "main_pc_code", "common"]);
        fleet.ModuleMap.ShouldBe(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["cv2"] = "opencv-python-headless", ["google.protobuf"] = "protobuf" });
        fleet.Get("A").Files.ShouldBe(["a/config/**", "a/x.json"]);
        Build.Fleet.Fleet.InputsPath("requirements/A.lock").ShouldBe("requirements/A.in");
    }

    [Test]
    public void Bad_python_path_module_map_files_and_entrypoints_are_positioned_errors()
    {
        var ex = Should.Throw<InputException>(() => FleetLoader.Parse(
            "python_path: [../x, main_pc_code, main_pc_code]\nmodule_map: { 3cv: x, yaml: \"Py YAML\" }\n" +
            FleetFixture.FleetYaml("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.sh\n    files: [../etc/passwd]\n    health: { port: 8000 }\n"),
            "docker/fleet.yaml"));

        ex.Errors.Select(e => e.Message).ShouldBe(
        [
            "python_path entry '../x' must be a folder relative to source_root, without '..'.",
            "python_path lists 'main_pc_code' twice.",
            "module_map key '3cv' is not a Python module name.",
            "module_map maps 'yaml' to 'Py YAML', which is not a distribution name.",
            "The entrypoint 'a/app.sh' is not a .py file.",
            "'files' entry '../etc/passwd' must be a path or glob relative to source_root, without '..'.",
        ]);
        ex.Errors.ShouldAllBe(e => e.Where != null && e.Where.Line > 0);
    }

    [Test]
    public void Machines_need_a_valid_compute_capability()
    {
        var e = Fails("  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n", "  mainpc: { compute_capability: sm_89, port_offset: 0 }\n").Errors.ShouldHaveSingleItem();

        e.Where!.Line.ShouldBe(3);
        e.Message.ShouldBe("Machine 'mainpc': 'sm_89' is not a GPU compute capability.");
    }

    [Test]
    public void A_yaml_syntax_error_is_positioned()
    {
        var ex = Should.Throw<InputException>(() => FleetLoader.Parse("machines:\n  mainpc: { description: \"unclosed }\nservices: {}\n", "f.yaml"));

        ex.Errors.ShouldHaveSingleItem().Message.ShouldStartWith("YAML syntax error");
        ex.Errors[0].Where!.File.ShouldBe("f.yaml");
    }
}
