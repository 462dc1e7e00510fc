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
        audio 3b61f86d6bde
        gpu-ada 707175d543f2
        heartbeat d9d765359aa0
        hello bac9e8c94231
        vision-ampere 291830c7bc55
        web 1dcdb34669f4

        """;

    private const string RealServices = """
        ActiveLearningMonitor db514820cd47
        AdvancedCommandHandler 08e97e989540
        AdvancedRouter 195e228d5d55
        AffectiveProcessingCenter 7f251fc8db61
        AgentTrustScorer 3943ed78e579
        AsyncProcessor 39568601a04c
        AudioCapture 5d7dd48bed64
        AuthenticationAgent ee8240ce0b70
        CacheManager da1c0d59ccae
        CentralErrorBus a9aea6786104
        ChainOfThoughtAgent 21a2972c0fec
        ChitchatAgent c86745d57879
        CloudTranslationService 7bfe503b28a0
        CodeGenerator d460067ae4e7
        CognitiveModelAgent 78438b574dd5
        CrossMachineGPUScheduler 76a5176021a3
        DreamWorldAgent cce3d328a1db
        DreamingModeAgent ba70d6fe0fef
        DynamicIdentityAgent 3264e07188bf
        EmotionEngine cb1efed0c9da
        EmotionSynthesisAgent 8c3a36de5c42
        EmpathyAgent 89802ed0106a
        Executor fb21ae6f98f3
        FaceRecognitionAgent 79f5c9334a15
        FeedbackHandler 43ba9f7a7bfe
        FileSystemAssistantAgent 8624745b98fb
        FusedAudioPreprocessor 53b2219ca0a6
        GoTToTAgent f0293a4e250d
        HumanAwarenessAgent c224bd67f966
        IntentionValidatorAgent d69265fcafa9
        LearningManager f9fed2bc21ed
        LearningOpportunityDetector 1d3bf1f8ffb6
        MemoryFusionHub ab729edea700
        ModelOpsCoordinator f4858a641cc9
        MoodTrackerAgent 335c3649e28b
        NLUAgent db0791a9556a
        ObservabilityDashboardAPI 273340b6e29a
        PredictiveHealthMonitor 5aa3c6334d89
        ProactiveAgent e06597fb947c
        ProactiveContextMonitor 5ab85038ffba
        RealTimeAudioPipeline a18f1b794095
        RealTimeAudioPipelinePC2 c84a5f0ca663
        RemoteConnectorAgent 9d8f5b98e13b
        ResourceManager fa15a4cc3eeb
        Responder 8cd8d5b9e903
        STTService 17c1b576a132
        SelfHealingSupervisor 5e5f49b582fb
        ServiceRegistry 89e585e584d3
        SmartHomeAgent a3450c0679c5
        SpeechRelayService 79a0b3b83aad
        StreamingInterruptHandler bf876279fe66
        StreamingLanguageAnalyzer 5f8346d2b171
        StreamingSpeechRecognition 6875e5a207dd
        StreamingTTSAgent 083b6c246234
        StreamingTranslationProxy e6623e0d3e96
        SystemDigitalTwin e50a61f3663e
        TTSService 3bde01f8887e
        TaskScheduler 215a74ca9ae2
        TieredResponder 552203dd7a2d
        TinyLlamaServiceEnhanced 5d2b8593aa19
        ToneDetector 4218bd7b7a0b
        TutoringServiceAgent ccea39ec546a
        UnifiedObservabilityCenter cd783cb94db2
        UnifiedSystemAgent 03d6104d032f
        UnifiedUtilsAgent 83a9ca4b375c
        UnifiedWebAgent 96de7eafc329
        VisionProcessingAgent a1d9009855a7
        VoiceProfilingAgent 1bb2561536b7
        WakeWordDetector f09894887876

        """;
}
