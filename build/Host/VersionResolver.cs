using System.Reflection;
using Cake.Cli;

namespace Build.Host;

/// <summary>Cake.Cli's resolver reads the file version of the entry assembly and says "Unknown" for ours.</summary>
internal sealed class HostVersionResolver : IVersionResolver
{
    private static readonly Assembly App = Assembly.GetEntryAssembly() ?? typeof(HostVersionResolver).Assembly;

    public string GetVersion() => App.GetName().Version?.ToString(3) ?? "0.0.0";

    public string GetProductVersion() =>
        App.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? GetVersion();
}
