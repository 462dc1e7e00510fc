using Build.Deploy;
using Build.Images;
using Build.Publishing;
using Build.Registry;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Tools;

/// <summary>
/// Settings in, the whole command line out, through the one process seam (Cake's own tool-test style, as
/// BakeCommandLineTests does for bake): Compose's up/ps/logs/down/config, docker login, the image measure command.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class ProcessCommandLineTests
{
    private const string MainPc = "docker compose -p kiln-mainpc -f examples/demo/deploy/mainpc/compose.yaml";

    [Test]
    public void Deploys_compose_lines_name_the_project_the_generated_file_then_each_override_in_order()
    {
        var project = ComposeCommands.Project("mainpc", "examples/demo/deploy/mainpc/compose.yaml", ["ops/a.yaml", "ops/b b.yaml"]);
        const string Files = MainPc + " -f ops/a.yaml -f 'ops/b b.yaml'";

        ComposeCommands.Up(project).Render().ShouldBe(Files + " up -d --wait --wait-timeout 300 --remove-orphans");
        ComposeCommands.Containers(project).Render().ShouldBe(Files + " ps -a -q");
        ComposeCommands.Logs(project, "hello").Render().ShouldBe(Files + " logs --no-color --tail 20 hello");
        ComposeCommands.Down(project).Render().ShouldBe(Files + " down --remove-orphans");
        ComposeCommands.Config("examples/demo/deploy/pc2/compose.yaml").Render().ShouldBe("docker compose -f examples/demo/deploy/pc2/compose.yaml config -q");
    }

    [Test]
    public void Down_through_the_app_runs_one_compose_down_of_the_machines_project()
    {
        using var repo = DemoTree();
        var processes = new RecordingProcessRunner();

        var (code, output) = KilnApp.RunWithProcesses(repo.Path, processes, "--target=Down", "--machine=mainpc", "--compose-override=ops/extra.yaml", "--catalog=examples/demo/families.yaml", "--mode=local");

        code.ShouldBe(0, output);
        var call = processes.Calls.ShouldHaveSingleItem();
        call.Rendered.ShouldBe(MainPc + " -f ops/extra.yaml down --remove-orphans");
        call.Options.WorkingDirectory.ShouldBe(repo.Path);
        call.Options.Timeout.ShouldBe(TimeSpan.FromMinutes(5));
        output.ShouldContain("mainpc: project kiln-mainpc is down.");
    }

    [Test]
    public void Down_with_the_gpu_off_runs_on_the_re_rendered_file_and_a_failure_carries_composes_error()
    {
        using var repo = DemoTree();
        var processes = new RecordingProcessRunner((_, _) => RecordingProcessRunner.Exit(1, stderr: "no such project\n"));

        var (code, output) = KilnApp.RunWithProcesses(repo.Path, processes, "--target=Down", "--machine=pc2", "--gpu=off", "--catalog=examples/demo/families.yaml", "--mode=local");

        code.ShouldBe(1, output);
        processes.CommandLines.ShouldBe(["docker compose -p kiln-pc2 -f artifacts/.work/deploy/pc2/compose.yaml down --remove-orphans"]);
        output.ShouldContain("docker compose down for pc2 failed: no such project");
    }

    [Test]
    public void GenerateCheck_through_the_app_asks_compose_to_validate_every_generated_file()
    {
        using var repo = DemoTree();
        var processes = new RecordingProcessRunner();

        var (code, output) = KilnApp.RunWithProcesses(repo.Path, processes, "--target=GenerateCheck", "--catalog=examples/demo/families.yaml", "--mode=local");

        code.ShouldBe(0, output);
        processes.CommandLines.ShouldBe(
        [
            "docker compose -f examples/demo/deploy/mainpc/compose.yaml config -q",
            "docker compose -f examples/demo/deploy/pc2/compose.yaml config -q",
        ]);
        processes.Calls.ShouldAllBe(c => c.Options.WorkingDirectory == repo.Path && c.Options.Timeout == TimeSpan.FromMinutes(1));
    }

    [Test]
    public void Docker_login_takes_the_password_on_stdin_only()
    {
        const string Canary = "kiln-canary-3b9d1e";
        var credential = new RegistryCredential("bot", Canary);
        var environment = new Dictionary<string, string?> { ["DOCKER_CONFIG"] = "/run/artifacts/.work/docker-config-1-abc" };
        var processes = new RecordingProcessRunner((_, _) => RecordingProcessRunner.Exit(0, "Login Succeeded\n"));

        DockerLogin.Login("ghcr.io", credential, environment, processes);

        var call = processes.Calls.ShouldHaveSingleItem();
        call.Argv.ShouldBe(["docker", "login", "ghcr.io", "--username", "bot", "--password-stdin"]);
        call.Rendered.ShouldBe("docker login ghcr.io --username bot --password-stdin");
        call.Argv.ShouldAllBe(a => !a.Contains(Canary, StringComparison.Ordinal) && !a.Contains(credential.BasicHeaderValue, StringComparison.Ordinal));
        call.Options.StandardInput.ShouldBe(Canary, "the secret goes by stdin");
        call.Options.WriteStandardInput.ShouldBeNull();
        call.Options.Environment.ShouldBe(environment, "only the scope's DOCKER_CONFIG is added");
        call.Options.Environment.Values.ShouldAllBe(v => v == null || !v.Contains(Canary, StringComparison.Ordinal));
    }

    [Test]
    public void The_measure_command_saves_the_local_image_into_the_work_folder_and_measures_that_archive()
    {
        using var dir = new TempDir();
        using var registry = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(1) });
        var work = Path.Combine(dir.Path, "work");
        var image = Bake.BakePlannerTests.Layout(dir, "saved", "127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa", System.Text.Encoding.UTF8.GetBytes("a layer"));
        var processes = new RecordingProcessRunner((command, _) =>
        {
            // What `docker save -o PATH TAG` does: the image's OCI archive at PATH.
            File.Copy(image, command.Arguments[2].Value);
            return RecordingProcessRunner.Exit();
        });

        var (measure, source) = new ImageMeasurer(work, registry, processes).Measure("cpu", "127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa", ociTarball: null);

        var call = processes.Calls.ShouldHaveSingleItem();
        call.Rendered.ShouldBe($"docker save -o {work}/cpu.save.tar 127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa");
        call.Options.Timeout.ShouldBe(TimeSpan.FromMinutes(30));
        source.ShouldBe(MeasureSource.Local);
        var direct = OciArchive.Measure(image);
        (measure.Digest, measure.CompressedSize, measure.LayerCount).ShouldBe((direct.Digest, direct.CompressedSize, direct.LayerCount));
        File.Exists(Path.Combine(work, "cpu.save.tar")).ShouldBeFalse("the saved archive is deleted once measured");
    }

    [Test]
    public void A_failed_save_leaves_no_archive_and_the_measure_asks_the_registry()
    {
        using var dir = new TempDir();
        using var registry = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(1) });
        var processes = new RecordingProcessRunner((_, _) => RecordingProcessRunner.Exit(1, stderr: "Error response from daemon: No such image\n"));
        var measurer = new ImageMeasurer(Path.Combine(dir.Path, "work"), registry, processes);

        measurer.SaveLocal("cpu", "127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa").ShouldBeNull();
        Should.Throw<Exception>(() => measurer.Measure("cpu", "127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa", ociTarball: null));

        processes.CommandLines.ShouldBe([$"docker save -o {dir.Path}/work/cpu.save.tar 127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa", $"docker save -o {dir.Path}/work/cpu.save.tar 127.0.0.1:1/kiln/t:cpu-aaaaaaaaaaaa"]);
        Directory.GetFiles(Path.Combine(dir.Path, "work")).ShouldBeEmpty();
    }

    private static TempDir DemoTree()
    {
        var repo = new TempDir("kiln-procs-");
        TestTree.Copy(Path.Combine(TestInfra.RepoRoot, "examples", "demo"), Path.Combine(repo.Path, "examples", "demo"));
        repo.Write("ops/extra.yaml", "services: {}\n");
        return repo;
    }
}

/// <summary>What a child process starts from: the run's inherited environment, plus what its caller adds or removes.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ProcessEnvironmentTests
{
    [Test]
    public async Task A_child_gets_the_inherited_environment_and_the_callers_changes_but_not_the_runs_overrides()
    {
        var inherited = new Dictionary<string, string>
        {
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["KILN_INHERITED"] = "from the run",
            ["KILN_REMOVED"] = "dropped by the caller",
        };
        var environment = new KilnEnvironment(new Dictionary<string, string?> { ["KILN_OVERRIDE"] = "a lookup of the run" }, inherited);
        environment.Learn(new Dictionary<string, string> { ["KILN_LEARNED"] = "also a lookup" });

        var result = await new ProcessRunner(environment).RunAsync(
            new CommandLine("env"),
            new ProcessOptions { Environment = new Dictionary<string, string?> { ["KILN_ADDED"] = "by the caller", ["KILN_REMOVED"] = null } });

        result.Succeeded.ShouldBeTrue(result.StandardError);
        result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ShouldBe(
            ["KILN_ADDED=by the caller", "KILN_INHERITED=from the run", $"PATH={inherited["PATH"]}"]);
    }

    [Test]
    public void By_default_a_child_inherits_the_process_environment_as_before()
    {
        var expected = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty);

        new KilnEnvironment(new Dictionary<string, string?> { ["KILN_OVERRIDE"] = "x" }).Inherited().ShouldBe(expected, ignoreOrder: true);
    }
}
