using Build.Registry;

namespace Build.Services;

/// <summary>The run's registry client and credentials, made once from the mode and the environment.</summary>
public sealed class Registries(BuildContext context, KilnEnvironment environment) : IDisposable
{
    private OciRegistryClient? _client;

    public OciRegistryClient Client => _client ??= new OciRegistryClient(new RegistryClientOptions
    {
        Credentials = RegistryCredentials.FromEnvironment(environment.Lookup),
        // Locally an unreachable registry should cost seconds, not minutes (the catalog is hashed offline too).
        MaxRetries = context.Options.Mode == BuildMode.Ci ? 3 : 1,
        AttemptTimeout = TimeSpan.FromSeconds(context.Options.Mode == BuildMode.Ci ? 15 : 5),
        InsecureRegistries = (environment.Get("KILN_INSECURE_REGISTRIES") ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase),
    });

    /// <summary>Registry credentials from the environment or Docker's config (never argv).</summary>
    public RegistryCredential? Credential(string registry) => RegistryCredentials.FromEnvironment(environment.Lookup)(registry);

    public void Dispose() => _client?.Dispose();
}
