using Build.Gates;
using Build.Tests.Hashing;
using Build.Tests.Infra;

namespace Build.Tests.Gates;

[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class GatesIntegrationTests
{
    private DemoRepo _demo = null!;

    [OneTimeSetUp]
    public void Setup()
    {
        _demo = new DemoRepo();
        Kiln("--target=Bake").Code.ShouldBe(0);
    }

    [OneTimeTearDown]
    public void Teardown() => _demo.Dispose();

    private (int Code, string Output) Kiln(params string[] args) =>
        KilnApp.RunWith(_demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, [.. args, $"--catalog={DemoRepo.Catalog}", $"--registry={_demo.Registry}", "--mode=local"]);

    private SizeReport SizeReport() => Build.Gates.SizeReport.FromJson(File.ReadAllText(_demo.Full("artifacts/size-report.json")));

    [Test]
    [Order(1)]
    public void The_committed_demo_baseline_passes_on_a_fresh_build()
    {
        var (code, output) = Kiln("--target=SizeGate");

        code.ShouldBe(0, output);
        SizeReport().Families.ShouldAllBe(f => f.Verdict == SizeVerdict.Pass);
        File.ReadAllText(_demo.Full("artifacts/size-report.md")).ShouldContain("```mermaid\nxychart-beta\n");
    }

    [Test]
    [Order(2)]
    public void A_family_made_bigger_on_purpose_fails_with_the_numbers_then_update_baseline_passes()
    {
        var catalog = _demo.Full(DemoRepo.Catalog);
        File.WriteAllText(catalog, File.ReadAllText(catalog).Replace(
            "      - mkdir -p /opt/app && echo \"cpu layer\" > /opt/app/LAYER",
            "      - mkdir -p /opt/app && echo \"cpu layer\" > /opt/app/LAYER\n      - head -c 12582912 /dev/urandom > /opt/app/ballast",
            StringComparison.Ordinal));
        Kiln("--target=Generate").Code.ShouldBe(0);
        Kiln("--target=Bake").Code.ShouldBe(0);

        var (code, output) = Kiln("--target=SizeGate");

        code.ShouldBe(1);
        var cpu = SizeReport().Families.Single(f => f.Family == "demo-cpu");
        cpu.Verdict.ShouldBe(SizeVerdict.Fail);
        cpu.DeltaBytes.ShouldNotBeNull().ShouldBeInRange(12_582_912, 12_582_912 + 65_536);
        cpu.DeltaPercent.ShouldNotBeNull().ShouldBeGreaterThan(800);
        cpu.Why.ShouldStartWith("grew 12.0 MiB (+");
        cpu.Why.ShouldEndWith("%): more than 5% and more than 10.0 MiB");
        cpu.LargestLayers[0].CreatedBy.ShouldContain("/opt/app/ballast");
        output.ShouldContain("Size gate failed: demo-cpu: grew 12.0 MiB");
        SizeReport().Families.Where(f => f.Family is "demo-web" or "demo-gpu-ada").ShouldAllBe(f => f.Verdict == SizeVerdict.Fail, "descendants carry the ballast too");
        File.ReadAllText(_demo.Full("artifacts/size-report.md")).ShouldContain("## Largest layers of demo-cpu");

        Kiln("--target=SizeGate", "--update-baseline").Code.ShouldBe(0);
        SizeReport().Families.ShouldAllBe(f => f.Verdict == SizeVerdict.Pass);
        SizeBaseline.Load(_demo.Full("examples/mini/size-baseline.json")).Families["demo-cpu"].Compressed.ShouldBe(cpu.Now.Compressed);
    }

    [Test]
    [Order(3)]
    public void Update_baseline_is_refused_in_a_run_that_publishes()
    {
        var (code, output) = Kiln("--target=Publish", "--update-baseline", "--cve-scanner=none");

        code.ShouldBe(2, output);
        output.ShouldContain("--update-baseline rewrites the baseline the size gate judges by, so it cannot run with Publish or CI.");
    }

    [Test]
    [Order(4)]
    public void A_missing_baseline_entry_gives_the_documented_message()
    {
        var path = _demo.Full("examples/mini/size-baseline.json");
        var baseline = SizeBaseline.Load(path);
        File.WriteAllText(path, (baseline with { Families = baseline.Families.Where(kv => kv.Key != "demo-web").ToDictionary(kv => kv.Key, kv => kv.Value) }).ToJson());

        var (code, _) = Kiln("--target=SizeGate");

        code.ShouldBe(1);
        var web = SizeReport().Families.Single(f => f.Family == "demo-web");
        web.Verdict.ShouldBe(SizeVerdict.MissingBaseline);
        web.Why.ShouldBe("demo-web has no entry in examples/mini/size-baseline.json: run ./build.sh --target=SizeGate --update-baseline and commit the file.");
    }

    [Test]
    public void CveScan_with_a_stand_in_scanner_blocks_on_findings_and_passes_with_a_waiver()
    {
        using var dir = new TempDir("kiln-trivy-");
        var trivy = dir.Write("trivy", "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\ncat > \"$out\" <<'EOF'\n" + Fixtures.Trivy + "\nEOF\n");
        File.SetUnixFileMode(trivy, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        var (code, output) = Kiln("--target=CveScan", $"--cve-scanner-path={trivy}", "--scan-reused");

        code.ShouldBe(1);
        output.ShouldContain("CVE gate failed: 15 blocking finding(s)");
        var report = CveReport.FromJson(File.ReadAllText(_demo.Full("artifacts/cve-report.json")));
        report.Families.Count.ShouldBe(5);
        report.Families.ShouldAllBe(f => f.Status == ScanStatus.Scanned && f.Blocking == 3);
        File.Exists(_demo.Full("artifacts/cve-report.sarif")).ShouldBeTrue();

        File.WriteAllText(_demo.Full("examples/mini/cve-policy.yaml"), """
            fail_on: [HIGH, CRITICAL]
            ignore_unfixed: true
            waivers:
              - id: CVE-2024-0001
                packages: [openssl]
                reason: fixed upstream next week; not reachable from the services
                expires: 2099-01-01
              - id: GHSA-xxxx-yyyy-zzzz
                reason: urllib3 is only used by a build script
                expires: 2099-01-01
            """);
        var (passCode, passOutput) = Kiln("--target=CveScan", $"--cve-scanner-path={trivy}", "--scan-reused");
        passCode.ShouldBe(0, passOutput);
        CveReport.FromJson(File.ReadAllText(_demo.Full("artifacts/cve-report.json"))).Result.ShouldBe(GateResult.Passed);
    }

    [Test]
    public void No_scanner_is_a_loud_not_run_locally_an_error_in_ci_and_none_is_an_explicit_skip()
    {
        var (local, localOut) = Kiln("--target=CveScan", "--cve-scanner=grype");
        local.ShouldBe(0);
        localOut.ShouldContain("!!! NO CVE SCAN: grype is not installed.");
        CveReport.FromJson(File.ReadAllText(_demo.Full("artifacts/cve-report.json"))).Result.ShouldBe(GateResult.NotRun);
        File.ReadAllText(_demo.Full("artifacts/cve-report.md")).ShouldContain("**Result: NOTRUN**");

        var (ci, ciOut) = KilnApp.RunWith(_demo.Root, new() { ["KILN_DEMO_BASE"] = TestInfra.Get("KILN_DEMO_BASE") }, "--target=CveScan", "--cve-scanner=grype", $"--catalog={DemoRepo.Catalog}", $"--registry={_demo.Registry}", "--mode=ci", "--offline");
        ci.ShouldBe(1);
        ciOut.ShouldContain("No grype scanner found, and CI mode does not publish unscanned images. Install Grype");

        var (none, noneOut) = Kiln("--target=CveScan", "--cve-scanner=none");
        none.ShouldBe(0);
        noneOut.ShouldContain("CVE scan skipped: --cve-scanner=none.");
        CveReport.FromJson(File.ReadAllText(_demo.Full("artifacts/cve-report.json"))).Result.ShouldBe(GateResult.Skipped);
    }
}
