using System.Text;
using Build.Catalog;
using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>
/// Random mutations of the demo catalog (deleted, duplicated and swapped lines, swapped value types, re-indented
/// lines, random bytes, truncation) through the loader. The only allowed outcomes are a valid catalog or a
/// <see cref="InputException"/> whose every error is positioned; any other exception is a bug.
/// The count is bounded for the normal run; KILN_FUZZ_COUNT=100000 runs a longer one (KILN_FUZZ_SEED picks the seed).
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class CatalogFuzzTests
{
    private const int DefaultCount = 5000;

    private static readonly string[] Fragments =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "&a ", "*a", "*nope", "!!int ", "!tag ", "|", ">-", "'", "\"", "#", "\t", "\n", "  ", "---\n", "...\n",
        "~", "null", "[]", "{}", "{gpu}", "{os}", "${X}", "..", "/", "\\", "0", "-1", "65536", "1m30s", "true", "yes", "<<: *a",
        "families:", "parent: demo-root", "gpu: []", "matrix: { os: [] }", "base: [x]", "env: { A: \"x\\ny\" }", "? ", ",",
    ];

    [Test]
    public void Mutated_catalogs_load_or_fail_with_positioned_errors_and_nothing_else()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_COUNT"), out var n) && n > 0 ? n : DefaultCount;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SEED"), out var s) ? s : 20261201;
        var root = Directory.CreateTempSubdirectory("kiln-fuzz-").FullName;
        try
        {
            CopyTree(Path.Combine(TestInfra.RepoRoot, "examples", "mini"), Path.Combine(root, "examples", "mini"));
            File.Copy(Path.Combine(TestInfra.RepoRoot, "pixi.toml"), Path.Combine(root, "pixi.toml"));
            var original = File.ReadAllBytes(Path.Combine(root, BadInputRepo.Catalog));
            var options = new CatalogLoadOptions(root, _ => null, Strict: false);
            var random = new Random(seed);
            var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var mutated = YamlMutator.Mutate(random, original, Fragments);
                var path = Path.Combine(root, "examples", "mini", "fuzz.yaml");
                File.WriteAllBytes(path, mutated);
                string outcome;
                try
                {
                    CatalogLoader.Load("examples/mini/fuzz.yaml", options);
                    outcome = "valid";
                }
                catch (InputException ex)
                {
                    ex.Errors.ShouldNotBeEmpty();
                    foreach (var e in ex.Errors)
                    {
                        e.Where.ShouldNotBeNull($"iteration {i} (seed {seed}): unpositioned error '{e}' for\n{Show(mutated)}");
                        e.Where!.Line.ShouldBeGreaterThan(0);
                        e.Where.Column.ShouldBeGreaterThan(0);
                        e.Where.File.ShouldNotBeNullOrEmpty();
                        e.Message.ShouldNotContain("Unable to cast");
                        e.Message.ShouldNotContain("Object reference");
                    }

                    outcome = ex.Errors[0].Message.Split(' ', 3) is [var a, var b, ..] ? $"{a} {b}" : ex.Errors[0].Message;
                }
                catch (Exception ex) when (ex is not Shouldly.ShouldAssertException)
                {
                    Assert.Fail($"iteration {i} (seed {seed}) threw {ex.GetType().Name}: {ex.Message}\n--- input ---\n{Show(mutated)}\n--- stack ---\n{ex}");
                    return;
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }

            TestContext.Out.WriteLine($"{count} mutations (seed {seed}): {outcomes.GetValueOrDefault("valid")} valid, {count - outcomes.GetValueOrDefault("valid")} rejected with positioned errors.");
            foreach (var (outcome, times) in outcomes.OrderByDescending(kv => kv.Value).Take(15))
            {
                TestContext.Out.WriteLine($"  {times,6}  {outcome}");
            }

            outcomes.Count.ShouldBeGreaterThan(5, "the mutations reach many different checks");
            outcomes.GetValueOrDefault("valid").ShouldBeGreaterThan(0, "some mutations stay valid (comments, harmless edits)");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private const string Policy = "fail_on: [HIGH, CRITICAL]\nignore_unfixed: false\nwaivers:\n  - id: CVE-2024-1\n    families: [demo-web]\n    packages: [libx]\n    reason: not reachable\n    expires: 2027-01-31\n  - { id: GHSA-1, reason: r, expires: 2027-02-01 }\n";

    private const string Lock = "version: 6\nenvironments:\n  web:\n    channels:\n      - url: https://c/\n    packages:\n      linux-64:\n      - conda: https://c/linux-64/fastapi-0.1-py_0.conda\n      - pypi: https://p/x-1.0-py3-none-any.whl\npackages:\n- conda: https://c/linux-64/fastapi-0.1-py_0.conda\n  sha256: aaaa\n  size: 12\n- pypi: https://p/x-1.0-py3-none-any.whl\n  name: x\n  version: 1.0\n";

    /// <summary>The other strict readers get the same treatment: a value or a positioned error, nothing else.</summary>
    [TestCase("cve-policy.yaml")]
    [TestCase("pixi.lock")]
    [TestCase("size-baseline.json")]
    [TestCase("pixi.toml")]
    public void Mutated_config_files_read_or_fail_with_positioned_errors_and_nothing_else(string kind)
    {
        var count = (int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_COUNT"), out var n) && n > 0 ? n : DefaultCount) / 3;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("KILN_FUZZ_SEED"), out var s) ? s : 20261201;
        var original = Encoding.UTF8.GetBytes(kind switch
        {
            "cve-policy.yaml" => Policy,
            "pixi.lock" => Lock,
            "pixi.toml" => File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "pixi.toml")),
            _ => File.ReadAllText(Path.Combine(TestInfra.RepoRoot, "examples/mini/size-baseline.json")),
        });
        var families = new HashSet<string>(StringComparer.Ordinal) { "demo-root", "demo-cpu", "demo-web", "demo-gpu-ada", "demo-gpu-ampere" };
        var random = new Random(seed);
        var rejected = 0;
        for (var i = 0; i < count; i++)
        {
            var mutated = YamlMutator.Mutate(random, original, Fragments);
            var errors = new List<InputError>();
            try
            {
                var text = Build.Catalog.Yaml.YamlDocument.Decode(mutated, kind, errors);
                var ok = text is not null && kind switch
                {
                    "cve-policy.yaml" => Build.Gates.CvePolicyReader.Parse(text, kind, errors, families) is not null,
                    "pixi.lock" => Build.Pixi.PixiLock.Read(text, kind, errors) is not null,
                    "pixi.toml" => Build.Pixi.PixiManifest.Read(text, kind, errors) is not null,
                    _ => Build.Gates.SizeBaselineReader.Parse(text, kind, errors, families) is not null,
                };
                if (!ok)
                {
                    rejected++;
                    errors.ShouldNotBeEmpty($"iteration {i}: rejected without a reason for\n{Show(mutated)}");
                    errors.ShouldAllBe(e => e.Where != null && e.Where.Line > 0 && e.Where.Column > 0, $"iteration {i}: {string.Join('\n', errors)}");
                }
            }
            catch (Exception ex) when (ex is not Shouldly.ShouldAssertException)
            {
                Assert.Fail($"{kind} iteration {i} (seed {seed}) threw {ex.GetType().Name}: {ex.Message}\n--- input ---\n{Show(mutated)}\n--- stack ---\n{ex}");
            }
        }

        TestContext.Out.WriteLine($"{kind}: {count} mutations (seed {seed}), {rejected} rejected with positioned errors.");
        rejected.ShouldBeGreaterThan(0);
    }

    private static string Show(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.GetDirectories(from))
        {
            CopyTree(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
