using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Build.Hashing;
using Build.Server;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Server;

/// <summary>
/// build.sh's resident server, driven through build.sh itself (the bash client is what users run). Each test has its
/// own copy of build.sh and the built app (run/), so a test that "rebuilds" the app stops only its own server.
/// </summary>
[Category("Integration")]
public sealed partial class ServerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Test]
    public void A_served_run_gives_what_a_direct_run_gives_and_takes_the_clients_environment()
    {
        using var app = new AppCopy();
        using var demo = new DemoRepo();
        // Local mode: the check below runs the catalog's unpinned default base, which CI mode refuses.
        string[] hash = ["--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", "--offline", "--mode=local", $"--working={demo.Root}", "--no-report"];

        var direct = app.Run(served: false, hash);
        direct.ExitCode.ShouldBe(0, direct.StandardError);
        var directHashes = Hashes(demo);
        app.Run(served: true, hash).ExitCode.ShouldBe(0);   // no server yet: this one runs itself and starts one
        app.WaitForServer();

        File.Delete(demo.Full("artifacts/hashes.json"));
        var served = app.Run(served: true, hash);
        served.ExitCode.ShouldBe(0, served.StandardError);
        app.Log().ShouldContain($"run: {app.Root}: {string.Join(' ', hash)}");
        Hashes(demo).ShouldBe(directHashes);
        Untimed(served.StandardOutput).ShouldBe(Untimed(direct.StandardOutput));

        // Exit code and message of a usage error, as a direct run gives them.
        var unknownDirect = app.Run(served: false, "--target=Nope", $"--working={demo.Root}");
        var unknownServed = app.Run(served: true, "--target=Nope", $"--working={demo.Root}");
        unknownServed.ExitCode.ShouldBe(2);
        unknownServed.ExitCode.ShouldBe(unknownDirect.ExitCode);
        Regex.Replace(unknownServed.StandardOutput + unknownServed.StandardError, @"\x1b\[[0-9;]*m", string.Empty).ShouldContain("Unknown target 'Nope'");
        unknownServed.StandardError.ShouldBe(unknownDirect.StandardError);

        // The server was started by a client that had the base variable: a run without it must not see it (the
        // catalog's default base then makes other hashes, the same a direct run without it makes).
        var unset = new Dictionary<string, string?> { ["KILN_DEMO_BASE"] = null };
        app.Run(served: false, unset, hash).ExitCode.ShouldBe(0);
        var directWithout = Hashes(demo);
        directWithout.ShouldNotBe(directHashes);
        File.Delete(demo.Full("artifacts/hashes.json"));
        app.Run(served: true, unset, hash).ExitCode.ShouldBe(0);
        Hashes(demo).ShouldBe(directWithout);
        app.Log().Split('\n').Count(l => l.Contains(" run: ", StringComparison.Ordinal)).ShouldBe(3);
    }

    [Test]
    public void A_rebuilt_app_stops_the_server_and_the_run_is_made_by_the_new_one()
    {
        using var app = new AppCopy();
        app.Run(served: true, "--tree").ExitCode.ShouldBe(0);
        var pid = app.WaitForServer();
        // Tiered compilation off: a long-lived server would keep recompiling, beside each run, what runs call once.
        File.ReadAllText($"/proc/{pid}/environ").Split('\0').ShouldContain("DOTNET_TieredCompilation=0");

        File.SetLastWriteTimeUtc(Path.Combine(app.Root, "run", "Build.dll"), DateTime.UtcNow.AddMinutes(1));
        var after = app.Run(served: true, "--tree");

        after.ExitCode.ShouldBe(0, after.StandardError);
        after.StandardOutput.ShouldContain("Default");
        WaitUntil(() => !Alive(pid), "the old server to stop");
        app.Log().ShouldContain("the app was rebuilt: stopping");
        var next = app.WaitForServer();   // the run that found it stale started a new one
        next.ShouldNotBe(pid);
    }

    [Test]
    public void A_client_without_the_token_is_refused_and_the_state_file_is_its_owners_alone()
    {
        using var app = new AppCopy();
        app.Run(served: true, "--tree").ExitCode.ShouldBe(0);
        app.WaitForServer();
        File.GetUnixFileMode(app.StatePath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var port = int.Parse(File.ReadAllLines(app.StatePath)[0], System.Globalization.CultureInfo.InvariantCulture);

        using (var client = new TcpClient("127.0.0.1", port))
        {
            var request = new ServerRequest("not-the-token", "/tmp", false, 0, app.Root, ["--tree"], new Dictionary<string, string>());
            client.GetStream().Write(request.Encode());
            new StreamReader(client.GetStream()).ReadLine().ShouldBe("refused");
        }

        app.Log().ShouldContain("refused a request with a wrong token");
        app.Run(served: true, "--tree").ExitCode.ShouldBe(0);
        app.Log().ShouldContain($"run: {app.Root}: --tree");
    }

    [Test]
    public void A_busy_server_sends_a_second_client_to_run_itself_and_a_client_gone_mid_run_interrupts_the_run_and_stops_the_server()
    {
        using var app = new AppCopy();
        using var demo = new DemoRepo();
        app.Run(served: true, "--tree").ExitCode.ShouldBe(0);
        var pid = app.WaitForServer();
        var lines = File.ReadAllLines(app.StatePath);

        // A registry that accepts connections and never answers holds the run in its lookup.
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var registry = $"127.0.0.1:{((System.Net.IPEndPoint)silent.LocalEndpoint).Port}/kiln/silent";
        using var fifos = new TempDir("kiln-run-");
        foreach (var name in new[] { "out", "err" })
        {
            TestInfra.Run(new CommandLine("mkfifo").Add(Path.Combine(fifos.Path, name)));
        }

        using (var client = new TcpClient("127.0.0.1", int.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture)))
        {
            var environment = new Dictionary<string, string> { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin", ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"), ["HOME"] = Path.GetTempPath() };
            var request = new ServerRequest(lines[1], fifos.Path, false, 0, app.Root, ["--target=ComputeHash", $"--catalog={DemoRepo.Catalog}", $"--registry={registry}", "--mode=ci", $"--working={demo.Root}", "--no-report"], environment);
            client.GetStream().Write(request.Encode());
            new StreamReader(client.GetStream()).ReadLine().ShouldBe("run");
            var readers = new[] { "out", "err" }.Select(n => Task.Run(() => File.ReadAllText(Path.Combine(fifos.Path, n)))).ToList();
            WaitUntil(() => app.Log().Contains($"run: {app.Root}: --target=ComputeHash", StringComparison.Ordinal), "the run to start");

            // While it is busy, another client runs itself instead of waiting.
            var meanwhile = app.Run(served: true, "--tree");
            meanwhile.ExitCode.ShouldBe(0, meanwhile.StandardError);
            meanwhile.StandardOutput.ShouldContain("Default");
            app.Log().ShouldNotContain($"run: {app.Root}: --tree");
        }

        WaitUntil(() => !Alive(pid), "the server to stop");
        app.Log().ShouldContain("the client went away mid-run: interrupting the run's processes and stopping");
        File.Exists(app.StatePath).ShouldBeFalse();
    }

    private static IReadOnlyList<(string Name, string Hash)> Hashes(DemoRepo demo) =>
        [.. HashReport.FromJson(File.ReadAllText(demo.Full("artifacts/hashes.json"))).Families.Select(f => (f.Name, f.Hash))];

    /// <summary>Cake's closing table times each task: the rest of the output must match byte for byte.</summary>
    private static string Untimed(string output) => Timing().Replace(output, "<time>");

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > Patience)
            {
                Assert.Fail($"Waited {Patience.TotalSeconds:0} s for {what}.");
            }

            Thread.Sleep(100);
        }
    }

    [GeneratedRegex(@"\d\d:\d\d:\d\d\.\d+")]
    private static partial Regex Timing();

    /// <summary>build.sh and the built app in a folder of their own, with a server state folder of their own.</summary>
    private sealed class AppCopy : IDisposable
    {
        private readonly TempDir _dir = new("kiln-app-");

        public AppCopy()
        {
            File.Copy(Path.Combine(TestInfra.RepoRoot, "build.sh"), Path.Combine(Root, "build.sh"));
            var run = Path.Combine(TestInfra.RepoRoot, "run");
            if (!File.Exists(Path.Combine(run, "Build.dll")))
            {
                TestInfra.Run(new CommandLine("bash").Add(Path.Combine(TestInfra.RepoRoot, "build.sh"), "--version"), TestInfra.RepoRoot, new Dictionary<string, string?> { ["KILN_SERVER"] = "off" }, TimeSpan.FromMinutes(10));
            }

            TestTree.Copy(run, Path.Combine(Root, "run"));
        }

        public string Root => _dir.Path;

        public string StatePath => Path.Combine(Root, ".kiln", "server", "state");

        public ProcessResult Run(bool served, params string[] args) => Run(served, new Dictionary<string, string?>(), args);

        public ProcessResult Run(bool served, IReadOnlyDictionary<string, string?> environment, params string[] args)
        {
            var env = new Dictionary<string, string?>
            {
                ["KILN_SERVER"] = served ? "on" : "off",
                ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"),
            };
            foreach (var (name, value) in environment)
            {
                env[name] = value;
            }

            return RealProcesses.Runner.Run(new CommandLine("bash").Add(Path.Combine(Root, "build.sh")).Add(args), new ProcessOptions { WorkingDirectory = Root, Environment = env, Timeout = TimeSpan.FromMinutes(3) });
        }

        public int WaitForServer()
        {
            var pid = 0;
            WaitUntil(() => File.Exists(StatePath) && File.ReadAllLines(StatePath) is [_, _, var p, ..] && int.TryParse(p, out pid) && Alive(pid), "the server to come up");
            return pid;
        }

        public string Log() => File.Exists(Path.Combine(Root, ".kiln", "server", "log")) ? File.ReadAllText(Path.Combine(Root, ".kiln", "server", "log")) : string.Empty;

        public void Dispose()
        {
            RealProcesses.Runner.Run(new CommandLine("bash").Add(Path.Combine(Root, "build.sh"), "--stop-server"), new ProcessOptions { WorkingDirectory = Root, Environment = new Dictionary<string, string?> { ["KILN_SERVER"] = "off" } });
            _dir.Dispose();
        }
    }
}
