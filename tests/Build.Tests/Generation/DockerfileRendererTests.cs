using Build.Buildx;
using Build.Dockerfiles;
using Build.Tests.Catalog;

namespace Build.Tests.Generation;

[TestFixture]
[Category("Unit")]
public sealed class DockerfileRendererTests
{
    private const string D = CatalogRepo.Digest;

    private static (Build.Catalog.Catalog Catalog, CatalogRepo Repo) Load(string yaml)
    {
        var repo = new CatalogRepo();
        return (repo.Load(yaml).Catalog, repo);
    }

    [Test]
    public void Stages_come_in_order_base_builder_export_runtime_with_locked_cache_mounts_and_no_syntax_line()
    {
        var (c, repo) = Load($$"""
            families:
              root:
                base: "x:1@{{D}}"
                apt: [tini, curl, ca-certificates]
                builder: { run: ["echo hi > /kiln/export/out.txt"] }
                export: [out.txt]
                user: { name: app, uid: 10001 }
            """);
        using var _ = repo;

        var text = DockerfileRenderer.Render(c, c.Get("root"));

        text.ShouldNotContain("# syntax=");
        var stages = text.Split('\n').Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        stages.ShouldBe(["FROM parent AS base", "FROM base AS builder", "FROM scratch AS export", "FROM base AS runtime"]);
        text.ShouldContain("--mount=type=cache,id=kiln-apt-root,target=/var/cache/apt,sharing=locked");
        text.ShouldContain("apt-get install -y --no-install-recommends \\\n       ca-certificates curl tini\n");
        text.ShouldContain("COPY --from=builder /kiln/export/out.txt /out.txt");
        text.ShouldContain("USER 10001:10001\n");
        text.ShouldContain("ENTRYPOINT [\"/usr/bin/tini\", \"--\"]");
    }

    [Test]
    public void Metadata_comes_after_every_layer()
    {
        var (c, repo) = Load($$"""
            families:
              root:
                base: "x:1@{{D}}"
                copy: [{ src: files/motd, dest: /etc/motd }]
                run: ["mkdir -p /srv"]
                env: { B: "2", A: "1" }
                ports: [8080]
                healthcheck: { tcp: 8080 }
                cmd: [serve]
            """);
        using var _ = repo;

        var lines = DockerfileRenderer.Render(c, c.Get("root")).Split('\n');
        var lastLayer = Array.FindLastIndex(lines, l => l.StartsWith("RUN ", StringComparison.Ordinal) || l.StartsWith("COPY ", StringComparison.Ordinal));
        var firstMetadata = Array.FindIndex(lines, l => l.StartsWith("ENV ", StringComparison.Ordinal) || l.StartsWith("EXPOSE", StringComparison.Ordinal));

        firstMetadata.ShouldBeGreaterThan(lastLayer);
        string.Join('\n', lines).ShouldContain("ENV A=\"1\" \\\n    B=\"2\"");
        string.Join('\n', lines).ShouldContain("CMD [\"/usr/local/bin/kiln-healthcheck\", \"tcp:8080\"]");
    }

    [Test]
    public void A_child_starts_from_its_parent_as_root_and_ends_as_the_inherited_user_without_resetting_cmd()
    {
        var (c, repo) = Load($$"""
            defaults: { user: { name: app, uid: 10001 } }
            families:
              root:
                base: "x:1@{{D}}"
                cmd: [sh]
              child:
                parent: root
                apt: [curl]
            """);
        using var _ = repo;

        var text = DockerfileRenderer.Render(c, c.Get("child"));

        text.ShouldContain("FROM parent AS base\nUSER root\n");
        text.ShouldContain("USER 10001:10001\n");
        text.ShouldNotContain("ENTRYPOINT", customMessage: "same entrypoint as the parent: re-setting it would reset the inherited CMD");
        text.ShouldNotContain("CMD ");
        text.ShouldNotContain("/etc/passwd", customMessage: "the user is created once, in the root");
        BakeFileRenderer.ParentContextValue(c, c.Get("child")).ShouldBe("target:root");
    }

    [Test]
    public void A_gpu_family_gets_the_probe_as_entrypoint_and_healthcheck_and_keeps_the_cmd()
    {
        var (c, repo) = Load($$"""
            gpu_archs: { ada: { arch_list: ["8.9"] } }
            families:
              cuda:
                base: "x:1@{{D}}"
                cmd: [python3, -m, app]
              cuda-{gpu}:
                parent: cuda
                gpu: [ada]
            """);
        using var _ = repo;

        var text = DockerfileRenderer.Render(c, c.Get("cuda-ada"));

        text.ShouldContain("COPY --chmod=0755 <<'KILN_EOF' /usr/local/bin/kiln-gpu-probe\n#!/bin/sh\n");
        text.ShouldContain("ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"/usr/local/bin/kiln-gpu-probe\"]\nCMD [\"python3\", \"-m\", \"app\"]\n");
        text.ShouldContain("CMD [\"/usr/local/bin/kiln-healthcheck\", \"gpu\"]");
        text.ShouldContain("KILN_GPU_ARCH_LIST=\"8.9\"");
    }

    [Test]
    public void The_dockerignore_admits_only_what_the_family_copies()
    {
        var (c, repo) = Load($"families:\n  root:\n    base: x:1@{D}\n    copy: [{{ src: files/motd, dest: /etc/motd }}]\n");
        using var _ = repo;

        DockerfileRenderer.RenderDockerignore(c, c.Get("root")).ShouldEndWith("*\n!files/motd\n!files/motd/**\n");
    }

    [Test]
    public void The_bake_file_has_per_family_cache_scopes_tags_from_variables_and_artifact_targets()
    {
        var (c, repo) = Load($$"""
            registry: ghcr.io/o/ai-base
            families:
              root:
                base: "${BASE_IMG:-x:1@{{D}}}"
                builder: { run: ["true"] }
                export: [environment.tar.gz]
              child: { parent: root }
            """);
        using var _ = repo;

        var hcl = BakeFileRenderer.Render(c);

        hcl.ShouldContain("variable \"REGISTRY\" {\n  default = \"ghcr.io/o/ai-base\"\n}");
        hcl.ShouldContain($"variable \"BASE_IMG\" {{\n  default = \"x:1@{D}\"\n}}");
        hcl.ShouldContain("    parent = \"docker-image://${BASE_IMG}\"");
        hcl.ShouldContain("    parent = \"target:root\"");
        hcl.ShouldContain("  tags = tags(\"child\", HASH_CHILD)");
        hcl.ShouldContain("  cache-to = cache_to(\"child\")");
        hcl.ShouldContain("[\"type=gha,scope=${scope},mode=max\"]");
        hcl.ShouldContain("target \"root-artifacts\" {");
        hcl.ShouldContain("  output = [\"type=local,dest=${DIST_DIR}/root\"]");
        hcl.ShouldContain("group \"artifacts\" {\n  targets = [\"root-artifacts\"]\n}");
    }
}

[TestFixture]
[Category("Unit")]
public sealed class RequirementsLockTests
{
    [Test]
    public void A_hashed_requirements_lock_builds_wheels_in_the_builder_and_installs_them_with_require_hashes()
    {
        using var repo = new CatalogRepo();
        repo.Write("reqs/cpu.lock", "orjson==3.10.7 \\\n    --hash=sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        var c = repo.Load($"families:\n  root:\n    base: x:1@{CatalogRepo.Digest}\n    python: {{ requirements: reqs/cpu.lock }}\n").Catalog;

        var text = Build.Dockerfiles.DockerfileRenderer.Render(c, c.Get("root"));

        text.ShouldContain("--mount=type=cache,id=kiln-pip,target=/root/.cache/pip,sharing=locked");
        text.ShouldContain("python3 -m pip wheel --require-hashes --no-deps --wheel-dir /kiln/wheels -r /kiln/requirements.lock");
        text.ShouldContain("--mount=type=bind,from=builder,source=/kiln/wheels,target=/kiln/wheels");
        text.ShouldContain("pip install --no-index --no-deps --no-cache-dir --require-hashes --find-links /kiln/wheels");
        Build.Dockerfiles.DockerfileRenderer.ContextPaths(c, c.Get("root")).ShouldBe(["reqs/cpu.lock"]);
    }

    [Test]
    public void A_requirements_file_without_hashes_is_rejected()
    {
        using var repo = new CatalogRepo();
        repo.Write("reqs/cpu.lock", "orjson==3.10.7\n");

        var ex = Should.Throw<Build.Catalog.InputException>(() => repo.Load($"families:\n  root:\n    base: x:1@{CatalogRepo.Digest}\n    python: {{ requirements: reqs/cpu.lock }}\n"));

        ex.Errors.ShouldHaveSingleItem().Fix.ShouldContain("pip-compile --generate-hashes");
    }
}
