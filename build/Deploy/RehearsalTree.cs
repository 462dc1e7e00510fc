using System.Globalization;
using System.Text;
using Build.Fleet;
using YamlDotNet.RepresentationModel;

namespace Build.Deploy;

/// <summary>What the rehearsal needs to know of the machine it runs on, per fleet machine.</summary>
public sealed record RehearsalHost(string Machine, string Address, string ModelsDir);

/// <summary>
/// Writes the rehearsal of a fleet: the demo catalog (with the families the real aliases need and a Redis built from
/// Debian), and the real manifest with every service on the demo family of the same alias, its code replaced by a
/// stand-in program at its real entrypoint path. The stand-ins share one first-party module that binds the service's
/// ports and health port and reports healthy only once every peer, Redis and the Docker API it was given answer.
/// </summary>
public static class RehearsalTree
{
    /// <summary>Where the rehearsal's catalog, manifest and code live inside its tree.</summary>
    public const string Dir = "rehearsal";

    public const string Catalog = Dir + "/families.yaml";

    public const string RedisFamily = "demo-redis";

    /// <summary>The environment variable that tells a stand-in which service it is (two services may share an entrypoint).</summary>
    public const string ServiceVariable = "KILN_REHEARSAL_SERVICE";

    /// <summary>The demo catalog plus the GPU audio families the real fleet's aliases name, and a Redis for its infrastructure.</summary>
    public static string CatalogText(string demoCatalog)
    {
        ArgumentNullException.ThrowIfNull(demoCatalog);
        var aliases = "aliases:\n";
        if (!demoCatalog.Contains(aliases, StringComparison.Ordinal) || !demoCatalog.TrimEnd().Contains("\nfamilies:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The demo catalog has no 'aliases:' or 'families:' block to extend.");
        }

        return demoCatalog.Replace(aliases, aliases + "  gpu-ada-audio: demo-gpu-ada-audio-py311\n  gpu-ampere-audio: demo-gpu-ampere-audio-py311\n", StringComparison.Ordinal).TrimEnd() + "\n\n" +
            "  # ---------------------------------------------------------------- added by the rehearsal\n" +
            "  demo-gpu-{gpu}-audio-py311:\n" +
            "    description: GPU family plus libsndfile (the real fleet's gpu-*-audio aliases)\n" +
            "    parent: demo-gpu-{gpu}-py311\n" +
            "    gpu: [ada, ampere]\n" +
            "    provides: [audio]\n" +
            "    apt: [libsndfile1]\n\n" +
            "  " + RedisFamily + ":\n" +
            "    description: Redis from Debian's mirror, standing in for the fleet's Redis image\n" +
            "    parent: demo-py311\n" +
            "    apt: [redis-server]\n";
    }

    /// <summary>
    /// The real manifest, rehearsed: families by the same alias on the demo catalog, the stand-ins as code (no locks,
    /// no data files), each machine at its rehearsal address, and only <paramref name="keep"/> services when given.
    /// </summary>
    public static string FleetText(string realFleet, string displayPath, IReadOnlyList<RehearsalHost> hosts, int dockerGid, string? redisImage, IReadOnlySet<string>? keep)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var stream = new YamlStream();
        stream.Load(new StringReader(realFleet));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        Set(root, "source_root", Dir + "/apps");
        Set(root, "deploy_dir", Dir + "/deploy");
        Remove(root, "wheelhouse");
        var defaults = Child(root, "defaults") ?? new YamlMappingNode();
        Set(defaults, "requirements", FleetLoader.NoLock);
        root.Children[new YamlScalarNode("defaults")] = defaults;

        if (Child(root, "machines") is { } machines)
        {
            foreach (var host in hosts)
            {
                if (Child(machines, host.Machine) is { } m)
                {
                    Set(m, "address", host.Address);
                    Set(m, "publish_ip", host.Address);
                    Set(m, "docker_gid", dockerGid.ToString(CultureInfo.InvariantCulture));
                    Set(m, "models_dir", host.ModelsDir);
                }
            }
        }

        if (redisImage is not null && Child(root, "infrastructure") is { } infrastructure && Child(infrastructure, "redis") is { } redis)
        {
            Set(redis, "image", redisImage);
            // Debian's redis-server, read-only root: no persistence, the volume is only mounted.
            Set(redis, "user", "10001:10001");
            redis.Children[new YamlScalarNode("command")] = new YamlSequenceNode(
                new[] { "redis-server", "--port", "6379", "--save", string.Empty, "--appendonly", "no", "--protected-mode", "no", "--dir", "/data" }.Select(v => new YamlScalarNode(v) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted }));
            Remove(redis, "password_secret");
        }

        if (Child(root, "services") is { } services)
        {
            foreach (var key in services.Children.Keys.OfType<YamlScalarNode>().ToList())
            {
                if (keep is not null && !keep.Contains(key.Value!))
                {
                    services.Children.Remove(key);
                    continue;
                }

                var s = (YamlMappingNode)services.Children[key];
                Remove(s, "requirements");
                Remove(s, "files");
                var env = Child(s, "env") ?? new YamlMappingNode();
                Set(env, ServiceVariable, key.Value!);
                s.Children[new YamlScalarNode("env")] = env;
            }

            // A dependency on a service left out of a reduced rehearsal is dropped with it.
            foreach (var s in services.Children.Values.OfType<YamlMappingNode>())
            {
                if (s.Children.TryGetValue(new YamlScalarNode("depends_on"), out var node) && node is YamlSequenceNode deps)
                {
                    var kept = deps.Children.OfType<YamlScalarNode>().Where(d => keep is null || keep.Contains(d.Value!)).ToList();
                    s.Children[new YamlScalarNode("depends_on")] = new YamlSequenceNode(kept);
                }
            }
        }

        var sb = new StringBuilder();
        sb.Append("# The rehearsal of ").Append(displayPath).Append(", written by ./build.sh --target=Rehearse: every service on the demo\n");
        sb.Append("# family of the same alias, its code a stand-in at its real entrypoint path. Not committed.\n");
        using var writer = new StringWriter(sb, CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        return sb.ToString().TrimEnd('.', '\n', ' ') + "\n";
    }

    /// <summary>
    /// Every stand-in program (one per entrypoint; services that share an entrypoint are told apart by
    /// <see cref="ServiceVariable"/>) and the shared module, as paths relative to the fleet's source_root.
    /// </summary>
    public static IReadOnlyList<(string Path, string Text)> StandIns(Fleet.Fleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var files = new List<(string Path, string Text)> { ("kiln_rehearsal/__init__.py", StandInModule) };
        foreach (var group in fleet.Services.GroupBy(s => s.Entrypoint, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sb = new StringBuilder();
            sb.Append("\"\"\"Rehearsal stand-in for ").Append(string.Join(", ", group.Select(s => s.Name))).Append(": binds the service's ports and health port.\"\"\"\n");
            sb.Append("import os\n\nfrom kiln_rehearsal import run\n\nSERVICES = {\n");
            foreach (var s in group)
            {
                var ports = string.Join(", ", s.Ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
                var check = s.Health.Check == FleetCheckKind.Http ? "http" : "tcp";
                sb.Append(CultureInfo.InvariantCulture, $"    \"{s.Name}\": ([{ports}], {s.Health.Port}, \"{check}\", \"{s.Health.Path ?? "/health"}\"),\n");
            }

            sb.Append("}\n\nif __name__ == \"__main__\":\n");
            sb.Append("    name = os.environ[\"").Append(ServiceVariable).Append("\"]\n");
            sb.Append("    run(name, *SERVICES[name])\n");
            files.Add((group.Key, sb.ToString()));
        }

        return files;
    }

    /// <summary>
    /// The reduced rehearsal: one service per family, both ends of every cross-machine edge and the services they
    /// depend on, every service using infrastructure or the Docker socket, and every GPU-optional service.
    /// </summary>
    public static IReadOnlySet<string> Reduced(ResolvedFleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var keep = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var first in fleet.Services.GroupBy(s => s.Family.Name).Select(g => g.First()))
        {
            keep.Add(first.Name);
        }

        foreach (var edge in FleetWiring.CrossMachine(fleet.Fleet).Where(l => l.Kind == FleetLinkKind.DependsOn))
        {
            keep.Add(edge.Service);
            keep.Add(edge.Target);
        }

        foreach (var s in fleet.Services.Where(s => s.Service.DockerSocket || s.Service.Uses.Count > 0 || s.Service.GpuOptional))
        {
            keep.Add(s.Name);
        }

        // Close over depends_on, so every kept service's peers are there to answer.
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var name in keep.ToList())
            {
                foreach (var dep in fleet.Get(name).Service.DependsOn)
                {
                    changed |= keep.Add(dep);
                }
            }
        }

        return keep;
    }

    private static YamlMappingNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static void Set(YamlMappingNode node, string key, string value) =>
        node.Children[new YamlScalarNode(key)] = new YamlScalarNode(value) { Style = YamlDotNet.Core.ScalarStyle.DoubleQuoted };

    private static void Remove(YamlMappingNode node, string key) => node.Children.Remove(new YamlScalarNode(key));

    /// <summary>The stand-ins' shared first-party module (standard library only), shipped in the app.</summary>
    public static string StandInModule
    {
        get
        {
            using var stream = typeof(RehearsalTree).Assembly.GetManifestResourceStream("Build.Deploy.Rehearsal.stand_in.py")
                ?? throw new InvalidOperationException("The rehearsal's stand-in module is missing from the app.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }
}
