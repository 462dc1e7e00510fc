using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>One bad input: how to make it, the command line, the exit code and the exact text the user must see.</summary>
public sealed record BadCase(string Name, Action<BadInputRepo> Setup, string[] Args, int Exit, string[] Expected, string[]? Absent = null)
{
    public override string ToString() => Name;

    /// <summary>
    /// Runs the app with <paramref name="args"/> on the committed repository and asserts what every bad input must
    /// give: this exit code, the expected texts (each passed through <paramref name="expand"/>), none of the absent
    /// ones, no stack trace, no file changed and a clean `git status`.
    /// </summary>
    public void Check(BadInputRepo repo, IReadOnlyList<string> args, Func<string, string>? expand = null)
    {
        ArgumentNullException.ThrowIfNull(repo);
        var before = repo.Snapshot();

        var (code, output) = KilnApp.Run(repo.Root, [.. args]);

        code.ShouldBe(Exit, output);
        foreach (var expected in Expected)
        {
            output.ShouldContain(expand?.Invoke(expected) ?? expected, Case.Sensitive, output);
        }

        foreach (var absent in Absent ?? [])
        {
            output.ShouldNotContain(absent, Case.Sensitive, output);
        }

        output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
        repo.Snapshot().ShouldBe(before, "a failing run writes nothing");
        repo.GitStatus().ShouldBeEmpty();
    }
}

/// <summary>
/// Bad input of every kind through the real app, as a hurried user would write it: each run must exit with the
/// right code, show the exact message (with file:line:column), change no file and leave `git status` clean.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class BadInputSuiteTests
{
    private const string D = BadInputRepo.Digest;
    private const string C = BadInputRepo.Catalog;
    private const string Base = $"x:1@{D}";

    private static readonly string[] Generate = ["--target=Generate"];

    [TestCaseSource(nameof(Cases))]
    public void Bad_input_is_a_clear_error_that_changes_nothing(BadCase c)
    {
        using var repo = new BadInputRepo();
        c.Setup(repo);
        repo.Commit();
        var args = c.Args.ToList();
        if (!args.Any(a => a.StartsWith("--target=", StringComparison.Ordinal)))
        {
            args.AddRange(Generate);
        }

        if (!args.Any(a => a.StartsWith("--catalog=", StringComparison.Ordinal)))
        {
            args.Add($"--catalog={C}");
        }

        if (!args.Any(a => a.StartsWith("--mode=", StringComparison.Ordinal)))
        {
            args.Add("--mode=local");
        }

        c.Check(repo, args);
    }

    [Test]
    public void The_suite_covers_every_input_file_and_the_command_line()
    {
        var cases = Cases().ToList();
        cases.Count.ShouldBeGreaterThanOrEqualTo(60);
        cases.Select(c => c.Name).ShouldBeUnique();
        foreach (var kind in new[] { "catalog", "policy", "pixi.toml", "pixi.lock", "requirements", "argv", "tree" })
        {
            cases.ShouldContain(c => c.Name.StartsWith(kind + ":", StringComparison.Ordinal), kind);
        }
    }

    private static BadCase Catalog(string name, string[] lines, string expected, string[]? args = null, Action<BadInputRepo>? also = null, string[]? absent = null, int exit = 1) =>
        new("catalog: " + name, r =>
        {
            r.Write(C, BadInputRepo.Text(lines));
            also?.Invoke(r);
        }, args ?? [], exit, [expected], absent);

    private static string E(int line, int column, string rest) => $"{C}:{line}:{column}: {rest}";

    private static readonly string[] PixiCatalog =
    [
        $"pixi: {{ tools_image: \"p:1@{D}\" }}",
        "families:",
        "  a:",
        $"    base: {Base}",
        "    python: { pixi: web }",
    ];

    private static readonly string[] RequirementsCatalog =
    [
        "families:",
        "  a:",
        $"    base: {Base}",
        "    python: { requirements: req/app.lock }",
    ];

    private const string GoodLock = "numpy==2.1.0 \\\n    --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";

    private const string GoodPixiToml = "[workspace]\nname = \"t\"\nchannels = [\"conda-forge\"]\nplatforms = [\"linux-64\"]\n\n[feature.web.dependencies]\nfastapi = \"*\"\n\n[environments]\nweb = [\"web\"]\n";

    private static string PixiLock(string packagesOfWeb = "      - conda: https://c/linux-64/fastapi-0.1-py_0.conda\n", string version = "6", string packages = "- conda: https://c/linux-64/fastapi-0.1-py_0.conda\n  sha256: aaaa\n") =>
        $"version: {version}\nenvironments:\n  web:\n    channels:\n      - url: https://c/\n    packages:\n      linux-64:\n{packagesOfWeb}packages:\n{packages}";

    private static BadCase Pixi(string name, string toml, string? lockText, string expected, string[]? catalog = null) =>
        new((lockText is null || name.StartsWith("toml", StringComparison.Ordinal) ? "pixi.toml: " : "pixi.lock: ") + name, r =>
        {
            r.Write(C, BadInputRepo.Text(catalog ?? PixiCatalog));
            r.Write("pixi.toml", toml);
            if (lockText is not null)
            {
                r.Write("pixi.lock", lockText);
            }
        }, [], 1, [expected]);

    private static BadCase Requirements(string name, string lockText, string expected) =>
        new("requirements: " + name, r =>
        {
            r.Write(C, BadInputRepo.Text(RequirementsCatalog));
            r.Write("req/app.lock", lockText);
        }, [], 1, [expected]);

    private static BadCase Policy(string name, string policy, string expected) =>
        new("policy: " + name, r => r.Write("examples/mini/cve-policy.yaml", policy), ["--target=CveScan", "--cve-scanner=none"], 1, [expected]);

    private static BadCase Argv(string name, string[] args, string expected, Action<BadInputRepo>? setup = null) =>
        new("argv: " + name, setup ?? (_ => { }), args, 2, [expected]);

    public static IEnumerable<BadCase> Cases()
    {
        // ---- the catalog: wrong types are positioned errors naming the expected type, never a cast exception ----
        yield return Catalog("a list where a single value belongs", ["families:", "  a:", "    base: [x]"],
            E(3, 11, "family 'a': 'base' must be a single value, not a list. Write e.g. 'base: value'."));
        yield return Catalog("a mapping where a single value belongs", ["families:", "  a:", $"    base: {Base}", "  b:", "    parent: { name: a }"],
            E(5, 13, "family 'b': 'parent' must be a single value, not a mapping. Write e.g. 'parent: value'."));
        yield return Catalog("a mapping where a list belongs", ["families:", "  a:", $"    base: {Base}", "    apt: { curl: yes }"],
            E(4, 10, "family 'a': 'apt' must be a list of values, not a mapping. Write 'apt: [a, b]'."));
        yield return Catalog("a list item that is a mapping", ["families:", "  a:", $"    base: {Base}", "    apt: [curl, { x: y }]"],
            E(4, 17, "family 'a': Each item of 'apt' must be a single value, not a mapping."));
        yield return Catalog("a family written as a list", ["families:", "  a: [x]"],
            E(2, 6, "family 'a': A family must be a mapping, not a list."));
        yield return Catalog("families written as a list", ["families:", "  - a"],
            E(2, 3, "'families' must be a mapping, not a list."));
        yield return Catalog("the catalog written as a list", ["- families"],
            E(1, 1, "The catalog must be a YAML mapping, not a list."));
        yield return Catalog("a healthcheck written as a list", ["families:", "  a:", $"    base: {Base}", "    healthcheck: [tcp]"],
            E(4, 18, "family 'a': 'healthcheck' must be a mapping, not a list."));
        yield return Catalog("env written as a list", ["families:", "  a:", $"    base: {Base}", "    env: [A=1]"],
            E(4, 10, "family 'a': 'env' must be a mapping, not a list."));

        // ---- YAML itself: positions are where the problem is, not 1:1 ----
        yield return Catalog("a tab in the indentation", ["families:", "  a:", $"\tbase: {Base}"],
            E(3, 1, "YAML syntax error:"));
        yield return Catalog("an alias with no anchor", ["families:", "  a:", "    base: *nope"],
            E(3, 11, "The alias '*nope' refers to no anchor defined before it."));
        yield return Catalog("a family defined twice", ["families:", "  a:", $"    base: {Base}", "  a:", $"    base: {Base}"],
            E(4, 3, $"'a' is defined twice in this mapping (the other one is at {C}:2:3)."));
        yield return Catalog("two documents", ["families:", "  a:", $"    base: {Base}", "---", "x: 1"],
            E(4, 1, "The file holds more than one YAML document."));
        yield return new BadCase("catalog: bytes that are not UTF-8", r => r.WriteBytes(C, [.. BadInputRepo.Utf8($"families:\n  a:\n    base: {Base}\n    description: caf"), 0xE9, .. BadInputRepo.Utf8("\n")]), [], 1,
            [E(4, 21, "The file is not valid UTF-8 (bytes 0xE9 0x0A).")]);

        // ---- keys: typos suggest, and cause no second, false error ----
        yield return Catalog("a mistyped key, and no false error about its child", ["families:", "  a:", $"    base: {Base}", "    aptt: [curl]", "  b:", "    parent: a"],
            E(4, 5, "family 'a': Unknown key 'aptt' in family. Did you mean 'apt'?"), absent: ["Parent 'a'", "problems in the catalog"]);
        yield return Catalog("a mistyped parent key, and no false 'needs a parent'", ["families:", "  a:", $"    base: {Base}", "  b:", "    parnet: a"],
            E(5, 5, "family 'b': Unknown key 'parnet' in family. Did you mean 'parent'?"), absent: ["needs a 'parent'", "problems in the catalog"]);
        yield return Catalog("a mistyped top-level key", ["familes:", "  a:", $"    base: {Base}"],
            E(1, 1, "Unknown key 'familes' in top level. Did you mean 'families'?"), absent: ["defines no families"]);
        yield return Catalog("an unknown parent", ["families:", "  cpu-py311:", $"    base: {Base}", "  web:", "    parent: cpu-py31"],
            E(4, 3, "family 'web': Parent 'cpu-py31' is not a family in this catalog. Did you mean 'cpu-py311'?"));
        yield return Catalog("a parent cycle", ["families:", "  a:", "    parent: b", "  b:", "    parent: a"],
            E(2, 3, "family 'a': Parents form a cycle: a -> b -> a."));
        yield return Catalog("both base and parent", ["families:", "  a:", $"    base: {Base}", "  b:", "    parent: a", $"    base: {Base}"],
            E(6, 11, "family 'b': A family has either a 'parent' (another family) or a 'base' (a pinned image), not both."));
        yield return Catalog("neither base nor parent", ["families:", "  a:", "    apt: [curl]"],
            E(2, 3, "family 'a': A family needs a 'parent' (another family) or a 'base' (an image pinned by digest)."));
        yield return Catalog("an unpinned base in CI mode", ["families:", "  a:", "    base: python:3.11-slim"],
            E(3, 11, "family 'a': Image 'python:3.11-slim' is not pinned by digest, so builds are not reproducible."), args: ["--mode=ci"]);
        yield return Catalog("a registry that is no repository", ["registry: Not A Registry", "families:", "  a:", $"    base: {Base}"],
            E(1, 11, "'registry' is 'Not A Registry', which is not a registry and repository."));
        yield return Catalog("a platform that is not one", ["platforms: [linux/amd64, amd64]", "families:", "  a:", $"    base: {Base}"],
            E(1, 26, "'amd64' is not a platform. Write os/arch[/variant], e.g. linux/amd64 or linux/arm64."));
        yield return Catalog("a line break in a catalog-wide label", ["labels: { a.b: \"x\\ny\" }", "families:", "  a:", $"    base: {Base}"],
            E(1, 16, "The label 'a.b' contains a line break, which the generated Dockerfile cannot hold."));
        yield return Catalog("an unsupported version", ["version: 2", "families:", "  a:", $"    base: {Base}"],
            E(1, 10, "Unsupported catalog version '2'. This Kiln reads version 1."));

        // ---- axes: an empty axis is an error, never a vanished family (whose files Generate would delete) ----
        yield return Catalog("an empty gpu list", ["gpu_archs:", "  ada: { arch_list: [\"8.9\"] }", "families:", "  demo-root:", $"    base: {Base}", "  g-{gpu}:", "    parent: demo-root", "    gpu: []"],
            E(8, 10, "family 'g-{gpu}': 'gpu' lists no variants, so this entry would make no family at all."));
        yield return Catalog("an empty matrix axis", ["families:", "  d-{os}:", $"    base: {Base}", "    matrix: { os: [] }"],
            E(4, 19, "family 'd-{os}': Matrix axis 'os' lists no values, so this entry would make no family at all."));
        yield return Catalog("a matrix without axes", ["families:", "  d:", $"    base: {Base}", "    matrix: {}"],
            E(4, 13, "family 'd': 'matrix' has no axes."));
        yield return Catalog("an undefined gpu variant", ["gpu_archs:", "  ada: { arch_list: [\"8.9\"] }", "families:", "  g-{gpu}:", $"    base: {Base}", "    gpu: [ada, adaa]"],
            E(6, 16, "family 'g-{gpu}': GPU variant 'adaa' is not defined under 'gpu_archs:'. Did you mean 'ada'?"));
        yield return Catalog("an axis missing from the name", ["families:", "  d:", $"    base: {Base}", "    matrix: { os: [focal] }"],
            E(2, 3, "family 'd': The name has no {os} placeholder, so every os value would get the same name."));
        yield return Catalog("a repeated axis value", ["families:", "  d-{os}:", $"    base: {Base}", "    matrix: { os: [focal, focal] }"],
            E(4, 27, $"family 'd-{{os}}': The os value 'focal' is listed twice (the other one is at {C}:4:20)."));
        yield return Catalog("a placeholder in a value that names no axis", ["families:", "  a:", $"    base: {Base}", "    description: on {os}"],
            E(4, 18, "family 'a': '{os}' names no axis of this family (this family has no axes)."));
        yield return Catalog("a placeholder in the name that names no axis", ["families:", "  a-{x}:", $"    base: {Base}"],
            E(2, 3, "family 'a-{x}': The name uses {x}, which is not an axis of this family."));

        // ---- values that would break the generated Dockerfile ----
        yield return Catalog("a multi-line run block", ["families:", "  a:", $"    base: {Base}", "    run:", "      - |", "        echo one", "        echo two"],
            E(5, 9, "family 'a': A 'run' entry spans several lines, so its commands would be merged into one. Write one command per list item, or fold the lines into one command with '>-'."));
        yield return Catalog("a multi-line builder.run block", ["families:", "  a:", $"    base: {Base}", "    builder:", "      run:", "        - |", "          make", "          make install"],
            E(6, 11, "family 'a': A 'builder.run' entry spans several lines, so its commands would be merged into one."));
        yield return Catalog("a line break in an env value", ["families:", "  a:", $"    base: {Base}", "    env: { A: \"one\\ntwo\" }"],
            E(4, 15, "family 'a': The value of 'A' contains a line break, which a Dockerfile ENV cannot hold. Write it on one line."));
        yield return Catalog("a line break in a label", ["families:", "  a:", $"    base: {Base}", "    labels: { x.y: \"one\\ntwo\" }"],
            E(4, 20, "family 'a': 'x.y' contains a line break, which the generated Dockerfile cannot hold."));
        yield return Catalog("a family name too long for a tag", ["families:", "  " + new string('a', 116) + ":", $"    base: {Base}"],
            E(2, 3, $"family '{new string('a', 116)}': The family name is 116 characters, so its longest tag ('aaaaaaaa…-<12 hex hash>', 129 characters) exceeds the 128 characters registries allow in a tag. Shorten it to at most 115 characters."));
        yield return Catalog("an upper-case family name", ["families:", "  CPU:", $"    base: {Base}"],
            E(2, 3, "family 'CPU': A family name must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit."));
        yield return Catalog("an invalid env name", ["families:", "  a:", $"    base: {Base}", "    env: { 1BAD: x }"],
            E(4, 12, "family 'a': '1BAD' is not a valid environment variable name."));
        yield return Catalog("a port out of range", ["families:", "  a:", $"    base: {Base}", "    ports: [8080, 70000]"],
            E(4, 19, "family 'a': 'ports' has '70000'. Ports must be between 1 and 65535."));
        yield return Catalog("a duration Docker does not read", ["families:", "  a:", $"    base: {Base}", "    healthcheck: { tcp: 8080, interval: 30 seconds }"],
            E(4, 41, "family 'a': 'interval' is '30 seconds', not a duration. Write e.g. 30s, 500ms, 5m or 1m30s."));
        yield return Catalog("an apt item with two packages", ["families:", "  a:", $"    base: {Base}", "    apt: [curl wget]"],
            E(4, 11, "family 'a': 'curl wget' is not a Debian package name. Write one package per item"));
        yield return Catalog("a relative workdir", ["families:", "  a:", $"    base: {Base}", "    workdir: app"],
            E(4, 14, "family 'a': 'workdir' is 'app', not an absolute path."));
        yield return Catalog("exports without a builder", ["families:", "  a:", $"    base: {Base}", "    export: [x.tar]"],
            E(4, 13, "family 'a': This family exports files but has no builder to produce them."));
        yield return Catalog("an unknown 'provides' value", ["families:", "  a:", $"    base: {Base}", "    provides: [web, visoin]"],
            E(4, 21, "family 'a': 'visoin' is not something a family can provide. Did you mean 'vision'? Use some of: cpu, gpu, web, audio, vision."));
        yield return Catalog("an alias to no family", ["aliases: { cpu: cpu-py31 }", "families:", "  cpu-py311:", $"    base: {Base}"],
            E(1, 17, "Alias 'cpu' points to 'cpu-py31', which is not a family in this catalog. Did you mean 'cpu-py311'?"));
        yield return Catalog("an alias that is a family name", ["aliases: { a: b }", "families:", "  a:", $"    base: {Base}", "  b:", "    parent: a"],
            E(1, 12, "Alias 'a' is also the name of a family."));

        // ---- paths: inside the repository once symlinks are followed ----
        yield return Catalog("a copy source outside the repository", ["families:", "  a:", $"    base: {Base}", "    copy: [{ src: ../etc/passwd, dest: /x }]"],
            E(4, 19, "family 'a': The copy source '../etc/passwd' must be a path inside the repository."));
        yield return Catalog("a missing copy source", ["families:", "  a:", $"    base: {Base}", "    copy: [{ src: files/nope, dest: /x }]"],
            E(4, 19, "family 'a': The copy source 'files/nope' does not exist."));
        yield return Catalog("a copy source that links to a folder outside the repository", ["families:", "  a:", $"    base: {Base}", "    copy: [{ src: files/etc, dest: /x }]"],
            E(4, 19, "family 'a': The copy source 'files/etc' is a symbolic link that leads outside the repository (to /etc)."),
            also: r =>
            {
                Directory.CreateDirectory(r.Full("files"));
                Directory.CreateSymbolicLink(r.Full("files/etc"), "/etc");
            });
        yield return Catalog("a copied folder holding a link out of the repository", ["families:", "  a:", $"    base: {Base}", "    copy: [{ src: files/www, dest: /x }]"],
            E(4, 19, "family 'a': The copy source 'files/www' holds 'files/www/secret', a symbolic link that leads outside the repository (to /etc/hostname)."),
            also: r =>
            {
                r.Write("files/www/index.html", "<p>hi</p>\n");
                File.CreateSymbolicLink(r.Full("files/www/secret"), "/etc/hostname");
            });
        yield return Catalog("a relative copy destination", ["families:", "  a:", $"    base: {Base}", "    copy: [{ src: examples/mini/files/motd, dest: etc/motd }]"],
            E(4, 51, "family 'a': Copy destination 'etc/motd' must be an absolute path in the image."));
        yield return Catalog("a Python source that is no package", ["families:", "  a:", $"    base: {Base}", "    python: { requirements: req/app.lock, sources: [examples/mini/files] }"],
            E(4, 53, "family 'a': The Python source 'examples/mini/files' is not a package directory (no pyproject.toml or setup.py)."),
            also: r => r.Write("req/app.lock", GoodLock));

        // ---- requirements locks: pinned, hashed, line by line ----
        yield return Requirements("a requirement not pinned with ==", "numpy>=2.0 --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
            "req/app.lock:1:1: family 'a': 'numpy>=2.0' is not pinned with '=='.");
        yield return Requirements("a requirement without a hash", GoodLock + "pandas==2.2.0\n",
            "req/app.lock:3:1: family 'a': 'pandas==2.2.0' has no --hash=sha256: pin, so pip cannot verify what it installs.");
        yield return Requirements("an include of another file", "-r base.txt\n" + GoodLock,
            "req/app.lock:1:1: family 'a': '-r base.txt' is not allowed in a hashed lock.");
        yield return Requirements("an empty lock", "# nothing\n",
            "req/app.lock:1:1: family 'a': The lock lists no requirements.");
        yield return new BadCase("requirements: a lock that is a folder", r =>
        {
            r.Write(C, BadInputRepo.Text(RequirementsCatalog));
            r.Write("req/app.lock/x", "x\n");
        }, [], 1, [E(4, 29, "family 'a': The requirements lock 'req/app.lock' is a folder, not a file.")]);

        // ---- pixi.toml (TOML, with positions) and pixi.lock ----
        yield return Pixi("toml syntax error", "[workspace]\nname = \"t\"\nplatforms = [\"linux-64\"\n", null,
            "pixi.toml:4:1: TOML syntax error:");
        yield return Pixi("toml unknown environment", GoodPixiToml.Replace("web = [\"web\"]", "wbe = [\"web\"]", StringComparison.Ordinal), null,
            E(5, 21, "family 'a': pixi environment 'web' is not defined in pixi.toml (it defines: default, wbe). Did you mean 'wbe'?"));
        yield return Pixi("toml environment not solved for the platform", GoodPixiToml.Replace("platforms = [\"linux-64\"]", "platforms = [\"osx-arm64\"]", StringComparison.Ordinal), null,
            E(5, 21, "family 'a': pixi environment 'web' cannot be installed on linux-64: pixi.toml solves it for osx-arm64 (pixi.toml:10:1)."));
        yield return Pixi("toml feature narrows the platforms", GoodPixiToml + "\n[feature.web]\nplatforms = [\"osx-arm64\"]\n", null,
            E(5, 21, "family 'a': pixi environment 'web' cannot be installed on linux-64: pixi.toml solves it for no platform (pixi.toml:10:1)."));
        yield return Pixi("toml environment with an undefined feature", GoodPixiToml.Replace("web = [\"web\"]", "web = [\"web\", \"gpu\"]", StringComparison.Ordinal), null,
            "pixi.toml:10:1: environment 'web' uses feature 'gpu', which pixi.toml does not define.");
        yield return Pixi("lock version 5", GoodPixiToml, PixiLock(version: "5"),
            "pixi.lock:1:10: pixi.lock version 5 is not supported (Kiln reads 6 and 7; regenerate it with a pixi that writes one of those).");
        yield return Pixi("lock packages written as a mapping", GoodPixiToml, "version: 6\nenvironments: {}\npackages: { a: b }\n",
            "pixi.lock:3:11: 'packages' must be a list, not a mapping.");
        yield return Pixi("lock environment naming a package it does not list", GoodPixiToml, PixiLock(packages: "- conda: https://c/linux-64/other-1-0.conda\n"),
            "pixi.lock:8:9: environment 'web': Environment web lists https://c/linux-64/fastapi-0.1-py_0.conda, which the packages list does not have.");
        yield return Pixi("lock without the platform", GoodPixiToml, PixiLock().Replace("linux-64:", "osx-arm64:", StringComparison.Ordinal),
            E(5, 21, "family 'a': pixi environment 'web' has no packages for linux-64 in pixi.lock (it locks: web)."));
        yield return Pixi("lock with a syntax error", GoodPixiToml, "version: 6\nenvironments: [\n",
            "pixi.lock:3:1: YAML syntax error:");

        // ---- cve-policy.yaml: strict, so a typo never widens a waiver ----
        yield return Policy("a mistyped 'families' in a waiver", "waivers:\n  - id: CVE-2024-1\n    familes: [demo-web]\n    reason: r\n    expires: 2027-01-01\n",
            "examples/mini/cve-policy.yaml:3:5: waiver 'CVE-2024-1': Unknown key 'familes' in a waiver. Did you mean 'families'?");
        yield return Policy("fail_on as a single value", "fail_on: HIGH\n",
            "examples/mini/cve-policy.yaml:1:10: 'fail_on' must be a list of values, not a single value. Write 'fail_on: [a, b]'.");
        yield return Policy("the policy written as a list", "- fail_on: [HIGH]\n",
            "examples/mini/cve-policy.yaml:1:1: The CVE policy must be a mapping, not a list.");
        yield return Policy("a mistyped severity", "fail_on: [HIGHH]\n",
            "examples/mini/cve-policy.yaml:1:11: 'HIGHH' is not a severity. Did you mean 'HIGH'? Use UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH or CRITICAL.");
        yield return Policy("a waiver without a reason", "waivers:\n  - { id: CVE-1, expires: 2027-01-01 }\n",
            "examples/mini/cve-policy.yaml:2:5: waiver 'CVE-1': needs a 'reason': say why the risk is accepted.");
        yield return Policy("a waiver with a bad expiry", "waivers:\n  - { id: CVE-1, reason: r, expires: 31.01.2027 }\n",
            "examples/mini/cve-policy.yaml:2:38: waiver 'CVE-1': needs 'expires: yyyy-mm-dd' (waivers are temporary by design).");
        yield return Policy("a waiver whose families list is empty", "waivers:\n  - { id: CVE-1, families: [], reason: r, expires: 2027-01-01 }\n",
            "examples/mini/cve-policy.yaml:2:28: waiver 'CVE-1': 'families: []' lists nothing, which would waive it for every family.");
        yield return Policy("ignore_unfixed that is not a boolean", "ignore_unfixed: sometimes\n",
            "examples/mini/cve-policy.yaml:1:17: 'ignore_unfixed' must be true or false, not 'sometimes'.");
        yield return Policy("waivers as a mapping", "waivers: { CVE-1: r }\n",
            "examples/mini/cve-policy.yaml:1:10: 'waivers' must be a list, not a mapping.");

        // ---- the generated tree ----
        yield return new BadCase("tree: a file where Generate needs a folder", r =>
        {
            Directory.Delete(r.Full("examples/mini/families/demo-cpu"), recursive: true);
            r.Write("examples/mini/families/demo-cpu", "not a folder\n");
        }, [], 1, ["'examples/mini/families/demo-cpu' is a file, but Generate needs a folder there for examples/mini/families/demo-cpu/Dockerfile. Move or delete that file, then run Generate again."]);
        yield return new BadCase("tree: a folder where Generate writes a file", r =>
        {
            File.Delete(r.Full("examples/mini/docker-bake.hcl"));
            r.Write("examples/mini/docker-bake.hcl/keep", "x\n");
        }, ["--target=GenerateCheck"], 1, ["'examples/mini/docker-bake.hcl' is a folder, but Generate writes a file there."]);

        // ---- the command line: usage errors (exit 2) that show the valid forms ----
        yield return Argv("a mode list", ["--mode=local,ci"], "--mode=local,ci is not a mode. Use --mode=local or --mode=ci.");
        yield return Argv("a mode number", ["--mode=1"], "--mode=1 is not a mode. Use --mode=local or --mode=ci.");
        yield return Argv("a date that is not one", ["--date=notadate"], "--date=notadate is not a date. Use --date=yyyymmdd, a real calendar date (e.g. --date=20260131), or leave it out for today (UTC).");
        yield return Argv("a date that does not exist", ["--date=20260231"], "--date=20260231 is not a date.");
        yield return Argv("a registry with spaces", ["--registry=Not A Registry"], "--registry=Not A Registry is not a registry and repository. Use --registry=HOST[:PORT]/PATH");
        yield return Argv("a registry with a tag", ["--registry=ghcr.io/o/r:latest", "--target=ComputeHash", "--offline"], "--registry=ghcr.io/o/r:latest is not a registry and repository.");
        yield return Argv("a family name with upper case", ["--families=Demo-Web", "--target=Matrix"], "--families names 'Demo-Web', which is not a family name.");
        yield return Argv("artifacts naming a file", ["--artifacts=examples/mini/families.yaml", "--target=ComputeHash", "--offline"], "--artifacts=examples/mini/families.yaml is a file, but Kiln writes a folder there.");
        yield return Argv("catalog naming a folder", ["--catalog=examples/mini", "--target=GenerateCheck"], "--catalog=examples/mini is a folder, not a catalog file. Use --catalog=PATH/families.yaml");
        yield return Argv("catalog outside the repository", ["--catalog=../elsewhere/families.yaml", "--target=Matrix"], "--catalog=../elsewhere/families.yaml leads outside the repository.");

        // ---- every target that reads the catalog fails the same way ----
        foreach (var target in new[] { "GenerateCheck", "ComputeHash", "Matrix" })
        {
            yield return Catalog($"a bad catalog through {target}", ["families:", "  a:", "    base: [x]"],
                E(3, 11, "family 'a': 'base' must be a single value, not a list."), args: target == "ComputeHash" ? ["--target=ComputeHash", "--offline"] : [$"--target={target}"]);
        }
    }
}
