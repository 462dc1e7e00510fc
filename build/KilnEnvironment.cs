namespace Build;

/// <summary>
/// The process environment as the run sees it, read at the edge and handed to domain code as a lookup. Tests give
/// the host their own values (ConfigureServices) instead of mutating the process environment.
/// </summary>
public sealed class KilnEnvironment(IReadOnlyDictionary<string, string?>? overrides = null)
{
    private readonly IReadOnlyDictionary<string, string?> _overrides = overrides ?? new Dictionary<string, string?>();

    public string? Get(string name) =>
        _overrides.TryGetValue(name, out var value) ? value : System.Environment.GetEnvironmentVariable(name);

    public Func<string, string?> Lookup => Get;

    public bool IsGitHubActions => string.Equals(Get("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);
}
