using Cake.Core;

namespace Build.Tests.App;

[TestFixture]
[Category("Unit")]
public sealed class KilnOptionsTests
{
    private static KilnOptions Parse(string? ci = null, params (string Key, string Value)[] args) =>
        KilnOptions.Parse(
            new CakeArguments(args.ToLookup(a => a.Key, a => a.Value, StringComparer.OrdinalIgnoreCase)),
            name => name == "CI" ? ci : null);

    [Test]
    public void Defaults_are_the_documented_ones()
    {
        var o = Parse();

        o.ShouldBe(new KilnOptions("docker/families.yaml", null, [], BuildMode.Local, "artifacts", false), new OptionsComparer());
    }

    [Test]
    public void Services_are_all_by_default_none_with_none_and_a_deduplicated_list_otherwise()
    {
        Parse().Services.ShouldBeNull();
        Parse(null, ("services", "none")).Services.ShouldBe([]);
        Parse(null, ("services", "web, hello,web"), ("services", "audio")).Services.ShouldBe(["web", "hello", "audio"]);
    }

    [Test]
    public void Mode_defaults_to_ci_when_CI_is_true_and_an_explicit_mode_wins()
    {
        Parse(ci: "true").Mode.ShouldBe(BuildMode.Ci);
        Parse(ci: "TRUE").Mode.ShouldBe(BuildMode.Ci);
        Parse(ci: "true", ("mode", "local")).Mode.ShouldBe(BuildMode.Local);
        Parse(ci: null, ("mode", "CI")).Mode.ShouldBe(BuildMode.Ci);
    }

    [Test]
    public void An_unknown_mode_is_a_usage_error_that_names_the_valid_ones()
    {
        var ex = Should.Throw<CakeException>(() => Parse(null, ("mode", "cloud")));

        ex.ExitCode.ShouldBe(2);
        ex.Message.ShouldBe("--mode=cloud is not a mode. Use --mode=local or --mode=ci.");
    }

    [Test]
    public void Families_split_on_commas_across_repeats_without_blanks_or_duplicates()
    {
        Parse(null, ("families", "cpu-py311, cpu-web-py311,"), ("families", "cpu-py311"), ("families", "cuda12.3-ada-py311"))
            .Families.ShouldBe(["cpu-py311", "cpu-web-py311", "cuda12.3-ada-py311"]);
    }

    [Test]
    public void A_bare_artifacts_flag_asks_for_export_targets_and_keeps_the_default_directory()
    {
        var bare = Parse(null, ("artifacts", "true"));
        bare.ArtifactsRequested.ShouldBeTrue();
        bare.Artifacts.ShouldBe("artifacts");

        var dir = Parse(null, ("artifacts", "out/run1"));
        dir.ArtifactsRequested.ShouldBeTrue();
        dir.Artifacts.ShouldBe("out/run1");
    }

    [Test]
    public void Registry_loses_a_trailing_slash_and_the_last_catalog_wins()
    {
        var o = Parse(null, ("registry", "127.0.0.1:5000/kiln/"), ("catalog", "a.yaml"), ("catalog", "examples/mini/families.yaml"));

        o.Registry.ShouldBe("127.0.0.1:5000/kiln");
        o.Catalog.ShouldBe("examples/mini/families.yaml");
    }

    [TestCase("mode", "local,ci", "--mode=local,ci is not a mode. Use --mode=local or --mode=ci.")]
    [TestCase("mode", "Ci,Local", "--mode=Ci,Local is not a mode. Use --mode=local or --mode=ci.")]
    [TestCase("mode", "0", "--mode=0 is not a mode. Use --mode=local or --mode=ci.")]
    [TestCase("date", "notadate", "--date=notadate is not a date. Use --date=yyyymmdd, a real calendar date (e.g. --date=20260131), or leave it out for today (UTC).")]
    [TestCase("date", "20261301", "--date=20261301 is not a date. Use --date=yyyymmdd, a real calendar date (e.g. --date=20260131), or leave it out for today (UTC).")]
    [TestCase("date", "2026-01-31", "--date=2026-01-31 is not a date. Use --date=yyyymmdd, a real calendar date (e.g. --date=20260131), or leave it out for today (UTC).")]
    [TestCase("registry", "Not A Registry", "--registry=Not A Registry is not a registry and repository. Use --registry=HOST[:PORT]/PATH (lowercase path components, e.g. --registry=ghcr.io/kiln-org/ai-base or --registry=127.0.0.1:5000/kiln/demo), or --registry=local for the test registry.")]
    [TestCase("registry", "ghcr.io/Kiln/ai-base", "--registry=ghcr.io/Kiln/ai-base is not a registry and repository. Use --registry=HOST[:PORT]/PATH (lowercase path components, e.g. --registry=ghcr.io/kiln-org/ai-base or --registry=127.0.0.1:5000/kiln/demo), or --registry=local for the test registry.")]
    [TestCase("registry", "ghcr.io/o/r@sha256:abc", "--registry=ghcr.io/o/r@sha256:abc is not a registry and repository. Use --registry=HOST[:PORT]/PATH (lowercase path components, e.g. --registry=ghcr.io/kiln-org/ai-base or --registry=127.0.0.1:5000/kiln/demo), or --registry=local for the test registry.")]
    [TestCase("families", "cpu py311", "--families names 'cpu py311', which is not a family name. Family names are lowercase letters, digits, '.', '_' or '-', starting with a letter or digit; separate several with commas: --families=cpu-py311,cpu-web-py311.")]
    [TestCase("families", ",", "--families is empty. Name at least one family (--families=cpu-py311,cpu-web-py311), or leave it out for all.")]
    [TestCase("services", ",", "--services is empty. Name at least one service of the fleet (--services=hello,web), --services=none for families only, or leave it out for all.")]
    [TestCase("services", "none,web", "--services=none,web names services and 'none'. Use --services=none alone, or list services.")]
    [TestCase("catalog", "../x/families.yaml", "--catalog=../x/families.yaml leads outside the repository. Use a path inside it (e.g. --catalog=docker/families.yaml) or an absolute path.")]
    [TestCase("artifacts", "../out", "--artifacts=../out leads outside the repository. Use a path inside it (e.g. --artifacts=artifacts) or an absolute path.")]
    public void A_bad_value_is_a_usage_error_that_shows_the_valid_forms(string name, string value, string message)
    {
        var ex = Should.Throw<CakeException>(() => Parse(null, (name, value)));

        ex.ExitCode.ShouldBe(2);
        ex.Message.ShouldBe(message);
    }

    [Test]
    public void Paths_must_not_name_a_file_where_a_folder_belongs_or_the_reverse()
    {
        using var dir = new Infra.TempDir();
        dir.Write("docker/families.yaml", "families: {}\n");
        KilnOptions Options(params (string, string)[] args) =>
            KilnOptions.Parse(new CakeArguments(args.ToLookup(a => a.Item1, a => a.Item2, StringComparer.OrdinalIgnoreCase)), _ => null, dir.Path);

        var file = Should.Throw<CakeException>(() => Options(("artifacts", "docker/families.yaml")));
        file.ExitCode.ShouldBe(2);
        file.Message.ShouldBe("--artifacts=docker/families.yaml is a file, but Kiln writes a folder there. Use --artifacts=DIR with a folder (new or existing), e.g. --artifacts=artifacts.");
        Should.Throw<CakeException>(() => Options(("catalog", "docker"))).Message
            .ShouldBe("--catalog=docker is a folder, not a catalog file. Use --catalog=PATH/families.yaml, e.g. --catalog=docker/families.yaml.");
        Options(("artifacts", "/tmp/kiln-elsewhere"), ("catalog", "docker/families.yaml")).Artifacts.ShouldBe("/tmp/kiln-elsewhere");
    }

    [TestCase("ghcr.io/kiln-org/ai-base")]
    [TestCase("127.0.0.1:5000/kiln/demo")]
    [TestCase("localhost:5000/a__b/c.d/e-f")]
    [TestCase("[::1]:5000/kiln")]
    [TestCase("local")]
    [TestCase("LOCAL")]
    public void Valid_registries_are_accepted(string registry) =>
        Parse(null, ("registry", registry)).Registry.ShouldBe(registry);

    [Test]
    public void A_valid_date_is_kept_for_the_date_tag()
    {
        Parse(null, ("date", "20240229")).Date.ShouldBe("20240229");
        Parse().Date.ShouldBeNull();
    }

    private sealed class OptionsComparer : IEqualityComparer<KilnOptions>
    {
        public bool Equals(KilnOptions? x, KilnOptions? y) =>
            x is not null && y is not null && x with { Families = [] } == y with { Families = [] } && x.Families.SequenceEqual(y.Families);

        public int GetHashCode(KilnOptions obj) => obj.Catalog.GetHashCode(StringComparison.Ordinal);
    }
}
