using System.Net.Http;
using Build.Deploy;
using Build.Fleet;
using Build.Tests.Fleet;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Deploy;

/// <summary>
/// The demo fleet's generated Dockerfiles build (hash-locked wheel from the wheelhouse, pip check) and its generated
/// MainPC Compose file brings them up healthy under the hardening (non-root, no capabilities, read-only root).
/// The family context is the Debian test base (python3, no pip) that tests/infra/up.sh provides.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DemoDeployTests
{
    private static readonly string[] Services = ["heartbeat", "hello", "web"];

    [Test]
    public void The_demo_services_build_and_come_up_healthy_from_the_generated_compose_file()
    {
        var fleet = FleetValidator.Resolve(FleetFixture.DemoFleet(), FleetFixture.DemoCatalog());
        var family = TestInfra.Get("KILN_DEBIAN_BASE");
        var repo = TestInfra.UniqueRepository("fleet-demo");
        var project = "kiln-fleet-" + Guid.NewGuid().ToString("N")[..8];
        var dir = Directory.CreateTempSubdirectory("kiln-fleet-deploy-").FullName;
        var context = Path.Combine(TestInfra.RepoRoot, fleet.Fleet.SourceRoot);
        var compose = Path.Combine(dir, "compose.yaml");
        try
        {
            foreach (var name in Services)
            {
                var service = fleet.Get(name);
                var dockerfile = Path.Combine(dir, name, "Dockerfile");
                Directory.CreateDirectory(Path.GetDirectoryName(dockerfile)!);
                File.WriteAllText(dockerfile, ServiceDockerfileRenderer.Render(fleet, service));
                File.WriteAllText(dockerfile + ".dockerignore", ServiceDockerfileRenderer.RenderDockerignore(fleet, service));

                // The code context is staged as Bake stages it: exactly the service's import closure and files.
                var code = ServiceCodeReader.Read(fleet, TestInfra.RepoRoot, [service]).Single();
                code.Errors.ShouldBeEmpty();
                var staged = Path.Combine(dir, name, "code");
                CodeStage.Stage(name, context, staged, code.Files.Select(f => new Build.Hashing.HashInput(ServiceHasher.CodePrefix + f.Path, f.Sha256)).ToList());
                TestInfra.Run(new CommandLine("docker").Add("buildx", "build", "--quiet", "--load", "--build-context", $"family=docker-image://{family}", "--build-context", $"code={staged}", "-f", dockerfile, "-t", $"{repo}:{name}-test", context), timeout: TimeSpan.FromMinutes(10));
            }

            var file = ComposeRenderer.Render(fleet, "mainpc", new ComposeOptions(repo, _ => "test", Gpu: false));
            File.WriteAllText(compose, file.File.Content);
            ComposeChecks.Security(compose, file.File.Content, new HashSet<string>()).ShouldBeEmpty();
            TestInfra.Run(new CommandLine("docker").Add(["compose", "-p", project, "-f", compose, "up", "-d", "--wait", "--wait-timeout", "180", .. Services]), timeout: TimeSpan.FromMinutes(5));

            var ids = TestInfra.Run(new CommandLine("docker").Add("compose", "-p", project, "-f", compose, "ps", "-q")).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var inspect = TestInfra.Run(new CommandLine("docker").Add(["inspect", .. ids])).StandardOutput;
            var report = DeployReport.Build("mainpc", gpu: false, compose, ContainerInspect.Parse(inspect));
            report.Services.Select(s => s.Service).ShouldBe(Services);
            TestContext.Out.WriteLine(report.ToMarkdown());
            report.AllHealthy.ShouldBeTrue(report.ToMarkdown());
            report.Services.ShouldAllBe(s => s.SecondsToHealthy != null && s.Restarts == 0);

            // web reaches hello over the project network; hello answers with its hash-locked dependency.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            http.GetStringAsync(new Uri("http://127.0.0.1:17080/")).GetAwaiter().GetResult().ShouldContain("hello: ok (kiln-demo-fleet 1.1.0)");

            var user = TestInfra.Run(new CommandLine("docker").Add("compose", "-p", project, "-f", compose, "exec", "-T", "hello", "sh", "-c", "id -u; touch /app/x 2>&1 || true")).StandardOutput;
            user.ShouldStartWith("10001\n");
            user.ShouldContain("Read-only file system");
        }
        finally
        {
            RealProcesses.Runner.Run(new CommandLine("docker").Add("compose", "-p", project, "-f", compose, "down", "-v", "--remove-orphans"), new ProcessOptions { Timeout = TimeSpan.FromMinutes(2) });
            TestInfra.RemoveLocalTags(repo);
            Directory.Delete(dir, recursive: true);
        }
    }
}
