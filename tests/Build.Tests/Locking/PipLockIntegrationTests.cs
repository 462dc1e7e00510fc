using Build.Locking;
using Build.Tools;

namespace Build.Tests.Locking;

/// <summary>
/// The lock round trip with the host's real pip, no Docker: resolve with the resolve step's own pip options against
/// a wheelhouse, render the lock from the real report, then install it the way the service's deps stage does.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class PipLockIntegrationTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("kiln-pip-lock-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void A_rendered_lock_installs_hash_checked_and_refuses_a_missing_dependency()
    {
        RequirePip();
        var wheelhouse = Path.Combine(_dir, "wheels");
        var wireHash = TestWheel.Sha256(TestWheel.Write(wheelhouse, "kiln-demo-wire", "1.0.0"));
        var fleetHash = TestWheel.Sha256(TestWheel.Write(wheelhouse, "kiln-demo-fleet", "1.1.0", ["kiln-demo-wire>=1.0"]));
        var inDir = Path.Combine(_dir, "in");
        Directory.CreateDirectory(inDir);
        var requirementsIn = Path.Combine(inDir, "hello.in");
        File.WriteAllText(requirementsIn, RequirementsIn.Render("hello", [new("kiln-demo-fleet", ["kiln_demo_fleet"], ["hello/app.py:5"])]));
        // A pin for something nobody needs constrains nothing: the family's other packages do not leak into the lock.
        File.WriteAllText(Path.Combine(inDir, Constraints.FileName), Constraints.Render([("kiln-demo-unrelated", "9.9")]));
        var reportFile = Path.Combine(_dir, "hello.json");

        var resolve = Pip([.. ResolveArguments(wheelhouse, inDir, requirementsIn, reportFile)]);

        resolve.ExitCode.ShouldBe(0, resolve.StandardError);
        var report = PipReport.Parse(File.ReadAllText(reportFile), "hello.json");
        report.Install.Select(i => (i.Name, i.Version, i.Sha256, i.Requested)).OrderBy(i => i.Name, StringComparer.Ordinal)
            .ShouldBe([("kiln-demo-fleet", "1.1.0", fleetHash, true), ("kiln-demo-wire", "1.0.0", wireHash, false)]);

        var text = ServiceLock.Render("hello", "requirements/hello.in", report, new HashSet<string>(), item => WheelTopLevel.Read(Path.Combine(wheelhouse, Path.GetFileName(new Uri(item.Url!).LocalPath))));
        text.ShouldNotContain(_dir);
        var packages = ServiceLock.Parse(text, "requirements/hello.lock");
        packages.Select(p => (p.Name, p.Via.Single(), p.Imports.Single())).ShouldBe([("kiln-demo-fleet", "hello.in", "kiln_demo_fleet"), ("kiln-demo-wire", "kiln-demo-fleet", "kiln_demo_wire")]);
        var lockFile = Path.Combine(_dir, "hello.lock");
        File.WriteAllText(lockFile, text);

        var target = Path.Combine(_dir, "target");
        var install = Pip("install", "--disable-pip-version-check", "--require-hashes", "--no-deps", "--no-index", "--find-links", wheelhouse, "--target", target, "-r", lockFile);

        install.ExitCode.ShouldBe(0, install.StandardError);
        File.Exists(Path.Combine(target, "kiln_demo_fleet", "__init__.py")).ShouldBeTrue();
        File.Exists(Path.Combine(target, "kiln_demo_wire", "__init__.py")).ShouldBeTrue();

        var wire = packages.Single(p => p.Name == "kiln-demo-wire");
        var lines = text.Split('\n');
        var truncated = string.Join('\n', lines.Where((_, i) => i + 1 < wire.Line || i + 1 > wire.Line + 3));
        truncated.ShouldNotContain("kiln-demo-wire==");
        File.WriteAllText(lockFile, truncated);

        // Without --no-deps pip looks at the dependencies, and in hash-checking mode it refuses one the lock does not pin.
        var refused = Pip("install", "--disable-pip-version-check", "--require-hashes", "--no-index", "--find-links", wheelhouse, "--target", Path.Combine(_dir, "refused"), "-r", lockFile);

        refused.ExitCode.ShouldNotBe(0);
        refused.StandardError.ShouldContain("--require-hashes mode");
        refused.StandardError.ShouldContain("kiln-demo-wire>=1.0");
        Directory.Exists(Path.Combine(_dir, "refused", "kiln_demo_fleet")).ShouldBeFalse();
    }

    /// <summary>
    /// The resolve step's pip options, taken from the Dockerfile Kiln renders (so this test runs what the build runs),
    /// with its container paths swapped for this machine's.
    /// </summary>
    private static IEnumerable<string> ResolveArguments(string wheelhouse, string inDir, string requirementsIn, string reportFile)
    {
        var dockerfile = LockResolution.Dockerfile(PackageSource.FromWheelhouse(wheelhouse)).Replace("\\\n", " ", StringComparison.Ordinal);
        var start = dockerfile.IndexOf("$pip install ", StringComparison.Ordinal) + "$pip ".Length;
        var end = dockerfile.IndexOf(">\"/kiln/out/$svc.log\"", start, StringComparison.Ordinal);
        var words = dockerfile[start..end].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('"')).ToList();
        words[0].ShouldBe("install");
        words.ShouldContain("--report");
        return words.Select(w => w switch
        {
            "/kiln/out/$svc.json" => reportFile,
            "$req" => requirementsIn,
            LockResolution.WheelhouseDir => wheelhouse,
            _ when w.StartsWith(LockResolution.InDir + "/", StringComparison.Ordinal) => Path.Combine(inDir, w[(LockResolution.InDir.Length + 1)..]),
            _ => w,
        });
    }

    /// <summary>python3 -m pip with the host's pip configuration and PIP_* variables out of the way (no extra find-links, no index).</summary>
    private ProcessResult Pip(params string[] arguments)
    {
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("PIP_", StringComparison.Ordinal))
            .ToDictionary(k => k, string? (_) => null);
        environment["PIP_CONFIG_FILE"] = "/dev/null";
        return RealProcesses.Runner.Run(new CommandLine("python3").Add("-m", "pip").Add(arguments), new ProcessOptions { WorkingDirectory = _dir, Environment = environment, Timeout = TimeSpan.FromMinutes(2) });
    }

    private void RequirePip()
    {
        try
        {
            if (Pip("--version").ExitCode != 0)
            {
                Assert.Ignore("python3 has no pip module: this test runs the host's pip.");
            }
        }
        catch (ToolNotFoundException)
        {
            Assert.Ignore("python3 is not on PATH: this test runs the host's pip.");
        }
    }
}
