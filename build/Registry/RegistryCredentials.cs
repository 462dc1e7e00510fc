using System.Text;
using System.Text.Json;

namespace Build.Registry;

/// <summary>A registry login. The secret never appears in ToString (records print every member by default).</summary>
public sealed record RegistryCredential(string Username, string Secret)
{
    public override string ToString() => $"{Username}:[REDACTED]";

    public string BasicHeaderValue => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Secret}"));

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username).Append(", Secret = [REDACTED]");
        return true;
    }
}

/// <summary>
/// Where credentials come from, never argv: KILN_REGISTRY_USER/KILN_REGISTRY_TOKEN, GITHUB_TOKEN for ghcr.io, then
/// Docker's config file ($DOCKER_CONFIG/config.json or ~/.docker/config.json, "auths" entries).
/// </summary>
public static class RegistryCredentials
{
    public static Func<string, RegistryCredential?> FromEnvironment(Func<string, string?> environment, string? dockerConfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return registry =>
        {
            if (environment("KILN_REGISTRY_TOKEN") is { Length: > 0 } token)
            {
                return new RegistryCredential(environment("KILN_REGISTRY_USER") is { Length: > 0 } u ? u : "kiln", token);
            }

            if (registry == "ghcr.io" && environment("GITHUB_TOKEN") is { Length: > 0 } gh)
            {
                return new RegistryCredential(environment("GITHUB_ACTOR") is { Length: > 0 } actor ? actor : "kiln", gh);
            }

            var path = dockerConfigPath ?? Path.Combine(
                environment("DOCKER_CONFIG") ?? Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker"),
                "config.json");
            return FromDockerConfig(path, registry);
        };
    }

    public static RegistryCredential? FromDockerConfig(string path, string registry)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("auths", out var auths))
            {
                return null;
            }

            foreach (var entry in auths.EnumerateObject())
            {
                var host = entry.Name.Replace("https://", string.Empty, StringComparison.Ordinal).Replace("http://", string.Empty, StringComparison.Ordinal).Split('/')[0];
                var matches = host == registry || (registry == ImageName.DockerHub && host is "index.docker.io" or "docker.io");
                if (matches && entry.Value.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
                {
                    var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                    var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                    return colon > 0 ? new RegistryCredential(decoded[..colon], decoded[(colon + 1)..]) : null;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or IOException)
        {
            // An unreadable Docker config means anonymous access, not a crash.
        }

        return null;
    }
}
