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
        var o = Parse(null, ("registry", "127.0.0.1:5000/kiln/"), ("catalog", "a.yaml"), ("catalog", "examples/demo/families.yaml"));

        o.Registry.ShouldBe("127.0.0.1:5000/kiln");
        o.Catalog.ShouldBe("examples/demo/families.yaml");
    }

    private sealed class OptionsComparer : IEqualityComparer<KilnOptions>
    {
        public bool Equals(KilnOptions? x, KilnOptions? y) =>
            x is not null && y is not null && x with { Families = [] } == y with { Families = [] } && x.Families.SequenceEqual(y.Families);

        public int GetHashCode(KilnOptions obj) => obj.Catalog.GetHashCode(StringComparison.Ordinal);
    }
}
