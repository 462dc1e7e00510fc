using Build.Catalog;

namespace Build.Fleet;

/// <summary>The kinds of <see cref="FleetLink"/>: a depends_on entry, or infrastructure a service uses.</summary>
public static class FleetLinkKind
{
    public const string DependsOn = "depends_on";
    public const string Uses = "uses";
}

/// <summary>
/// What a service on one machine reaches and how: the target (a service or infrastructure), the machine it is reached
/// on, the host and port it is reached at (the Compose service name and container port on the same machine; the other
/// machine's address and host port across machines) and the variable that carries it.
/// </summary>
public sealed record FleetLink(string Service, string Machine, string Kind, string Target, string TargetMachine, string Host, int Port, string Variable)
{
    public bool CrossMachine => Machine != TargetMachine;

    /// <summary>host:port, with an IPv6 address in brackets.</summary>
    public string Endpoint => FleetWiring.HostPort(Host, Port);

    public override string ToString() => $"{Service}@{Machine} → {Target}@{TargetMachine} {Endpoint}";

    /// <summary>The link as the fleet and deploy reports list it: a Markdown bullet naming the variable that carries it.</summary>
    public string MarkdownLine() => $"- {this} (`{Variable}`)\n";
}

/// <summary>
/// How the fleet's containers find each other and what they are granted, from the manifest alone: the Compose files,
/// the fleet report and Deploy all read it here, so they cannot disagree.
/// </summary>
public static class FleetWiring
{
    public const string PeerPrefix = "KILN_PEER_";

    public const string DockerSocket = "/var/run/docker.sock";

    /// <summary>Where every service's cache volume is mounted: the only writable place besides /tmp and its data volumes.</summary>
    public const string CacheDir = "/cache";

    public const string ModelsTarget = "/models";

    /// <summary>Where the sound devices appear inside the container, whatever the host calls its folder.</summary>
    public const string SoundTarget = "/dev/snd";

    public const string DefaultSoundDevice = "/dev/snd";

    /// <summary>Caches that libraries write by default under $HOME, which is read-only here.</summary>
    public static IReadOnlyList<EnvVar> CacheEnv { get; } =
    [
        new("HF_HOME", CacheDir + "/huggingface"),
        new("TORCH_HOME", CacheDir + "/torch"),
        new("XDG_CACHE_HOME", CacheDir),
    ];

    /// <summary>KILN_PEER_&lt;SERVICE&gt;: host:port of a dependency.</summary>
    public static string PeerVariable(string service) => PeerPrefix + NamePattern.VariableSuffix(service);

    /// <summary>The named volume of a service's cache (lower case: Compose volume names are conventionally so, and unique per project).</summary>
    public static string CacheVolume(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.ToLowerInvariant() + "-cache";
    }

    /// <summary>The port a dependency is reached at: its first port, else its health port.</summary>
    public static int ServicePort(FleetService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.Ports.Count > 0 ? service.Ports[0] : service.Health.Port;
    }

    public static string HostPort(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        return (host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host) + ":" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A service's links on one machine: its depends_on entries, then the infrastructure it uses (each sorted by name).
    /// A target that runs on this machine too is reached here; otherwise on the first machine it lists.
    /// </summary>
    public static IReadOnlyList<FleetLink> Links(Fleet fleet, FleetService service, string machine)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        var links = new List<FleetLink>();
        foreach (var dep in service.DependsOn.Order(StringComparer.Ordinal))
        {
            if (fleet.Named(dep) is { Machines.Count: > 0 } target)
            {
                links.Add(Link(fleet, service, machine, FleetLinkKind.DependsOn, dep, target.Machines, ServicePort(target), PeerVariable(dep)));
            }
        }

        foreach (var use in service.Uses.Order(StringComparer.Ordinal))
        {
            if (fleet.InfrastructureNamed(use) is { Machines.Count: > 0 } infra)
            {
                links.Add(Link(fleet, service, machine, FleetLinkKind.Uses, use, infra.Machines, infra.Port, infra.UrlVariable));
            }
        }

        return links;
    }

    /// <summary>Every link that crosses machines, by service, machine and target: what Compose cannot wait for.</summary>
    public static IReadOnlyList<FleetLink> CrossMachine(Fleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return fleet.Services.SelectMany(s => s.Machines.SelectMany(m => Links(fleet, s, m))).Where(l => l.CrossMachine).ToList();
    }

    /// <summary>
    /// What a service is granted on a machine beyond the hardened default, each from the key that declares it: the
    /// Docker socket and its group (docker_socket), the sound device and its group (audio_device), the GPUs (a GPU
    /// family), the models folder (models) and every host folder it binds (volumes). The fleet report and Deploy list
    /// exactly these; <paramref name="devices"/> and <paramref name="gpu"/> are off when Deploy drops them.
    /// </summary>
    public static IReadOnlyList<string> Privileges(FleetMachine machine, FleetService service, bool devices = true, bool gpu = false)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(service);
        var grants = new List<string>();
        if (service.DockerSocket)
        {
            grants.Add("Docker socket " + DockerSocket);
            grants.Add($"group {Gid(machine.DockerGid)} (docker_gid)");
        }

        if (service.AudioDevice && devices)
        {
            grants.Add($"device {machine.SoundDevice ?? DefaultSoundDevice}");
            grants.Add($"group {Gid(machine.AudioGid)} (audio_gid)");
        }

        if (gpu)
        {
            grants.Add("GPU (every NVIDIA device)");
        }

        if (service.Models && machine.ModelsDir is { } models)
        {
            grants.Add($"host folder {models} at {ModelsTarget}, read-only (models_dir)");
        }

        grants.AddRange(HostFolders(service.Volumes));
        return grants;
    }

    /// <summary>The host folders among a service's or infrastructure entry's volumes, as privileges.</summary>
    public static IReadOnlyList<string> HostFolders(IEnumerable<FleetVolume> volumes)
    {
        ArgumentNullException.ThrowIfNull(volumes);
        return volumes.Where(v => !v.IsNamed)
            .Select(v => $"{(v.IsRelative ? "repository folder" : "host folder")} {v.Source} at {v.Target}{(v.ReadOnly ? ", read-only" : ", writable")} (volumes)")
            .ToList();
    }

    /// <summary>The extra groups a service's container joins on a machine (the socket's, then the sound devices').</summary>
    public static IReadOnlyList<int> Groups(FleetMachine machine, FleetService service, bool devices = true)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(service);
        var groups = new List<int>();
        if (service.DockerSocket && machine.DockerGid is { } docker)
        {
            groups.Add(docker);
        }

        if (service.AudioDevice && devices && machine.AudioGid is { } audio && !groups.Contains(audio))
        {
            groups.Add(audio);
        }

        return groups;
    }

    private static string Gid(int? gid) => gid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";

    private static FleetLink Link(Fleet fleet, FleetService service, string machine, string kind, string target, IReadOnlyList<string> targetMachines, int port, string variable)
    {
        if (targetMachines.Contains(machine))
        {
            return new FleetLink(service.Name, machine, kind, target, machine, target, port, variable);
        }

        var there = fleet.Machines[targetMachines[0]];

        // The loader refuses a cross-machine link to a machine without an address; a fleet built another way is a bug.
        var address = there.Address ?? throw new InvalidOperationException($"Machine '{there.Name}' has no address, but {service.Name} on {machine} reaches {target} there.");
        return new FleetLink(service.Name, machine, kind, target, there.Name, address, port + there.PortOffset, variable);
    }
}
