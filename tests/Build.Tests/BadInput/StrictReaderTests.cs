using Build.Catalog;
using Build.Gates;
using Build.Generation;
using Build.Pixi;
using Build.Tests.Catalog;
using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>The strict readers one by one: size baselines, CVE policies, pixi manifests, and valid input they must keep accepting.</summary>
[TestFixture]
[Category("Unit")]
public sealed class StrictReaderTests
{
    private const string D = CatalogRepo.Digest;

    private static readonly IReadOnlySet<string> DemoFamilies = new HashSet<string> { "demo-root", "demo-cpu", "demo-web", "demo-gpu-ada", "demo-gpu-ampere" };

    private static string BaselineError(string json)
    {
        var errors = new List<InputError>();
        SizeBaselineReader.Parse(json, "examples/mini/size-baseline.json", errors, DemoFamilies).ShouldBeNull();
        errors.ShouldHaveSingleItem();
        return errors[0].ToString();
    }

    private const string Good = "{\n  \"schemaVersion\": 1,\n  \"policy\": { \"maxGrowthPercent\": 5, \"maxGrowthBytes\": 10485760 },\n  \"families\": {\n    \"demo-cpu\": { \"compressed\": 1421860, \"uncompressed\": 2851328 }\n  }\n}\n";

    [Test]
    public void The_committed_demo_baseline_reads_with_the_catalogs_names()
    {
        var baseline = SizeBaselineReader.Load(Path.Combine(TestInfra.RepoRoot, "examples/mini/size-baseline.json"), "examples/mini/size-baseline.json", DemoFamilies);

        baseline.Families["demo-cpu"].Compressed.ShouldBe(1421860);
        baseline.Policy.MaxGrowthPercent.ShouldBe(5);
        SizeBaseline.Load(Path.Combine(TestInfra.RepoRoot, "examples/mini/size-baseline.json")).ToJson()
            .ShouldBe(File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "examples/mini/size-baseline.json")), "reading and writing round-trips");
    }

    [TestCase("\"schemaVersion\": 1,", "\"schemaVersion\": 2,", "examples/mini/size-baseline.json:2:20: schemaVersion 2 is not one this Kiln reads (it reads 1). Regenerate the baseline with this Kiln: ./build.sh --target=SizeGate --update-baseline.")]
    [TestCase("\"compressed\": 1421860", "\"compressed\": \"1421860\"", "examples/mini/size-baseline.json:5:33: baseline entry 'demo-cpu': 'compressed' must be a whole number of bytes, not a string (\"1421860\"). Write e.g. \"compressed\": 1421860 (no quotes).")]
    [TestCase("\"compressed\": 1421860", "\"compressed\": -5", "examples/mini/size-baseline.json:5:33: baseline entry 'demo-cpu': 'compressed' is -5; a size cannot be negative. Write the size in bytes (0 or more), or run --update-baseline.")]
    [TestCase("\"demo-cpu\":", "\"demo-cpx\":", "examples/mini/size-baseline.json:5:5: baseline entry 'demo-cpx': is not a family of the catalog or a service of its fleet. Did you mean 'demo-cpu'? Remove the entry (or fix its name): run ./build.sh --target=SizeGate --update-baseline after renaming a family or service.")]
    [TestCase("\"uncompressed\"", "\"uncompresed\"", "examples/mini/size-baseline.json:5:42: baseline entry 'demo-cpu': Unknown key 'uncompresed' in a baseline entry. Did you mean 'uncompressed'? Allowed keys: compressed, uncompressed.")]
    [TestCase("\"maxGrowthBytes\": 10485760", "\"maxGrowthBytes\": 1.5", "examples/mini/size-baseline.json:3:56: 'maxGrowthBytes' must be a whole number of bytes, not a number. Write e.g. \"maxGrowthBytes\": 1421860 (no quotes).")]
    [TestCase("\"schemaVersion\": 1,", "\"schemaVersion\": 1", "examples/mini/size-baseline.json:3:3: JSON syntax error: '\"' is invalid after a value. Expected either ',', '}', or ']'. Restore it from git, or run ./build.sh --target=SizeGate --update-baseline.")]
    [TestCase("  \"policy\"", "  \"schemaVersion\": 1,\n  \"policy\"", "examples/mini/size-baseline.json:3:3: JSON syntax error: 'schemaVersion' is defined twice (the other one is at line 2). Restore it from git, or run ./build.sh --target=SizeGate --update-baseline.")]
    public void A_bad_baseline_is_one_positioned_error(string from, string to, string expected) =>
        BaselineError(Good.Replace(from, to, StringComparison.Ordinal)).ShouldBe(expected);

    [Test]
    public void A_baseline_that_is_not_an_object_or_has_no_schema_is_an_error()
    {
        BaselineError("[1, 2]\n").ShouldBe("examples/mini/size-baseline.json:1:1: The baseline must be a JSON object, not a list. Restore it from git, or run ./build.sh --target=SizeGate --update-baseline.");
        BaselineError("{ \"families\": {} }\n").ShouldBe("examples/mini/size-baseline.json:1:1: The baseline has no schemaVersion. Add \"schemaVersion\": 1.");
        using var dir = new TempDir();
        var path = dir.Write("b.json", "{ \"schemaVersion\": 1, \"families\": { \"x\": { \"compressed\": \"big\" } } }");
        Should.Throw<GateConfigException>(() => SizeBaseline.Load(path, "b.json")).Message
            .ShouldBe("b.json:1:58: baseline entry 'x': 'compressed' must be a whole number of bytes, not a string (\"big\"). Write e.g. \"compressed\": 1421860 (no quotes).");
    }

    [Test]
    public void A_waiver_for_a_family_the_catalog_lacks_is_an_error_when_the_names_are_given()
    {
        using var dir = new TempDir();
        var path = dir.Write("p.yaml", "waivers:\n  - { id: CVE-1, families: [demo-wbe], reason: r, expires: 2027-01-01 }\n");

        Should.Throw<GateConfigException>(() => CvePolicy.Load(path, "p.yaml", DemoFamilies)).Message
            .ShouldBe("p.yaml:2:29: waiver 'CVE-1': names 'demo-wbe', which is neither a family of the catalog nor a service of its fleet. Did you mean 'demo-web'? Fix the name: a waiver for an image that does not exist waives nothing.");
        CvePolicy.Load(path, "p.yaml").Waivers.ShouldHaveSingleItem().Families.ShouldBe(["demo-wbe"]);
    }

    [Test]
    public void Every_problem_in_a_policy_is_reported_at_once()
    {
        using var dir = new TempDir();
        var path = dir.Write("p.yaml", "fail_on: HIGH\nignore_unfixd: true\nwaivers:\n  - { id: CVE-1, familes: [a], reason: r, expires: 2027-01-01 }\n");

        var message = Should.Throw<GateConfigException>(() => CvePolicy.Load(path, "p.yaml")).Message;

        message.ShouldStartWith("3 problems in p.yaml:\n");
        message.ShouldContain("p.yaml:2:1: Unknown key 'ignore_unfixd' in the CVE policy. Did you mean 'ignore_unfixed'?");
        message.ShouldContain("p.yaml:4:18: waiver 'CVE-1': Unknown key 'familes' in a waiver. Did you mean 'families'?");
        message.ShouldContain("p.yaml:1:10: 'fail_on' must be a list of values, not a single value.");
    }

    [Test]
    public void A_waiver_listed_twice_points_at_the_other_one()
    {
        using var dir = new TempDir();
        var path = dir.Write("p.yaml", "waivers:\n  - { id: CVE-1, reason: r, expires: 2027-01-01 }\n  - { id: cve-1, reason: again, expires: 2027-02-01 }\n");

        Should.Throw<GateConfigException>(() => CvePolicy.Load(path, "p.yaml")).Message
            .ShouldBe("p.yaml:3:5: waiver 'cve-1': is listed twice (the other one is at p.yaml:2:5). Keep one waiver per id and scope.");
    }

    [Test]
    public void The_committed_policies_read()
    {
        CvePolicy.Load(Path.Combine(TestInfra.RepoRoot, "docker/cve-policy.yaml"), "docker/cve-policy.yaml").FailOn.ShouldBe([Severity.High, Severity.Critical]);
        CvePolicy.Load(Path.Combine(TestInfra.RepoRoot, "examples/mini/cve-policy.yaml"), "examples/mini/cve-policy.yaml").Waivers.ShouldBeEmpty();
    }

    [Test]
    public void Pixi_toml_is_read_as_toml_hash_in_strings_dotted_keys_and_inline_tables()
    {
        const string toml = """
            feature.web.dependencies = { fastapi = "*" }   # a dotted key at the top level

            [workspace]
            name = "t # not a comment"
            platforms = ["linux-64", "osx-arm64"]   # a comment
            description = 'literal with [environments] and # inside'

            [feature.gpu]
            platforms = ["linux-64"]

            [environments]
            "quoted-env" = { features = ["web"], solve-group = "main" }
            web.features = ["web"]
            gpu = ["gpu"]
            """;
        var errors = new List<InputError>();

        var manifest = PixiManifest.Read(toml, "pixi.toml", errors).ShouldNotBeNull(string.Join('\n', errors));

        manifest.Environments.Keys.ShouldBe(["default", "gpu", "quoted-env", "web"]);
        manifest.Environments["gpu"].Platforms.ShouldBe(["linux-64"]);
        manifest.Environments["web"].Platforms.ShouldBe(["linux-64", "osx-arm64"]);
        manifest.Environments["quoted-env"].Where.Line.ShouldBe(12);
    }

    [Test]
    public void The_repositorys_pixi_toml_reads_and_its_gpu_environments_are_linux_only()
    {
        var errors = new List<InputError>();
        var manifest = PixiManifest.Read(File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "pixi.toml")), "pixi.toml", errors).ShouldNotBeNull(string.Join('\n', errors));

        manifest.Environments.Keys.ShouldContain("gpu-vision");
        manifest.Environments["gpu-vision"].Platforms.ShouldBe(["linux-64"]);
        manifest.Environments["cpu"].Platforms.ShouldContain("osx-arm64");
    }

    [Test]
    public void A_bad_pixi_lock_reports_every_problem_with_its_position()
    {
        var ex = Should.Throw<FormatException>(() => PixiLock.Parse("version: six\nenvironments:\n  web: [1]\npackages:\n  - { size: big }\n"));

        ex.Message.ShouldStartWith("3 problems in pixi.lock:\n");
        ex.Message.ShouldContain("pixi.lock:1:10: pixi.lock version six is not supported");
        ex.Message.ShouldContain("pixi.lock:3:8: environment 'web': environment 'web' must be a mapping, not a list.");
        ex.Message.ShouldContain("pixi.lock:5:5: A package entry has no 'conda:', 'pypi:' or 'conda_source:' location.");
    }

    [Test]
    public void Valid_input_stays_valid_docker_durations_folded_commands_aliases_provides_and_sources()
    {
        using var repo = new CatalogRepo();
        repo.Write("req/app.lock", "numpy==2.1.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
        repo.Write("src/pkg/pyproject.toml", "[project]\nname = \"pkg\"\n");
        var c = repo.Load($$"""
            aliases: { cpu: root, gpu-ada: root-gpu-ada }
            gpu_archs:
              ada: { arch_list: ["8.9"] }
            families:
              root:
                base: x:1@{{D}}
                provides: [web]
                healthcheck: { tcp: 8080, interval: 1m30s, timeout: 1.5s, start_period: 500ms }
                run:
                  - >-
                    echo one &&
                    echo two
                  - |
                    echo three
                python: { requirements: req/app.lock, sources: [src/pkg] }
              root-gpu-{gpu}:
                parent: root
                gpu: [ada]
                provides: [vision]
            """).Catalog;

        var root = c.Get("root");
        root.Health!.Interval.ShouldBe("1m30s");
        root.Health.Timeout.ShouldBe("1.5s");
        root.Run.ShouldBe(["echo one && echo two", "echo three"]);
        root.Python!.Sources.ShouldBe(["src/pkg"]);
        root.Provides.ShouldBe(["cpu", "web"]);
        c.Get("root-gpu-ada").Provides.ShouldBe(["cpu", "gpu", "web", "vision"]);
        c.Aliases.ShouldBe(new SortedDictionary<string, string>(StringComparer.Ordinal) { ["cpu"] = "root", ["gpu-ada"] = "root-gpu-ada" });
    }

    [Test]
    public void A_symlink_inside_the_repository_is_fine()
    {
        using var repo = new CatalogRepo();
        File.CreateSymbolicLink(Path.Combine(repo.Root, "files/alias"), "motd");

        repo.Load($"families:\n  a:\n    base: x:1@{D}\n    copy: [{{ src: files/alias, dest: /etc/motd }}, {{ src: files, dest: /f }}]\n").Catalog
            .Get("a").Copy.Select(x => x.Source).ShouldBe(["files/alias", "files"]);
    }

    [Test]
    public void A_shared_mistake_of_a_gpu_entry_is_reported_once_not_once_per_variant()
    {
        using var repo = new CatalogRepo();
        var ex = repo.Fails($"gpu_archs:\n  ada: {{ arch_list: [\"8.9\"] }}\n  ampere: {{ arch_list: [\"8.6\"] }}\nfamilies:\n  g-{{gpu}}:\n    base: x:1@{D}\n    gpu: [ada, ampere]\n    ports: [0]\n");

        ex.Errors.ShouldHaveSingleItem().Where!.Line.ShouldBe(8);
    }
}

/// <summary>FamilyGraph: parents exist, no cycles, one order for everyone, trees and groups.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FamilyGraphTests
{
    private const string D = CatalogRepo.Digest;

    private static Build.Catalog.Catalog Tree()
    {
        using var repo = new CatalogRepo();
        return repo.Load($"families:\n  z-root:\n    group: gz\n    base: x:1@{D}\n  a-root:\n    base: x:1@{D}\n  m:\n    parent: z-root\n  b:\n    parent: z-root\n  leaf:\n    parent: b\n  a-child:\n    parent: a-root\n").Catalog;
    }

    [Test]
    public void Order_is_parents_first_then_by_name_and_trees_and_groups_follow_it()
    {
        var graph = Tree().Graph;

        graph.Ordered.Select(f => f.Name).ShouldBe(["a-root", "a-child", "z-root", "b", "leaf", "m"]);
        graph.Roots.Select(f => f.Name).ShouldBe(["a-root", "z-root"]);
        graph.Trees.Select(t => (t.Root.Name, string.Join(',', t.Families.Select(f => f.Name)))).ShouldBe([("a-root", "a-root,a-child"), ("z-root", "z-root,b,leaf,m")]);
        graph.Groups.Keys.ShouldBe(["a-root", "gz"]);
        graph.Groups["gz"].Count.ShouldBe(4);
        graph.Lineage("leaf").Select(f => f.Name).ShouldBe(["z-root", "b", "leaf"]);
        graph.RootOf("leaf").Name.ShouldBe("z-root");
        graph.ChildrenOf("z-root").Select(f => f.Name).ShouldBe(["b", "m"]);
        graph.Descendants("z-root").Select(f => f.Name).ShouldBe(["b", "leaf", "m"]);
        graph.Closure(["leaf", "a-child"]).Select(f => f.Name).ShouldBe(["a-root", "a-child", "z-root", "b", "leaf"]);
        graph.ParentOf("leaf")!.Name.ShouldBe("b");
        graph.Contains("nope").ShouldBeFalse();
    }

    [Test]
    public void Missing_parents_and_cycles_are_errors_and_a_broken_parent_is_not_reported_twice()
    {
        var c = Tree();
        var orphan = c.Get("m") with { Name = "orphan", Parent = "gone" };
        var (graph, errors) = FamilyGraph.Build([.. c.Families, orphan]);
        graph.ShouldBeNull();
        errors.ShouldHaveSingleItem().Message.ShouldBe("Parent 'gone' is not a family in this catalog.");

        var (quiet, none) = FamilyGraph.Build([.. c.Families, orphan], name => name == "gone");
        quiet.ShouldBeNull();
        none.ShouldBeEmpty();

        var x = c.Get("m") with { Name = "x", Parent = "y" };
        var y = c.Get("m") with { Name = "y", Parent = "x" };
        FamilyGraph.Build([x, y]).Errors.Select(e => e.Message).ShouldBe(["Parents form a cycle: x -> y -> x.", "Parents form a cycle: y -> x -> y."]);
    }

    [Test]
    public void Matrix_shards_are_the_graphs_trees()
    {
        using var matrix = System.Text.Json.JsonDocument.Parse(Build.Tasks.Matrix.Render(Tree()));

        var shards = matrix.RootElement.GetProperty("include").EnumerateArray().Select(e => (e.GetProperty("shard").GetString(), e.GetProperty("families").GetString())).ToList();
        shards.ShouldBe([("a-root", "a-root,a-child"), ("gz", "z-root,b,leaf,m")]);
    }
}

/// <summary>Generate swaps a complete tree in: hand-written files survive, no staging folder is left behind.</summary>
[TestFixture]
[Category("Unit")]
public sealed class GeneratorStagingTests
{
    private const string D = CatalogRepo.Digest;

    [Test]
    public void The_tree_is_staged_and_swapped_keeping_hand_written_files_and_leaving_nothing_behind()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load($"families:\n  a:\n    base: x:1@{D}\n  b:\n    parent: a\n").Catalog;
        var plan = Generator.Plan(catalog);
        Generator.Apply(repo.Root, plan, Generator.Compare(repo.Root, catalog, plan));
        repo.Write("docker/families/README.md", "hand-written\n");
        repo.Write("docker/families/a/notes.txt", "mine\n");

        var smaller = repo.Load($"families:\n  a:\n    base: x:1@{D}\n    ports: [80]\n").Catalog;
        var newPlan = Generator.Plan(smaller);
        Generator.Apply(repo.Root, newPlan, Generator.Compare(repo.Root, smaller, newPlan));

        File.ReadAllText(Path.Combine(repo.Root, "docker/families/README.md")).ShouldBe("hand-written\n");
        File.ReadAllText(Path.Combine(repo.Root, "docker/families/a/notes.txt")).ShouldBe("mine\n");
        File.ReadAllText(Path.Combine(repo.Root, "docker/families/a/Dockerfile")).ShouldContain("EXPOSE 80");
        Directory.Exists(Path.Combine(repo.Root, "docker/families/b")).ShouldBeFalse();
        Directory.GetFileSystemEntries(Path.Combine(repo.Root, "docker")).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(["docker-bake.hcl", "families", "families.yaml"]);
        Generator.Compare(repo.Root, smaller, newPlan).ShouldAllBe(c => c.Kind == ChangeKind.Unchanged);
    }

    [Test]
    public void A_stray_file_where_a_family_folder_belongs_is_a_clear_error_before_anything_is_written()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load($"families:\n  a:\n    base: x:1@{D}\n").Catalog;
        repo.Write("docker/families", "oops\n");

        Should.Throw<GenerationException>(() => Generator.Compare(repo.Root, catalog, Generator.Plan(catalog))).Message
            .ShouldBe("'docker/families' is a file, but Generate needs a folder there for docker/families/a/Dockerfile. Move or delete that file, then run Generate again.");
        File.Exists(Path.Combine(repo.Root, "docker/docker-bake.hcl")).ShouldBeFalse();
    }
}
