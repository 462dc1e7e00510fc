using System.Text.Json;
using System.Text.Json.Nodes;
using Build.Tools;

namespace Build.Publishing;

/// <summary>
/// A Docker client configuration of one run's own (DOCKER_CONFIG): `docker login` writes the registry token into the
/// config.json of the folder it is given, base64 but not encrypted, and leaves it there. Logging in, tagging and
/// pushing with <see cref="Environment"/> keeps the token in this folder, which <see cref="Dispose"/> deletes.
/// </summary>
public sealed class DockerConfigScope : IDisposable
{
    public const string Prefix = "docker-config-";

    // What of the user's config.json a run still needs. Never auths, credsStore or credHelpers: a credential store
    // would keep the token outside this folder, where deleting it does not reach.
    private static readonly string[] KeptSettings = ["currentContext", "proxies"];

    // DOCKER_CONFIG relocates these too: without cli-plugins there is no buildx; without contexts no named context.
    private static readonly string[] LinkedFolders = ["cli-plugins", "contexts"];

    private DockerConfigScope(string directory)
    {
        Directory = directory;
        Environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["DOCKER_CONFIG"] = directory };
    }

    /// <summary>The per-run configuration folder (deleted on <see cref="Dispose"/>).</summary>
    public string Directory { get; }

    /// <summary>What every docker command of the run gets through <see cref="ProcessOptions.Environment"/>.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; }

    /// <summary>
    /// Where the user's Docker configuration lives: $DOCKER_CONFIG, else ~/.docker (the CLI's own rule).
    /// </summary>
    public static string? UserConfigDirectory(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("DOCKER_CONFIG") is { Length: > 0 } configured)
        {
            return configured;
        }

        return environment("HOME") is { Length: > 0 } home ? Path.Combine(home, ".docker") : null;
    }

    /// <summary>
    /// Creates <c>docker-config-PID-RANDOM</c> under <paramref name="scratch"/> (the run's artifacts/.work), readable by the
    /// owner only, with a credential-free config.json; first removes folders that runs no longer alive left behind (killed
    /// before they could clean up).
    /// </summary>
    public static DockerConfigScope Create(string scratch, string? userConfigDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(scratch);
        System.IO.Directory.CreateDirectory(scratch);
        RemoveAbandoned(scratch);
        var directory = Path.Combine(Path.GetFullPath(scratch), $"{Prefix}{System.Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        var scope = new DockerConfigScope(directory);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(directory);
            }
            else
            {
                System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            File.WriteAllText(Path.Combine(directory, "config.json"), RenderConfig(ReadUserConfig(userConfigDirectory)));
            foreach (var name in LinkedFolders)
            {
                var target = userConfigDirectory is null ? null : Path.Combine(userConfigDirectory, name);
                if (target is not null && System.IO.Directory.Exists(target))
                {
                    System.IO.Directory.CreateSymbolicLink(Path.Combine(directory, name), target);
                }
            }

            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>The user's config.json reduced to <see cref="KeptSettings"/>, rendered as the file docker reads.</summary>
    public static string RenderConfig(JsonObject? userConfig)
    {
        var config = new JsonObject { ["auths"] = new JsonObject() };
        foreach (var key in KeptSettings)
        {
            if (userConfig?[key] is { } value)
            {
                config[key] = value.DeepClone();
            }
        }

        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Options for a docker command of this run: the caller's, plus DOCKER_CONFIG.</summary>
    public ProcessOptions Apply(ProcessOptions? options)
    {
        options ??= new ProcessOptions();
        var environment = new Dictionary<string, string?>(options.Environment, StringComparer.Ordinal);
        foreach (var (name, value) in Environment)
        {
            environment[name] = value;
        }

        return options with { Environment = environment };
    }

    /// <summary>Deletes the folder with the token in it; the linked user folders are unlinked, never entered.</summary>
    public void Dispose()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        foreach (var name in LinkedFolders)
        {
            var link = new DirectoryInfo(Path.Combine(Directory, name));
            if (link.LinkTarget is not null)
            {
                link.Delete();
            }
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static JsonObject? ReadUserConfig(string? userConfigDirectory)
    {
        var path = userConfigDirectory is null ? null : Path.Combine(userConfigDirectory, "config.json");
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            // Docker itself refuses a broken config.json; the run's own one does not inherit the breakage.
            return null;
        }
    }

    private static void RemoveAbandoned(string scratch)
    {
        foreach (var folder in System.IO.Directory.EnumerateDirectories(scratch, Prefix + "*"))
        {
            var pid = Path.GetFileName(folder)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, System.Globalization.CultureInfo.InvariantCulture, out var id) && !IsAlive(id))
            {
                new DockerConfigScope(folder).Dispose();
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
