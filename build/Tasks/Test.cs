using Build.Host;
using Build.Testing;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Test")]
[TaskDescription("Starts the test engine and registry (tests/infra/up.sh), runs every test, ends with 'N passed, N failed, N skipped'.")]
[TaskArgument("--filter=EXPR", "Passed to dotnet test, e.g. --filter=TestCategory=Unit.")]
[TaskArgument("--no-infra", "Do not run tests/infra/up.sh (integration tests then fail with a clear message).")]
public sealed class Test(HostEpilogue epilogue, Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = context.Root;
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (!context.Flag(ArgumentNames.NoInfra))
        {
            context.Log.Information("Bringing up the test engine and registry: tests/infra/up.sh");
            var up = processes.Run(
                new CommandLine("bash").Add("tests/infra/up.sh"),
                new ProcessOptions { WorkingDirectory = root, OnStandardError = output.WriteError, Timeout = TimeSpan.FromMinutes(20) });
            if (!up.Succeeded)
            {
                throw new CakeException(1, $"tests/infra/up.sh failed (exit {up.ExitCode}); its output is above.");
            }

            foreach (var (name, value) in InfraEnvironment.Parse(up.StandardOutput))
            {
                environment[name] = value;
            }
        }

        var results = context.Paths.TestResults;
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }

        var command = new CommandLine("dotnet")
            .Add("test", "Kiln.slnx", "--nologo", "--logger", "trx", "--results-directory", results);
        if (context.Argument(ArgumentNames.Filter) is { } filter)
        {
            command = command.Add("--filter", filter);
        }

        context.Log.Information(command.Render());
        var run = processes.Run(command, new ProcessOptions
        {
            WorkingDirectory = root,
            Environment = environment,
            OnStandardOutput = output.WriteLine,
            OnStandardError = output.WriteError,
            Timeout = TimeSpan.FromMinutes(60),
        });

        var summary = Directory.Exists(results)
            ? Directory.GetFiles(results, "*.trx", SearchOption.AllDirectories)
                .Select(f => TrxSummary.Parse(File.ReadAllText(f)))
                .Aggregate(TrxSummary.Empty, (a, b) => a.Plus(b))
            : TrxSummary.Empty;
        epilogue.Add(summary.Line);

        if (summary.Failed > 0 || !run.Succeeded)
        {
            throw new CakeException(1, $"Tests failed: {summary.Line} (dotnet test exit code {run.ExitCode}).");
        }

        if (summary.Total == 0)
        {
            throw new CakeException(1, "No test ran: check --filter.");
        }
    }
}
