using System.Text;
using Build.Catalog;
using Build.Catalog.Yaml;
using Build.Deploy;
using Build.Fleet;
using Build.Generation;
using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>
/// Random mutations of the demo's fleet.yaml (deleted, duplicated and swapped lines, swapped value types, re-indented
/// lines, inserted YAML fragments and control characters, random bytes, truncation) through the loader, the catalog
/// checks and, when it is still valid, every generated file. The only allowed outcomes are a valid fleet or
/// <see cref="InputError"/>s that are every one positioned; any other exception is a bug, and so is an iteration that
/// does not finish. The count is bounded for the normal run; KILN_FUZZ_COUNT=100000 runs a longer one
/// (KILN_FUZZ_SEED picks the seed).
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetFuzzTests
{
    private const int DefaultCount = 2000;

    /// <summary>Far beyond any one load (a few milliseconds): only a hang reaches it.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(1);

    private static readonly string[] Fragments =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "&a ", "*a", "*nope", "!!int ", "!tag ", "|", ">-", "'", "\"", "#", "\t", "\n", "  ", "---\n", "...\n",
        "~", "null", "[]", "{}", "..", "/", "\\", "0", "-1", "65536", "1m30s", "true", "yes", "<<: *a", "? ", ",", "\"a\\nb\"", "\"\\x01\"", "\"\\t\"",
        "services:", "machines: [pc3]", "family: gpu-ada", "depends_on: [web]", "depends_on: [hello, heartbeat]", "ports: [17001]", "health: { port: 99999 }",
        "env: { A: \"x\\ny\" }", "env: { PASSWORD: x }", "machine_env: { pc2: { A: \"1\" } }", "uses: [redis]", "gpu: optional", "docker_socket: true",
        "volumes: [/cache:/cache]", "models: true", "audio_device: true", "port_offset: 65000", "address: pc2.lan", "requirements: none",
    ];

    [Test]
    public void Mutated_fleets_load_or_fail_with_positioned_errors_and_nothing_else()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_COUNT"), out var n) && n > 0 ? n : DefaultCount;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SEED"), out var s) ? s : 20261201;
        var catalog = CatalogLoader.Load("examples/demo/families.yaml", new CatalogLoadOptions(TestInfra.RepoRoot, _ => null, Strict: false)).Catalog;
        var original = File.ReadAllBytes(Path.Combine(TestInfra.RepoRoot, "examples/demo/fleet.yaml"));
        var random = new Random(seed);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var mutated = YamlMutator.Mutate(random, original, Fragments, keptAtLeast: 0.5);
            var run = Task.Run(() => Outcome(mutated, catalog));
            if (!run.Wait(HangLimit))
            {
                Assert.Fail($"iteration {i} (seed {seed}) did not finish within {HangLimit}\n--- input ---\n{Show(mutated)}");
            }

            if (run.Result.Problem is { } problem)
            {
                Assert.Fail($"iteration {i} (seed {seed}): {problem}\n--- input ---\n{Show(mutated)}");
            }

            outcomes[run.Result.Kind] = outcomes.GetValueOrDefault(run.Result.Kind) + 1;
        }

        TestContext.Out.WriteLine($"{count} mutations (seed {seed}): {outcomes.GetValueOrDefault("valid")} valid, {count - outcomes.GetValueOrDefault("valid")} rejected with positioned errors.");
        foreach (var (outcome, times) in outcomes.OrderByDescending(kv => kv.Value).Take(15))
        {
            TestContext.Out.WriteLine($"  {times,6}  {outcome}");
        }

        outcomes.Count.ShouldBeGreaterThan(5, "the mutations reach many different checks");
        outcomes.GetValueOrDefault("valid").ShouldBeGreaterThan(0, "some mutations stay valid (comments, harmless edits)");
    }

    /// <summary>What became of one input: its kind ("valid" or the first error's first words), or the problem that is a bug.</summary>
    private static (string Kind, string? Problem) Outcome(byte[] bytes, Build.Catalog.Catalog catalog)
    {
        const string file = "examples/demo/fleet.yaml";
        try
        {
            var decoding = new List<InputError>();
            var text = YamlDocument.Decode(bytes, file, decoding);
            var read = text is null ? new FleetRead(null, decoding, []) : FleetLoader.ParseAll(text, file);
            var errors = read.Errors.ToList();
            ResolvedFleet? resolved = null;
            if (read.Fleet is { } fleet)
            {
                try
                {
                    resolved = FleetValidator.Resolve(fleet, catalog, read.Errors);
                }
                catch (InputException ex)
                {
                    errors = [.. ex.Errors];
                }
            }

            if (errors.Count == 0)
            {
                if (resolved is null)
                {
                    return ("", "no fleet and no error");
                }

                _ = FleetPlan.Files(resolved, ComposeOptions.ForGeneration(catalog));
                _ = Generator.Plan(catalog, resolved);
                return ("valid", null);
            }

            if (errors.FirstOrDefault(e => e.Where is not { Line: > 0, Column: > 0 } || string.IsNullOrEmpty(e.Where.File)) is { } unpositioned)
            {
                return ("", $"unpositioned error '{unpositioned}'");
            }

            if (errors.FirstOrDefault(e => e.Message.Contains("Unable to cast", StringComparison.Ordinal) || e.Message.Contains("Object reference", StringComparison.Ordinal)) is { } leaked)
            {
                return ("", $"an exception's message as an error: '{leaked}'");
            }

            return (errors[0].Message.Split(' ', 3) is [var a, var b, ..] ? $"{a} {b}" : errors[0].Message, null);
        }
        catch (Exception ex)
        {
            return ("", $"threw {ex.GetType().Name}: {ex.Message}\n--- stack ---\n{ex}");
        }
    }

    private static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
