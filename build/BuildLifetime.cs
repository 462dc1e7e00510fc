using Build.Host;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build;

public sealed class BuildLifetime : FrostingLifetime<BuildContext>
{
    public override void Setup(BuildContext context, ISetupContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        context.PlannedTasks = info.TasksToExecute.Select(t => t.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        context.Log.Verbose($"Kiln: mode={context.Options.Mode}, catalog={context.Options.Catalog}, artifacts={context.Options.Artifacts}");
    }

    /// <summary>The CI target's summary is written here, so it also exists when a step threw.</summary>
    public override void Teardown(BuildContext context, ITeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(info);
        if (!context.DeferFailures)
        {
            return;
        }

        var failures = context.Failures.ToList();
        if (info.ThrownException is { } ex && !failures.Any(f => ex.Message.Contains(f, StringComparison.Ordinal)))
        {
            failures.Add((ex.InnerException ?? ex).Message);
        }

        var artifacts = context.ArtifactsDirectory.FullPath;
        T? Read<T>(string file, Func<string, T> parse)
            where T : class
        {
            var path = Path.Combine(artifacts, file);
            return File.Exists(path) && File.GetLastWriteTimeUtc(path) >= context.StartedAt ? parse(File.ReadAllText(path)) : null;
        }

        try
        {
            var summary = Reports.RunSummary.Render(
                context.Catalog,
                context.BakeResult,
                Read("cve-report.json", Gates.CveReport.FromJson),
                Read("size-report.json", Gates.SizeReport.FromJson),
                Read("publish.json", Publishing.PublishReport.FromJson),
                failures);
            IO.AtomicFile.WriteAllText(Path.Combine(artifacts, "summary.md"), summary);
            if (Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY") is { Length: > 0 } step)
            {
                File.AppendAllText(step, summary);
            }

            context.Log.Information("Wrote artifacts/summary.md.");
        }
        catch (Cake.Core.CakeException)
        {
            // The catalog itself is broken: the error above already says so, and there is nothing to summarise.
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
            Console.Out.WriteLine($"::group::{info.Task.Name}");
        }
    }

    public override void Teardown(BuildContext context, ITaskTeardownContext info)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsGitHubActions)
        {
            Console.Out.WriteLine("::endgroup::");
        }
    }
}
