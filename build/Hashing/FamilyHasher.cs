using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Build.Catalog;
using Build.Dockerfiles;

namespace Build.Hashing;

/// <summary>One thing a family's image depends on, with its own digest, so a reviewer can see why a hash changed.</summary>
public sealed record HashInput(string Name, string Digest);

public sealed record FamilyHash(string Family, string Hash, string? Parent, IReadOnlyList<HashInput> Inputs);

/// <summary>
/// What of the catalog a family's "catalog-entry" input covers: what each row of the catalog's key table projects
/// (FamilyReader), only the values that are set, plus the catalog's platforms and labels. An optional key added to
/// Kiln later is absent from every entry that does not use it, so it changes no existing family's hash.
/// </summary>
public static class CatalogEntry
{
    public static SortedDictionary<string, object?> Of(Catalog.Catalog catalog, Family family)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(family);
        var entry = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = family.Name,
            ["platforms"] = catalog.Platforms,
        };

        void Set(string key, object? value)
        {
            switch (value)
            {
                case null:
                case string { Length: 0 }:
                case System.Collections.ICollection { Count: 0 }:
                    return;
                default:
                    entry[key] = value;
                    return;
            }
        }

        Set("catalog_labels", catalog.Labels);
        foreach (var (key, value) in FamilyReader.HashProjection(catalog, family))
        {
            Set(key, value);
        }

        return entry;
    }
}

/// <summary>
/// A content hash per family: its generated Dockerfile and .dockerignore, its canonical catalog entry, the bytes of
/// every file it reads from the repository, its pixi environment, its base image digest (roots) and its parent's
/// hash. Inputs are sorted, paths use '/', bytes are read as committed (.gitattributes keeps LF).
/// </summary>
/// <remarks>Pass the run's generated files (<paramref name="generated"/>) so nothing is rendered twice.</remarks>
public sealed class FamilyHasher(string repoRoot, Func<Catalog.Catalog, Family, IReadOnlyList<HashInput>>? pixiInputs = null, IReadOnlyList<Generation.GeneratedFile>? generated = null)
{
    /// <summary>Kiln's hashing scheme; bump it when what the hash covers changes, so every family rebuilds once.</summary>
    public const string Scheme = "kiln-family-hash/2";

    private readonly ConcurrentDictionary<string, string> _fileDigests = new(StringComparer.Ordinal);

    /// <summary>Hashes the given families and their ancestors (parents first), reading shared files once.</summary>
    public IReadOnlyList<FamilyHash> Compute(Catalog.Catalog catalog, IEnumerable<Family>? selection = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var wanted = (selection ?? catalog.Families).SelectMany(f => catalog.Graph.Lineage(f.Name)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var families = catalog.Families.Where(f => wanted.Contains(f.Name)).ToList();

        // Read every file up front, in parallel: file bytes dominate the cost and each file is read once.
        var files = families.SelectMany(f => DockerfileRenderer.ContextPaths(catalog, f).Where(p => !IsPixi(catalog, p)))
            .SelectMany(ExpandPath).Distinct(StringComparer.Ordinal).ToList();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, f => FileDigest(f));

        var results = new Dictionary<string, FamilyHash>(StringComparer.Ordinal);
        foreach (var family in families)
        {
            var inputs = new List<HashInput>
            {
                new("scheme", Scheme),
                new("dockerfile", Digest(Encoding.UTF8.GetBytes(Rendered(catalog.DockerfilePath(family.Name), () => DockerfileRenderer.Render(catalog, family))))),
                new("dockerignore", Digest(Encoding.UTF8.GetBytes(Rendered(catalog.DockerfilePath(family.Name) + ".dockerignore", () => DockerfileRenderer.RenderDockerignore(catalog, family))))),
                new("catalog-entry", Digest(CanonicalJson.Bytes(CatalogEntry.Of(catalog, family)))),
            };
            if (family.Base is { } baseImage)
            {
                inputs.Add(new("base", baseImage));
            }

            if (family.Parent is { } parent)
            {
                inputs.Add(new("parent", results[parent].Hash));
            }

            foreach (var path in DockerfileRenderer.ContextPaths(catalog, family).Where(p => !IsPixi(catalog, p)).SelectMany(ExpandPath))
            {
                inputs.Add(new("file:" + path, FileDigest(path)));
            }

            if (family.Python is { Kind: PythonKind.Pixi })
            {
                inputs.AddRange(pixiInputs?.Invoke(catalog, family) ??
                [
                    new("file:" + catalog.Pixi.Manifest, FileDigest(catalog.Pixi.Manifest)),
                    new("file:" + catalog.Pixi.Lock, File.Exists(Path.Combine(repoRoot, catalog.Pixi.Lock)) ? FileDigest(catalog.Pixi.Lock) : "missing"),
                ]);
            }

            inputs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            results[family.Name] = new FamilyHash(family.Name, Combine(inputs), family.Parent, inputs);
        }

        return families.Select(f => results[f.Name]).ToList();
    }

    /// <summary>12 lowercase hex characters of SHA-256 over "name\tdigest\n" lines, as the old tags had.</summary>
    public static string Combine(IEnumerable<HashInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var text = new StringBuilder();
        foreach (var input in inputs.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            text.Append(input.Name).Append('\t').Append(input.Digest).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..12];
    }

    private string Rendered(string path, Func<string> render) =>
        generated?.FirstOrDefault(f => f.Path == path)?.Content ?? render();

    private static bool IsPixi(Catalog.Catalog catalog, string path) => path == catalog.Pixi.Manifest || path == catalog.Pixi.Lock;

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A file, or every file under a directory (sorted, '/' separators, relative to the repository).</summary>
    private IEnumerable<string> ExpandPath(string path)
    {
        var full = Path.Combine(repoRoot, path);
        if (!Directory.Exists(full))
        {
            return [path];
        }

        return Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(repoRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
    }

    private string FileDigest(string path) => _fileDigests.GetOrAdd(path, p =>
    {
        using var stream = new FileStream(Path.Combine(repoRoot, p), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    });
}
