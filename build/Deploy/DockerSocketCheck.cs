using System.Globalization;

namespace Build.Deploy;

/// <summary>
/// A socket-mounting service joins its machine's docker_gid instead of running as root, so that number must be the
/// group the socket really has on the host Deploy runs on; otherwise the service starts and is refused by the socket.
/// </summary>
public static class DockerSocketCheck
{
    /// <summary>
    /// The socket to check: DOCKER_HOST's path when it is a unix socket, the default socket when it is unset, and
    /// null when the engine is remote (its socket is not on this host).
    /// </summary>
    public static string? SocketPath(string? dockerHost)
    {
        const string Unix = "unix://";
        if (string.IsNullOrEmpty(dockerHost))
        {
            return ComposeRenderer.DockerSocket;
        }

        return dockerHost.StartsWith(Unix, StringComparison.Ordinal) ? dockerHost[Unix.Length..] : null;
    }

    /// <summary>Why the socket's group does not fit the machine's docker_gid, with the fix; null when it does.</summary>
    /// <param name="actualGid">The socket's group as stat read it; null when it could not be read (<paramref name="statError"/> says why).</param>
    public static string? Problem(string fleetFile, string machine, int expectedGid, string socketPath, int? actualGid, IReadOnlyList<string> services, string? statError = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var who = string.Join(", ", services);
        var expected = expectedGid.ToString(CultureInfo.InvariantCulture);
        if (actualGid is not { } actual)
        {
            return $"Cannot read the group of {socketPath} on this host ({(string.IsNullOrWhiteSpace(statError) ? "stat failed" : statError.Trim())}), which {who} on machine '{machine}' mount as group {expected}. " +
                "Check that the Docker engine runs here and that DOCKER_HOST names its socket.";
        }

        return actual == expectedGid
            ? null
            : $"Machine '{machine}' declares docker_gid {expected} in {fleetFile}, but {socketPath} belongs to group {actual.ToString(CultureInfo.InvariantCulture)} on this host: {who} would join group {expected} and be refused by the socket. " +
              $"Set 'docker_gid: {actual.ToString(CultureInfo.InvariantCulture)}' for machine '{machine}' in {fleetFile} and run ./build.sh --target=Generate.";
    }
}
