using Build.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Build.Services;

public static class ServiceRegistration
{
    /// <summary>The services tasks take by constructor: the environment, the registry, the prechecks, the hashing.</summary>
    public static CakeHost UseKilnServices(this CakeHost host, KilnEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.ConfigureServices(s =>
        {
            s.AddSingleton(environment ?? new KilnEnvironment());
            s.AddSingleton<Registries>();
            s.AddSingleton<Prechecks>();
            s.AddSingleton<HashResolver>();
            s.AddSingleton<RunClock>();
            s.AddSingleton<Explanations>();
            s.TryAddSingleton<RunOutput>();
            s.TryAddSingleton<Tools.IProcessRunner, Tools.ProcessRunner>();
        });
    }
}
