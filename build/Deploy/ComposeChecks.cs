using YamlDotNet.RepresentationModel;

namespace Build.Deploy;

/// <summary>A service in a Compose file that breaks the fleet's security posture.</summary>
public sealed record ComposeProblem(string File, string Service, string Message)
{
    public override string ToString() => $"{File}: service '{Service}': {Message}";
}

/// <summary>
/// Reads a Compose file back (as Compose would see it, not as Kiln meant it) and checks the hardened posture on
/// every service: a non-root user, all capabilities dropped, no new privileges, a read-only root, a healthcheck, and
/// the Docker socket and host devices only where the fleet allows them.
/// </summary>
public static class ComposeChecks
{
    public static IReadOnlyList<ComposeProblem> Security(string file, string yaml, IReadOnlySet<string>? socketAllowed = null, IReadOnlySet<string>? devicesAllowed = null)
    {
        var problems = new List<ComposeProblem>();
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root || Get(root, "services") is not YamlMappingNode services)
        {
            return [new ComposeProblem(file, "-", "The file has no 'services:' mapping.")];
        }

        foreach (var (key, value) in services.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? string.Empty;
            void Problem(string message) => problems.Add(new ComposeProblem(file, name, message));
            if (value is not YamlMappingNode s)
            {
                Problem("is not a mapping.");
                continue;
            }

            var user = Scalar(s, "user");
            if (user is null || user.Split(':')[0] is "" or "0" or "root")
            {
                Problem($"runs as root (user: {user ?? "unset"}); set a non-root 'user: \"uid:gid\"'.");
            }

            if (!List(s, "cap_drop").Contains("ALL"))
            {
                Problem("does not drop all capabilities ('cap_drop: [ALL]').");
            }

            if (!List(s, "security_opt").Contains("no-new-privileges:true"))
            {
                Problem("allows new privileges ('security_opt: [\"no-new-privileges:true\"]').");
            }

            if (Scalar(s, "read_only") != "true")
            {
                Problem("has a writable root filesystem ('read_only: true').");
            }

            var health = Get(s, "healthcheck") as YamlMappingNode;
            var test = health is null ? [] : List(health, "test");
            if (health is null || test.Count == 0 || test[0] == "NONE" || Scalar(health, "disable") == "true")
            {
                Problem("has no healthcheck.");
            }

            if (List(s, "volumes").Any(v => v.StartsWith(ComposeRenderer.DockerSocket, StringComparison.Ordinal)) && socketAllowed?.Contains(name) != true)
            {
                Problem("mounts the Docker socket, which its fleet entry does not allow ('docker_socket: true').");
            }

            if (List(s, "devices").Count > 0 && devicesAllowed?.Contains(name) != true)
            {
                Problem("gets host devices, which its fleet entry does not allow ('audio_device: true').");
            }
        }

        return problems;
    }

    private static YamlNode? Get(YamlMappingNode m, string key) =>
        m.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    private static string? Scalar(YamlMappingNode m, string key) => (Get(m, key) as YamlScalarNode)?.Value;

    private static List<string> List(YamlMappingNode m, string key) => Get(m, key) switch
    {
        YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(c => c.Value ?? string.Empty).ToList(),
        YamlScalarNode one => [one.Value ?? string.Empty],
        _ => [],
    };
}
