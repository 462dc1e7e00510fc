using Build.Locking;
using Build.Tools;

namespace Build.Tests.Locking;

/// <summary>The resolve orchestration against a fake build that writes what a real one would: reports, logs, exit codes.</summary>
[TestFixture]
[Category("Unit")]
public sealed class LockResolverTests
{
    private static readonly IReadOnlyDictionary<string, string> NoMap = new Dictionary<string, string>();

    private string _dir = null!;
    private string _wheelhouse = null!;
    private string _fleetHash = null!;
    private string _wireHash = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("kiln-lock-").FullName;
        _wheelhouse = Path.Combine(_dir, "wheels");
        _wireHash = TestWheel.Sha256(TestWheel.Write(_wheelhouse, "kiln-demo-wire", "1.0.0", extraFiles: new Dictionary<string, string> { ["kiln_wire_extra.py"] = string.Empty }));
        _fleetHash = TestWheel.Sha256(TestWheel.Write(_wheelhouse, "kiln-demo-fleet", "1.1.0", ["kiln-demo-wire>=1.0"]));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private LockSettings Settings(PackageSource? source = null) =>
        new(source ?? PackageSource.FromWheelhouse(_wheelhouse), NoMap, Path.Combine(_dir, "work"), "kiln-builder");

    private static LockRequest Hello() => new("hello", [new("kiln-demo-fleet", ["kiln_demo_fleet"], ["hello/app.py:5"])]);

    private string FleetReport(bool legacyOnly = false) => $$"""
        {
          "version": "1", "pip_version": "23.0.1",
          "install": [
            { "download_info": { "url": "file:///kiln/wheelhouse/kiln_demo_fleet-1.1.0-py3-none-any.whl", "archive_info": { "hash": "sha256={{_fleetHash}}"{{(legacyOnly ? string.Empty : $$""", "hashes": { "sha256": "{{_fleetHash}}" }""")}} } },
              "is_direct": false, "requested": true,
              "metadata": { "name": "kiln-demo-fleet", "version": "1.1.0", "requires_dist": ["kiln-demo-wire>=1.0", "numpy>=1.20"] } },
            { "download_info": { "url": "file:///kiln/wheelhouse/kiln_demo_wire-1.0.0-py3-none-any.whl", "archive_info": { "hashes": { "sha256": "{{_wireHash}}" } } },
              "is_direct": false, "requested": false,
              "metadata": { "name": "kiln-demo-wire", "version": "1.0.0" } },
            { "download_info": { "url": "file:///kiln/wheelhouse/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", "archive_info": { "hashes": { "sha256": "{{new string('e', 64)}}" } } },
              "is_direct": false, "requested": false,
              "metadata": { "name": "numpy", "version": "1.26.4" } }
          ],
          "environment": { "python_version": "3.11" }
        }
        """;

    private const string EmptyReport = """{ "version": "1", "pip_version": "23.0.1", "install": [], "environment": { "python_version": "3.11" } }""";

    [Test]
    public void Each_family_is_one_build_and_each_service_gets_its_lock_or_pips_reason()
    {
        var fake = new FakeBuild
        {
            ["hello"] = (0, FleetReport(), "Would install kiln-demo-fleet-1.1.0 kiln-demo-wire-1.0.0\n"),
            ["quiet"] = (0, EmptyReport, string.Empty),
            ["broken"] = (1, null, "ERROR: Could not find a version that satisfies the requirement kiln-demo-nope (from versions: none)\nERROR: No matching distribution found for kiln-demo-nope\n"),
        };
        FamilyLockRequest[] families =
        [
            new("cpu-py311", "registry.example/kiln/cpu-py311:3f2a", [("numpy", "1.26.4"), ("PyZMQ", "25.1.0")], [new LockRequest("quiet", []), Hello()]),
            new("cpu-web-py311", "registry.example/kiln/cpu-web-py311:9c1d", [], [new LockRequest("broken", [new("kiln-demo-nope", ["kiln_demo_nope"], ["broken/app.py:1"])])]),
        ];

        var outcomes = new LockResolver(fake).Resolve(families, Settings());

        outcomes.Select(o => (o.Service, o.Family, o.Succeeded)).ShouldBe([("hello", "cpu-py311", true), ("quiet", "cpu-py311", true), ("broken", "cpu-web-py311", false)]);
        var work = Path.Combine(_dir, "work");
        fake.Commands.Select(c => c.Render()).ShouldBe(
        [
            $"docker buildx build --file - --output type=local,dest={work}/00-cpu-py311/out --build-context family=docker-image://registry.example/kiln/cpu-py311:3f2a --build-context wheelhouse={_wheelhouse} --builder kiln-builder {work}/00-cpu-py311/in",
            $"docker buildx build --file - --output type=local,dest={work}/01-cpu-web-py311/out --build-context family=docker-image://registry.example/kiln/cpu-web-py311:9c1d --build-context wheelhouse={_wheelhouse} --builder kiln-builder {work}/01-cpu-web-py311/in",
        ]);
        fake.Dockerfiles.ShouldAllBe(d => d == LockResolution.Dockerfile(PackageSource.FromWheelhouse(_wheelhouse)));
        fake.Inputs[0].Keys.ShouldBe(["constraints.txt", "hello.in", "quiet.in"]);
        fake.Inputs[0]["constraints.txt"].ShouldEndWith("\nnumpy==1.26.4\nPyZMQ==25.1.0\n");
        fake.Inputs[0]["hello.in"].ShouldBe(outcomes[0].RequirementsIn);
        outcomes[0].RequirementsIn.ShouldEndWith("\nkiln-demo-fleet  # kiln_demo_fleet: hello/app.py:5\n");

        outcomes[0].Lock.ShouldBe($"""
            # Generated by Kiln from requirements/hello.in: ./build.sh --target=Lock --services=hello
            # Resolved with pip 23.0.1 for Python 3.11. Do not edit: change the service's imports or the fleet's module_map and run it again.
            kiln-demo-fleet==1.1.0 \
                --hash=sha256:{_fleetHash}
                # via hello.in
                # imports: kiln_demo_fleet
            kiln-demo-wire==1.0.0 \
                --hash=sha256:{_wireHash}
                # via kiln-demo-fleet
                # imports: kiln_demo_wire

            """.Replace("\r", string.Empty, StringComparison.Ordinal), "numpy is the family's (constrained to its pin), and kiln_wire_extra is not listed: the wheel's top_level.txt is");
        outcomes[1].Lock.ShouldBe(ServiceLock.Render("quiet", "requirements/quiet.in", PipReport.Parse(EmptyReport, "q"), new HashSet<string>(), _ => []));

        var failure = outcomes[2].Failure.ShouldNotBeNull();
        failure.Message.ShouldBe($"pip could not resolve requirements/broken.in in family 'cpu-web-py311' from the wheelhouse {_wheelhouse} (exit 1).");
        failure.Fix.ShouldBe($"No file of kiln-demo-nope fits the family's Python and platform: add a wheel of it to the wheelhouse {_wheelhouse}, or, if an import maps to the wrong distribution, fix it in the fleet's module_map; then run ./build.sh --target=Lock --services=broken.");
        failure.Output.ShouldBe(["ERROR: Could not find a version that satisfies the requirement kiln-demo-nope (from versions: none)", "ERROR: No matching distribution found for kiln-demo-nope"]);
        outcomes[2].Lock.ShouldBeNull();
        outcomes[2].ToString().ShouldStartWith("service 'broken': pip could not resolve requirements/broken.in");
        outcomes[2].ToString().ShouldEndWith("\n    ERROR: No matching distribution found for kiln-demo-nope");
    }

    [Test]
    public void A_conflict_keeps_pips_explanation_and_says_what_conflicts_with_what()
    {
        var log = "INFO: pip is looking at multiple versions of kiln-demo-fleet\nERROR: Cannot install -r /kiln/in/hello.in (line 3) because these package versions have conflicting dependencies.\n\n" +
                  "The conflict is caused by:\n    kiln-demo-fleet 1.1.0 depends on kiln-demo-wire>=1.0\n    The user requested (constraint) kiln-demo-wire==0.9\n\n" +
                  "To fix this you could try to:\n1. loosen the range of package versions you've specified\n\n" +
                  "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts\n";
        var fake = new FakeBuild { ["hello"] = (1, null, log) };

        var outcome = new LockResolver(fake).Resolve([new("cpu", "cpu:local", [("kiln-demo-wire", "0.9")], [Hello()])], Settings(PackageSource.FromIndex("https://pypi.example.invalid/simple"))).ShouldHaveSingleItem();

        var failure = outcome.Failure.ShouldNotBeNull();
        failure.Output.ShouldBe(
        [
            "ERROR: Cannot install -r /kiln/in/hello.in (line 3) because these package versions have conflicting dependencies.",
            "The conflict is caused by:",
            "    kiln-demo-fleet 1.1.0 depends on kiln-demo-wire>=1.0",
            "    The user requested (constraint) kiln-demo-wire==0.9",
            "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts",
        ]);
        failure.Fix.ShouldBe("The requirements conflict with each other or with the versions the family pins (constraints.txt): publish compatible versions to https://pypi.example.invalid/simple, or fix the fleet's module_map if a wrong distribution is required; then run ./build.sh --target=Lock --services=hello.");
        fake.Commands.ShouldHaveSingleItem().Render().ShouldContain(" --no-cache-filter resolve ");
    }

    [Test]
    public void An_unrecognised_pip_failure_shows_the_logs_last_lines()
    {
        var fake = new FakeBuild { ["hello"] = (2, null, "Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'x'\n") };

        var failure = new LockResolver(fake).Resolve([new("cpu", "cpu:local", [], [Hello()])], Settings()).ShouldHaveSingleItem().Failure.ShouldNotBeNull();

        failure.Output.ShouldBe(["Traceback (most recent call last):", "  File \"x\", line 1", "KeyError: 'x'"]);
        failure.Fix.ShouldBe("Read pip's output below, fix the wheelhouse, index or module_map, then run ./build.sh --target=Lock --services=hello.");
    }

    [Test]
    public void With_an_index_the_modules_come_from_the_module_map()
    {
        var fake = new FakeBuild { ["hello"] = (0, FleetReport(legacyOnly: true), string.Empty) };
        var settings = Settings(PackageSource.FromIndex("https://pypi.example.invalid/simple")) with { ModuleMap = new Dictionary<string, string> { ["wire"] = "kiln-demo-wire" } };

        var text = new LockResolver(fake).Resolve([new("cpu", "cpu:local", [], [Hello()])], settings).ShouldHaveSingleItem().Lock.ShouldNotBeNull();

        text.ShouldContain("# imports: kiln_demo_wire, wire\n");
        text.ShouldContain("numpy==1.26.4", Case.Sensitive, "the family does not pin numpy here");
    }

    [Test]
    public void An_unreadable_wheel_falls_back_to_the_module_map_for_its_imports()
    {
        File.WriteAllText(Path.Combine(_wheelhouse, "kiln_demo_wire-1.0.0-py3-none-any.whl"), "not a zip");
        var fake = new FakeBuild { ["hello"] = (0, FleetReport(), string.Empty) };
        var settings = Settings() with { ModuleMap = new Dictionary<string, string> { ["wire"] = "kiln-demo-wire" } };

        var text = new LockResolver(fake).Resolve([new("cpu", "cpu:local", [("numpy", "1.26.4")], [Hello()])], settings).ShouldHaveSingleItem().Lock.ShouldNotBeNull();

        text.ShouldContain("    # via kiln-demo-fleet\n    # imports: kiln_demo_wire, wire\n");
        text.ShouldContain("    # via hello.in\n    # imports: kiln_demo_fleet\n");
    }

    [Test]
    public void A_failed_build_fails_every_service_of_its_family_with_the_builds_last_lines()
    {
        var fake = new FakeBuild { Build = new ProcessResult(1, string.Empty, "#1 [internal] load build definition\nERROR: failed to solve: registry.example/kiln/cpu:x: not found\n", TimeSpan.FromSeconds(2), false) };

        var outcomes = new LockResolver(fake).Resolve([new("cpu", "registry.example/kiln/cpu:x", [], [Hello(), new LockRequest("quiet", [])])], Settings());

        outcomes.Select(o => o.Service).ShouldBe(["hello", "quiet"]);
        outcomes.ShouldAllBe(o => !o.Succeeded && o.Lock == null);
        var failure = outcomes[0].Failure!;
        failure.Message.ShouldBe("The resolve build of family 'cpu' (registry.example/kiln/cpu:x) failed (exit 1), so none of its services was resolved.");
        failure.Fix.ShouldStartWith("Check that the image exists (build the family first) and that the builder runs, then run ./build.sh --target=Lock again. The command was: docker buildx build --file - ");
        failure.Output.ShouldBe(["#1 [internal] load build definition", "ERROR: failed to solve: registry.example/kiln/cpu:x: not found"]);
    }

    [Test]
    public void A_missing_exit_code_or_report_and_a_bad_report_are_failures_not_crashes()
    {
        var fake = new FakeBuild
        {
            ["hello"] = (0, "{ \"version\": \"0\" }", string.Empty),
            ["quiet"] = (0, null, "pip 22.0\n"),
            ["lost"] = (-1, null, string.Empty),
        };

        var outcomes = new LockResolver(fake).Resolve([new("cpu", "cpu:local", [], [Hello(), new LockRequest("quiet", []), new LockRequest("lost", [])])], Settings());

        outcomes.Select(o => (o.Service, o.Failure?.Message)).ShouldBe(
        [
            ("hello", "hello.json (pip's report for requirements/hello.in) is a pip installation report of version \"0\"; Kiln reads version \"1\". Resolve again with a pip that writes installation report version 1 (pip 23.0 or later): ./build.sh --target=Lock."),
            ("lost", "The resolve build of family 'cpu' returned no exit code for requirements/lost.in."),
            ("quiet", "pip resolved requirements/quiet.in in family 'cpu' but wrote no report."),
        ]);
    }

    [Test]
    public void A_second_run_starts_from_empty_directories()
    {
        var resolver = new LockResolver(new FakeBuild { ["hello"] = (0, EmptyReport, string.Empty), ["quiet"] = (0, EmptyReport, string.Empty) });
        resolver.Resolve([new("cpu", "cpu:local", [], [Hello(), new LockRequest("quiet", [])])], Settings());

        var fake = new FakeBuild { ["hello"] = (0, EmptyReport, string.Empty) };
        new LockResolver(fake).Resolve([new("cpu", "cpu:local", [], [Hello()])], Settings()).ShouldHaveSingleItem().Succeeded.ShouldBeTrue();

        fake.Inputs.ShouldHaveSingleItem().Keys.ShouldBe(["constraints.txt", "hello.in"]);
        Directory.GetFiles(Path.Combine(_dir, "work", "00-cpu", "out")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(["hello.exit", "hello.json", "hello.log"]);
    }

    [Test]
    public void A_family_without_services_runs_no_build()
    {
        var fake = new FakeBuild { ["hello"] = (0, EmptyReport, string.Empty) };

        var outcomes = new LockResolver(fake).Resolve([new("idle", "idle:1", [], []), new("cpu", "cpu:local", [], [Hello()])], Settings());

        outcomes.ShouldHaveSingleItem().Family.ShouldBe("cpu");
        fake.Commands.ShouldHaveSingleItem().Render().ShouldContain("/01-cpu/in");
    }

    [TestCase("../x")]
    [TestCase("a b")]
    [TestCase(".hidden")]
    public void A_service_name_that_is_not_a_file_name_is_refused(string name) =>
        Should.Throw<ArgumentException>(() => new LockResolver(new FakeBuild()).Resolve([new("cpu", "cpu:local", [], [new LockRequest(name, [])])], Settings()));

    [Test]
    public void A_service_in_two_families_is_refused() =>
        Should.Throw<ArgumentException>(() => new LockResolver(new FakeBuild()).Resolve([new("a", "a:1", [], [Hello()]), new("b", "b:1", [], [Hello()])], Settings()))
            .Message.ShouldStartWith("Service 'hello' is requested twice.");

    /// <summary>
    /// Stands in for `docker buildx build`: reads the .in files from the context directory and writes, per service,
    /// what the resolve stage writes (exit code, log, report) to the local output directory. Exit -1 writes nothing.
    /// </summary>
    private sealed class FakeBuild : Dictionary<string, (int Exit, string? Report, string Log)>, IProcessRunner
    {
        public List<CommandLine> Commands { get; } = [];

        public List<string> Dockerfiles { get; } = [];

        public List<SortedDictionary<string, string>> Inputs { get; } = [];

        public ProcessResult? Build { get; init; }

        public Task<ProcessResult> RunAsync(CommandLine command, ProcessOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(Run(command, options ?? new ProcessOptions()));

        private ProcessResult Run(CommandLine command, ProcessOptions options)
        {
            Commands.Add(command);
            Dockerfiles.Add(options.StandardInput!);
            var args = command.Arguments.Select(a => a.Value).ToList();
            var inDir = args[^1];
            var outDir = args[args.IndexOf("--output") + 1]["type=local,dest=".Length..];
            Inputs.Add(new SortedDictionary<string, string>(Directory.GetFiles(inDir).ToDictionary(f => Path.GetFileName(f), File.ReadAllText), StringComparer.Ordinal));
            if (Build is { } failed)
            {
                return failed;
            }

            foreach (var file in Directory.GetFiles(inDir, "*.in"))
            {
                var service = Path.GetFileNameWithoutExtension(file);
                var (exit, report, log) = TryGetValue(service, out var scripted) ? scripted : (-1, null, string.Empty);
                if (exit < 0)
                {
                    continue;
                }

                File.WriteAllText(Path.Combine(outDir, service + ".exit"), exit + "\n");
                File.WriteAllText(Path.Combine(outDir, service + ".log"), log);
                if (report is not null)
                {
                    File.WriteAllText(Path.Combine(outDir, service + ".json"), report);
                }
            }

            return new ProcessResult(0, string.Empty, string.Empty, TimeSpan.FromSeconds(1), false);
        }
    }
}
