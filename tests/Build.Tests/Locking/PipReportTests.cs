using Build.Locking;

namespace Build.Tests.Locking;

/// <summary>pip's installation report (version 1), as `pip install --dry-run --report` writes it.</summary>
[TestFixture]
[Category("Unit")]
public sealed class PipReportTests
{
    internal static readonly string FleetHash = new('a', 64);
    internal static readonly string WireHash = new('b', 64);

    /// <summary>The shape pip 23.2 wrote on this host for kiln-demo-fleet and its dependency (trimmed environment).</summary>
    internal static string Sample(string version = "\"1\"", string fleetArchive = "") =>
        $$"""
        {
          "version": {{version}},
          "pip_version": "23.0.1",
          "install": [
            {
              "download_info": {
                "url": "file:///kiln/wheelhouse/kiln_demo_fleet-1.1.0-py3-none-any.whl",
                "archive_info": {{(fleetArchive.Length > 0 ? fleetArchive : $$"""{ "hash": "sha256={{FleetHash}}", "hashes": { "sha256": "{{FleetHash}}" } }""")}}
              },
              "is_direct": false,
              "requested": true,
              "metadata": { "metadata_version": "2.1", "name": "kiln-demo-fleet", "version": "1.1.0", "requires_dist": ["kiln-demo-wire>=1.0"] }
            },
            {
              "download_info": {
                "url": "file:///kiln/wheelhouse/kiln_demo_wire-1.0.0-py3-none-any.whl",
                "archive_info": { "hash": "sha256={{WireHash}}" }
              },
              "is_direct": false,
              "requested": false,
              "metadata": { "metadata_version": "2.1", "name": "kiln-demo-wire", "version": "1.0.0" }
            }
          ],
          "environment": { "implementation_name": "cpython", "python_version": "3.11", "python_full_version": "3.11.2" }
        }
        """;

    [Test]
    public void A_report_reads_names_versions_hashes_urls_and_why_each_is_installed()
    {
        var report = PipReport.Parse(Sample(), "hello.json");

        report.PipVersion.ShouldBe("23.0.1");
        report.PythonVersion.ShouldBe("3.11");
        report.Install.Count.ShouldBe(2);
        var fleet = report.Install[0];
        (fleet.Name, fleet.Version, fleet.Sha256, fleet.Url, fleet.Requested).ShouldBe(("kiln-demo-fleet", "1.1.0", FleetHash, "file:///kiln/wheelhouse/kiln_demo_fleet-1.1.0-py3-none-any.whl", true));
        fleet.RequiresDist.ShouldBe(["kiln-demo-wire>=1.0"]);
        var wire = report.Install[1];
        (wire.Sha256, wire.Requested).ShouldBe((WireHash, false), "the legacy 'hash' alone is enough");
        wire.RequiresDist.ShouldBeEmpty();
    }

    [Test]
    public void An_empty_install_list_is_a_valid_report()
    {
        var report = PipReport.Parse("""{ "version": "1", "pip_version": "23.0.1", "install": [] }""", "none.json");

        report.Install.ShouldBeEmpty();
        report.PythonVersion.ShouldBeNull();
    }

    [Test]
    public void A_directory_install_has_no_hash_but_parses()
    {
        var json = """{ "version": "1", "pip_version": "23.0.1", "install": [ { "download_info": { "url": "file:///src/x", "dir_info": {} }, "requested": true, "metadata": { "name": "x", "version": "0.1" } } ] }""";

        PipReport.Parse(json, "x.json").Install.ShouldHaveSingleItem().Sha256.ShouldBeNull();
    }

    [TestCase("\"0\"", "x.json is a pip installation report of version \"0\"; Kiln reads version \"1\".")]
    [TestCase("1", "x.json is a pip installation report of version 1; Kiln reads version \"1\".")]
    public void Another_report_version_is_refused_with_the_fix(string version, string message)
    {
        var e = Should.Throw<LockException>(() => PipReport.Parse(Sample(version), "x.json"));

        e.Message.ShouldStartWith(message);
        e.Message.ShouldEndWith("Resolve again with a pip that writes installation report version 1 (pip 23.0 or later): ./build.sh --target=Lock.");
    }

    [TestCase("""{ "version": "1", "install": [] }""", "x.json: the report has no 'pip_version'.")]
    [TestCase("""{ "version": "1", "pip_version": "23.0.1" }""", "x.json has no 'install' list.")]
    [TestCase("""{ "version": "1", "pip_version": "23.0.1", "install": [ { "requested": true } ] }""", "x.json: install[0] has no 'metadata'.")]
    [TestCase("""{ "version": "1", "pip_version": "23.0.1", "install": [ { "requested": true, "metadata": { "version": "1" } } ] }""", "x.json: install[0].metadata has no 'name'.")]
    [TestCase("""{ "version": "1", "pip_version": "23.0.1", "install": [ { "requested": true, "metadata": { "name": "a" } } ] }""", "x.json: install[0].metadata (a) has no 'version'.")]
    [TestCase("""{ "version": "1", "pip_version": "23.0.1", "install": [ { "metadata": { "name": "a", "version": "1" } } ] }""", "x.json: install[0] (a) has no 'requested' true/false.")]
    [TestCase("""{ "pip_version": "23.0.1", "install": [] }""", "x.json is a pip installation report of version (none)")]
    [TestCase("[]", "x.json is not a pip installation report: it is not a JSON object.")]
    public void Missing_fields_name_the_file_and_the_place(string json, string message) =>
        Should.Throw<LockException>(() => PipReport.Parse(json, "x.json")).Message.ShouldStartWith(message);

    [Test]
    public void Text_that_is_not_json_names_the_file()
    {
        Should.Throw<LockException>(() => PipReport.Parse("ERROR: No matching distribution", "x.json")).Message.ShouldStartWith("x.json is not a pip installation report: ");
    }

    [TestCase("""{ "hash": "md5=0123", "hashes": { "md5": "0123" } }""", "is hashed with md5, not sha256")]
    [TestCase("""{ "hashes": { "sha256": "ABC" } }""", "has the malformed or inconsistent sha256 'ABC'")]
    public void A_hash_that_cannot_be_locked_is_refused(string archive, string message)
    {
        var e = Should.Throw<LockException>(() => PipReport.Parse(Sample(fleetArchive: archive), "x.json"));

        e.Message.ShouldStartWith("x.json: install[0] (kiln-demo-fleet 1.1.0) ");
        e.Message.ShouldContain(message);
    }

    [Test]
    public void Hashes_and_the_legacy_hash_must_agree()
    {
        var archive = $$"""{ "hash": "sha256={{WireHash}}", "hashes": { "sha256": "{{FleetHash}}" } }""";

        Should.Throw<LockException>(() => PipReport.Parse(Sample(fleetArchive: archive), "x.json")).Message.ShouldContain("inconsistent");
    }

    [Test]
    public void Another_algorithm_beside_sha256_is_fine()
    {
        var archive = $$"""{ "hash": "md5=0123", "hashes": { "md5": "0123", "sha256": "{{FleetHash}}" } }""";

        PipReport.Parse(Sample(fleetArchive: archive), "x.json").Install[0].Sha256.ShouldBe(FleetHash);
    }
}
