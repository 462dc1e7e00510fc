namespace Build.Fleet;

/// <summary>
/// Which host folders a container may bind. A host path reaches the host beyond the hardened container, so it is
/// allowed only where its machine declares it (host_paths, models_dir) or inside the repository; the host's system
/// folders and the Docker socket are never bound as ordinary volumes, whatever a machine declares.
/// </summary>
public static class HostAccess
{
    /// <summary>
    /// Host folders that hold the system itself, its devices, its processes or its container engine: binding one, a
    /// folder inside one, or a folder that holds one (/var holds /var/run) hands the host to the container.
    /// </summary>
    public static IReadOnlyList<string> SystemFolders { get; } =
    [
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run", "/sbin", "/sys",
        "/usr", "/var/lib/containerd", "/var/lib/docker", "/var/run",
    ];

    /// <summary>The Docker socket where engines put it; binding it is 'docker_socket: true' and nothing else.</summary>
    public static IReadOnlyList<string> DockerSockets { get; } = [FleetWiring.DockerSocket, "/run/docker.sock"];

    /// <summary>An absolute path without '.', '..' or empty parts (and no trailing '/'); null when it is not one.</summary>
    public static string? Normal(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/'))
        {
            return null;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Any(p => p is "." or "..") ? null : "/" + string.Join('/', parts);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or inside it (both normal absolute paths).</summary>
    public static bool Under(string path, string folder)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(folder);
        return folder == "/" || path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);
    }

    /// <summary>
    /// Why a normal absolute host path may never be bound, or null: the whole filesystem, the Docker socket, or a
    /// system folder (itself, inside it, or holding it).
    /// </summary>
    public static string? Forbidden(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == "/")
        {
            return "the host's whole filesystem";
        }

        if (IsDockerSocket(path))
        {
            return "the Docker socket";
        }

        if (SystemFolders.FirstOrDefault(f => Under(path, f)) is { } inside)
        {
            return path == inside ? $"the host's system folder {inside}" : $"inside the host's system folder {inside}";
        }

        return SystemFolders.FirstOrDefault(f => Under(f, path)) is { } held ? $"a folder holding the host's system folder {held}" : null;
    }

    /// <summary>The Docker socket at one of its usual places, or any socket file named docker.sock (a rootless engine's).</summary>
    public static bool IsDockerSocket(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return DockerSockets.Contains(path) || path.EndsWith("/docker.sock", StringComparison.Ordinal);
    }

    /// <summary>The machine's folder that allows <paramref name="path"/> (host_paths, then models_dir), or null.</summary>
    public static string? AllowedBy(FleetMachine machine, string path)
    {
        ArgumentNullException.ThrowIfNull(machine);
        return machine.AllowedHostFolders.FirstOrDefault(f => Under(path, f));
    }

    /// <summary>The folder a machine's Compose file is in, relative to the repository: relative host paths start there.</summary>
    public static string ComposeFolder(string deployDir, string machine) => $"{deployDir}/{machine}";

    /// <summary>
    /// A relative host path as a repository path: resolved (without following links) from the Compose file's
    /// folder, as Compose does; null when it climbs out of the repository.
    /// </summary>
    public static string? InRepository(string deployDir, string machine, string relative)
    {
        ArgumentNullException.ThrowIfNull(deployDir);
        ArgumentNullException.ThrowIfNull(relative);
        var parts = new List<string>(ComposeFolder(deployDir, machine).Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }

        return parts.Count == 0 ? "." : string.Join('/', parts);
    }
}
