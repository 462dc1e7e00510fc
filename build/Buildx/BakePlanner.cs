using System.Globalization;
using Build.Catalog;
using Build.Hashing;
using Build.Tools;

namespace Build.Buildx;

public enum ImageAction
{
    Build,
    Reuse,
}

/// <summary>What happens to one family in this run, and why.</summary>
public sealed record PlannedImage(
    string Name,
    string BakeTarget,
    string Hash,
    ImageAction Action,
    string Reason,
    string ImageTag,
    string? ReuseReference,
    bool Export,
    ImageKind Kind = ImageKind.Family)
{
    /// <summary>The first root cause of a build (Explain's answer), or <see cref="Reason"/> when there is none.</summary>
    public string Why { get; init; } = Reason;
}

/// <summary>Everything a bake run needs: the planned families, the command line and its environment.</summary>
public sealed record BakeInvocation(
    IReadOnlyList<PlannedImage> Families,
    CommandLine Command,
    IReadOnlyDictionary<string, string?> Environment,
    string OciDirectory,
    string MetadataFile,
    string Cache,
    bool Reproducible = true)
{
    public IReadOnlyList<PlannedImage> ToBuild => Families.Where(f => f.Action == ImageAction.Build).ToList();

    /// <summary>
    /// Whether the build writes files of its own (an OCI tarball, an artifacts folder): `bake --print` truncates the
    /// files its outputs name, so it must be done before such a build starts; a build into the engine has none.
    /// </summary>
    public bool WritesFiles => Command.Arguments.Any(a => a.Value.Contains("dest=", StringComparison.Ordinal))
        || Families.Any(f => f.Action == ImageAction.Build && Command.Arguments.Any(a => a.Value == f.BakeTarget + "-artifacts"));

    /// <summary>The same command with --print instead of building: what bake-plan.json records.</summary>
    public CommandLine PrintCommand => Command with
    {
        Arguments = [.. Command.Arguments.Where(a => !a.Value.StartsWith("--metadata-file=", StringComparison.Ordinal) && a.Value != "--progress=plain"), new Argument("--print")],
    };

    /// <summary>
    /// The print as it is run. Beside a build into the engine it runs at the lowest priority (<c>nice -n 19</c>,
    /// where <paramref name="nice"/> exists), so on a busy machine it takes only the CPU the build leaves; before a
    /// build that writes files it runs alone, as it is.
    /// </summary>
    public CommandLine PrintRun(bool nice) => WritesFiles || !nice
        ? PrintCommand
        : new CommandLine("nice", [new("-n"), new("19"), new(PrintCommand.FileName), .. PrintCommand.Arguments]);
}

public sealed record BakeSettings(
    BuildMode Mode,
    string RepoRoot,
    IO.ArtifactLayout Paths,
    string? Builder,
    bool Force,
    bool ExportTargets,
    bool Provenance,
    string DateTag,
    string? CacheRef,
    GitFacts? Git,
    bool AllowFilesystem,
    string? Cache = null,
    bool Reproducible = true,
    bool ActionsCacheRuntime = false,
    IReadOnlyDictionary<string, string>? BaseVariables = null,
    IReadOnlyDictionary<string, string>? InputsDigests = null)
{
    /// <summary>type=gha caches need the Actions cache runtime's variables, which only some workflow steps get.</summary>
    public static bool HasActionsCacheRuntime(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return !string.IsNullOrEmpty(environment("ACTIONS_RUNTIME_TOKEN"))
            && (!string.IsNullOrEmpty(environment("ACTIONS_RESULTS_URL")) || !string.IsNullOrEmpty(environment("ACTIONS_CACHE_URL")));
    }
}

/// <summary>Decides what to build and what to reuse, and renders the one `docker buildx bake` that builds it.</summary>
public static class BakePlanner
{
    /// <summary>
    /// A family whose &lt;family&gt;-&lt;hash&gt; exists in the registry (or, locally, in the engine's image store) is reused;
    /// the rest are built. --force builds everything selected.
    /// </summary>
    public static IReadOnlyList<PlannedImage> Plan(Catalog.Catalog catalog, HashReport hashes, Func<string, string?> localImageDigest, bool force, BuildMode mode)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentNullException.ThrowIfNull(localImageDigest);
        var result = new List<PlannedImage>();
        foreach (var entry in hashes.Families)
        {
            var tag = entry.Tags.Immutable;
            var export = !entry.IsService && catalog.Get(entry.Name).HasExport;
            if (force)
            {
                result.Add(new(entry.Name, entry.BakeTarget, entry.Hash, ImageAction.Build, "--force", tag, null, export, entry.Kind));
            }
            else if (entry.Exists == Existence.Present && entry.Digest is { } digest)
            {
                result.Add(new(entry.Name, entry.BakeTarget, entry.Hash, ImageAction.Reuse, $"{tag} is in the registry", tag, $"docker-image://{tag}@{digest}", export, entry.Kind));
            }
            else if (mode == BuildMode.Local && localImageDigest(tag) is not null)
            {
                result.Add(new(entry.Name, entry.BakeTarget, entry.Hash, ImageAction.Reuse, $"{tag} is in the local image store", tag, $"docker-image://{tag}", export, entry.Kind));
            }
            else
            {
                var why = entry.Exists == Existence.Unknown ? "the registry could not be asked" : "changed (no image for this hash)";
                result.Add(new(entry.Name, entry.BakeTarget, entry.Hash, ImageAction.Build, why, tag, null, export, entry.Kind));
            }
        }

        return result;
    }

    public static BakeInvocation Render(Catalog.Catalog catalog, HashReport hashes, IReadOnlyList<PlannedImage> plan, BakeSettings settings, string registry)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(hashes);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(settings);
        var paths = settings.Paths;
        var ociDir = paths.WorkOci;
        var metadata = paths.WorkBakeMetadata;
        var dist = paths.DistRoot;
        var cache = CacheBackend(settings);

        var command = new CommandLine("docker").Add("buildx", "bake", "-f", catalog.BakeFilePath);
        if (settings.Builder is { } builder)
        {
            command = command.Add("--builder", builder);
        }

        command = command.Add($"--metadata-file={metadata}", "--progress=plain", $"--provenance={(settings.Provenance ? "mode=min" : "false")}");
        if (settings.AllowFilesystem)
        {
            command = command.Add($"--allow=fs.write={paths.Root}", $"--allow=fs.read={Path.Combine(settings.RepoRoot, ".kiln", "cache")}");
        }

        var byName = plan.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var entries = hashes.Families.ToDictionary(f => f.Name, StringComparer.Ordinal);
        var graph = catalog.Graph;
        var targets = new List<string>();
        foreach (var family in plan.Where(p => p.Action == ImageAction.Build))
        {
            var entry = entries[family.Name];
            // Reproducible: the image leaves the build as an OCI tarball with timestamps rewritten to SOURCE_DATE_EPOCH
            // (the docker exporter cannot rewrite them), so identical inputs give identical digests; Kiln then loads
            // it. Otherwise straight into the engine, as --load does (only for image targets: export targets keep
            // their local output).
            command = settings.Reproducible
                ? command.Add("--set", $"{family.BakeTarget}.output=type=oci,dest={paths.BuiltTarball(family.Name)},name={family.ImageTag},rewrite-timestamp=true")
                : command.Add("--set", $"{family.BakeTarget}.output=type=docker");
            // A reused parent (or a service's reused family) is bound by reference: bake never builds it again.
            if (entry.IsService)
            {
                if (byName.TryGetValue(entry.Parent!, out var f) && f.Action == ImageAction.Reuse)
                {
                    command = command.Add("--set", $"{family.BakeTarget}.contexts.{Fleet.ServiceDockerfileRenderer.FamilyContext}={f.ReuseReference}");
                }
            }
            else if (graph.ParentOf(family.Name) is { } parent && byName.TryGetValue(parent.Name, out var p) && p.Action == ImageAction.Reuse)
            {
                command = command.Add("--set", $"{family.BakeTarget}.contexts.parent={p.ReuseReference}");
            }

            if (settings.Mode == BuildMode.Local)
            {
                command = command.Add("--set", $"{family.BakeTarget}.platform=linux/amd64");
            }

            // The record's digest as a label, set through bake: the image says what it was made of, and the hash
            // (made before the record) cannot depend on it. Same inputs, same record, same label: digests stay reproducible.
            if (settings.InputsDigests?.GetValueOrDefault(family.Name) is { } inputs)
            {
                command = command.Add("--set", $"{family.BakeTarget}.labels.{Explain.InputsRecord.Label}={inputs}");
            }

            targets.Add(family.BakeTarget);
            if (family.Export && (settings.Mode == BuildMode.Ci || settings.ExportTargets))
            {
                var artifacts = BakeFileRenderer.ArtifactsTarget(catalog.Get(family.Name));
                if (graph.ParentOf(family.Name) is { } ap && byName.TryGetValue(ap.Name, out var app) && app.Action == ImageAction.Reuse)
                {
                    command = command.Add("--set", $"{artifacts}.contexts.parent={app.ReuseReference}");
                }

                targets.Add(artifacts);
            }
        }

        foreach (var (key, value) in Labels(settings.Git))
        {
            command = command.Add("--set", $"*.labels.{key}={value}");
        }

        command = command.Add([.. targets]);

        var env = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["REGISTRY"] = registry,
            ["DATE_TAG"] = settings.DateTag,
            ["CACHE"] = cache == "builder" ? string.Empty : cache,
            ["CACHE_DIR"] = Path.Combine(settings.RepoRoot, ".kiln", "cache"),
            ["CACHE_EXPORT_DIR"] = paths.WorkCacheExport,
            ["CACHE_REF"] = settings.CacheRef ?? string.Empty,
            ["DIST_DIR"] = dist,
            ["BUILDX_NO_DEFAULT_ATTESTATIONS"] = settings.Provenance ? null : "1",
            // buildx reads git (seven commands per bake) for provenance; Kiln sets the OCI labels from git itself.
            ["BUILDX_GIT_INFO"] = settings.Provenance ? null : "0",
        };
        foreach (var entry in hashes.Families)
        {
            env[entry.HashVariable] = entry.Hash;
        }

        // The ${NAME} of a base is what the catalog was read with: bake gets the same value, not its own environment's.
        foreach (var (name, value) in settings.BaseVariables ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        if (settings.Git is { } git)
        {
            env["SOURCE_DATE_EPOCH"] = git.CommitTime.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        return new BakeInvocation(plan, command, env, ociDir, metadata, cache, settings.Reproducible);
    }

    /// <summary>OCI labels from git, set through bake so metadata never invalidates a layer.</summary>
    public static IReadOnlyList<(string Key, string Value)> Labels(GitFacts? git)
    {
        if (git is null)
        {
            return [];
        }

        var labels = new List<(string, string)>
        {
            ("org.opencontainers.image.revision", git.Revision),
            ("org.opencontainers.image.created", git.CommitTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)),
        };
        if (git.Source is { } source)
        {
            labels.Add(("org.opencontainers.image.source", source));
        }

        return labels;
    }

    /// <summary>The cache backends --cache accepts.</summary>
    public static readonly IReadOnlyList<string> CacheBackends = ["builder", "local", "registry", "gha"];

    /// <summary>
    /// --cache when given; else gha when the Actions cache runtime is exposed (CI mode), a registry cache when
    /// --cache-ref names one, and otherwise: CI mode a local folder (a runner starts empty; actions/cache can keep
    /// it), local mode the builder's own cache — it already holds every layer, and exporting a mode=max copy on
    /// every run cost more than the build itself (demo tree, warm: 1.66 s against 0.64 s without).
    /// "builder" imports and exports nothing.
    /// </summary>
    public static string CacheBackend(BakeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var actions = settings.ActionsCacheRuntime;
        switch (settings.Cache)
        {
            case null:
                break;
            case "registry" when settings.CacheRef is null:
                throw new ArgumentException("--cache=registry needs --cache-ref=REPO (the repository that holds one cache tag per family).");
            case "gha" when !actions:
                throw new ArgumentException("--cache=gha needs the Actions cache runtime (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL): in a workflow, expose it with crazy-max/ghaction-github-runtime.");
            case var c when CacheBackends.Contains(c):
                return c;
            default:
                throw new ArgumentException($"--cache={settings.Cache} is not a cache backend: use {string.Join(", ", CacheBackends)}.");
        }

        if (settings.Mode == BuildMode.Ci && actions)
        {
            return "gha";
        }

        return settings.CacheRef is not null ? "registry" : settings.Mode == BuildMode.Ci ? "local" : "builder";
    }
}
