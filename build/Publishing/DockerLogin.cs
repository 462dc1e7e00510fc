using Build.Registry;
using Build.Tools;

namespace Build.Publishing;

/// <summary>
/// `docker login` with the secret on stdin: never in argv, never in a log line. It runs with the environment of a
/// <see cref="DockerConfigScope"/> (DOCKER_CONFIG), so the token it stores is deleted with the scope at the end of the run.
/// </summary>
public static class DockerLogin
{
    public static CommandLine Command(string registry, RegistryCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new CommandLine("docker").Add("login", registry, "--username", credential.Username, "--password-stdin");
    }

    public static ProcessOptions Options(RegistryCredential credential, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(environment);
        return new ProcessOptions { StandardInput = credential.Secret, Environment = environment, Timeout = TimeSpan.FromMinutes(2) };
    }

    public static void Login(string registry, RegistryCredential credential, IReadOnlyDictionary<string, string?> environment, IProcessRunner processes)
    {
        ArgumentNullException.ThrowIfNull(processes);
        var result = processes.Run(Command(registry, credential), Options(credential, environment));
        if (!result.Succeeded)
        {
            // The CLI's error never contains the password (it came through stdin); still, redact defensively.
            var error = result.StandardError.Replace(credential.Secret, "[REDACTED]", StringComparison.Ordinal).Replace(credential.BasicHeaderValue, "[REDACTED]", StringComparison.Ordinal).Trim();
            throw new PublishException($"docker login {registry} as {credential.Username} failed: {error}");
        }
    }
}
