using Build.Buildx;
using Build.Catalog;
using Build.Hashing;

namespace Build.Tests.Catalog;

/// <summary>'shm_size': a catalog key kept by name (one row of the key table), rendered into the family's bake targets.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ShmSizeTests
{
    private const string D = CatalogRepo.Digest;

    private static string Yaml(string extra) => $"families:\n  a:\n    base: x:1@{D}\n    builder: {{ run: [\"true\"] }}\n    export: [out.bin]\n{extra}  b:\n    parent: a\n";

    /// <summary>One target's block of the bake file.</summary>
    private static string Target(string hcl, string name)
    {
        var start = hcl.IndexOf($"target \"{name}\" {{\n", StringComparison.Ordinal);
        return hcl[start..hcl.IndexOf("\n}\n", start, StringComparison.Ordinal)];
    }

    [Test]
    public void Shm_size_goes_into_the_familys_bake_targets_and_no_other()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Yaml("    shm_size: 1g\n")).Catalog;

        FamilyReader.ShmSize.In(catalog.Get("a").Settings).ShouldBe("1g");
        var hcl = BakeFileRenderer.Render(catalog);
        Target(hcl, "a").ShouldContain("\n  shm-size = \"1g\"\n");
        Target(hcl, "a-artifacts").ShouldContain("\n  shm-size = \"1g\"\n");
        Target(hcl, "b").ShouldNotContain("shm-size");
    }

    [Test]
    public void Shm_size_is_hashed_only_when_set()
    {
        using var repo = new CatalogRepo();
        (string Hash, SortedDictionary<string, object?> Entry) Of(string extra)
        {
            var catalog = repo.Load(Yaml(extra)).Catalog;
            return (new FamilyHasher(repo.Root).Compute(catalog).Single(h => h.Family == "a").Hash, CatalogEntry.Of(catalog, catalog.Get("a")));
        }

        var unset = Of(string.Empty);
        var set = Of("    shm_size: 1g\n");

        unset.Entry.ShouldNotContainKey("shm_size");
        set.Entry["shm_size"].ShouldBe("1g");
        set.Hash.ShouldNotBe(unset.Hash);
        Of("    shm_size: 512m\n").Hash.ShouldNotBe(set.Hash);
    }

    [Test]
    public void A_matrix_value_overrides_shm_size()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load($"families:\n  a-{{size}}:\n    base: x:1@{D}\n    shm_size: 64m\n    matrix:\n      size:\n        small: {{}}\n        big: {{ shm_size: 2g }}\n").Catalog;

        FamilyReader.ShmSize.In(catalog.Get("a-small").Settings).ShouldBe("64m");
        FamilyReader.ShmSize.In(catalog.Get("a-big").Settings).ShouldBe("2g");
    }

    [TestCase("1x")]
    [TestCase("0")]
    [TestCase("-1g")]
    [TestCase("1.5g")]
    [TestCase("g")]
    public void A_bad_shm_size_is_an_error_at_its_line_naming_the_family_and_the_fix(string value)
    {
        using var repo = new CatalogRepo();

        var e = repo.Fails(Yaml($"    shm_size: \"{value}\"\n")).Errors.ShouldHaveSingleItem();

        e.Where!.File.ShouldBe("docker/families.yaml");
        e.Where.Line.ShouldBe(6);
        e.Subject.ShouldBe("a");
        e.Message.ShouldBe($"'shm_size' is '{value}', which is not a size Docker reads.");
        e.Fix.ShouldBe("Write a whole number of bytes with an optional unit b, k, m or g, e.g. 1g or 512m.");
    }
}
