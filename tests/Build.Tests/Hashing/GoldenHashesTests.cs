using Build.Fleet;
using Build.Hashing;
using Build.Tests.Infra;

namespace Build.Tests.Hashing;

/// <summary>
/// The committed catalogs' and fleets' hashes, computed offline from the repository alone. A family hash that moves
/// rebuilds and republishes that family and everything on it, so these must not move unless what a hash covers
/// changes on purpose (then FamilyHasher.Scheme or ServiceHasher.Scheme is bumped and these are updated with it).
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class GoldenHashesTests
{
    private static Build.Catalog.Catalog Load(string file) =>
        Build.Catalog.CatalogLoader.Load(file, new Build.Catalog.CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;

    private static Dictionary<string, string> FamilyHashes(Build.Catalog.Catalog catalog) =>
        new FamilyHasher(TestInfra.RepoRoot, Build.Pixi.PixiHashing.Inputs(TestInfra.RepoRoot)).Compute(catalog).ToDictionary(h => h.Family, h => h.Hash, StringComparer.Ordinal);

    private static string Lines(IReadOnlyDictionary<string, string> hashes) =>
        string.Concat(hashes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}\n"));

    /// <summary>
    /// Every service's hash as ComputeHash makes it. Without <paramref name="withCode"/> (the real fleet, whose code
    /// lives in another repository) there is no code and each lock is an empty stand-in: what remains is what this
    /// repository holds (the generated files, the fleet entry, the family's hash).
    /// </summary>
    private static Dictionary<string, string> ServiceHashes(string catalogFile, string fleetFile, bool withCode)
    {
        var catalog = Load(catalogFile);
        var families = FamilyHashes(catalog);
        var fleet = FleetValidator.Resolve(FleetLoader.Load(fleetFile, TestInfra.RepoRoot), catalog);
        using var standIns = new TempDir();
        var code = withCode
            ? ServiceCodeReader.Read(fleet, TestInfra.RepoRoot, fleet.Services).ToDictionary(c => c.Service, c => c.Files, StringComparer.Ordinal)
            : null;
        foreach (var lockFile in withCode ? [] : fleet.Services.Select(s => s.Service.RequirementsLock).OfType<string>())
        {
            standIns.Write(Path.Combine(fleet.Fleet.SourceRoot, lockFile), string.Empty);
        }

        return fleet.Services.ToDictionary(s => s.Name, s =>
        {
            var dockerfile = ServiceDockerfileRenderer.Render(fleet, s);
            var dockerignore = ServiceDockerfileRenderer.RenderDockerignore(fleet, s);
            return ServiceHasher.Compute(fleet.Fleet, s.Service, withCode ? TestInfra.RepoRoot : standIns.Path, dockerfile, dockerignore, families[s.Family.Name], code?[s.Name] ?? []).Hash;
        }, StringComparer.Ordinal);
    }

    [Test]
    public void Demo_catalog_family_hashes_are_the_committed_values() =>
        Lines(FamilyHashes(Load("examples/demo/families.yaml"))).ShouldBe(DemoFamilies);

    [Test]
    public void Real_catalog_family_hashes_are_the_committed_values() =>
        Lines(FamilyHashes(Load("docker/families.yaml"))).ShouldBe(RealFamilies);

    [Test]
    public void Demo_fleet_service_hashes_are_the_committed_values() =>
        Lines(ServiceHashes("examples/demo/families.yaml", "examples/demo/fleet.yaml", withCode: true)).ShouldBe(DemoServices);

    [Test]
    public void Real_fleet_service_hashes_without_code_are_the_committed_values() =>
        Lines(ServiceHashes("docker/families.yaml", "docker/fleet.yaml", withCode: false)).ShouldBe(RealServices);

    private const string DemoFamilies = """
        demo-audio-py311 4296ca1fe3f5
        demo-devcontainer-slim 01b91d99a1f9
        demo-devcontainer-tools 0824a3fd9837
        demo-gpu-ada-py311 ec51e92f0b0d
        demo-gpu-ada-vision-py311 ecf3d170ec65
        demo-gpu-ampere-py311 90af76b57979
        demo-gpu-ampere-vision-py311 8fd840875f11
        demo-py311 3d48420e6acd
        demo-web-py311 d9b6c1fd62eb

        """;

    private const string RealFamilies = """
        cpu-audio-py311 1b26b25ff24b
        cpu-py311 46806d9c1dec
        cpu-web-py311 ac28ffd06306
        cuda12.3-ada-audio-py311 e15db21780ca
        cuda12.3-ada-py311 f47a0257d741
        cuda12.3-ada-vision-py311 5814e1518e69
        cuda12.3-ampere-audio-py311 d69fb8ae9553
        cuda12.3-ampere-py311 591b9114ca46
        cuda12.3-ampere-vision-py311 84226e7378e4
        cuda12.3-runtime-py311 ab7bbc62321c
        devcontainer-focal-stable d6e302f5aa17
        devcontainer-noble-stable 9bbe50a6ed85

        """;

    private const string DemoServices = """
        audio 5cbe0228e255
        gpu-ada c8d588d18eb1
        heartbeat bccbd99b26a0
        hello f1560a24fd86
        vision-ampere 012311203cfb
        web d075604f66de

        """;

    private const string RealServices = """
        ActiveLearningMonitor 64c8c8d5d560
        AdvancedCommandHandler 6bd34eb4d465
        AdvancedRouter 08b0e6329246
        AffectiveProcessingCenter b817b743d9d6
        AgentTrustScorer bbd69964c00e
        AsyncProcessor cb9ec45f3ec8
        AudioCapture 7a32f2271428
        AuthenticationAgent d3650ca4f61d
        CacheManager 74d0a343216d
        CentralErrorBus 742adbd1a2d1
        ChainOfThoughtAgent 10e82b18b8be
        ChitchatAgent 07950b202014
        CloudTranslationService 1598367d0a32
        CodeGenerator 4fbe6f0329bd
        CognitiveModelAgent 5efe85a9c829
        CrossMachineGPUScheduler 315c7ba30b67
        DreamWorldAgent 069d79f854a0
        DreamingModeAgent a783efe34943
        DynamicIdentityAgent fb489f816bf0
        EmotionEngine 9d47c1546b3c
        EmotionSynthesisAgent eea1269edf4b
        EmpathyAgent 23ad50772f38
        Executor 3a620874bf04
        FaceRecognitionAgent 40d6b77d70e1
        FeedbackHandler 049218f3dcdf
        FileSystemAssistantAgent 3e5eea29f4b0
        FusedAudioPreprocessor 8e5b641b7d21
        GoTToTAgent c132884635c5
        HumanAwarenessAgent 53db938edbce
        IntentionValidatorAgent 8dbeab0239ec
        LearningManager 5972146a21ef
        LearningOpportunityDetector 99f64b69281d
        MemoryFusionHub 0ca3b98bc655
        ModelOpsCoordinator d04f1018485d
        MoodTrackerAgent 857f7d37aca6
        NLUAgent aaccf30abfb0
        ObservabilityDashboardAPI ca60a2f17b50
        PredictiveHealthMonitor 83c5cce53f06
        ProactiveAgent 755e76a59bf6
        ProactiveContextMonitor 664647cb9b93
        RealTimeAudioPipeline 18861b9c8470
        RealTimeAudioPipelinePC2 75d4861cc389
        RemoteConnectorAgent 1b026614d050
        ResourceManager 32aa33aac274
        Responder 3d7e0297584a
        STTService bad429896ace
        SelfHealingSupervisor 980d989d65a9
        ServiceRegistry db3315aea41b
        SmartHomeAgent c8abf9073900
        SpeechRelayService 4b908732540e
        StreamingInterruptHandler 125087f41ed4
        StreamingLanguageAnalyzer 5002626af83f
        StreamingSpeechRecognition f31f79e34d32
        StreamingTTSAgent ea0a1c979f8e
        StreamingTranslationProxy c92fdba5f3a6
        SystemDigitalTwin 74f5b9fe2dce
        TTSService 0e3760101f8e
        TaskScheduler c7d0f648baad
        TieredResponder 7c79c0c60d6a
        TinyLlamaServiceEnhanced 346942a762c8
        ToneDetector f2ea9a9d4bcb
        TutoringServiceAgent 21720b0e634a
        UnifiedObservabilityCenter 6d52a756d094
        UnifiedSystemAgent 3d59aa3ef796
        UnifiedUtilsAgent e1ca23e3af20
        UnifiedWebAgent 88b88a14a103
        VisionProcessingAgent 98793a0dcdd0
        VoiceProfilingAgent ec80dd7a7e29
        WakeWordDetector dc3b100cf1c6

        """;
}
