using System.Reflection;
using Cake.Core;
using Cake.Core.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Build.Host;

/// <summary>Maps Frosting-shaped tasks onto Cake.Core's engine, loudly refusing what Frosting silently skipped.</summary>
internal static class TaskRegistrar
{
    public static string GetTaskName(Type type) =>
        type.GetCustomAttribute<TaskNameAttribute>()?.Name ?? type.Name;

    /// <summary>Frosting skipped non-public tasks and tasks of another context type with a warning; those are errors here.</summary>
    public static void Validate(Type type, Type contextType)
    {
        if (!typeof(IFrostingTask).IsAssignableFrom(type))
        {
            throw new FrostingException($"'{type.FullName}' is not a task: it does not implement IFrostingTask.");
        }

        if (!type.IsVisible)
        {
            throw new FrostingException(
                $"Task '{GetTaskName(type)}' ({type.FullName}) is not public. Tasks must be public classes so the host can register them; make it public.");
        }

        var taskContext = GetContextType(type);
        if (!taskContext.IsAssignableFrom(contextType))
        {
            throw new FrostingException(
                $"Task '{GetTaskName(type)}' ({type.FullName}) runs on context '{taskContext.Name}', but the host's context is '{contextType.Name}', which is not a '{taskContext.Name}'. Derive the task from FrostingTask<{contextType.Name}> or register a matching context with UseContext<T>().");
        }
    }

    public static void Register(ICakeEngine engine, IReadOnlyList<IFrostingTask> tasks, ICakeLog log)
    {
        var names = tasks.Select(t => GetTaskName(t.GetType())).ToList();
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FrostingException($"Two tasks are named '{duplicate.Key}'. Task names must be unique.");
        }

        var builders = new Dictionary<string, CakeTaskBuilder>(StringComparer.OrdinalIgnoreCase);
        foreach (var task in tasks)
        {
            var type = task.GetType();
            var name = GetTaskName(type);
            var builder = builders[name] = engine.RegisterTask(name);

            var description = type.GetCustomAttribute<TaskDescriptionAttribute>()?.Description;
            if (!string.IsNullOrWhiteSpace(description))
            {
                builder.Description(description);
            }

            if (IsOverridden(type, "Run") || IsOverridden(type, "RunAsync"))
            {
                builder.Does(task.RunAsync);
            }

            if (IsOverridden(type, "ShouldRun"))
            {
                builder.WithCriteria(ctx =>
                {
                    if (task.ShouldRun(ctx))
                    {
                        return true;
                    }

                    // Read after ShouldRun so the reason can describe what ShouldRun found.
                    var reason = task.SkippedMessage;
                    log.Information(string.IsNullOrWhiteSpace(reason) ? $"Skipping {name}." : $"Skipping {name}: {reason}");
                    return false;
                });
            }

            if (type.GetCustomAttribute<ContinueOnErrorAttribute>() is not null)
            {
                builder.ContinueOnError();
            }

            if (IsOverridden(type, "OnError"))
            {
                // Unlike Cake/Frosting, OnError observes a failure and does not swallow it: a task that overrides
                // OnError to log must not turn a failed build green. [ContinueOnError] is the explicit way to go on.
                builder.OnError((exception, ctx) =>
                {
                    task.OnError(exception, ctx);
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception).Throw();
                });
            }

            if (IsOverridden(type, "Finally"))
            {
                builder.Finally(ctx => task.Finally(ctx));
            }

            foreach (var dependency in type.GetCustomAttributes<IsDependentOnAttribute>())
            {
                builder.IsDependentOn(DependencyName(type, dependency.Task));
            }
        }

        // [IsDependeeOf(X)] is written as X's dependency, so X's graph — and --tree — is the same as if X declared it
        // (Cake's tree shows only declared dependencies, and Frosting's dependee support was long broken).
        foreach (var task in tasks)
        {
            var type = task.GetType();
            foreach (var dependee in type.GetCustomAttributes<IsDependeeOfAttribute>())
            {
                var target = DependencyName(type, dependee.Task);
                if (!builders.TryGetValue(target, out var dependeeBuilder))
                {
                    throw new FrostingException($"Task '{GetTaskName(type)}' is a dependee of '{target}', which is not registered.");
                }

                dependeeBuilder.IsDependentOn(GetTaskName(type));
            }
        }
    }

    public static void RegisterLifetimes(ICakeEngine engine, ICakeContext context, IServiceProvider provider)
    {
        if (provider.GetService<IFrostingSetup>() is { } setup)
        {
            engine.RegisterSetupAction(info => setup.Setup(context, info));
        }

        if (provider.GetService<IFrostingTeardown>() is { } teardown)
        {
            engine.RegisterTeardownAction(info => teardown.Teardown(context, info));
        }

        if (provider.GetService<IFrostingTaskSetup>() is { } taskSetup)
        {
            engine.RegisterTaskSetupAction(info => taskSetup.Setup(context, info));
        }

        if (provider.GetService<IFrostingTaskTeardown>() is { } taskTeardown)
        {
            engine.RegisterTaskTeardownAction(info => taskTeardown.Teardown(context, info));
        }
    }

    private static string DependencyName(Type task, Type dependency)
    {
        if (!typeof(IFrostingTask).IsAssignableFrom(dependency))
        {
            throw new FrostingException($"Task '{GetTaskName(task)}' depends on '{dependency.FullName}', which is not a task.");
        }

        return GetTaskName(dependency);
    }

    private static Type GetContextType(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(FrostingTask<>) || t.GetGenericTypeDefinition() == typeof(AsyncFrostingTask<>)))
            {
                return t.GetGenericArguments()[0];
            }
        }

        return typeof(ICakeContext);
    }

    /// <summary>Frosting's rule: a member counts only if the task overrides it (a task with only dependencies has no action).</summary>
    private static bool IsOverridden(Type type, string method) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Any(m => m.Name == method && m.GetBaseDefinition().DeclaringType != m.DeclaringType && m.DeclaringType != typeof(object));
}
