using Build.Tools;

namespace Build.Tests.Infra;

/// <summary>tests/infra/up.sh takes the Debian mirror from the machine's own apt sources (`up.sh --mirror` prints it).</summary>
[TestFixture]
[Category("Unit")]
public sealed class UpShMirrorTests
{
    private static ProcessResult Mirror(TempDir etc, string osId = "debian", string? overrideMirror = null)
    {
        var osRelease = etc.Write("os-release", $"PRETTY_NAME=\"x\"\nID={osId}\n");
        return RealProcesses.Runner.Run(new CommandLine("bash").Add(Path.Combine(TestInfra.RepoRoot, "tests", "infra", "up.sh"), "--mirror"), new ProcessOptions
        {
            Environment = new Dictionary<string, string?>
            {
                ["KILN_APT_ETC"] = etc.Path,
                ["KILN_OS_RELEASE"] = osRelease,
                ["KILN_DEBIAN_MIRROR"] = overrideMirror,
                ["KILN_CACHE"] = Path.Combine(etc.Path, "cache"),
            },
            Timeout = TimeSpan.FromSeconds(30),
        });
    }

    [Test]
    public void A_deb822_file_gives_the_first_enabled_deb_archive_uri_not_source_security_or_disabled_ones()
    {
        using var etc = new TempDir("kiln-apt-");
        etc.Write("sources.list.d/a.sources",
            "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n\n" +
            "Types: deb\nEnabled: no\nURIs: http://off.example/debian\nSuites: bookworm\n\n" +
            "Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\n" +
            "Types: deb\n# a comment inside the stanza\nURIs: http://mirror.example:3142/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n");

        var result = Mirror(etc);

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldBe("export KILN_DEBIAN_MIRROR=http://mirror.example:3142/debian\n");
    }

    [Test]
    public void A_one_line_sources_list_with_options_works_too()
    {
        using var etc = new TempDir("kiln-apt-");
        etc.Write("sources.list", "# deb http://commented.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://local.example/debian bookworm main\n");

        Mirror(etc).StandardOutput.ShouldBe("export KILN_DEBIAN_MIRROR=http://local.example/debian\n");
    }

    [Test]
    public void No_mirror_or_a_machine_that_is_not_debian_fails_with_the_fix_unless_overridden()
    {
        using var etc = new TempDir("kiln-apt-");

        var none = Mirror(etc);
        none.ExitCode.ShouldNotBe(0);
        none.StandardOutput.ShouldBeEmpty("stdout carries only export lines");
        none.StandardError.ShouldContain("no Debian mirror in this machine's apt sources");
        none.StandardError.ShouldContain("KILN_DEBIAN_MIRROR");

        etc.Write("sources.list.d/ubuntu.sources", "Types: deb\nURIs: http://archive.example/ubuntu\nSuites: noble\n");
        var ubuntu = Mirror(etc, osId: "ubuntu");
        ubuntu.ExitCode.ShouldNotBe(0);
        ubuntu.StandardError.ShouldContain("this machine is 'ubuntu', not Debian");

        Mirror(etc, osId: "ubuntu", overrideMirror: "http://debian.example/debian/").StandardOutput
            .ShouldBe("export KILN_DEBIAN_MIRROR=http://debian.example/debian\n");
    }
}
