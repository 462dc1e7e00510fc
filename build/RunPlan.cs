using Build.Catalog;
using Build.Fleet;
using Build.Gates;
using Build.Generation;
using Cake.Core;

namespace Build;

/// <summary>
/// What Cake's plan of tasks implies for the run, known before anything is read. The one place a planned task's
/// name is compared: the code that depends on what else runs asks one of these instead.
/// </summary>
/// <param name="IsDemo">Demo: its own catalog, the loopback registry, and no CVE scan without a scanner.</param>
/// <param name="Bakes">Bake: the builder and git checks start beside the hashing.</param>
/// <param name="Locks">Lock: the families of the services it locks are built, not the services.</param>
/// <param name="Deploys">Deploy: --machine alone selects that machine's services; its Compose file may drift.</param>
/// <param name="TargetsMachine">Deploy or Down: their arguments are checked before the first task.</param>
/// <param name="WritesSummary">CI: a refusal is recorded rather than thrown, and the summary is written at the end.</param>
/// <param name="PublishesLater">Publish or CI: a gate's failure is recorded so that Publish refuses exactly what it blocks.</param>
/// <param name="Gates">The gates planned: their configuration is read before anything is built.</param>
public sealed record RunFacts(bool IsDemo, bool Bakes, bool Locks, bool Deploys, bool TargetsMachine, bool WritesSummary, bool PublishesLater, IReadOnlyList<IGate> Gates)
{
    public static RunFacts Of(IEnumerable<string> plannedTasks)
    {
        var planned = plannedTasks.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new RunFacts(
            IsDemo: planned.Contains("Demo"),
            Bakes: planned.Contains("Bake"),
            Locks: planned.Contains("Lock"),
            Deploys: planned.Contains("Deploy"),
            TargetsMachine: planned.Contains("Deploy") || planned.Contains("Down"),
            WritesSummary: planned.Contains("CI"),
            PublishesLater: planned.Contains("Publish") || planned.Contains("CI"),
            Gates: [.. GateRegistry.All.Where(g => planned.Contains(g.Task))]);
    }
}

/// <summary>Where the plan's inputs come from: the loaders run on first use, so a run that never needs the catalog never reads it.</summary>
public sealed record RunSources(Func<Catalog.Catalog> LoadCatalog, Func<ResolvedFleet?> LoadFleet, string Root, Func<string, string?> Environment);

/// <summary>
/// What this run works on, made in one place from the options, the facts and the catalog and fleet: the families and
/// services selected, the repository, the generated files. Each part is made on first use, so bad input fails where
/// the first task that needs it asks, and a target that needs none of it (a Deploy argument check, Lint of a broken
/// file) reads nothing more. A part whose making threw is made again when asked again, as a plain property would.
/// </summary>
public sealed class RunPlan
{
    private readonly Lazy<Catalog.Catalog> _catalog;
    private readonly Lazy<ResolvedFleet?> _fleet;
    private readonly Lazy<IReadOnlyList<GeneratedFile>> _generated;
    private readonly Lazy<string> _repository;
    private readonly Lazy<IReadOnlyList<ResolvedService>> _named;
    private readonly Lazy<IReadOnlyList<Family>> _families;
    private readonly Lazy<IReadOnlySet<string>> _imageNames;
    private readonly Func<string, string?> _environment;

    public RunPlan(RunFacts facts, KilnOptions options, string? machine, RunSources sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        Facts = facts;
        OneMachine = RunPlanner.OneMachine(options, facts, machine);
        _environment = sources.Environment;
        _catalog = new(sources.LoadCatalog);
        _fleet = new(sources.LoadFleet);
        _generated = new(() => RunPlanner.GeneratedFiles(Catalog, Fleet));
        _repository = new(() => Registry.RegistryTarget.Resolve(options.Registry, () => Catalog, sources.Root, sources.Environment), LazyThreadSafetyMode.PublicationOnly);
        _named = new(() => RunPlanner.NamedServices(options, OneMachine, Catalog, Fleet), LazyThreadSafetyMode.PublicationOnly);
        _families = new(() => RunPlanner.SelectedFamilies(options, facts, OneMachine, Catalog, () => NamedServices), LazyThreadSafetyMode.PublicationOnly);
        _imageNames = new(() => RunPlanner.ImageNames(Catalog, Fleet), LazyThreadSafetyMode.PublicationOnly);
    }

    public RunFacts Facts { get; }

    /// <summary>Deploy --machine without --families/--services: the machine whose services (and their families) are all this run takes.</summary>
    public string? OneMachine { get; }

    /// <summary>The catalog, loaded and validated on first use (strict in CI mode: unpinned bases are errors).</summary>
    public Catalog.Catalog Catalog => _catalog.Value;

    /// <summary>The fleet beside the catalog (<c>fleet.yaml</c>), validated against it; null when there is none.</summary>
    public ResolvedFleet? Fleet => _fleet.Value;

    /// <summary>Every file the catalog (and its fleet) generates, rendered once per run (hashing and drift checks share it).</summary>
    public IReadOnlyList<GeneratedFile> GeneratedFiles => _generated.Value;

    /// <summary>The repository every family's tags live in: --registry (or "local"), else the catalog's.</summary>
    public string Repository => _repository.Value;

    /// <summary>
    /// --families=a,b (validated) plus the families of --services (or of Deploy's machine); with neither, every
    /// family. Hashing adds each one's ancestors.
    /// </summary>
    public IReadOnlyList<Family> SelectedFamilies => _families.Value;

    /// <summary>
    /// The services this run hashes and builds: --services (validated), none for --services=none, else every
    /// service of the --families named (all of them with no --families). Deploy, without --services, takes the
    /// services of its --machine.
    /// </summary>
    public IReadOnlyList<ResolvedService> SelectedServices => Facts.Locks ? [] : NamedServices;

    /// <summary>The services --services/--families (or Deploy's machine) name, whether or not this run builds them: what Lock locks.</summary>
    public IReadOnlyList<ResolvedService> NamedServices => _named.Value;

    /// <summary>Every image name of the catalog and its fleet (what a gate's configuration may mention).</summary>
    public IReadOnlySet<string> ImageNames => _imageNames.Value;

    /// <summary>The ${NAME} values the catalog's bases were read with: every bake of this run gets the same.</summary>
    /// <remarks>Read on each use: the Demo target learns variables after the plan is made.</remarks>
    public IReadOnlyDictionary<string, string> BaseVariables => RunPlanner.BaseVariables(Catalog, _environment);
}

/// <summary>The plan's rules, as pure functions of the options, the facts and what was loaded.</summary>
public static class RunPlanner
{
    public static string? OneMachine(KilnOptions options, RunFacts facts, string? machine)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(facts);
        return options.Families.Count == 0 && options.Services is null && facts.Deploys ? machine : null;
    }

    public static IReadOnlyList<Family> SelectedFamilies(KilnOptions options, RunFacts facts, string? oneMachine, Catalog.Catalog catalog, Func<IReadOnlyList<ResolvedService>> namedServices)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(namedServices);
        if (options.Families.Count == 0 && options.Services is not { Count: > 0 } && oneMachine is null && !facts.Locks)
        {
            return catalog.Families;
        }

        var names = catalog.Families.Select(f => f.Name).ToList();
        var unknown = options.Families.Where(f => !names.Contains(f)).ToList();
        return unknown.Count > 0
            ? throw new CakeException(2, $"--families names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {catalog.File} does not define. Families: {string.Join(", ", names)}.")
            : [.. options.Families.Select(catalog.Get), .. namedServices().Select(s => s.Family)];
    }

    public static IReadOnlyList<ResolvedService> NamedServices(KilnOptions options, string? oneMachine, Catalog.Catalog catalog, ResolvedFleet? fleet)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalog);
        if (fleet is null)
        {
            return options.Services is { Count: > 0 }
                ? throw new CakeException(2, $"--services={string.Join(',', options.Services)}: there is no fleet beside {catalog.File} ({catalog.Directory}/fleet.yaml).")
                : [];
        }

        if (options.Services is { } named)
        {
            var unknown = named.Where(n => fleet.Services.All(s => s.Name != n)).ToList();
            return unknown.Count > 0
                ? throw new CakeException(2, $"--services names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {fleet.Fleet.File} does not define.{Suggest.DidYouMean(unknown[0], fleet.Services.Select(s => s.Name))} Services: {string.Join(", ", fleet.Services.Select(s => s.Name))}.")
                : [.. fleet.Services.Where(s => named.Contains(s.Name))];
        }

        var services = options.Families.Count == 0 ? fleet.Services : fleet.Services.Where(s => options.Families.Contains(s.Family.Name));
        return [.. oneMachine is null ? services : services.Where(s => s.Service.Machines.Contains(oneMachine))];
    }

    public static IReadOnlySet<string> ImageNames(Catalog.Catalog catalog, ResolvedFleet? fleet)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return catalog.Families.Select(f => f.Name).Concat(fleet?.Services.Select(s => s.Name) ?? []).ToHashSet(StringComparer.Ordinal);
    }

    public static IReadOnlyList<GeneratedFile> GeneratedFiles(Catalog.Catalog catalog, ResolvedFleet? fleet) =>
        [.. Generator.Plan(catalog, fleet), .. fleet is null ? [] : Deploy.FleetPlan.Files(fleet, Deploy.ComposeOptions.ForGeneration(catalog))];

    public static IReadOnlyDictionary<string, string> BaseVariables(Catalog.Catalog catalog, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return Buildx.BakeFileRenderer.BaseVariables(catalog)
            .Where(v => environment(v.Name) is { Length: > 0 })
            .ToDictionary(v => v.Name, v => environment(v.Name)!, StringComparer.Ordinal);
    }
}
