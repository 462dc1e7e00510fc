using Build.Catalog;
using Build.Registry;
using Build.Tests.Hashing;
using Build.Tests.Infra;

namespace Build.Tests.Catalog;

[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class UpdateDigestsTests
{
    [Test]
    public void Pins_every_base_to_its_current_digest_keeping_comments_and_formatting()
    {
        var image = ImageName.Parse(TestInfra.BaseImage);
        var nameAndTag = $"{image.Registry}/{image.Repository}:{image.Tag}";
        var stale = "sha256:" + new string('0', 64);
        using var repo = new CatalogRepo();
        var yaml = $$"""
            # the catalog's own comment stays
            families:
              root:
                base: {{nameAndTag}}          # unpinned: gets a digest
              other:
                base: "{{nameAndTag}}@{{stale}}"   # stale digest: replaced
              templ:
                base: ${KILN_X:-{{nameAndTag}}}
              m-{os}:
                matrix:
                  os:
                    a: { base: '{{nameAndTag}}@{{image.Digest}}' }
            """;
        repo.Write("docker/families.yaml", yaml);

        var (code, output) = KilnApp.Run(repo.Root, "--target=UpdateDigests", "--mode=local");

        code.ShouldBe(0, output);
        File.ReadAllText(Path.Combine(repo.Root, "docker/families.yaml")).ShouldBe(yaml
            .Replace($"base: {nameAndTag}          #", $"base: {nameAndTag}@{image.Digest}          #", StringComparison.Ordinal)
            .Replace($"\"{nameAndTag}@{stale}\"", $"\"{nameAndTag}@{image.Digest}\"", StringComparison.Ordinal)
            .Replace($"${{KILN_X:-{nameAndTag}}}", $"${{KILN_X:-{nameAndTag}@{image.Digest}}}", StringComparison.Ordinal));
        output.ShouldContain("up to date");
        repo.Load(File.ReadAllText(Path.Combine(repo.Root, "docker/families.yaml")), strict: true).Catalog.Families.Count.ShouldBe(4);
    }

    [Test]
    public void An_image_that_cannot_be_resolved_fails_and_changes_nothing()
    {
        using var repo = new CatalogRepo();
        var yaml = $"families:\n  root:\n    base: {TestInfra.Registry}/kiln/no-such-image:1\n";
        repo.Write("docker/families.yaml", yaml);

        var (code, output) = KilnApp.Run(repo.Root, "--target=UpdateDigests", "--mode=local");

        code.ShouldBe(1);
        output.ShouldContain("FAILED");
        File.ReadAllText(Path.Combine(repo.Root, "docker/families.yaml")).ShouldBe(yaml);
    }

    [Test]
    public void Slots_are_found_in_block_flow_and_quoted_styles()
    {
        var slots = DigestPinner.FindImages("pixi: { tools_image: 'p:1' }\nfamilies:\n  a:\n    base: x:1\n    env: { base: not-an-image-key-here }\n  b: { base: \"y:2@sha256:ab\" }\n");

        slots.Select(s => s.Reference).ShouldBe(["p:1", "x:1", "y:2@sha256:ab"]);
    }
}
