using Build.Catalog;
using Build.Host;
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

    public DirectoryPath RootDirectory { get; }

    public FilePath CatalogPath => RootDirectory.CombineWithFilePath(Options.Catalog);

    public DirectoryPath ArtifactsDirectory => RootDirectory.Combine(Options.Artifacts);

    public bool IsGitHubActions => string.Equals(Environment.GetEnvironmentVariable("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);

    private Catalog.Catalog? _catalog;

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
