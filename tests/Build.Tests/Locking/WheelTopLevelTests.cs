using Build.Locking;
using Build.Tests.Infra;

namespace Build.Tests.Locking;

/// <summary>The import names a wheel provides, read from the zip like packages_distributions() reads an install.</summary>
[TestFixture]
[Category("Unit")]
public sealed class WheelTopLevelTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("kiln-wheel-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void Top_level_txt_is_what_the_wheel_declares()
    {
        var wheel = TestWheel.Write(_dir, "kiln-demo-wire", "1.0.0", extraFiles: new Dictionary<string, string> { ["other/__init__.py"] = string.Empty });

        WheelTopLevel.Read(wheel).ShouldBe(["kiln_demo_wire"]);
    }

    [Test]
    public void Without_top_level_txt_the_record_names_packages_modules_and_extensions()
    {
        var wheel = TestWheel.Write(_dir, "kiln-demo-wire", "1.0.0", topLevelTxt: false, extraFiles: new Dictionary<string, string>
        {
            ["single.py"] = string.Empty,
            ["_speedups.cpython-311-x86_64-linux-gnu.so"] = string.Empty,
            ["kiln_demo_wire/__pycache__/x.cpython-311.pyc"] = string.Empty,
            ["__pycache__/single.cpython-311.pyc"] = string.Empty,
            ["kiln_demo_wire-1.0.0.data/purelib/relocated/__init__.py"] = string.Empty,
            ["kiln_demo_wire-1.0.0.data/platlib/flat.py"] = string.Empty,
            ["kiln_demo_wire-1.0.0.data/scripts/kiln-wire"] = string.Empty,
            ["kiln_demo_wire-1.0.0.data/data/share/doc.txt"] = string.Empty,
            ["kiln_demo_wire.pth"] = string.Empty,
            ["odd,name/__init__.py"] = string.Empty,
        });

        WheelTopLevel.Read(wheel).ShouldBe(["_speedups", "flat", "kiln_demo_wire", "odd,name", "relocated", "single"], "RECORD is CSV: a path with a comma is quoted");
    }

    [Test]
    public void The_demo_wheels_provide_their_packages()
    {
        var wheels = Path.Combine(TestInfra.RepoRoot, "examples/demo/apps/_wheels");

        WheelTopLevel.Read(Path.Combine(wheels, "kiln_demo_fleet-1.1.0-py3-none-any.whl")).ShouldBe(["kiln_demo_fleet"]);
        WheelTopLevel.Read(Path.Combine(wheels, "kiln_demo_wire-1.0.0-py3-none-any.whl")).ShouldBe(["kiln_demo_wire"]);
    }

    [Test]
    public void The_test_wheels_are_byte_for_byte_reproducible()
    {
        var first = TestWheel.Sha256(TestWheel.Write(Path.Combine(_dir, "a"), "kiln-demo-fleet", "1.1.0", ["kiln-demo-wire>=1.0"]));
        var second = TestWheel.Sha256(TestWheel.Write(Path.Combine(_dir, "b"), "kiln-demo-fleet", "1.1.0", ["kiln-demo-wire>=1.0"]));

        second.ShouldBe(first);
    }

    [Test]
    public void A_file_that_is_not_a_zip_is_a_lock_error_naming_it()
    {
        var path = Path.Combine(_dir, "broken-1.0-py3-none-any.whl");
        File.WriteAllText(path, "not a zip");

        Should.Throw<LockException>(() => WheelTopLevel.Read(path)).Message.ShouldStartWith($"{path} is not a readable zip file");
    }

    [Test]
    public void A_zip_without_a_record_is_not_a_wheel()
    {
        var path = Path.Combine(_dir, "empty-1.0-py3-none-any.whl");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            zip.CreateEntry("empty/__init__.py");
        }

        Should.Throw<LockException>(() => WheelTopLevel.Read(path)).Message.ShouldContain("has no *.dist-info/RECORD");
    }
}
