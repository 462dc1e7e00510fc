using Build.Testing;
using Build.Tools;

namespace Build.Tests.Tools;

[TestFixture]
[Category("Unit")]
public sealed class CommandLineTests
{
    [Test]
    public void Renders_like_a_shell_line_quoting_only_where_needed_and_redacting_secrets()
    {
        var command = new CommandLine("docker")
            .Add("login", "--username", "kiln bot", "--password-stdin")
            .AddSecret("s3cr3t-token")
            .Add("ghcr.io", "it's");

        command.Render().ShouldBe("docker login --username 'kiln bot' --password-stdin [REDACTED] ghcr.io 'it'\\''s'");
        command.Render().ShouldNotContain("s3cr3t-token");
    }

    [Test]
    public async Task Runs_without_a_shell_passing_arguments_verbatim_and_stdin()
    {
        var result = await RealProcesses.Runner.RunAsync(
            new CommandLine("sh").Add("-c", "printf '%s|' \"$@\"; cat", "sh", "a b", "$HOME", "'q'"),
            new ProcessOptions { StandardInput = "from-stdin" });

        result.ExitCode.ShouldBe(0);
        result.StandardOutput.ShouldBe("a b|$HOME|'q'|from-stdin\n");
    }

    [Test]
    public async Task A_time_out_kills_the_process_and_says_so()
    {
        var result = await RealProcesses.Runner.RunAsync(new CommandLine("sleep").Add("30"), new ProcessOptions { Timeout = TimeSpan.FromMilliseconds(200) });

        result.TimedOut.ShouldBeTrue();
        result.Succeeded.ShouldBeFalse();
        result.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Test]
    public void A_missing_tool_is_a_clear_error()
    {
        Should.Throw<ToolNotFoundException>(() => RealProcesses.Runner.Run(new CommandLine("kiln-no-such-tool")))
            .Message.ShouldContain("'kiln-no-such-tool' was not found on PATH");
    }

    [Test]
    public void Trx_counters_become_the_closing_line()
    {
        var summary = TrxSummary.Parse("""
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010"><ResultSummary outcome="Failed">
            <Counters total="10" executed="9" passed="7" failed="2" error="0" timeout="0" aborted="0" inconclusive="0" notExecuted="1" />
            </ResultSummary></TestRun>
            """);

        summary.ShouldBe(new TrxSummary(10, 7, 2, 1));
        summary.Line.ShouldBe("7 passed, 2 failed, 1 skipped");
    }

    [Test]
    public void Infra_exports_are_parsed_and_other_lines_ignored()
    {
        var env = InfraEnvironment.Parse("noise\nexport KILN_TEST_REGISTRY=127.0.0.1:5000\nexport A='x y'\n");

        env["KILN_TEST_REGISTRY"].ShouldBe("127.0.0.1:5000");
        env["A"].ShouldBe("x y");
        env.Count.ShouldBe(2);
    }
}
