using Cake.Core.IO;
using Microsoft.Extensions.DependencyInjection;

namespace Build.Host;

public static class CakeHostExtensions
{
    public static CakeHost UseContext<TContext>(this CakeHost host)
        where TContext : class, IFrostingContext
    {
        ArgumentNullException.ThrowIfNull(host);
        host.ContextType = typeof(TContext);
        return host.ConfigureServices(s =>
        {
            s.AddSingleton<TContext>();
            s.AddSingleton<IFrostingContext>(sp => sp.GetRequiredService<TContext>());
        });
    }

    public static CakeHost UseLifetime<TLifetime>(this CakeHost host)
        where TLifetime : class, IFrostingLifetime
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.ConfigureServices(s =>
        {
            s.AddSingleton<TLifetime>();
            s.AddSingleton<IFrostingSetup>(sp => sp.GetRequiredService<TLifetime>());
            s.AddSingleton<IFrostingTeardown>(sp => sp.GetRequiredService<TLifetime>());
        });
    }

    public static CakeHost UseTaskLifetime<TLifetime>(this CakeHost host)
        where TLifetime : class, IFrostingTaskLifetime
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.ConfigureServices(s =>
        {
            s.AddSingleton<TLifetime>();
            s.AddSingleton<IFrostingTaskSetup>(sp => sp.GetRequiredService<TLifetime>());
            s.AddSingleton<IFrostingTaskTeardown>(sp => sp.GetRequiredService<TLifetime>());
        });
    }

    /// <summary>A Cake configuration value, lowest precedence (below cake.config, CAKE_* and --section_key=).</summary>
    public static CakeHost UseCakeSetting(this CakeHost host, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Settings.Add(new(key, value));
        return host;
    }

    /// <summary>The default working directory; <c>--working</c> overrides it.</summary>
    public static CakeHost UseWorkingDirectory(this CakeHost host, DirectoryPath path)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.WorkingDirectory = path;
        return host;
    }

    public static CakeHost AddTask<TTask>(this CakeHost host)
        where TTask : IFrostingTask
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.AddTask(typeof(TTask));
    }
}
