using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Pixi;

/// <summary>
/// What a catalog's pixi family needs from pixi.toml and pixi.lock: the environment exists, can be solved for the
/// catalog's platform, and is locked for it. Each file is read once per catalog, so its own errors are reported
/// once (positioned in that file), not once per family.
/// </summary>
public sealed class PixiChecks(string repoRoot, PixiSettings settings, bool strict)
{
    private bool _manifestRead;
    private PixiManifest? _manifest;
    private bool _lockRead;
    private PixiLock? _lock;
    private bool _lockMissingReported;

    /// <summary>True when the family's environment is usable; otherwise the reasons are in <paramref name="r"/>.</summary>
    public bool Check(NodeReader r, YNode node, string family, string environment)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (!_manifestRead)
        {
            _manifestRead = true;
            _manifest = ReadManifest(r);
        }

        if (_manifest is null)
        {
            if (!File.Exists(Path.Combine(repoRoot, settings.Manifest)))
            {
                r.Error(node, family, $"Family uses pixi environment '{environment}', but the pixi manifest '{settings.Manifest}' does not exist.", "Add it, or set 'pixi: { manifest: path }' at the top of the catalog.");
            }

            return false;
        }

        if (!_manifest.Environments.TryGetValue(environment, out var env))
        {
            var names = _manifest.Environments.Keys.ToList();
            r.Error(node, family, $"pixi environment '{environment}' is not defined in {settings.Manifest} (it defines: {string.Join(", ", names)}).{Suggest.DidYouMean(environment, names)}", $"Add it under [environments] in {settings.Manifest}, or use one of those.");
            return false;
        }

        if (!env.Platforms.Contains(settings.Platform))
        {
            r.Error(node, family, $"pixi environment '{environment}' cannot be installed on {settings.Platform}: {settings.Manifest} solves it for {(env.Platforms.Count == 0 ? "no platform" : string.Join(", ", env.Platforms))} ({env.Where}).", $"Add \"{settings.Platform}\" to the platforms of the workspace and of its features in {settings.Manifest}, or set 'pixi: {{ platform: … }}' in the catalog.");
            return false;
        }

        if (!_lockRead)
        {
            _lockRead = true;
            _lock = ReadLock(r);
        }

        if (_lock is null)
        {
            if (File.Exists(Path.Combine(repoRoot, settings.Lock)))
            {
                return false; // its own errors, positioned in the lock, are already reported
            }

            if (!_lockMissingReported)
            {
                _lockMissingReported = true;
                r.Problem(strict, node, family, $"{settings.Lock} is missing, so pixi environment '{environment}' cannot be installed --frozen.", $"Run `pixi lock` where conda-forge is reachable and commit {settings.Lock}.");
            }

            return !strict;
        }

        if (!_lock.Environments.TryGetValue(environment, out var locked) || locked.Packages(settings.Platform).Count == 0)
        {
            r.Error(node, family, $"pixi environment '{environment}' has no packages for {settings.Platform} in {settings.Lock} (it locks: {string.Join(", ", _lock.Environments.Keys)}).", $"The lock is stale: run `pixi lock` and commit {settings.Lock}.");
            return false;
        }

        return true;
    }

    private PixiManifest? ReadManifest(NodeReader r)
    {
        var path = Path.Combine(repoRoot, settings.Manifest);
        if (!File.Exists(path))
        {
            return null;
        }

        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(path), settings.Manifest, errors);
        var manifest = text is null ? null : PixiManifest.Read(text, settings.Manifest, errors);
        r.Errors.AddRange(errors);
        return manifest;
    }

    private PixiLock? ReadLock(NodeReader r)
    {
        var path = Path.Combine(repoRoot, settings.Lock);
        if (!File.Exists(path))
        {
            return null;
        }

        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(path), settings.Lock, errors);
        var lockFile = text is null ? null : PixiLock.Read(text, settings.Lock, errors);
        r.Errors.AddRange(errors);
        return lockFile;
    }
}
