using System.Text.Json;
using System.Text.RegularExpressions;
using Build.Tests.Infra;
using YamlDotNet.RepresentationModel;

namespace Build.Tests.Fleet;

/// <summary>The Fleet target (manifest and catalog only), and what the committed generated files may hold.</summary>
[TestFixture]
[Category("Unit")]
public sealed partial class FleetTargetTests
{
    private static readonly string[] GeneratedRoots = ["deploy", "docker/services", "docker/families", "examples/demo/deploy", "examples/demo/services", "examples/demo/families"];

    [Test]
    public void The_Fleet_target_reports_from_the_manifest_alone_and_lists_every_open_question_with_its_decision()
    {
        using var dir = new TempDir("kiln-fleet-");

        // A Docker host that does not exist: anything that reached for the engine would fail the run.
        var (code, output) = KilnApp.RunWith(TestInfra.RepoRoot, new() { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" }, "--target=Fleet", $"--artifacts={dir.Path}", "--mode=local");

        code.ShouldBe(0, output);
        output.ShouldNotContain("ComputeHash");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "fleet-report.json")));
        var root = json.RootElement;
        root.GetProperty("coverage").GetProperty("mapped").GetInt32().ShouldBe(69);
        root.GetProperty("bytes").ValueKind.ShouldBe(JsonValueKind.Null, "nothing is measured without images");
        var ids = root.GetProperty("questions").EnumerateArray().Select(q => q.GetProperty("id").GetString()).ToList();
        ids.Take(10).ShouldBe(Enumerable.Range(1, 10).Select(i => $"H{i}"));
        root.GetProperty("questions").EnumerateArray().ShouldAllBe(q => q.GetProperty("decision").GetString()!.Length > 0 && q.GetProperty("decidedBy").GetString() == "kiln default");
        root.GetProperty("openQuestions").EnumerateArray().Select(q => q.GetProperty("service").GetString()).ShouldContain("RealTimeAudioPipelinePC2");

        var markdown = File.ReadAllText(Path.Combine(dir.Path, "fleet-report.md"));
        output.ShouldContain(markdown.Split('\n')[2], Case.Sensitive, "the report is printed too");
        foreach (var id in ids)
        {
            markdown.ShouldContain($"\n| {id} | ");
            output.ShouldContain($"| {id} | ");
        }

        markdown.ShouldContain("- SpeechRelayService@pc2 → TTSService@mainpc mainpc:5801 (`KILN_PEER_TTSSERVICE`)");
        markdown.ShouldContain("- SelfHealingSupervisor: Docker socket /var/run/docker.sock, group 998 (docker_gid)");
        markdown.ShouldContain("| redis | `redis:7.2-bookworm@sha256:");
    }

    [Test]
    public void No_committed_generated_file_holds_a_secret_value()
    {
        var files = GeneratedRoots.Select(r => Path.Combine(TestInfra.RepoRoot, r)).Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories)).ToList();
        files.Count.ShouldBeGreaterThan(150);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var name = Path.GetRelativePath(TestInfra.RepoRoot, file);
            SecretAssignment().IsMatch(text).ShouldBeFalse($"{name} assigns a KILN_SECRET_ variable");
            RequirePass().Matches(text).ShouldAllBe(m => m.Groups[1].Value == "%s", $"{name} writes a literal requirepass");
        }

        foreach (var compose in files.Where(f => f.EndsWith("compose.yaml", StringComparison.Ordinal)))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(compose)));
            var root = (YamlMappingNode)stream.Documents[0].RootNode;
            if (root.Children.TryGetValue("secrets", out var secrets))
            {
                // Each secret is read from the deployer's environment at `up`: no file, no value here.
                foreach (var (key, value) in ((YamlMappingNode)secrets).Children)
                {
                    var entry = (YamlMappingNode)value;
                    entry.Children.Keys.Select(k => k.ToString()).ShouldBe(["environment"], $"{compose}: secret {key}");
                    entry.Children["environment"].ToString().ShouldStartWith("KILN_SECRET_");
                }
            }

            foreach (var (service, value) in ((YamlMappingNode)root.Children["services"]).Children)
            {
                if (((YamlMappingNode)value).Children.TryGetValue("environment", out var env))
                {
                    foreach (var (variable, setting) in ((YamlMappingNode)env).Children.Where(kv => SecretName().IsMatch(kv.Key.ToString())))
                    {
                        setting.ToString().ShouldStartWith("/run/secrets/", Case.Sensitive, $"{compose}: {service} {variable} must name a secret file, not hold a value");
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"KILN_SECRET_[A-Z0-9_]+\s*[=:]\s*['""]?[^\s'"",)]")]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"requirepass\s+([^\s\\']+)")]
    private static partial Regex RequirePass();

    [GeneratedRegex("PASSWORD|SECRET|TOKEN|API_KEY")]
    private static partial Regex SecretName();
}
