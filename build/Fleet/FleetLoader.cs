using System.Globalization;
using System.Text.RegularExpressions;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Fleet;

/// <summary>
/// Reads fleet.yaml into a <see cref="Fleet"/>: every structural problem is collected with file, line, column,
/// service and fix. Needs nothing but the manifest (no catalog, no service code), so CI validates the real fleet
/// without the fleet's repository; catalog checks are <see cref="FleetValidator"/>'s.
/// </summary>
public static partial class FleetLoader
{
    internal static readonly string[] TopLevelKeys = ["version", "source_root", "deploy_dir", "wheelhouse", "python_path", "module_map", "defaults", "machines", "infrastructure", "services", "questions"];

    /// <summary>
    /// A service key: read by <see cref="ReadService"/> into a field of <see cref="FleetService"/> (no
    /// <paramref name="Read"/>), or — a key kept by name — by its row's <paramref name="Read"/> into
    /// <see cref="FleetService.Settings"/> (null: unset, or invalid with the error recorded). Adding a key of the second
    /// kind is one row here plus its consumer, and while it is unset it is in no service's hash.
    /// </summary>
    internal sealed record ServiceKey(string Name, Func<FleetFields, YMapping, string, object?>? Read = null);

    private static ServiceKey Setting<T>(Setting<T> setting, Func<FleetFields, YMapping, string, T?> read)
        where T : class => new(setting.Name, (y, m, service) => read(y, m, service));

    /// <summary>How long Compose waits after SIGTERM before it kills the service's container (30s, 1m30s).</summary>
    internal static readonly Setting<string> StopGracePeriod = new("stop_grace_period");

    internal static readonly ServiceKey[] ServiceTable =
    [
        .. new[]
        {
            "machines", "needs", "family", "entrypoint", "files", "ports", "health", "env", "volumes", "requirements",
            "depends_on", "notes", "docker_socket", "confirm", "uses", "models", "audio_device", "machine_env", "gpu",
        }.Select(k => new ServiceKey(k)),

        Setting(StopGracePeriod, (y, m, service) => y.Duration(m, StopGracePeriod.Name, service)),

        // No longer read: known here so that its own error (what replaced it) is the only one.
        new("source"),
    ];

    internal static readonly string[] ServiceKeys = [.. ServiceTable.Select(k => k.Name)];

    internal static readonly string[] HealthKeys = ["port", "check", "path", "interval", "timeout", "start_period", "start_interval", "retries"];

    internal static readonly string[] MachineKeys = ["port_offset", "compute_capability", "description", "address", "publish_ip", "docker_gid", "models_dir", "audio_gid", "sound_device", "host_paths"];

    internal static readonly string[] InfrastructureKeys = ["image", "machines", "port", "volumes", "health", "user", "command", "password_secret"];

    internal static readonly string[] InfrastructureHealthKeys = ["cmd", "interval", "timeout", "start_period", "start_interval", "retries"];

    internal static readonly string[] QuestionKeys = ["id", "question", "decision", "decided_by"];

    /// <summary>Who decided a question when the manifest does not say: the default Kiln applies.</summary>
    public const string KilnDefault = "kiln default";

    /// <summary>Where the machines' Compose files go when the fleet names no deploy_dir.</summary>
    public const string DefaultDeployDir = "deploy";

    /// <summary>The value of 'requirements:' that says a service has no lock (it installs nothing beyond its family).</summary>
    public const string NoLock = "none";

    /// <summary>The manifest's one name: Generate, the reports and every message name fleet.yaml.</summary>
    public const string FileName = "fleet.yaml";

    /// <summary>
    /// The fleet beside a catalog (repository-relative), or null when there is none. A 'fleet.yml' is never read
    /// and never silently ignored: alone it is an error asking to rename it, beside a fleet.yaml an error naming both.
    /// </summary>
    public static string? Locate(string catalogDirectory, string repoRoot)
    {
        var yaml = $"{catalogDirectory}/{FileName}";
        var yml = $"{catalogDirectory}/fleet.yml";
        var hasYaml = File.Exists(Path.Combine(repoRoot, yaml));
        if (File.Exists(Path.Combine(repoRoot, yml)))
        {
            throw new InputException([hasYaml
                ? InputError.Service(new SourceSpan(yml, 1, 1), null, $"There are two fleet manifests beside the catalog: {yaml} (the one Kiln reads) and {yml}.", $"Merge what {yml} holds into {yaml} and delete {yml}, so no edit goes to a file that is never read.")
                : InputError.Service(new SourceSpan(yml, 1, 1), null, $"The fleet manifest is named fleet.yml; Kiln reads only {FileName}.", $"Rename it: git mv {yml} {yaml}.")], "the fleet");
        }

        return hasYaml ? yaml : null;
    }

    /// <param name="strict">CI mode: what is only a warning locally (an infrastructure image not pinned by digest) is an error.</param>
    public static Fleet Load(string fleetPath, string repoRoot, bool strict = false) => Valid(LoadAll(fleetPath, repoRoot, strict));

    public static Fleet Parse(string yaml, string displayPath, bool strict = false) => Valid(ParseAll(yaml, displayPath, strict));

    /// <summary>
    /// The manifest read as far as it goes: every problem of the file, and the fleet of what could be read (null
    /// when the file itself cannot be read), so the catalog checks can run on it too and one round shows all.
    /// </summary>
    public static FleetRead LoadAll(string fleetPath, string repoRoot, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(fleetPath);
        var full = Path.IsPathRooted(fleetPath) ? fleetPath : Path.Combine(repoRoot, fleetPath);
        if (!File.Exists(full))
        {
            return new FleetRead(null, [InputError.Service(null, null, $"The fleet manifest '{fleetPath}' does not exist.", "Pass the path of fleet.yaml (repo-relative), e.g. docker/fleet.yaml.")], []);
        }

        var display = Path.GetRelativePath(repoRoot, full).Replace('\\', '/');
        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(full), display, errors);
        if (text is null)
        {
            return new FleetRead(null, errors, []);
        }

        var read = ParseAll(text, display, strict);
        return read.Fleet is { } fleet && read.Errors.Count == 0 && FleetBoundary.Check(fleet, repoRoot) is { Count: > 0 } outside ? read with { Errors = outside } : read;
    }

    /// <summary>
    /// Reads the manifest through the same strict YAML reader as the catalog (duplicate keys, undefined aliases,
    /// extra documents and syntax errors are positioned errors), then every field.
    /// </summary>
    public static FleetRead ParseAll(string yaml, string displayPath, bool strict = false)
    {
        var syntax = new List<InputError>();
        var root = YamlDocument.Parse(yaml, displayPath, syntax);
        if (syntax.Count > 0)
        {
            return new FleetRead(null, syntax, []);
        }

        if (root is not YMapping mapping)
        {
            return new FleetRead(null, [InputError.Service(new SourceSpan(displayPath, root?.Line ?? 1, root?.Column ?? 1), null, $"The fleet manifest must be a YAML mapping, not {(root is null ? "empty" : root.TypeName)}.", "Start it with 'machines:' and 'services:'.")], []);
        }

        var y = new FleetFields(displayPath);
        var fleet = Read(y, mapping, strict);
        return new FleetRead(fleet with { Warnings = y.Warnings }, y.Errors, y.Warnings);
    }

    private static Fleet Valid(FleetRead read) =>
        read.Errors.Count > 0 || read.Fleet is null ? throw new InputException(read.Errors, "the fleet") : read.Fleet;

    private static Fleet Read(FleetFields y, YMapping root, bool strict)
    {
        y.CheckKeys(root, TopLevelKeys, null, "the fleet's top level");
        if (y.Scalar(root, "version", null) is { } version && version != "1")
        {
            y.Error(root["version"], null, $"Unsupported fleet version '{version}'.", "This Kiln reads version 1.");
        }

        var sourceRoot = RelativePath(y, root, "source_root", null) ?? ".";
        var deployDir = RelativePath(y, root, "deploy_dir", null) ?? DefaultDeployDir;
        var wheelhouse = y.Scalar(root, "wheelhouse", null) is { } w && w.StartsWith('/') ? w : RelativePath(y, root, "wheelhouse", null);

        var pythonPath = new List<string> { "." };
        foreach (var (value, node) in y.StringList(root, "python_path", null, "[., main_pc_code]") ?? [])
        {
            if (CleanRelative(value) is not { } clean)
            {
                y.Error(node, null, $"python_path entry '{value}' must be a folder relative to source_root, without '..'.", "Write e.g. 'python_path: [., main_pc_code]'.");
            }
            else if (pythonPath.Contains(clean))
            {
                if (clean != ".")
                {
                    y.Error(node, null, $"python_path lists '{clean}' twice.", "List each import root once ('.' is always the first).");
                }
            }
            else
            {
                pythonPath.Add(clean);
            }
        }

        var moduleMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (module, distribution, node) in y.StringMap(root, "module_map", null))
        {
            if (!ModuleNamePattern().IsMatch(module))
            {
                y.Error(node, null, $"module_map key '{module}' is not a Python module name.", "Write the import name, dotted if needed, e.g. 'cv2: opencv-python-headless' or 'google.protobuf: protobuf'.");
            }
            else if (!DistributionNamePattern().IsMatch(distribution))
            {
                y.Error(node, null, $"module_map maps '{module}' to '{distribution}', which is not a distribution name.", "Write the name pip installs, e.g. 'opencv-python-headless'.");
            }
            else
            {
                moduleMap[module] = distribution;
            }
        }

        var lockPattern = "requirements/{service}.lock";
        var timing = FleetHealthTiming.Default;
        if (y.Mapping(root, "defaults", null, "{ requirements: \"locks/{service}.lock\" }") is { } defaults)
        {
            y.CheckKeys(defaults, ["requirements", "healthcheck"], null, "defaults");
            lockPattern = y.Scalar(defaults, "requirements", null) ?? lockPattern;
            if (y.Mapping(defaults, "healthcheck", null, "{ interval: 30s, start_period: 30s }") is { } h)
            {
                y.CheckKeys(h, ["interval", "timeout", "start_period", "start_interval", "retries"], null, "defaults.healthcheck");
                timing = ReadTiming(y, h, null, timing);
            }
        }

        var machines = new SortedDictionary<string, FleetMachine>(StringComparer.Ordinal);
        if (y.Mapping(root, "machines", null, "{ mainpc: { port_offset: 0, compute_capability: \"8.9\" } }") is { } machinesNode)
        {
            foreach (var (k, v) in machinesNode.Entries)
            {
                var name = (k as YScalar)?.Value ?? string.Empty;
                if (!MachineNamePattern().IsMatch(name))
                {
                    // A machine's name becomes a folder (deploy_dir/<machine>), a Compose project and a file name.
                    y.Error(k, null, $"'{name}' is not a valid machine name.", "Use lowercase letters, digits, '_' or '-', starting with a letter or digit (it names deploy/<machine>/ and the Compose project kiln-<machine>).");
                    continue;
                }

                if (v is not YMapping m)
                {
                    y.Error(v, null, $"Machine '{name}' must be a mapping, not {v.TypeName}.", "Write e.g. 'mainpc: { port_offset: 0, compute_capability: \"8.9\" }'.");
                    continue;
                }

                y.CheckKeys(m, MachineKeys, null, $"machine '{name}'");
                var cap = y.Scalar(m, "compute_capability", null);
                if (cap is not null && !ComputeCapabilityPattern().IsMatch(cap))
                {
                    y.Error(m["compute_capability"], null, $"Machine '{name}': '{cap}' is not a GPU compute capability.", "Write MAJOR.MINOR as a string, e.g. \"8.9\" (RTX 4090) or \"8.6\" (RTX 3060).");
                    cap = null;
                }

                var address = y.Scalar(m, "address", null);
                if (address is not null && !IsHostOrAddress(address))
                {
                    y.Error(m["address"], null, $"Machine '{name}': '{address}' is not a host name or an IP address.", "Write the name or IP the other machines reach it by, e.g. 'address: pc2.lan' or 'address: 192.168.1.20'.");
                    address = null;
                }

                var publishIp = y.Scalar(m, "publish_ip", null);
                if (publishIp is not null && !System.Net.IPAddress.TryParse(publishIp, out _))
                {
                    y.Error(m["publish_ip"], null, $"Machine '{name}': publish_ip '{publishIp}' is not an IP address.", "Write the host address its ports are published on, e.g. 'publish_ip: 192.168.1.20', or remove it to publish on every interface.");
                    publishIp = null;
                }

                var audioGid = y.Int(m, "audio_gid", null, 1, int.MaxValue);
                var sound = HostPath(y, m, "sound_device", name);
                if (sound is not null && !sound.StartsWith("/dev/", StringComparison.Ordinal))
                {
                    y.Error(m["sound_device"], null, $"Machine '{name}': sound_device '{sound}' is not under /dev.", "Write the host's sound device folder, e.g. 'sound_device: /dev/snd'.");
                    sound = null;
                }

                var modelsDir = HostPath(y, m, "models_dir", name);
                if (modelsDir is not null && HostAccess.Forbidden(modelsDir) is { } why)
                {
                    y.Error(m["models_dir"], null, $"Machine '{name}': models_dir '{modelsDir}' is {why}, which no container may bind.", "Keep the models in a folder of their own, e.g. 'models_dir: /srv/models'.");
                    modelsDir = null;
                }

                machines[name] = new FleetMachine(name, y.Int(m, "port_offset", null, 0, 60000) ?? 0, cap, y.At(k))
                {
                    Address = address,
                    // 0 is a host whose socket belongs to root's group: still the socket's real group, which Deploy checks.
                    DockerGid = y.Int(m, "docker_gid", null, 0, int.MaxValue),
                    PublishIp = publishIp,
                    ModelsDir = modelsDir,
                    HostPaths = ReadHostPaths(y, m, name),
                    AudioGid = audioGid,
                    SoundDevice = sound ?? (audioGid is null ? null : FleetWiring.DefaultSoundDevice),
                };
            }
        }

        if (machines.Count == 0)
        {
            y.Error(root["machines"] ?? root, null, "The fleet defines no machines.", "Add 'machines: { mainpc: { port_offset: 0, compute_capability: \"8.9\" } }' (names as in the catalog's machines).");
        }

        var services = new List<FleetService>();

        // Every service written, read or not: a reference to one whose entry has an error is not a second error.
        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (y.Mapping(root, "services", null, "{ ServiceRegistry: { machines: [mainpc], family: cpu, ... } }") is not { Entries.Count: > 0 } servicesNode)
        {
            y.Error(root["services"] ?? root, null, "The fleet defines no services.", "Add a 'services:' mapping, one entry per service.");
        }
        else
        {
            foreach (var (k, v) in servicesNode.Entries)
            {
                var name = k.Value ?? string.Empty;
                declared.Add(name);
                if (!ServiceNamePattern().IsMatch(name))
                {
                    y.Error(k, name, $"'{name}' is not a valid service name.", "Use letters, digits, '.', '_' or '-', starting with a letter or digit (it becomes an image tag and a Compose service name).");
                    continue;
                }

                if (v is not YMapping m)
                {
                    y.Error(v, name, $"A service must be a mapping, not {v.TypeName}.", "Write e.g. 'Name: { machines: [mainpc], family: cpu, entrypoint: app.py, health: { port: 8200 } }'.");
                    continue;
                }

                if (ReadService(y, name, k, m, machines, deployDir, lockPattern, timing) is { } service)
                {
                    services.Add(service);
                }
            }
        }

        var infrastructure = ReadInfrastructure(y, root, machines, deployDir, timing, strict);
        var questions = ReadQuestions(y, root);
        CheckHostFacts(y, machines, services, infrastructure);

        foreach (var service in services)
        {
            foreach (var dep in service.DependsOn.Where(d => !declared.Contains(d)))
            {
                y.Errors.Add(InputError.Service(service.At("depends_on"), service.Name, $"depends_on names '{dep}', which is not a service of this fleet.{Suggest.DidYouMean(dep, declared)}", "Fix the name or add that service."));
            }

            if (service.DependsOn.Contains(service.Name))
            {
                y.Errors.Add(InputError.Service(service.At("depends_on"), service.Name, "A service cannot depend on itself.", "Remove it from depends_on."));
            }
        }

        var servicesByName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var cycle in DependencyCycles(services))
        {
            var first = servicesByName[cycle[0]];
            y.Errors.Add(InputError.Service(first.At("depends_on"), first.Name, $"depends_on forms a cycle: {string.Join(" → ", cycle.Append(cycle[0]))}.", "Compose would refuse it: remove one of these dependencies."));
        }

        return new Fleet(y.File, sourceRoot, deployDir, wheelhouse, machines, services)
        {
            KeySpans = y.Spans(root),
            PythonPath = pythonPath,
            ModuleMap = moduleMap,
            Infrastructure = infrastructure,
            Questions = questions,
        };
    }

    private static FleetService? ReadService(FleetFields y, string name, YNode keyNode, YMapping m, IReadOnlyDictionary<string, FleetMachine> machines, string deployDir, string lockPattern, FleetHealthTiming timing)
    {
        // Unknown keys are reported and the rest of the entry is still read, so one round shows every problem.
        y.CheckKeys(m, ServiceKeys, name, "a service");
        var serviceMachines = ReadMachines(y, m, name, machines, out var writtenMachines);
        if (m["machines"] is null)
        {
            y.Error(keyNode, name, "The service names no machine.", "Add 'machines: [mainpc]' (or [mainpc, pc2]).");
        }

        var needs = new List<FleetNeed>();
        foreach (var (need, node) in y.StringList(m, "needs", name, "[cpu, web]") ?? [])
        {
            if (Enum.TryParse<FleetNeed>(need, ignoreCase: true, out var n) && need.All(char.IsAsciiLetterLower))
            {
                if (!needs.Contains(n))
                {
                    needs.Add(n);
                }
            }
            else
            {
                var allowed = Enum.GetNames<FleetNeed>().Select(x => x.ToLowerInvariant()).ToArray();
                y.Error(node, name, $"'{need}' is not a need.{Suggest.DidYouMean(need, allowed)}", $"Needs are: {string.Join(", ", allowed)}.");
            }
        }

        var family = y.Scalar(m, "family", name);
        if (m["family"] is null || family is { Length: 0 })
        {
            y.Error(m["family"] ?? keyNode, name, "The service names no family.", "Add 'family: cpu' (a catalog family or one of the catalog's aliases).");
        }

        var entrypoint = RelativePath(y, m, "entrypoint", name);
        if (entrypoint is null && m["entrypoint"] is null)
        {
            y.Error(keyNode, name, "The service has no entrypoint.", "Add 'entrypoint: path/to/app.py' (relative to source_root).");
        }

        if (m["source"] is { } sourceNode)
        {
            // Listed apart from the unknown keys: the key existed, and what replaced it is not obvious.
            y.Error(sourceNode, name, "'source' is no longer read: an image holds exactly the modules its entrypoint imports (found by import analysis), not a folder.", "Remove 'source'; list data files the code reads (not Python modules) under 'files:', e.g. 'files: [model_ops_coordinator/config/**]'.");
        }

        if (entrypoint is not null && !entrypoint.EndsWith(".py", StringComparison.Ordinal))
        {
            y.Error(m["entrypoint"], name, $"The entrypoint '{entrypoint}' is not a .py file.", "Name the Python file that starts the service (it runs as a module: python3 -m <its dotted path>).");
            entrypoint = null;
        }

        var files = new List<string>();
        foreach (var (value, node) in y.StringList(m, "files", name, "[config/**, assets/*.json]") ?? [])
        {
            if (CleanRelative(value) is not { } clean || clean == ".")
            {
                y.Error(node, name, $"'files' entry '{value}' must be a path or glob relative to source_root, without '..'.", "Write e.g. 'model_ops_coordinator/config/**' ('*' matches within a folder, '**' any depth).");
            }
            else if (!files.Contains(clean))
            {
                files.Add(clean);
            }
        }

        var ports = y.PortList(m, "ports", name);
        foreach (var dup in ports.GroupBy(p => p).Where(g => g.Count() > 1))
        {
            y.Error(m["ports"], name, $"Port {dup.Key} is listed twice.", "List each port once.");
        }

        var health = ReadHealth(y, m, name, keyNode, timing);

        var env = ReadEnv(y, y.StringMap(m, "env", name), name);
        var (volumes, volumeSpans) = ReadVolumes(y, m, name, serviceMachines.Select(n => machines[n]).ToList(), deployDir);
        var models = y.Bool(m, "models", name) ?? false;
        if (volumes.FirstOrDefault(v => v.Target == FleetWiring.CacheDir) is { } cache)
        {
            y.Error(m["volumes"], name, $"'{cache}' mounts at {FleetWiring.CacheDir}, where Kiln mounts the service's cache volume ({FleetWiring.CacheVolume(name)}).", "Mount it elsewhere: HF_HOME, TORCH_HOME and XDG_CACHE_HOME already point into /cache.");
        }

        if (models && volumes.Any(v => v.Target == FleetWiring.ModelsTarget))
        {
            y.Error(m["models"], name, $"'models: true' binds the machine's models_dir at {FleetWiring.ModelsTarget}, where a volume of the service is mounted too.", "Remove that volume ('models: true' replaces it), or drop 'models: true'.");
        }

        string? lockFile;
        var lockValue = y.Scalar(m, "requirements", name);
        if (lockValue == NoLock)
        {
            lockFile = null;
        }
        else if (lockValue is not null)
        {
            lockFile = RelativePath(y, m, "requirements", name);
        }
        else
        {
            lockFile = lockPattern == NoLock ? null : lockPattern.Replace("{service}", name, StringComparison.Ordinal).Replace("{source}", entrypoint is null ? "." : Path.GetDirectoryName(entrypoint)?.Replace('\\', '/') is { Length: > 0 } d ? d : ".", StringComparison.Ordinal);
        }

        var dependsOn = (y.StringList(m, "depends_on", name, "[ServiceRegistry]") ?? []).Select(d => d.Value).Distinct(StringComparer.Ordinal).ToList();
        var notes = y.Scalar(m, "notes", name);
        var socket = y.Bool(m, "docker_socket", name) ?? false;
        var confirm = y.Scalar(m, "confirm", name);
        if (confirm is { Length: 0 })
        {
            y.Error(m["confirm"], name, "'confirm' is empty.", "Write the open question (a string), or remove the key once it is answered.");
        }

        var uses = new List<string>();
        foreach (var (value, node) in y.StringList(m, "uses", name, "[redis]") ?? [])
        {
            if (uses.Contains(value))
            {
                y.Error(node, name, $"'uses' lists '{value}' twice.", "List each infrastructure entry once.");
            }
            else
            {
                uses.Add(value);
            }
        }

        var audioDevice = y.Bool(m, "audio_device", name) ?? false;
        var gpu = y.Scalar(m, "gpu", name);
        if (gpu is not null and not ("optional" or "required"))
        {
            y.Error(m["gpu"], name, $"'gpu' is '{gpu}'.{Suggest.DidYouMean(gpu, ["optional", "required"])}", "Write 'gpu: optional' for a GPU service with a CPU path (without a matching GPU it runs with KILN_DEVICE=cpu), or leave it out: the GPU is required.");
        }

        var machineEnv = ReadMachineEnv(y, m, name, writtenMachines);

        // Only what a service cannot be without drops it; any other bad field was reported and left out, and the
        // service stays for the checks across services (ports, names, links), so they report nothing false.
        if (family is null || entrypoint is null || health is null)
        {
            return null;
        }

        return new FleetService(name, serviceMachines, needs.Count == 0 ? [FleetNeed.Cpu] : needs, family, entrypoint, files, ports, health, env, volumes, lockFile, dependsOn, notes, socket, confirm, y.At(keyNode), WithVolumeSpans(y.Spans(m), volumeSpans))
        {
            Uses = uses,
            Models = models,
            AudioDevice = audioDevice,
            GpuOptional = gpu == "optional",
            MachineEnv = machineEnv,
            Settings = ReadSettings(y, m, name),
        };
    }

    /// <summary>The values of the service keys kept by name that the entry sets.</summary>
    private static SortedDictionary<string, object> ReadSettings(FleetFields y, YMapping m, string name)
    {
        var settings = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var key in ServiceTable.Where(k => k.Read is not null && m[k.Name] is not null))
        {
            if (key.Read!(y, m, name) is { } value)
            {
                settings[key.Name] = value;
            }
        }

        return settings;
    }

    /// <summary>A 'machines:' list: each a machine of the fleet, listed once; <paramref name="written"/> also holds the unknown ones.</summary>
    private static List<string> ReadMachines(FleetFields y, YMapping m, string name, IReadOnlyDictionary<string, FleetMachine> machines, out List<string> written)
    {
        var result = new List<string>();
        written = [];
        foreach (var (machine, node) in y.StringList(m, "machines", name, "[mainpc, pc2]") ?? [])
        {
            written.Add(machine);
            if (!machines.ContainsKey(machine))
            {
                y.Error(node, name, $"Machine '{machine}' is not defined under the fleet's 'machines:'.{Suggest.DidYouMean(machine, machines.Keys)}", $"Use one of: {string.Join(", ", machines.Keys)}.");
            }
            else if (result.Contains(machine))
            {
                y.Error(node, name, $"Machine '{machine}' is listed twice.", "List each machine once.");
            }
            else
            {
                result.Add(machine);
            }
        }

        return result;
    }

    private static List<EnvVar> ReadEnv(FleetFields y, List<(string Name, string Value, YNode KeyNode)> entries, string? service)
    {
        var env = new List<EnvVar>();
        foreach (var (key, value, node) in entries)
        {
            if (!EnvNamePattern().IsMatch(key))
            {
                y.Error(node, service, $"'{key}' is not a valid environment variable name.", "Use letters, digits and '_', not starting with a digit.");
                continue;
            }

            if (Credentials.Why(key, value) is { } why)
            {
                y.Error(node, service, $"'{key}' looks like a credential ({why}): its value would be written into the committed Compose file and the image.", $"Give it through a Compose secret or an env file that is not committed (e.g. infrastructure's password_secret, or 'env_file' in a --compose-override kept outside the repository), and keep only its name here with an empty value if the code needs it set.");
                continue;
            }

            env.Add(new EnvVar(key, value));
        }

        return env;
    }

    /// <summary>machine_env: per machine the service runs on, env that wins over the machine defaults and 'env'.</summary>
    private static SortedDictionary<string, IReadOnlyList<EnvVar>> ReadMachineEnv(FleetFields y, YMapping m, string name, List<string> serviceMachines)
    {
        var result = new SortedDictionary<string, IReadOnlyList<EnvVar>>(StringComparer.Ordinal);
        if (y.Mapping(m, "machine_env", name, "{ mainpc: { OMP_NUM_THREADS: \"16\" } }") is not { } node)
        {
            return result;
        }

        foreach (var (k, v) in node.Entries)
        {
            var machine = (k as YScalar)?.Value ?? string.Empty;
            if (!serviceMachines.Contains(machine))
            {
                y.Error(k, name, $"machine_env names '{machine}', where the service does not run.{Suggest.DidYouMean(machine, serviceMachines)}", $"Use one of its machines ({string.Join(", ", serviceMachines)}), or add '{machine}' to its 'machines'.");
                continue;
            }

            if (v is not YMapping env)
            {
                y.Error(v, name, $"machine_env.{machine} must be a mapping of variables, not {v.TypeName}.", $"Write e.g. '{machine}: {{ OMP_NUM_THREADS: \"16\" }}'.");
                continue;
            }

            result[machine] = ReadEnv(y, y.StringMapOf(env, $"machine_env.{machine}", name), name);
        }

        return result;
    }

    /// <summary>
    /// The volumes of a service or infrastructure entry, each with its position. A host path is checked against
    /// every machine the entry runs on: never the whole filesystem, a system folder or the Docker socket; an
    /// absolute path only under the machine's host_paths or models_dir; a relative one (from the Compose file's
    /// folder) only inside the repository.
    /// </summary>
    private static (List<FleetVolume> Volumes, List<SourceSpan> Spans) ReadVolumes(FleetFields y, YMapping m, string name, IReadOnlyList<FleetMachine> on, string deployDir)
    {
        var volumes = new List<FleetVolume>();
        var spans = new List<SourceSpan>();
        foreach (var (value, node) in y.StringList(m, "volumes", name, "[data:/data, /srv/data:/data:ro]") ?? [])
        {
            var parts = value.Split(':');
            var ro = parts.Length == 3 && parts[2] == "ro";
            var validSource = parts.Length > 0 && (VolumeNamePattern().IsMatch(parts[0]) || parts[0].StartsWith('/') || parts[0].StartsWith('.'));
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] is not ("ro" or "rw")) || !validSource || !parts[1].StartsWith('/'))
            {
                y.Error(node, name, $"'{value}' is not a volume.", "Write SOURCE:/path/in/container[:ro], e.g. 'data:/data' (a named volume) or '/srv/data:/data:ro' (a host path, absolute or ./relative to the Compose file).");
                continue;
            }

            var volume = new FleetVolume(parts[0], parts[1], ro);
            if (volume.IsNamed || HostVolumeAllowed(y, node, name, value, volume, on, deployDir))
            {
                volumes.Add(volume);
                spans.Add(y.At(node));
            }
        }

        foreach (var dup in volumes.GroupBy(v => v.Target).Where(g => g.Count() > 1))
        {
            y.Error(m["volumes"], name, $"Two volumes are mounted at '{dup.Key}'.", "Mount each container path once.");
        }

        return (volumes, spans);
    }

    /// <summary>Reports what is wrong with a host volume on each machine it runs on; true when nothing is.</summary>
    private static bool HostVolumeAllowed(FleetFields y, YNode node, string name, string value, FleetVolume volume, IReadOnlyList<FleetMachine> on, string deployDir)
    {
        if (volume.IsRelative)
        {
            var ok = true;
            foreach (var machine in on.Where(machine => HostAccess.InRepository(deployDir, machine.Name, volume.Source) is null))
            {
                var folder = HostAccess.ComposeFolder(deployDir, machine.Name);
                y.Error(node, name, $"On machine '{machine.Name}', volume '{value}' climbs out of the repository: a relative host path starts at the Compose file's folder, {folder}.", $"Keep it inside the repository (e.g. './data' is {folder}/data), or give an absolute folder that machine '{machine.Name}' lists in 'host_paths:'.");
                ok = false;
            }

            return ok;
        }

        var path = HostAccess.Normal(volume.Source);
        if (path is null || (path != "/" && !HostPathPattern().IsMatch(path)))
        {
            y.Error(node, name, $"Volume '{value}': the host path '{volume.Source}' must be a plain absolute path.", "Write it from '/' without '.', '..', spaces, ':' or '$', e.g. '/srv/data:/data:ro'.");
            return false;
        }

        if (HostAccess.IsDockerSocket(path))
        {
            y.Error(node, name, $"Volume '{value}' mounts the Docker socket as an ordinary volume.", "Remove the volume and write 'docker_socket: true': it mounts the socket, joins the machine's docker_gid instead of running as root, and the fleet report lists the service as privileged.");
            return false;
        }

        if (HostAccess.Forbidden(path) is { } why)
        {
            y.Error(node, name, $"Volume '{value}' mounts {why}, which no container may bind.", "Mount a folder of data instead (e.g. '/srv/data:/data:ro'), listed in its machine's 'host_paths:', or a named volume ('data:/data').");
            return false;
        }

        var allowed = true;
        foreach (var machine in on.Where(machine => HostAccess.AllowedBy(machine, path) is null))
        {
            var declared = machine.AllowedHostFolders.Count == 0 ? "it declares none" : "it allows " + string.Join(", ", machine.AllowedHostFolders);
            y.Error(node, name, $"On machine '{machine.Name}', volume '{value}' mounts the host folder {path}, which the machine does not allow ({declared}).", $"Add it to machine '{machine.Name}''s host folders ('host_paths: [{path}]'), or use a named volume ('{NamedSuggestion(volume)}').");
            allowed = false;
        }

        return allowed;
    }

    private static string NamedSuggestion(FleetVolume volume) =>
        (volume.Target.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "data") + ":" + volume.Target + (volume.ReadOnly ? ":ro" : string.Empty);

    /// <summary>The entry's key positions with each volume's own position added (positions never reach a hash).</summary>
    private static Dictionary<string, SourceSpan> WithVolumeSpans(Dictionary<string, SourceSpan> spans, List<SourceSpan> volumes)
    {
        for (var i = 0; i < volumes.Count; i++)
        {
            spans[FleetVolume.SpanKey(i)] = volumes[i];
        }

        return spans;
    }

    /// <summary>host_paths: the absolute host folders a machine lets its services bind; never a system folder or the socket.</summary>
    private static List<string> ReadHostPaths(FleetFields y, YMapping m, string machine)
    {
        var result = new List<string>();
        foreach (var (value, node) in y.StringList(m, "host_paths", null, "[/srv/data, /mnt/media]") ?? [])
        {
            var path = HostAccess.Normal(value);
            if (path is null || (path != "/" && !HostPathPattern().IsMatch(path)))
            {
                y.Error(node, null, $"Machine '{machine}': host_paths entry '{value}' must be an absolute host path.", "Write a folder from '/' without '.', '..', spaces, ':' or '$', e.g. 'host_paths: [/srv/data]'.");
            }
            else if (HostAccess.IsDockerSocket(path))
            {
                y.Error(node, null, $"Machine '{machine}': host_paths lists the Docker socket {path}.", "Remove it: a service gets the socket only through 'docker_socket: true' (with the machine's docker_gid).");
            }
            else if (HostAccess.Forbidden(path) is { } why)
            {
                y.Error(node, null, $"Machine '{machine}': host_paths entry '{value}' is {why}, which no container may bind.", "List only folders of data, e.g. 'host_paths: [/srv/data]'.");
            }
            else if (result.Contains(path))
            {
                y.Error(node, null, $"Machine '{machine}': host_paths lists '{path}' twice.", "List each folder once.");
            }
            else
            {
                result.Add(path);
            }
        }

        return result;
    }

    /// <summary>
    /// infrastructure: servers the services use (a Redis server), each run from a pinned image as a hardened Compose
    /// service on its machines. An unpinned image is an error in CI mode and a warning locally, as for family bases.
    /// </summary>
    private static List<FleetInfrastructure> ReadInfrastructure(FleetFields y, YMapping root, IReadOnlyDictionary<string, FleetMachine> machines, string deployDir, FleetHealthTiming timing, bool strict)
    {
        var result = new List<FleetInfrastructure>();
        if (y.Mapping(root, "infrastructure", null, "{ redis: { image: \"redis:7.2@sha256:…\", machines: [mainpc], port: 6379, user: \"999:999\", health: { cmd: [redis-cli, ping] } } }") is not { } node)
        {
            return result;
        }

        y.Subject = "infrastructure";
        try
        {
            foreach (var (k, v) in node.Entries)
            {
                var name = (k as YScalar)?.Value ?? string.Empty;
                if (!ServiceNamePattern().IsMatch(name))
                {
                    y.Error(k, name, $"'{name}' is not a valid infrastructure name.", "Use letters, digits, '.', '_' or '-', starting with a letter or digit (it becomes a Compose service name and a host name).");
                    continue;
                }

                if (v is not YMapping m)
                {
                    y.Error(v, name, $"An infrastructure entry must be a mapping, not {v.TypeName}.", "Write e.g. 'redis: { image: \"redis:7.2@sha256:…\", machines: [mainpc], port: 6379, user: \"999:999\", health: { cmd: [redis-cli, ping] } }'.");
                    continue;
                }

                if (ReadInfrastructureEntry(y, name, k, m, machines, deployDir, timing, strict) is { } entry)
                {
                    result.Add(entry);
                }
            }
        }
        finally
        {
            y.Subject = "service";
        }

        return result;
    }

    private static FleetInfrastructure? ReadInfrastructureEntry(FleetFields y, string name, YNode keyNode, YMapping m, IReadOnlyDictionary<string, FleetMachine> machines, string deployDir, FleetHealthTiming timing, bool strict)
    {
        y.CheckKeys(m, InfrastructureKeys, name, "an infrastructure entry");
        string? image = null;
        if (y.Scalar(m, "image", name) is { } text)
        {
            var (reference, error) = ImageReference.Parse(text);
            if (reference is null)
            {
                y.Error(m["image"], name, $"Image '{text}' is invalid: {error}", "Write name:tag@sha256:<64 hex>, e.g. redis:7.2@sha256:… (a literal: the generated files are not interpolated).");
            }
            else
            {
                image = reference.ToString();
                if (!reference.IsPinned)
                {
                    y.Problem(strict, m["image"], name, $"Image '{text}' is not pinned by digest, so deploys are not reproducible.", "Pin it: write name:tag@sha256:… (`docker buildx imagetools inspect name:tag` prints the digest; UpdateDigests does not cover infrastructure images yet).");
                }
            }
        }
        else if (m["image"] is null)
        {
            y.Error(keyNode, name, "It names no image.", "Add 'image: name:tag@sha256:<64 hex>' (pinned by digest).");
        }

        var infraMachines = ReadMachines(y, m, name, machines, out _);
        if (m["machines"] is null)
        {
            y.Error(keyNode, name, "It names no machine.", "Add 'machines: [mainpc]'.");
        }

        var port = y.Int(m, "port", name, 1, 65535);
        if (port is null && m["port"] is null)
        {
            y.Error(keyNode, name, "It has no port.", "Add 'port: 6379' (the port inside the container; the machine's port_offset is added on the host).");
        }

        var (volumes, volumeSpans) = ReadVolumes(y, m, name, infraMachines.Select(n => machines[n]).ToList(), deployDir);
        List<string>? health = null;
        var t = timing;
        if (y.Mapping(m, "health", name, "{ cmd: [redis-cli, ping] }") is { } h)
        {
            y.CheckKeys(h, InfrastructureHealthKeys, name, "health");
            health = y.Sequence(h, "cmd", name, "[redis-cli, ping]");
            if (health is { Count: 0 } || (health is null && h["cmd"] is null))
            {
                y.Error(h["cmd"] ?? h, name, "The health check has no command.", "Add 'cmd: [redis-cli, ping]' (run in the container without a shell; exit 0 means healthy).");
                health = null;
            }

            t = ReadTiming(y, h, name, timing);
        }
        else if (m["health"] is null)
        {
            y.Error(keyNode, name, "It has no health check.", "Add 'health: { cmd: [redis-cli, ping] }'.");
        }

        var user = y.Scalar(m, "user", name);
        if (user is null)
        {
            if (m["user"] is null)
            {
                y.Error(keyNode, name, "It names no user.", "Add 'user: \"999:999\"' (the numeric uid:gid of the image's non-root user).");
            }
        }
        else if (!UserPattern().IsMatch(user))
        {
            y.Error(m["user"], name, $"'user' is '{user}', not a numeric uid:gid.", "Write e.g. 'user: \"999:999\"' (numbers: a name may not exist in the image).");
            user = null;
        }
        else if (user.Split(':')[0].TrimStart('0').Length == 0)
        {
            y.Error(m["user"], name, $"'user' is '{user}': it would run as root.", "Give the image's non-root uid:gid, e.g. \"999:999\" for the official redis image.");
            user = null;
        }

        var command = y.Sequence(m, "command", name, "[redis-server, --appendonly, \"yes\"]");
        if (command is { Count: 0 })
        {
            y.Error(m["command"], name, "'command' is empty.", "Write the command as a list, or remove the key to run the image's own command.");
        }

        var secret = y.Scalar(m, "password_secret", name);
        if (secret is not null && !SecretNamePattern().IsMatch(secret))
        {
            y.Error(m["password_secret"], name, $"'password_secret' is '{secret}', which is not a secret name.", "Use letters, digits, '.', '_' or '-', e.g. 'password_secret: redis_password' (its value comes from KILN_SECRET_REDIS_PASSWORD in the deployer's environment).");
        }

        return image is null || port is null || health is null || user is null
            ? null
            : new FleetInfrastructure(name, image, infraMachines, port.Value, volumes, health, t, user, command, secret, y.At(keyNode), WithVolumeSpans(y.Spans(m), volumeSpans));
    }

    /// <summary>questions: open design questions, each with the decision in force until someone answers it.</summary>
    private static List<FleetQuestion> ReadQuestions(FleetFields y, YMapping root)
    {
        var result = new List<FleetQuestion>();
        var node = root["questions"];
        if (node is null)
        {
            return result;
        }

        if (node is not YSequence list)
        {
            y.Error(node, null, $"'questions' must be a list, not {node.TypeName}.", "Write e.g. 'questions: [{ id: H1, question: \"…\", decision: \"…\" }]'.");
            return result;
        }

        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            if (item is not YMapping q)
            {
                y.Error(item, null, $"A question must be a mapping, not {item.TypeName}.", "Write '{ id: H1, question: \"…\", decision: \"…\", decided_by: kiln default }'.");
                continue;
            }

            var before = y.Errors.Count;
            y.CheckKeys(q, QuestionKeys, null, "a question");
            var id = y.Scalar(q, "id", null)?.Trim();
            var label = string.IsNullOrEmpty(id) ? "A question" : $"Question '{id}'";
            if (string.IsNullOrEmpty(id))
            {
                y.Error(q["id"] ?? q, null, "A question has no id.", "Add 'id: H1' (unique in the fleet).");
            }
            else if (!QuestionIdPattern().IsMatch(id))
            {
                y.Error(q["id"], null, $"Question id '{id}' is not a plain name.", "Use letters, digits, '.', '_' or '-', e.g. H1 or omp-threads.");
            }
            else if (lines.TryGetValue(id, out var first))
            {
                y.Error(q["id"], null, $"Question id '{id}' is used twice (first at line {Invariant(first)}).", "Give each question its own id.");
            }
            else
            {
                lines[id] = (int)q["id"]!.Line;
            }

            var question = y.Scalar(q, "question", null)?.Trim();
            if (string.IsNullOrEmpty(question))
            {
                y.Error(q["question"] ?? q, null, $"{label} has no question.", "Write the open question as a sentence ('question: …').");
            }

            var decision = y.Scalar(q, "decision", null)?.Trim();
            if (string.IsNullOrEmpty(decision))
            {
                y.Error(q["decision"] ?? q, null, $"{label} has no decision.", "Write what Kiln does until someone decides (the default in force), e.g. 'decision: \"Python 3.11 everywhere\"'.");
            }

            var by = y.Scalar(q, "decided_by", null)?.Trim() ?? KilnDefault;
            if (by.Length == 0)
            {
                y.Error(q["decided_by"], null, $"{label}: 'decided_by' is empty.", $"Write who decided (a name), or leave the key out ('{KilnDefault}').");
            }

            if (y.Errors.Count == before)
            {
                result.Add(new FleetQuestion(id!, question!, decision!, by, y.At(q)));
            }
        }

        return result;
    }

    /// <summary>
    /// What a service reaches and is granted must exist on the machines involved: an address where a link crosses
    /// machines, the docker_gid, models_dir and audio_gid it is given; and the names Kiln derives must stay distinct.
    /// </summary>
    private static void CheckHostFacts(FleetFields y, IReadOnlyDictionary<string, FleetMachine> machines, List<FleetService> services, List<FleetInfrastructure> infrastructure)
    {
        // Looked up by name, not searched: a fleet of thousands of services stays linear.
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var byHostName = new Dictionary<string, FleetService>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in services)
        {
            byHostName.TryAdd(service.Name, service);
        }

        var infraByName = infrastructure.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var infra in infrastructure)
        {
            if (byHostName.TryGetValue(infra.Name, out var clash))
            {
                y.Errors.Add(InputError.Service(infra.Source, infra.Name, $"The name is taken by service '{clash.Name}' (each is a Compose service and a host name, and host names ignore case).", "Rename the infrastructure entry or the service.") with { SubjectKind = "infrastructure" });
            }
        }

        var caches = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            var cache = FleetWiring.CacheVolume(service.Name);
            if (caches.TryGetValue(cache, out var other))
            {
                y.Errors.Add(InputError.Service(service.Source, service.Name, $"Its cache volume '{cache}' would also be service '{other}''s (cache volume names are lower case).", "Rename one of them."));
            }
            else
            {
                caches[cache] = service.Name;
            }
        }

        var named = services.SelectMany(s => s.Volumes.Select(v => (Owner: s.Name, Volume: v, At: s.At("volumes"), Subject: "service")))
            .Concat(infrastructure.SelectMany(i => i.Volumes.Select(v => (Owner: i.Name, Volume: v, At: i.At("volumes"), Subject: "infrastructure"))));
        foreach (var (owner, volume, at, subject) in named.Where(n => n.Volume.IsNamed && caches.ContainsKey(n.Volume.Source)))
        {
            y.Errors.Add(InputError.Service(at, owner, $"Volume '{volume.Source}' is the cache volume Kiln gives service '{caches[volume.Source]}'.", "Name the volume differently.") with { SubjectKind = subject });
        }

        foreach (var s in services)
        {
            foreach (var use in s.Uses.Where(u => !infraByName.ContainsKey(u)))
            {
                var known = infrastructure.Select(i => i.Name).ToList();
                y.Errors.Add(InputError.Service(s.At("uses"), s.Name, $"'uses' names '{use}', which is not under the fleet's 'infrastructure:'.{Suggest.DidYouMean(use, known)}", known.Count == 0 ? "Declare it under 'infrastructure:' (image, machines, port, user, health)." : $"Use one of: {string.Join(", ", known)}."));
            }

            foreach (var machine in s.Machines)
            {
                var here = machines[machine];
                foreach (var dep in s.DependsOn)
                {
                    if (byName.GetValueOrDefault(dep) is { Machines: [var first, ..] } target && !target.Machines.Contains(machine) && machines[first].Address is null)
                    {
                        y.Errors.Add(InputError.Service(s.At("depends_on"), s.Name, $"On machine '{machine}', it depends on '{dep}', which runs only on {string.Join(", ", target.Machines)}, and machine '{first}' has no address.", $"Give machine '{first}' an 'address:' (the host name or IP {machine} reaches it by): the service gets {FleetWiring.PeerVariable(dep)}=<address>:<port>."));
                    }
                }

                foreach (var use in s.Uses)
                {
                    if (infraByName.GetValueOrDefault(use) is { Machines: [var first, ..] } infra && !infra.Machines.Contains(machine) && machines[first].Address is null)
                    {
                        y.Errors.Add(InputError.Service(s.At("uses"), s.Name, $"On machine '{machine}', it uses '{use}', which runs only on {string.Join(", ", infra.Machines)}, and machine '{first}' has no address.", $"Give machine '{first}' an 'address:' (the host name or IP {machine} reaches it by): the service gets {infra.UrlVariable}=redis://<address>:<port>/0."));
                    }
                }

                if (s.DockerSocket && here.DockerGid is null)
                {
                    y.Errors.Add(InputError.Service(s.At("docker_socket"), s.Name, $"It mounts the Docker socket on machine '{machine}', which declares no docker_gid.", $"Add 'docker_gid: <gid>' to machine '{machine}' (the group owning {FleetWiring.DockerSocket} there: stat -c %g {FleetWiring.DockerSocket}); the container joins that group instead of running as root."));
                }

                if (s.Models && here.ModelsDir is null)
                {
                    y.Errors.Add(InputError.Service(s.At("models"), s.Name, $"'models: true' binds machine '{machine}''s models_dir, which it does not declare.", $"Add 'models_dir: /srv/models' (an absolute host path) to machine '{machine}'."));
                }

                if (s.AudioDevice && here.AudioGid is null)
                {
                    y.Errors.Add(InputError.Service(s.At("audio_device"), s.Name, $"'audio_device: true' needs machine '{machine}''s audio group, which it does not declare.", $"Add 'audio_gid: <gid>' to machine '{machine}' (the group owning its sound devices: stat -c %g /dev/snd/*; 29 on Debian and Ubuntu)."));
                }
            }
        }
    }

    /// <summary>An absolute host path for a bind or device: no '..', and only characters Compose takes literally.</summary>
    private static string? HostPath(FleetFields y, YMapping m, string key, string machine)
    {
        var value = y.Scalar(m, key, null);
        if (value is null)
        {
            return null;
        }

        var normal = value.Length > 1 ? value.TrimEnd('/') : value;
        if (!HostPathPattern().IsMatch(normal) || normal.Split('/').Any(p => p is "." or ".."))
        {
            y.Error(m[key], null, $"Machine '{machine}': {key} '{value}' must be an absolute host path.", $"Write a path from '/' without '..', spaces, ':' or '$', e.g. '{key}: {(key == "sound_device" ? FleetWiring.DefaultSoundDevice : "/srv/models")}'.");
            return null;
        }

        return normal;
    }

    /// <summary>A host name (RFC 1123 labels) or an IPv4/IPv6 address.</summary>
    internal static bool IsHostOrAddress(string value)
    {
        if (value.Contains(':', StringComparison.Ordinal))
        {
            return System.Net.IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        if (value.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            // All digits and dots is meant as an IPv4 address; IPAddress alone would also accept "1" or "1.2".
            return value.Split('.').Length == 4 && System.Net.IPAddress.TryParse(value, out _);
        }

        return value.Length <= 253 && HostNamePattern().IsMatch(value);
    }

    private static FleetHealth? ReadHealth(FleetFields y, YMapping m, string name, YNode keyNode, FleetHealthTiming timing)
    {
        if (y.Mapping(m, "health", name, "{ port: 8200, check: tcp }") is not { } h)
        {
            if (m["health"] is null)
            {
                y.Error(keyNode, name, "The service has no health check.", "Add 'health: { port: 8200 }' (TCP) or 'health: { port: 8200, check: http, path: /health }'.");
            }

            return null;
        }

        y.CheckKeys(h, HealthKeys, name, "health");
        var port = y.Int(h, "port", name, 1, 65535);
        if (port is null && h["port"] is null)
        {
            y.Error(h, name, "The health check has no port.", "Add 'port: 8200' (the port inside the container).");
        }

        var check = y.Scalar(h, "check", name) ?? "tcp";
        if (check is not ("tcp" or "http"))
        {
            y.Error(h["check"], name, $"'{check}' is not a health check kind.{Suggest.DidYouMean(check, ["tcp", "http"])}", "Write 'check: tcp' or 'check: http'.");
            return null;
        }

        var path = y.Scalar(h, "path", name);
        if (check == "tcp" && path is not null)
        {
            y.Error(h["path"], name, "'path' only applies to 'check: http'.", "Remove it, or write 'check: http'.");
        }

        path ??= "/health";
        if (!path.StartsWith('/'))
        {
            y.Error(h["path"], name, $"The HTTP health path '{path}' must start with '/'.", "Write e.g. /health.");
        }

        var t = ReadTiming(y, h, name, timing);
        return port is null ? null : new FleetHealth(check == "tcp" ? FleetCheckKind.Tcp : FleetCheckKind.Http, port.Value, check == "http" ? path : null, t);
    }

    private static FleetHealthTiming ReadTiming(FleetFields y, YMapping h, string? service, FleetHealthTiming d) => new(
        y.Duration(h, "interval", service) ?? d.Interval,
        y.Duration(h, "timeout", service) ?? d.Timeout,
        y.Duration(h, "start_period", service) ?? d.StartPeriod,
        y.Duration(h, "start_interval", service) ?? d.StartInterval,
        y.Int(h, "retries", service, 1, 100) ?? d.Retries);

    /// <summary>A path relative to source_root (or the repository), without '..': the build context must contain it.</summary>
    private static string? RelativePath(FleetFields y, YMapping m, string key, string? service)
    {
        var value = y.Scalar(m, key, service);
        if (value is null)
        {
            return null;
        }

        var normal = value.Replace('\\', '/').TrimEnd('/');
        if (normal.Length == 0 || Path.IsPathRooted(normal) || normal.Split('/').Contains(".."))
        {
            y.Error(m[key], service, $"'{key}' is '{value}': it must be a relative path without '..'.", "Write it relative to the fleet's source_root (for source_root/deploy_dir: relative to the repository).");
            return null;
        }

        return normal.StartsWith("./", StringComparison.Ordinal) && normal.Length > 2 ? normal[2..] : normal;
    }

    /// <summary>A relative path without '..', normalised to '/' and without './'; null when it is not one.</summary>
    private static string? CleanRelative(string value)
    {
        var normal = value.Replace('\\', '/').TrimEnd('/');
        if (normal.StartsWith("./", StringComparison.Ordinal) && normal.Length > 2)
        {
            normal = normal[2..];
        }

        return normal.Length == 0 || Path.IsPathRooted(normal) || normal.Split('/').Contains("..") ? null : normal;
    }

    /// <summary>Each depends_on cycle once (as its services, from the first in file order), self-dependencies aside.</summary>
    private static List<List<string>> DependencyCycles(IReadOnlyList<FleetService> services)
    {
        var deps = services.ToDictionary(s => s.Name, s => s.DependsOn.Where(d => d != s.Name).ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var onPath = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        var cycles = new List<List<string>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Depth-first with an explicit stack: a depends_on chain of thousands of services must not overflow the call stack.
        var stack = new Stack<(string Name, int Next)>();
        foreach (var s in services)
        {
            if (state.GetValueOrDefault(s.Name) != 0)
            {
                continue;
            }

            state[s.Name] = 1;
            onPath[s.Name] = path.Count;
            path.Add(s.Name);
            stack.Push((s.Name, 0));
            while (stack.Count > 0)
            {
                var (name, next) = stack.Pop();
                var list = deps[name];
                if (next < list.Count)
                {
                    stack.Push((name, next + 1));
                    var dep = list[next];
                    if (state.GetValueOrDefault(dep) == 1)
                    {
                        var cycle = path.GetRange(onPath[dep], path.Count - onPath[dep]);
                        if (seen.Add(string.Join(',', cycle.Order(StringComparer.Ordinal))))
                        {
                            cycles.Add(cycle);
                        }
                    }
                    else if (state.GetValueOrDefault(dep) == 0 && deps.ContainsKey(dep))
                    {
                        state[dep] = 1;
                        onPath[dep] = path.Count;
                        path.Add(dep);
                        stack.Push((dep, 0));
                    }

                    continue;
                }

                path.RemoveAt(path.Count - 1);
                onPath.Remove(name);
                state[name] = 2;
            }
        }

        return cycles;
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex MachineNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex ServiceNamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex ModuleNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex DistributionNamePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNamePattern();

    // Compose's volume names; no '$': the generated files are literal (values are escaped, never interpolated).
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    private static partial Regex VolumeNamePattern();

    [GeneratedRegex(@"^\d{1,2}\.\d$")]
    internal static partial Regex ComputeCapabilityPattern();

    [GeneratedRegex(@"^(/[A-Za-z0-9._@+-]+)+$")]
    private static partial Regex HostPathPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostNamePattern();

    [GeneratedRegex(@"^\d{1,10}:\d{1,10}$")]
    private static partial Regex UserPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex SecretNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex QuestionIdPattern();

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
