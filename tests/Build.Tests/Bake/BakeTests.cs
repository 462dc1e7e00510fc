using System.Security.Cryptography;
using System.Text.Json;
using Build.Buildx;
using Build.Images;
using Build.Tests.Hashing;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Bake;

/// <summary>Bake and ExportArtifacts on the demo tree, with the real engine and loopback registry.</summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class BakeTests
{
    private DemoRepo _demo = null!;

    [OneTimeSetUp]
    public void Setup()
    {
        _demo = new DemoRepo();
        Git(_demo.Root, "init", "-q");
        Git(_demo.Root, "-c", "user.email=t@kiln", "-c", "user.name=t", "add", "-A");
        Git(_demo.Root, "-c", "user.email=t@kiln", "-c", "user.name=t", "commit", "-qm", "demo");
        Git(_demo.Root, "remote", "add", "origin", "git@github.com:kiln-org/kiln.git");
    }

    [OneTimeTearDown]
    public void Teardown() => _demo.Dispose();

    private (int Code, string Output) Kiln(params string[] args) =>
        KilnApp.RunWith(_demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, [.. args, $"--catalog={DemoRepo.Catalog}", $"--registry={_demo.Registry}", "--mode=local", "--date=20261121"]);

    private BakeResult Summary() => BakeResult.FromJson(File.ReadAllText(_demo.Full("artifacts/bake-summary.json")));

    private static Dictionary<string, Outcome> Outcomes(BakeResult r) => r.Families.ToDictionary(f => f.Name, f => f.Outcome);

    [Test]
    [Order(1)]
    public void A_first_build_builds_every_family_and_loads_it_locally()
    {
        var (code, output) = Kiln("--target=ExportArtifacts", "--artifacts");

        code.ShouldBe(0, output);
        var result = Summary();
        result.Families.Select(f => f.Outcome).ShouldAllBe(o => o == Outcome.Built);
        foreach (var f in result.Families)
        {
            TestInfra.Run(new CommandLine("docker").Add("image", "inspect", "--format", "{{.Id}}", f.Tag)).StandardOutput.Trim().ShouldBe(f.Digest);
        }

        // A first build has nothing to compare with, and its why says so rather than guess.
        output.ShouldMatch(@"demo-web\s+built\s+cannot tell what changed: demo-web-latest is in neither .* nor the local store \(deleted, or never published\)\s+[0-9a-f]{12}\s+\d+\.\d s\s+\d+/\d+\s+sha256:");
    }

    [Test]
    [Order(2)]
    public void The_artifacts_exist_and_match_their_schema()
    {
        var plan = JsonDocument.Parse(File.ReadAllText(_demo.Full("artifacts/bake-plan.json"))).RootElement;
        plan.GetProperty("target").EnumerateObject().Select(t => t.Name).Order(StringComparer.Ordinal)
            .ShouldBe(["demo-cpu", "demo-gpu-ada", "demo-gpu-ada-artifacts", "demo-gpu-ampere", "demo-gpu-ampere-artifacts", "demo-root", "demo-web"]);
        var rootTarget = plan.GetProperty("target").GetProperty("demo-root");
        rootTarget.GetProperty("labels").GetProperty("org.opencontainers.image.source").GetString().ShouldBe("https://github.com/kiln-org/kiln");
        rootTarget.GetProperty("labels").GetProperty("org.opencontainers.image.revision").GetString()!.Length.ShouldBe(40);

        var metadata = JsonDocument.Parse(File.ReadAllText(_demo.Full("artifacts/bake-metadata.json"))).RootElement;
        var summary = Summary();
        foreach (var f in summary.Families)
        {
            metadata.GetProperty(f.Name).GetProperty("containerimage.digest").GetString().ShouldBe(f.Digest);
        }

        var oci = OciMetadata.FromJson(File.ReadAllText(_demo.Full("artifacts/oci-metadata.json")));
        oci.Families.Count.ShouldBe(5);
        var web = oci.Get("demo-web");
        web.Outcome.ShouldBe("built");
        // Local mode loads straight into the engine (no OCI tarball), so the image is measured from `docker save`.
        web.MeasuredFrom.ShouldBe("local");
        web.Digest.ShouldBe(summary.Get("demo-web")!.Digest);
        web.Tags.ShouldBe([$"{_demo.Registry}:demo-web-{web.Hash}", $"{_demo.Registry}:demo-web-20261121", $"{_demo.Registry}:demo-web-latest"]);
        web.CompressedSize.ShouldBeGreaterThan(500_000);
        web.UncompressedSize.ShouldNotBeNull().ShouldBeGreaterThan(web.CompressedSize);
        web.Labels["org.opencontainers.image.version"].ShouldBe(web.Hash);
        web.Labels["dev.kiln.family"].ShouldBe("demo-web");
        web.Created.ShouldNotBeNull();
        web.Platform.ShouldBe("linux/amd64");
        web.Parent.ShouldBe("demo-cpu");

        var ada = oci.Get("demo-gpu-ada");
        var export = ada.Exports.ShouldHaveSingleItem();
        export.Path.ShouldBe("environment.tar.gz");
        using (var s = File.OpenRead(_demo.Full("artifacts/dist/demo-gpu-ada/environment.tar.gz")))
        {
            export.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(s)));
        }

        File.ReadAllText(_demo.Full("artifacts/dist/demo-gpu-ada/SHA256SUMS")).ShouldBe($"{export.Sha256}  environment.tar.gz\n");
        File.ReadAllText(_demo.Full("artifacts/build.log")).ShouldStartWith("$ docker buildx bake -f examples/mini/docker-bake.hcl");
    }

    [Test]
    [Order(3)]
    public void An_immediate_second_run_builds_nothing_and_says_so()
    {
        var (code, output) = Kiln("--target=Bake");

        code.ShouldBe(0, output);
        output.ShouldContain("Nothing changed: all 5 families are reused; nothing to build.");
        Summary().Families.ShouldAllBe(f => f.Outcome == Outcome.Reused);
        File.ReadAllText(_demo.Full("artifacts/bake-plan.json")).ShouldContain("\"target\": {}");
    }

    [Test]
    [Order(4)]
    public void With_every_image_in_the_local_store_a_local_run_needs_no_registry()
    {
        // The same images under a registry nobody listens on: a laptop offline, or a registry that is down.
        var dead = $"127.0.0.1:{Registry.RegistryIntegrationTests.FreePort()}/kiln/demo";
        var tags = Summary().Families.Select(f => (From: f.Tag, To: $"{dead}:{f.Tag[(f.Tag.LastIndexOf(':') + 1)..]}")).ToList();
        foreach (var (from, to) in tags)
        {
            TestInfra.Run(new CommandLine("docker").Add("tag", from, to)).Succeeded.ShouldBeTrue();
        }

        try
        {
            var (code, output) = KilnApp.RunWith(_demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, "--target=Bake", $"--catalog={DemoRepo.Catalog}", $"--registry={dead}", "--mode=local", "--date=20261121");

            code.ShouldBe(0, output);
            output.ShouldContain("Nothing changed: all 5 families are reused; nothing to build.");
            output.ShouldNotContain("Could not tell whether");
            var hashes = Build.Hashing.HashReport.FromJson(File.ReadAllText(_demo.Full("artifacts/hashes.json")));
            hashes.Families.ShouldAllBe(f => f.Exists == Build.Hashing.Existence.Unknown && f.ExistsDetail == "not asked: the local image store has it" && f.LocalImage != null);
            output.ShouldMatch(@"demo-web\s+[0-9a-f]{12}\s+demo-cpu\s+not asked\s+yes\s+\d+");
        }
        finally
        {
            foreach (var (_, to) in tags)
            {
                TestInfra.Run(new CommandLine("docker").Add("rmi", to));
            }
        }
    }

    [Test]
    [Order(5)]
    public void Editing_a_leaf_rebuilds_only_the_leaf()
    {
        File.AppendAllText(_demo.Full("examples/mini/files/www/index.html"), "<p>edited</p>\n");

        var (code, output) = Kiln("--target=Bake");

        code.ShouldBe(0, output);
        Outcomes(Summary()).ShouldBe(new Dictionary<string, Outcome>
        {
            ["demo-root"] = Outcome.Reused, ["demo-cpu"] = Outcome.Reused, ["demo-gpu-ada"] = Outcome.Reused,
            ["demo-gpu-ampere"] = Outcome.Reused, ["demo-web"] = Outcome.Built,
        });
    }

    [Test]
    [Order(6)]
    public void Editing_the_root_rebuilds_the_root_and_its_descendants()
    {
        var catalog = _demo.Full(DemoRepo.Catalog);
        File.WriteAllText(catalog, File.ReadAllText(catalog).Replace("env: { TZ: UTC, LANG: C.UTF-8 }", "env: { TZ: UTC, LANG: C.UTF-8, EDITED: \"1\" }", StringComparison.Ordinal));
        Kiln("--target=Generate").Code.ShouldBe(0);

        var (code, output) = Kiln("--target=Bake");

        code.ShouldBe(0, output);
        Summary().Families.ShouldAllBe(f => f.Outcome == Outcome.Built);
    }

    [Test]
    [Order(7)]
    public void Stale_generated_files_are_refused_with_the_command_to_fix_them()
    {
        var catalog = _demo.Full(DemoRepo.Catalog);
        File.WriteAllText(catalog, File.ReadAllText(catalog).Replace("EDITED: \"1\"", "EDITED: \"2\"", StringComparison.Ordinal));

        var (code, output) = Kiln("--target=Bake");

        code.ShouldBe(1);
        output.ShouldContain("The generated files are stale or missing (examples/mini/families/demo-root/Dockerfile");
        output.ShouldContain("Run ./build.sh --target=Generate --catalog=examples/mini/families.yaml.");
        Kiln("--target=Generate").Code.ShouldBe(0);
    }

    [Test]
    [Order(8)]
    public void Dry_run_prints_the_plan_and_the_exact_bake_command_and_builds_nothing()
    {
        var before = File.GetLastWriteTimeUtc(_demo.Full("artifacts/bake-summary.json"));

        var (code, output) = Kiln("--target=Bake", "--dryrun");

        code.ShouldBe(0, output);
        output.ShouldContain("Would run (from the repository root, with the environment below):");
        output.ShouldContain("docker buildx bake -f examples/mini/docker-bake.hcl");
        output.ShouldContain("--set demo-root.output=type=docker ");
        output.ShouldContain("SOURCE_DATE_EPOCH=");
        output.ShouldContain("CACHE=\n", customMessage: "local mode uses the builder's own cache");

        var (reproducibleCode, reproducible) = Kiln("--target=Bake", "--dryrun", "--reproducible", "--cache=local");
        reproducibleCode.ShouldBe(0, reproducible);
        reproducible.ShouldMatch(@"--set demo-root\.output=type=oci,dest=\S+/artifacts/\.work/oci/demo-root\.tar,name=\S+:demo-root-[0-9a-f]{12},rewrite-timestamp=true");
        reproducible.ShouldContain("CACHE=local\n");
        File.GetLastWriteTimeUtc(_demo.Full("artifacts/bake-summary.json")).ShouldBe(before);
    }

    [Test]
    [Order(9)]
    public void Two_clean_builds_of_the_same_commit_give_identical_digests()
    {
        Dictionary<string, string?> Clean()
        {
            TestInfra.Run(new CommandLine("docker").Add("buildx", "prune", "-af"));
            if (Directory.Exists(_demo.Full(".kiln/cache")))
            {
                Directory.Delete(_demo.Full(".kiln/cache"), recursive: true);
            }

            var (code, output) = Kiln("--target=Bake", "--force", "--reproducible");
            code.ShouldBe(0, output);
            return Summary().Families.ToDictionary(f => f.Name, f => f.Digest);
        }

        using var keep = new TempDir("kiln-repro-");
        var first = Clean();
        File.Copy(_demo.Full("artifacts/.work/oci/demo-root.tar"), Path.Combine(keep.Path, "first.tar"));
        var second = Clean();

        if (!second.SequenceEqual(first))
        {
            // Say which layers differ and how: content (diff IDs, e.g. timestamps) or only compression (blob reuse).
            var a = Build.Images.OciArchive.Measure(Path.Combine(keep.Path, "first.tar"));
            var b = Build.Images.OciArchive.Measure(_demo.Full("artifacts/.work/oci/demo-root.tar"));
            var layers = a.Layers.Zip(b.Layers).Where(p => p.First.Digest != p.Second.Digest)
                .Select(p => $"{p.First.CreatedBy}: {p.First.Digest[..19]} ({p.First.UncompressedSize} B) vs {p.Second.Digest[..19]} ({p.Second.UncompressedSize} B)");
            Assert.Fail($"Digests differ.\nfirst:  {string.Join(", ", first)}\nsecond: {string.Join(", ", second)}\n" +
                $"demo-root config {a.ConfigDigest[..19]} vs {b.ConfigDigest[..19]}, created {a.Created} vs {b.Created}; differing layers:\n  " + string.Join("\n  ", layers));
        }
        first.Values.ShouldAllBe(d => d != null && d.StartsWith("sha256:", StringComparison.Ordinal));
    }

    [Test]
    public void A_missing_engine_gives_the_documented_error()
    {
        var (code, output) = KilnApp.RunWith(
            _demo.Root,
            new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE"), ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" },
            "--target=Bake", "--offline", $"--catalog={DemoRepo.Catalog}", $"--registry={_demo.Registry}", "--mode=local", "--date=20261121");

        code.ShouldBe(1);
        output.ShouldContain("No Docker engine answers (Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock");
        output.ShouldContain("Start Docker, or on Debian run tests/infra/up.sh.");
    }

    private static void Git(string dir, params string[] args) => TestInfra.Run(new CommandLine("git").Add(["-C", dir, .. args]));
}
