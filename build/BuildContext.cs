using System.Globalization;
using Build.Catalog;
using Build.Gates;
using Build.Host;
using Build.IO;
using Cake.Core;

namespace Build;

public enum BuildMode
{
    Local,
    Ci,
}

/// <summary>
/// The run's data, filled once by <see cref="BuildLifetime"/>: the shared arguments, where things are, which run
/// this is, the catalog, and the results each task publishes for the tasks after it. What does work (registry,
/// hashing, prechecks) is a service the host injects into the tasks that need it.
/// </summary>
public sealed class BuildContext(ICakeContext context) : FrostingContext(context)
{
    private Lazy<Catalog.Catalog>? _catalog;
    private Lazy<IReadOnlyList<Generation.GeneratedFile>>? _generated;
    private Lazy<Fleet.ResolvedFleet?>? _fleet;
    private IReadOnlyList<Fleet.ResolvedService>? _services;
    private string? _registry;
    private IReadOnlyDictionary<string, string> _defaults = new Dictionary<string, string>();

    public KilnOptions Options { get; private set; } = null!;

    /// <summary>The repository root (the working directory: build.sh runs the app there).</summary>
    public string Root { get; private set; } = string.Empty;

    public ArtifactLayout Paths { get; private set; } = null!;

    public RunStamp Stamp { get; private set; } = null!;

    /// <summary>The tasks this run executes, from Cake's plan.</summary>
    public IReadOnlySet<string> PlannedTasks { get; private set; } = new HashSet<string>();

    public KilnEnvironment Env { get; private set; } = new();

    public bool IsGitHubActions => Env.IsGitHubActions;

    public RunResults Results { get; } = new();

    /// <summary>The catalog, loaded and validated on first use (strict in CI mode: unpinned bases are errors).</summary>
    public Catalog.Catalog Catalog => (_catalog ?? throw new InvalidOperationException("The context is not filled yet.")).Value;

    /// <summary>The fleet beside the catalog (<c>fleet.yaml</c>), validated against it; null when there is none.</summary>
    public Fleet.ResolvedFleet? Fleet => _fleet!.Value;

    /// <summary>Every file the catalog (and its fleet) generates, rendered once per run (hashing and drift checks share it).</summary>
    public IReadOnlyList<Generation.GeneratedFile> GeneratedFiles => _generated!.Value;

    /// <summary>The repository every family's tags live in: --registry (or "local"), else the catalog's.</summary>
    public string Repository => _registry ??= Build.Registry.RegistryTarget.Resolve(Options.Registry, () => Catalog, Root, Env.Lookup);

    /// <summary>The date tag, yyyymmdd: --date, else today in UTC.</summary>
    public string DateTag { get; private set; } = string.Empty;

    /// <summary>
    /// --families=a,b (validated) plus the families of --services (or of Deploy's machine); with neither, every
    /// family. Hashing adds each one's ancestors.
    /// </summary>
    public IReadOnlyList<Family> SelectedFamilies => Options.Families.Count == 0 && Options.Services is not { Count: > 0 } && !DeploysOneMachine && !Locks
        ? Catalog.Families
        : [.. SelectFamilies(), .. NamedServices.Select(s => s.Family)];

    /// <summary>A Lock run builds the families of the services it locks, not the services (their locks are what it makes).</summary>
    private bool Locks => PlannedTasks.Contains("Lock");

    /// <summary>Deploy --machine without --families/--services: that machine's services and their families, nothing else.</summary>
    private bool DeploysOneMachine => Options.Families.Count == 0 && Options.Services is null && PlannedTasks.Contains("Deploy") && Argument(ArgumentNames.Machine) is not null;

    /// <summary>Every image name of the catalog and its fleet (what a gate's configuration may mention).</summary>
    public IReadOnlySet<string> ImageNames => Catalog.Families.Select(f => f.Name).Concat(Fleet?.Services.Select(s => s.Name) ?? []).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The services this run hashes and builds: --services (validated), none for --services=none, else every
    /// service of the --families named (all of them with no --families). Deploy, without --services, takes the
    /// services of its --machine.
    /// </summary>
    public IReadOnlyList<Fleet.ResolvedService> SelectedServices => Locks ? [] : NamedServices;

    /// <summary>The services --services/--families (or Deploy's machine) name, whether or not this run builds them: what Lock locks.</summary>
    public IReadOnlyList<Fleet.ResolvedService> NamedServices => _services ??= SelectServices();

    internal void Fill(KilnOptions options, KilnEnvironment environment, IEnumerable<string> plannedTasks, Func<BuildContext, Catalog.Catalog> loadCatalog, IReadOnlyDictionary<string, string> defaults, Func<BuildContext, Fleet.ResolvedFleet?> loadFleet)
    {
        if (Stamp is not null)
        {
            return;
        }

        Options = options;
        Root = Environment.WorkingDirectory.FullPath;
        // MakeAbsolute, not Combine: --artifacts=/abs/dir is as valid as a repository-relative folder.
        Paths = new ArtifactLayout(new Cake.Core.IO.DirectoryPath(options.Artifacts).MakeAbsolute(Environment.WorkingDirectory).FullPath);
        // Once per run: a run that crosses midnight UTC bakes and pushes the same date tag.
        DateTag = options.Date ?? DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Stamp = new RunStamp(Guid.NewGuid().ToString("N"), DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), options.Catalog);
        PlannedTasks = plannedTasks.ToHashSet(StringComparer.OrdinalIgnoreCase);
        Env = environment;
        _defaults = defaults;
        _catalog = new Lazy<Catalog.Catalog>(() => loadCatalog(this));
        _fleet = new Lazy<Fleet.ResolvedFleet?>(() => loadFleet(this));
        _generated = new Lazy<IReadOnlyList<Generation.GeneratedFile>>(() =>
            [.. Generation.Generator.Plan(Catalog, Fleet), .. Fleet is { } fleet ? Deploy.FleetPlan.Files(fleet, Deploy.ComposeOptions.ForGeneration(Catalog)) : []]);
    }

    /// <summary>The ${NAME} values the catalog's bases were read with: every bake of this run gets the same.</summary>
    public IReadOnlyDictionary<string, string> BaseVariables => Buildx.BakeFileRenderer.BaseVariables(Catalog)
        .Where(v => Env.Get(v.Name) is { Length: > 0 })
        .ToDictionary(v => v.Name, v => Env.Get(v.Name)!, StringComparer.Ordinal);

    /// <summary>The last value of --name=value, else the target's default for it (the Demo target has some), or null.</summary>
    public string? Argument(string name) => Arguments.HasArgument(name) ? Arguments.GetArguments(name).Last() : _defaults.GetValueOrDefault(name);

    public bool Flag(string name) => Arguments.HasArgument(name) && !string.Equals(Arguments.GetArguments(name).Last(), "false", StringComparison.OrdinalIgnoreCase);

    private List<Fleet.ResolvedService> SelectServices()
    {
        if (Fleet is not { } fleet)
        {
            return Options.Services is { Count: > 0 }
                ? throw new CakeException(2, $"--services={string.Join(',', Options.Services)}: there is no fleet beside {Catalog.File} ({Catalog.Directory}/fleet.yaml).")
                : [];
        }

        if (Options.Services is { } named)
        {
            var unknown = named.Where(n => fleet.Services.All(s => s.Name != n)).ToList();
            return unknown.Count > 0
                ? throw new CakeException(2, $"--services names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {fleet.Fleet.File} does not define.{Build.Catalog.Suggest.DidYouMean(unknown[0], fleet.Services.Select(s => s.Name))} Services: {string.Join(", ", fleet.Services.Select(s => s.Name))}.")
                : [.. fleet.Services.Where(s => named.Contains(s.Name))];
        }

        var services = Options.Families.Count == 0 ? fleet.Services : fleet.Services.Where(s => Options.Families.Contains(s.Family.Name)).ToList();
        if (DeploysOneMachine && Argument(ArgumentNames.Machine) is { } machine)
        {
            services = services.Where(s => s.Service.Machines.Contains(machine)).ToList();
        }

        return [.. services];
    }

    private List<Family> SelectFamilies()
    {
        var names = Catalog.Families.Select(f => f.Name).ToList();
        var unknown = Options.Families.Where(f => !names.Contains(f)).ToList();
        if (unknown.Count > 0)
        {
            throw new CakeException(2, $"--families names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {Catalog.File} does not define. Families: {string.Join(", ", names)}.");
        }

        return Options.Families.Select(Catalog.Get).ToList();
    }
}
