using Build.Deploy;
using YamlDotNet.RepresentationModel;

namespace Build.Tests.Deploy;

/// <summary>A service in a Compose file that breaks the fleet's security posture.</summary>
public sealed record ComposeProblem(string File, string Service, string Message)
{
    public override string ToString() => $"{File}: service '{Service}': {Message}";
}

/// <summary>
/// What the tests assert of every generated Compose file (the renderer's own output and the demo's committed files).
/// Reads a Compose file back (as Compose would see it, not as Kiln meant it) and checks the hardened posture on
/// every service: a non-root user, all capabilities dropped, no new privileges, a read-only root, a healthcheck, and
/// the Docker socket, host devices, extra groups and GPUs only where the fleet's keys grant them.
/// </summary>
public static class ComposeChecks
{
    public static IReadOnlyList<ComposeProblem> Security(string file, string yaml, IReadOnlySet<string>? socketAllowed = null, IReadOnlySet<string>? devicesAllowed = null, IReadOnlySet<string>? gpuAllowed = null)
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

            // A group is only ever the socket's or the sound devices' owner: each comes with the key that grants it.
            if (List(s, "group_add").Count > 0 && socketAllowed?.Contains(name) != true && devicesAllowed?.Contains(name) != true)
            {
                Problem("joins extra host groups, which its fleet entry does not allow ('docker_socket: true' or 'audio_device: true').");
            }

            if (Get(s, "deploy") is YamlMappingNode deploy && Get(deploy, "resources") is YamlMappingNode resources && Get(resources, "reservations") is YamlMappingNode reservations
                && Get(reservations, "devices") is YamlSequenceNode { Children.Count: > 0 } && gpuAllowed?.Contains(name) != true)
            {
                Problem("reserves GPUs, which only a service of a GPU family gets.");
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
