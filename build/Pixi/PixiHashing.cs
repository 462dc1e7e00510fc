using System.Security.Cryptography;
using System.Text;
using Build.Catalog;
using Build.Hashing;

namespace Build.Pixi;

/// <summary>
/// A pixi family's hash covers only its own environment's locked packages on the catalog's platform, so a lock
/// change in another environment rebuilds nothing here.
/// </summary>
public static class PixiHashing
{
    public static Func<Catalog.Catalog, Family, IReadOnlyList<HashInput>> Inputs(string repoRoot)
    {
        var cache = new Dictionary<string, PixiLock?>(StringComparer.Ordinal);
        return (catalog, family) =>
        {
            var path = Path.Combine(repoRoot, catalog.Pixi.Lock);
            if (!cache.TryGetValue(path, out var lockFile))
            {
                lockFile = File.Exists(path) ? PixiLock.Parse(File.ReadAllText(path)) : null;
                cache[path] = lockFile;
            }

            var env = family.Python!.PixiEnvironment!;
            var name = $"pixi-env:{env}@{catalog.Pixi.Platform}";
            if (lockFile is null || !lockFile.Environments.TryGetValue(env, out var locked))
            {
                return [new HashInput(name, "missing")];
            }

            return [new HashInput(name, Digest(locked.Packages(catalog.Pixi.Platform)))];
        };
    }

    /// <summary>sha256 over "kind name version build sha256" lines, sorted: the environment, not the file's layout.</summary>
    public static string Digest(IEnumerable<LockedPackage> packages)
    {
        var lines = packages.Select(p => $"{p.Kind} {p.Name} {p.Version} {p.Build} {p.Sha256 ?? p.Md5}").Order(StringComparer.Ordinal);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n")));
    }
}
