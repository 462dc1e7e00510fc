using System.Globalization;
using Build.Catalog;
using Build.Hashing;
using Build.Host;
using Build.Registry;
using Build.Reports;
using Cake.Core;
using Cake.Core.Diagnostics;
using Cake.Core.IO;

namespace Build;

public enum BuildMode
{
    Local,
    Ci,
}

/// <summary>
/// The arguments every target shares, read once. Anything expensive (catalog, hashes, git) is computed lazily by the
/// task that needs it, so <c>--tree</c> and <c>--description</c> stay instant.
/// </summary>
public class BuildContext : FrostingContext
{
    public BuildContext(ICakeContext context)
        : base(context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = KilnOptions.Parse(context.Arguments, name => context.Environment.GetEnvironmentVariable(name));
        Options = args;
        RootDirectory = context.Environment.WorkingDirectory;
    }

    public KilnOptions Options { get; }

    /// <summary>When this run started: reports older than that belong to another run.</summary>
    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public DirectoryPath RootDirectory { get; }

    public FilePath CatalogPath => new FilePath(Options.Catalog).MakeAbsolute(RootDirectory);

    // MakeAbsolute, not Combine: --artifacts=/abs/dir is as valid as a repository-relative folder.
    public DirectoryPath ArtifactsDirectory => new DirectoryPath(Options.Artifacts).MakeAbsolute(RootDirectory);

    /// <summary>
    /// Per-run scratch (OCI tarballs, bake metadata, cache exports, measurements) lives under the artifacts folder,
    /// so two runs with different --artifacts never touch each other's files.
    /// </summary>
    public string WorkDirectory => System.IO.Path.Combine(ArtifactsDirectory.FullPath, ".work");

    public bool IsGitHubActions => string.Equals(Environment.GetEnvironmentVariable("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);

    private Catalog.Catalog? _catalog;
    private HashReport? _hashes;
    private OciRegistryClient? _registryClient;

    /// <summary>--offline: never ask a registry (existence is 'unknown').</summary>
    public bool Offline => Flag("offline");

    /// <summary>The date tag, yyyymmdd: --date, else today in UTC.</summary>
    public string DateTag => Arguments.HasArgument("date") ? Arguments.GetArguments("date").Last() : DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The repository every family's tags live in: --registry, else the catalog's.</summary>
    public ImageName RegistryRepository => ImageName.ParseRepository(RegistryText);

    /// <summary>--registry, else the catalog's; "local" is the loopback registry from tests/infra/up.sh.</summary>
    public string RegistryText => _registryText ??= ResolveRegistry();

    private string? _registryText;

    private string ResolveRegistry()
    {
        if (!string.Equals(Options.Registry, "local", StringComparison.OrdinalIgnoreCase))
        {
            return Options.Registry ?? Catalog.Registry;
        }

        var env = Environment.GetEnvironmentVariable("KILN_TEST_REGISTRY");
        var file = System.IO.Path.Combine(RootDirectory.FullPath, "tests", "infra", ".env");
        if (string.IsNullOrEmpty(env) && System.IO.File.Exists(file))
        {
            env = Testing.InfraEnvironment.Parse(System.IO.File.ReadAllText(file)).GetValueOrDefault("KILN_TEST_REGISTRY");
        }

        if (string.IsNullOrEmpty(env))
        {
            throw new CakeException(2, "--registry=local needs the loopback registry: run tests/infra/up.sh first (it writes tests/infra/.env).");
        }

        var name = System.IO.Path.GetFileName(Catalog.Directory.TrimEnd('/')) is { Length: > 0 } n && n != "." ? n : "kiln";
        return $"{env}/kiln/{name}";
    }

    public OciRegistryClient RegistryClient => _registryClient ??= new OciRegistryClient(new RegistryClientOptions
    {
        Credentials = RegistryCredentials.FromEnvironment(name => Environment.GetEnvironmentVariable(name)),
        // Locally an unreachable registry should cost seconds, not minutes (the catalog is hashed offline too).
        MaxRetries = Options.Mode == BuildMode.Ci ? 3 : 1,
        AttemptTimeout = TimeSpan.FromSeconds(Options.Mode == BuildMode.Ci ? 15 : 5),
        InsecureRegistries = (Environment.GetEnvironmentVariable("KILN_INSECURE_REGISTRIES") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase),
    });

    /// <summary>--families=a,b (validated), or every family.</summary>
    public IReadOnlyList<Family> SelectedFamilies
    {
        get
        {
            if (Options.Families.Count == 0)
            {
                return Catalog.Families;
            }

            var names = Catalog.Families.Select(f => f.Name).ToList();
            var unknown = Options.Families.Where(f => !names.Contains(f)).ToList();
            if (unknown.Count > 0)
            {
                throw new CakeException(2, $"--families names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {Catalog.File} does not define. Families: {string.Join(", ", names)}.");
            }

            return Options.Families.Select(Catalog.Get).ToList();
        }
    }

    private IReadOnlyList<Generation.GeneratedFile>? _generated;

    /// <summary>Every file the catalog generates, rendered once per run (hashing and drift checks share it).</summary>
    public IReadOnlyList<Generation.GeneratedFile> GeneratedFiles => _generated ??= Generation.Generator.Plan(Catalog);

    /// <summary>Hashes of the selected families and their ancestors, with tags and registry presence; computed once.</summary>
    public HashReport Hashes => _hashes ??= ComputeHashes();

    private Task<string>? _engineVersion;

    /// <summary>The Docker engine's version (Bake's first prerequisite); throws <see cref="Buildx.PrerequisiteException"/> when none answers.</summary>
    public string EngineVersion => StartEngineCheck().GetAwaiter().GetResult();

    /// <summary>Asks once, in the background: ComputeHash starts it so the answer is ready when Bake needs it.</summary>
    private Task<string> StartEngineCheck() => _engineVersion ??= Task.Run(() => Buildx.Prerequisites.CheckEngine());

    /// <summary>
    /// Local mode: which of this run's &lt;family&gt;-&lt;hash&gt; tags the engine's image store holds (tag → image ID),
    /// looked up with the hashes. Empty in CI mode, where only the registry counts.
    /// </summary>
    public IReadOnlyDictionary<string, string> LocalImages => Hashes.Families
        .Where(f => f.LocalImage is not null)
        .ToDictionary(f => f.Tags[0], f => f.LocalImage!, StringComparer.Ordinal);

    /// <summary>--builder=NAME: any buildx builder; Kiln never schedules builds itself.</summary>
    public string? Builder => Arguments.HasArgument("builder") ? Arguments.GetArguments("builder").Last() : null;

    public bool Force => Flag("force");

    /// <summary>This run's bake result, or the one a previous run left in artifacts/bake-summary.json.</summary>
    public Buildx.BakeResult LoadBakeResult()
    {
        if (BakeResult is not null)
        {
            return BakeResult;
        }

        var path = ArtifactsDirectory.CombineWithFilePath("bake-summary.json").FullPath;
        if (!File.Exists(path))
        {
            throw new CakeException(1, $"No bake result: {path} does not exist. Run --target=Bake first (or a target that depends on it).");
        }

        return BakeResult = Buildx.BakeResult.FromJson(File.ReadAllText(path));
    }

    /// <summary>What Bake did in this run (or read from artifacts/bake-summary.json by a later, separate run).</summary>
    public Buildx.BakeResult? BakeResult { get; set; }

    private Task<Buildx.GitFacts?>? _git;
    private Task<Buildx.BuilderFacts>? _builder;

    /// <summary>The commit's revision, time and source, from the git CLI; null outside a checkout.</summary>
    public Buildx.GitFacts? Git => (_git ??= Task.Run(() => Buildx.GitFacts.Read(RootDirectory.FullPath))).GetAwaiter().GetResult();

    /// <summary>buildx and the builder's abilities (throws <see cref="Buildx.PrerequisiteException"/>); asked once.</summary>
    public Buildx.BuilderFacts BuilderFacts => StartBuilderCheck().GetAwaiter().GetResult();

    /// <summary>The builder checks reuse the engine check's answer rather than asking again.</summary>
    private Task<Buildx.BuilderFacts> StartBuilderCheck() => _builder ??= Task.Run(() => Buildx.Prerequisites.Check(Builder, engineVersion: EngineVersion));

    /// <summary>The tasks this run executes (from Cake's plan, set in Setup).</summary>
    public IReadOnlySet<string> PlannedTasks { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Once a build is certain (--force, or an image is missing), the builder checks and git facts it needs — a few
    /// CLI processes — start beside the rest of the hashing instead of after it.
    /// </summary>
    private void PrepareBuild()
    {
        if (PlannedTasks.Contains("Bake"))
        {
            StartBuilderCheck();
            _git ??= Task.Run(() => Buildx.GitFacts.Read(RootDirectory.FullPath));
        }
    }

    /// <summary>Failures collected instead of thrown while the CI target runs, so Publish and the summary still happen.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>True when the run's targets include CI: gates record their failure and the CI task fails at the end.</summary>
    public bool DeferFailures => Arguments.HasArgument("target") && Arguments.GetArguments("target").Any(t => string.Equals(t, "CI", StringComparison.OrdinalIgnoreCase));

    /// <summary>A gate's failure: thrown at once, or (in the CI chain) recorded and thrown by the CI task at the end.</summary>
    public void Fail(string message)
    {
        if (!DeferFailures)
        {
            throw new CakeException(1, message);
        }

        Failures.Add(message);
        this.Log.Error(message);
        if (IsGitHubActions)
        {
            Console.Out.WriteLine(Reports.GitHubActions.Annotation("error", message, title: "Kiln"));
        }
    }

    /// <summary>Registry credentials from the environment or Docker's config (never argv).</summary>
    public Build.Registry.RegistryCredential? Credentials(string registry) =>
        Build.Registry.RegistryCredentials.FromEnvironment(name => Environment.GetEnvironmentVariable(name))(registry);

    /// <summary>The last value of --name=value, or null.</summary>
    public string? Argument(string name) => Arguments.HasArgument(name) ? Arguments.GetArguments(name).Last() : null;

    public bool Flag(string name) => Arguments.HasArgument(name) && !string.Equals(Arguments.GetArguments(name).Last(), "false", StringComparison.OrdinalIgnoreCase);

    private Task PrepareRegistry()
    {
        var client = RegistryClient;
        var repository = RegistryRepository;
        return Task.Run(() => client.PrepareAsync(repository));
    }

    private HashReport ComputeHashes()
    {
        var catalog = Catalog;
        var registry = RegistryText;
        var date = DateTag;
        if (Options.Mode == BuildMode.Local)
        {
            // The engine is asked next (its image store); its answer to "which version" is Bake's first check.
            StartEngineCheck();
        }

        // CI mode always asks the registry: its connection and token are settled while the files are hashed.
        var prepared = Offline || Options.Mode == BuildMode.Local ? Task.CompletedTask : PrepareRegistry();
        if (Force)
        {
            PrepareBuild();
        }

        var hashes = new FamilyHasher(RootDirectory.FullPath, Pixi.PixiHashing.Inputs(RootDirectory.FullPath), GeneratedFiles).Compute(catalog, SelectedFamilies);

        // Local mode looks in the engine's store first and asks the registry only for what it lacks: a no-op run on a
        // laptop needs no network, and an unreachable registry costs nothing when every image is here.
        var tags = hashes.ToDictionary(h => h.Family, h => HashReport.TagsFor(registry, h.Family, h.Hash, date));
        var local = Options.Mode == BuildMode.Local
            ? Buildx.DockerEngine.LocalImages(tags.Values.Select(t => t[0]).ToList())
            : new Dictionary<string, string>();
        string? LocalImage(FamilyHash h) => local.GetValueOrDefault(tags[h.Family][0]);
        var ask = Offline ? [] : hashes.Where(h => LocalImage(h) is null).Select(h => (h.Family, $"{h.Family}-{h.Hash}")).ToList();
        if (Options.Mode == BuildMode.Local && hashes.Any(h => LocalImage(h) is null))
        {
            PrepareBuild();
        }

        var existence = ask.Count == 0
            ? new Dictionary<string, ExistenceResult>()
            : prepared.ContinueWith(_ => ExistenceChecker.CheckAsync(RegistryClient, RegistryRepository, ask), TaskScheduler.Default).Unwrap().GetAwaiter().GetResult();
        if (existence.Values.Any(e => e.Exists != Existence.Present))
        {
            PrepareBuild();
        }

        return new HashReport(
            HashReport.CurrentSchema,
            catalog.File,
            registry,
            date,
            hashes.Select(h =>
            {
                var family = catalog.Get(h.Family);
                var e = existence.GetValueOrDefault(h.Family)
                    ?? new ExistenceResult(Existence.Unknown, null, Offline ? "--offline" : "not asked: the local image store has it");
                return new FamilyHashEntry(h.Family, h.Hash, h.Parent, family.Group, family.BakeTarget, h.Inputs, tags[h.Family], e.Exists, e.Detail, e.Digest, LocalImage(h));
            }).ToList());
    }

    /// <summary>The catalog, loaded and validated once per run (strict in CI mode: unpinned bases are errors).</summary>
    public Catalog.Catalog Catalog => _catalog ??= LoadCatalog();

    private Catalog.Catalog LoadCatalog()
    {
        try
        {
            var result = CatalogLoader.Load(
                Options.Catalog,
                new CatalogLoadOptions(RootDirectory.FullPath, name => Environment.GetEnvironmentVariable(name), Strict: Options.Mode == BuildMode.Ci));
            foreach (var warning in result.Warnings)
            {
                this.Log.Warning(warning.ToString());
                Annotate("warning", warning);
            }

            return result.Catalog;
        }
        catch (CatalogException ex)
        {
            foreach (var error in ex.Errors)
            {
                Annotate("error", error);
            }

            throw new CakeException(1, ex.Message);
        }
    }

    private void Annotate(string level, CatalogError problem)
    {
        if (IsGitHubActions)
        {
            Console.Out.WriteLine(GitHubActions.Annotation(level, $"{(problem.Family is null ? string.Empty : $"family '{problem.Family}': ")}{problem.Message} {problem.Fix}", problem.Where?.File, problem.Where?.Line, problem.Where?.Column, "Kiln catalog"));
        }
    }
}
