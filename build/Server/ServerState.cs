using System.Globalization;

namespace Build.Server;

/// <summary>
/// Where build.sh finds the server of this checkout: <c>state</c> holds three lines — port, token, pid — readable by
/// its owner only (the token is what lets a client in); <c>log</c> holds a line per event (the first names the DLL).
/// </summary>
public sealed class ServerState(string directory)
{
    public string Directory { get; } = directory;

    public string StatePath => Path.Combine(Directory, "state");

    public string LogPath => Path.Combine(Directory, "log");

    public void Write(int port, string token, int pid)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temp = StatePath + $".{pid}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temp, options))
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{port}\n{token}\n{pid}\n"));
        }

        File.Move(temp, StatePath, overwrite: true);
    }

    /// <summary>Removes the state file when it still names this process (a newer server may have replaced it).</summary>
    public void RemoveIfOwn(int pid)
    {
        try
        {
            var lines = File.ReadAllLines(StatePath);
            if (lines.Length > 2 && lines[2] == pid.ToString(CultureInfo.InvariantCulture))
            {
                File.Delete(StatePath);
            }
        }
        catch (IOException)
        {
        }
    }

    public void Log(string line)
    {
        try
        {
            File.AppendAllText(LogPath, string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} [{Environment.ProcessId}] {line}\n"));
        }
        catch (IOException)
        {
        }
    }
}
