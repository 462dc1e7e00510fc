using System.Globalization;
using System.Text;
using Build.Catalog;
using Build.Fleet;
using Build.Generation;

namespace Build.Deploy;

/// <summary>
/// How to render a machine's Compose file: the image repository (may hold a Compose variable), each service's hash
/// (and digest once published), and whether GPU device reservations are written (off for hosts without an NVIDIA
/// runtime, e.g. to start the GPU services on a CI machine with a stand-in nvidia-smi).
/// </summary>
public sealed record ComposeOptions(string ImageRepository, Func<string, string> Hash, IReadOnlyDictionary<string, string>? Digests = null, bool Gpu = true)
{
    /// <summary>The repository the lead publishes services to by default: the catalog's registry + "-services", overridable with $REGISTRY.</summary>
    public static string DefaultImageRepository(Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return "${REGISTRY:-" + catalog.Registry + "}-services";
    }

    /// <summary>
    /// The committed Compose files: a service's hash comes from its code, which lives in the fleet's repository, so
    /// the files name it through a variable (<see cref="TagVariable"/>) that Deploy sets to the hash this run baked;
    /// the default, the service's -latest, is what Promote moved last. Once the image is published, Deploy also sets
    /// <see cref="DigestVariable"/> to "@sha256:…", so Compose runs exactly the digest the gates judged.
    /// </summary>
    public static ComposeOptions ForGeneration(Catalog.Catalog catalog) =>
        new(DefaultImageRepository(catalog), service => "${" + TagVariable(service) + ":-latest}${" + DigestVariable(service) + ":-}");

    /// <summary>KILN_DIGEST_&lt;SERVICE&gt;: empty, or "@sha256:…" to pin the tag to the published digest.</summary>
    public static string DigestVariable(string service) =>
        "KILN_DIGEST_" + NamePattern.VariableSuffix(service);

    /// <summary>KILN_TAG_&lt;SERVICE&gt;: the hash part of a service's image tag in the generated Compose files.</summary>
    public static string TagVariable(string service) =>
        "KILN_TAG_" + NamePattern.VariableSuffix(service);
}

/// <summary>One machine's Compose file, and the dependencies it could not express (on services of other machines).</summary>
public sealed record ComposeFile(string Machine, GeneratedFile File, IReadOnlyList<CrossMachineDependency> SkippedDependencies);

/// <summary>
/// Writes deploy/&lt;machine&gt;/compose.yaml: every service of the machine, hardened (non-root, no capabilities,
/// no new privileges, read-only root with /tmp on tmpfs), with literal host ports (port + port_offset: Compose
/// interpolation has no arithmetic), healthchecks that probe fast during start-up, and GPU reservations.
/// Deterministic: keys in a fixed order, services by name, every string quoted the same way.
/// </summary>
public static class ComposeRenderer
{
    public const string DockerSocket = "/var/run/docker.sock";

    public static string PathFor(Build.Fleet.Fleet fleet, string machine)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return $"{fleet.DeployDir}/{machine}/compose.yaml";
    }

    /// <summary>The project name Compose uses for the machine (lowercase, as Compose requires).</summary>
    public static string ProjectName(string machine) =>
        "kiln-" + new string(machine.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());

    /// <summary>One file per machine of the fleet (every fleet machine is a catalog machine once validated).</summary>
    public static IReadOnlyList<ComposeFile> RenderAll(ResolvedFleet fleet, ComposeOptions options)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return fleet.Fleet.Machines.Keys.Order(StringComparer.Ordinal).Select(m => Render(fleet, m, options)).ToList();
    }

    /// <summary>The image reference of a service: repository:&lt;service&gt;-&lt;hash&gt;, with @digest when known.</summary>
    public static string Image(ComposeOptions options, string service)
    {
        ArgumentNullException.ThrowIfNull(options);
        var image = $"{options.ImageRepository}:{service}-{options.Hash(service)}";
        return options.Digests is not null && options.Digests.TryGetValue(service, out var digest) ? $"{image}@{digest}" : image;
    }

    public static ComposeFile Render(ResolvedFleet fleet, string machine, ComposeOptions options)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(options);
        var fm = fleet.Fleet.Machines.TryGetValue(machine, out var m) ? m : throw new KeyNotFoundException($"No machine '{machine}' in {fleet.Fleet.File}.");
        var services = fleet.On(machine).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var here = services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var skipped = FleetValidator.CrossMachineDependencies(fleet.Fleet).Where(d => d.Machine == machine).ToList();
        var machineEnv = fleet.Catalog.Machines.TryGetValue(machine, out var cm) ? cm.Env : [];

        var y = new StringBuilder();
        y.Append(ServiceDockerfileRenderer.GeneratedHeader(fleet.Fleet.File));
        y.Append("# Machine ").Append(machine).Append(": port_offset ").Append(fm.PortOffset.ToString(CultureInfo.InvariantCulture))
            .Append(", GPU compute capability ").Append(fm.ComputeCapability ?? "none").Append(". Check: docker compose -f ")
            .Append(PathFor(fleet.Fleet, machine)).Append(" config -q\n");
        if (!options.Gpu)
        {
            y.Append("# GPU device reservations are left out (--gpu=off): the GPU probe in each healthcheck still decides.\n");
        }

        foreach (var d in skipped)
        {
            y.Append("# Not expressible here: ").Append(d.Service).Append(" depends on ").Append(d.DependsOn)
                .Append(", which runs on ").Append(string.Join(", ", d.DependencyMachines)).Append('\n');
        }

        y.Append("name: ").Append(Q(ProjectName(machine))).Append('\n');
        y.Append(services.Count == 0 ? "services: {}\n" : "services:\n");
        var namedVolumes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rs in services)
        {
            var s = rs.Service;
            y.Append("  ").Append(Q(s.Name)).Append(":\n");
            y.Append("    image: ").Append(Q(Image(options, s.Name))).Append('\n');
            y.Append("    user: ").Append(Q($"{rs.User.Uid.ToString(CultureInfo.InvariantCulture)}:{rs.User.Gid.ToString(CultureInfo.InvariantCulture)}")).Append('\n');
            y.Append("    read_only: true\n");
            y.Append("    tmpfs:\n      - \"/tmp\"\n");
            y.Append("    cap_drop:\n      - \"ALL\"\n");
            y.Append("    security_opt:\n      - \"no-new-privileges:true\"\n");
            y.Append("    restart: \"unless-stopped\"\n");

            var env = ServiceDockerfileRenderer.Merge(machineEnv.Concat(ServiceDockerfileRenderer.RuntimeEnv(fleet.Fleet, rs)), s.Env);
            y.Append("    environment:\n");
            foreach (var e in env)
            {
                y.Append("      ").Append(e.Name).Append(": ").Append(Q(Literal(e.Value))).Append('\n');
            }

            y.Append("    ports:\n");
            foreach (var (port, _, _) in FleetValidator.PublishedPorts(s))
            {
                var host = (port + fm.PortOffset).ToString(CultureInfo.InvariantCulture);
                y.Append("      - ").Append(Q($"{host}:{port.ToString(CultureInfo.InvariantCulture)}")).Append('\n');
            }

            var volumes = s.Volumes.Select(v => v.ToString()).ToList();
            if (s.DockerSocket)
            {
                volumes.Add($"{DockerSocket}:{DockerSocket}");
            }

            if (volumes.Count > 0)
            {
                y.Append("    volumes:\n");
                foreach (var v in volumes)
                {
                    y.Append("      - ").Append(Q(Literal(v))).Append('\n');
                }
            }

            namedVolumes.UnionWith(s.Volumes.Where(v => v.IsNamed).Select(v => v.Source));

            var t = s.Health.Timing;
            y.Append("    healthcheck:\n");
            y.Append("      test: [").Append(string.Join(", ", new[] { "CMD" }.Concat(ServiceDockerfileRenderer.HealthcheckCommand(rs)).Select(a => Q(Literal(a))))).Append("]\n");
            y.Append("      interval: ").Append(Q(t.Interval)).Append('\n');
            y.Append("      timeout: ").Append(Q(t.Timeout)).Append('\n');
            y.Append("      retries: ").Append(t.Retries.ToString(CultureInfo.InvariantCulture)).Append('\n');
            y.Append("      start_period: ").Append(Q(t.StartPeriod)).Append('\n');
            y.Append("      start_interval: ").Append(Q(t.StartInterval)).Append('\n');

            var deps = s.DependsOn.Where(here.Contains).Order(StringComparer.Ordinal).ToList();
            if (deps.Count > 0)
            {
                y.Append("    depends_on:\n");
                foreach (var dep in deps)
                {
                    y.Append("      ").Append(Q(dep)).Append(":\n        condition: \"service_healthy\"\n");
                }
            }

            if (rs.IsGpu && options.Gpu)
            {
                y.Append("    deploy:\n      resources:\n        reservations:\n          devices:\n");
                y.Append("            - driver: \"nvidia\"\n              count: \"all\"\n              capabilities: [\"gpu\"]\n");
            }
        }

        if (namedVolumes.Count > 0)
        {
            y.Append("volumes:\n");
            foreach (var v in namedVolumes)
            {
                y.Append("  ").Append(Q(v)).Append(": {}\n");
            }
        }

        return new ComposeFile(machine, new GeneratedFile(PathFor(fleet.Fleet, machine), y.ToString()), skipped);
    }

    /// <summary>A value Compose must not interpolate: '$' doubled.</summary>
    private static string Literal(string value) => value.Replace("$", "$$", StringComparison.Ordinal);

    /// <summary>A YAML double-quoted scalar (JSON escapes are valid YAML escapes).</summary>
    private static string Q(string value) =>
        "\"" + System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(value) + "\"";
}
