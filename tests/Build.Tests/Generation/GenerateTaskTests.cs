using Build.Tests.Catalog;
using Build.Tests.Infra;

namespace Build.Tests.Generation;

[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class GenerateTaskTests
{
    [Test]
    public void GenerateCheck_passes_on_a_clean_tree_and_fails_with_a_diff_on_drift_writing_nothing()
    {
        using var demo = new DemoRepo();
        KilnApp.Run(demo.Root, "--target=GenerateCheck", $"--catalog={DemoRepo.Catalog}").ExitCode.ShouldBe(0);

        var bake = demo.Full("examples/mini/docker-bake.hcl");
        var edited = File.ReadAllText(bake).Replace("default = \"artifacts/dist\"", "default = \"elsewhere\"", StringComparison.Ordinal);
        File.WriteAllText(bake, edited);

        var (code, output) = KilnApp.Run(demo.Root, "--target=Generate", "--check", $"--catalog={DemoRepo.Catalog}");

        code.ShouldBe(1);
        output.ShouldContain("--- a/examples/mini/docker-bake.hcl\n+++ b/examples/mini/docker-bake.hcl\n");
        output.ShouldContain("-  default = \"elsewhere\"\n+  default = \"artifacts/dist\"\n");
        File.ReadAllText(bake).ShouldBe(edited, "--check writes nothing");

        KilnApp.Run(demo.Root, "--target=Generate", $"--catalog={DemoRepo.Catalog}").ExitCode.ShouldBe(0);
        KilnApp.Run(demo.Root, "--target=GenerateCheck", $"--catalog={DemoRepo.Catalog}").ExitCode.ShouldBe(0);
    }

    [Test]
    public void A_bad_catalog_exits_non_zero_naming_the_problem_and_writes_nothing()
    {
        using var demo = new DemoRepo();
        var catalog = demo.Full(DemoRepo.Catalog);
        File.WriteAllText(catalog, File.ReadAllText(catalog).Replace("parent: demo-root", "parent: demo-rot", StringComparison.Ordinal));
        var before = Directory.GetFiles(demo.Root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);

        var (code, _) = KilnApp.Run(demo.Root, "--target=Generate", $"--catalog={DemoRepo.Catalog}");

        code.ShouldBe(1);
        Directory.GetFiles(demo.Root, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText).ShouldBe(before);
    }
}
