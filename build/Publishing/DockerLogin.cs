using Build.Registry;
using Build.Tools;

namespace Build.Publishing;

/// <summary>`docker login` with the secret on stdin: never in argv, never in a log line.</summary>
public static class DockerLogin
{
    public static CommandLine Command(string registry, RegistryCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new CommandLine("docker").Add("login", registry, "--username", credential.Username, "--password-stdin");
    }

    public static ProcessOptions Options(RegistryCredential credential, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new ProcessOptions { StandardInput = credential.Secret, Timeout = TimeSpan.FromMinutes(2), Environment = environment ?? new Dictionary<string, string?>() };
    }

    /// <param name="environment">The run's Docker config scope (DOCKER_CONFIG), so the credential never outlives the run.</param>
    public static void Login(string registry, RegistryCredential credential, Func<CommandLine, ProcessOptions?, ProcessResult> run, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var result = run(Command(registry, credential), Options(credential, environment));
        if (!result.Succeeded)
        {
            // The CLI's error never contains the password (it came through stdin); still, redact defensively.
            throw new PublishException($"docker login {registry} as {credential.Username} failed: {result.StandardError.Replace(credential.Secret, "[REDACTED]", StringComparison.Ordinal).Trim()}");
        }
    }
}
