using Build.Gates;

namespace Build.Tests.Gates;

[TestFixture]
[Category("Unit")]
public sealed class GateLedgerTests
{
    private static readonly string Judged = "sha256:" + new string('a', 64);
    private static readonly string Other = "sha256:" + new string('b', 64);

    private static SizeReport Size(string digest, SizeVerdict verdict) => new(SizeReport.CurrentSchema, ImageSizeGate.GateName, CveGateTests.Run, verdict == SizeVerdict.Pass ? GateResult.Passed : GateResult.Failed, "b.json",
        [new SizeResult("cpu", "0123456789ab", digest, verdict, null, new SizeEntry(1, null), null, null, new SizeRule(5, 10), verdict == SizeVerdict.Pass ? "within 5%" : "grew too much", [])]);

    private static CveReport Cve(string digest, ScanStatus status, GateResult forced) =>
        CvePolicyEngine.Evaluate("trivy", CvePolicy.Default("p.yaml"), [(CveGateTests.Image("cpu") with { Digest = digest }, status, status == ScanStatus.NotScanned ? "--cve-scanner=none" : null, [])], new DateOnly(2026, 11, 21), CveGateTests.Run, forced);

    [Test]
    public void Every_gate_of_the_app_is_known_and_has_its_report_and_command()
    {
        GateRegistry.All.Select(g => $"{g.Name} {g.Report} {g.Command}").ShouldBe(["cve cve-report ./build.sh --target=CveScan", "size size-report ./build.sh --target=SizeGate"]);
    }

    [Test]
    public void An_image_goes_through_only_when_every_gate_judged_that_very_digest()
    {
        var image = CveGateTests.Image("cpu");
        var ledger = new GateLedger(GateRegistry.All, new Dictionary<string, IGateReport>
        {
            ["cve"] = Cve(Judged, ScanStatus.NotScanned, GateResult.Skipped),
            ["size"] = Size(Judged, SizeVerdict.Pass),
        });
        ledger.Refusals(image).ShouldBeEmpty();
        ledger.AllPassed.ShouldBeTrue();

        ledger.Refusals(image with { Digest = Other }).ShouldBe(
        [
            "the cve gate judged sha256:aaaaaaaaaaaa, not sha256:bbbbbbbbbbbb (run ./build.sh --target=CveScan)",
            "the size gate judged sha256:aaaaaaaaaaaa, not sha256:bbbbbbbbbbbb (run ./build.sh --target=SizeGate)",
        ]);
        ledger.Refusals(image with { Family = "web" }).ShouldBe(
        [
            "the cve gate did not judge it (run ./build.sh --target=CveScan)",
            "the size gate did not judge it (run ./build.sh --target=SizeGate)",
        ]);
    }

    [Test]
    public void A_missing_report_a_failing_verdict_and_a_scan_that_did_not_run_each_refuse()
    {
        var image = CveGateTests.Image("cpu");
        new GateLedger(GateRegistry.All, new Dictionary<string, IGateReport> { ["size"] = Size(Judged, SizeVerdict.Pass) })
            .Refusals(image).ShouldBe(["no cve verdict in this run (run ./build.sh --target=CveScan)"]);

        var failing = new GateLedger(GateRegistry.All, new Dictionary<string, IGateReport>
        {
            ["cve"] = Cve(Judged, ScanStatus.NotScanned, GateResult.NotRun),
            ["size"] = Size(Judged, SizeVerdict.Fail),
        });
        failing.Refusals(image).ShouldBe(["the cve gate did not run: --cve-scanner=none", "the size gate blocks it: grew too much"]);
        failing.AllPassed.ShouldBeFalse();
        failing.Summary.ShouldBe("cve gate not run, size gate failed");
    }
}
