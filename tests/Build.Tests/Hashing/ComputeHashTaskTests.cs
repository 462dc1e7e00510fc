using System.Text.Json;
using Build.Hashing;
using Build.Registry;
using Build.Tests.Infra;
using Build.Tests.Registry;

namespace Build.Tests.Hashing;

[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class ComputeHashTaskTests
{
    [Test]
    public async Task Hashes_json_lists_every_family_with_inputs_tags_and_registry_presence_and_writes_GitHub_outputs()
    {
        using var demo = new DemoRepo();
        using var outputs = new TempDir();
        var githubOutput = outputs.Write("github_output", string.Empty);
        var args = new[] { "--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", $"--registry={demo.Registry}", "--date=20261121", "--mode=local" };

        var (code, output) = KilnApp.RunWith(demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"), ["GITHUB_OUTPUT"] = githubOutput }, args);
        code.ShouldBe(0, output);
        var first = HashReport.FromJson(File.ReadAllText(demo.Full("artifacts/hashes.json")));

        first.SchemaVersion.ShouldBe(1);
        first.Registry.ShouldBe(demo.Registry);
        first.Families.Select(f => f.Name).ShouldBe(["demo-root", "demo-cpu", "demo-gpu-ada", "demo-gpu-ampere", "demo-web"]);
        first.Families.ShouldAllBe(f => f.Exists == Existence.Absent);
        var root = first.Get("demo-root");
        root.Tags.All.ShouldBe([$"{demo.Registry}:demo-root-{root.Hash}", $"{demo.Registry}:demo-root-20261121", $"{demo.Registry}:demo-root-latest"]);
        root.Inputs.Single(i => i.Name == "base").Digest.ShouldBe(TestInfra.Get("KILN_DEMO_BASE"));
        root.Inputs.Select(i => i.Name).ShouldContain("file:examples/mini/files/motd");
        first.Get("demo-cpu").Inputs.Single(i => i.Name == "parent").Digest.ShouldBe(root.Hash);
        output.ShouldContain($"demo-root        {root.Hash}  -");

        var gh = File.ReadAllText(githubOutput);
        gh.ShouldContain($"HASH_DEMO_ROOT={root.Hash}\n");
        gh.ShouldContain($"HASH_DEMO_GPU_ADA={first.Get("demo-gpu-ada").Hash}\n");
        gh.ShouldContain("hashes={\"demo-cpu\":");

        // Put demo-root's tag in the registry: now it is present, with its digest.
        using var client = new OciRegistryClient();
        await RegistryIntegrationTests.CopyImageAsync(client, ImageName.Parse(TestInfra.BaseImage), ImageName.ParseRepository(demo.Registry), $"demo-root-{root.Hash}");
        KilnApp.RunWith(demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, args).ExitCode.ShouldBe(0);
        var second = HashReport.FromJson(File.ReadAllText(demo.Full("artifacts/hashes.json")));
        second.Get("demo-root").Exists.ShouldBe(Existence.Present);
        second.Get("demo-root").Digest.ShouldBe(ImageName.Parse(TestInfra.BaseImage).Digest);
        second.Get("demo-cpu").Exists.ShouldBe(Existence.Absent);
    }

    [Test]
    public void Families_limits_to_those_and_their_ancestors_and_rejects_unknown_names()
    {
        using var demo = new DemoRepo();
        var env = new Dictionary<string, string?> { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") };

        KilnApp.RunWith(demo.Root, env, "--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", "--families=demo-web", "--offline").ExitCode.ShouldBe(0);
        HashReport.FromJson(File.ReadAllText(demo.Full("artifacts/hashes.json"))).Families.Select(f => f.Name).ShouldBe(["demo-root", "demo-cpu", "demo-web"]);

        var (code, output) = KilnApp.RunWith(demo.Root, env, "--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", "--families=demo-wbe", "--offline");
        code.ShouldBe(2);
        output.ShouldContain("--families names 'demo-wbe', which examples/mini/families.yaml does not define. Families: demo-root, demo-cpu, demo-gpu-ada, demo-gpu-ampere, demo-web.");
    }

    [Test]
    public void Artifacts_and_catalog_may_be_absolute_paths()
    {
        using var demo = new DemoRepo();
        using var artifacts = new TempDir();
        var env = new Dictionary<string, string?> { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") };

        var (code, output) = KilnApp.RunWith(demo.Root, env, "--target=ComputeHash", $"--catalog={demo.Full(DemoRepo.Catalog)}", $"--artifacts={artifacts.Path}", "--offline");

        code.ShouldBe(0, output);
        var report = HashReport.FromJson(File.ReadAllText(System.IO.Path.Combine(artifacts.Path, "hashes.json")));
        report.Catalog.ShouldBe(DemoRepo.Catalog);
        report.Families.Count.ShouldBe(5);
        File.Exists(demo.Full("artifacts/hashes.json")).ShouldBeFalse();
    }

    [Test]
    public void An_unreachable_registry_is_unknown_with_a_warning_locally_and_an_error_in_ci_mode()
    {
        using var demo = new DemoRepo();
        var env = new Dictionary<string, string?> { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") };
        var dead = $"127.0.0.1:{RegistryIntegrationTests.FreePort()}/kiln/demo";

        var local = KilnApp.RunWith(demo.Root, env, "--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", $"--registry={dead}", "--mode=local");
        local.ExitCode.ShouldBe(0);
        HashReport.FromJson(File.ReadAllText(demo.Full("artifacts/hashes.json"))).Families.ShouldAllBe(f => f.Exists == Existence.Unknown);

        var ci = KilnApp.RunWith(demo.Root, env, "--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", $"--registry={dead}", "--mode=ci");
        ci.ExitCode.ShouldBe(1);
    }
}
