using System.Text.Json;
using Build.Catalog;
using Build.Hashing;
using Build.Tests.Catalog;
using Build.Tests.Infra;
using Build.Tools;

namespace Build.Tests.Hashing;

[TestFixture]
public sealed class ImageTagsTests
{
    [Test]
    [Category("Unit")]
    public void One_value_knows_every_tag_of_a_family()
    {
        var tags = new ImageTags("ghcr.io/o/ai-base", "cuda12.3-ada-py311", "0123456789ab", "20261121");

        tags.All.ShouldBe(["ghcr.io/o/ai-base:cuda12.3-ada-py311-0123456789ab", "ghcr.io/o/ai-base:cuda12.3-ada-py311-20261121", "ghcr.io/o/ai-base:cuda12.3-ada-py311-latest"]);
        tags.Built.ShouldBe(["ghcr.io/o/ai-base:cuda12.3-ada-py311-0123456789ab", "ghcr.io/o/ai-base:cuda12.3-ada-py311-20261121"]);
        (tags with { Date = string.Empty }).Built.ShouldBe(["ghcr.io/o/ai-base:cuda12.3-ada-py311-0123456789ab"]);
        ImageTags.LongestTagPart("cuda12.3-ada-py311").ShouldBe("cuda12.3-ada-py311-0123456789ab".Length);
        tags.HashTag.ShouldBe("cuda12.3-ada-py311-0123456789ab");
        tags.InputsTag.ShouldBe("cuda12.3-ada-py311-0123456789ab.inputs");
    }

    [Test]
    [Category("Unit")]
    public void A_service_gets_the_same_scheme_in_the_services_repository()
    {
        var tags = ImageTags.For(ImageKind.Service, "127.0.0.1:5000/kiln/x", "audio", "0123456789ab", "20261121");

        tags.All.ShouldBe(["127.0.0.1:5000/kiln/x-services:audio-0123456789ab", "127.0.0.1:5000/kiln/x-services:audio-20261121", "127.0.0.1:5000/kiln/x-services:audio-latest"]);
        ImageTags.For(ImageKind.Family, "127.0.0.1:5000/kiln/x", "audio", "0123456789ab", "20261121").Repository.ShouldBe("127.0.0.1:5000/kiln/x");
        Build.Fleet.ServiceImages.Repository("r/x").ShouldBe("r/x-services");
    }

    [Test]
    [Category("Unit")]
    public void The_length_rule_leaves_room_for_the_longest_tag_part()
    {
        // The hash tag is the longest: -latest and -yyyymmdd are shorter than '-' and 12 hex characters.
        var name = new string('a', ImageTags.MaxNameLength);
        new[] { ImageTags.HashTagOf(name, "0123456789ab"), ImageTags.DateTagOf(name, "20261121"), ImageTags.LatestTagOf(name) }
            .Max(t => t.Length).ShouldBe(ImageTags.MaxTagLength);
        NamePattern.MaxFamilyName.ShouldBe(115);
        NamePattern.LongestTagSuffix.ShouldBe(13);
    }

    [Test]
    [Category("Unit")]
    public void The_hcl_and_compose_spellings_name_the_same_tags()
    {
        ImageTags.HclTagsFunction().ShouldBe(
            "function \"tags\" {\n  params = [family, hash]\n" +
            "  result = compact([\"${REGISTRY}:${family}-${hash}\", DATE_TAG != \"\" ? \"${REGISTRY}:${family}-${DATE_TAG}\" : \"\"])\n}\n\n");
        ImageTags.HclServiceTagsFunction().ShouldBe(
            "function \"service_tags\" {\n  params = [service, hash]\n" +
            "  result = compact([\"${REGISTRY}-services:${service}-${hash}\", DATE_TAG != \"\" ? \"${REGISTRY}-services:${service}-${DATE_TAG}\" : \"\"])\n}\n\n");
        var repository = ImageTags.ComposeServicesRepository("127.0.0.1:5000/kiln/x");
        repository.ShouldBe("${REGISTRY:-127.0.0.1:5000/kiln/x}-services");
        ImageTags.ComposeImage(repository, "audio", ImageTags.ComposeHashPart("KILN_TAG_AUDIO", "KILN_DIGEST_AUDIO"))
            .ShouldBe("${REGISTRY:-127.0.0.1:5000/kiln/x}-services:audio-${KILN_TAG_AUDIO:-latest}${KILN_DIGEST_AUDIO:-}");
        ImageTags.ComposeImage("r/x-services", "audio", "0123456789ab").ShouldBe(ImageTags.For(ImageKind.Service, "r/x", "audio", "0123456789ab", string.Empty).Immutable);
    }

    [Test]
    [Category("Unit")]
    public void Explain_names_references_with_the_image_as_a_placeholder()
    {
        ImageTags.Generic("hello", ImageTags.LatestTagOf("hello")).ShouldBe("<image>-latest");
        ImageTags.Generic("hello", "other-latest").ShouldBe("other-latest");
        ImageTags.IsInputsTag(ImageTags.InputsTagOf("hello", "0123456789ab")).ShouldBeTrue();
        ImageTags.IsInputsTag(ImageTags.HashTagOf("hello", "0123456789ab")).ShouldBeFalse();
    }

    [Test]
    [Category("Integration")]
    public void The_bake_files_tags_function_names_exactly_the_tags_ImageTags_names()
    {
        var catalog = "examples/mini/families.yaml";
        var hcl = "examples/mini/docker-bake.hcl";
        var env = new Dictionary<string, string?> { ["REGISTRY"] = "127.0.0.1:5000/kiln/x", ["DATE_TAG"] = "20261121", ["KILN_DEMO_BASE"] = TestInfra.BaseImage };
        var loaded = CatalogLoader.Load(catalog, new CatalogLoadOptions(TestInfra.RepoRoot, n => env.GetValueOrDefault(n), Strict: false)).Catalog;
        foreach (var family in loaded.Families)
        {
            env[family.HashVariable] = $"{family.Name.Length:x2}0123456789"[..12];
        }

        var print = TestInfra.Run(new CommandLine("docker").Add("buildx", "bake", "-f", hcl, "--print", "default"), TestInfra.RepoRoot, env);

        using var doc = JsonDocument.Parse(print.StandardOutput);
        foreach (var family in loaded.Families)
        {
            var printed = doc.RootElement.GetProperty("target").GetProperty(family.BakeTarget).GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
            printed.ShouldBe(new ImageTags("127.0.0.1:5000/kiln/x", family.Name, env[family.HashVariable]!, "20261121").Built, family.Name);
        }

        var undated = TestInfra.Run(new CommandLine("docker").Add("buildx", "bake", "-f", hcl, "--print", "default"), TestInfra.RepoRoot, new Dictionary<string, string?>(env) { ["DATE_TAG"] = string.Empty });
        using var undatedDoc = JsonDocument.Parse(undated.StandardOutput);
        var root = loaded.Families[0];
        undatedDoc.RootElement.GetProperty("target").GetProperty(root.BakeTarget).GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)
            .ShouldBe(new ImageTags("127.0.0.1:5000/kiln/x", root.Name, env[root.HashVariable]!, string.Empty).Built);
    }

    [Test]
    [Category("Integration")]
    public void The_demo_bake_file_builds_each_service_on_its_family_target_with_the_service_tags()
    {
        var hcl = "examples/demo/docker-bake.hcl";
        var fleet = Build.Fleet.FleetValidator.Resolve(Fleet.FleetFixture.DemoFleet(), Fleet.FleetFixture.DemoCatalog());
        var env = new Dictionary<string, string?> { ["REGISTRY"] = "127.0.0.1:5000/kiln/x", ["DATE_TAG"] = "20261121", ["KILN_DEBIAN_BASE"] = "debian:bookworm" };
        foreach (var service in fleet.Services)
        {
            env[Build.Fleet.ServiceImages.HashVariable(service.Name)] = $"{service.Name.Length:x2}abcdefabcd"[..12];
        }

        var print = TestInfra.Run(new CommandLine("docker").Add("buildx", "bake", "-f", hcl, "--print", Build.Fleet.ServiceImages.Group), TestInfra.RepoRoot, env);

        using var doc = JsonDocument.Parse(print.StandardOutput);
        var targets = doc.RootElement.GetProperty("target");
        foreach (var service in fleet.Services)
        {
            var t = targets.GetProperty(Build.Fleet.ServiceImages.BakeTarget(service.Name));
            t.GetProperty("tags").EnumerateArray().Select(x => x.GetString()!).ToList()
                .ShouldBe(Build.Fleet.ServiceImages.Tags("127.0.0.1:5000/kiln/x", service.Name, env[Build.Fleet.ServiceImages.HashVariable(service.Name)]!, "20261121").Built, service.Name);
            t.GetProperty("contexts").GetProperty("family").GetString().ShouldBe("target:" + service.Family.BakeTarget);
            t.GetProperty("context").GetString().ShouldBe("examples/demo/apps");
            t.GetProperty("dockerfile").GetString().ShouldBe($"../services/{service.Name}/Dockerfile");
            // The family a service needs is part of the same bake: bake builds it first, once.
            targets.TryGetProperty(service.Family.BakeTarget, out _).ShouldBeTrue(service.Name);
        }
    }

    [Test]
    [Category("Unit")]
    public void The_catalog_entry_hash_input_holds_only_the_keys_a_family_sets()
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load("""
            families:
              bare:
                base: "x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                tini: false
            """).Catalog;

        var entry = CatalogEntry.Of(catalog, catalog.Get("bare"));

        // An optional key Kiln adds later is absent here too, so it changes no existing family's hash.
        entry.Keys.ShouldBe(["base", "base_template", "name", "platforms", "tini"]);
        FamilyHasher.Scheme.ShouldBe("kiln-family-hash/2");
    }
}
