using System.Text.Json;
using Build.Deploy;
using Build.Tests.BadInput;
using Build.Tests.Infra;

namespace Build.Tests.Deploy;

/// <summary>
/// What Deploy lets through when told to: a hand-edited Compose file with --allow-drift (local mode), an override's
/// grants with --allow-privileged-override, an override that only tunes. Each passes the checks made when the run is
/// planned and says so. Deploy runs alone (--exclusive), so it stops at once for want of this run's hashes: no
/// engine is asked and nothing is built.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class DeployReviewTests
{
    private static (int Code, string Output) Deploy(BadInputRepo repo, params string[] args) =>
        KilnApp.Run(repo.Root, ["--target=Deploy", "--exclusive", "--machine=mainpc", "--mode=local", $"--catalog={FleetBadInput.Catalog}", .. args]);

    private const string PastTheChecks = "Deploy needs this run's hashes";

    [Test]
    public void Allow_drift_deploys_the_edited_file_in_local_mode_showing_its_diff()
    {
        using var repo = new BadInputRepo();
        repo.AddDemoFleet();
        repo.Edit(FleetBadInput.MainCompose, "audio-${KILN_TAG_AUDIO:-latest}", "audio-debug");

        var (code, output) = Deploy(repo, "--allow-drift");

        output.ShouldContain($"Deploying {FleetBadInput.MainCompose} as edited (--allow-drift), not as Generate renders it:\n--- a/{FleetBadInput.MainCompose}\n+++ b/{FleetBadInput.MainCompose}\n");
        output.ShouldNotContain("differs from what Generate renders");
        output.ShouldContain(PastTheChecks, Case.Sensitive, "the run goes on past the checks made when it is planned");
        code.ShouldBe(1);
    }

    [Test]
    public void Allow_privileged_override_deploys_the_grants_and_lists_them()
    {
        using var repo = new BadInputRepo();
        repo.AddDemoFleet();
        repo.Write("local/override.yaml", "services:\n  web:\n    privileged: true\n");

        var (_, output) = Deploy(repo, "--compose-override=local/override.yaml", "--allow-privileged-override");

        output.ShouldContain("Deploying with override grants the fleet does not declare (--allow-privileged-override):\n  local/override.yaml:3: service 'web': privileged: true (every capability and every host device)");
        output.ShouldContain(PastTheChecks);
    }

    [Test]
    public void An_override_that_only_tunes_passes_silently()
    {
        using var repo = new BadInputRepo();
        repo.AddDemoFleet();
        repo.Write("local/override.yaml", "services:\n  web:\n    environment: { LOG_LEVEL: debug }\n    ports: [\"18080:17080\"]\n");

        var (_, output) = Deploy(repo, "--compose-override=local/override.yaml");

        output.ShouldNotContain("override grants");
        output.ShouldContain(PastTheChecks);
    }

    [Test]
    public void The_report_lists_the_drift_and_the_override_grants()
    {
        var finding = new PostureFinding("local/override.yaml", 3, "web", "privileged: true (every capability and every host device)");
        var report = DeployReport.Build("mainpc", true, "deploy/mainpc/compose.yaml", [], composeDrift: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", overrideFindings: [finding]);

        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("composeDrift").GetString().ShouldStartWith("--- a/x");
        var listed = json.RootElement.GetProperty("overrideFindings").EnumerateArray().ShouldHaveSingleItem();
        listed.GetProperty("file").GetString().ShouldBe("local/override.yaml");
        listed.GetProperty("line").GetInt32().ShouldBe(3);
        listed.GetProperty("service").GetString().ShouldBe("web");
        listed.GetProperty("what").GetString().ShouldBe(finding.What);
        report.ToMarkdown().ShouldContain("- `local/override.yaml:3` web: privileged: true (every capability and every host device)\n");
        report.ToMarkdown().ShouldContain("```diff\n--- a/x\n");

        using var clean = JsonDocument.Parse(DeployReport.Build("mainpc", true, "f", []).ToJson());
        clean.RootElement.GetProperty("composeDrift").ValueKind.ShouldBe(JsonValueKind.Null);
        clean.RootElement.GetProperty("overrideFindings").GetArrayLength().ShouldBe(0);
    }

    [Test]
    public void A_long_diff_is_cut_short_pointing_at_the_whole_one()
    {
        var diff = string.Join('\n', Enumerable.Range(1, 100).Select(i => $"+line {i}")) + "\n";

        var shown = Build.Tasks.MachineProject.Short(diff).Split('\n');

        shown.Length.ShouldBe(41);
        shown[^1].ShouldBe("… (60 more lines: ./build.sh --target=GenerateCheck shows them all)");
        Build.Tasks.MachineProject.Short("-a\n+b\n").ShouldBe("-a\n+b");
    }
}
