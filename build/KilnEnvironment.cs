using System.Collections.Concurrent;

namespace Build;

/// <summary>
/// The process environment as the run sees it, read at the edge and handed to domain code as a lookup. Tests give
/// the host their own values (ConfigureServices) instead of mutating the process environment; what the run itself
/// learns (the variables tests/infra/up.sh exports, for the Demo target) is added with <see cref="Learn"/>.
/// </summary>
public sealed class KilnEnvironment(IReadOnlyDictionary<string, string?>? overrides = null)
{
    private readonly ConcurrentDictionary<string, string?> _overrides = new(overrides ?? new Dictionary<string, string?>(), StringComparer.Ordinal);

    /// <summary>The process's own environment: the default of domain code that is not handed a lookup.</summary>
    public static Func<string, string?> Process { get; } = System.Environment.GetEnvironmentVariable;

    public string? Get(string name) =>
        _overrides.TryGetValue(name, out var value) ? value : Process(name);

    public Func<string, string?> Lookup => Get;

    /// <summary>Values the run discovered, for the rest of the run (never written to the process environment).</summary>
    public void Learn(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (name, value) in values)
        {
            _overrides[name] = value;
        }
    }

    public bool IsGitHubActions => string.Equals(Get("GITHUB_ACTIONS"), "true", StringComparison.OrdinalIgnoreCase);
}
