using System.Globalization;
using Cake.Core;

namespace Build;

/// <summary>
/// The shared command-line arguments, parsed and validated once (plain data so tests need no Cake context). A bad
/// value is a usage error (exit 2) whose message shows the valid forms, never a value that ends up in a tag.
/// </summary>
public sealed record KilnOptions(
    string Catalog,
    string? Registry,
    IReadOnlyList<string> Families,
    BuildMode Mode,
    string Artifacts,
    bool ArtifactsRequested)
{
    /// <summary>--date=yyyymmdd (validated), or null for today. BuildContext.DateTag should read this.</summary>
    public string? Date { get; init; }

    /// <summary>--services=a,b (names checked against the fleet later), [] for --services=none, null for every service of the selected families.</summary>
    public IReadOnlyList<string>? Services { get; init; }

    public const string DefaultCatalog = "docker/families.yaml";
    public const string DefaultArtifacts = "artifacts";

    /// <summary>Every shared argument with its help text; the Default target prints these.</summary>
    public static IReadOnlyList<(string Name, string Description)> Documented { get; } =
    [
        ("--catalog=PATH", $"The family catalog (default {DefaultCatalog})."),
        ("--registry=HOST/REPO", "Registry and repository for tags and existence checks (default: the catalog's)."),
        ("--families=a,b", "Only these families (and their ancestors), with their services. Default: all."),
        ("--services=a,b|none", "Only these services of the fleet (and their families); none: families only. Default: every service of the selected families."),
        ("--mode=local|ci", "local: --load, linux/amd64, local cache. ci: gha/registry cache, artifacts. Default: ci when CI=true."),
        ("--artifacts[=DIR]", $"Where artifacts are written (default {DefaultArtifacts}/). In local mode, also builds the export targets."),
        ("--date=yyyymmdd", "The date tag (default: today in UTC)."),
    ];

    /// <param name="workingDirectory">Where relative --catalog/--artifacts are resolved (default: the current directory).</param>
    public static KilnOptions Parse(ICakeArguments arguments, Func<string, string?> environment, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var working = workingDirectory ?? (arguments.HasArgument("working") ? arguments.GetArguments("working").LastOrDefault() : null);
        var root = Path.GetFullPath(string.IsNullOrEmpty(working) ? Directory.GetCurrentDirectory() : working);

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
        else
        {
            // Not Enum.TryParse: it reads "local,ci" as a combination of flags and "1" as a number.
            mode = modeText.Trim().ToLowerInvariant() switch
            {
                "local" => BuildMode.Local,
                "ci" => BuildMode.Ci,
                _ => throw Usage($"--mode={modeText} is not a mode. Use --mode=local or --mode=ci."),
            };
        }

        // A list option: repeatable, comma-separated, blanks and repeats dropped.
        List<string> Names(string name) => arguments.GetArguments(name)
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var families = arguments.HasArgument("families") ? Names("families") : [];
        foreach (var name in families.Where(f => !Build.Catalog.NamePattern.IsFamilyName(f)))
        {
            throw Usage($"--families names '{name}', which is not a family name. Family names are lowercase letters, digits, '.', '_' or '-', starting with a letter or digit; separate several with commas: --families=cpu-py311,cpu-web-py311.");
        }

        if (arguments.HasArgument("families") && families.Count == 0)
        {
            throw Usage("--families is empty. Name at least one family (--families=cpu-py311,cpu-web-py311), or leave it out for all.");
        }

        List<string>? services = null;
        if (arguments.HasArgument("services"))
        {
            services = Names("services");
            if (services.Count == 0)
            {
                throw Usage("--services is empty. Name at least one service of the fleet (--services=hello,web), --services=none for families only, or leave it out for all.");
            }

            if (services.Contains("none"))
            {
                services = services.Count == 1 ? [] : throw Usage($"--services={string.Join(',', services)} names services and 'none'. Use --services=none alone, or list services.");
            }
        }

        var artifacts = Single("artifacts");
        var artifactsRequested = artifacts is not null && !string.Equals(artifacts, "false", StringComparison.OrdinalIgnoreCase);
        var artifactsDir = artifacts is null || IsFlagValue(artifacts) ? DefaultArtifacts : artifacts;
        CheckPath(root, "artifacts", artifactsDir, folder: true);

        var catalog = Single("catalog") is { Length: > 0 } c ? c : DefaultCatalog;
        CheckPath(root, "catalog", catalog, folder: false);

        var registryText = Single("registry");
        var registry = string.IsNullOrWhiteSpace(registryText) ? null : registryText.Trim().TrimEnd('/');
        if (registry is not null && !string.Equals(registry, "local", StringComparison.OrdinalIgnoreCase) && !Build.Catalog.NamePattern.IsRepository(registry))
        {
            throw Usage($"--registry={registryText} is not a registry and repository. Use --registry=HOST[:PORT]/PATH (lowercase path components, e.g. --registry=ghcr.io/kiln-org/ai-base or --registry=127.0.0.1:5000/kiln/demo), or --registry=local for the test registry.");
        }

        var dateText = Single("date");
        if (dateText is not null && !DateOnly.TryParseExact(dateText, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            throw Usage($"--date={dateText} is not a date. Use --date=yyyymmdd, a real calendar date (e.g. --date=20260131), or leave it out for today (UTC).");
        }

        return new KilnOptions(
            Catalog: catalog,
            Registry: registry,
            Families: families,
            Mode: mode,
            Artifacts: artifactsDir,
            ArtifactsRequested: artifactsRequested)
        {
            Date = dateText,
            Services = services,
        };
    }

    private static CakeException Usage(string message) => new(2, message);

    /// <summary>A relative path must stay inside the working directory; an existing file must not stand where a folder is needed (or the reverse).</summary>
    private static void CheckPath(string root, string option, string value, bool folder)
    {
        if (value.Contains('\0', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal))
        {
            throw Usage($"--{option} contains a line break or NUL. Use --{option}=PATH.");
        }

        var full = Path.GetFullPath(Path.Combine(root, value));
        if (!Path.IsPathRooted(value) && full != root && !full.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw Usage($"--{option}={value} leads outside the repository. Use a path inside it (e.g. --{option}={(folder ? DefaultArtifacts : DefaultCatalog)}) or an absolute path.");
        }

        if (folder && File.Exists(full))
        {
            throw Usage($"--{option}={value} is a file, but Kiln writes a folder there. Use --{option}=DIR with a folder (new or existing), e.g. --{option}={DefaultArtifacts}.");
        }

        if (!folder && Directory.Exists(full))
        {
            throw Usage($"--{option}={value} is a folder, not a catalog file. Use --{option}=PATH/families.yaml, e.g. --{option}={DefaultCatalog}.");
        }
    }

    private static bool IsFlagValue(string value) =>
        value.Length == 0 || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase) || string.Equals(value, "false", StringComparison.OrdinalIgnoreCase);
}
