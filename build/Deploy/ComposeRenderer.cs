using System.Globalization;
using System.Text;
using Build.Catalog;
using Build.Fleet;
using Build.Generation;

namespace Build.Deploy;

/// <summary>
/// How to render a machine's Compose file: the image repository (may hold a Compose variable), each service's hash
/// (and digest once published), whether GPU device reservations are written (off for hosts without an NVIDIA
/// runtime, e.g. to start the GPU services on a CI machine with a stand-in nvidia-smi), and whether sound devices are
/// passed through (off for hosts without them, such as a CI machine).
/// </summary>
public sealed record ComposeOptions(string ImageRepository, Func<string, string> Hash, IReadOnlyDictionary<string, string>? Digests = null, bool Gpu = true, bool Devices = true)
{
    /// <summary>The repository the lead publishes services to by default: the catalog's registry + "-services", overridable with $REGISTRY.</summary>
    public static string DefaultImageRepository(Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Hashing.ImageTags.ComposeServicesRepository(catalog.Registry);
    }

    /// <summary>
    /// The committed Compose files: a service's hash comes from its code, which lives in the fleet's repository, so
    /// the files name it through a variable (<see cref="TagVariable"/>) that Deploy sets to the hash this run baked;
    /// the default, the service's -latest, is what Promote moved last. Once the image is published, Deploy also sets
    /// <see cref="DigestVariable"/> to "@sha256:…", so Compose runs exactly the digest the gates judged.
    /// </summary>
    public static ComposeOptions ForGeneration(Catalog.Catalog catalog) =>
        new(DefaultImageRepository(catalog), service => Hashing.ImageTags.ComposeHashPart(TagVariable(service), DigestVariable(service)));

    /// <summary>KILN_DIGEST_&lt;SERVICE&gt;: empty, or "@sha256:…" to pin the tag to the published digest.</summary>
    public static string DigestVariable(string service) =>
        "KILN_DIGEST_" + NamePattern.VariableSuffix(service);

    /// <summary>KILN_TAG_&lt;SERVICE&gt;: the hash part of a service's image tag in the generated Compose files.</summary>
    public static string TagVariable(string service) =>
        "KILN_TAG_" + NamePattern.VariableSuffix(service);
}

/// <summary>
/// One machine's Compose file, the links of its services that cross machines (Compose cannot wait for them: the
/// services get their addresses instead) and the secrets it reads from the deployer's environment.
/// </summary>
public sealed record ComposeFile(string Machine, GeneratedFile File, IReadOnlyList<FleetLink> CrossMachine, IReadOnlyList<ComposeSecret> Secrets);

/// <summary>A Compose secret and the deployer's environment variable it is read from (never a file of the repository).</summary>
public sealed record ComposeSecret(string Name, string Variable);

/// <summary>
/// Writes deploy/&lt;machine&gt;/compose.yaml: the machine's infrastructure, then every service of the machine, each
/// hardened (non-root, no capabilities, no new privileges, read-only root with /tmp on tmpfs), with literal host ports
/// (port + port_offset: Compose interpolation has no arithmetic), healthchecks that probe fast during start-up, GPU
/// reservations, a writable cache volume, its peers' addresses and what its machine grants it (socket, models,
/// sound). Deterministic: keys in a fixed order, entries by name, every string quoted the same way.
/// </summary>
public static class ComposeRenderer
{
    public const string DockerSocket = FleetWiring.DockerSocket;

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
        var image = Hashing.ImageTags.ComposeImage(options.ImageRepository, service, options.Hash(service));
        return options.Digests is not null && options.Digests.TryGetValue(service, out var digest) ? $"{image}@{digest}" : image;
    }

    /// <summary>The secrets a machine's file declares: every password of infrastructure that runs there or that its services use.</summary>
    public static IReadOnlyList<ComposeSecret> Secrets(Build.Fleet.Fleet fleet, string machine)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var used = fleet.On(machine).SelectMany(s => s.Uses).ToHashSet(StringComparer.Ordinal);
        return fleet.Infrastructure.Where(i => i.PasswordSecret is not null && (i.Machines.Contains(machine) || used.Contains(i.Name)))
            .Select(i => new ComposeSecret(i.PasswordSecret!, i.SecretVariable!))
            .DistinctBy(s => s.Name).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    public static ComposeFile Render(ResolvedFleet fleet, string machine, ComposeOptions options)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(options);
        var fm = fleet.Fleet.Machines.TryGetValue(machine, out var m) ? m : throw new KeyNotFoundException($"No machine '{machine}' in {fleet.Fleet.File}.");
        var services = fleet.On(machine).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var infrastructure = fleet.Fleet.Infrastructure.Where(i => i.Machines.Contains(machine)).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        var links = services.ToDictionary(s => s.Name, s => FleetWiring.Links(fleet.Fleet, s.Service, machine), StringComparer.Ordinal);
        var cross = links.Values.SelectMany(l => l).Where(l => l.CrossMachine).ToList();
        var secrets = Secrets(fleet.Fleet, machine);
        var machineEnv = fleet.Catalog.Machines.TryGetValue(machine, out var cm) ? cm.Env : [];

        var y = new StringBuilder();
        y.Append(ServiceDockerfileRenderer.GeneratedHeader(fleet.Fleet.File));
        y.Append("# Machine ").Append(machine).Append(": port_offset ").Append(Invariant(fm.PortOffset))
            .Append(", GPU compute capability ").Append(fm.ComputeCapability ?? "none").Append(". Check: docker compose -f ")
            .Append(PathFor(fleet.Fleet, machine)).Append(" config -q\n");
        if (!options.Gpu)
        {
            y.Append("# GPU device reservations are left out (--gpu=off): the GPU probe in each healthcheck still decides.\n");
        }

        if (!options.Devices)
        {
            y.Append("# Sound devices and the audio group are left out (--devices=off).\n");
        }

        foreach (var l in cross)
        {
            y.Append("# Across machines: ").Append(l.Service).Append(l.Kind == FleetLinkKind.Uses ? " uses " : " depends on ").Append(l.Target)
                .Append(" on ").Append(l.TargetMachine).Append(" at ").Append(l.Endpoint).Append(" (").Append(l.Variable).Append("); Compose does not wait for it.\n");
        }

        foreach (var secret in secrets)
        {
            y.Append("# Secret ").Append(secret.Name).Append(" comes from the deployer's environment (").Append(secret.Variable).Append("), never from a file.\n");
        }

        y.Append("name: ").Append(Q(ProjectName(machine))).Append('\n');
        y.Append(services.Count + infrastructure.Count == 0 ? "services: {}\n" : "services:\n");
        var namedVolumes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var infra in infrastructure)
        {
            RenderInfrastructure(y, infra, fm);
            namedVolumes.UnionWith(infra.Volumes.Where(v => v.IsNamed).Select(v => v.Source));
        }

        foreach (var rs in services)
        {
            var s = rs.Service;
            y.Append("  ").Append(Q(s.Name)).Append(":\n");
            y.Append("    image: ").Append(Q(Image(options, s.Name))).Append('\n');
            Hardening(y, $"{Invariant(rs.User.Uid)}:{Invariant(rs.User.Gid)}");
            List("group_add", FleetWiring.Groups(fm, s, options.Devices).Select(Invariant));
            List("devices", s.AudioDevice && options.Devices ? [$"{fm.SoundDevice ?? FleetWiring.DefaultSoundDevice}:{FleetWiring.SoundTarget}"] : []);

            var generated = FleetWiring.CacheEnv.Concat(links[s.Name].Select(l => new EnvVar(l.Variable, LinkValue(fleet.Fleet, l))));
            var uses = s.Uses.Order(StringComparer.Ordinal).Select(u => fleet.Fleet.InfrastructureNamed(u)!).ToList();
            generated = generated.Concat(uses.Where(i => i.PasswordSecret is not null).Select(i => new EnvVar(i.PasswordFileVariable, i.SecretPath!)));
            var env = ServiceDockerfileRenderer.Merge(
                ServiceDockerfileRenderer.Merge(ServiceDockerfileRenderer.Merge(machineEnv.Concat(ServiceDockerfileRenderer.RuntimeEnv(fleet.Fleet, rs)), generated), s.Env),
                s.EnvOn(machine));
            y.Append("    environment:\n");
            foreach (var e in env)
            {
                y.Append("      ").Append(e.Name).Append(": ").Append(Q(Literal(e.Value))).Append('\n');
            }

            List("ports", FleetValidator.PublishedPorts(s).Select(p => fm.Publish(p.Port + fm.PortOffset, p.Port)));

            var volumes = s.Volumes.Select(v => v.ToString()).ToList();
            if (s.Models)
            {
                volumes.Add($"{fm.ModelsDir}:{FleetWiring.ModelsTarget}:ro");
            }

            volumes.Add($"{FleetWiring.CacheVolume(s.Name)}:{FleetWiring.CacheDir}");
            if (s.DockerSocket)
            {
                volumes.Add($"{DockerSocket}:{DockerSocket}");
            }

            List("volumes", volumes);
            namedVolumes.UnionWith(s.Volumes.Where(v => v.IsNamed).Select(v => v.Source));
            namedVolumes.Add(FleetWiring.CacheVolume(s.Name));
            List("secrets", uses.Where(i => i.PasswordSecret is not null).Select(i => i.PasswordSecret!).Distinct(StringComparer.Ordinal));
            Healthcheck(y, ServiceDockerfileRenderer.HealthcheckCommand(rs), s.Health.Timing);
            if (FleetLoader.StopGracePeriod.In(s.Settings) is { } grace)
            {
                // Checked as a duration when read: digits and units, nothing YAML would read otherwise.
                y.Append("    stop_grace_period: ").Append(grace).Append('\n');
            }

            // A dependency on this machine is waited for; one elsewhere is only named by its address (above).
            var deps = links[s.Name].Where(l => !l.CrossMachine).Select(l => l.Target).Order(StringComparer.Ordinal).ToList();
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

        if (secrets.Count > 0)
        {
            y.Append("secrets:\n");
            foreach (var secret in secrets)
            {
                y.Append("  ").Append(Q(secret.Name)).Append(":\n    environment: ").Append(Q(secret.Variable)).Append('\n');
            }
        }

        return new ComposeFile(machine, new GeneratedFile(PathFor(fleet.Fleet, machine), y.ToString()), cross, secrets);

        void List(string key, IEnumerable<string> items)
        {
            var list = items.ToList();
            if (list.Count > 0)
            {
                y.Append("    ").Append(key).Append(":\n");
                foreach (var item in list)
                {
                    y.Append("      - ").Append(Q(Literal(item))).Append('\n');
                }
            }
        }
    }

    /// <summary>
    /// The command that starts an infrastructure server with its password: the secret file becomes a config file on
    /// /tmp (tmpfs, mode 0600), included after the server's own arguments, so the password is never on a command line.
    /// </summary>
    public static IReadOnlyList<string>? InfrastructureCommand(FleetInfrastructure infra)
    {
        ArgumentNullException.ThrowIfNull(infra);
        if (infra.PasswordSecret is null)
        {
            return infra.Command;
        }

        var conf = $"/tmp/kiln-{infra.Name}-auth.conf";
        // The config file takes the password as one bare word: an empty one, or one a config parser would split or
        // unquote, stops the server with the reason instead of starting it with another password than intended.
        var script = $"set -eu; umask 077; pw=$(cat {infra.SecretPath}); case \"$pw\" in " +
            $"'') echo \"{infra.Name}: the secret {infra.PasswordSecret} is empty: set {infra.SecretVariable} where Deploy runs\" >&2; exit 1;; " +
            $"*[[:space:]\\\"\\'\\\\]*) echo \"{infra.Name}: the secret {infra.PasswordSecret} has a space, quote or backslash: use letters and digits (e.g. openssl rand -hex 32)\" >&2; exit 1;; esac; " +
            $"printf 'requirepass %s\\n' \"$pw\" > {conf}; exec \"$@\" --include {conf}";
        return ["sh", "-c", script, "kiln-" + infra.Name, .. infra.Command ?? ["redis-server"]];
    }

    private static void RenderInfrastructure(StringBuilder y, FleetInfrastructure infra, FleetMachine machine)
    {
        y.Append("  ").Append(Q(infra.Name)).Append(":\n");
        y.Append("    image: ").Append(Q(Literal(infra.Image))).Append('\n');
        Hardening(y, infra.User);
        if (InfrastructureCommand(infra) is { } command)
        {
            y.Append("    command: [").Append(string.Join(", ", command.Select(a => Q(Literal(a))))).Append("]\n");
        }

        y.Append("    ports:\n      - ").Append(Q(machine.Publish(infra.Port + machine.PortOffset, infra.Port))).Append('\n');
        if (infra.Volumes.Count > 0)
        {
            y.Append("    volumes:\n");
            foreach (var v in infra.Volumes)
            {
                y.Append("      - ").Append(Q(Literal(v.ToString()))).Append('\n');
            }
        }

        if (infra.PasswordSecret is { } secret)
        {
            y.Append("    secrets:\n      - ").Append(Q(secret)).Append('\n');
        }

        Healthcheck(y, infra.HealthCommand, infra.Timing);
    }

    /// <summary>What every container of the fleet gets: a non-root user, no capabilities, no new privileges, a read-only root.</summary>
    private static void Hardening(StringBuilder y, string user)
    {
        y.Append("    user: ").Append(Q(user)).Append('\n');
        y.Append("    read_only: true\n");
        y.Append("    tmpfs:\n      - \"/tmp\"\n");
        y.Append("    cap_drop:\n      - \"ALL\"\n");
        y.Append("    security_opt:\n      - \"no-new-privileges:true\"\n");
        y.Append("    restart: \"unless-stopped\"\n");
    }

    private static void Healthcheck(StringBuilder y, IEnumerable<string> command, FleetHealthTiming t)
    {
        y.Append("    healthcheck:\n");
        y.Append("      test: [").Append(string.Join(", ", new[] { "CMD" }.Concat(command).Select(a => Q(Literal(a))))).Append("]\n");
        y.Append("      interval: ").Append(Q(t.Interval)).Append('\n');
        y.Append("      timeout: ").Append(Q(t.Timeout)).Append('\n');
        y.Append("      retries: ").Append(Invariant(t.Retries)).Append('\n');
        y.Append("      start_period: ").Append(Q(t.StartPeriod)).Append('\n');
        y.Append("      start_interval: ").Append(Q(t.StartInterval)).Append('\n');
    }

    /// <summary>A link's value: host:port of a dependency, the URL of infrastructure.</summary>
    private static string LinkValue(Build.Fleet.Fleet fleet, FleetLink link) =>
        link.Kind == FleetLinkKind.Uses ? fleet.InfrastructureNamed(link.Target)!.Url(link.Endpoint) : link.Endpoint;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A value Compose must not interpolate: '$' doubled.</summary>
    private static string Literal(string value) => value.Replace("$", "$$", StringComparison.Ordinal);

    /// <summary>A YAML double-quoted scalar (JSON escapes are valid YAML escapes).</summary>
    private static string Q(string value) =>
        "\"" + System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(value) + "\"";
}
