using Build.Catalog;
using Build.Fleet;
using Build.Hashing;
using Build.Tests.Infra;

namespace Build.Tests.Fleet;

/// <summary>
/// What a service's image takes in of the fleet's code (ServiceCodeReader) and how it is staged (CodeStage): every
/// problem positioned at the import, the service named, the fix given.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class ServiceCodeTests
{
    private static readonly string H = new('a', 64);

    private static (IReadOnlyList<ServiceCode> Code, string Root) Read(TempDir dir, string services, string top = "")
    {
        var fleet = FleetValidator.Resolve(FleetLoader.Parse(top + FleetFixture.FleetYaml(services), "docker/fleet.yaml"), FleetFixture.SmallCatalog());
        return (ServiceCodeReader.Read(fleet, dir.Path, fleet.Services), dir.Path);
    }

    private static string Entry(string name, string entrypoint, string extra = "") =>
        $"  {name}:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: {entrypoint}\n    health: {{ port: {8000 + name[0]} }}\n{extra}";

    [Test]
    public void The_image_code_is_the_closure_and_the_files_globs_with_digests_and_sizes()
    {
        using var dir = new TempDir("kiln-code-");
        dir.Write("a/app.py", "from common import util\n");
        dir.Write("common/__init__.py", "");
        dir.Write("common/util.py", "X = 1\n");
        dir.Write("common/unused.py", "Y = 2\n");
        dir.Write("a/config/x.json", "{}\n");
        dir.Write("a/config/deep/y.json", "[]\n");
        dir.Write("requirements/A.lock", "# nothing\n");

        var code = Read(dir, Entry("A", "a/app.py", "    files: [a/config/**]\n")).Code.ShouldHaveSingleItem();

        code.Errors.ShouldBeEmpty();
        code.Files.Select(f => $"{f.Path} {f.Bytes} {f.Why}").ShouldBe(
        [
            "a/app.py 24 import", "a/config/deep/y.json 3 files: a/config/**", "a/config/x.json 3 files: a/config/**",
            "common/__init__.py 0 import", "common/util.py 6 import",
        ]);
        code.Files[0].Sha256.ShouldBe("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("from common import util\n"u8.ToArray())));
    }

    [Test]
    public void Every_problem_is_positioned_at_its_import_and_names_the_service_and_the_fix()
    {
        using var dir = new TempDir("kiln-code-");
        dir.Write("a/app.py", "import os\nimport yaml\nfrom common import missing_mod\nimport common.nope\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n");
        dir.Write("common/__init__.py", "");
        dir.Write("b/app.py", "x = 'unterminated\n");
        dir.Write("requirements/A.lock", $"# generated\nrequests==2.31.0 \\\n    --hash=sha256:{H}\n    # via A.in\n    # imports: requests\n");
        dir.Write("requirements/B.lock", "");

        var (code, _) = Read(dir, Entry("A", "a/app.py", "    files: [a/none/*.json]\n") + Entry("B", "b/app.py") + Entry("C", "c/app.py"));

        code.Single(c => c.Service == "A").Errors.Select(e => e.ToString()).ShouldBe(
        [
            "a/app.py:4:8: service 'A': The import 'common.nope' cannot be resolved: no module 'common.nope': common/ has no nope.py or nope/. Add the module under source_root or one of python_path's roots (.), or fix the import.",
            "docker/fleet.yaml:11:12: service 'A': 'files' entry 'a/none/*.json' matches no file under source_root '.'. Fix the glob ('*' matches within a folder, '**' any depth), or remove it.",
            "a/app.py:2:8: service 'A': imports 'yaml' (distribution PyYAML), which neither its family cpu-py311 nor its lock requirements/A.lock provides. Run ./build.sh --target=Lock --services=A (or map the import with the fleet's module_map).",
        ]);
        code.Single(c => c.Service == "A").Warnings.Select(w => w.Message).ShouldBe(["The lock asks for 'requests', which no module of the service imports."], "the optional ujson is no warning: absent is fine");
        code.Single(c => c.Service == "B").Errors.ShouldHaveSingleItem().ToString().ShouldStartWith("b/app.py:1:5: service 'B': Python syntax error: ");
        code.Single(c => c.Service == "C").Errors.ShouldHaveSingleItem().Message.ShouldBe($"The entrypoint 'c/app.py' does not exist under source_root '.' ({dir.Path}).");
    }

    [Test]
    public void A_module_map_entry_and_a_lock_that_provides_the_import_cover_it()
    {
        using var dir = new TempDir("kiln-code-");
        dir.Write("a/app.py", "import cv2\nimport kiln_x.sub\n");
        dir.Write("requirements/A.lock", $"opencv-python==4.9.0 \\\n    --hash=sha256:{H}\nkiln-x==1.0 \\\n    --hash=sha256:{H}\n");

        var code = Read(dir, Entry("A", "a/app.py"), "module_map: { cv2: opencv-python }\n").Code.ShouldHaveSingleItem();

        code.Errors.ShouldBeEmpty();
        code.Warnings.ShouldBeEmpty();
    }

    [Test]
    public void Staging_copies_exactly_the_hashed_files_checks_each_digest_and_removes_the_rest()
    {
        using var src = new TempDir("kiln-src-");
        using var stage = new TempDir("kiln-stage-");
        src.Write("a/app.py", "print(1)\n");
        src.Write("common/x.py", "X = 1\n");
        src.Write("common/not_hashed.py", "no\n");
        stage.Write("old/stale.py", "stale\n");
        string Digest(string text) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        HashInput[] inputs = [new("dockerfile", Digest("x")), new("file:a/app.py", Digest("print(1)\n")), new("file:common/x.py", Digest("X = 1\n")), new("lock:requirements/a.lock", Digest("y"))];

        CodeStage.Stage("A", src.Path, stage.Path, inputs);

        Directory.GetFiles(stage.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(stage.Path, f)).Order(StringComparer.Ordinal).ShouldBe(["a/app.py", "common/x.py"]);
        Directory.Exists(Path.Combine(stage.Path, "old")).ShouldBeFalse();
        var kept = File.GetLastWriteTimeUtc(Path.Combine(stage.Path, "a/app.py"));
        CodeStage.Stage("A", src.Path, stage.Path, inputs);
        File.GetLastWriteTimeUtc(Path.Combine(stage.Path, "a/app.py")).ShouldBe(kept, "an unchanged staged file is left alone");

        // The staged copy is still the hashed one, so an edit since hashing does not reach the image; with nothing
        // staged, the edited file is refused rather than built under the old hash.
        src.Write("common/x.py", "X = 2\n");
        CodeStage.Stage("A", src.Path, stage.Path, inputs);
        File.ReadAllText(Path.Combine(stage.Path, "common/x.py")).ShouldBe("X = 1\n");
        Directory.Delete(stage.Path, recursive: true);
        var ex = Should.Throw<InputException>(() => CodeStage.Stage("A", src.Path, stage.Path, inputs));
        ex.Message.ShouldBe("service 'A': 'common/x.py' changed after the service was hashed (it is not the file its hash was made of). Run the build again once the edit is done.");
    }
}
