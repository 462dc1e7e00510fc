using Build.Catalog;
using Build.Dockerfiles;
using Build.Tests.Catalog;

namespace Build.Tests.Generation;

/// <summary>python.sources (local packages built into wheels in the builder), provides and aliases, as the loader and renderer see them.</summary>
[TestFixture]
[Category("Unit")]
public sealed class PythonSourcesTests
{
    private const string D = CatalogRepo.Digest;
    private const string Lock = "kiln-demo-greeting==1.0.0 \\\n    --hash=sha256:4d7c740ecc7ae01083f46ea8107cd9c274b37b1dd39e5321e406c39d6c0d310e\n";

    private static CatalogRepo Repo()
    {
        var repo = new CatalogRepo();
        repo.Write("py/reqs.lock", Lock);
        repo.Write("py/greeting/pyproject.toml", "[project]\nname = \"kiln-demo-greeting\"\nversion = \"1.0.0\"\n");
        repo.Write("py/greeting/src/kiln_demo_greeting/__init__.py", "X = 1\n");
        return repo;
    }

    private static string Tree(string sources = "[py/greeting]") =>
        $"families:\n  root:\n    base: x:1@{D}\n    apt: [python3]\n    python: {{ requirements: py/reqs.lock, sources: {sources} }}\n" +
        "  child:\n    parent: root\n    provides: [web]\n";

    [Test]
    public void The_builder_builds_each_source_into_a_reproducible_wheel_checks_the_lock_and_packs_the_venv()
    {
        using var repo = Repo();
        var c = repo.Load(Tree()).Catalog;
        var root = c.Get("root");

        root.Python!.Sources.ShouldBe(["py/greeting"]);
        root.Export.ShouldBe(["environment.tar.gz"], "the packed environment is what the export stage ships");
        var text = DockerfileRenderer.Render(c, root);
        var builder = text[text.IndexOf("FROM base AS builder", StringComparison.Ordinal)..text.IndexOf("FROM scratch AS export", StringComparison.Ordinal)];
        builder.ShouldContain("python3 -c 'import pip, setuptools, wheel' 2>/dev/null || { rm -f /etc/apt/apt.conf.d/docker-clean");
        builder.ShouldContain("apt-get install -y --no-install-recommends python3-pip python3-setuptools python3-wheel; }");
        builder.ShouldContain("--mount=type=bind,source=py/greeting,target=/kiln/src/greeting");
        builder.ShouldContain("chmod -R u=rwX,go=rX /tmp/kiln-src");
        builder.ShouldContain("SOURCE_DATE_EPOCH=315532800 python3 -m pip wheel --no-deps --no-build-isolation --no-index --no-cache-dir --wheel-dir /kiln/wheels /tmp/kiln-src");
        builder.ShouldContain("--mount=type=bind,source=py/reqs.lock,target=/kiln/requirements.lock");
        builder.ShouldContain("python3 -m pip --python /opt/venv/bin/python install --no-index --no-deps --no-compile --no-cache-dir --require-hashes");
        builder.ShouldContain("--find-links /kiln/wheels -r /kiln/requirements.lock");
        builder.ShouldContain("tar --sort=name --mtime=@315532800 --owner=0 --group=0 --numeric-owner -C / -cf - opt/venv");
        builder.ShouldContain("| gzip -n > /kiln/export/environment.tar.gz");
        builder.ShouldNotContain("kiln-pip", Case.Sensitive, "no pip cache: nothing is downloaded");
        text.ShouldContain("COPY --from=builder /kiln/export/environment.tar.gz /environment.tar.gz");

        var runtime = text[text.IndexOf("FROM base AS runtime", StringComparison.Ordinal)..];
        runtime.ShouldContain("COPY --link --from=builder /opt/venv /opt/venv");
        runtime.ShouldContain("ENV PATH=/opt/venv/bin:$PATH VIRTUAL_ENV=/opt/venv");
        runtime.ShouldNotContain("pip install", Case.Sensitive, "the runtime runs the environment the builder checked and exported");
    }

    [Test]
    public void Sources_are_build_context_paths_so_they_are_hashed_and_admitted()
    {
        using var repo = Repo();
        var c = repo.Load(Tree()).Catalog;

        DockerfileRenderer.ContextPaths(c, c.Get("root")).ShouldBe(["py/greeting", "py/reqs.lock"]);
        DockerfileRenderer.RenderDockerignore(c, c.Get("root")).ShouldContain("!py/greeting\n!py/greeting/**\n");
        var child = DockerfileRenderer.Render(c, c.Get("child"));
        child.ShouldNotContain("/opt/venv", Case.Sensitive, "a child inherits the environment and its PATH");
    }

    [Test]
    public void Provides_come_down_the_lineage_with_cpu_always_and_gpu_for_gpu_variants()
    {
        using var repo = Repo();
        var c = repo.Load(Tree() +
            "  leaf:\n    parent: child\n    provides: [audio]\n" +
            "  g-{gpu}:\n    parent: root\n    gpu: [ada]\n    provides: [vision]\n" +
            "gpu_archs:\n  ada: { arch_list: [\"8.9\"] }\n").Catalog;

        c.Get("root").Provides.ShouldBe(["cpu"]);
        c.Get("child").Provides.ShouldBe(["cpu", "web"]);
        c.Get("leaf").Provides.ShouldBe(["cpu", "web", "audio"]);
        c.Get("g-ada").Provides.ShouldBe(["cpu", "gpu", "vision"]);
    }

    [Test]
    public void The_debian_demo_catalog_mirrors_the_real_family_kinds()
    {
        var c = CatalogLoader.Load("examples/demo/families.yaml", new CatalogLoadOptions(Infra.TestInfra.RepoRoot, _ => null, false)).Catalog;

        c.Families.Select(f => f.Name).Order(StringComparer.Ordinal).ShouldBe(
        [
            "demo-audio-py311", "demo-devcontainer-slim", "demo-devcontainer-tools", "demo-gpu-ada-py311", "demo-gpu-ada-vision-py311",
            "demo-gpu-ampere-py311", "demo-gpu-ampere-vision-py311", "demo-py311", "demo-web-py311",
        ]);
        c.Aliases.Keys.Order(StringComparer.Ordinal).ShouldBe(["cpu", "cpu-audio", "cpu-web", "gpu-ada", "gpu-ada-vision", "gpu-ampere", "gpu-ampere-vision"]);
        c.Get("demo-py311").Group.ShouldBe("cpu");
        c.Get("demo-gpu-ada-py311").Group.ShouldBe("gpu");
        c.Get("demo-gpu-ampere-vision-py311").Provides.ShouldBe(["cpu", "gpu", "vision"]);
        c.Get("demo-gpu-ada-py311").Gpu!.ArchList.ShouldBe(["8.9"]);
        c.Get("demo-gpu-ampere-py311").Machine.ShouldBe("pc2");
        c.Get("demo-devcontainer-tools").Apt.ShouldContain("git");
        c.Get("demo-devcontainer-slim").Apt.ShouldNotContain("git");
        c.Get("demo-py311").Python!.Sources.ShouldBe(["examples/demo/python/kiln-demo-greeting"]);
    }
}
