using Build.Catalog;

namespace Build.Tests.Catalog;

/// <summary>Every bad-input case names the file, the line, the family and what to do.</summary>
[TestFixture]
[Category("Unit")]
public sealed class CatalogValidationTests
{
    private const string D = CatalogRepo.Digest;

    private static InputError Single(InputException ex)
    {
        ex.Errors.Count.ShouldBe(1, ex.Message);
        return ex.Errors[0];
    }

    [Test]
    public void Yaml_syntax_error_names_file_line_and_column()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails("families:\n  a:\n    base: \"unclosed\n"));

        e.Where!.File.ShouldBe("docker/families.yaml");
        e.Where.Line.ShouldBeGreaterThanOrEqualTo(3);
        e.Message.ShouldStartWith("YAML syntax error");
        e.Fix.ShouldContain("Fix the YAML");
    }

    [Test]
    public void Unknown_key_in_a_family_suggests_the_right_one()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    aptt: [curl]\n"));

        e.Where!.Line.ShouldBe(4);
        e.Subject.ShouldBe("a");
        e.Message.ShouldBe("Unknown key 'aptt' in family. Did you mean 'apt'?");
        e.Fix.ShouldStartWith("Allowed keys: description, group, parent, base, apt");
    }

    [Test]
    public void Unknown_parent_suggests_a_close_name()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  cpu-py311:\n    base: x:1@{D}\n  web:\n    parent: cpu-py31\n"));

        e.Subject.ShouldBe("web");
        e.Where!.Line.ShouldBe(4);
        e.Message.ShouldBe("Parent 'cpu-py31' is not a family in this catalog. Did you mean 'cpu-py311'?");
    }

    [Test]
    public void A_cycle_is_reported_with_its_path()
    {
        using var repo = new CatalogRepo();
        var ex = repo.Fails("families:\n  a:\n    parent: b\n  b:\n    parent: a\n");

        ex.Errors.ShouldContain(e => e.Subject == "a" && e.Message == "Parents form a cycle: a -> b -> a.");
        ex.Errors[0].Fix.ShouldContain("'base' image instead of a 'parent'");
    }

    [Test]
    public void Duplicate_names_after_expansion_are_an_error()
    {
        using var repo = new CatalogRepo();
        var ex = repo.Fails($"families:\n  cuda-ada:\n    base: x:1@{D}\n  cuda-{{gpu}}:\n    base: x:1@{D}\n    gpu: [ada]\ngpu_archs:\n  ada: {{ arch_list: [\"8.9\"] }}\n");

        var e = Single(ex);
        e.Subject.ShouldBe("cuda-ada");
        e.Where!.Line.ShouldBe(4);
        e.Message.ShouldStartWith("Two families are named 'cuda-ada' after matrix/GPU expansion (the other one is at docker/families.yaml:2:3)");
    }

    [Test]
    public void Neither_base_nor_parent_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails("families:\n  lonely:\n    apt: [curl]\n"));

        e.Subject.ShouldBe("lonely");
        e.Message.ShouldBe("A family needs a 'parent' (another family) or a 'base' (an image pinned by digest).");
    }

    [Test]
    public void Both_base_and_parent_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n  b:\n    parent: a\n    base: x:1@{D}\n"));

        e.Subject.ShouldBe("b");
        e.Where!.Line.ShouldBe(6);
        e.Message.ShouldContain("either a 'parent'");
    }

    [Test]
    public void An_invalid_digest_is_an_error_with_the_expected_form()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails("families:\n  a:\n    base: python:3.11-slim@sha256:abc\n"));

        e.Where!.Line.ShouldBe(3);
        e.Message.ShouldBe("Image 'python:3.11-slim@sha256:abc' is invalid: 'sha256:abc' is not a valid digest: expected sha256: followed by 64 lowercase hex characters.");
    }

    [Test]
    public void An_unpinned_base_is_an_error_in_ci_mode_and_a_warning_locally()
    {
        using var repo = new CatalogRepo();
        const string yaml = "families:\n  a:\n    base: python:3.11-slim\n";

        var local = repo.Load(yaml, strict: false);
        local.Warnings.ShouldHaveSingleItem().Message.ShouldContain("is not pinned by digest");

        var e = Single(repo.Fails(yaml, strict: true));
        e.Fix.ShouldContain("UpdateDigests");
    }

    [TestCase("sm_89")]
    [TestCase("89")]
    [TestCase("8.9+ptx")]
    [TestCase("8")]
    public void An_invalid_gpu_arch_is_an_error(string arch)
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"gpu_archs:\n  ada: {{ arch_list: [\"{arch}\"] }}\nfamilies:\n  a:\n    base: x:1@{D}\n"));

        e.Where!.Line.ShouldBe(2);
        e.Message.ShouldBe($"'{arch}' is not a GPU compute capability.");
        e.Fix.ShouldContain("8.9+PTX");
    }

    [TestCase("8.6")]
    [TestCase("8.9")]
    [TestCase("9.0")]
    [TestCase("8.9+PTX")]
    [TestCase("12.0")]
    public void Valid_gpu_arch_forms_are_accepted(string arch)
    {
        using var repo = new CatalogRepo();
        var c = repo.Load($"gpu_archs:\n  x: {{ arch_list: [\"{arch}\"] }}\nfamilies:\n  f-{{gpu}}:\n    base: x:1@{D}\n    gpu: [x]\n").Catalog;

        c.Get("f-x").Env.ShouldContain(new EnvVar("TORCH_CUDA_ARCH_LIST", arch));
    }

    [Test]
    public void An_invalid_env_var_name_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    env:\n      1BAD-NAME: x\n"));

        e.Where!.Line.ShouldBe(5);
        e.Subject.ShouldBe("a");
        e.Message.ShouldBe("'1BAD-NAME' is not a valid environment variable name.");
    }

    [TestCase("0")]
    [TestCase("65536")]
    [TestCase("http")]
    public void A_port_out_of_range_is_an_error(string port)
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    ports: [{port}]\n"));

        e.Where!.Line.ShouldBe(4);
        e.Message.ShouldBe($"'ports' has '{port}'. Ports must be between 1 and 65535.");
    }

    [Test]
    public void A_missing_copy_source_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    copy:\n      - {{ src: files/nope.txt, dest: /x }}\n"));

        e.Where!.Line.ShouldBe(5);
        e.Message.ShouldBe("The copy source 'files/nope.txt' does not exist.");
        e.Fix.ShouldContain("relative to the repository root");
    }

    [Test]
    public void A_copy_source_outside_the_repository_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    copy:\n      - {{ src: ../etc/passwd, dest: /x }}\n"));

        e.Message.ShouldBe("The copy source '../etc/passwd' must be a path inside the repository.");
    }

    [Test]
    public void A_pixi_environment_missing_from_pixi_toml_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"pixi: {{ tools_image: p:1@{D} }}\nfamilies:\n  a:\n    base: x:1@{D}\n    python: {{ pixi: wbe }}\n"));

        e.Where!.Line.ShouldBe(5);
        e.Message.ShouldBe("pixi environment 'wbe' is not defined in pixi.toml (it defines: default, gpu-vision, stable, web). Did you mean 'web'?");
        e.Fix.ShouldContain("[environments]");
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        using var repo = new CatalogRepo();
        var ex = repo.Fails($"families:\n  a:\n    base: x:1@{D}\n    ports: [0]\n  b:\n    parent: nope\n  c:\n    apt: [x]\n");

        ex.Errors.Count.ShouldBe(3);
        ex.Message.ShouldStartWith("3 problems in the catalog:");
    }

    [Test]
    public void An_axis_missing_from_the_name_is_an_error()
    {
        using var repo = new CatalogRepo();
        var e = Single(repo.Fails($"families:\n  devcontainer:\n    base: x:1@{D}\n    matrix: {{ os: [focal, noble] }}\n"));

        e.Message.ShouldContain("no {os} placeholder");
    }

    [Test]
    public void A_missing_catalog_file_is_a_clear_error()
    {
        using var repo = new CatalogRepo();
        var ex = Should.Throw<InputException>(() => CatalogLoader.Load("nope/families.yaml", CatalogLoadOptions.For(repo.Root, false)));

        ex.Message.ShouldBe("The catalog 'nope/families.yaml' does not exist. Pass --catalog=PATH (repo-relative), e.g. --catalog=examples/demo/families.yaml.");
    }
}
