using Cake.Core;

namespace Build.Registry;

/// <summary>Which repository a run's tags live in.</summary>
public static class RegistryTarget
{
    public const string Local = "local";

    /// <summary>
    /// --registry, else the catalog's; "local" is the loopback registry of tests/infra/up.sh (KILN_TEST_REGISTRY, or
    /// tests/infra/.env), with a repository named after the catalog's folder.
    /// </summary>
    public static string Resolve(string? option, Func<Catalog.Catalog> catalog, string root, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(environment);
        if (!string.Equals(option, Local, StringComparison.OrdinalIgnoreCase))
        {
            return option ?? catalog().Registry;
        }

        var registry = environment("KILN_TEST_REGISTRY");
        var file = Path.Combine(root, "tests", "infra", ".env");
        if (string.IsNullOrEmpty(registry) && File.Exists(file))
        {
            registry = Testing.InfraEnvironment.Parse(File.ReadAllText(file)).GetValueOrDefault("KILN_TEST_REGISTRY");
        }

        if (string.IsNullOrEmpty(registry))
        {
            throw new CakeException(2, "--registry=local needs the loopback registry: run tests/infra/up.sh first (it writes tests/infra/.env).");
        }

        var directory = catalog().Directory;
        var name = Path.GetFileName(directory.TrimEnd('/')) is { Length: > 0 } n && n != "." ? n : "kiln";
        return $"{registry}/kiln/{name}";
    }
}
