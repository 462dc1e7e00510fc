using Build.Tools;

namespace Build.Tests.Infra;

[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class LintTests
{
    [TestCase("docker/families.yaml")]
    [TestCase("examples/mini/families.yaml")]
    public void Every_generated_dockerfile_passes_buildkits_checks_and_the_scripts_pass_shellcheck(string catalog)
    {
        var (code, output) = KilnApp.Run(TestInfra.RepoRoot, "--target=Lint", $"--catalog={catalog}", $"--lint-base={TestInfra.BaseImage}", "--mode=local");

        code.ShouldBe(0, output);
        output.ShouldContain("bake --print      ");
        output.ShouldNotContain("FAILED");
        output.ShouldMatch(@"shellcheck\s+build\.sh .*\s+ok\s*\n");
        output.ShouldNotContain("not installed: skipped\n", customMessage: "tests/infra/up.sh installs shellcheck and actionlint");
        output.ShouldMatch(@"actionlint\s+\.github/workflows/ci\.yml\s+ok");
    }

    [Test]
    public void Actionlint_from_up_sh_finds_real_workflow_errors()
    {
        using var dir = new TempDir();
        var bad = dir.Write("bad.yml", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo hi\n");

        var result = RealProcesses.Runner.Run(new Build.Tools.CommandLine(TestInfra.Get("KILN_ACTIONLINT")).Add(bad));

        result.ExitCode.ShouldBe(1);
        result.StandardOutput.ShouldContain("unexpected key \"stepz\" for \"job\" section");
    }

    [Test]
    public void A_dockerfile_check_finding_fails_lint_with_rule_and_line()
    {
        using var demo = new DemoRepo();
        var path = demo.Full("examples/mini/families/demo-cpu/Dockerfile");
        File.WriteAllText(path, File.ReadAllText(path).Replace("FROM base AS runtime", "from base as runtime", StringComparison.Ordinal));

        var (code, output) = KilnApp.Run(demo.Root, "--target=Lint", $"--catalog={DemoRepo.Catalog}", $"--lint-base={TestInfra.BaseImage}", "--mode=local");

        code.ShouldBe(1);
        output.ShouldMatch(@"dockerfile check\s+examples/mini/families/demo-cpu/Dockerfile\s+FAILED\s+line \d+: ConsistentInstructionCasing");
    }
}
