using System.Globalization;
using Build.Gates;
using Build.Host;
using Build.IO;
using Cake.Core;

namespace Build;

/// <summary>
/// The run's data, filled once by <see cref="BuildLifetime"/>: the arguments, where things are, which run this is,
/// what it works on (<see cref="RunPlan"/>) and the results each task publishes for the next. What does work (registry,
/// hashing, prechecks) is a service the host injects into the tasks that need it.
/// </summary>
public sealed class BuildContext(ICakeContext context) : FrostingContext(context)
{
    private IReadOnlyDictionary<string, string> _defaults = new Dictionary<string, string>();

    public KilnOptions Options { get; private set; } = null!;

    /// <summary>The repository root (the working directory: build.sh runs the app there).</summary>
    public string Root { get; private set; } = string.Empty;

    public ArtifactLayout Paths { get; private set; } = null!;

    public RunStamp Stamp { get; private set; } = null!;

    public KilnEnvironment Env { get; private set; } = new();

    public RunResults Results { get; } = new();

    public RunPlan Plan { get; private set; } = null!;

    /// <summary>The date tag, yyyymmdd: --date, else today in UTC.</summary>
    public string DateTag { get; private set; } = string.Empty;

    // Short for what almost every task reads.
    public bool IsGitHubActions => Env.IsGitHubActions;
    public Catalog.Catalog Catalog => Plan.Catalog;
    public Fleet.ResolvedFleet? Fleet => Plan.Fleet;
    public IReadOnlyList<Generation.GeneratedFile> GeneratedFiles => Plan.GeneratedFiles;
    public string Repository => Plan.Repository;

    internal void Fill(KilnOptions options, KilnEnvironment environment, RunFacts facts, IReadOnlyDictionary<string, string> defaults, RunSources sources)
    {
        Options = options;
        Root = Environment.WorkingDirectory.FullPath;
        // MakeAbsolute, not Combine: --artifacts=/abs/dir is as valid as a repository-relative folder.
        Paths = new ArtifactLayout(new Cake.Core.IO.DirectoryPath(options.Artifacts).MakeAbsolute(Environment.WorkingDirectory).FullPath);
        // Once per run: a run that crosses midnight UTC bakes and pushes the same date tag.
        DateTag = options.Date ?? DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Stamp = new RunStamp(Guid.NewGuid().ToString("N"), DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), options.Catalog);
        (Env, _defaults) = (environment, defaults);
        Plan = new RunPlan(facts, options, Argument(ArgumentNames.Machine), sources);
    }

    /// <summary>The last value of --name=value, else the target's default for it (the Demo target has some), or null.</summary>
    public string? Argument(string name) => Arguments.HasArgument(name) ? Arguments.GetArguments(name).Last() : _defaults.GetValueOrDefault(name);

    public bool Flag(string name) => Arguments.HasArgument(name) && !string.Equals(Arguments.GetArguments(name).Last(), "false", StringComparison.OrdinalIgnoreCase);
}
