using System.Globalization;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Deploy;

/// <summary>One grant of host access or privilege in a Compose file, where it is written.</summary>
/// <param name="Service">The service it applies to, or the top-level entry (e.g. "volumes.data") for a file-wide grant.</param>
public sealed record PostureFinding(string File, int Line, string Service, string What)
{
    public override string ToString() => $"{File}:{Line}: service '{Service}': {What}";
}

/// <summary>
/// What a --compose-override file grants beyond the fleet: an override may tune a service (environment, ports,
/// resources), but host access and privilege come only from the fleet, where they are declared, reviewed and shown
/// in the fleet report. Everything here is pure: it reads YAML text and compares findings.
/// </summary>
public static class OverridePosture
{
    private static readonly string[] HostNamespaces = ["network_mode", "pid", "ipc", "uts", "userns_mode", "cgroup"];

    /// <summary>Every grant in <paramref name="yaml"/>, in file order.</summary>
    /// <exception cref="InvalidDataException">The file is not YAML or not a Compose mapping; the message is positioned.</exception>
    public static IReadOnlyList<PostureFinding> Scan(string file, string yaml) => Scan(file, new System.Text.UTF8Encoding(false).GetBytes(yaml));

    /// <summary>Every grant in the file's bytes, read as strictly as every other YAML input (UTF-8, duplicate keys, aliases).</summary>
    /// <exception cref="InvalidDataException">The file is not YAML or not a Compose mapping; the message is positioned.</exception>
    public static IReadOnlyList<PostureFinding> Scan(string file, byte[] bytes)
    {
        var errors = new List<InputError>();
        var text = YamlDocument.Decode(bytes, file, errors);
        var node = text is null ? null : YamlDocument.Parse(text, file, errors);
        if (errors.Count > 0)
        {
            throw new InvalidDataException(string.Join("\n", errors.Select(e => e.ToString())));
        }

        if (node is null)
        {
            return [];
        }

        if (node is not YMapping root)
        {
            throw new InvalidDataException($"{file}:{node.Line}:{node.Column}: a Compose file is one YAML mapping (services:, volumes:, …), not {node.TypeName}. Fix the file.");
        }

        var findings = new List<PostureFinding>();
        void Add(YNode at, string service, string what) => findings.Add(new(file, at.Line, service, what));

        if (Get(root, "include") is { } include)
        {
            Add(include, "include", "include: pulls in other Compose files, whose grants are not checked");
        }

        if (Get(root, "services") is YMapping services)
        {
            foreach (var (key, value) in services.Entries)
            {
                if (value is YMapping service)
                {
                    ScanService(Name(key), service, Add);
                }
            }
        }

        foreach (var (section, noun) in new[] { ("volumes", "volume"), ("secrets", "secret"), ("configs", "config") })
        {
            if (Get(root, section) is not YMapping entries)
            {
                continue;
            }

            foreach (var (key, value) in entries.Entries)
            {
                var name = $"{section}.{Name(key)}";
                if (value is not YMapping entry)
                {
                    continue;
                }

                if (section == "volumes" && Get(entry, "driver_opts") is YMapping opts && Get(opts, "device") is YScalar device)
                {
                    Add(device, name, $"{noun} '{Name(key)}' binds host path {device.Value} (driver_opts.device)");
                }
                else if (section != "volumes" && Get(entry, "file") is YScalar source)
                {
                    Add(source, name, $"{noun} '{Name(key)}' reads host file {source.Value}");
                }
            }
        }

        return findings;
    }

    /// <summary>
    /// The findings of an override that the fleet did not declare: a grant the generated file already gives the same
    /// service (its socket, its devices, its models folder) is no new privilege.
    /// </summary>
    public static IReadOnlyList<PostureFinding> Undeclared(IEnumerable<PostureFinding> overrideFindings, IEnumerable<PostureFinding> generated)
    {
        var declared = generated.Select(f => (f.Service, f.What)).ToHashSet();
        return overrideFindings.Where(f => !declared.Contains((f.Service, f.What))).ToList();
    }

    private static void ScanService(string service, YMapping node, Action<YNode, string, string> add)
    {
        foreach (var (key, value) in Entries(node))
        {
            var scalar = (value as YScalar)?.Value;
            switch (Name(key))
            {
                case "privileged" when IsTrue(scalar):
                    add(value, service, "privileged: true (every capability and every host device)");
                    break;
                case var ns when HostNamespaces.Contains(ns) && scalar == "host":
                    add(value, service, $"{ns}: host (the host's {ns.Replace("_mode", string.Empty, StringComparison.Ordinal)} namespace)");
                    break;
                case "user" when scalar is { } user && IsRoot(user):
                    add(value, service, $"user: {user} (root)");
                    break;
                case "cap_add":
                    Items(value, "cap_add", service, add);
                    break;
                case "security_opt":
                    // no-new-privileges only takes privilege away: the generated file sets it on every service.
                    foreach (var item in Sequence(value).Where(i => i is not YScalar { Value: "no-new-privileges:true" or "no-new-privileges" }))
                    {
                        add(item, service, $"security_opt: {Describe(item)}");
                    }

                    break;
                case "devices":
                    Items(value, "devices", service, add);
                    break;
                case "group_add":
                    Items(value, "group_add", service, add);
                    break;
                case "volumes":
                    foreach (var item in Sequence(value))
                    {
                        if (Mount(item) is { } mount)
                        {
                            add(item, service, mount);
                        }
                    }

                    break;
                case "extends" when value is YMapping extends && Get(extends, "file") is YScalar other:
                    add(other, service, $"extends: a service of {other.Value}, whose grants are not checked");
                    break;
            }
        }
    }

    /// <summary>A host bind mount ("/host:/ctr", "./x:/y", long form type: bind), the Docker socket named as such; named volumes are not.</summary>
    internal static string? Mount(YNode item)
    {
        string? source;
        string? target;
        if (item is YScalar { Value: { } text })
        {
            var parts = text.Split(':');
            if (parts.Length < 2)
            {
                return null;
            }

            (source, target) = (parts[0], parts[1]);
            if (!IsHostPath(source))
            {
                return null;
            }
        }
        else if (item is YMapping map && (Get(map, "type") as YScalar)?.Value == "bind")
        {
            source = (Get(map, "source") as YScalar)?.Value ?? "?";
            target = (Get(map, "target") as YScalar)?.Value ?? "?";
        }
        else
        {
            return null;
        }

        return source.EndsWith("docker.sock", StringComparison.Ordinal)
            ? $"the Docker socket ({source} → {target}: control of the host's engine)"
            : $"host bind mount {source} → {target}";
    }

    /// <summary>A source that names the host's file system (absolute, relative, home, or a variable that may be either).</summary>
    private static bool IsHostPath(string source) => source.Length > 0 && source[0] is '/' or '.' or '~' or '$';

    private static bool IsTrue(string? value) => value is not null && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value.Equals("on", StringComparison.OrdinalIgnoreCase));

    private static bool IsRoot(string user)
    {
        var name = user.Split(':')[0];
        return name is "root" or "0";
    }

    private static void Items(YNode value, string key, string service, Action<YNode, string, string> add)
    {
        foreach (var item in Sequence(value))
        {
            add(item, service, $"{key}: {Describe(item)}");
        }
    }

    private static string Describe(YNode node) => node switch
    {
        YScalar s => s.Value ?? string.Empty,
        YMapping m => (Get(m, "source") as YScalar)?.Value ?? string.Join(", ", m.Entries.Select(c => $"{c.Name}={(c.Value as YScalar)?.Value}")),
        _ => node.TypeName,
    };

    /// <summary>A list value's items; a single value counts as one (Compose would refuse it, but it must not hide a grant).</summary>
    private static IEnumerable<YNode> Sequence(YNode value) => value switch
    {
        YSequence seq => seq.Items,
        YScalar { Value: { Length: > 0 } } => [value],
        _ => [],
    };

    /// <summary>A mapping's entries with YAML merge keys (&lt;&lt;: *anchor) followed, so an anchor cannot hide a grant.</summary>
    private static IEnumerable<YEntry> Entries(YMapping node)
    {
        foreach (var entry in node.Entries)
        {
            if (entry.Name != "<<")
            {
                yield return entry;
                continue;
            }

            var merged = entry.Value is YSequence many ? many.Items : [entry.Value];
            foreach (var inner in merged.OfType<YMapping>().SelectMany(Entries))
            {
                yield return inner;
            }
        }
    }

    private static YNode? Get(YMapping map, string key) => map[key];

    private static string Name(YScalar key) => key.Value ?? string.Empty;

    /// <summary>The findings as a numbered list for messages and logs.</summary>
    public static string Render(IEnumerable<PostureFinding> findings) =>
        string.Concat(findings.Select(f => string.Create(CultureInfo.InvariantCulture, $"\n  {f}")));
}
