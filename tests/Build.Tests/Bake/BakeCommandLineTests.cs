using Build.Buildx;
using Build.Catalog;
using Build.Hashing;
using Build.IO;
using Build.Tests.Catalog;

namespace Build.Tests.Bake;

/// <summary>Settings in, the whole rendered `docker buildx bake` command line out (Cake's own tool-test style).</summary>
[TestFixture]
[Category("Unit")]
public sealed class BakeCommandLineTests
{
    private const string Registry = "127.0.0.1:5000/kiln/t";
    private static readonly GitFacts Git = new("0123456789abcdef0123456789abcdef01234567", new DateTimeOffset(2026, 11, 21, 7, 24, 17, TimeSpan.Zero), "https://example.invalid/kiln.git");
    private static readonly ArtifactLayout Paths = new("/repo/artifacts");

    private const string Yaml = """
        version: 1
        registry: 127.0.0.1:5000/kiln/t
        families:
          root:
            base: "x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
          child:
            parent: root
            builder: { run: ["echo x > /kiln/export/out.txt"] }
            export: [out.txt]
        """;

    private static (Build.Catalog.Catalog Catalog, HashReport Hashes) Tree(Existence rootExists = Existence.Absent)
    {
        using var repo = new CatalogRepo();
        var catalog = repo.Load(Yaml).Catalog;
        ImageHashEntry Entry(string name, string hash, string? parent, Existence exists) =>
            new(name, hash, parent, "root", catalog.Get(name).BakeTarget, [], new ImageTags(Registry, name, hash, "20261121"), exists, null,
                exists == Existence.Present ? "sha256:" + new string('f', 64) : null);
        return (catalog, new HashReport(1, catalog.File, Registry, "20261121", [Entry("root", "aaaaaaaaaaaa", null, rootExists), Entry("child", "bbbbbbbbbbbb", "root", Existence.Absent)]));
    }

    private static BakeInvocation Render(BakeSettings settings, Existence rootExists = Existence.Absent)
    {
        var (catalog, hashes) = Tree(rootExists);
        var plan = BakePlanner.Plan(catalog, hashes, _ => null, settings.Force, settings.Mode);
        return BakePlanner.Render(catalog, hashes, plan, settings, Registry);
    }

    private static BakeSettings Local(bool reproducible = false) =>
        new(BuildMode.Local, "/repo", Paths, null, false, false, false, "20261121", null, Git, true, null, reproducible);

    private static BakeSettings Ci() =>
        new(BuildMode.Ci, "/repo", Paths, null, false, false, false, "20261121", null, Git, true, null, true);

    private const string Prefix = "docker buildx bake -f docker/docker-bake.hcl";
    private const string Common = " --metadata-file=/repo/artifacts/.work/bake-metadata.json --progress=plain";
    private const string Allow = " --allow=fs.write=/repo/artifacts --allow=fs.read=/repo/.kiln/cache";
    private const string Labels = " --set '*.labels.org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567' --set '*.labels.org.opencontainers.image.created=2026-11-21T07:24:17Z' --set '*.labels.org.opencontainers.image.source=https://example.invalid/kiln.git'";
    private const string Oci = " --set root.output=type=oci,dest=/repo/artifacts/.work/oci/root.tar,name=127.0.0.1:5000/kiln/t:root-aaaaaaaaaaaa,rewrite-timestamp=true --set child.output=type=oci,dest=/repo/artifacts/.work/oci/child.tar,name=127.0.0.1:5000/kiln/t:child-bbbbbbbbbbbb,rewrite-timestamp=true";

    [Test]
    public void Local_mode_loads_straight_into_the_engine_for_amd64_without_export_targets()
    {
        Render(Local()).Command.Render().ShouldBe(
            Prefix + Common + " --provenance=false" + Allow +
            " --set root.output=type=docker --set root.platform=linux/amd64 --set child.output=type=docker --set child.platform=linux/amd64" +
            Labels + " root child");
    }

    [Test]
    public void Local_reproducible_builds_oci_tarballs_with_rewritten_timestamps()
    {
        Render(Local(reproducible: true)).Command.Render().ShouldBe(
            Prefix + Common + " --provenance=false" + Allow +
            " --set root.output=type=oci,dest=/repo/artifacts/.work/oci/root.tar,name=127.0.0.1:5000/kiln/t:root-aaaaaaaaaaaa,rewrite-timestamp=true --set root.platform=linux/amd64" +
            " --set child.output=type=oci,dest=/repo/artifacts/.work/oci/child.tar,name=127.0.0.1:5000/kiln/t:child-bbbbbbbbbbbb,rewrite-timestamp=true --set child.platform=linux/amd64" +
            Labels + " root child");
    }

    [Test]
    public void Ci_mode_builds_oci_tarballs_and_the_export_targets_with_a_local_cache_folder()
    {
        var invocation = Render(Ci());

        invocation.Command.Render().ShouldBe(Prefix + Common + " --provenance=false" + Allow + Oci + Labels + " root child child-artifacts");
        invocation.Cache.ShouldBe("local");
        invocation.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ShouldBe(
        [
            "BUILDX_GIT_INFO=0",
            "BUILDX_NO_DEFAULT_ATTESTATIONS=1",
            "CACHE=local",
            "CACHE_DIR=/repo/.kiln/cache",
            "CACHE_EXPORT_DIR=/repo/artifacts/.work/cache",
            "CACHE_REF=",
            "DATE_TAG=20261121",
            "DIST_DIR=/repo/artifacts/dist",
            "HASH_CHILD=bbbbbbbbbbbb",
            "HASH_ROOT=aaaaaaaaaaaa",
            "REGISTRY=127.0.0.1:5000/kiln/t",
            "SOURCE_DATE_EPOCH=1795245857",
        ]);
    }

    [Test]
    public void Ci_mode_in_Actions_uses_the_gha_cache_and_a_cache_ref_a_registry_cache()
    {
        Render(Ci() with { ActionsCacheRuntime = true }).Environment["CACHE"].ShouldBe("gha");
        var registry = Render(Ci() with { CacheRef = "127.0.0.1:5000/kiln/cache" });
        registry.Environment["CACHE"].ShouldBe("registry");
        registry.Environment["CACHE_REF"].ShouldBe("127.0.0.1:5000/kiln/cache");
        Render(Local() with { Cache = "builder" }).Environment["CACHE"].ShouldBe(string.Empty);
    }

    [Test]
    public void A_named_builder_provenance_and_no_entitlements_change_exactly_their_arguments()
    {
        Render(Ci() with { Builder = "kiln-ci", Provenance = true, AllowFilesystem = false }).Command.Render().ShouldBe(
            Prefix + " --builder kiln-ci" + Common + " --provenance=mode=min" + Oci + Labels + " root child child-artifacts");
        var provenance = Render(Ci() with { Provenance = true });
        provenance.Environment["BUILDX_NO_DEFAULT_ATTESTATIONS"].ShouldBeNull();
        provenance.Environment["BUILDX_GIT_INFO"].ShouldBeNull();
    }

    [Test]
    public void A_parent_reused_from_the_registry_is_bound_by_digest_and_not_built()
    {
        Render(Ci(), rootExists: Existence.Present).Command.Render().ShouldBe(
            Prefix + Common + " --provenance=false" + Allow +
            " --set child.output=type=oci,dest=/repo/artifacts/.work/oci/child.tar,name=127.0.0.1:5000/kiln/t:child-bbbbbbbbbbbb,rewrite-timestamp=true" +
            " --set child.contexts.parent=docker-image://127.0.0.1:5000/kiln/t:root-aaaaaaaaaaaa@sha256:" + new string('f', 64) +
            " --set child-artifacts.contexts.parent=docker-image://127.0.0.1:5000/kiln/t:root-aaaaaaaaaaaa@sha256:" + new string('f', 64) +
            Labels + " child child-artifacts");
    }

    [Test]
    public void Force_builds_what_exists_and_without_git_no_labels_or_epoch_are_set()
    {
        var invocation = Render(Ci() with { Force = true, Git = null }, rootExists: Existence.Present);

        invocation.Command.Render().ShouldBe(Prefix + Common + " --provenance=false" + Allow + Oci + " root child child-artifacts");
        invocation.Environment.ContainsKey("SOURCE_DATE_EPOCH").ShouldBeFalse();
    }

    [Test]
    public void A_service_binds_its_family_context_to_the_reused_family_by_digest_and_gets_its_own_hash_variable()
    {
        var (catalog, hashes) = Tree(rootExists: Existence.Present);
        var service = new ImageHashEntry("api", "cccccccccccc", "root", Build.Fleet.ServiceImages.Group, "api", [], Build.Fleet.ServiceImages.Tags(Registry, "api", "cccccccccccc", "20261121"), Existence.Absent, null, null, Kind: ImageKind.Service);
        hashes = hashes with { Families = [.. hashes.Families.Where(f => f.Name == "root"), service] };
        var plan = BakePlanner.Plan(catalog, hashes, _ => null, force: false, BuildMode.Ci);
        plan.Select(p => (p.Name, p.Action, p.Kind)).ShouldBe([("root", ImageAction.Reuse, ImageKind.Family), ("api", ImageAction.Build, ImageKind.Service)]);

        var invocation = BakePlanner.Render(catalog, hashes, plan, Ci(), Registry);

        invocation.Command.Render().ShouldBe(
            Prefix + Common + " --provenance=false" + Allow +
            " --set api.output=type=oci,dest=/repo/artifacts/.work/oci/api.tar,name=127.0.0.1:5000/kiln/t-services:api-cccccccccccc,rewrite-timestamp=true" +
            " --set api.contexts.family=docker-image://127.0.0.1:5000/kiln/t:root-aaaaaaaaaaaa@sha256:" + new string('f', 64) +
            Labels + " api");
        invocation.Environment["SERVICE_HASH_API"].ShouldBe("cccccccccccc");
        invocation.Environment["HASH_ROOT"].ShouldBe("aaaaaaaaaaaa");
    }

    [Test]
    public void A_service_built_with_its_family_keeps_the_family_target_as_its_context()
    {
        var (catalog, hashes) = Tree();
        var service = new ImageHashEntry("api", "cccccccccccc", "root", Build.Fleet.ServiceImages.Group, "api", [], Build.Fleet.ServiceImages.Tags(Registry, "api", "cccccccccccc", "20261121"), Existence.Absent, null, null, Kind: ImageKind.Service);
        hashes = hashes with { Families = [.. hashes.Families.Where(f => f.Name == "root"), service] };
        var plan = BakePlanner.Plan(catalog, hashes, _ => null, force: false, BuildMode.Local);

        BakePlanner.Render(catalog, hashes, plan, Local(), Registry).Command.Render().ShouldBe(
            Prefix + Common + " --provenance=false" + Allow +
            " --set root.output=type=docker --set root.platform=linux/amd64 --set api.output=type=docker --set api.platform=linux/amd64" +
            Labels + " root api");
    }
}
