using Build.Catalog;

namespace Build.Tests.Catalog;

[TestFixture]
[Category("Unit")]
public sealed class CatalogExpansionTests
{
    private const string D = CatalogRepo.Digest;

    [Test]
    public void Gpu_variants_expand_into_siblings_with_arch_list_machine_defaults_and_probe_env()
    {
        using var repo = new CatalogRepo();
        var c = repo.Load($$"""
            machines:
              mainpc: { env: { OMP_NUM_THREADS: "8", UVICORN_WORKERS: "4" } }
              pc2: { env: { OMP_NUM_THREADS: "2", UVICORN_WORKERS: "1" } }
            gpu_archs:
              ada: { arch_list: ["8.9"], machine: mainpc }
              ampere: { arch_list: ["8.6"], machine: pc2 }
            families:
              cuda:
                base: x:1@{{D}}
              cuda-{gpu}:
                parent: cuda
                gpu: [ada, ampere]
                env: { UVICORN_WORKERS: "2" }
              cuda-{gpu}-vision:
                parent: cuda-{gpu}
                gpu: [ada, ampere]
            """).Catalog;

        c.Families.Select(f => f.Name).ShouldBe(["cuda", "cuda-ada", "cuda-ada-vision", "cuda-ampere", "cuda-ampere-vision"]);
        var ada = c.Get("cuda-ada");
        ada.Gpu.ShouldBe(new GpuVariant("ada", ["8.9"]), new GpuComparer());
        ada.Env.ShouldContain(new EnvVar("TORCH_CUDA_ARCH_LIST", "8.9"));
        ada.Env.ShouldContain(new EnvVar("OMP_NUM_THREADS", "8"));
        ada.Env.ShouldContain(new EnvVar("UVICORN_WORKERS", "2"), "the family's own env wins over machine defaults");
        c.Get("cuda-ampere").Env.ShouldContain(new EnvVar("OMP_NUM_THREADS", "2"));
        c.Get("cuda-ampere-vision").Parent.ShouldBe("cuda-ampere");
    }

    [Test]
    public void A_matrix_expands_names_and_values_and_applies_per_value_overrides()
    {
        using var repo = new CatalogRepo();
        var c = repo.Load($$"""
            pixi: { tools_image: "p:1@{{D}}" }
            families:
              devcontainer-{os}-{env}:
                matrix:
                  os:
                    focal: { base: "ubuntu:20.04@{{D}}" }
                    noble: { base: "ubuntu:24.04@{{D}}" }
                  env: [stable]
                python: { pixi: "{env}" }
                description: on {os}
            """).Catalog;

        c.Families.Select(f => f.Name).ShouldBe(["devcontainer-focal-stable", "devcontainer-noble-stable"]);
        var focal = c.Get("devcontainer-focal-stable");
        focal.Base.ShouldBe($"ubuntu:20.04@{D}");
        focal.Description.ShouldBe("on focal");
        focal.Python!.PixiEnvironment.ShouldBe("stable");
        focal.Axes.ShouldBe(new Dictionary<string, string> { ["env"] = "stable", ["os"] = "focal" });
        c.Get("devcontainer-noble-stable").Base.ShouldBe($"ubuntu:24.04@{D}");
    }

    [Test]
    public void Shell_variables_in_commands_are_not_taken_for_axis_placeholders()
    {
        using var repo = new CatalogRepo();
        var c = repo.Load($$"""
            families:
              f-{os}:
                base: x:1@{{D}}
                matrix: { os: [a] }
                run: ['echo ${os} {os}']
            """).Catalog;

        c.Get("f-a").Run.ShouldBe(["echo ${os} a"]);
    }

    [Test]
    public void Image_references_take_defaults_from_the_environment()
    {
        using var repo = new CatalogRepo();
        const string yaml = "families:\n  a:\n    base: ${KILN_X:-busybox:1.36@" + D + "}\n";

        repo.Load(yaml).Catalog.Get("a").Base.ShouldBe($"busybox:1.36@{D}");
        repo.Load(yaml, env: new Dictionary<string, string> { ["KILN_X"] = $"127.0.0.1:5000/b:1@{D}" }).Catalog.Get("a").Base.ShouldBe($"127.0.0.1:5000/b:1@{D}");
    }

    [Test]
    public void Families_come_out_parents_first_with_groups_inherited()
    {
        using var repo = new CatalogRepo();
        var c = repo.Load($"families:\n  z-child:\n    parent: a-root\n  a-root:\n    group: cpu\n    base: x:1@{D}\n  m-grandchild:\n    parent: z-child\n").Catalog;

        c.Families.Select(f => f.Name).ShouldBe(["a-root", "z-child", "m-grandchild"]);
        c.Families.ShouldAllBe(f => f.Group == "cpu");
    }

    private sealed class GpuComparer : IEqualityComparer<GpuVariant>
    {
        public bool Equals(GpuVariant? x, GpuVariant? y) => x is not null && y is not null && x.Name == y.Name && x.ArchList.SequenceEqual(y.ArchList);

        public int GetHashCode(GpuVariant obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }
}
