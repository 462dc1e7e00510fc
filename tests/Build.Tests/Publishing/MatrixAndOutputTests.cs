using System.Text.Json;
using Build.Catalog;
using Build.Reports;
using Build.Tests.Infra;

namespace Build.Tests.Publishing;

[TestFixture]
[Category("Unit")]
public sealed class MatrixAndOutputTests
{
    [Test]
    public void The_matrix_has_one_shard_per_family_tree_in_dependency_order()
    {
        var catalog = CatalogLoader.Load("docker/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;

        using var matrix = JsonDocument.Parse(Build.Tasks.Matrix.Render(catalog));

        var shards = matrix.RootElement.GetProperty("include").EnumerateArray().ToDictionary(s => s.GetProperty("shard").GetString()!, s => s.GetProperty("families").GetString()!.Split(','));
        shards.Keys.Order(StringComparer.Ordinal).ShouldBe(["cpu", "cuda", "devcontainer-focal-stable", "devcontainer-noble-stable"]);
        shards["cpu"][0].ShouldBe("cpu-py311");
        shards["cuda"].Length.ShouldBe(7);
        var cuda = shards["cuda"].ToList();
        cuda.IndexOf("cuda12.3-ada-py311").ShouldBeLessThan(cuda.IndexOf("cuda12.3-ada-vision-py311"));
        cuda[0].ShouldBe("cuda12.3-runtime-py311");
    }

    [Test]
    public void Each_shard_lists_the_services_on_its_tree_and_none_for_a_tree_without_services()
    {
        var fleet = Build.Fleet.FleetValidator.Resolve(Fleet.FleetFixture.DemoFleet(), Fleet.FleetFixture.DemoCatalog());

        using var matrix = JsonDocument.Parse(Build.Tasks.Matrix.Render(fleet.Catalog, fleet));

        var services = matrix.RootElement.GetProperty("include").EnumerateArray().ToDictionary(s => s.GetProperty("root").GetString()!, s => s.GetProperty("services").GetString()!);
        services["demo-py311"].Split(',').Order(StringComparer.Ordinal).ShouldBe(["audio", "gpu-ada", "heartbeat", "hello", "vision-ampere", "web"]);
        services["demo-devcontainer-slim"].ShouldBe("none", "a value --services= accepts");
    }

    [Test]
    public void Multiline_outputs_use_a_delimiter_the_value_cannot_contain()
    {
        GitHubActions.OutputRecord("HASH_CPU", "abc").ShouldBe("HASH_CPU=abc\n");
        var multi = GitHubActions.OutputRecord("json", "{\n}");
        multi.ShouldStartWith("json<<ghadelimiter_");
        var delimiter = multi.Split('\n')[0]["json<<".Length..];
        multi.ShouldBe($"json<<{delimiter}\n{{\n}}\n{delimiter}\n");
    }

    [Test]
    public void In_GitHub_Actions_catalog_errors_are_annotations_at_their_file_and_line_and_tasks_are_groups()
    {
        using var repo = new Catalog.CatalogRepo();
        repo.Write("docker/families.yaml", "families:\n  cpu:\n    bsae: x\n");

        var (code, output) = KilnApp.RunWith(repo.Root, new() { ["GITHUB_ACTIONS"] = "true" }, "--target=GenerateCheck");

        code.ShouldBe(1);
        output.ShouldContain("::group::GenerateCheck");
        output.ShouldContain("::endgroup::");
        output.ShouldMatch(@"::error title=Kiln catalog,file=docker/families\.yaml,line=3,col=5::family 'cpu': Unknown key 'bsae'");
    }
}
