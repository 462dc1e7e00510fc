using System.Text.Json;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>fleet-report: coverage, per machine, open questions, Mermaid, and the shared-layer sums.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetReportTests
{
    [Test]
    public void Shared_layers_are_counted_once_next_to_the_sum_of_image_sizes()
    {
        var bytes = ImageBytes.Compute(
        [
            new ImageLayers("a", [("sha256:base", 100), ("sha256:cpu", 50), ("sha256:a", 5)]),
            new ImageLayers("b", [("sha256:base", 100), ("sha256:cpu", 50), ("sha256:b", 7)]),
            new ImageLayers("c", [("sha256:base", 100), ("sha256:c", 1)]),
        ]);

        bytes.ShouldBe(new ImageBytes(3, 413, 163));
        bytes.Saving.ShouldBe(250);
        ImageBytes.Compute([]).ShouldBe(new ImageBytes(0, 0, 0));
    }

    [Test]
    public void The_demo_report_has_machines_ports_gpu_archs_and_open_questions()
    {
        var report = FleetReport.Build(FleetFixture.DemoFleet(), FleetFixture.DemoCatalog());

        report.Coverage.Mapped.ShouldBe(6);
        report.Coverage.Unmapped.ShouldBeEmpty();
        report.Machines.Select(m => m.Machine).ShouldBe(["mainpc", "pc2"]);
        var pc2 = report.Machines[1];
        pc2.Services.ShouldBe(["vision-ampere", "heartbeat"]);
        pc2.GpuServices.ShouldBe([new FleetGpuService("vision-ampere", "demo-gpu-ampere-vision-py311", "8.6")]);
        pc2.Ports.ShouldBe([new FleetPort(17104, 17004, "vision-ampere", "port"), new FleetPort(17110, 17010, "heartbeat", "port")]);
        report.OpenQuestions.ShouldHaveSingleItem().Service.ShouldBe("heartbeat");
        report.OpenQuestions[0].Where.ShouldStartWith("examples/demo/fleet.yaml:");
    }

    [Test]
    public void An_unmapped_service_is_listed_and_the_rest_still_reported()
    {
        var fleet = FleetFixture.Parse(
            "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n" +
            "  B:\n    machines: [mainpc]\n    family: gpu-hopper\n    entrypoint: b/app.py\n    health: { port: 8001 }\n    docker_socket: true\n",
            "  mainpc: { port_offset: 0, compute_capability: \"8.9\", docker_gid: 998 }\n");
        var report = FleetReport.Build(fleet, FleetFixture.SmallCatalog());

        report.Coverage.Mapped.ShouldBe(1);
        report.Coverage.Total.ShouldBe(2);
        report.Coverage.Unmapped.ShouldBe(["B"]);
        report.Coverage.Percent.ShouldBe(50);
        report.Machines[0].Privileged.ShouldHaveSingleItem().Service.ShouldBe("B");
        report.Machines[0].Privileged[0].Grants.ShouldBe(["Docker socket /var/run/docker.sock", "group 998 (docker_gid)"]);
        report.ToMarkdown(FleetFixture.SmallCatalog()).ShouldContain("Unmapped: `B`");
    }

    [Test]
    public void Every_privilege_is_listed_from_the_key_that_grants_it_and_nothing_else_is()
    {
        var fleet = FleetFixture.Parse(
            "  Plain:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n    volumes: [data:/data]\n" +
            "  Sock:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: s/app.py\n    health: { port: 8001 }\n    docker_socket: true\n" +
            "  Snd:\n    machines: [mainpc]\n    family: cpu-audio\n    entrypoint: d/app.py\n    health: { port: 8002 }\n    audio_device: true\n" +
            "  Gpu:\n    machines: [mainpc]\n    family: gpu-ada\n    entrypoint: g/app.py\n    health: { port: 8003 }\n    models: true\n" +
            "  Host:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: h/app.py\n    health: { port: 8004 }\n    volumes: [\"/srv/data/in:/in:ro\", \"./out:/out\"]\n",
            "  mainpc: { port_offset: 0, compute_capability: \"8.9\", docker_gid: 998, audio_gid: 29, models_dir: /srv/models, host_paths: [/srv/data] }\n");
        fleet = fleet with { Infrastructure = [new FleetInfrastructure("redis", "redis:7", ["mainpc"], 6379, [new FleetVolume("/srv/data/redis", "/data", false), new FleetVolume("redis-data", "/r", false)], ["redis-cli", "ping"], FleetHealthTiming.Default, "999:999", null, null, new("f", 1, 1), new Dictionary<string, Build.Catalog.SourceSpan>())] };
        var report = FleetReport.Build(fleet, FleetFixture.SmallCatalog());

        report.Machines[0].Privileged.Select(p => (p.Service, string.Join("; ", p.Grants))).ShouldBe(
        [
            ("redis", "host folder /srv/data/redis at /data, writable (volumes)"),
            ("Sock", "Docker socket /var/run/docker.sock; group 998 (docker_gid)"),
            ("Snd", "device /dev/snd; group 29 (audio_gid)"),
            ("Gpu", "GPU (every NVIDIA device); host folder /srv/models at /models, read-only (models_dir)"),
            ("Host", "host folder /srv/data/in at /in, read-only (volumes); repository folder ./out at /out, writable (volumes)"),
        ]);
        report.ToMarkdown(FleetFixture.SmallCatalog()).ShouldContain("- Gpu: GPU (every NVIDIA device), host folder /srv/models at /models, read-only (models_dir)\n");
    }

    [Test]
    public void Json_and_markdown_carry_the_report()
    {
        var catalog = FleetFixture.RealCatalog();
        // Two mainpc services that share a 1000-byte family layer: 3000 summed, 2000 with the shared layer once.
        var layers = new Dictionary<string, ImageLayers>
        {
            ["ServiceRegistry"] = new("ServiceRegistry", [("sha256:family", 1000), ("sha256:a", 500)]),
            ["SystemDigitalTwin"] = new("SystemDigitalTwin", [("sha256:family", 1000), ("sha256:b", 500)]),
        };
        var report = FleetReport.Build(FleetFixture.RealFleet(), catalog, layers);

        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("coverage").GetProperty("mapped").GetInt32().ShouldBe(69);
        json.RootElement.GetProperty("machines")[0].GetProperty("machine").GetString().ShouldBe("mainpc");
        json.RootElement.GetProperty("openQuestions").GetArrayLength().ShouldBe(8);
        json.RootElement.GetProperty("bytes").GetProperty("saving").GetInt64().ShouldBe(1000);
        json.RootElement.GetProperty("machines")[0].GetProperty("bytes").GetProperty("sharedOnce").GetInt64().ShouldBe(2000);
        json.RootElement.GetProperty("machines")[1].GetProperty("bytes").ValueKind.ShouldBe(JsonValueKind.Null, "nothing measured on pc2: no figure, not a zero");
        FleetReport.Build(FleetFixture.RealFleet(), catalog, new Dictionary<string, ImageLayers>()).Bytes.ShouldBeNull();
        json.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(2);
        var link = json.RootElement.GetProperty("crossMachine").EnumerateArray().ShouldHaveSingleItem();
        (link.GetProperty("service").GetString(), link.GetProperty("machine").GetString(), link.GetProperty("kind").GetString(), link.GetProperty("target").GetString(), link.GetProperty("targetMachine").GetString(), link.GetProperty("host").GetString(), link.GetProperty("port").GetInt32(), link.GetProperty("variable").GetString())
            .ShouldBe(("SpeechRelayService", "pc2", "depends_on", "TTSService", "mainpc", "mainpc", 5801, "KILN_PEER_TTSSERVICE"));
        var redis = json.RootElement.GetProperty("infrastructure").EnumerateArray().ShouldHaveSingleItem();
        redis.GetProperty("usedBy").EnumerateArray().Select(u => u.GetString()).ShouldBe(["ServiceRegistry", "SystemDigitalTwin"]);
        redis.GetProperty("secretVariable").GetString().ShouldBe("KILN_SECRET_REDIS_PASSWORD");
        json.RootElement.GetProperty("questions").GetArrayLength().ShouldBe(17);
        json.RootElement.GetProperty("questions")[0].GetProperty("decidedBy").GetString().ShouldBe("kiln default");
        var mainpc = json.RootElement.GetProperty("machines")[0];
        mainpc.GetProperty("address").GetString().ShouldBe("mainpc");
        mainpc.GetProperty("infrastructure").EnumerateArray().Select(i => i.GetString()).ShouldBe(["redis"]);
        mainpc.GetProperty("ports").EnumerateArray().ShouldContain(p => p.GetProperty("service").GetString() == "redis" && p.GetProperty("hostPort").GetInt32() == 6379);
        mainpc.GetProperty("privileged").EnumerateArray().Select(p => p.GetProperty("service").GetString()).ShouldBe(
            ["SelfHealingSupervisor", "ModelOpsCoordinator", "RealTimeAudioPipeline", "TinyLlamaServiceEnhanced", "ChainOfThoughtAgent", "CognitiveModelAgent", "FaceRecognitionAgent", "STTService", "TTSService", "AudioCapture"],
            "the socket, the sound devices and every GPU service");

        var md = report.ToMarkdown(catalog);
        md.ShouldContain("Coverage: **69 / 69** services mapped to a catalog family (100%)");
        md.ShouldContain("| ModelOpsCoordinator | cuda12.3-ada-py311 | 8.9 |");
        md.ShouldContain("| RealTimeAudioPipelinePC2 | cuda12.3-ampere-audio-py311 | 8.6 |");
        md.ShouldContain("- SelfHealingSupervisor: Docker socket /var/run/docker.sock, group 998 (docker_gid)\n");
        md.ShouldContain("- AudioCapture: device /dev/snd, group 29 (audio_gid)\n");
        md.ShouldContain("- ModelOpsCoordinator: GPU (every NVIDIA device)");
        md.ShouldContain("| redis | `redis:7.2-bookworm@sha256:");
        md.ShouldContain("| ServiceRegistry, SystemDigitalTwin | secret `redis_password` from `KILN_SECRET_REDIS_PASSWORD` |");
        md.ShouldContain("| H10 | Do all services get an HTTP health endpoint, or TCP port checks? |");
        md.ShouldContain("sum of image sizes 2.9 KiB, shared layers counted once 2.0 KiB (families save 1000 B)");
        md.ShouldContain("- SpeechRelayService@pc2 → TTSService@mainpc mainpc:5801 (`KILN_PEER_TTSSERVICE`)");
        md.ShouldContain("```mermaid\ngraph LR\n");
        md.ShouldContain("  f_cuda12_3_runtime_py311 -.-> f_cuda12_3_ada_py311\n");
        md.ShouldContain("  f_cuda12_3_ada_py311 --> s_ModelOpsCoordinator(\"ModelOpsCoordinator\")\n");
        report.Mermaid(catalog).Split('\n').Count(l => l.Contains(" --> s_", StringComparison.Ordinal)).ShouldBe(69);
    }
}
