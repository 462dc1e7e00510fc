using System.Runtime.CompilerServices;
using Build.Catalog;

namespace Build.Fleet;

/// <summary>What a service needs from its family: each need must be something the family provides.</summary>
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

    /// <summary>A host folder given by its path relative to the Compose file's folder (&lt;deploy_dir&gt;/&lt;machine&gt;).</summary>
    public bool IsRelative => Source.StartsWith('.');

    /// <summary>The key under which the entry's own position is kept with its owner's key positions (the n-th volume).</summary>
    public static string SpanKey(int index) => "volumes[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    public override string ToString() => $"{Source}:{Target}{(ReadOnly ? ":ro" : string.Empty)}";
}

/// <summary>
/// A host as the fleet sees it: its port offset (added to every host port it publishes), its GPU's compute capability, how the other
/// machines reach it, and the host resources its services may be granted (each grant names a number or path of this
/// host, so nothing is guessed inside a container).
/// </summary>
public sealed record FleetMachine(string Name, int PortOffset, string? ComputeCapability, SourceSpan Source)
{
    /// <summary>The host name or IP the other machines reach this one by: cross-machine peers and infrastructure URLs use it.</summary>
    public string? Address { get; init; }

    /// <summary>The group owning the host's Docker socket: a socket-mounting service joins it instead of running as root.</summary>
    public int? DockerGid { get; init; }

    /// <summary>The host folder bound read-only at /models for services with 'models: true'.</summary>
    public string? ModelsDir { get; init; }

    /// <summary>The group owning the host's sound devices.</summary>
    public int? AudioGid { get; init; }

    /// <summary>The host's sound device folder; /dev/snd when the machine has an audio_gid and says nothing else.</summary>
    public string? SoundDevice { get; init; }

    /// <summary>The host address ports are published on (one interface, e.g. the LAN's); all interfaces when unset.</summary>
    public string? PublishIp { get; init; }

    /// <summary>
    /// The host folders this machine lets its services bind (with everything below them): a host path in a volume
    /// must be one of these or under one, or under <see cref="ModelsDir"/>. Nothing else of the host is reachable.
    /// </summary>
    public IReadOnlyList<string> HostPaths { get; init; } = [];

    /// <summary>Every host folder a volume may bind on this machine: host_paths, then models_dir.</summary>
    public IReadOnlyList<string> AllowedHostFolders => ModelsDir is null ? HostPaths : [.. HostPaths, ModelsDir];

    /// <summary>A published port as Compose writes it: [ip:]host:container.</summary>
    public string Publish(int hostPort, int containerPort) =>
        (PublishIp is null ? string.Empty : (PublishIp.Contains(':', StringComparison.Ordinal) ? $"[{PublishIp}]:" : PublishIp + ":"))
        + hostPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + containerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A server the services use but Kiln does not build (today: a Redis server), run from a pinned image on its machines
/// with the same hardening as the services. Services reach it through &lt;NAME&gt;_URL.
/// </summary>
public sealed record FleetInfrastructure(
    string Name,
    string Image,
    IReadOnlyList<string> Machines,
    int Port,
    IReadOnlyList<FleetVolume> Volumes,
    IReadOnlyList<string> HealthCommand,
    FleetHealthTiming Timing,
    string User,
    IReadOnlyList<string>? Command,
    string? PasswordSecret,
    SourceSpan Source,
    IReadOnlyDictionary<string, SourceSpan> KeySpans)
{
    public SourceSpan At(string key) => KeySpans.TryGetValue(key, out var span) ? span : Source;

    /// <summary>&lt;NAME&gt;_URL: what a service that uses it reads (redis://host:port/0).</summary>
    public string UrlVariable => NamePattern.VariableSuffix(Name) + "_URL";

    /// <summary>&lt;NAME&gt;_PASSWORD_FILE: where a service that uses it finds the password (only with a password_secret).</summary>
    public string PasswordFileVariable => NamePattern.VariableSuffix(Name) + "_PASSWORD_FILE";

    /// <summary>The deployer's environment variable Compose reads the password from: it is never in a file.</summary>
    public string? SecretVariable => PasswordSecret is null ? null : SecretVariableFor(PasswordSecret);

    public string? SecretPath => PasswordSecret is null ? null : "/run/secrets/" + PasswordSecret;

    public static string SecretVariableFor(string secret) => "KILN_SECRET_" + NamePattern.VariableSuffix(secret);

    public string Url(string hostPort) => $"redis://{hostPort}/0";
}

/// <summary>An open design question kept in the manifest with the decision Kiln currently makes for it.</summary>
public sealed record FleetQuestion(string Id, string Question, string Decision, string DecidedBy, SourceSpan Source);

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
    /// <summary>The infrastructure entries it reaches (&lt;NAME&gt;_URL, and the password file when there is one).</summary>
    public IReadOnlyList<string> Uses { get; init; } = [];

    /// <summary>Binds its machine's models_dir read-only at /models.</summary>
    public bool Models { get; init; }

    /// <summary>Gets its machine's sound device and audio group.</summary>
    public bool AudioDevice { get; init; }

    /// <summary>A GPU service with a CPU path: without a matching GPU it runs with KILN_DEVICE=cpu instead of failing.</summary>
    public bool GpuOptional { get; init; }

    /// <summary>Env for one machine only, over the machine defaults and the service's env.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<EnvVar>> MachineEnv { get; init; } = new SortedDictionary<string, IReadOnlyList<EnvVar>>(StringComparer.Ordinal);

    /// <summary>The values of the service keys kept by name (FleetLoader's Setting rows): only those that are set.</summary>
    public IReadOnlyDictionary<string, object> Settings { get; init; } = new SortedDictionary<string, object>(StringComparer.Ordinal);

    /// <summary>Where a key's value was written, else the service itself: errors point at the line to fix.</summary>
    public SourceSpan At(string key) => KeySpans.TryGetValue(key, out var span) ? span : Source;

    public bool Has(FleetNeed need) => Needs.Contains(need);

    public IReadOnlyList<EnvVar> EnvOn(string machine) => MachineEnv.TryGetValue(machine, out var env) ? env : [];
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

    /// <summary>Servers the services use, run beside them (by name).</summary>
    public IReadOnlyList<FleetInfrastructure> Infrastructure { get; init; } = [];

    /// <summary>Open design questions with the decisions in force, in manifest order.</summary>
    public IReadOnlyList<FleetQuestion> Questions { get; init; } = [];

    /// <summary>Problems that are errors only in CI mode (an infrastructure image not pinned by digest).</summary>
    public IReadOnlyList<InputError> Warnings { get; init; } = [];

    /// <summary>Where each top-level key's value was written (source_root, deploy_dir, wheelhouse…).</summary>
    public IReadOnlyDictionary<string, SourceSpan> KeySpans { get; init; } = new SortedDictionary<string, SourceSpan>(StringComparer.Ordinal);

    /// <summary>Where a top-level key was written, else the manifest's first line (the key was left at its default).</summary>
    public SourceSpan At(string key) => KeySpans.TryGetValue(key, out var span) ? span : new SourceSpan(File, 1, 1);

    public FleetInfrastructure? InfrastructureNamed(string name) => Infrastructure.FirstOrDefault(i => i.Name == name);

    /// <summary>A service lock's generated requirements input: the lock path with '.in' for '.lock'.</summary>
    public static string InputsPath(string lockPath) =>
        (lockPath.EndsWith(".lock", StringComparison.Ordinal) ? lockPath[..^5] : lockPath) + ".in";

    public FleetService Get(string name) => Named(name) ?? throw new KeyNotFoundException($"No service '{name}' in {File}.");

    /// <summary>The service of that name, or null; by index, so wiring thousands of services stays linear.</summary>
    public FleetService? Named(string name) => NameIndex.Of(Services, s => s.Name).GetValueOrDefault(name);

    public IReadOnlyList<FleetService> On(string machine) => Services.Where(s => s.Machines.Contains(machine)).ToList();
}

/// <summary>
/// A name index per list, kept beside the list rather than in the record (a field would take part in the record's
/// equality), and built once per list: a 'with' copy that replaces the list gets its own.
/// </summary>
internal static class NameIndex
{
    private static readonly ConditionalWeakTable<object, object> Indexes = [];

    public static Dictionary<string, T> Of<T>(IReadOnlyList<T> items, Func<T, string> name)
        where T : class =>
        (Dictionary<string, T>)Indexes.GetValue(items, _ =>
        {
            var index = new Dictionary<string, T>(items.Count, StringComparer.Ordinal);
            foreach (var item in items)
            {
                index.TryAdd(name(item), item);
            }

            return index;
        });
}

/// <summary>A manifest read as far as it goes: the fleet of what could be read (null when the file itself could not be), and every problem.</summary>
public sealed record FleetRead(Fleet? Fleet, IReadOnlyList<InputError> Errors, IReadOnlyList<InputError> Warnings);
