using System.Globalization;
using YamlDotNet.RepresentationModel;

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
    public static PixiLock Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("pixi.lock is not a YAML mapping.");
        }

        var version = int.Parse(Scalar(root, "version") ?? throw new FormatException("pixi.lock has no version."), CultureInfo.InvariantCulture);
        if (version is < 6 or > 7)
        {
            throw new FormatException($"pixi.lock version {version} is not supported (Kiln reads 6 and 7; regenerate it with a pixi that writes one of those).");
        }

        var packages = new Dictionary<string, LockedPackage>(StringComparer.Ordinal);
        if (root.Children.TryGetValue(new YamlScalarNode("packages"), out var list) && list is YamlSequenceNode seq)
        {
            foreach (var item in seq.Children.OfType<YamlMappingNode>())
            {
                var (kind, location) = Location(item);
                if (location is null)
                {
                    continue;
                }

                var (fileName, fileVersion, fileBuild) = kind == "conda" ? FromCondaFileName(location) : (null, null, null);
                packages[location] = new LockedPackage(
                    kind!,
                    Scalar(item, "name") ?? fileName ?? System.IO.Path.GetFileName(location),
                    Scalar(item, "version") ?? fileVersion ?? string.Empty,
                    Scalar(item, "build") ?? fileBuild,
                    location,
                    Scalar(item, "sha256"),
                    Scalar(item, "md5"),
                    long.TryParse(Scalar(item, "size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) ? size : null);
            }
        }

        var environments = new SortedDictionary<string, LockEnvironment>(StringComparer.Ordinal);
        if (root.Children.TryGetValue(new YamlScalarNode("environments"), out var envs) && envs is YamlMappingNode envMap)
        {
            foreach (var (key, value) in envMap.Children)
            {
                var name = ((YamlScalarNode)key).Value!;
                var env = (YamlMappingNode)value;
                var channels = env.Children.TryGetValue(new YamlScalarNode("channels"), out var ch) && ch is YamlSequenceNode chs
                    ? chs.Children.Select(c => c is YamlMappingNode m ? Scalar(m, "url") ?? string.Empty : ((YamlScalarNode)c).Value ?? string.Empty).ToList()
                    : [];
                var platforms = new SortedDictionary<string, IReadOnlyList<LockedPackage>>(StringComparer.Ordinal);
                if (env.Children.TryGetValue(new YamlScalarNode("packages"), out var byPlatform) && byPlatform is YamlMappingNode pm)
                {
                    foreach (var (platformKey, entries) in pm.Children)
                    {
                        var resolved = new List<LockedPackage>();
                        foreach (var entry in ((YamlSequenceNode)entries).Children.OfType<YamlMappingNode>())
                        {
                            var (kind, location) = Location(entry);
                            if (location is null)
                            {
                                continue;
                            }

                            resolved.Add(packages.TryGetValue(location, out var p)
                                ? p
                                : throw new FormatException($"pixi.lock: environment {name} lists {location}, which the packages list does not have."));
                        }

                        platforms[((YamlScalarNode)platformKey).Value!] = resolved;
                    }
                }

                environments[name] = new LockEnvironment(name, channels, platforms);
            }
        }

        return new PixiLock(version, environments);
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

    private static (string? Kind, string? Location) Location(YamlMappingNode item)
    {
        foreach (var kind in new[] { "conda", "pypi", "conda_source" })
        {
            if (Scalar(item, kind) is { } location)
            {
                return (kind == "conda_source" ? "conda" : kind, location);
            }
        }

        return (null, null);
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
}
