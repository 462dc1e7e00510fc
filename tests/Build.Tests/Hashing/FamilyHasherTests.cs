using Build.Hashing;
using Build.Tests.Catalog;

namespace Build.Tests.Hashing;

[TestFixture]
[Category("Unit")]
public sealed class FamilyHasherTests
{
    private const string D = CatalogRepo.Digest;

    private static readonly string Tree = $$"""
        # a tree: root -> mid -> leaf, plus an unrelated root
        families:
          root:
            base: "x:1@{{D}}"
            copy: [{ src: files/motd, dest: /etc/motd }]
            env: { A: "1" }
          mid:
            parent: root
            apt: [curl]
          leaf:
            parent: mid
            ports: [8080]
          other:
            base: "y:2@{{D}}"
        """;

    private static Dictionary<string, string> Hashes(CatalogRepo repo, string yaml) =>
        new FamilyHasher(repo.Root).Compute(repo.Load(yaml).Catalog).ToDictionary(h => h.Family, h => h.Hash);

    [Test]
    public void Hashes_are_stable_golden_values_for_a_fixed_fixture()
    {
        using var repo = new CatalogRepo();

        var hashes = Hashes(repo, Tree);

        // Golden values: if these change, every published family rebuilds. Change them only on purpose (and bump
        // FamilyHasher.Scheme when what a hash covers changes).
        $"{hashes["root"]} {hashes["mid"]} {hashes["leaf"]} {hashes["other"]}".ShouldBe($"{GoldenRoot} {GoldenMid} {GoldenLeaf} {GoldenOther}");
        hashes.Values.ShouldAllBe(h => h.Length == 12 && h.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)));
    }

    private const string GoldenRoot = "28ada616ac18";
    private const string GoldenMid = "6f9ab66ce46d";
    private const string GoldenLeaf = "f6298a5f6a5f";
    private const string GoldenOther = "5d83b5d92a57";

    [Test]
    public void Every_input_is_listed_with_its_own_digest()
    {
        using var repo = new CatalogRepo();
        var hashes = new FamilyHasher(repo.Root).Compute(repo.Load(Tree).Catalog);

        var root = hashes.Single(h => h.Family == "root");
        root.Inputs.Select(i => i.Name).ShouldBe(["base", "catalog-entry", "dockerfile", "dockerignore", "file:files/motd", "scheme"]);
        root.Inputs.Single(i => i.Name == "base").Digest.ShouldBe($"x:1@{D}");
        root.Inputs.Single(i => i.Name == "file:files/motd").Digest.ShouldBe("sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        hashes.Single(h => h.Family == "mid").Inputs.Single(i => i.Name == "parent").Digest.ShouldBe(root.Hash);
    }

    [Test]
    public void Editing_a_leaf_changes_only_the_leaf()
    {
        using var repo = new CatalogRepo();
        var before = Hashes(repo, Tree);

        var after = Hashes(repo, Tree.Replace("ports: [8080]", "ports: [8081]", StringComparison.Ordinal));

        Changed(before, after).ShouldBe(["leaf"]);
    }

    [Test]
    public void Editing_a_root_changes_it_and_all_its_descendants_only()
    {
        using var repo = new CatalogRepo();
        var before = Hashes(repo, Tree);

        var after = Hashes(repo, Tree.Replace("A: \"1\"", "A: \"2\"", StringComparison.Ordinal));

        Changed(before, after).ShouldBe(["leaf", "mid", "root"]);
    }

    [Test]
    public void Editing_a_copied_file_changes_the_family_that_copies_it_and_its_descendants()
    {
        using var repo = new CatalogRepo();
        var before = Hashes(repo, Tree);

        repo.Write("files/motd", "changed\n");
        var after = Hashes(repo, Tree);

        Changed(before, after).ShouldBe(["leaf", "mid", "root"]);
    }

    [Test]
    public void Reformatting_and_commenting_the_yaml_changes_nothing()
    {
        using var repo = new CatalogRepo();
        var before = Hashes(repo, Tree);
        var reformatted = $$"""
            families:   # same families, other order, flow/block styles swapped, comments added
              other: { base: 'y:2@{{D}}' }
              leaf:
                ports:
                  - 8080   # the web port
                parent: leaf-parent-is-mid
              mid: { parent: root, apt: [ curl ] }
              root:
                env:
                  A: '1'
                copy:
                  - src: files/motd
                    dest: /etc/motd
                base: x:1@{{D}}
            """.Replace("leaf-parent-is-mid", "mid", StringComparison.Ordinal);

        var after = Hashes(repo, reformatted);

        Changed(before, after).ShouldBeEmpty();
    }

    [Test]
    public void A_new_base_digest_changes_the_root_and_its_descendants()
    {
        using var repo = new CatalogRepo();
        var before = Hashes(repo, Tree);

        var after = Hashes(repo, Tree.Replace($"x:1@{D}", "x:1@sha256:" + new string('f', 64), StringComparison.Ordinal));

        Changed(before, after).ShouldBe(["leaf", "mid", "root"]);
    }

    [Test]
    public void A_selection_hashes_the_families_and_their_ancestors_only()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Tree).Catalog;

        var hashes = new FamilyHasher(repo.Root).Compute(catalog, [catalog.Get("leaf")]);

        hashes.Select(h => h.Family).ShouldBe(["root", "mid", "leaf"]);
    }

    private static List<string> Changed(Dictionary<string, string> before, Dictionary<string, string> after) =>
        before.Keys.Where(k => before[k] != after[k]).Order(StringComparer.Ordinal).ToList();
}
