using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Build.Tools;

namespace Build.Tests.Infra;

/// <summary>Generate the demo catalog, bake the whole tree with real BuildKit, and look at what came out.</summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DemoTreeTests
{
    private DemoRepo _demo = null!;
    private string _dist = null!;

    [OneTimeSetUp]
    public void BuildTheDemoTree()
    {
        _demo = new DemoRepo();
        _dist = _demo.Full("dist");
        foreach (var dir in Directory.GetDirectories(_demo.Full("examples/mini/families")))
        {
            Directory.Delete(dir, recursive: true);
        }

        File.Delete(_demo.Full("examples/mini/docker-bake.hcl"));
        var (code, output) = KilnApp.Run(_demo.Root, "--target=Generate", $"--catalog={DemoRepo.Catalog}", "--mode=local");
        code.ShouldBe(0, output);

        var env = new Dictionary<string, string?>
        {
            ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"),
            ["REGISTRY"] = _demo.Registry,
            ["DIST_DIR"] = _dist,
        };
        TestInfra.Run(
            new CommandLine("docker").Add("buildx", "bake", "-f", "examples/mini/docker-bake.hcl", "--load", "--progress=plain", $"--allow=fs.write={_dist}", "default", "artifacts"),
            _demo.Root,
            env);
    }

    [OneTimeTearDown]
    public void Cleanup() => _demo.Dispose();

    private JsonElement Inspect(string family)
    {
        var json = TestInfra.Run(new CommandLine("docker").Add("image", "inspect", $"{_demo.Registry}:{family}-dev")).StandardOutput;
        return JsonDocument.Parse(json).RootElement[0].GetProperty("Config").Clone();
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    [Test]
    public void Generate_wrote_every_family_and_the_bake_file()
    {
        Directory.GetDirectories(_demo.Full("examples/mini/families")).Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(["demo-cpu", "demo-gpu-ada", "demo-gpu-ampere", "demo-root", "demo-web"]);
        File.ReadAllText(_demo.Full("examples/mini/docker-bake.hcl"))
            .ShouldBe(File.ReadAllText(System.IO.Path.Combine(TestInfra.RepoRoot, "examples/mini/docker-bake.hcl")));
    }

    [Test]
    public void The_root_runs_as_the_non_root_user_under_tini_with_its_env_and_labels()
    {
        var config = Inspect("demo-root");

        config.GetProperty("User").GetString().ShouldBe("10001:10001");
        Strings(config.GetProperty("Entrypoint")).ShouldBe(["/usr/bin/tini", "--"]);
        Strings(config.GetProperty("Env")).ShouldContain("TZ=UTC");
        var labels = config.GetProperty("Labels");
        labels.GetProperty("org.opencontainers.image.title").GetString().ShouldBe("demo-root");
        labels.GetProperty("dev.kiln.demo").GetString().ShouldBe("true");
        labels.GetProperty("org.opencontainers.image.vendor").GetString().ShouldBe("Kiln demo");
    }

    [Test]
    public void The_web_family_has_its_healthcheck_port_and_command_and_becomes_healthy()
    {
        var config = Inspect("demo-web");

        Strings(config.GetProperty("Healthcheck").GetProperty("Test")).ShouldBe(["CMD", "/usr/local/bin/kiln-healthcheck", "http:http://127.0.0.1:8080/index.html"]);
        config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _).ShouldBeTrue();
        Strings(config.GetProperty("Cmd")).ShouldBe(["httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"]);
        Strings(config.GetProperty("Env")).ShouldContain("OMP_NUM_THREADS=4", "inherited from demo-cpu");

        var id = TestInfra.Run(new CommandLine("docker").Add("run", "-d", $"{_demo.Registry}:demo-web-dev")).StandardOutput.Trim();
        try
        {
            var status = string.Empty;
            for (var i = 0; i < 60 && status != "healthy"; i++)
            {
                Thread.Sleep(250);
                status = TestInfra.Run(new CommandLine("docker").Add("inspect", "-f", "{{.State.Health.Status}}", id)).StandardOutput.Trim();
            }

            status.ShouldBe("healthy");
        }
        finally
        {
            RealProcesses.Runner.Run(new CommandLine("docker").Add("rm", "-f", id));
        }
    }

    [Test]
    public void Gpu_variants_carry_their_arch_list_machine_defaults_and_the_probe()
    {
        var ada = Inspect("demo-gpu-ada");
        var ampere = Inspect("demo-gpu-ampere");

        Strings(ada.GetProperty("Env")).ShouldContain("TORCH_CUDA_ARCH_LIST=8.9");
        Strings(ada.GetProperty("Env")).ShouldContain("OMP_NUM_THREADS=8", "mainpc's default overrides demo-cpu's 4");
        Strings(ampere.GetProperty("Env")).ShouldContain("TORCH_CUDA_ARCH_LIST=8.6");
        Strings(ampere.GetProperty("Env")).ShouldContain("UVICORN_WORKERS=1");
        Strings(ada.GetProperty("Entrypoint")).ShouldBe(["/usr/bin/tini", "--", "/usr/local/bin/kiln-gpu-probe"]);
        Strings(ada.GetProperty("Cmd")).ShouldBe(["cat", "/etc/motd"]);
        ada.GetProperty("Labels").GetProperty("dev.kiln.gpu.arch-list").GetString().ShouldBe("8.9");
    }

    [Test]
    public void The_gpu_probe_fails_fast_on_the_wrong_gpu_and_runs_the_command_on_the_right_one()
    {
        using var fake = new TempDir();
        var smi = fake.Write("nvidia-smi", "#!/bin/sh\necho 8.6\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        CommandLine Run(string family) => new CommandLine("docker").Add("run", "--rm", "-v", $"{smi}:/usr/local/bin/nvidia-smi:ro", $"{_demo.Registry}:{family}-dev");

        var wrong = RealProcesses.Runner.Run(Run("demo-gpu-ada"));
        wrong.ExitCode.ShouldBe(1);
        wrong.StandardError.ShouldContain("this image (ada) is built for compute capability 8.9, but the visible GPU has 8.6.");

        var right = RealProcesses.Runner.Run(Run("demo-gpu-ampere"));
        right.ExitCode.ShouldBe(0, right.StandardError);
        right.StandardOutput.ShouldContain("Kiln demo family tree");

        var none = RealProcesses.Runner.Run(new CommandLine("docker").Add("run", "--rm", $"{_demo.Registry}:demo-gpu-ampere-dev"));
        none.ExitCode.ShouldBe(1);
        none.StandardError.ShouldContain("no GPU is visible");
    }

    [Test]
    public void The_export_stage_wrote_the_environment_tarball_for_each_variant()
    {
        foreach (var variant in new[] { "ada", "ampere" })
        {
            var tarball = System.IO.Path.Combine(_dist, $"demo-gpu-{variant}", "environment.tar.gz");
            File.Exists(tarball).ShouldBeTrue();
            using var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            var entries = new Dictionary<string, string>();
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is { } data)
                {
                    entries[entry.Name] = new StreamReader(data).ReadToEnd();
                }
            }

            entries["env/README"].ShouldBe($"demo environment for the {variant} variant\n");
        }
    }
}
