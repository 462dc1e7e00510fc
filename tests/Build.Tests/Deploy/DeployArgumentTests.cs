using Build.Tests.Infra;

namespace Build.Tests.Deploy;

/// <summary>Deploy's and Down's arguments are checked when the run is planned: exit 2, the valid values, nothing hashed or built.</summary>
[TestFixture]
[Category("Unit")]
public sealed class DeployArgumentTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(new[] { "--target=Deploy", "--machine=mainpcc" }, "--machine=mainpcc is not a machine of examples/demo/fleet.yaml (mainpc, pc2). Did you mean 'mainpc'?").SetName("A_misspelt_machine");
        yield return new TestCaseData(new[] { "--target=Deploy" }, "Which machine? Pass --machine=NAME (mainpc, pc2).").SetName("No_machine");
        yield return new TestCaseData(new[] { "--target=Down", "--machine=mainpc", "--gpu=maybe" }, "--gpu=maybe is not a choice: use --gpu=on or --gpu=off.").SetName("A_bad_gpu_switch");
        yield return new TestCaseData(new[] { "--target=Deploy", "--machine=pc2", "--devices=no" }, "--devices=no is not a choice: use --devices=on or --devices=off.").SetName("A_bad_devices_switch");
        yield return new TestCaseData(new[] { "--target=Deploy", "--machine=pc2", "--compose-override=missing.yaml" }, "--compose-override=missing.yaml: no such file (paths are relative to the repository root).").SetName("A_missing_override");
    }

    [TestCaseSource(nameof(Cases))]
    public void Is_a_usage_error_before_anything_is_hashed(string[] args, string message)
    {
        using var repo = new TempDir("kiln-deploy-args-");
        TestTree.Copy(Path.Combine(TestInfra.RepoRoot, "examples", "demo"), Path.Combine(repo.Path, "examples", "demo"));

        var (code, output) = KilnApp.Run(repo.Path, [.. args, "--catalog=examples/demo/families.yaml", "--mode=local"]);

        code.ShouldBe(2, output);
        output.ShouldContain(message);
        output.ShouldNotContain("ComputeHash ");
        Directory.Exists(Path.Combine(repo.Path, "artifacts")).ShouldBeFalse("nothing is written");
    }
}
