using Build.Tools;

namespace Build.Deploy;

/// <summary>
/// The `docker compose` command lines Kiln runs, as data (tests assert them whole): Deploy's up, ps and logs and
/// Down's down on one machine's project, and the config check GenerateCheck and Lint run on a generated file.
/// </summary>
public static class ComposeCommands
{
    /// <summary>The machine's project: its name, the generated file, then each override on top, in order.</summary>
    public static CommandLine Project(string machine, string file, IEnumerable<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var command = new CommandLine("docker").Add("compose", "-p", ComposeRenderer.ProjectName(machine), "-f", file);
        foreach (var extra in overrides)
        {
            command = command.Add("-f", extra);
        }

        return command;
    }

    /// <summary>Up and healthy, or failed at the first container that is not, within five minutes.</summary>
    public static CommandLine Up(CommandLine project) => Of(project).Add("up", "-d", "--wait", "--wait-timeout", "300", "--remove-orphans");

    public static CommandLine Containers(CommandLine project) => Of(project).Add("ps", "-a", "-q");

    public static CommandLine Logs(CommandLine project, string service) => Of(project).Add("logs", "--no-color", "--tail", "20", service);

    public static CommandLine Down(CommandLine project) => Of(project).Add("down", "--remove-orphans");

    /// <summary>Compose's own validation of a file: its errors carry the service's path.</summary>
    public static CommandLine Config(string file) => new CommandLine("docker").Add("compose", "-f", file, "config", "-q");

    private static CommandLine Of(CommandLine project) => project ?? throw new ArgumentNullException(nameof(project));
}
