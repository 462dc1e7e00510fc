using System.Text.Json;
using Build.Deploy;

namespace Build.Tests.Deploy;

/// <summary>The cold-start baseline read from `docker inspect` (shapes as Docker 28 writes them).</summary>
[TestFixture]
[Category("Unit")]
public sealed class DeployReportTests
{
    private const string Inspect = """
        [
          {
            "Name": "/kiln-mainpc-web-1",
            "RestartCount": 0,
            "State": {
              "Status": "running",
              "StartedAt": "2026-12-01T08:59:33.735318254Z",
              "Health": {
                "Status": "healthy",
                "FailingStreak": 0,
                "Log": [
                  { "Start": "2026-12-01T08:59:34.877802286Z", "End": "2026-12-01T08:59:35.074571192Z", "ExitCode": 1, "Output": "kiln-healthcheck: GET http://127.0.0.1:17080/health failed" },
                  { "Start": "2026-12-01T08:59:36.075274604Z", "End": "2026-12-01T08:59:36.162557256Z", "ExitCode": 0, "Output": "" },
                  { "Start": "2026-12-01T08:59:37.163755229Z", "End": "2026-12-01T08:59:37.327371227Z", "ExitCode": 0, "Output": "" }
                ]
              }
            },
            "Config": { "Image": "r-services:web-abc", "Labels": { "com.docker.compose.service": "web" } }
          },
          {
            "Name": "/kiln-mainpc-gpu-ada-1",
            "RestartCount": 2,
            "State": {
              "Status": "restarting",
              "StartedAt": "2026-12-01T08:59:40.000000001Z",
              "Health": {
                "Status": "unhealthy",
                "FailingStreak": 3,
                "Log": [
                  { "Start": "2026-12-01T08:59:41Z", "End": "2026-12-01T08:59:41.5Z", "ExitCode": 1, "Output": "kiln-gpu-probe: this image (ada) is built for compute capability 8.9, but the visible GPU has 8.6.\n" }
                ]
              }
            },
            "Config": { "Image": "r-services:gpu-ada-abc", "Labels": { "com.docker.compose.service": "gpu-ada" } }
          }
        ]
        """;

    [Test]
    public void Seconds_to_healthy_run_from_start_to_the_first_passing_check()
    {
        var states = ContainerInspect.Parse(Inspect);

        states.Select(s => s.Service).ShouldBe(["gpu-ada", "web"]);
        states[1].SecondsToHealthy.ShouldBe(2.43);
        states[1].Health.ShouldBe("healthy");
        states[0].SecondsToHealthy.ShouldBeNull();
        states[0].Restarts.ShouldBe(2);
        states[0].LastHealthOutput.ShouldBe("kiln-gpu-probe: this image (ada) is built for compute capability 8.9, but the visible GPU has 8.6.");
    }

    [Test]
    public void The_report_names_the_unhealthy_service_with_its_health_output()
    {
        var report = DeployReport.Build("mainpc", gpu: false, "deploy/mainpc/compose.yaml", ContainerInspect.Parse(Inspect));

        report.AllHealthy.ShouldBeFalse();
        report.Unhealthy.Select(u => u.Service).ShouldBe(["gpu-ada"]);
        var md = report.ToMarkdown();
        md.ShouldContain("`deploy/mainpc/compose.yaml` with `--gpu=off` (no GPU device reservations; the GPU probe decides): 1 of 2 services healthy.");
        md.ShouldContain("| web | `r-services:web-abc` | healthy | 2.43 | 0 |");
        md.ShouldContain("| gpu-ada | `r-services:gpu-ada-abc` | unhealthy | - | 2 |");
        md.ShouldContain("**gpu-ada** last health output:\n\n```\nkiln-gpu-probe: this image (ada) is built for compute capability 8.9");
        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("services")[1].GetProperty("secondsToHealthy").GetDouble().ShouldBe(2.43);
    }
}
