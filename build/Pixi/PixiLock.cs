using System.Globalization;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Pixi;

/// <summary>One locked package of an environment on a platform, conda or PyPI.</summary>
public sealed record LockedPackage(string Kind, string Name, string Version, string? Build, string Location, string? Sha256, string? Md5, long? Size);

public sealed record LockEnvironment(string Name, IReadOnlyList<string> Channels, IReadOnlyDictionary<string, IReadOnlyList<LockedPackage>> Platforms)
{
    public IReadOnlyList<LockedPackage> Packages(string platform) => Platforms.TryGetValue(platform, out var p) ? p : [];
}

/// <summary>
/// A pixi.lock, versions 6 and 7 (rattler_lock's formats; v7 adds a top-level platforms list and conda_source
/// entries). Environment entries refer to the top-level packages list by location (the conda: or pypi: URL/path);
/// conda name, version and build are taken from the file name when the entry omits them.
/// </summary>
public sealed record PixiLock(int Version, IReadOnlyDictionary<string, LockEnvironment> Environments)
{
    /// <summary>Parses a lock already known to be valid (the catalog loader checked it); bad text throws <see cref="FormatException"/> with every positioned error.</summary>
    public static PixiLock Parse(string yaml, string file = "pixi.lock")
    {
        var errors = new List<InputError>();
        return Read(yaml, file, errors) ?? throw new FormatException(InputException.Format(errors, file));
    }

    /// <summary>The lock, or null with positioned errors (all of them) in <paramref name="errors"/>.</summary>
    public static PixiLock? Read(string yaml, string file, List<InputError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var node = YamlDocument.Parse(yaml, file, errors);
        if (node is null)
        {
            if (errors.Count == before)
            {
                errors.Add(new InputError(new SourceSpan(file, 1, 1), null, $"{file} is empty.", "Run `pixi lock` and commit the file."));
            }

            return null;
        }

        var r = new NodeReader(file, "environment");
        if (r.AsMapping(node, file, null, "version: 6") is not { } root)
        {
            errors.AddRange(r.Errors);
            return null;
        }

        var versionText = r.Scalar(root, "version", null);
        var version = 0;
        if (versionText is null)
        {
            if (!root.Has("version"))
            {
                r.Error(root, null, $"{file} has no version.", "Regenerate it with `pixi lock`.");
            }
        }
        else if (!int.TryParse(versionText, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out version) || version is < 6 or > 7)
        {
            r.Error(root["version"], null, $"pixi.lock version {versionText} is not supported (Kiln reads 6 and 7; regenerate it with a pixi that writes one of those).", "Run `pixi lock` with pixi 0.3x or newer.");
        }

        var packages = new Dictionary<string, LockedPackage>(StringComparer.Ordinal);
        if (root["packages"] is { } packagesNode)
        {
            if (packagesNode is not YSequence seq)
            {
                r.Error(packagesNode, null, $"'packages' must be a list, not {packagesNode.TypeName}.", "Regenerate the lock with `pixi lock`.");
            }
            else
            {
                foreach (var itemNode in seq.Items)
                {
                    if (r.AsMapping(itemNode, "Each item of 'packages'", null, "- conda: https://…/name-1.0-0.conda") is not { } item)
                    {
                        continue;
                    }

                    var (kind, location) = Location(r, item);
                    if (location is null)
                    {
                        r.Error(item, null, "A package entry has no 'conda:', 'pypi:' or 'conda_source:' location.", "Regenerate the lock with `pixi lock`.");
                        continue;
                    }

                    var (fileName, fileVersion, fileBuild) = kind == "conda" ? FromCondaFileName(location) : (null, null, null);
                    var sizeText = r.Scalar(item, "size", null);
                    long? size = null;
                    if (sizeText is not null)
                    {
                        if (long.TryParse(sizeText, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var sz))
                        {
                            size = sz;
                        }
                        else
                        {
                            r.Error(item["size"], null, $"'size' is '{sizeText}', not a number of bytes.", "Regenerate the lock with `pixi lock`.");
                        }
                    }

                    packages[location] = new LockedPackage(
                        kind!,
                        r.Scalar(item, "name", null) ?? fileName ?? System.IO.Path.GetFileName(location),
                        r.Scalar(item, "version", null) ?? fileVersion ?? string.Empty,
                        r.Scalar(item, "build", null) ?? fileBuild,
                        location,
                        r.Scalar(item, "sha256", null),
                        r.Scalar(item, "md5", null),
                        size);
                }
            }
        }

        var environments = new SortedDictionary<string, LockEnvironment>(StringComparer.Ordinal);
        if (r.Mapping(root, "environments", null, "environments: { default: { channels: [...], packages: {...} } }") is { } envMap)
        {
            foreach (var entry in envMap.Entries)
            {
                var name = entry.Name;
                if (r.AsMapping(entry.Value, $"environment '{name}'", name, "default: { channels: [...], packages: { linux-64: [...] } }") is not { } env)
                {
                    continue;
                }

                var channels = new List<string>();
                if (env["channels"] is { } chNode)
                {
                    if (chNode is YSequence chs)
                    {
                        foreach (var c in chs.Items)
                        {
                            var url = c is YMapping m ? r.Scalar(m, "url", name) : r.AsScalar(c, "A channel", name, "- url: https://…/conda-forge/");
                            if (url is not null)
                            {
                                channels.Add(url);
                            }
                        }
                    }
                    else
                    {
                        r.Error(chNode, name, $"'channels' must be a list, not {chNode.TypeName}.", "Regenerate the lock with `pixi lock`.");
                    }
                }

                var platforms = new SortedDictionary<string, IReadOnlyList<LockedPackage>>(StringComparer.Ordinal);
                if (r.Mapping(env, "packages", name, "packages: { linux-64: [...] }") is { } pm)
                {
                    foreach (var platform in pm.Entries)
                    {
                        if (platform.Value is not YSequence entries)
                        {
                            r.Error(platform.Value, name, $"The packages of {platform.Name} must be a list, not {platform.Value.TypeName}.", "Regenerate the lock with `pixi lock`.");
                            continue;
                        }

                        var resolved = new List<LockedPackage>();
                        foreach (var e in entries.Items)
                        {
                            if (r.AsMapping(e, "A locked package reference", name, "- conda: https://…") is not { } m)
                            {
                                continue;
                            }

                            var (_, location) = Location(r, m);
                            if (location is null)
                            {
                                r.Error(m, name, "A package reference has no 'conda:', 'pypi:' or 'conda_source:' location.", "Regenerate the lock with `pixi lock`.");
                            }
                            else if (packages.TryGetValue(location, out var p))
                            {
                                resolved.Add(p);
                            }
                            else
                            {
                                r.Error(m, name, $"Environment {name} lists {location}, which the packages list does not have.", "The lock is corrupt or hand-edited: regenerate it with `pixi lock`.");
                            }
                        }

                        platforms[platform.Name] = resolved;
                    }
                }

                environments[name] = new LockEnvironment(name, channels, platforms);
            }
        }

        errors.AddRange(r.Errors);
        return errors.Count > before ? null : new PixiLock(version, environments);
    }

    /// <summary>name-version-build.conda / .tar.bz2, split from the right (names may contain '-').</summary>
    public static (string? Name, string? Version, string? Build) FromCondaFileName(string location)
    {
        var file = System.IO.Path.GetFileName(location);
        foreach (var ext in new[] { ".conda", ".tar.bz2" })
        {
            if (file.EndsWith(ext, StringComparison.Ordinal))
            {
                file = file[..^ext.Length];
            }
        }

        var buildDash = file.LastIndexOf('-');
        var versionDash = buildDash > 0 ? file.LastIndexOf('-', buildDash - 1) : -1;
        return versionDash > 0 ? (file[..versionDash], file[(versionDash + 1)..buildDash], file[(buildDash + 1)..]) : (null, null, null);
    }

    private static (string? Kind, string? Location) Location(NodeReader r, YMapping item)
    {
        foreach (var kind in new[] { "conda", "pypi", "conda_source" })
        {
            if (r.Scalar(item, kind, null) is { } location)
            {
                return (kind == "conda_source" ? "conda" : kind, location);
            }
        }

        return (null, null);
    }
}
