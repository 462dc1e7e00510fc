using Build.Hashing;

namespace Build.Fleet;

/// <summary>
/// How a service appears as an image: its bake target and the bake variable carrying its hash. Its repository and
/// tags are <see cref="ImageTags"/>'s.
/// </summary>
public static class ServiceImages
{
    /// <summary>The bake group of every service target.</summary>
    public const string Group = "services";

    public static string Repository(string registry) => ImageTags.ServicesRepository(registry);

    public static ImageTags Tags(string registry, string service, string hash, string date) => ImageTags.For(ImageKind.Service, registry, service, hash, date);

    public static string BakeTarget(string service) => Catalog.NamePattern.BakeName(service);

    /// <summary>SERVICE_HASH_ + upper-cased name (a family's is HASH_…, so the two never meet).</summary>
    public static string HashVariable(string service) =>
        "SERVICE_HASH_" + Catalog.NamePattern.VariableSuffix(service);
}
