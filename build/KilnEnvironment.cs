using System.Collections.Concurrent;

namespace Build;

/// <summary>
/// The process environment as the run sees it, read at the edge and handed to domain code as a lookup. Tests give
/// the host their own values (ConfigureServices) instead of mutating the process environment; what the run itself
/// learns (the variables tests/infra/up.sh exports, for the Demo target) is added with <see cref="Learn"/>.
/// </summary>
/// <param name="inherited">What child processes start from (null: the process's own environment, read at each start).</param>
public sealed class KilnEnvironment(IReadOnlyDictionary<string, string?>? overrides = null, IReadOnlyDictionary<string, string>? inherited = null)
{
    private readonly ConcurrentDictionary<string, string?> _overrides = new(overrides ?? new Dictionary<string, string?>(), StringComparer.Ordinal);

    /// <summary>The process's own environment: the default of domain code that is not handed a lookup.</summary>
    public static Func<string, string?> Process { get; } = System.Environment.GetEnvironmentVariable;

    public string? Get(string name) =>
        _overrides.TryGetValue(name, out var value) ? value : Process(name);

    public Func<string, string?> Lookup => Get;

    /// <summary>
    /// The environment a child process starts from: the process's own, as a shell would pass it. The overrides and
    /// learned values are the run's lookups, not exported: a child gets one only where its caller passes it
    /// (ProcessOptions.Environment, e.g. DockerEngine.CliEnvironment), so what children inherit is what they always did.
    /// </summary>
    public IReadOnlyDictionary<string, string> Inherited()
    {
        if (inherited is not null)
        {
            return inherited;
        }

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        return variables;
    }

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
