using Cake.Core;

namespace Build;

/// <summary>The shared command-line arguments, parsed once (plain data so tests need no Cake context).</summary>
public sealed record KilnOptions(
    string Catalog,
    string? Registry,
    IReadOnlyList<string> Families,
    BuildMode Mode,
    string Artifacts,
    bool ArtifactsRequested)
{
    public const string DefaultCatalog = "docker/families.yaml";
    public const string DefaultArtifacts = "artifacts";

    /// <summary>Every shared argument with its help text; the Default target prints these.</summary>
    public static IReadOnlyList<(string Name, string Description)> Documented { get; } =
    [
        ("--catalog=PATH", $"The family catalog (default {DefaultCatalog})."),
        ("--registry=HOST/REPO", "Registry and repository for tags and existence checks (default: the catalog's)."),
        ("--families=a,b", "Only these families (and their ancestors). Default: all."),
        ("--mode=local|ci", "local: --load, linux/amd64, local cache. ci: gha/registry cache, artifacts. Default: ci when CI=true."),
        ("--artifacts[=DIR]", $"Where artifacts are written (default {DefaultArtifacts}/). In local mode, also builds the export targets."),
    ];

    public static KilnOptions Parse(ICakeArguments arguments, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);

        string? Single(string name)
        {
            if (!arguments.HasArgument(name))
            {
                return null;
            }

            // Repeated values are kept by Cake; for single-valued options the last one wins, as on most CLIs.
            return arguments.GetArguments(name).LastOrDefault();
        }

        var modeText = Single("mode");
        BuildMode mode;
        if (modeText is null)
        {
            mode = string.Equals(environment("CI"), "true", StringComparison.OrdinalIgnoreCase) ? BuildMode.Ci : BuildMode.Local;
        }
        else if (!Enum.TryParse(modeText, ignoreCase: true, out mode) || !Enum.IsDefined(mode))
        {
            throw new CakeException(2, $"--mode={modeText} is not a mode. Use --mode=local or --mode=ci.");
        }

        var families = arguments.HasArgument("families")
            ? arguments.GetArguments("families")
                .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Distinct(StringComparer.Ordinal)
                .ToList()
            : [];

        var artifacts = Single("artifacts");
        var artifactsRequested = artifacts is not null && !string.Equals(artifacts, "false", StringComparison.OrdinalIgnoreCase);
        var artifactsDir = artifacts is null || IsFlagValue(artifacts) ? DefaultArtifacts : artifacts;

        var registry = Single("registry");
        return new KilnOptions(
            Catalog: Single("catalog") is { Length: > 0 } c ? c : DefaultCatalog,
            Registry: string.IsNullOrWhiteSpace(registry) ? null : registry.TrimEnd('/'),
            Families: families,
            Mode: mode,
            Artifacts: artifactsDir,
            ArtifactsRequested: artifactsRequested);
    }

    private static bool IsFlagValue(string value) =>
        value.Length == 0 || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);
}
