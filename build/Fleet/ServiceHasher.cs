using System.Security.Cryptography;
using System.Text;
using Build.Hashing;

namespace Build.Fleet;

/// <summary>
/// A service's content hash: its generated Dockerfile and .dockerignore, its fleet entry (positions left out), the
/// bytes of every file its build context admits (its code, its lock, the wheelhouse), and its family's hash — so
/// editing one service changes that service only, and a family change flows into exactly its services.
/// </summary>
public static class ServiceHasher
{
    public const string Scheme = "kiln-service-hash/1";

    public static (string Hash, IReadOnlyList<HashInput> Inputs) Compute(Fleet fleet, FleetService service, string repoRoot, string dockerfile, string dockerignore, string familyHash)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        var inputs = new List<HashInput>
        {
            new("scheme", Scheme),
            new("dockerfile", Digest(Encoding.UTF8.GetBytes(dockerfile))),
            new("dockerignore", Digest(Encoding.UTF8.GetBytes(dockerignore))),
            new("fleet-entry", Digest(CanonicalJson.Bytes(service.WithoutPositions()))),
            new("family", familyHash),
        };
        var root = Path.Combine(repoRoot, fleet.SourceRoot);
        foreach (var path in ServiceDockerfileRenderer.ContextPaths(fleet, service))
        {
            var full = Path.Combine(root, path);
            var files = Directory.Exists(full)
                ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Where(f => !f.Contains("__pycache__", StringComparison.Ordinal) && !f.EndsWith(".pyc", StringComparison.Ordinal))
                : File.Exists(full) ? [full] : [];
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                using var stream = File.OpenRead(file);
                inputs.Add(new("file:" + Path.GetRelativePath(root, file).Replace('\\', '/'), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream))));
            }
        }

        var distinct = inputs.DistinctBy(i => i.Name).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        return (FamilyHasher.Combine(distinct), distinct);
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
