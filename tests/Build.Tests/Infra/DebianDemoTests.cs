using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Build.Tools;

namespace Build.Tests.Infra;

/// <summary>
/// The Debian demo (examples/demo) built for real through the app — Bake and ExportArtifacts on the mmdebstrap base
/// from tests/infra/up.sh — and then its images run: the web service, the hash-locked wheel, the GPU probe, the export.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DebianDemoTests
{
    private const string Catalog = "examples/demo/families.yaml";

    private DebianRepo _repo = null!;
    private Dictionary<string, string> _tags = null!;
    private List<Image> _first = null!;
    private string _fleetReport = null!;

    [OneTimeSetUp]
    public void BuildTheDebianTree()
    {
        _repo = new DebianRepo();
        Git("init", "-q");
        Git("-c", "user.email=t@kiln", "-c", "user.name=t", "add", "-A");
        Git("-c", "user.email=t@kiln", "-c", "user.name=t", "commit", "-qm", "debian demo");

        var (code, output) = KilnApp.RunWith(_repo.Root, new() { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") },
            "--target=ExportArtifacts", "--artifacts", $"--catalog={Catalog}", $"--registry={_repo.Registry}", "--mode=local");
        code.ShouldBe(0, output);

        _first = Images();
        // Kept: later tests of this fixture run the chain again and rewrite artifacts/.
        _fleetReport = File.ReadAllText(_repo.Full("artifacts/fleet-report.json"));
        _tags = _first.Where(i => i.Kind == "family").ToDictionary(i => i.Name, i => i.Tag);
    }

    [OneTimeTearDown]
    public void Cleanup() => _repo?.Dispose();

    [Test]
    public void Every_family_of_the_miniature_catalog_is_built()
    {
        _tags.Keys.Order(StringComparer.Ordinal).ShouldBe(
        [
            "demo-audio-py311", "demo-devcontainer-slim", "demo-devcontainer-tools", "demo-gpu-ada-py311", "demo-gpu-ada-vision-py311",
            "demo-gpu-ampere-py311", "demo-gpu-ampere-vision-py311", "demo-py311", "demo-web-py311",
        ]);
        foreach (var tag in _tags.Values)
        {
            TestInfra.Run(new CommandLine("docker").Add("image", "inspect", "--format", "{{.Id}}", tag));
        }
    }

    [Test]
    public void Services_build_in_the_family_graph_and_a_rebuild_touches_exactly_what_changed()
    {
        // The set-up's single bake built every family and every service of the demo fleet.
        _first.Where(i => i.Kind == "service").Select(i => i.Name).Order(StringComparer.Ordinal).ShouldBe(["audio", "gpu-ada", "heartbeat", "hello", "vision-ampere", "web"]);
        _first.ShouldAllBe(i => i.Outcome == "built");
        _first.Where(i => i.Kind == "service").ShouldAllBe(i => i.Tag.StartsWith(_repo.Registry + "-services:" + i.Name + "-", StringComparison.Ordinal));

        Built(Bake()).ShouldBeEmpty("nothing changed: a second bake builds nothing");

        // One service's code: that image only (its family and the other services are reused by hash).
        Edited("examples/demo/apps/hello/app.py", () => Built(Bake()).ShouldBe(["hello"]));

        // A shared first-party module: exactly the services whose imports reach it.
        Edited("examples/demo/apps/common/names.py", () => Built(Bake()).ShouldBe(["audio", "heartbeat", "hello"]));

        // A file beside the services that no service imports: nothing.
        Edited("examples/demo/apps/tools/report.py", () => Built(Bake()).ShouldBeEmpty());

        // A data file a service's 'files:' names: that service.
        Edited("examples/demo/apps/web/config/banner.txt", () => Built(Bake()).ShouldBe(["web"]));

        // A family: the family and exactly its services (web is the only service on demo-web-py311).
        Edited("examples/demo/files/web/server.py", () => Built(Bake()).ShouldBe(["demo-web-py311", "web"]));

        // Back to the committed files: every image exists at its hash again.
        Built(Bake()).ShouldBeEmpty();
    }

    [Test]
    public void Each_service_image_holds_exactly_its_import_closure_and_runs_its_shared_import_as_the_non_root_user()
    {
        string[] AppFiles(string service) =>
            TestInfra.Run(new CommandLine("docker").Add("run", "--rm", "--entrypoint", "find", Tag(service), "/app", "-type", "f"))
                .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

        AppFiles("hello").ShouldBe(["/app/common/__init__.py", "/app/common/names.py", "/app/common/net.py", "/app/hello/app.py"]);
        AppFiles("audio").ShouldBe(["/app/audio/app.py", "/app/common/__init__.py", "/app/common/names.py", "/app/common/net.py"]);
        AppFiles("web").ShouldBe(["/app/web/app.py", "/app/web/config/banner.txt"], "its data file comes from 'files:'");
        AppFiles("gpu-ada").ShouldBe(["/app/gpu-ada/app.py"]);

        // The image's own CMD (python3 -m hello.app, from /app): the shared package and the locked wheel (with its
        // dependency) import at run time, as uid 10001.
        var run = TestInfra.Run(new CommandLine("docker").Add("run", "--rm", Tag("hello"), "sh", "-c",
            "id -u; python3 -c 'import kiln_demo_fleet, kiln_demo_wire; print(kiln_demo_fleet.status_line(\"hello\").decode().strip())'; timeout 3 python3 -m hello.app; echo exit=$?"));
        run.StandardOutput.ShouldBe("10001\nhello: ok (kiln-demo-fleet 1.1.0)\n[hello] listening on 17001\nexit=124\n", run.StandardError);
    }

    [Test]
    public void Lock_writes_hashed_locks_with_the_transitive_dependency_from_wheels_built_here_and_a_missing_line_is_a_positioned_error()
    {
        // The wheels, built here: byte-for-byte the committed ones (so the committed locks' hashes are reproducible).
        using var wheels = new TempDir("kiln-wheels-");
        TestInfra.Run(new CommandLine("python3").Add(_repo.Full("examples/demo/apps/_src/make_wheels.py"), wheels.Path));
        foreach (var wheel in Directory.GetFiles(wheels.Path))
        {
            File.ReadAllBytes(wheel).ShouldBe(File.ReadAllBytes(_repo.Full($"examples/demo/apps/_wheels/{Path.GetFileName(wheel)}")), wheel);
            File.Copy(wheel, _repo.Full($"examples/demo/apps/_wheels/{Path.GetFileName(wheel)}"), overwrite: true);
        }

        var requirements = _repo.Full("examples/demo/apps/requirements");
        var committed = Directory.GetFiles(requirements).ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(requirements))
        {
            File.Delete(file);
        }

        try
        {
            var (code, output) = Kiln("--target=Lock");
            code.ShouldBe(0, output);
            Directory.GetFiles(requirements).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(committed.Keys.Order(StringComparer.Ordinal), output);
            foreach (var (name, text) in committed)
            {
                File.ReadAllText(Path.Combine(requirements, name)).ShouldBe(text, name);
            }

            var hello = File.ReadAllText(Path.Combine(requirements, "hello.lock"));
            var wire = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_repo.Full("examples/demo/apps/_wheels/kiln_demo_wire-1.0.0-py3-none-any.whl"))));
            hello.ShouldContain($"kiln-demo-wire==1.0.0 \\\n    --hash=sha256:{wire}\n    # via kiln-demo-fleet\n");
            hello.ShouldContain("kiln-demo-fleet==1.1.0 \\\n");
            File.ReadAllText(Path.Combine(requirements, "hello.in")).ShouldContain("kiln-demo-fleet  # kiln_demo_fleet: hello/app.py:5\n");

            // Nothing changed: nothing written.
            var before = Directory.GetFiles(requirements).ToDictionary(f => f, File.GetLastWriteTimeUtc);
            (code, output) = Kiln("--target=Lock");
            code.ShouldBe(0, output);
            output.ShouldContain("Nothing changed");
            Directory.GetFiles(requirements).ToDictionary(f => f, File.GetLastWriteTimeUtc).ShouldBe(before);

            // An imported package's lines deleted from the lock: the import's position, the service and the fix.
            var lines = hello.Split('\n').ToList();
            var at = lines.FindIndex(l => l.StartsWith("kiln-demo-fleet==", StringComparison.Ordinal));
            lines.RemoveRange(at, 4);
            File.WriteAllText(Path.Combine(requirements, "hello.lock"), string.Join('\n', lines));
            (code, output) = Kiln("--target=ComputeHash", "--services=hello");
            code.ShouldBe(1, output);
            output.ShouldContain("examples/demo/apps/hello/app.py:5:1: service 'hello': imports 'kiln_demo_fleet' (distribution kiln-demo-fleet), which neither its family demo-py311 nor its lock examples/demo/apps/requirements/hello.lock provides. Run ./build.sh --target=Lock --services=hello");
        }
        finally
        {
            foreach (var (name, text) in committed)
            {
                File.WriteAllText(Path.Combine(requirements, name), text);
            }
        }
    }

    [Test]
    public void Services_are_gated_and_published_into_their_own_repository_and_a_published_hash_is_known_by_digest()
    {
        var (code, output) = Kiln("--target=Publish", "--cve-scanner=none");
        code.ShouldBe(0, output);

        using var size = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/size-report.json")));
        size.RootElement.GetProperty("families").EnumerateArray().Select(f => f.GetProperty("family").GetString()).ShouldContain("hello", "each service has its own size verdict");
        using var publish = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/publish.json")));
        publish.RootElement.GetProperty("latestMoved").GetBoolean().ShouldBeTrue(output);
        var services = publish.RootElement.GetProperty("families").EnumerateArray().Where(f => f.GetProperty("repository").GetString() == _repo.Registry + "-services").ToList();
        services.Select(f => f.GetProperty("family").GetString()).Order(StringComparer.Ordinal).ShouldBe(["audio", "gpu-ada", "heartbeat", "hello", "vision-ampere", "web"]);
        var hello = services.Single(f => f.GetProperty("family").GetString() == "hello");
        var digest = hello.GetProperty("digest").GetString()!;
        hello.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("tag").GetString()).ShouldBe(
            [$"{_repo.Registry}-services:hello-{hello.GetProperty("hash").GetString()}", $"{_repo.Registry}-services:hello-{DateTime.UtcNow:yyyyMMdd}", $"{_repo.Registry}-services:hello-latest"]);

        // Read back from the registry (ghcr-status.json): every tag of the service names the judged digest.
        using var status = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/ghcr-status.json")));
        status.RootElement.GetProperty("families").EnumerateArray().Single(f => f.GetProperty("family").GetString() == "hello")
            .GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("digest").GetString()).ShouldAllBe(d => d == digest);

        // What Deploy pins: a run that asks the registry now knows the service's hash tag by that digest.
        var (hashed, hashOutput) = KilnApp.RunWith(_repo.Root, new() { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") }, "--target=ComputeHash", $"--catalog={Catalog}", $"--registry={_repo.Registry}", "--mode=ci", "--services=hello");
        hashed.ShouldBe(0, hashOutput);
        using var hashes = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/hashes.json")));
        var entry = hashes.RootElement.GetProperty("families").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "hello");
        entry.GetProperty("exists").GetString().ShouldBe("present");
        entry.GetProperty("digest").GetString().ShouldBe(digest);
    }

    [Test]
    public void Services_and_families_select_each_other()
    {
        string[] Hashed(params string[] args)
        {
            var (code, output) = Kiln(["--target=ComputeHash", .. args]);
            code.ShouldBe(0, output);
            using var hashes = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/hashes.json")));
            return hashes.RootElement.GetProperty("families").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray();
        }

        Hashed("--services=hello").ShouldBe(["demo-py311", "hello"]);
        Hashed("--families=demo-web-py311").ShouldBe(["demo-py311", "demo-web-py311", "web"], "a family brings its services, not its ancestors'");
        Hashed("--services=none").ShouldBe(_first.Where(i => i.Kind == "family").Select(i => i.Name).ToArray(), "every family, no service");

        var (bad, output) = Kiln("--target=ComputeHash", "--services=helo");
        bad.ShouldBe(2, output);
        output.ShouldContain("--services names 'helo', which examples/demo/fleet.yaml does not define. Did you mean 'hello'?");
    }

    [Test]
    public void The_fleet_report_measures_the_services_with_shared_family_layers_counted_once()
    {
        using var report = JsonDocument.Parse(_fleetReport);
        var bytes = report.RootElement.GetProperty("bytes");
        bytes.GetProperty("images").GetInt32().ShouldBe(6);
        var sum = bytes.GetProperty("sumOfImages").GetInt64();
        var once = bytes.GetProperty("sharedOnce").GetInt64();
        once.ShouldBeLessThan(sum / 2, $"six services on shared families store their base once ({once} of {sum} bytes)");
        once.ShouldBeGreaterThan(0);
        var mainpc = report.RootElement.GetProperty("machines").EnumerateArray().Single(m => m.GetProperty("machine").GetString() == "mainpc");
        mainpc.GetProperty("bytes").GetProperty("images").GetInt32().ShouldBe(5);
    }

    [Test]
    public async Task The_web_family_answers_health_and_its_docker_healthcheck_turns_healthy()
    {
        var id = TestInfra.Run(new CommandLine("docker").Add("run", "-d", "-p", "127.0.0.1::8080", _tags["demo-web-py311"])).StandardOutput.Trim();
        try
        {
            var address = TestInfra.Run(new CommandLine("docker").Add("port", id, "8080/tcp")).StandardOutput.Split('\n')[0].Trim();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? health = null;
            for (var i = 0; i < 60 && health is null; i++)
            {
                try
                {
                    health = await http.GetStringAsync(new Uri($"http://{address}/health"));
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(250);
                }
            }

            health.ShouldBe("ok\n", Logs(id));
            (await http.GetStringAsync(new Uri($"http://{address}/"))).ShouldBe("Hello from the Kiln demo!\n", "the page comes from the hash-locked wheel");

            var status = string.Empty;
            for (var i = 0; i < 80 && status != "healthy"; i++)
            {
                await Task.Delay(250);
                status = TestInfra.Run(new CommandLine("docker").Add("inspect", "-f", "{{.State.Health.Status}}", id)).StandardOutput.Trim();
            }

            status.ShouldBe("healthy", Logs(id));
        }
        finally
        {
            RealProcesses.Runner.Run(new CommandLine("docker").Add("rm", "-f", id));
        }
    }

    [Test]
    public void The_locked_python_dependency_is_importable_as_the_non_root_user()
    {
        var output = TestInfra.Run(new CommandLine("docker").Add(
            "run", "--rm", _tags["demo-py311"],
            "python3", "-c", "import os, kiln_demo_greeting as g; print(os.getuid(), os.getgid(), g.__file__, g.greeting())")).StandardOutput.Trim();

        output.ShouldBe("10001 10001 /opt/venv/lib/python3.11/site-packages/kiln_demo_greeting/__init__.py Hello from Kiln!");
        var pip = RealProcesses.Runner.Run(new CommandLine("docker").Add("run", "--rm", _tags["demo-py311"], "python3", "-c", "import pip"));
        pip.ExitCode.ShouldNotBe(0, "pip and the wheel tools stay in the builder stage");
    }

    [Test]
    public void The_gpu_probe_passes_for_the_matching_capability_and_fails_fast_for_the_other_arch()
    {
        using var stub = new TempDir("kiln-nvidia-smi-");
        var smi = stub.Write("nvidia-smi", "#!/bin/sh\n# A stand-in for the driver's tool: one GPU with compute capability 8.9 (an RTX 4090).\necho 8.9\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        ProcessResult Run(string family) =>
            RealProcesses.Runner.Run(new CommandLine("docker").Add("run", "--rm", "-v", $"{smi}:/usr/local/bin/nvidia-smi:ro", _tags[family]), new ProcessOptions { Timeout = TimeSpan.FromMinutes(2) });

        var ada = Run("demo-gpu-ada-py311");
        ada.ExitCode.ShouldBe(0, ada.StandardError);
        ada.StandardOutput.Trim().ShouldBe("Hello from the ada GPU image!");
        var adaVision = Run("demo-gpu-ada-vision-py311");
        adaVision.ExitCode.ShouldBe(0, adaVision.StandardError);

        foreach (var wrong in new[] { "demo-gpu-ampere-py311", "demo-gpu-ampere-vision-py311" })
        {
            var ampere = Run(wrong);
            ampere.ExitCode.ShouldBe(1, wrong);
            ampere.StandardOutput.ShouldBeEmpty("the probe stops before the command runs");
            ampere.StandardError.ShouldContain("kiln-gpu-probe: this image (ampere) is built for compute capability 8.6, but the visible GPU has 8.9.");
            ampere.StandardError.ShouldContain("use the image variant built for 8.9");
        }

        var check = TestInfra.Run(new CommandLine("docker").Add("run", "--rm", "-v", $"{smi}:/usr/local/bin/nvidia-smi:ro", "--entrypoint", "/usr/local/bin/kiln-healthcheck", _tags["demo-gpu-ada-py311"], "gpu"));
        check.ExitCode.ShouldBe(0);
    }

    [Test]
    public void The_exported_environment_matches_its_SHA256SUMS_and_holds_the_installed_wheel()
    {
        var dist = _repo.Full("artifacts/dist/demo-py311");
        var sums = File.ReadAllLines(Path.Combine(dist, "SHA256SUMS")).Where(l => l.Length > 0)
            .Select(l => l.Split("  ", 2)).ToDictionary(p => p[1], p => p[0]);
        sums.Keys.ShouldBe(["environment.tar.gz"]);
        var tarball = Path.Combine(dist, "environment.tar.gz");
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tarball))).ShouldBe(sums["environment.tar.gz"]);

        var entries = new List<TarEntry>();
        using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            while (tar.GetNextEntry(copyData: true) is { } entry)
            {
                entries.Add(entry);
            }
        }

        entries.Select(e => e.Name).ShouldContain("opt/venv/lib/python3.11/site-packages/kiln_demo_greeting/__init__.py");
        entries.Select(e => e.Name).ShouldContain("opt/venv/pyvenv.cfg");
        var names = entries.Select(e => e.Name.TrimEnd('/')).ToList();
        names.SequenceEqual(names.Order(Comparer<string>.Create(ByPathComponents))).ShouldBeTrue($"sorted (tar --sort=name), so the bytes are reproducible: {string.Join(", ", names)}");
        entries.ShouldAllBe(e => e.ModificationTime == new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero) && e.Uid == 0 && e.Gid == 0);

        // What is exported is what the image runs: the same file in /opt/venv.
        var inImage = TestInfra.Run(new CommandLine("docker").Add("run", "--rm", _tags["demo-py311"], "sha256sum", "/opt/venv/lib/python3.11/site-packages/kiln_demo_greeting-1.0.0.dist-info/RECORD"));
        var record = entries.Single(e => e.Name == "opt/venv/lib/python3.11/site-packages/kiln_demo_greeting-1.0.0.dist-info/RECORD");
        using var data = new MemoryStream();
        record.DataStream!.CopyTo(data);
        inImage.StandardOutput.Split(' ')[0].ShouldBe(Convert.ToHexStringLower(SHA256.HashData(data.ToArray())));
    }

    [Test]
    public void Apt_in_the_images_uses_the_machines_mirror_and_each_child_has_its_packages()
    {
        var sources = TestInfra.Run(new CommandLine("docker").Add("run", "--rm", _tags["demo-py311"], "sh", "-c", "cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null; true")).StandardOutput;
        var uris = sources.Split('\n').Where(l => l.StartsWith("deb ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList();
        uris.ShouldNotBeEmpty(sources);
        var machine = string.Concat(new[] { "/etc/apt/sources.list" }.Concat(Directory.Exists("/etc/apt/sources.list.d") ? Directory.GetFiles("/etc/apt/sources.list.d") : [])
            .Where(File.Exists).Select(File.ReadAllText));
        uris.ShouldAllBe(u => machine.Contains(u, StringComparison.Ordinal), $"the image's apt sources ({string.Join(", ", uris)}) come from this machine's");

        string Dpkg(string family, string package) =>
            RealProcesses.Runner.Run(new CommandLine("docker").Add("run", "--rm", "--entrypoint", "dpkg-query", _tags[family], "-W", "-f=${Status}", package)).StandardOutput.Trim();
        Dpkg("demo-audio-py311", "libsndfile1").ShouldBe("install ok installed");
        Dpkg("demo-gpu-ampere-vision-py311", "libgl1").ShouldBe("install ok installed");
        Dpkg("demo-devcontainer-tools", "git").ShouldBe("install ok installed");
        Dpkg("demo-devcontainer-slim", "git").ShouldNotBe("install ok installed", "the slim flavour has no git");
        Dpkg("demo-py311", "python3-pip").ShouldNotBe("install ok installed", "build tools stay in the builder stage");
    }

    /// <summary>tar --sort=name's order: a directory's entries by name, each directory's contents right after it.</summary>
    private static int ByPathComponents(string? a, string? b)
    {
        var x = a!.Split('/');
        var y = b!.Split('/');
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var c = string.CompareOrdinal(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    private (int Code, string Output) Kiln(params string[] args) =>
        KilnApp.RunWith(_repo.Root, new() { ["KILN_DEBIAN_BASE"] = TestInfra.Get("KILN_DEBIAN_BASE") }, [.. args, $"--catalog={Catalog}", $"--registry={_repo.Registry}", "--mode=local"]);

    private List<Image> Bake()
    {
        var (code, output) = Kiln("--target=Bake");
        code.ShouldBe(0, output);
        return Images();
    }

    private string Tag(string service) => _first.Single(i => i.Name == service).Tag;

    private static string[] Built(List<Image> images) => images.Where(i => i.Outcome == "built").Select(i => i.Name).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Runs <paramref name="check"/> with a comment appended to a file of the copy, then restores the file.</summary>
    private void Edited(string relative, Action check)
    {
        var path = _repo.Full(relative);
        var original = File.ReadAllText(path);
        File.AppendAllText(path, "\n# edited by a test\n");
        try
        {
            check();
        }
        finally
        {
            File.WriteAllText(path, original);
        }
    }

    private List<Image> Images()
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(_repo.Full("artifacts/bake-summary.json")));
        return summary.RootElement.GetProperty("families").EnumerateArray()
            .Select(f => new Image(f.GetProperty("name").GetString()!, f.GetProperty("kind").GetString()!, f.GetProperty("outcome").GetString()!, f.GetProperty("tag").GetString()!))
            .ToList();
    }

    private sealed record Image(string Name, string Kind, string Outcome, string Tag);

    private static string Logs(string id) => RealProcesses.Runner.Run(new CommandLine("docker").Add("logs", id)) is var r ? r.StandardOutput + r.StandardError : string.Empty;

    private void Git(params string[] args) => TestInfra.Run(new CommandLine("git").Add(args), _repo.Root);

    /// <summary>A copy of examples/demo in a temporary repository, with a test registry path of its own.</summary>
    internal sealed class DebianRepo : IDisposable
    {
        public DebianRepo()
        {
            Root = Directory.CreateTempSubdirectory("kiln-debian-").FullName;
            TestTree.Copy(Path.Combine(TestInfra.RepoRoot, "examples", "demo"), Path.Combine(Root, "examples", "demo"));
            Registry = $"{TestInfra.Registry}/{TestInfra.UniqueRepository("debian")}";
        }

        public string Root { get; }

        public string Registry { get; }

        public string Full(string relative) => Path.Combine(Root, relative);

        public void Dispose()
        {
            TestInfra.RemoveLocalTags(Registry + ":");
            TestInfra.RemoveLocalTags(Registry + "-services:");
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
