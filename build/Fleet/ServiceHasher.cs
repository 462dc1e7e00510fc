using System.Security.Cryptography;
using System.Text;
using Build.Hashing;

namespace Build.Fleet;

/// <summary>
/// A service's content hash: its generated Dockerfile and .dockerignore, its fleet entry (see <see cref="Entry"/>), its
/// lock, the bytes of exactly the code its image holds (the entrypoint's import closure and its 'files:'), and its
/// family's hash. Editing a module rebuilds the services that import it and no other; a family change flows into
/// exactly its services. The wheelhouse is not an input: the lock pins every wheel by its sha256.
/// </summary>
public static class ServiceHasher
{
    /// <summary>Kiln's hashing scheme for services; /3: the fleet entry is hashed sparsely (<see cref="Entry"/>).</summary>
    public const string Scheme = "kiln-service-hash/3";

    /// <summary>The prefix of a code file's input name; Bake stages exactly these files as the 'code' context.</summary>
    public const string CodePrefix = "file:";

    public const string LockPrefix = "lock:";

    public static (string Hash, IReadOnlyList<HashInput> Inputs) Compute(Fleet fleet, FleetService service, string repoRoot, string dockerfile, string dockerignore, string familyHash, IReadOnlyList<CodeFile> code)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(code);
        var inputs = new List<HashInput>
        {
            new("scheme", Scheme),
            new("dockerfile", Digest(Encoding.UTF8.GetBytes(dockerfile))),
            new("dockerignore", Digest(Encoding.UTF8.GetBytes(dockerignore))),
            new("fleet-entry", Digest(CanonicalJson.Bytes(Entry(service)))),
            new("family", familyHash),
        };
        if (service.RequirementsLock is { } lockFile)
        {
            var full = Path.Combine(repoRoot, fleet.SourceRoot, lockFile);
            inputs.Add(new(LockPrefix + lockFile, Digest(File.ReadAllBytes(full))));
        }

        inputs.AddRange(code.Select(c => new HashInput(CodePrefix + c.Path, c.Sha256)));
        var distinct = inputs.DistinctBy(i => i.Name).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        return (FamilyHasher.Combine(distinct), distinct);
    }

    /// <summary>
    /// The fleet entry as a hash input, as the catalog hashes a family: only the fields that are set (a field added to
    /// the fleet later, unset, changes no service's hash) and no positions (moving or commenting lines rebuilds nothing).
    /// </summary>
    public static SortedDictionary<string, object?> Entry(FleetService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var entry = (SortedDictionary<string, object?>)CanonicalJson.Sparse(service)!;
        entry.Remove("source");
        entry.Remove("keySpans");
        return entry;
    }

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
