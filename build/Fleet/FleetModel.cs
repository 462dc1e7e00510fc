using Build.Catalog;

namespace Build.Fleet;

/// <summary>What a service needs from its family (spec 002 §F, the "needs" column).</summary>
public enum FleetNeed
{
    Cpu,
    Gpu,
    Web,
    Audio,
    Vision,
}

public enum FleetCheckKind
{
    Tcp,
    Http,
}

/// <summary>Healthcheck timing; the same values go into the Dockerfile HEALTHCHECK and the Compose healthcheck.</summary>
public sealed record FleetHealthTiming(string Interval, string Timeout, string StartPeriod, string StartInterval, int Retries)
{
    public static FleetHealthTiming Default { get; } = new("30s", "5s", "30s", "2s", 3);
}

/// <summary>The service's readiness check: a TCP connect or an HTTP GET on its health port (inside the container).</summary>
public sealed record FleetHealth(FleetCheckKind Check, int Port, string? Path, FleetHealthTiming Timing)
{
    /// <summary>The argument kiln-healthcheck takes for this check.</summary>
    public string Argument => Check == FleetCheckKind.Tcp ? $"tcp:{Port}" : $"http:http://127.0.0.1:{Port}{Path}";
}

/// <summary>A mount: a named volume (models, data) or a host path. Models and data are mounted, never baked.</summary>
public sealed record FleetVolume(string Source, string Target, bool ReadOnly)
{
    public bool IsNamed => !Source.StartsWith('/') && !Source.StartsWith('.');

    public override string ToString() => $"{Source}:{Target}{(ReadOnly ? ":ro" : string.Empty)}";
}

/// <summary>A host as the fleet sees it: its port offset (spec 002 §F PORT_OFFSET) and its GPU's compute capability.</summary>
public sealed record FleetMachine(string Name, int PortOffset, string? ComputeCapability, SourceSpan Source);

/// <summary>
/// One row of the fleet table. Paths are relative to the fleet's source_root. The image holds the entrypoint's
/// import closure (found by analysing its imports) plus the <see cref="Files"/> globs: nothing else of the code.
/// </summary>
public sealed record FleetService(
    string Name,
    IReadOnlyList<string> Machines,
    IReadOnlyList<FleetNeed> Needs,
    string Family,
    string Entrypoint,
    IReadOnlyList<string> Files,
    IReadOnlyList<int> Ports,
    FleetHealth Health,
    IReadOnlyList<EnvVar> Env,
    IReadOnlyList<FleetVolume> Volumes,
    string? RequirementsLock,
    IReadOnlyList<string> DependsOn,
    string? Notes,
    bool DockerSocket,
    string? Confirm,
    SourceSpan Source,
    IReadOnlyDictionary<string, SourceSpan> KeySpans)
{
    /// <summary>Where a key's value was written, else the service itself: errors point at the line to fix.</summary>
    public SourceSpan At(string key) => KeySpans.TryGetValue(key, out var span) ? span : Source;

    public bool Has(FleetNeed need) => Needs.Contains(need);

    /// <summary>The entry as a hash input: positions removed, so moving or commenting lines rebuilds nothing.</summary>
    public FleetService WithoutPositions() =>
        this with { Source = new SourceSpan(string.Empty, 0, 0), KeySpans = new SortedDictionary<string, SourceSpan>(StringComparer.Ordinal) };
}

/// <summary>The fleet manifest after loading (positions kept; catalog checks come in <see cref="FleetValidator"/>).</summary>
public sealed record Fleet(
    string File,
    string SourceRoot,
    string DeployDir,
    string? Wheelhouse,
    IReadOnlyDictionary<string, FleetMachine> Machines,
    IReadOnlyList<FleetService> Services)
{
    /// <summary>Import roots relative to source_root, '.' first: each is on the image's PYTHONPATH under /app.</summary>
    public IReadOnlyList<string> PythonPath { get; init; } = ["."];

    /// <summary>The fleet's module → distribution overrides for import names the built-in table gets wrong.</summary>
    public IReadOnlyDictionary<string, string> ModuleMap { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A service lock's generated requirements input: the lock path with '.in' for '.lock'.</summary>
    public static string InputsPath(string lockPath) =>
        (lockPath.EndsWith(".lock", StringComparison.Ordinal) ? lockPath[..^5] : lockPath) + ".in";

    public FleetService Get(string name) => Services.FirstOrDefault(s => s.Name == name)
        ?? throw new KeyNotFoundException($"No service '{name}' in {File}.");

    public IReadOnlyList<FleetService> On(string machine) => Services.Where(s => s.Machines.Contains(machine)).ToList();
}

/// <summary>One problem in a fleet manifest: where, which service (and machine), what is wrong, and what to do.</summary>
public sealed record FleetError(SourceSpan? Where, string? Service, string Message, string Fix)
{
    public override string ToString()
    {
        var where = Where is null ? string.Empty : $"{Where}: ";
        var service = Service is null ? string.Empty : $"service '{Service}': ";
        return $"{where}{service}{Message} {Fix}".TrimEnd();
    }
}

/// <summary>Every problem in the fleet at once, so a user fixes them in one round.</summary>
public sealed class FleetException : Exception
{
    public FleetException()
        : this([])
    {
    }

    public FleetException(string message)
        : base(message)
    {
        Errors = [new FleetError(null, null, message, string.Empty)];
    }

    public FleetException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new FleetError(null, null, message, string.Empty)];
    }

    public FleetException(IReadOnlyList<FleetError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<FleetError> Errors { get; }

    private static string Format(IReadOnlyList<FleetError> errors) =>
        errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} problems in the fleet:\n" + string.Join('\n', errors.Select(e => "  " + e));
}
