using System.Globalization;
using System.Text.RegularExpressions;
using Build.Catalog;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Build.Fleet;

/// <summary>
/// Reads fleet.yaml into a <see cref="Fleet"/>: every structural problem is collected with file, line, column,
/// service and fix. Needs nothing but the manifest (no catalog, no service code), so CI validates the real fleet
/// without the fleet's repository; catalog checks are <see cref="FleetValidator"/>'s.
/// </summary>
public static partial class FleetLoader
{
    internal static readonly string[] TopLevelKeys = ["version", "source_root", "deploy_dir", "wheelhouse", "python_path", "module_map", "defaults", "machines", "services"];

    internal static readonly string[] ServiceKeys =
    [
        "machines", "needs", "family", "entrypoint", "files", "ports", "health", "env", "volumes", "requirements",
        "depends_on", "notes", "docker_socket", "confirm",

        // No longer read: known here so that its own error (what replaced it) is the only one.
        "source",
    ];

    internal static readonly string[] HealthKeys = ["port", "check", "path", "interval", "timeout", "start_period", "start_interval", "retries"];

    internal static readonly string[] MachineKeys = ["port_offset", "compute_capability", "description"];

    /// <summary>The value of 'requirements:' that says a service has no lock (it installs nothing beyond its family).</summary>
    public const string NoLock = "none";

    public static Fleet Load(string fleetPath, string repoRoot)
    {
        var full = Path.IsPathRooted(fleetPath) ? fleetPath : Path.Combine(repoRoot, fleetPath);
        if (!File.Exists(full))
        {
            throw new FleetException([new FleetError(null, null, $"The fleet manifest '{fleetPath}' does not exist.", "Pass the path of fleet.yaml (repo-relative), e.g. docker/fleet.yaml.")]);
        }

        return Parse(File.ReadAllText(full), Path.GetRelativePath(repoRoot, full).Replace('\\', '/'));
    }

    public static Fleet Parse(string yaml, string displayPath)
    {
        var y = new FleetYaml(displayPath);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                throw new FleetException([new FleetError(new SourceSpan(displayPath, 1, 1), null, "The fleet manifest is not a YAML mapping.", "Start it with 'machines:' and 'services:'.")]);
            }

            root = mapping;
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            var paren = message.IndexOf("(Lin:", StringComparison.Ordinal);
            message = (paren > 0 ? message[..paren] : message).Trim().TrimEnd('.') + ".";
            throw new FleetException([new FleetError(new SourceSpan(displayPath, (int)ex.Start.Line, (int)ex.Start.Column), null, $"YAML syntax error: {message}", "Fix the YAML at that position (indentation, a missing ':', an unclosed quote or a repeated key are the usual causes).")]);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner throws this (with no position) for some unterminated flow collections.
            throw new FleetException([new FleetError(new SourceSpan(displayPath, 1, 1), null, $"YAML syntax error: {ex.Message}", "Look for an unclosed '{' or '[' (a flow mapping or list that never ends).")]);
        }

        var fleet = Read(y, root);
        if (y.Errors.Count > 0)
        {
            throw new FleetException(y.Errors);
        }

        return fleet;
    }

    private static Fleet Read(FleetYaml y, YamlMappingNode root)
    {
        y.CheckKeys(root, TopLevelKeys, null, "the fleet's top level");
        if (y.Scalar(root, "version", null) is { } version && version != "1")
        {
            y.Error(FleetYaml.Node(root, "version"), null, $"Unsupported fleet version '{version}'.", "This Kiln reads version 1.");
        }

        var sourceRoot = RelativePath(y, root, "source_root", null) ?? ".";
        var deployDir = RelativePath(y, root, "deploy_dir", null) ?? "deploy";
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
            foreach (var (k, v) in machinesNode.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? string.Empty;
                if (v is not YamlMappingNode m)
                {
                    y.Error(v, null, $"Machine '{name}' must be a mapping, not {FleetYaml.Kind(v)}.", "Write e.g. 'mainpc: { port_offset: 0, compute_capability: \"8.9\" }'.");
                    continue;
                }

                y.CheckKeys(m, MachineKeys, null, $"machine '{name}'");
                var cap = y.Scalar(m, "compute_capability", null);
                if (cap is not null && !ComputeCapabilityPattern().IsMatch(cap))
                {
                    y.Error(FleetYaml.Node(m, "compute_capability"), null, $"Machine '{name}': '{cap}' is not a GPU compute capability.", "Write MAJOR.MINOR as a string, e.g. \"8.9\" (RTX 4090) or \"8.6\" (RTX 3060).");
                    cap = null;
                }

                machines[name] = new FleetMachine(name, y.Int(m, "port_offset", null, 0, 60000) ?? 0, cap, y.At(k));
            }
        }

        if (machines.Count == 0)
        {
            y.Error(FleetYaml.Node(root, "machines") ?? root, null, "The fleet defines no machines.", "Add 'machines: { mainpc: { port_offset: 0, compute_capability: \"8.9\" } }' (names as in the catalog's machines).");
        }

        var services = new List<FleetService>();
        if (y.Mapping(root, "services", null, "{ ServiceRegistry: { machines: [mainpc], family: cpu, ... } }") is not { Children.Count: > 0 } servicesNode)
        {
            y.Error(FleetYaml.Node(root, "services") ?? root, null, "The fleet defines no services.", "Add a 'services:' mapping, one entry per service.");
        }
        else
        {
            foreach (var (k, v) in servicesNode.Children)
            {
                var name = (k as YamlScalarNode)?.Value ?? string.Empty;
                if (!ServiceNamePattern().IsMatch(name))
                {
                    y.Error(k, name, $"'{name}' is not a valid service name.", "Use letters, digits, '.', '_' or '-', starting with a letter or digit (it becomes an image tag and a Compose service name).");
                    continue;
                }

                if (v is not YamlMappingNode m)
                {
                    y.Error(v, name, $"A service must be a mapping, not {FleetYaml.Kind(v)}.", "Write e.g. 'Name: { machines: [mainpc], family: cpu, entrypoint: app.py, health: { port: 8200 } }'.");
                    continue;
                }

                if (ReadService(y, name, k, m, machines, lockPattern, timing) is { } service)
                {
                    services.Add(service);
                }
            }
        }

        var names = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var dep in service.DependsOn.Where(d => !names.Contains(d)))
            {
                y.Errors.Add(new FleetError(service.At("depends_on"), service.Name, $"depends_on names '{dep}', which is not a service of this fleet.{Suggest.DidYouMean(dep, names)}", "Fix the name or add that service."));
            }

            if (service.DependsOn.Contains(service.Name))
            {
                y.Errors.Add(new FleetError(service.At("depends_on"), service.Name, "A service cannot depend on itself.", "Remove it from depends_on."));
            }
        }

        return new Fleet(y.File, sourceRoot, deployDir, wheelhouse, machines, services) { PythonPath = pythonPath, ModuleMap = moduleMap };
    }

    private static FleetService? ReadService(FleetYaml y, string name, YamlNode keyNode, YamlMappingNode m, IReadOnlyDictionary<string, FleetMachine> machines, string lockPattern, FleetHealthTiming timing)
    {
        // Unknown keys are reported and the rest of the entry is still read, so one round shows every problem.
        var errorsBefore = y.Errors.Count;
        y.CheckKeys(m, ServiceKeys, name, "a service");
        var serviceMachines = new List<string>();
        foreach (var (machine, node) in y.StringList(m, "machines", name, "[mainpc, pc2]") ?? [])
        {
            if (!machines.ContainsKey(machine))
            {
                y.Error(node, name, $"Machine '{machine}' is not defined under the fleet's 'machines:'.{Suggest.DidYouMean(machine, machines.Keys)}", $"Use one of: {string.Join(", ", machines.Keys)}.");
            }
            else if (serviceMachines.Contains(machine))
            {
                y.Error(node, name, $"Machine '{machine}' is listed twice.", "List each machine once.");
            }
            else
            {
                serviceMachines.Add(machine);
            }
        }

        if (FleetYaml.Node(m, "machines") is null)
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
        if (FleetYaml.Node(m, "family") is null || family is { Length: 0 })
        {
            y.Error(FleetYaml.Node(m, "family") ?? keyNode, name, "The service names no family.", "Add 'family: cpu' (a catalog family or one of the catalog's aliases).");
        }

        var entrypoint = RelativePath(y, m, "entrypoint", name);
        if (entrypoint is null && FleetYaml.Node(m, "entrypoint") is null)
        {
            y.Error(keyNode, name, "The service has no entrypoint.", "Add 'entrypoint: path/to/app.py' (relative to source_root).");
        }

        if (FleetYaml.Node(m, "source") is { } sourceNode)
        {
            // Listed apart from the unknown keys: the key existed, and what replaced it is not obvious.
            y.Error(sourceNode, name, "'source' is no longer read: an image holds exactly the modules its entrypoint imports (found by import analysis), not a folder.", "Remove 'source'; list data files the code reads (not Python modules) under 'files:', e.g. 'files: [model_ops_coordinator/config/**]'.");
        }

        if (entrypoint is not null && !entrypoint.EndsWith(".py", StringComparison.Ordinal))
        {
            y.Error(FleetYaml.Node(m, "entrypoint"), name, $"The entrypoint '{entrypoint}' is not a .py file.", "Name the Python file that starts the service (it runs as a module: python3 -m <its dotted path>).");
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
            y.Error(FleetYaml.Node(m, "ports"), name, $"Port {dup.Key} is listed twice.", "List each port once.");
        }

        var health = ReadHealth(y, m, name, keyNode, timing);

        var env = new List<EnvVar>();
        foreach (var (key, value, node) in y.StringMap(m, "env", name))
        {
            if (!EnvNamePattern().IsMatch(key))
            {
                y.Error(node, name, $"'{key}' is not a valid environment variable name.", "Use letters, digits and '_', not starting with a digit.");
                continue;
            }

            env.Add(new EnvVar(key, value));
        }

        var volumes = new List<FleetVolume>();
        foreach (var (value, node) in y.StringList(m, "volumes", name, "[models:/models:ro, data:/data]") ?? [])
        {
            var parts = value.Split(':');
            var ro = parts.Length == 3 && parts[2] == "ro";
            var validSource = parts.Length > 0 && (VolumeNamePattern().IsMatch(parts[0]) || parts[0].StartsWith('/') || parts[0].StartsWith("./", StringComparison.Ordinal));
            if (parts.Length is < 2 or > 3 || (parts.Length == 3 && parts[2] is not ("ro" or "rw")) || !validSource || !parts[1].StartsWith('/'))
            {
                y.Error(node, name, $"'{value}' is not a volume.", "Write SOURCE:/path/in/container[:ro], e.g. 'models:/models:ro' (a named volume) or '/srv/data:/data' (a host path, absolute or ./relative to the Compose file).");
                continue;
            }

            volumes.Add(new FleetVolume(parts[0], parts[1], ro));
        }

        foreach (var dup in volumes.GroupBy(v => v.Target).Where(g => g.Count() > 1))
        {
            y.Error(FleetYaml.Node(m, "volumes"), name, $"Two volumes are mounted at '{dup.Key}'.", "Mount each container path once.");
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
            y.Error(FleetYaml.Node(m, "confirm"), name, "'confirm' is empty.", "Write the open question (a string), or remove the key once it is answered.");
        }

        if (y.Errors.Count > errorsBefore || family is null || entrypoint is null || health is null)
        {
            return null;
        }

        return new FleetService(name, serviceMachines, needs.Count == 0 ? [FleetNeed.Cpu] : needs, family, entrypoint, files, ports, health, env, volumes, lockFile, dependsOn, notes, socket, confirm, y.At(keyNode), y.Spans(m));
    }

    private static FleetHealth? ReadHealth(FleetYaml y, YamlMappingNode m, string name, YamlNode keyNode, FleetHealthTiming timing)
    {
        if (y.Mapping(m, "health", name, "{ port: 8200, check: tcp }") is not { } h)
        {
            if (FleetYaml.Node(m, "health") is null)
            {
                y.Error(keyNode, name, "The service has no health check.", "Add 'health: { port: 8200 }' (TCP) or 'health: { port: 8200, check: http, path: /health }'.");
            }

            return null;
        }

        y.CheckKeys(h, HealthKeys, name, "health");
        var port = y.Int(h, "port", name, 1, 65535);
        if (port is null && FleetYaml.Node(h, "port") is null)
        {
            y.Error(h, name, "The health check has no port.", "Add 'port: 8200' (the port inside the container).");
        }

        var check = y.Scalar(h, "check", name) ?? "tcp";
        if (check is not ("tcp" or "http"))
        {
            y.Error(FleetYaml.Node(h, "check"), name, $"'{check}' is not a health check kind.{Suggest.DidYouMean(check, ["tcp", "http"])}", "Write 'check: tcp' or 'check: http'.");
            return null;
        }

        var path = y.Scalar(h, "path", name);
        if (check == "tcp" && path is not null)
        {
            y.Error(FleetYaml.Node(h, "path"), name, "'path' only applies to 'check: http'.", "Remove it, or write 'check: http'.");
        }

        path ??= "/health";
        if (!path.StartsWith('/'))
        {
            y.Error(FleetYaml.Node(h, "path"), name, $"The HTTP health path '{path}' must start with '/'.", "Write e.g. /health.");
        }

        var t = ReadTiming(y, h, name, timing);
        return port is null ? null : new FleetHealth(check == "tcp" ? FleetCheckKind.Tcp : FleetCheckKind.Http, port.Value, check == "http" ? path : null, t);
    }

    private static FleetHealthTiming ReadTiming(FleetYaml y, YamlMappingNode h, string? service, FleetHealthTiming d) => new(
        y.Duration(h, "interval", service) ?? d.Interval,
        y.Duration(h, "timeout", service) ?? d.Timeout,
        y.Duration(h, "start_period", service) ?? d.StartPeriod,
        y.Duration(h, "start_interval", service) ?? d.StartInterval,
        y.Int(h, "retries", service, 1, 100) ?? d.Retries);

    /// <summary>A path relative to source_root (or the repository), without '..': the build context must contain it.</summary>
    private static string? RelativePath(FleetYaml y, YamlMappingNode m, string key, string? service)
    {
        var value = y.Scalar(m, key, service);
        if (value is null)
        {
            return null;
        }

        var normal = value.Replace('\\', '/').TrimEnd('/');
        if (normal.Length == 0 || Path.IsPathRooted(normal) || normal.Split('/').Contains(".."))
        {
            y.Error(FleetYaml.Node(m, key), service, $"'{key}' is '{value}': it must be a relative path without '..'.", "Write it relative to the fleet's source_root (for source_root/deploy_dir: relative to the repository).");
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

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
