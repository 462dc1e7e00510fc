using Build.Catalog;
using Build.Host;
using Build.IO;
using Build.Reports;
using Cake.Common.Build;
using Cake.Common.Build.GitHubActions.Data;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build;

/// <summary>Fills the context once, before the first task; writes the run's summary after the last (also when one threw).</summary>
public sealed class BuildLifetime(KilnEnvironment environment, Services.RunClock clock) : FrostingLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        clock.RecordStartUp();
        Fill(context, environment, info.TasksToExecute.Select(t => t.Name), clock);
        CheckGateConfiguration(context);
        if (context.Plan.Facts.TargetsMachine)
        {
            Tasks.MachineProject.CheckArguments(context);
        }

        context.Log.Verbose($"Kiln: run {context.Stamp.Id}, mode={context.Options.Mode}, catalog={context.Options.Catalog}, artifacts={context.Options.Artifacts}");
    }

    /// <summary>The one place the context is filled (Setup, and the host's dry run, which has no Setup).</summary>
    public static void Fill(BuildContext context, KilnEnvironment environment, IEnumerable<string> plannedTasks, Services.RunClock clock)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(environment);
        var facts = RunFacts.Of(plannedTasks);
        var options = KilnOptions.Parse(context.Arguments, environment.Lookup);
        var defaults = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (facts.IsDemo)
        {
            // The demo runs with no arguments on a fresh machine: its catalog, the loopback registry, and no CVE scan
            // unless a scanner is installed (the reports say so).
            options = options with
            {
                Catalog = context.Arguments.HasArgument("catalog") ? options.Catalog : Tasks.Demo.Catalog,
                Registry = options.Registry ?? Registry.RegistryTarget.Local,
            };
            if (Gates.CveScanners.Resolve("trivy", null, null, ".", environment.Lookup) is null)
            {
                defaults[ArgumentNames.CveScanner] = Gates.CveScanners.Resolve("grype", null, null, ".", environment.Lookup) is null ? "none" : "grype";
            }
        }

        context.Fill(options, environment, facts, defaults, new RunSources(() => clock.Time("catalog", () => LoadCatalog(context)), () => clock.Time("fleet", () => LoadFleet(context)), context.Environment.WorkingDirectory.FullPath, environment.Lookup));
    }

    /// <summary>A planned gate's policy or baseline is read before anything is built: a typo fails in a second, not after a bake.</summary>
    private static void CheckGateConfiguration(BuildContext context)
    {
        foreach (var gate in context.Plan.Facts.Gates)
        {
            try
            {
                gate.CheckConfiguration(context.Root, context.Catalog, context.Plan.ImageNames);
            }
            catch (Gates.GateConfigException ex)
            {
                throw new CakeException(1, ex.Message);
            }
        }
    }

    /// <summary>The CI target's summary is written here, so it also exists when a step threw.</summary>
    public override void Teardown(BuildContext context, ITeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (context.Stamp is null || !context.Plan.Facts.WritesSummary)
        {
            return;
        }

        var failures = context.Results.Failures.ToList();
        if (info.ThrownException is { } ex && !failures.Any(f => ex.Message.Contains(f, StringComparison.Ordinal)))
        {
            failures.Add((ex.InnerException ?? ex).Message);
        }

        try
        {
            var summary = RunSummary.Render(context.Catalog, context.Results, Gates.GateRegistry.All, failures)
                + (context.Fleet is { } fleet ? "\n" + (context.Results.Fleet ?? Fleet.FleetReport.Build(fleet.Fleet, context.Catalog)).ToMarkdown(context.Catalog) : string.Empty);
            AtomicFile.WriteAllText(context.Paths.Summary, summary);
            if (environment.Get("GITHUB_STEP_SUMMARY") is { Length: > 0 } step)
            {
                File.AppendAllText(step, summary);
            }

            context.Log.Information($"Wrote {Path.GetRelativePath(context.Root, context.Paths.Summary)}.");
        }
        catch (CakeException)
        {
            // The catalog itself is broken: the error above already says so, and there is nothing to summarise.
        }
    }

    private static Catalog.Catalog LoadCatalog(BuildContext context)
    {
        try
        {
            var result = CatalogLoader.Load(
                context.Options.Catalog,
                new CatalogLoadOptions(context.Root, context.Env.Lookup, Strict: context.Options.Mode == BuildMode.Ci));
            foreach (var warning in result.Warnings)
            {
                context.Log.Warning(warning.ToString());
                Annotate(context, "warning", warning, "Kiln catalog");
            }

            return result.Catalog;
        }
        catch (InputException ex)
        {
            foreach (var error in ex.Errors)
            {
                Annotate(context, "error", error, "Kiln catalog");
            }

            throw new CakeException(1, ex.Message);
        }
    }

    /// <summary>The fleet beside the catalog, checked against it (only the manifest: the services' code is not needed here).</summary>
    private static Fleet.ResolvedFleet? LoadFleet(BuildContext context)
    {
        try
        {
            if (Fleet.FleetLoader.Locate(context.Catalog.Directory, context.Root) is not { } path)
            {
                return null;
            }

            // Strict in CI mode, as the catalog: an infrastructure image not pinned by digest fails CI, and only warns locally.
            var read = Fleet.FleetLoader.LoadAll(path, context.Root, strict: context.Options.Mode == BuildMode.Ci);
            foreach (var warning in read.Warnings)
            {
                context.Log.Warning(warning.ToString());
                Annotate(context, "warning", warning, "Kiln fleet");
            }

            // The catalog checks run on what the manifest's reader kept, so one round reports both kinds of error.
            return read.Fleet is null
                ? throw new InputException(read.Errors, "the fleet")
                : Fleet.FleetValidator.Resolve(read.Fleet, context.Catalog, read.Errors);
        }
        catch (InputException ex)
        {
            foreach (var error in ex.Errors)
            {
                Annotate(context, "error", error, "Kiln fleet");
            }

            throw new CakeException(1, ex.Message);
        }
    }

    private static void Annotate(BuildContext context, string level, InputError problem, string title)
    {
        if (!context.IsGitHubActions)
        {
            return;
        }

        var text = $"{(problem.Subject is null ? string.Empty : $"{problem.SubjectKind} '{problem.Subject}': ")}{problem.Message} {problem.Fix}";
        var at = new GitHubActionsAnnotation { Title = title, File = problem.Where?.File, StartLine = problem.Where?.Line, StartColumn = problem.Where?.Column };
        var commands = context.GitHubActions().Commands;
        if (level == "error")
        {
            commands.Error(text, at);
        }
        else
        {
            commands.Warning(text, at);
        }
    }
}

/// <summary>In GitHub Actions each task is a collapsible log group.</summary>
public sealed class BuildTaskLifetime : FrostingTaskLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ITaskSetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (context.IsGitHubActions)
        {
            context.GitHubActions().Commands.StartGroup(info.Task.Name);
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsGitHubActions)
        {
            context.GitHubActions().Commands.EndGroup();
        }
    }
}
