using Cake.Cli;
using Cake.Cli.Infrastructure;
using Cake.Core;
using Cake.Core.Configuration;
using Cake.Core.Diagnostics;
using Cake.Core.IO;
using Cake.Core.Scripting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Build.Host;

/// <summary>Runs the build: composes the container, registers tasks on Cake's engine, runs a Cake.Cli script host.</summary>
public sealed class DefaultCommand(CakeHost host) : Command<DefaultCommandSettings>
{
    /// <summary>Exit code for a command line naming a target that does not exist.</summary>
    public const int UnknownTargetExitCode = 2;

    public override int Execute(CommandContext context, DefaultCommandSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var targets = settings.Targets is { Length: > 0 } ? settings.Targets : ["Default"];
        // Cake.Cli puts the targets back into the arguments (Frosting #3291) and trims the leading dashes.
        var remaining = context.Remaining;
        var arguments = remaining.ToCakeArguments(settings.NoReport, targets, parsed => AddBareSwitches(parsed, remaining));

        IServiceCollection services = new ServiceCollection();
        foreach (var descriptor in host.Services)
        {
            services.Add(descriptor);
        }

        host.RunServices?.Invoke(services);

        services.AddSingleton<ICakeArguments>(arguments);
        services.AddSingleton(context.Remaining);
        services.AddSingleton<ICakeConfiguration>(sp => CreateConfiguration(sp, arguments, settings.NoReport));

        using var provider = services.BuildServiceProvider();
        var log = provider.GetRequiredService<ICakeLog>();
        try
        {
            return Execute(provider, log, settings, targets);
        }
        finally
        {
            foreach (var line in provider.GetRequiredService<HostEpilogue>().Lines)
            {
                Console.Out.WriteLine(line);
            }
        }
    }

    private int Execute(ServiceProvider provider, ICakeLog log, DefaultCommandSettings settings, string[] targets)
    {
        try
        {
            var console = provider.GetRequiredService<IConsole>();
            if (settings.Version)
            {
                provider.GetRequiredService<VersionFeature>().Run(console);
                return 0;
            }

            if (settings.Info)
            {
                provider.GetRequiredService<InfoFeature>().Run(console);
                return 0;
            }

            log.Verbosity = settings.Verbosity;
            SetWorkingDirectory(provider, settings.WorkingDirectory ?? host.WorkingDirectory);

            var taskTypes = host.DiscoverTasks();
            var tasks = taskTypes.Select(t => (IFrostingTask)ActivatorUtilities.CreateInstance(provider, t)).ToList();
            var engine = provider.GetRequiredService<ICakeEngine>();
            var frostingContext = provider.GetRequiredService<IFrostingContext>();
            TaskRegistrar.Register(engine, tasks, log);
            TaskRegistrar.RegisterLifetimes(engine, frostingContext, provider);

            ScriptHost scriptHost;
            if (settings.Tree)
            {
                scriptHost = provider.GetRequiredService<TreeScriptHost>();
            }
            else if (settings.Description)
            {
                scriptHost = provider.GetRequiredService<DescriptionScriptHost>();
            }
            else
            {
                var unknown = targets.Where(t => !engine.Tasks.Any(k => string.Equals(k.Name, t, StringComparison.OrdinalIgnoreCase))).ToList();
                if (unknown.Count > 0)
                {
                    var valid = string.Join(", ", engine.Tasks.Select(k => k.Name).Order(StringComparer.OrdinalIgnoreCase));
                    log.Error("Unknown target {0}. Valid targets: {1}", string.Join(", ", unknown.Select(u => $"'{u}'")), valid);
                    return UnknownTargetExitCode;
                }

                scriptHost = settings.DryRun
                    ? provider.GetRequiredService<DryRunScriptHost<IFrostingContext>>()
                    : provider.GetRequiredService<BuildScriptHost<IFrostingContext>>();
            }

            if (settings.Exclusive)
            {
                scriptHost.Settings.UseExclusiveTarget();
            }

            try
            {
                scriptHost.RunTargetsAsync(targets).GetAwaiter().GetResult();
                if (settings.DryRun)
                {
                    DescribeDryRun(engine, frostingContext, tasks, targets, settings.Exclusive);
                }
            }
            catch (Exception ex) when (IsSkippedTarget(ex, targets))
            {
                // Cake fails a run whose target was skipped by its own ShouldRun; the skip (and its reason, logged
                // by the criteria) is an answer, not an error: "nothing to publish" must exit 0.
                log.Information($"Target {string.Join(", ", targets)} did not run: its ShouldRun said no (reason above).");
            }

            return 0;
        }
#pragma warning disable CA1031 // The host is the last line: every failure becomes an exit code, as in Frosting.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ToExitCode(log, ex);
        }
    }

    /// <summary>Cake wraps a task's failure in <see cref="CakeReportException"/>; keep the task's own exit code.</summary>
    internal static int ToExitCode(ICakeLog log, Exception exception)
    {
        var ex = exception;
        while (true)
        {
            if (ex is AggregateException { InnerExceptions.Count: 1 } aggregate)
            {
                ex = aggregate.InnerExceptions[0];
            }
            else if (ex is CakeReportException { InnerException: { } inner })
            {
                ex = inner;
            }
            else
            {
                break;
            }
        }

        var code = ExceptionLogger.LogException(log, ex);
        return code == 0 ? 1 : code;
    }

    private static void DescribeDryRun(ICakeEngine engine, ICakeContext context, IReadOnlyList<IFrostingTask> tasks, string[] targets, bool exclusive)
    {
        var order = exclusive ? targets : Cake.Core.Graph.CakeGraphBuilder.Build(engine.Tasks.ToList()).Traverse(targets).ToArray();
        foreach (var name in order)
        {
            if (tasks.FirstOrDefault(t => string.Equals(TaskRegistrar.GetTaskName(t.GetType()), name, StringComparison.OrdinalIgnoreCase)) is IDryRunTask dry)
            {
                dry.DryRun(context);
            }
        }
    }

    /// <summary>A bare <c>--force</c> means "true", as in Cake scripts; Cake.Cli drops switches that have no value.</summary>
    private static void AddBareSwitches(IDictionary<string, List<string>> parsed, IRemainingArguments remaining)
    {
        foreach (var group in remaining.Parsed)
        {
            var key = group.Key.TrimStart('-');
            if (key.Length == 0)
            {
                continue;
            }

            var existing = parsed.Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
            if (existing is null)
            {
                parsed[key] = group.Select(v => v ?? "true").ToList();
            }
            else
            {
                var values = parsed[existing];
                for (var i = 0; i < values.Count; i++)
                {
                    values[i] ??= "true";
                }

                if (values.Count == 0)
                {
                    values.Add("true");
                }
            }
        }
    }

    private static bool IsSkippedTarget(Exception? ex, IEnumerable<string> targets)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (targets.Any(t => ex.Message.Contains($"Could not reach target '{t}' since it was skipped due to a criteria", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static void SetWorkingDirectory(IServiceProvider provider, DirectoryPath? requested)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var fileSystem = provider.GetRequiredService<IFileSystem>();
        var path = (requested ?? environment.WorkingDirectory).MakeAbsolute(environment);
        if (!fileSystem.Exist(path))
        {
            throw new FrostingException($"The working directory '{path.FullPath}' does not exist.");
        }

        // Before the context is resolved (Frosting #3190): the context's constructor may read relative paths.
        environment.WorkingDirectory = path;
    }

    private ICakeConfiguration CreateConfiguration(IServiceProvider provider, CakeArguments arguments, bool noReport)
    {
        var environment = provider.GetRequiredService<ICakeEnvironment>();
        var fileSystem = provider.GetRequiredService<IFileSystem>();
        // --section_key=value on the command line overrides cake.config and CAKE_* (Frosting #4687: no dashes).
        var fromArguments = arguments.GetArguments()
            .Where(kv => kv.Value.Count > 0)
            .ToDictionary(kv => kv.Key, kv => kv.Value.Last(), StringComparer.OrdinalIgnoreCase);
        if (noReport)
        {
            // What Cake.Cli's BuildScriptHost reads to skip the summary table.
            fromArguments["Settings_NoReport"] = "true";
        }

        return new CakeConfigurationProvider(fileSystem, environment)
            .CreateConfiguration(environment.WorkingDirectory, host.Settings, fromArguments);
    }
}
