using System.Diagnostics;
using Build.Buildx;
using Build.Gates;
using Build.Publishing;
using Build.Registry;
using Build.Tests.Hashing;
using Build.Tests.Infra;
using Build.Tests.Registry;
using Build.Tools;

namespace Build.Tests.Publishing;

/// <summary>The whole chain and Publish's guarantees, against loopback registries only.</summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class PublishTests
{
    private static readonly Dictionary<string, string?> Env = new() { ["KILN_DEMO_BASE"] = null };

    private static (int Code, string Output) Kiln(DemoRepo demo, string registry, params string[] args)
    {
        Env["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE");
        return ComputeHashTaskTests.WithEnv(Env, () => KilnApp.Run(demo.Root, [.. args, $"--catalog={DemoRepo.Catalog}", $"--registry={registry}", "--mode=local", "--date=20261121"]));
    }

    private static string? Digest(string tag)
    {
        using var client = new OciRegistryClient();
        var image = ImageName.Parse(tag);
        return client.HeadManifestAsync(image with { Tag = null }, image.Tag!).GetAwaiter().GetResult()?.Digest;
    }

    private static void EditRoot(DemoRepo demo, string value)
    {
        var catalog = demo.Full(DemoRepo.Catalog);
        File.WriteAllText(catalog, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(catalog), @"env: \{ TZ: UTC, LANG: C\.UTF-8[^}]*\}", $"env: {{ TZ: UTC, LANG: C.UTF-8, RELEASE: \"{value}\" }}"));
    }

    [Test]
    public void The_CI_target_runs_the_whole_chain_publishes_and_writes_every_artifact()
    {
        using var demo = new DemoRepo();

        var (code, output) = Kiln(demo, demo.Registry, "--target=CI", "--cve-scanner=none");

        code.ShouldBe(0, output);
        foreach (var file in new[] { "hashes.json", "bake-plan.json", "bake-metadata.json", "bake-summary.json", "build.log", "oci-metadata.json", "cve-report.json", "cve-report.md", "cve-report.sarif", "size-report.json", "size-report.md", "publish.json", "ghcr-status.json", "ghcr-status.md", "summary.md" })
        {
            File.Exists(demo.Full($"artifacts/{file}")).ShouldBeTrue(file);
        }

        var bake = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json")));
        foreach (var f in bake.Families)
        {
            Digest(f.Tag).ShouldBe(f.Digest);
            Digest($"{demo.Registry}:{f.Name}-latest").ShouldBe(f.Digest);
            Digest($"{demo.Registry}:{f.Name}-20261121").ShouldBe(f.Digest);
        }

        var status = GhcrStatus.FromJson(File.ReadAllText(demo.Full("artifacts/ghcr-status.json")));
        status.PackagesApi.ShouldBe("not asked (the registry is not ghcr.io)");
        status.Families.ShouldAllBe(f => f.Tags.Count == 3 && f.Tags.All(t => t.Digest != null && t.Platforms.Count == 1 && t.Platforms[0].CompressedSize > 0));
        var summary = File.ReadAllText(demo.Full("artifacts/summary.md"));
        summary.ShouldContain("**Result: success.**");
        summary.ShouldContain("```mermaid\nflowchart TD\n");
        summary.ShouldContain("f_demo_root --> f_demo_cpu");
        summary.ShouldContain("`-latest` tags moved: every gate passed.");

        // Nothing changed: nothing is built or pushed again.
        var (again, againOutput) = Kiln(demo, demo.Registry, "--target=CI", "--cve-scanner=none");
        again.ShouldBe(0, againOutput);
        PublishReport.FromJson(File.ReadAllText(demo.Full("artifacts/publish.json"))).Families.ShouldAllBe(f => f.Decision == "reused");
    }

    [Test]
    public void A_gate_failing_for_one_family_moves_no_latest_tag_anywhere_and_the_summary_says_why()
    {
        using var demo = new DemoRepo();
        Kiln(demo, demo.Registry, "--target=CI", "--cve-scanner=none").Code.ShouldBe(0);
        var before = new[] { "demo-root", "demo-cpu", "demo-web" }.ToDictionary(f => f, f => Digest($"{demo.Registry}:{f}-latest"));

        EditRoot(demo, "2");
        Kiln(demo, demo.Registry, "--target=Generate").Code.ShouldBe(0);
        using var dir = new TempDir("kiln-trivy-");
        var trivy = dir.Write("trivy", "#!/bin/sh\nfor a in \"$@\"; do last=$a; done\nwhile [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\n" +
            "case \"$last\" in *demo-web*) cat > \"$out\" <<'EOF'\n" + Build.Tests.Gates.Fixtures.Trivy + "\nEOF\n;; *) echo '{\"SchemaVersion\":2}' > \"$out\";; esac\n");
        File.SetUnixFileMode(trivy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        var (code, output) = Kiln(demo, demo.Registry, "--target=CI", $"--cve-scanner-path={trivy}");

        code.ShouldBe(1);
        output.ShouldContain("CI failed: CVE gate failed: 3 blocking finding(s)");
        foreach (var (family, digest) in before)
        {
            Digest($"{demo.Registry}:{family}-latest").ShouldBe(digest, $"{family}-latest must not move");
        }

        var publish = PublishReport.FromJson(File.ReadAllText(demo.Full("artifacts/publish.json")));
        publish.LatestMoved.ShouldBeFalse();
        publish.Families.Single(f => f.Family == "demo-web").Decision.ShouldBe("not-pushed");
        publish.Families.Single(f => f.Family == "demo-root").Tags.Select(t => t.Tag).ShouldNotContain($"{demo.Registry}:demo-root-latest");
        var summary = File.ReadAllText(demo.Full("artifacts/summary.md"));
        summary.ShouldContain("**Result: FAILED.**");
        summary.ShouldContain("No `-latest` tag moved: -latest stays where it was: CVE gate failed");
        summary.ShouldContain("f_demo_web[\"demo-web<br>");
        summary.ShouldContain(":::blocked");
    }

    [Test]
    public async Task A_registry_stopped_in_the_middle_of_Publish_fails_clearly_keeps_latest_and_a_rerun_pushes_only_what_is_missing()
    {
        using var demo = new DemoRepo();
        using var registry = await TestRegistry.StartAsync();
        var repo = $"127.0.0.1:{registry.Port}/kiln/demo";
        Kiln(demo, repo, "--target=CI", "--cve-scanner=none").Code.ShouldBe(0);
        var before = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json"))).Families.ToDictionary(f => f.Name, f => f.Digest);

        EditRoot(demo, "3");
        Kiln(demo, repo, "--target=Generate").Code.ShouldBe(0);
        Kiln(demo, repo, "--target=SizeGate", "--update-baseline").Code.ShouldBe(1, "SizeGate needs the new images first");
        Kiln(demo, repo, "--target=Bake").Code.ShouldBe(0);
        Kiln(demo, repo, "--target=SizeGate").Code.ShouldBe(0);
        Kiln(demo, repo, "--target=CveScan", "--cve-scanner=none").Code.ShouldBe(0);
        var bake = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json")));
        using var hashes = System.Text.Json.JsonDocument.Parse(File.ReadAllText(demo.Full("artifacts/hashes.json")));
        var tags = hashes.RootElement.GetProperty("families").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => (IReadOnlyList<string>)f.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList());

        // The registry goes away right after the first successful push.
        var pushes = 0;
        ProcessResult KillAfterFirstPush(CommandLine c, ProcessOptions? o)
        {
            var r = ProcessRunner.Run(c, o);
            if (c.Arguments.Count > 0 && c.Arguments[0].Value == "push" && r.Succeeded && ++pushes == 1)
            {
                registry.Stop();
            }

            return r;
        }

        using (var client = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 1, AttemptTimeout = TimeSpan.FromSeconds(3) }))
        {
            var publisher = new Publisher(client, _ => { }, KillAfterFirstPush, attempts: 2, backoff: TimeSpan.FromMilliseconds(200));
            var ex = Should.Throw<Exception>(() => publisher.Publish(repo, bake, tags, new GateVerdicts(GateResult.Skipped, new HashSet<string>(), GateResult.Passed, new HashSet<string>())));
            ex.Message.ShouldMatch("unreachable|failed after 2 attempts");
        }

        await registry.RestartAsync();
        foreach (var (family, digest) in before)
        {
            Digest($"{repo}:{family}-latest").ShouldBe(digest, $"{family}-latest must still be the previous digest");
        }

        var (code, output) = Kiln(demo, repo, "--target=Publish");
        code.ShouldBe(0, output);
        var report = PublishReport.FromJson(File.ReadAllText(demo.Full("artifacts/publish.json")));
        report.LatestMoved.ShouldBeTrue();
        report.Families.First().Tags[0].Action.ShouldBe("already-present", "the tag pushed before the outage is not pushed again");
        foreach (var f in bake.Families)
        {
            Digest($"{repo}:{f.Name}-latest").ShouldBe(f.Digest);
        }
    }

    [Test]
    public async Task A_canary_token_never_reaches_a_log_an_artifact_or_an_argument_list()
    {
        const string canary = "kiln-canary-7f3a9c2e";
        using var demo = new DemoRepo();
        using var registry = await TestRegistry.StartAsync(user: "bot", password: canary);
        using var dockerConfig = new TempDir("kiln-docker-config-");
        // A config folder of its own keeps the login out of the machine's, but buildx lives in its cli-plugins.
        var plugins = Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".docker", "cli-plugins");
        if (Directory.Exists(plugins))
        {
            Directory.CreateSymbolicLink(Path.Combine(dockerConfig.Path, "cli-plugins"), plugins);
        }

        var repo = $"127.0.0.1:{registry.Port}/kiln/demo";
        var argv = new List<string>();
        var login = DockerLogin.Command($"127.0.0.1:{registry.Port}", new RegistryCredential("bot", canary));
        argv.AddRange(login.Arguments.Select(a => a.Value));
        login.Render().ShouldNotContain(canary);
        DockerLogin.Options(new RegistryCredential("bot", canary), new Dictionary<string, string?>()).StandardInput.ShouldBe(canary);

        Env["KILN_REGISTRY_USER"] = "bot";
        Env["KILN_REGISTRY_TOKEN"] = canary;
        Env["DOCKER_CONFIG"] = dockerConfig.Path;
        try
        {
            var (code, output) = Kiln(demo, repo, "--target=CI", "--cve-scanner=none", "--verbosity=diagnostic");
            code.ShouldBe(0, output);
            output.ShouldNotContain(canary);
            output.ShouldContain("(password from stdin)");
        }
        finally
        {
            Env.Remove("KILN_REGISTRY_USER");
            Env.Remove("KILN_REGISTRY_TOKEN");
            Env.Remove("DOCKER_CONFIG");
            Environment.SetEnvironmentVariable("KILN_REGISTRY_USER", null);
            Environment.SetEnvironmentVariable("KILN_REGISTRY_TOKEN", null);
            Environment.SetEnvironmentVariable("DOCKER_CONFIG", null);
        }

        foreach (var file in Directory.GetFiles(demo.Full("artifacts"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".tar", StringComparison.Ordinal)))
        {
            File.ReadAllText(file).ShouldNotContain(canary, customMessage: file);
        }

        argv.ShouldNotContain(canary);
        var built = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json"))).Get("demo-root")!.Digest;
        using var authorized = new OciRegistryClient(new RegistryClientOptions { Credentials = _ => new RegistryCredential("bot", canary) });
        (await authorized.HeadManifestAsync(ImageName.ParseRepository(repo), "demo-root-latest")).ShouldNotBeNull().Digest.ShouldBe(built);
    }

    [Test]
    public void Two_CI_runs_with_different_artifacts_folders_at_the_same_time_do_not_interfere()
    {
        using var demo = new DemoRepo();
        var dll = Path.Combine(AppContext.BaseDirectory, "Build.dll");
        Process Start(string artifacts) => Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--target=CI", $"--catalog={DemoRepo.Catalog}", $"--registry={demo.Registry}", "--mode=local", "--cve-scanner=none", $"--artifacts={artifacts}", "--force", "--no-report" },
            WorkingDirectory = demo.Root,
            Environment = { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"), ["NO_COLOR"] = "1" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

        using var a = Start("out/a");
        using var b = Start("out/b");
        var outA = a.StandardOutput.ReadToEndAsync();
        var outB = b.StandardOutput.ReadToEndAsync();
        var errA = a.StandardError.ReadToEndAsync();
        var errB = b.StandardError.ReadToEndAsync();
        a.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue();
        b.WaitForExit(TimeSpan.FromMinutes(5)).ShouldBeTrue();

        a.ExitCode.ShouldBe(0, outA.Result + errA.Result);
        b.ExitCode.ShouldBe(0, outB.Result + errB.Result);
        var digestsA = BakeResult.FromJson(File.ReadAllText(demo.Full("out/a/bake-summary.json"))).Families.ToDictionary(f => f.Name, f => f.Digest);
        var digestsB = BakeResult.FromJson(File.ReadAllText(demo.Full("out/b/bake-summary.json"))).Families.ToDictionary(f => f.Name, f => f.Digest);
        digestsB.ShouldBe(digestsA, "same commit, same inputs: the same images");
        foreach (var f in digestsA.Keys)
        {
            Digest($"{demo.Registry}:{f}-latest").ShouldBe(digestsA[f]);
        }
    }
}
