using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Build.Tools;

namespace Build.Tests.Infra;

/// <summary>
/// A docker-registry of one test's own on a free loopback port: optionally with htpasswd auth, optionally serving
/// another registry's storage read-only; it can be stopped and restarted on the same storage.
/// </summary>
public sealed class TestRegistry : IDisposable
{
    private readonly TempDir _dir = new("kiln-test-registry-");
    private Process? _process;

    private TestRegistry()
    {
    }

    public int Port { get; } = FreePort();

    public static async Task<TestRegistry> StartAsync(string? user = null, string? password = null, string? sharedStorage = null)
    {
        var r = new TestRegistry();
        var auth = string.Empty;
        if (user is not null)
        {
            var line = TestInfra.Run(new CommandLine("htpasswd").Add("-Bbn", user).AddSecret(password!)).StandardOutput.Trim();
            File.WriteAllText(Path.Combine(r._dir.Path, "htpasswd"), line + "\n");
            auth = $"auth: {{ htpasswd: {{ realm: kiln-test, path: {Path.Combine(r._dir.Path, "htpasswd")} }} }}\n";
        }

        var storage = sharedStorage is null
            ? $"storage: {{ filesystem: {{ rootdirectory: {Path.Combine(r._dir.Path, "data")} }}, delete: {{ enabled: true }} }}"
            : $"storage: {{ filesystem: {{ rootdirectory: {sharedStorage} }}, maintenance: {{ uploadpurging: {{ enabled: false }}, readonly: {{ enabled: true }} }} }}";
        File.WriteAllText(Path.Combine(r._dir.Path, "config.yml"), $"version: 0.1\nlog: {{ level: warn }}\n{storage}\nhttp: {{ addr: 127.0.0.1:{r.Port} }}\n{auth}");
        await r.RestartAsync();
        return r;
    }

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>Starts the process and waits until /v2/ answers (200, or 401 with auth).</summary>
    public async Task RestartAsync()
    {
        _process = Process.Start(new ProcessStartInfo("docker-registry", ["serve", Path.Combine(_dir.Path, "config.yml")]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        using var http = new HttpClient();
        for (var i = 0; i < 80; i++)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port}/v2/"));
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        Stop();
        throw new InvalidOperationException($"docker-registry did not start on 127.0.0.1:{Port}");
    }

    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Stop();
        TestInfra.RemoveLocalTags($"127.0.0.1:{Port}/");
        _process?.Dispose();
        _dir.Dispose();
    }
}
