using Build.Hashing;

namespace Build.Fleet;

/// <summary>
/// How a service appears as an image: its bake target, the bake variable carrying its hash, and its repository
/// (<c>&lt;registry&gt;-services</c>, so services never share tags with families). The tag scheme itself is
/// <see cref="FamilyTags"/>: <c>&lt;service&gt;-&lt;hash&gt;</c>, <c>-&lt;yyyymmdd&gt;</c>, <c>-latest</c>.
/// </summary>
public static class ServiceImages
{
    public const string RepositorySuffix = "-services";

    /// <summary>The bake group of every service target.</summary>
    public const string Group = "services";

    public static string Repository(string registry) => registry + RepositorySuffix;

    public static FamilyTags Tags(string registry, string service, string hash, string date) => new(Repository(registry), service, hash, date);

    public static string BakeTarget(string service) => Catalog.NamePattern.BakeName(service);

    /// <summary>SERVICE_HASH_ + upper-cased name (a family's is HASH_…, so the two never meet).</summary>
    public static string HashVariable(string service) =>
        "SERVICE_HASH_" + Catalog.NamePattern.VariableSuffix(service);
}
