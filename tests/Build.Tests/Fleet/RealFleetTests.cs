using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>docker/fleet.yaml against docker/families.yaml: all 69 services, mapped and placed correctly.</summary>
[TestFixture]
[Category("Unit")]
public sealed class RealFleetTests
{
    [Test]
    public void The_real_fleet_has_all_69_services_mapped_on_matching_machines_without_collisions()
    {
        var fleet = FleetFixture.RealFleet();
        var catalog = FleetFixture.RealCatalog();

        fleet.Services.Count.ShouldBe(69);
        FleetValidator.Check(fleet, catalog).ShouldBeEmpty();
        var resolved = FleetValidator.Resolve(fleet, catalog);
        resolved.Services.Count.ShouldBe(69);
        var report = FleetReport.Build(fleet, catalog);
        report.Coverage.ShouldBe(new FleetCoverage(69, 69, []), new CoverageComparer());
        foreach (var service in resolved.Services.Where(s => s.IsGpu))
        {
            foreach (var machine in service.Service.Machines)
            {
                FleetFamilies.Covers(service.ArchList!, fleet.Machines[machine].ComputeCapability!).ShouldBeTrue($"{service.Name} on {machine}");
            }
        }

        resolved.Services.Count(s => s.IsGpu).ShouldBe(12);
    }

    [Test]
    public void The_table_columns_survive_in_the_manifest()
    {
        var fleet = FleetFixture.RealFleet();

        fleet.Get("ModelOpsCoordinator").Ports.ShouldBe([7211, 7212, 8008]);
        fleet.Get("ModelOpsCoordinator").Health.Port.ShouldBe(8212);
        fleet.Get("RealTimeAudioPipelinePC2").Family.ShouldBe("gpu-ampere-audio");
        fleet.Get("FaceRecognitionAgent").Needs.ShouldBe([FleetNeed.Gpu, FleetNeed.Vision]);
        fleet.Get("SelfHealingSupervisor").Machines.ShouldBe(["mainpc", "pc2"]);
        fleet.Services.Where(s => s.DockerSocket).Select(s => s.Name).ShouldBe(["SelfHealingSupervisor"]);
        fleet.Services.Where(s => s.Confirm is not null).Select(s => s.Name).Order(StringComparer.Ordinal).ShouldBe(
        [
            "AffectiveProcessingCenter", "EmotionSynthesisAgent", "GoTToTAgent", "LearningOpportunityDetector", "MemoryFusionHub",
            "RealTimeAudioPipelinePC2", "SmartHomeAgent", "UnifiedObservabilityCenter",
        ]);
        fleet.Machines.Keys.ShouldBe(["mainpc", "pc2"]);
        FleetWiring.CrossMachine(fleet).Select(l => l.ToString()).ShouldBe(["SpeechRelayService@pc2 → TTSService@mainpc mainpc:5801"]);
    }

    [Test]
    public void The_fleet_runs_as_a_fleet_redis_models_sound_and_the_optional_gpu()
    {
        var fleet = FleetFixture.RealFleet();

        var redis = fleet.Infrastructure.ShouldHaveSingleItem();
        (redis.Name, redis.Machines.Single(), redis.Port, redis.User, redis.PasswordSecret).ShouldBe(("redis", "mainpc", 6379, "999:999", "redis_password"));
        redis.Image.ShouldStartWith("redis:7.2-bookworm@sha256:");
        fleet.Services.Where(s => s.Uses.Contains("redis")).Select(s => s.Name).ShouldBe(["ServiceRegistry", "SystemDigitalTwin"]);
        fleet.Services.Where(s => s.Volumes.Any(v => v.Target == "/models")).ShouldBeEmpty("models come from the machine's models_dir");
        fleet.Services.Count(s => s.Models).ShouldBe(12);
        fleet.Services.Where(s => s.AudioDevice).Select(s => s.Name).Order(StringComparer.Ordinal).ShouldBe(["AudioCapture", "RealTimeAudioPipeline", "RealTimeAudioPipelinePC2", "SpeechRelayService"]);
        fleet.Services.Where(s => s.GpuOptional).Select(s => s.Name).ShouldBe(["RealTimeAudioPipelinePC2"]);
        fleet.Get("RealTimeAudioPipelinePC2").Confirm.ShouldNotBeNull();
        fleet.Get("ModelOpsCoordinator").EnvOn("mainpc").ShouldBe([new Build.Catalog.EnvVar("OMP_NUM_THREADS", "16"), new Build.Catalog.EnvVar("MAX_WORKERS", "16")]);
        fleet.Machines.Values.ShouldAllBe(m => m.Address != null && m.DockerGid != null && m.ModelsDir != null && m.AudioGid != null);
        fleet.Questions.Select(q => q.Id).ShouldBe(["H1", "H2", "H3", "H4", "H5", "H6", "H7", "H8", "H9", "H10", "omp-threads", "max-workers", "redis-image", "audio-devices", "gpu-optional", "machine-addresses", "host-ids"]);
        FleetLoader.Load("docker/fleet.yaml", Build.Tests.Infra.TestInfra.RepoRoot, strict: true).Warnings.ShouldBeEmpty("the redis image is pinned, so CI mode accepts it");
    }

    [Test]
    public void Every_mainpc_service_gets_8_to_16_openmp_threads_and_pc2_keeps_2()
    {
        var fleet = FleetValidator.Resolve(FleetFixture.RealFleet(), FleetFixture.RealCatalog());
        foreach (var file in Build.Deploy.ComposeRenderer.RenderAll(fleet, Build.Deploy.ComposeOptions.ForGeneration(fleet.Catalog)))
        {
            var stream = new YamlDotNet.RepresentationModel.YamlStream();
            stream.Load(new StringReader(file.File.Content));
            var services = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)stream.Documents[0].RootNode).Children["services"];
            foreach (var (key, value) in services.Children.Where(kv => fleet.Fleet.Services.Any(s => s.Name == kv.Key.ToString())))
            {
                var env = (YamlDotNet.RepresentationModel.YamlMappingNode)((YamlDotNet.RepresentationModel.YamlMappingNode)value).Children["environment"];
                var threads = int.Parse(env.Children["OMP_NUM_THREADS"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
                if (file.Machine == "mainpc")
                {
                    threads.ShouldBeInRange(8, 16, $"{key} on mainpc");
                    env.Children.ContainsKey("UVICORN_WORKERS").ShouldBeFalse($"{key}: UVICORN_WORKERS is PC2's only");
                }
                else
                {
                    threads.ShouldBe(2, $"{key} on pc2");
                }
            }
        }
    }

    private sealed class CoverageComparer : IEqualityComparer<FleetCoverage>
    {
        public bool Equals(FleetCoverage? x, FleetCoverage? y) => x is not null && y is not null && x.Mapped == y.Mapped && x.Total == y.Total && x.Unmapped.SequenceEqual(y.Unmapped);

        public int GetHashCode(FleetCoverage obj) => obj.Total;
    }
}
