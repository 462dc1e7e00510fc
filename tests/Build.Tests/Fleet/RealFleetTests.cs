using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>docker/fleet.yaml against docker/families.yaml: the whole spec 002 §F table, mapped and placed correctly.</summary>
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
            "SmartHomeAgent", "UnifiedObservabilityCenter",
        ]);
        fleet.Machines.Keys.ShouldBe(["mainpc", "pc2"]);
        FleetValidator.CrossMachineDependencies(fleet).Select(d => $"{d.Service}@{d.Machine}->{d.DependsOn}").ShouldBe(["SpeechRelayService@pc2->TTSService"]);
    }

    private sealed class CoverageComparer : IEqualityComparer<FleetCoverage>
    {
        public bool Equals(FleetCoverage? x, FleetCoverage? y) => x is not null && y is not null && x.Mapped == y.Mapped && x.Total == y.Total && x.Unmapped.SequenceEqual(y.Unmapped);

        public int GetHashCode(FleetCoverage obj) => obj.Total;
    }
}
