using Build.Catalog;
using Build.Generation;
using Build.Tests.Catalog;
using Build.Tests.Infra;

namespace Build.Tests.Generation;

[TestFixture]
[Category("Unit")]
public sealed class GeneratorTests
{
    private const string D = CatalogRepo.Digest;

    private static readonly string Yaml = $"families:\n  root:\n    base: x:1@{D}\n    copy:\n      - {{ src: files/motd, dest: /etc/motd }}\n  child:\n    parent: root\n    ports: [8080]\n";

    [Test]
    public void Generating_twice_changes_nothing_the_second_time()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Yaml).Catalog;
        var plan = Generator.Plan(catalog);

        var first = Generator.Compare(repo.Root, catalog, plan);
        first.ShouldAllBe(c => c.Kind == ChangeKind.Created);
        Generator.Apply(repo.Root, plan, first);

        var second = Generator.Compare(repo.Root, catalog, Generator.Plan(catalog));
        second.ShouldAllBe(c => c.Kind == ChangeKind.Unchanged);
        second.Select(c => c.Path).ShouldBe([
            "docker/families/root/Dockerfile", "docker/families/root/Dockerfile.dockerignore",
            "docker/families/child/Dockerfile", "docker/families/child/Dockerfile.dockerignore",
            "docker/docker-bake.hcl",
        ]);
        Directory.GetFiles(repo.Root, "*.tmp", SearchOption.AllDirectories).ShouldBeEmpty();
    }

    [Test]
    public void A_hand_edit_is_drift_with_a_unified_diff()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Yaml).Catalog;
        var plan = Generator.Plan(catalog);
        Generator.Apply(repo.Root, plan, Generator.Compare(repo.Root, catalog, plan));
        var path = Path.Combine(repo.Root, "docker/families/child/Dockerfile");
        File.WriteAllText(path, File.ReadAllText(path).Replace("EXPOSE 8080", "EXPOSE 9090", StringComparison.Ordinal));

        var drift = Generator.Compare(repo.Root, catalog, plan).Where(c => c.Kind != ChangeKind.Unchanged).ToList();

        var change = drift.ShouldHaveSingleItem();
        change.Kind.ShouldBe(ChangeKind.Updated);
        change.Diff.ShouldContain("--- a/docker/families/child/Dockerfile\n+++ b/docker/families/child/Dockerfile\n@@ ");
        change.Diff.ShouldContain("\n-EXPOSE 9090\n+EXPOSE 8080\n");
    }

    [Test]
    public void A_removed_family_loses_its_generated_folder_but_hand_written_folders_stay()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Yaml).Catalog;
        var plan = Generator.Plan(catalog);
        Generator.Apply(repo.Root, plan, Generator.Compare(repo.Root, catalog, plan));
        repo.Write("docker/families/handmade/Dockerfile", "FROM scratch\n");

        var smaller = repo.Load($"families:\n  root:\n    base: x:1@{D}\n    copy:\n      - {{ src: files/motd, dest: /etc/motd }}\n").Catalog;
        var newPlan = Generator.Plan(smaller);
        var changes = Generator.Compare(repo.Root, smaller, newPlan);
        changes.Where(c => c.Kind == ChangeKind.Deleted).Select(c => c.Path).ShouldBe(["docker/families/child/Dockerfile", "docker/families/child/Dockerfile.dockerignore"]);
        Generator.Apply(repo.Root, newPlan, changes);

        Directory.Exists(Path.Combine(repo.Root, "docker/families/child")).ShouldBeFalse();
        File.Exists(Path.Combine(repo.Root, "docker/families/handmade/Dockerfile")).ShouldBeTrue();
    }

    [Test]
    public void Output_is_byte_for_byte_deterministic_whatever_the_yaml_order()
    {
        using var a = new CatalogRepo();
        using var b = new CatalogRepo();
        var reordered = $"families:\n  child:\n    ports: [8080]\n    parent: root\n  root:\n    copy:\n      - {{ dest: /etc/motd, src: files/motd }}\n    base: x:1@{D}\n";

        var pa = Generator.Plan(a.Load(Yaml).Catalog);
        var pb = Generator.Plan(b.Load(reordered).Catalog);

        pb.ShouldBe(pa);
        pa.ShouldAllBe(f => !f.Content.Contains('\r', StringComparison.Ordinal) && f.Content.EndsWith('\n'));
    }

    [TestCase("docker/families.yaml")]
    [TestCase("examples/mini/families.yaml")]
    [TestCase("examples/demo/families.yaml")]
    public void The_committed_generated_files_are_exactly_what_the_catalog_produces(string catalogPath)
    {
        // The golden files are the committed ones: this is GenerateCheck as a test.
        var result = CatalogLoader.Load(catalogPath, new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false));
        var fleetPath = Path.Combine(TestInfra.RepoRoot, result.Catalog.Directory, "fleet.yaml");
        var fleet = File.Exists(fleetPath) ? Build.Fleet.FleetValidator.Resolve(Build.Fleet.FleetLoader.Load($"{result.Catalog.Directory}/fleet.yaml", TestInfra.RepoRoot), result.Catalog) : null;
        var changes = Generator.Compare(TestInfra.RepoRoot, result.Catalog, Generator.Plan(result.Catalog, fleet));

        changes.Where(c => c.Kind != ChangeKind.Unchanged).Select(c => c.Diff).ShouldBeEmpty();
    }

    [Test]
    public void The_real_catalog_has_every_family_of_spec_002_and_the_devcontainer_matrix()
    {
        var catalog = CatalogLoader.Load("docker/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;

        catalog.Families.Select(f => f.Name).Order(StringComparer.Ordinal).ShouldBe([
            "cpu-audio-py311", "cpu-py311", "cpu-web-py311",
            "cuda12.3-ada-audio-py311", "cuda12.3-ada-py311", "cuda12.3-ada-vision-py311",
            "cuda12.3-ampere-audio-py311", "cuda12.3-ampere-py311", "cuda12.3-ampere-vision-py311",
            "cuda12.3-runtime-py311",
            "devcontainer-focal-stable", "devcontainer-noble-stable",
        ]);
        catalog.Get("cuda12.3-ada-py311").Env.ShouldContain(new EnvVar("TORCH_CUDA_ARCH_LIST", "8.9"));
        catalog.Get("cuda12.3-ampere-py311").Env.ShouldContain(new EnvVar("OMP_NUM_THREADS", "2"));
        catalog.Get("cuda12.3-ada-py311").Env.ShouldContain(new EnvVar("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True"));
        catalog.Get("cuda12.3-ampere-py311").Env.ShouldContain(new EnvVar("UVICORN_WORKERS", "1"));
    }

    [Test]
    public void Unified_diff_has_hunks_with_context_like_diff_u()
    {
        var old = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}")) + "\n";
        var @new = old.Replace("line 10\n", "line ten\n", StringComparison.Ordinal);

        UnifiedDiff.Create(old, @new, "a/f", "b/f").ShouldBe(
            "--- a/f\n+++ b/f\n@@ -7,7 +7,7 @@\n line 7\n line 8\n line 9\n-line 10\n+line ten\n line 11\n line 12\n line 13\n");
        UnifiedDiff.Create(old, old, "a/f", "b/f").ShouldBeEmpty();
    }
}
