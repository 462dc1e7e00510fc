using Build.Catalog;
using Build.Fleet;
using Build.Tests.Infra;

namespace Build.Tests.Fleet;

/// <summary>Catalogs and fleets for the fleet tests: a small synthetic catalog, and the real one with its aliases.</summary>
public static class FleetFixture
{
    public const string D = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>
    /// The `aliases:` block docker/families.yaml needs (the fleet's family keys -> catalog families). Used only when
    /// the catalog in this tree has no aliases yet (the loader support lands from another branch).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ProposedAliases = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["cpu"] = "cpu-py311",
        ["cpu-web"] = "cpu-web-py311",
        ["cpu-audio"] = "cpu-audio-py311",
        ["gpu-ada"] = "cuda12.3-ada-py311",
        ["gpu-ampere"] = "cuda12.3-ampere-py311",
        ["gpu-ada-vision"] = "cuda12.3-ada-vision-py311",
        ["gpu-ampere-vision"] = "cuda12.3-ampere-vision-py311",
        ["gpu-ada-audio"] = "cuda12.3-ada-audio-py311",
        ["gpu-ampere-audio"] = "cuda12.3-ampere-audio-py311",
    };

    /// <summary>The `provides:` keys docker/families.yaml needs (per expanded family; lineage and gpu are implied).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> ProposedProvides = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["cpu-web-py311"] = ["web"],
        ["cpu-audio-py311"] = ["audio"],
        ["cuda12.3-ada-vision-py311"] = ["vision"],
        ["cuda12.3-ampere-vision-py311"] = ["vision"],
        ["cuda12.3-ada-audio-py311"] = ["audio"],
        ["cuda12.3-ampere-audio-py311"] = ["audio"],
    };

    /// <summary>A catalog with the fleet's family shapes: CPU (web, audio), GPU per arch (+audio), a +PTX arch and a root family.</summary>
    public const string CatalogYaml = $$"""
        defaults:
          user: { name: app, uid: 10001, gid: 10001 }
        machines:
          mainpc: { env: { OMP_NUM_THREADS: "8", PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True" } }
          pc2: { env: { OMP_NUM_THREADS: "2" } }
        gpu_archs:
          ada: { arch_list: ["8.9"], machine: mainpc }
          ampere: { arch_list: ["8.6"], machine: pc2 }
          ptx: { arch_list: ["8.6+PTX"] }
        families:
          cpu-py311: { base: "x:1@{{D}}" }
          cpu-web-py311: { parent: cpu-py311 }
          cpu-audio-py311: { parent: cpu-py311 }
          gpu-{gpu}-py311: { base: "y:1@{{D}}", gpu: [ada, ampere, ptx] }
          gpu-{gpu}-audio-py311: { parent: "gpu-{gpu}-py311", gpu: [ada, ampere] }
          rooty: { base: "x:1@{{D}}", user: { name: root, uid: 1, gid: 1 } }
        """;

    /// <summary>
    /// The Debian demo's family names, users, machines and GPU arches (examples/demo/families.yaml, built by another
    /// branch) without its build steps, so the demo fleet validates in this tree; aliases/provides as the demo declares.
    /// </summary>
    public const string DemoCatalogYaml = $$"""
        registry: 127.0.0.1:5000/kiln/debian-demo
        defaults:
          user: { name: app, uid: 10001, gid: 10001 }
        machines:
          mainpc: { env: { OMP_NUM_THREADS: "8", PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True" } }
          pc2: { env: { OMP_NUM_THREADS: "2", PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True", UVICORN_WORKERS: "1" } }
        gpu_archs:
          ada: { arch_list: ["8.9"], machine: mainpc }
          ampere: { arch_list: ["8.6"], machine: pc2 }
        families:
          demo-py311: { group: cpu, base: "debian:bookworm@{{D}}" }
          demo-web-py311: { parent: demo-py311 }
          demo-audio-py311: { parent: demo-py311 }
          demo-gpu-{gpu}-py311: { group: gpu, parent: demo-py311, gpu: [ada, ampere] }
          demo-gpu-{gpu}-vision-py311: { parent: "demo-gpu-{gpu}-py311", gpu: [ada, ampere] }
          demo-devcontainer-{flavor}: { group: devcontainer, base: "debian:bookworm@{{D}}", matrix: { flavor: [slim, tools] }, user: { name: vscode, uid: 1000, gid: 1000 } }
        """;

    public static Build.Catalog.Catalog DemoCatalog()
    {
        using var repo = new Catalog.CatalogRepo();
        var catalog = repo.Load(DemoCatalogYaml).Catalog;
        var catalogAt = catalog with { File = "examples/demo/families.yaml" };
        return WithShapes(catalogAt, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cpu"] = "demo-py311",
            ["cpu-web"] = "demo-web-py311",
            ["cpu-audio"] = "demo-audio-py311",
            ["gpu-ada"] = "demo-gpu-ada-py311",
            ["gpu-ampere"] = "demo-gpu-ampere-py311",
            ["gpu-ada-vision"] = "demo-gpu-ada-vision-py311",
            ["gpu-ampere-vision"] = "demo-gpu-ampere-vision-py311",
        }, new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["demo-web-py311"] = ["web"],
            ["demo-audio-py311"] = ["audio"],
            ["demo-gpu-ada-vision-py311"] = ["vision"],
            ["demo-gpu-ampere-vision-py311"] = ["vision"],
        });
    }

    public static Build.Fleet.Fleet DemoFleet() => FleetLoader.Load("examples/demo/fleet.yaml", TestInfra.RepoRoot);

    public static Build.Catalog.Catalog SmallCatalog()
    {
        using var repo = new Catalog.CatalogRepo();
        var catalog = repo.Load(CatalogYaml).Catalog;
        return WithShapes(catalog, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cpu"] = "cpu-py311",
            ["cpu-web"] = "cpu-web-py311",
            ["cpu-audio"] = "cpu-audio-py311",
            ["gpu-ada"] = "gpu-ada-py311",
            ["gpu-ampere"] = "gpu-ampere-py311",
            ["gpu-ada-audio"] = "gpu-ada-audio-py311",
            ["gpu-ampere-audio"] = "gpu-ampere-audio-py311",
        }, new Dictionary<string, string[]>(StringComparer.Ordinal)
        {
            ["cpu-web-py311"] = ["web"],
            ["cpu-audio-py311"] = ["audio"],
            ["gpu-ada-audio-py311"] = ["audio"],
            ["gpu-ampere-audio-py311"] = ["audio"],
        });
    }

    /// <summary>The repository's docker/families.yaml, with the proposed aliases/provides when the loader does not read them yet.</summary>
    public static Build.Catalog.Catalog RealCatalog()
    {
        var catalog = CatalogLoader.Load("docker/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;
        return catalog.Aliases.Count > 0 ? catalog : WithShapes(catalog, ProposedAliases, ProposedProvides);
    }

    public static Build.Catalog.Catalog WithShapes(Build.Catalog.Catalog catalog, IReadOnlyDictionary<string, string> aliases, IReadOnlyDictionary<string, string[]> provides) =>
        catalog with
        {
            Aliases = aliases,
            Families = catalog.Families.Select(f => provides.TryGetValue(f.Name, out var p) ? f with { Provides = p } : f).ToList(),
        };

    public static Build.Fleet.Fleet RealFleet() => FleetLoader.Load("docker/fleet.yaml", TestInfra.RepoRoot);

    /// <summary>A fleet manifest around the given service entries (indented as under 'services:').</summary>
    public static string FleetYaml(string services, string machines = "  mainpc: { port_offset: 0, compute_capability: \"8.9\" }\n  pc2: { port_offset: 100, compute_capability: \"8.6\" }\n") =>
        "version: 1\nmachines:\n" + machines + "services:\n" + services;

    public static Build.Fleet.Fleet Parse(string services, string? machines = null) =>
        FleetLoader.Parse(machines is null ? FleetYaml(services) : FleetYaml(services, machines), "docker/fleet.yaml");

    /// <summary>The line (1-based) of the first occurrence of <paramref name="text"/> in the manifest, for position assertions.</summary>
    public static int LineOf(string yaml, string text)
    {
        var lines = yaml.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        throw new ArgumentException($"'{text}' is not in the manifest.");
    }
}
