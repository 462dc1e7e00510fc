namespace Build.Publishing;

/// <summary>
/// A Docker config directory for one run: `docker login` writes the credential here, not into the user's
/// ~/.docker/config.json, and the directory is deleted when the run ends, whatever happened.
/// </summary>
public sealed class DockerConfigScope : IDisposable
{
    private DockerConfigScope(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>What every docker command of the run gets, so they all read and write this config only.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["DOCKER_CONFIG"] = Directory };

    /// <param name="userConfig">The user's Docker config directory, whose CLI plugins stay reachable (DOCKER_CONFIG relocates them).</param>
    public static DockerConfigScope Create(string directory, string? userConfig)
    {
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), "{}\n");
        var plugins = userConfig is null ? null : Path.Combine(userConfig, "cli-plugins");
        if (plugins is not null && System.IO.Directory.Exists(plugins))
        {
            System.IO.Directory.CreateSymbolicLink(Path.Combine(directory, "cli-plugins"), plugins);
        }

        return new DockerConfigScope(directory);
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
