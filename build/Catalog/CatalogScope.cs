using Build.Catalog.Yaml;
using Build.Pixi;

namespace Build.Catalog;

/// <summary>Catalog-wide defaults a root family inherits.</summary>
internal sealed record Defaults(UserSpec? User, bool Tini, string Interval, string Timeout, string StartPeriod, int Retries);

/// <summary>What every family of one catalog reads against: the top-level settings and the shared file checks.</summary>
internal sealed class CatalogScope(NodeReader reader, CatalogLoadOptions options, PixiSettings pixi)
{
    private readonly Dictionary<string, bool> _locks = new(StringComparer.Ordinal);

    public NodeReader R { get; } = reader;

    public CatalogLoadOptions Options { get; } = options;

    public Defaults Defaults { get; set; } = new(null, true, "30s", "5s", "15s", 3);

    public IReadOnlyDictionary<string, Machine> Machines { get; set; } = new Dictionary<string, Machine>();

    public IReadOnlyDictionary<string, GpuArch> GpuArchs { get; set; } = new Dictionary<string, GpuArch>();

    public PixiSettings Pixi { get; } = pixi;

    public PixiChecks PixiChecks { get; } = new(options.RepoRoot, pixi, options.Strict);

    /// <summary>An image reference (base or tools image): environment references expanded, parsed, pinned by digest.</summary>
    public string? CheckImage(YNode node, string? family, string text)
    {
        var (expanded, envError) = ImageReference.ExpandEnvironment(text, Options.Environment);
        if (envError is not null)
        {
            R.Error(node, family, envError, "Set the variable, or give a default in the catalog.");
            return null;
        }

        var (reference, error) = ImageReference.Parse(expanded!);
        if (reference is null)
        {
            R.Error(node, family, $"Image '{expanded}' is invalid: {error}", "Write name:tag@sha256:<64 hex>, e.g. python:3.11-slim@sha256:….");
            return null;
        }

        if (!reference.IsPinned)
        {
            R.Problem(Options.Strict, node, family, $"Image '{expanded}' is not pinned by digest, so builds are not reproducible.", "Pin it: ./build.sh --target=UpdateDigests, or write name:tag@sha256:….");
        }

        return reference.ToString();
    }

    /// <summary>A repository path (COPY source, lock, Python source): inside the repository once symlinks are followed.</summary>
    public bool CheckPath(YNode node, string? family, string path, string what)
    {
        if (RepoPaths.Check(Options.RepoRoot, path, what) is { } problem)
        {
            R.Error(node, family, problem, RepoPaths.Fix(problem));
            return false;
        }

        return true;
    }

    /// <summary>A requirements lock, checked line by line once however many families use it.</summary>
    public bool CheckRequirementsLock(string path, string family)
    {
        if (_locks.TryGetValue(path, out var ok))
        {
            return ok;
        }

        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(Path.Combine(Options.RepoRoot, path)), path, errors);
        if (text is not null)
        {
            errors.AddRange(RequirementsLock.Check(text, path, family));
        }

        R.Errors.AddRange(errors);
        return _locks[path] = errors.Count == 0;
    }
}
