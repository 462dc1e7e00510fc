using System.Text.Json;
using Build.Gates;
using Build.Tools;

namespace Build.Tests.Gates;

[TestFixture]
[Category("Unit")]
public sealed class CveGateTests
{
    private static readonly DateOnly Today = new(2026, 11, 21);

    private static CvePolicy Policy(bool ignoreUnfixed = false, params Waiver[] waivers) => new("docker/cve-policy.yaml", [Severity.High, Severity.Critical], ignoreUnfixed, waivers);

    private static CveReport Evaluate(CvePolicy policy, IReadOnlyList<Finding> findings) =>
        CvePolicyEngine.Evaluate("trivy", policy, [(Image("cpu-py311"), ScanStatus.Scanned, null, findings)], Today, Run);

    internal static readonly RunStamp Run = new("run1", "2026-11-21T00:00:00Z", "docker/families.yaml");

    internal static JudgedImage Image(string family) => new(family, "0123456789ab", "sha256:" + new string('a', 64), $"r:{family}-0123456789ab", ImageOrigin.Built);

    [Test]
    public void Trivy_findings_are_normalised_deduplicated_across_layers_and_keep_unknown_severities()
    {
        var findings = ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy);

        findings.Select(f => (f.Id, f.Package, f.Severity)).ShouldBe([
            ("CVE-2024-0001", "openssl", Severity.Critical),
            ("CVE-2024-0002", "zlib1g", Severity.High),
            ("GHSA-xxxx-yyyy-zzzz", "urllib3", Severity.High),
            ("CVE-2024-0003", "libc6", Severity.Medium),
            ("CVE-2024-0004", "tzdata", Severity.Unknown),
        ]);
        findings[0].FixedVersion.ShouldBe("3.0.15-1~deb12u2");
        findings[0].Url.ShouldBe("https://avd.aquasec.com/nvd/cve-2024-0001");
        findings[1].HasFix.ShouldBeFalse();
    }

    [Test]
    public void A_trivy_report_without_results_or_vulnerabilities_has_no_findings()
    {
        ScannerReports.ParseTrivy("f", Fixtures.TrivyNoResults).ShouldBeEmpty();
        ScannerReports.ParseTrivy("f", """{"SchemaVersion":2,"Results":[{"Target":"x","Class":"os-pkgs"}]}""").ShouldBeEmpty();
        Should.Throw<JsonException>(() => ScannerReports.ParseTrivy("f", """{"SchemaVersion":1}"""));
    }

    [Test]
    public void Grype_matches_are_normalised_with_fix_state_and_capitalised_severities()
    {
        var findings = ScannerReports.ParseGrype("cpu-py311", Fixtures.Grype);

        findings.Select(f => (f.Id, f.Package, f.Severity, f.FixedVersion)).ShouldBe([
            ("CVE-2024-0001", "openssl", Severity.Critical, "3.0.15-1~deb12u2"),
            ("CVE-2024-0002", "zlib1g", Severity.High, null),
            ("CVE-2024-0009", "bash", Severity.Negligible, null),
        ]);
        findings[0].Location.ShouldBe("/var/lib/dpkg/status");
    }

    [Test]
    public void High_and_critical_block_the_rest_are_informational()
    {
        var report = Evaluate(Policy(), ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy));

        report.Result.ShouldBe(GateResult.Failed);
        var verdicts = report.Families[0].Findings.ToDictionary(f => f.Id, f => f.Verdict);
        verdicts["CVE-2024-0001"].ShouldBe(Verdict.Blocking);
        verdicts["CVE-2024-0002"].ShouldBe(Verdict.Blocking);
        verdicts["CVE-2024-0003"].ShouldBe(Verdict.Informational);
        verdicts["CVE-2024-0004"].ShouldBe(Verdict.Informational);
    }

    [Test]
    public void Ignore_unfixed_lets_findings_without_a_fix_pass()
    {
        var report = Evaluate(Policy(ignoreUnfixed: true), ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy));

        var zlib = report.Families[0].Findings.Single(f => f.Id == "CVE-2024-0002");
        zlib.Verdict.ShouldBe(Verdict.Informational);
        zlib.Why.ShouldBe("no fix is available (ignore_unfixed)");
    }

    [Test]
    public void A_valid_waiver_for_the_family_and_package_waives_and_unrelated_waivers_are_stale()
    {
        var findings = ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy).Where(f => f.Id == "CVE-2024-0001").ToList();
        var report = Evaluate(Policy(false,
            new Waiver("CVE-2024-0001", ["cpu-py311"], ["openssl"], "not reachable", new DateOnly(2027, 1, 31), 7),
            new Waiver("CVE-2099-0001", [], [], "old", new DateOnly(2027, 1, 31), 12)), findings);

        report.Result.ShouldBe(GateResult.Passed);
        report.Families[0].Findings.Single().Verdict.ShouldBe(Verdict.Waived);
        report.Waivers.Single(w => w.Id == "CVE-2099-0001").Used.ShouldBeFalse();
        CvePolicyEngine.Markdown(report).ShouldContain("| CVE-2099-0001 | 2027-01-31 | stale (matched nothing) | old |");
    }

    [Test]
    public void A_waiver_for_another_family_does_not_apply()
    {
        var findings = ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy).Where(f => f.Id == "CVE-2024-0001").ToList();

        Evaluate(Policy(false, new Waiver("CVE-2024-0001", ["cuda12.3-runtime-py311"], [], "x", new DateOnly(2027, 1, 1), 3)), findings).Result.ShouldBe(GateResult.Failed);
    }

    [Test]
    public void An_expired_waiver_is_itself_a_failure_even_when_it_matches_nothing()
    {
        var report = Evaluate(Policy(false, new Waiver("CVE-2023-9999", [], [], "temporary", new DateOnly(2026, 1, 1), 9)), []);

        report.Result.ShouldBe(GateResult.Failed);
        report.Problems.ShouldHaveSingleItem().ShouldBe("docker/cve-policy.yaml:9: waiver CVE-2023-9999 expired on 2026-01-01: fix the vulnerability or renew the waiver with a new reason.");
    }

    [Test]
    public void The_reports_show_counts_blocking_first_and_valid_sarif()
    {
        var report = Evaluate(Policy(), ScannerReports.ParseTrivy("cpu-py311", Fixtures.Trivy));

        var md = CvePolicyEngine.Markdown(report);
        md.ShouldContain("**Result: FAILED**");
        md.ShouldContain("| cpu-py311 | scanned | 1 | 2 | 1 | 0 | 1 | 3 | 0 |");
        md.IndexOf("[CVE-2024-0001]", StringComparison.Ordinal).ShouldBeLessThan(md.IndexOf("CVE-2024-0002", StringComparison.Ordinal));

        using var sarif = JsonDocument.Parse(CvePolicyEngine.Sarif(report, f => $"docker/families/{f}/Dockerfile"));
        sarif.RootElement.GetProperty("version").GetString().ShouldBe("2.1.0");
        var run = sarif.RootElement.GetProperty("runs")[0];
        run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength().ShouldBe(5);
        var first = run.GetProperty("results")[0];
        first.GetProperty("level").GetString().ShouldBe("error");
        first.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString().ShouldBe("docker/families/cpu-py311/Dockerfile");
    }

    [Test]
    public void Policy_files_are_read_and_bad_ones_name_file_and_line()
    {
        using var dir = new Infra.TempDir();
        var good = dir.Write("good.yaml", "fail_on: [CRITICAL]\nignore_unfixed: true\nwaivers:\n  - id: CVE-1\n    reason: r\n    expires: 2027-01-01\n    packages: [p]\n");
        var policy = CvePolicy.Load(good, "good.yaml");
        policy.FailOn.ShouldBe([Severity.Critical]);
        policy.IgnoreUnfixed.ShouldBeTrue();
        policy.Waivers.ShouldHaveSingleItem().Line.ShouldBe(4);

        var noExpiry = dir.Write("bad.yaml", "waivers:\n  - id: CVE-1\n    reason: r\n");
        Should.Throw<GateConfigException>(() => CvePolicy.Load(noExpiry, "bad.yaml")).Message.ShouldBe("bad.yaml:2:5: waiver 'CVE-1': needs 'expires: yyyy-mm-dd' (waivers are temporary by design). Add e.g. 'expires: 2027-01-31'.");
        var typo = dir.Write("typo.yaml", "fail_onn: [HIGH]\n");
        Should.Throw<GateConfigException>(() => CvePolicy.Load(typo, "typo.yaml")).Message.ShouldStartWith("typo.yaml:1:1: Unknown key 'fail_onn' in the CVE policy. Did you mean 'fail_on'?");
        CvePolicy.Load(Path.Combine(dir.Path, "missing.yaml"), "missing.yaml").FailOn.ShouldBe([Severity.High, Severity.Critical]);
    }

    [Test]
    public void Trivy_and_grype_command_lines_are_the_real_ones()
    {
        var layout = new ScanRequest("cpu-py311", "ghcr.io/o/ai-base:cpu-py311-abc", "/a/oci/cpu-py311", "/a/cve/cpu-py311.trivy.json", OfflineDatabase: true, CacheDirectory: "/c/trivy");
        var image = layout with { OciLayoutDirectory = null, OfflineDatabase = false, CacheDirectory = null };

        new TrivyScanner(new CommandLine("trivy")).Command(layout).Render().ShouldBe(
            "trivy image --format json --output /a/cve/cpu-py311.trivy.json --exit-code 0 --quiet --scanners vuln --skip-db-update --skip-java-db-update --offline-scan --cache-dir /c/trivy --input /a/oci/cpu-py311");
        new TrivyScanner(new CommandLine("trivy")).Command(image).Render().ShouldBe(
            "trivy image --format json --output /a/cve/cpu-py311.trivy.json --exit-code 0 --quiet --scanners vuln ghcr.io/o/ai-base:cpu-py311-abc");
        new GrypeScanner(new CommandLine("grype")).Command(layout).Render().ShouldBe("grype oci-dir:/a/oci/cpu-py311 -o json --file /a/cve/cpu-py311.trivy.json --quiet");
        new GrypeScanner(new CommandLine("grype")).Command(image).Render().ShouldBe("grype docker:ghcr.io/o/ai-base:cpu-py311-abc -o json --file /a/cve/cpu-py311.trivy.json --quiet");
        new GrypeScanner(new CommandLine("grype")).Environment(layout)["GRYPE_DB_AUTO_UPDATE"].ShouldBe("false");
        CveScanners.Resolve("trivy", null, "aquasec/trivy:0.74.0", "/a")!.Command(image).Render()
            .ShouldStartWith("docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v /a:/a aquasec/trivy:0.74.0 image --format json");
    }
}

/// <summary>The adapters end to end against a stand-in executable: report, crash, time-out.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ScannerProcessTests
{
    private static (string Path, TempDirHandle Dir) StandIn(string body)
    {
        var dir = new Infra.TempDir("kiln-scanner-");
        var path = dir.Write("trivy", "#!/bin/sh\n" + body);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        return (path, new TempDirHandle(dir));
    }

    public sealed class TempDirHandle(Infra.TempDir dir) : IDisposable
    {
        public string Path => dir.Path;

        public void Dispose() => dir.Dispose();
    }

    private static ScanRequest Request(string dir) => new("cpu-py311", "img:1", null, System.IO.Path.Combine(dir, "out", "report.json"), false, null);

    [Test]
    public void A_report_written_to_the_output_path_is_parsed()
    {
        var (path, dir) = StandIn("while [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\ncat > \"$out\" <<'EOF'\n" + Fixtures.Trivy + "\nEOF\n");
        using var _ = dir;

        var (status, detail, findings) = new TrivyScanner(new CommandLine(path)).Run(Request(dir.Path), TimeSpan.FromSeconds(30), RealProcesses.Runner);

        status.ShouldBe(ScanStatus.Scanned, detail);
        findings.Count.ShouldBe(5);
    }

    [Test]
    public void A_crash_is_a_failed_scan_with_the_tools_error_not_a_pass()
    {
        var (path, dir) = StandIn("echo 'FATAL failed to initialize a docker scanner: unable to find the specified image' >&2\nexit 1\n");
        using var _ = dir;

        var (status, detail, findings) = new TrivyScanner(new CommandLine(path)).Run(Request(dir.Path), TimeSpan.FromSeconds(30), RealProcesses.Runner);

        status.ShouldBe(ScanStatus.Failed);
        detail.ShouldBe("trivy exited 1: FATAL failed to initialize a docker scanner: unable to find the specified image");
        findings.ShouldBeEmpty();
    }

    [Test]
    public void A_hang_is_killed_at_the_time_out()
    {
        var (path, dir) = StandIn("sleep 30\n");
        using var _ = dir;

        var (status, detail, _) = new TrivyScanner(new CommandLine(path)).Run(Request(dir.Path), TimeSpan.FromMilliseconds(500), RealProcesses.Runner);

        status.ShouldBe(ScanStatus.Failed);
        detail.ShouldBe("trivy timed out after 0.5 s");
    }

    [Test]
    public void Exit_zero_without_a_report_or_with_a_broken_one_fails()
    {
        var (path, dir) = StandIn("exit 0\n");
        using var _ = dir;
        new TrivyScanner(new CommandLine(path)).Run(Request(dir.Path), TimeSpan.FromSeconds(30), RealProcesses.Runner).Status.ShouldBe(ScanStatus.Failed);

        var (broken, dir2) = StandIn("while [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\necho '{not json' > \"$out\"\n");
        using var __ = dir2;
        new TrivyScanner(new CommandLine(broken)).Run(Request(dir2.Path), TimeSpan.FromSeconds(30), RealProcesses.Runner).Detail.ShouldStartWith("trivy's report is not valid");
    }
}
