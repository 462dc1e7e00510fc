using System.Reflection;
using Cake.Cli;
using Cake.Common.Modules;
using Cake.Core;
using Cake.Core.IO;
using Cake.Core.Modules;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console.Cli;

namespace Build.Host;

/// <summary>
/// Frosting's <c>CakeHost</c>, rebuilt on Cake.Core/Cake.Cli 7 (the Cake.Frosting package is not obtainable here).
/// The public shape matches Frosting so moving to the package later is a change of <c>using</c> lines.
/// </summary>
public sealed class CakeHost
{
    private readonly List<Assembly> _assemblies = [];
    private readonly List<Type> _explicitTasks = [];

    public CakeHost()
        : this(Assembly.GetEntryAssembly())
    {
    }

    /// <summary>Tests pass null so that only the tasks they add are registered.</summary>
    internal CakeHost(Assembly? entryAssembly)
    {
        if (entryAssembly is not null)
        {
            _assemblies.Add(entryAssembly);
        }

        Services.AddCakeDiagnostics();
        // Only the modules Kiln uses: NuGet/dotnet-tool installers would load NuGet.* at start-up for nothing.
        Services.UseModule<CoreModule>();
        Services.UseModule<CommonModule>();
        Services.AddSingleton<IFrostingContext, FrostingContext>();
        Services.AddSingleton<BuildScriptHost<IFrostingContext>>();
        Services.AddSingleton<DryRunScriptHost<IFrostingContext>>();
        Services.AddSingleton<TreeScriptHost>();
        Services.AddSingleton<DescriptionScriptHost>();
        Services.AddSingleton<IVersionResolver, HostVersionResolver>();
        Services.AddSingleton<VersionFeature>();
        Services.AddSingleton<InfoFeature>();
        Services.AddSingleton<HostEpilogue>();
    }

    public static CakeHost Create() => new();

    internal IServiceCollection Services { get; } = new ServiceCollection();

    internal Type ContextType { get; set; } = typeof(FrostingContext);

    internal DirectoryPath? WorkingDirectory { get; set; }

    internal List<KeyValuePair<string, string>> Settings { get; } = [];

    /// <summary>Services one run adds over the host's (a resident server gives each run its client's output and clock).</summary>
    internal Action<IServiceCollection>? RunServices { get; set; }

    public CakeHost AddAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (!_assemblies.Contains(assembly))
        {
            _assemblies.Add(assembly);
        }

        return this;
    }

    /// <summary>Registers one task type explicitly (tests, or tasks from a type that is not in an added assembly).</summary>
    public CakeHost AddTask(Type taskType)
    {
        ArgumentNullException.ThrowIfNull(taskType);
        _explicitTasks.Add(taskType);
        return this;
    }

    public CakeHost ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Services);
        return this;
    }

    public int Run(IEnumerable<string> args)
    {
        var registrar = new ServiceCollection();
        registrar.AddSingleton(this);
        var app = new CommandApp<DefaultCommand>(new TypeRegistrar(registrar));
        app.Configure(config =>
        {
            config.SetApplicationName("build");
            config.CaseSensitivity(CaseSensitivity.None);
            config.Settings.StrictParsing = false;
            // A bare --force must reach context.Arguments as "true", not vanish.
            config.Settings.ConvertFlagsToRemainingArguments = true;
            config.AddExample("--target=Bake", "--families=cpu-py311");
            config.AddExample("--tree");
            config.AddExample("--target=Demo");
        });
        return app.Run(args);
    }

    /// <summary>Every task type from the added assemblies and explicit registrations, validated.</summary>
    internal IReadOnlyList<Type> DiscoverTasks()
    {
        var found = _assemblies
            .SelectMany(a => a.GetTypes())
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFrostingTask).IsAssignableFrom(t))
            .Concat(_explicitTasks)
            .Distinct()
            .ToList();
        foreach (var type in found)
        {
            TaskRegistrar.Validate(type, ContextType);
        }

        return found;
    }
}
