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
    private static readonly Dictionary<string, string?> Env = new();

    private static (int Code, string Output) Kiln(DemoRepo demo, string registry, params string[] args) =>
        KilnApp.RunWith(demo.Root, new(Env) { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, [.. args, $"--catalog={DemoRepo.Catalog}", $"--registry={registry}", "--mode=local", "--date=20261121"]);

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
        // A review's SizeGate measures the current tree: it hashes and bakes what is missing first.
        Kiln(demo, repo, "--target=SizeGate").Code.ShouldBe(0);
        Kiln(demo, repo, "--target=CveScan", "--cve-scanner=none").Code.ShouldBe(0);
        var bake = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json")));
        var reports = GateRegistry.All.ToDictionary(g => g.Name, g => g.Read(File.ReadAllText(demo.Full($"artifacts/{g.Report}.json"))));
        var tags = bake.Families.ToDictionary(f => f.Name, f => new Build.Hashing.ImageTags(repo, f.Name, f.Hash, "20261121"));

        // The registry goes away right after the first successful push.
        var pushes = 0;
        ProcessResult KillAfterFirstPush(CommandLine c, ProcessOptions? o)
        {
            var r = RealProcesses.Runner.Run(c, o);
            if (c.Arguments.Count > 0 && c.Arguments[0].Value == "push" && r.Succeeded && ++pushes == 1)
            {
                registry.Stop();
            }

            return r;
        }

        using (var client = new OciRegistryClient(new RegistryClientOptions { MaxRetries = 1, AttemptTimeout = TimeSpan.FromSeconds(3) }))
        {
            var publisher = new Publisher(client, _ => { }, new RecordingProcessRunner(KillAfterFirstPush), attempts: 2, backoff: TimeSpan.FromMilliseconds(200));
            var ex = Should.Throw<Exception>(() => publisher.Publish(bake.Run, repo, bake, tags, new GateLedger(GateRegistry.All, reports), null, references => DockerEngine.LocalImages(references, RealProcesses.Runner)));
            ex.Message.ShouldMatch("unreachable|failed after 2 attempts");
        }

        await registry.RestartAsync();
        foreach (var (family, digest) in before)
        {
            Digest($"{repo}:{family}-latest").ShouldBe(digest, $"{family}-latest must still be the previous digest");
        }

        var (code, output) = Kiln(demo, repo, "--target=Publish", "--cve-scanner=none");
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
    public async Task A_canary_token_never_reaches_a_log_an_artifact_an_argument_list_or_a_docker_config()
    {
        const string canary = "kiln-canary-7f3a9c2e";
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("bot:" + canary));
        using var demo = new DemoRepo();
        using var registry = await TestRegistry.StartAsync(user: "bot", password: canary);
        var repo = $"127.0.0.1:{registry.Port}/kiln/demo";
        var login = DockerLogin.Command($"127.0.0.1:{registry.Port}", new RegistryCredential("bot", canary));
        login.Render().ShouldBe($"docker login 127.0.0.1:{registry.Port} --username bot --password-stdin");
        login.Arguments.Select(a => a.Value).ShouldNotContain(canary);
        DockerLogin.Options(new RegistryCredential("bot", canary), new Dictionary<string, string?>()).StandardInput.ShouldBe(canary);
        var userConfig = Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/root", ".docker", "config.json");
        var env = new Dictionary<string, string?>(Env) { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"), ["KILN_REGISTRY_USER"] = "bot", ["KILN_REGISTRY_TOKEN"] = canary };
        (int, string) Run(params string[] args) => KilnApp.RunWith(demo.Root, env, [.. args, $"--catalog={DemoRepo.Catalog}", $"--registry={repo}", "--mode=local", "--date=20261121", "--verbosity=diagnostic"]);

        var (code, output) = Run("--target=CI", "--cve-scanner=none");
        code.ShouldBe(0, output);
        output.ShouldContain("(password from stdin, into this run's Docker config)");
        EditRoot(demo, "canary");
        Run("--target=Generate").Item1.ShouldBe(0);
        var (failing, failingOutput) = Run("--target=CI", "--cve-scanner=grype");
        failing.ShouldBe(1, "no scanner: nothing is published");

        foreach (var text in new[] { output, failingOutput })
        {
            text.ShouldNotContain(canary);
            text.ShouldNotContain(basic);
        }

        Directory.GetDirectories(demo.Full("artifacts/.work"), "docker-config*").ShouldBeEmpty("the run's Docker config is deleted when Publish ends");
        foreach (var file in Directory.GetFiles(demo.Full("artifacts"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".tar", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            text.ShouldNotContain(canary, customMessage: file);
            text.ShouldNotContain(basic, customMessage: file);
        }

        if (File.Exists(userConfig))
        {
            File.ReadAllText(userConfig).ShouldNotContain(basic, customMessage: "the machine's Docker config never gets the login");
        }

        var built = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json"))).Get("demo-root")!.Digest;
        using var authorized = new OciRegistryClient(new RegistryClientOptions { Credentials = _ => new RegistryCredential("bot", canary) });
        (await authorized.HeadManifestAsync(ImageName.ParseRepository(repo), "demo-root-latest")).ShouldNotBeNull().Digest.ShouldNotBe(built, "the failing run moved nothing");
    }

    [Test]
    public void An_image_baked_after_the_gates_ran_is_refused_by_an_exclusive_Publish_and_nothing_moves()
    {
        using var demo = new DemoRepo();
        Kiln(demo, demo.Registry, "--target=CI", "--cve-scanner=none").Code.ShouldBe(0);
        var latest = new[] { "demo-root", "demo-cpu", "demo-web" }.ToDictionary(f => f, f => Digest($"{demo.Registry}:{f}-latest"));

        File.AppendAllText(demo.Full("examples/mini/files/motd"), "edited after the gates ran\n");
        Kiln(demo, demo.Registry, "--target=Bake").Code.ShouldBe(0);
        var (code, output) = Kiln(demo, demo.Registry, "--target=Publish", "--exclusive", "--cve-scanner=none");

        code.ShouldBe(1, output);
        var baked = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json")));
        output.ShouldContain("Publish refused demo-root: the cve gate judged sha256:");
        foreach (var family in baked.Families)
        {
            output.ShouldContain($"{family.Name}: the cve gate judged");
            Digest(family.Tag).ShouldBeNull($"{family.Tag} was never gated, so it is not pushed");
        }

        foreach (var (family, digest) in latest)
        {
            Digest($"{demo.Registry}:{family}-latest").ShouldBe(digest, $"{family}-latest must not move");
        }

        var report = PublishReport.FromJson(File.ReadAllText(demo.Full("artifacts/publish.json")));
        report.LatestMoved.ShouldBeFalse();
        report.Families.ShouldAllBe(f => f.Decision == "not-pushed");

        // Gate reports copied in from another run (other images) are refused the same way.
        using var other = new DemoRepo();
        File.AppendAllText(other.Full("examples/mini/files/motd"), "another run\n");
        Kiln(other, demo.Registry, "--target=SizeGate").Code.ShouldBe(0);
        Kiln(other, demo.Registry, "--target=CveScan", "--cve-scanner=none").Code.ShouldBe(0);
        foreach (var report2 in new[] { "cve-report.json", "size-report.json" })
        {
            File.Copy(other.Full($"artifacts/{report2}"), demo.Full($"artifacts/{report2}"), overwrite: true);
        }

        var (copied, copiedOutput) = Kiln(demo, demo.Registry, "--target=Publish", "--exclusive");
        copied.ShouldBe(1, copiedOutput);
        copiedOutput.ShouldContain("demo-root: the cve gate judged");
        copiedOutput.ShouldContain("the size gate judged");
        Digest(baked.Get("demo-root")!.Tag).ShouldBeNull();

        // A separate gate run over these very images makes the exclusive Publish go through.
        Kiln(demo, demo.Registry, "--target=SizeGate").Code.ShouldBe(0);
        Kiln(demo, demo.Registry, "--target=CveScan", "--cve-scanner=none").Code.ShouldBe(0);
        var (resumed, resumedOutput) = Kiln(demo, demo.Registry, "--target=Publish", "--exclusive");
        resumed.ShouldBe(0, resumedOutput);
        resumedOutput.ShouldContain("Resuming from artifacts/bake-summary.json");
        foreach (var family in baked.Families)
        {
            Digest($"{demo.Registry}:{family.Name}-latest").ShouldBe(family.Digest);
        }
    }

    [Test]
    public void Publish_on_a_clean_artifacts_folder_runs_the_whole_chain_first()
    {
        using var demo = new DemoRepo();

        var (code, output) = Kiln(demo, demo.Registry, "--target=Publish", "--cve-scanner=none");

        code.ShouldBe(0, output);
        foreach (var task in new[] { "ComputeHash", "Bake", "ExportArtifacts", "CveScan", "SizeGate", "Publish" })
        {
            output.ShouldMatch($"(?m)^ {task} +$");
        }

        var bake = BakeResult.FromJson(File.ReadAllText(demo.Full("artifacts/bake-summary.json")));
        var cve = CveReport.FromJson(File.ReadAllText(demo.Full("artifacts/cve-report.json")));
        var size = SizeReport.FromJson(File.ReadAllText(demo.Full("artifacts/size-report.json")));
        cve.Run.ShouldBe(bake.Run);
        size.Run.ShouldBe(bake.Run);
        foreach (var family in bake.Families)
        {
            cve.Families.Single(f => f.Family == family.Name).Digest.ShouldBe(family.Digest);
            size.Families.Single(f => f.Family == family.Name).Digest.ShouldBe(family.Digest);
            Digest($"{demo.Registry}:{family.Name}-latest").ShouldBe(family.Digest);
        }

        // Run alone, a target's missing inputs are named with the command that produces them.
        var (alone, aloneOutput) = Kiln(demo, demo.Registry, "--target=SizeGate", "--exclusive");
        alone.ShouldBe(1);
        aloneOutput.ShouldContain("size gate: no images in this run. Run ./build.sh --target=SizeGate (it bakes first), not --exclusive.");
    }

    [Test]
    public void Promote_moves_latest_only_when_every_shard_passed_every_gate()
    {
        using var demo = new DemoRepo();
        var baseline = demo.Full("examples/mini/size-baseline.json");
        var committed = File.ReadAllText(baseline);
        (int Code, string Output) Shard(string name, string families) =>
            Kiln(demo, demo.Registry, "--target=CI", "--cve-scanner=none", $"--shard={name}", $"--families={families}", $"--artifacts=shards/{name}");

        // Shard gpu fails its size gate: demo-gpu-ada may not grow at all, and its baseline says it was far smaller.
        var doc = System.Text.Json.Nodes.JsonNode.Parse(committed)!;
        doc["families"]!["demo-gpu-ada"]!["compressed"] = 1000;
        doc["policy"]!["families"]!["demo-gpu-ada"] = new System.Text.Json.Nodes.JsonObject { ["maxGrowthPercent"] = 0, ["maxGrowthBytes"] = 0 };
        File.WriteAllText(baseline, doc.ToJsonString());
        Shard("web", "demo-web").Code.ShouldBe(0);
        Shard("gpu", "demo-gpu-ada").Code.ShouldBe(1);
        Digest($"{demo.Registry}:demo-web-latest").ShouldBeNull("a shard never moves -latest itself");

        var (code, output) = Kiln(demo, demo.Registry, "--target=Promote", "--shards=shards/web,shards/gpu");
        code.ShouldBe(1);
        output.ShouldContain("Promote: no -latest moved: shard gpu: its size gate failed; demo-gpu-ada was not pushed: the size gate blocks it");
        foreach (var family in new[] { "demo-root", "demo-cpu", "demo-web", "demo-gpu-ada" })
        {
            Digest($"{demo.Registry}:{family}-latest").ShouldBeNull($"{family}-latest must not move when any shard failed");
        }

        File.WriteAllText(baseline, committed);
        Shard("gpu", "demo-gpu-ada").Code.ShouldBe(0);
        var (passed, passedOutput) = Kiln(demo, demo.Registry, "--target=Promote", "--shards=shards/web,shards/gpu");
        passed.ShouldBe(0, passedOutput);
        var promote = PromoteReport.FromJson(File.ReadAllText(demo.Full("artifacts/promote.json")));
        promote.Moved.ShouldBeTrue();
        promote.Families.Select(f => f.Family).Order().ShouldBe(["demo-cpu", "demo-gpu-ada", "demo-root", "demo-web"]);
        foreach (var family in promote.Families)
        {
            Digest($"{demo.Registry}:{family.Family}-latest").ShouldBe(family.Digest);
        }

        // A shard the matrix ran but that left no publish report (it died before Publish) fails the promotion.
        var (missing, missingOutput) = Kiln(demo, demo.Registry, "--target=Promote", "--shards=shards/web,shards/gpu", "--expect-shards=web,gpu,cuda");
        missing.ShouldBe(1);
        missingOutput.ShouldContain("shard cuda: it left no publish report (the shard failed before Publish)");
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
