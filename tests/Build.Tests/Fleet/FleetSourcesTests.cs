using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>Locks and the service code on disk: checked only where services are hashed or built.</summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetSourcesTests
{
    private static readonly string H1 = new('a', 64);
    private static readonly string H2 = new('b', 64);

    private static IReadOnlyList<InputError> Lock(string text, params string[] provided) =>
        FleetValidator.CheckLock(text, "svc/requirements.lock", "Svc", FleetFixture.SmallCatalog().Get("cpu-py311"), provided.ToHashSet(StringComparer.Ordinal));

    [Test]
    public void A_pip_compile_lock_with_continuations_and_comments_passes()
    {
        var text = $"#\n# pip-compile --generate-hashes\n#\nasgiref==3.6.0 \\\n    --hash=sha256:{H1} \\\n    --hash=sha256:{H2}\n    # via django\ndjango==4.1.7 --hash=sha256:{H1}  # inline comment\n";
        Lock(text).ShouldBeEmpty();
    }

    [Test]
    public void An_unhashed_lock_line_is_an_error_at_its_line()
    {
        var e = Lock($"asgiref==3.6.0 --hash=sha256:{H1}\n\nrequests==2.31.0\n").ShouldHaveSingleItem();

        e.Where!.ToString().ShouldBe("svc/requirements.lock:3:1");
        e.Subject.ShouldBe("Svc");
        e.Message.ShouldBe("'requests==2.31.0' has no --hash=sha256: (pip --require-hashes refuses it).");
        e.Fix.ShouldBe("Regenerate the lock with `pip-compile --generate-hashes`.");
    }

    [Test]
    public void An_unpinned_line_and_a_weak_hash_are_errors()
    {
        var errors = Lock($"requests>=2.31 --hash=sha256:{H1}\nidna==3.4 --hash=md5:0123\n");

        errors.Select(e => (e.Where!.Line, e.Message)).ShouldBe(
        [
            (1, "'requests>=2.31' is not pinned with ==."),
            (2, "'--hash=md5:0123' is not a sha256 hash option."),
        ]);
    }

    [Test]
    public void A_lock_that_repeats_a_family_package_is_an_error_naming_the_family()
    {
        var e = Lock($"PyZMQ==25.1.0 --hash=sha256:{H1}\n", "pyzmq", "orjson").ShouldHaveSingleItem();

        e.Message.ShouldBe("'PyZMQ' is already provided by family 'cpu-py311': pip sees it installed and skips its hash check, so the lock's pin would not be enforced.");
        e.Fix.ShouldStartWith("Remove 'PyZMQ' from the service lock");
    }

    [Test]
    public void Index_options_and_duplicates_are_refused()
    {
        var errors = Lock($"--index-url https://example.invalid/simple\nfoo_bar==1.0 --hash=sha256:{H1}\nFoo.Bar==1.0 --hash=sha256:{H2}\n");

        errors.Select(e => e.Message).ShouldBe(
        [
            "The lock has the option line '--index-url https://example.invalid/simple'.",
            "'Foo.Bar' is listed twice (first at line 2).",
        ]);
    }

    [Test]
    public void A_missing_lock_names_the_path_and_the_source_root_in_use()
    {
        var root = Directory.CreateTempSubdirectory("kiln-fleet-src-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "a"));
            File.WriteAllText(Path.Combine(root, "a", "app.py"), "print('hi')\n");
            File.WriteAllText(Path.Combine(root, "a", "requirements.lock"), "requests==2.31.0\n");
            var yaml = "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    requirements: a/requirements.lock\n    health: { port: 8000 }\n" +
                       "  B:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: b/main.py\n    health: { port: 8001 }\n";
            var resolved = FleetValidator.Resolve(FleetFixture.Parse(yaml), FleetFixture.SmallCatalog());

            var errors = FleetValidator.RequireSources(resolved, root, _ => new HashSet<string>());

            errors.Select(e => $"{e.Subject}: {e.Message}").ShouldBe(
            [
                "A: 'requests==2.31.0' has no --hash=sha256: (pip --require-hashes refuses it).",
                $"B: The requirements lock 'requirements/B.lock' does not exist under source_root '.' ({root}).",
            ]);
            errors[0].Where!.ToString().ShouldBe("a/requirements.lock:1:1");
            FleetValidator.RequireSources(resolved, root, _ => new HashSet<string>(), ["B"]).Select(e => e.Subject).ShouldAllBe(s => s == "B");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
