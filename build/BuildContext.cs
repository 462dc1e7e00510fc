using Build.Host;
using Cake.Core;
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
}
