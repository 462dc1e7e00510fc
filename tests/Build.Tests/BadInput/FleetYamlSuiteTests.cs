using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>
/// Bad fleet manifests through the real app (Generate on the mini catalog with a fleet beside it): the fleet is read
/// by the same strict YAML reader as the catalog, its values must fit on one line of a generated file, a fleet.yml
/// is never silently ignored, and one bad field is reported alone. Each run exits 1 with the exact message, shows no
/// stack trace, changes no file and leaves `git status` clean.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class FleetYamlSuiteTests
{
    private const string F = BadInputFleet.ManifestPath;

    [TestCaseSource(nameof(Cases))]
    public void A_bad_fleet_is_a_clear_error_that_changes_nothing(BadCase c)
    {
        using var repo = new BadInputRepo();
        c.Setup(repo);
        repo.Commit();

        c.Check(repo, [.. c.Args, "--target=Generate", $"--catalog={BadInputRepo.Catalog}", "--mode=local"]);
    }

    [Test]
    public void The_fleet_every_case_starts_from_is_valid()
    {
        using var repo = new BadInputRepo();
        repo.WriteFleet(BadInputFleet.Text());
        repo.Commit();

        var (code, output) = KilnApp.Run(repo.Root, "--target=Generate", $"--catalog={BadInputRepo.Catalog}", "--mode=local");

        code.ShouldBe(0, output);
        File.Exists(repo.Full("deploy/pc2/compose.yaml")).ShouldBeTrue();
        File.ReadAllText(repo.Full("examples/mini/services/alpha/Dockerfile")).ShouldContain("MODE=\"fast\"");
    }

    [Test]
    public void The_suite_covers_each_kind_of_bad_fleet()
    {
        var cases = Cases().ToList();
        cases.Select(c => c.Name).ShouldBeUnique();
        foreach (var kind in new[] { "encoding", "syntax", "duplicate", "value", "file name", "one field" })
        {
            cases.ShouldContain(c => c.Name.StartsWith(kind + ":", StringComparison.Ordinal), kind);
        }
    }

    /// <summary>The text as a Latin-1 editor saves it: 'é' becomes the single byte 0xE9.</summary>
    private static byte[] Latin1(string text) => System.Text.Encoding.Latin1.GetBytes(text);

    private static string E(int line, int column, string rest) => $"{F}:{line}:{column}: {rest}";

    private static BadCase Fleet(string name, string text, string[] expected, string[]? absent = null) =>
        new(name, r => r.WriteFleet(text), [], 1, expected, absent);

    public static IEnumerable<BadCase> Cases()
    {
        // ---- the shared strict reader: what the catalog refuses, the fleet refuses at the same position ----
        yield return new BadCase("encoding: a Latin-1 byte in an env value", r => r.WriteBytes(F, Latin1(BadInputFleet.With(15, "    env: { MODE: café }"))), [], 1,
            [E(15, 21, "The file is not valid UTF-8 (bytes 0xE9 0x20 0x7D 0x0A). Save it as UTF-8 (a Latin-1 or Windows-1252 editor setting is the usual cause).")], ["\uFFFD"]);
        yield return Fleet("syntax: an unclosed flow mapping", BadInputFleet.With(14, "    health: { port: 7001"),
            [E(14, 19, "YAML syntax error: the text after this point cannot be read as YAML. Look for an unclosed '{', '[' or quote from here on.")]);
        yield return Fleet("syntax: a key indented one space too little", BadInputFleet.With(12, "   entrypoint: alpha/app.py"),
            [E(12, 4, "YAML syntax error: While parsing a block mapping, did not find expected key.")]);
        yield return Fleet("syntax: a tab in the indentation", BadInputFleet.With(12, "\tentrypoint: alpha/app.py"),
            [E(12, 1, "YAML syntax error: While scanning a plain scalar, found a tab character that violate indentation.")]);
        yield return Fleet("syntax: an alias to no anchor", BadInputFleet.With(15, "    env: { MODE: *fast }"),
            [E(15, 18, "The alias '*fast' refers to no anchor defined before it. Define '&fast' earlier in the file, or write the value out.")]);
        yield return Fleet("syntax: a second document", BadInputFleet.Text() + "---\nversion: 1\n",
            [E(22, 1, "The file holds more than one YAML document. Remove the '---' and everything after it, or merge the documents.")]);
        yield return Fleet("duplicate: a key of a service", BadInputFleet.Inserting(11, "    family: demo-web"),
            [E(12, 5, $"'family' is defined twice in this mapping (the other one is at {F}:11:5). Keep one of them: YAML would silently use only one.")]);
        yield return Fleet("duplicate: a service", BadInputFleet.Inserting(21, "  alpha: { machines: [pc2] }"),
            [E(22, 3, $"'alpha' is defined twice in this mapping (the other one is at {F}:9:3).")]);
        yield return Fleet("duplicate: an env name", BadInputFleet.With(15, "    env: { MODE: fast, MODE: slow }"),
            [E(15, 24, $"'MODE' is defined twice in this mapping (the other one is at {F}:15:12).")]);

        // ---- values that would break a generated Dockerfile or Compose file ----
        yield return Fleet("value: a line break in an env value", BadInputFleet.With(15, "    env: { MODE: \"fast\\nRUN rm -rf /\" }"),
            [E(15, 18, "service 'alpha': 'env.MODE' contains a line break (U+000A at character 5 of the value), which the generated Dockerfile and Compose file cannot hold: a line break would start a new instruction. Write 'env.MODE' on one line, without control characters (a quoted \"\\n\" or \"\\t\" becomes one).")]);
        yield return Fleet("value: a control character in an env value", BadInputFleet.With(15, "    env: { MODE: \"fast\\x01\" }"),
            [E(15, 18, "service 'alpha': 'env.MODE' contains a control character (U+0001 at character 5 of the value), which the generated Dockerfile and Compose file cannot hold literally. Write 'env.MODE' on one line, without control characters")]);
        yield return Fleet("value: a tab in a machine_env value", BadInputFleet.Inserting(21, "    machine_env: { pc2: { OMP_NUM_THREADS: \"2\\t\" } }"),
            [E(22, 44, "service 'beta': 'machine_env.pc2.OMP_NUM_THREADS' contains a tab (U+0009 at character 2 of the value), which the generated Dockerfile and Compose file cannot hold literally.")]);
        yield return Fleet("value: a literal block in notes", BadInputFleet.Inserting(21, "    notes: |", "      two", "      lines"),
            [E(22, 12, "service 'beta': 'notes' contains a line break (U+000A at character 4 of the value), which the generated Dockerfile and Compose file cannot hold: a line break would start a new instruction. Write 'notes' on one line: a '|' block keeps its line breaks (a '>-' block folds lines into one).")]);
        yield return Fleet("value: a line break in a volume", BadInputFleet.Inserting(15, "    volumes: [\"data:/data\\n\"]"),
            [E(16, 15, "service 'alpha': 'volumes' contains a line break (U+000A at character 11 of the value)")]);

        // ---- the file's name: fleet.yml is never read, and never silently ignored ----
        yield return new BadCase("file name: only a fleet.yml", r => r.Write("examples/mini/fleet.yml", BadInputFleet.Text()), [], 1,
            ["examples/mini/fleet.yml:1:1: The fleet manifest is named fleet.yml; Kiln reads only fleet.yaml. Rename it: git mv examples/mini/fleet.yml examples/mini/fleet.yaml."]);
        yield return new BadCase("file name: a fleet.yml beside fleet.yaml", r =>
        {
            r.WriteFleet(BadInputFleet.Text());
            r.Write("examples/mini/fleet.yml", BadInputFleet.Text());
        }, [], 1,
            ["examples/mini/fleet.yml:1:1: There are two fleet manifests beside the catalog: examples/mini/fleet.yaml (the one Kiln reads) and examples/mini/fleet.yml. Merge what examples/mini/fleet.yml holds into examples/mini/fleet.yaml and delete examples/mini/fleet.yml, so no edit goes to a file that is never read."]);

        // ---- one bad field is that field's error alone; the service stays for every other check ----
        yield return Fleet("one field: a bad port of a service others depend on", BadInputFleet.With(13, "    ports: [70001]"),
            [E(13, 13, "service 'alpha': 'ports' must be a list of port numbers (integers from 1 to 65535); '70001' is not one.")],
            ["depends_on names 'alpha'", "problems in the fleet"]);
        yield return Fleet("one field: an unknown machine with machine_env for it", BadInputFleet.With(17, "    machines: [mainpc, pc3]\n    machine_env: { pc3: { OMP_NUM_THREADS: \"2\" } }"),
            [E(17, 24, "service 'beta': Machine 'pc3' is not defined under the fleet's 'machines:'. Did you mean 'pc2'?")],
            ["machine_env names", "problems in the fleet"]);
        yield return Fleet("one field: a bad volume and a wrong family elsewhere, in one round", BadInputFleet.Inserting(15, "    volumes: [nonsense]").Replace("    family: demo-cpu\n    entrypoint: beta", "    family: demo-cpx\n    entrypoint: beta", StringComparison.Ordinal),
            ["2 problems in the fleet:", E(16, 15, "service 'alpha': 'nonsense' is not a volume."), E(19, 13, "service 'beta': Family or alias 'demo-cpx' is not in the catalog")]);
        yield return Fleet("one field: a bad health timing keeps the ports checked", BadInputFleet.With(20, "    health: { port: 7001, interval: soon }"),
            [E(20, 37, "service 'beta': 'interval' must be a duration, not 'soon'."), E(20, 13, "service 'beta': On machine 'mainpc', host port 7001 is already used by service 'alpha' (its port).")]);
    }
}
