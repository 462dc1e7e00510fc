using Build.Host;

namespace Build.Server;

public static class ServerExtensions
{
    /// <summary><c>--serve DIR</c> (what build.sh starts): the host answers build.sh's runs, else it runs <paramref name="args"/> once.</summary>
    public static int RunOrServe(this CakeHost host, string[] args)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(args);
        return args is [KilnServer.ServeArgument, var directory]
            ? new KilnServer(host, new ServerState(Path.GetFullPath(directory))).Serve()
            : host.Run(args);
    }
}
