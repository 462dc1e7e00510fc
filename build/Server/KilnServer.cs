using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Build.Host;
using Build.Services;
using Build.Tools;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Build.Server;

/// <summary>
/// The resident Kiln process build.sh hands its runs to: the same host, tasks and code as a direct run, in a process
/// whose runtime is already loaded and whose code is already compiled, so a small run (one agent's edit) pays the
/// bake and little else. One run at a time: each takes the client's working directory, environment (which its child
/// processes inherit), stdout/stderr (the client's FIFOs) and terminal, exactly as a direct run would have them.
/// It answers only on loopback, only to a client that read the token from its state file (mode 0600), exits when its
/// DLL changes (build.sh rebuilt the app), after <see cref="IdleLimit"/> without a run, and — killing the run's
/// processes — when the client goes away mid-run (Ctrl-C).
/// </summary>
public sealed class KilnServer(CakeHost host, ServerState state)
{
    public const string ServeArgument = "--serve";

    public static readonly TimeSpan IdleLimit = TimeSpan.FromHours(3);

    private static readonly TimeSpan RequestLimit = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _dll = typeof(KilnServer).Assembly.Location;
    private DateTime _dllWritten;

    public int Serve()
    {
        _dllWritten = File.GetLastWriteTimeUtc(_dll);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        state.Write(((IPEndPoint)listener.LocalEndpoint).Port, token, Environment.ProcessId);
        Log($"serving on 127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port} (pid {Environment.ProcessId}, {_dll})");
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                idle.CancelAfter(IdleLimit);
                TcpClient client;
                try
                {
                    client = listener.AcceptTcpClientAsync(idle.Token).AsTask().GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    Log(_stop.IsCancellationRequested ? "stopping" : $"idle for {IdleLimit.TotalHours:0} h: stopping");
                    break;
                }

                _ = Task.Run(() => Handle(client, token));
            }
        }
        finally
        {
            listener.Stop();
            // Wait for a run in progress (a stale DLL stops the server while another client's run finishes).
            _running.Wait();
            state.RemoveIfOwn(Environment.ProcessId);
        }

        return 0;
    }

    private void Handle(TcpClient client, string token)
    {
        using var _ = client;
        var stream = client.GetStream();
        ServerRequest request;
        try
        {
            client.ReceiveTimeout = (int)RequestLimit.TotalMilliseconds;
            request = ServerRequest.Read(new BufferedStream(stream));
            client.ReceiveTimeout = 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or SocketException)
        {
            Log($"refused a request: {ex.Message}");
            Reply(stream, "refused");
            return;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Token), Encoding.UTF8.GetBytes(token)))
        {
            Log("refused a request with a wrong token");
            Reply(stream, "refused");
            return;
        }

        if (File.GetLastWriteTimeUtc(_dll) != _dllWritten)
        {
            Log("the app was rebuilt: stopping (the client runs the new one itself)");
            Reply(stream, "stale");
            _stop.Cancel();
            return;
        }

        if (!_running.Wait(0))
        {
            Reply(stream, "busy");
            return;
        }

        try
        {
            Reply(stream, "run");
            var code = Run(request, stream);
            Reply(stream, $"exit {code}");
        }
        finally
        {
            _running.Release();
        }
    }

    private int Run(ServerRequest request, NetworkStream stream)
    {
        var arrived = DateTime.Now;
        Log($"run: {request}");
        using var output = OpenFifo(Path.Combine(request.FifoDirectory, "out"));
        using var error = OpenFifo(Path.Combine(request.FifoDirectory, "err"));
        if (output is null || error is null)
        {
            Log("the client did not open its FIFOs: run dropped");
            return 1;
        }

        // The client gone mid-run is Ctrl-C: its run's processes go with it, as they would in a terminal.
        var watch = Task.Run(() =>
        {
            var buffer = new byte[1];
            try
            {
                while (stream.Read(buffer, 0, 1) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            return true;
        });
        var done = new CancellationTokenSource();
        _ = watch.ContinueWith(_ => { if (!done.IsCancellationRequested) { Interrupt(); } }, TaskScheduler.Default);

        var cwd = Environment.CurrentDirectory;
        var stdout = Console.Out;
        var stderr = Console.Error;
        var saved = SwapEnvironment(request.Environment);
        try
        {
            Environment.CurrentDirectory = request.WorkingDirectory;
            Console.SetOut(output);
            Console.SetError(error);
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(output),
                Ansi = request.Terminal ? AnsiSupport.Yes : AnsiSupport.No,
                ColorSystem = request.Terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
                Interactive = request.Terminal ? InteractionSupport.Yes : InteractionSupport.No,
            });
            if (request.Columns > 0)
            {
                console.Profile.Width = request.Columns;
            }

            host.RunServices = s => s
                .AddSingleton(new KilnEnvironment())
                .AddSingleton<IAnsiConsole>(console)
                .AddSingleton(new RunOutput(output, error, request.Terminal ? console : null))
                .AddSingleton(new RunClock(arrived));
            try
            {
                return host.Run(request.Arguments);
            }
            catch (Exception ex)
            {
                error.WriteLine($"Kiln's server failed the run: {ex}");
                return 70;
            }
        }
        finally
        {
            done.Cancel();
            host.RunServices = null;
            output.Flush();
            error.Flush();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            Environment.CurrentDirectory = cwd;
            SwapEnvironment(saved);
            Log($"run ended in {(DateTime.Now - arrived).TotalMilliseconds:0} ms");
        }
    }

    /// <summary>The process environment becomes <paramref name="wanted"/> (what the run and its child processes read); returns the one it replaced.</summary>
    private static Dictionary<string, string> SwapEnvironment(IReadOnlyDictionary<string, string> wanted)
    {
        var current = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        foreach (var name in current.Keys.Where(n => !wanted.ContainsKey(n)))
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        foreach (var (name, value) in wanted.Where(kv => current.GetValueOrDefault(kv.Key) != kv.Value))
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        return current;
    }

    /// <summary>Opening a FIFO waits for its reader: a client that died before opening it must not hold the server.</summary>
    private static StreamWriter? OpenFifo(string path)
    {
        var open = Task.Run(() => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None));
        if (!open.Wait(RequestLimit))
        {
            // Unblock the pending open (its reader is us), then drop it.
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1))
            {
            }

            open.ContinueWith(t => t.Result.Dispose(), TaskScheduler.Default);
            return null;
        }

        return new StreamWriter(open.Result, new UTF8Encoding(false)) { AutoFlush = true };
    }

    /// <summary>Ctrl-C reached the client, not this process: interrupt the whole group (the run's docker processes too) as a terminal would, then go.</summary>
    private void Interrupt()
    {
        Log("the client went away mid-run: interrupting the run's processes and stopping");
        state.RemoveIfOwn(Environment.ProcessId);
        if (LeadsProcessGroup())
        {
            new ProcessRunner(new KilnEnvironment()).Run(
                new CommandLine("kill").Add("-INT", "--", $"-{Environment.ProcessId}"),
                new ProcessOptions { Timeout = TimeSpan.FromSeconds(2) });
        }

        Environment.Exit(130);
    }

    private static void Reply(NetworkStream stream, string line)
    {
        try
        {
            stream.Write(Encoding.ASCII.GetBytes(line + "\n"));
            stream.Flush();
        }
        catch (IOException)
        {
        }
    }

    private void Log(string line) => state.Log(line);

    /// <summary>Only a server build.sh started in a session of its own (setsid) may signal its group: else the group is the user's shell's.</summary>
    private static bool LeadsProcessGroup()
    {
        try
        {
            // /proc/self/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so count from its closing parenthesis.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 2 && fields[2] == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
