using Build.Catalog;
using Build.Dockerfiles;
using Build.Hashing;
using Build.Pixi;
using Build.Tests.Catalog;

namespace Build.Tests.Pixi;

[TestFixture]
[Category("Unit")]
public sealed class PixiTests
{
    private const string D = CatalogRepo.Digest;

    /// <summary>The real lock of the original devcontainer project (copied from shared/fixtures), never fabricated.</summary>
    private static string FixtureDir => Path.Combine(Infra.TestInfra.RepoRoot, "tests", "Build.Tests", "Fixtures", "pixi-devcontainer");

    private static PixiLock Fixture => PixiLock.Parse(File.ReadAllText(Path.Combine(FixtureDir, "pixi.lock")));

    [Test]
    public void The_real_lock_has_its_environments_with_their_package_counts()
    {
        var lockFile = Fixture;

        lockFile.Version.ShouldBe(6);
        lockFile.Environments.Keys.ShouldBe(["automation", "default", "dev-container", "stable"]);
        lockFile.Environments["automation"].Packages("linux-64").Count.ShouldBe(208);
        lockFile.Environments["stable"].Packages("linux-64").Count.ShouldBe(75);
        lockFile.Environments["dev-container"].Packages("linux-64").Count.ShouldBe(251);
        lockFile.Environments["default"].Packages("linux-64").Count.ShouldBe(39);
        lockFile.Environments["stable"].Platforms.Keys.ShouldBe(["linux-64", "osx-arm64"]);
        lockFile.Environments["stable"].Channels.ShouldBe(["https://conda.anaconda.org/conda-forge/"]);
    }

    [Test]
    public void Known_packages_have_names_versions_builds_and_hashes_from_entries_or_file_names()
    {
        var automation = Fixture.Environments["automation"].Packages("linux-64");
        var stable = Fixture.Environments["stable"].Packages("linux-64");

        var actionlint = automation.Single(p => p.Name == "actionlint");
        actionlint.ShouldBe(actionlint with { Kind = "conda", Version = "1.7.10", Build = "h965158b_0" });
        actionlint.Sha256.ShouldNotBeNull().Length.ShouldBe(64);
        stable.Single(p => p.Name == "python").Version.ShouldBe("3.12.12");
        stable.Single(p => p.Name == "clang-21").Build.ShouldBe("default_h99862b1_3");
        stable.Single(p => p.Name == "gcc_impl_linux-64").Version.ShouldBe("15.2.0");
        var astroid = automation.Single(p => p.Name == "astroid");
        astroid.Kind.ShouldBe("pypi");
        astroid.Version.ShouldBe("4.0.3");
        astroid.Sha256.ShouldBe("864a0a34af1bd70e1049ba1e61cee843a7252c826d97825fcee9b2fcbd9e1b14");
        automation.Count(p => p.Kind == "pypi").ShouldBeGreaterThan(0);
        stable.ShouldAllBe(p => p.Kind == "conda");
    }

    [TestCase("https://conda.anaconda.org/conda-forge/linux-64/_openmp_mutex-4.5-2_gnu.tar.bz2", "_openmp_mutex", "4.5", "2_gnu")]
    [TestCase("https://conda.anaconda.org/conda-forge/noarch/_python_abi3_support-1.0-hd8ed1ab_2.conda", "_python_abi3_support", "1.0", "hd8ed1ab_2")]
    [TestCase("https://conda.anaconda.org/conda-forge/linux-64/python-3.12.12-hd63d673_1_cpython.conda", "python", "3.12.12", "hd63d673_1_cpython")]
    public void Conda_file_names_split_from_the_right(string location, string name, string version, string build) =>
        PixiLock.FromCondaFileName(location).ShouldBe((name, version, build));

    [Test]
    public void Unsupported_lock_versions_are_refused_clearly() =>
        Should.Throw<FormatException>(() => PixiLock.Parse("version: 5\nenvironments: {}\npackages: []\n")).Message.ShouldContain("Kiln reads 6 and 7");

    private static CatalogRepo RepoWithFixtureLock()
    {
        var repo = new CatalogRepo();
        File.Copy(Path.Combine(FixtureDir, "pixi.toml"), Path.Combine(repo.Root, "pixi.toml"), overwrite: true);
        File.Copy(Path.Combine(FixtureDir, "pixi.lock"), Path.Combine(repo.Root, "pixi.lock"), overwrite: true);
        return repo;
    }

    private static readonly string TwoEnvironments = $$"""
        pixi: { tools_image: "p:1@{{D}}" }
        families:
          dev:
            base: "x:1@{{D}}"
            python: { pixi: stable }
          tools:
            base: "x:1@{{D}}"
            python: { pixi: automation }
        """;

    [Test]
    public void A_lock_change_in_one_environment_does_not_rebuild_families_of_another()
    {
        using var repo = RepoWithFixtureLock();
        Dictionary<string, string> Hash() => new FamilyHasher(repo.Root, PixiHashing.Inputs(repo.Root)).Compute(repo.Load(TwoEnvironments).Catalog).ToDictionary(h => h.Family, h => h.Hash);
        var before = Hash();

        // actionlint is only in the automation environment: change its locked hash.
        var lockPath = Path.Combine(repo.Root, "pixi.lock");
        var text = File.ReadAllText(lockPath);
        var entry = text.IndexOf("- conda: https://conda.anaconda.org/conda-forge/linux-64/actionlint-1.7.10-h965158b_0.conda\n  sha256: ", StringComparison.Ordinal);
        entry.ShouldBeGreaterThan(0);
        var shaAt = text.IndexOf("sha256: ", entry, StringComparison.Ordinal) + "sha256: ".Length;
        File.WriteAllText(lockPath, text[..shaAt] + new string('0', 64) + text[(shaAt + 64)..]);
        var after = Hash();

        after["dev"].ShouldBe(before["dev"]);
        after["tools"].ShouldNotBe(before["tools"]);
    }

    [Test]
    public void The_hash_input_is_the_selected_environment_not_the_lock_file()
    {
        using var repo = RepoWithFixtureLock();
        var hash = new FamilyHasher(repo.Root, PixiHashing.Inputs(repo.Root)).Compute(repo.Load(TwoEnvironments).Catalog).Single(h => h.Family == "dev");

        hash.Inputs.Select(i => i.Name).ShouldContain("pixi-env:stable@linux-64");
        hash.Inputs.Select(i => i.Name).ShouldNotContain("file:pixi.lock");
    }

    [Test]
    public void A_family_naming_an_environment_the_lock_does_not_have_is_a_clear_error()
    {
        using var repo = RepoWithFixtureLock();
        File.AppendAllText(Path.Combine(repo.Root, "pixi.toml"), "\n[environments.extra]\nfeatures = [\"dev\"]\n");

        var ex = Should.Throw<InputException>(() => repo.Load($"pixi: {{ tools_image: \"p:1@{D}\" }}\nfamilies:\n  a:\n    base: x:1@{D}\n    python: {{ pixi: extra }}\n"));

        var e = ex.Errors.ShouldHaveSingleItem();
        e.Where!.Line.ShouldBe(5);
        e.Message.ShouldBe("pixi environment 'extra' has no packages for linux-64 in pixi.lock (it locks: automation, default, dev-container, stable).");
        e.Fix.ShouldBe("The lock is stale: run `pixi lock` and commit pixi.lock.");
    }

    [Test]
    public void A_missing_lock_is_an_error_in_ci_mode_and_a_warning_locally()
    {
        using var repo = new CatalogRepo();
        var yaml = $"pixi: {{ tools_image: \"p:1@{D}\" }}\nfamilies:\n  a:\n    base: x:1@{D}\n    python: {{ pixi: web }}\n";

        repo.Load(yaml).Warnings.ShouldHaveSingleItem().Fix.ShouldBe("Run `pixi lock` where conda-forge is reachable and commit pixi.lock.");
        Should.Throw<InputException>(() => repo.Load(yaml, strict: true)).Errors.ShouldHaveSingleItem().Message.ShouldContain("pixi.lock is missing");
    }

    [Test]
    public void The_pixi_builder_installs_frozen_packs_and_exports_and_the_runtime_gets_the_env_without_pixi()
    {
        using var repo = RepoWithFixtureLock();
        var catalog = repo.Load(TwoEnvironments).Catalog;

        var text = DockerfileRenderer.Render(catalog, catalog.Get("dev"));

        // Golden lines: the builder, the export and the runtime of a pixi family.
        text.ShouldContain("""
            FROM base AS builder
            RUN mkdir -p /kiln/export
            COPY --from=pixi-tools /usr/local/bin/pixi /usr/local/bin/pixi
            WORKDIR /kiln/pixi
            RUN --mount=type=cache,id=kiln-rattler,target=/root/.cache/rattler,sharing=locked \
                --mount=type=bind,source=pixi.toml,target=/kiln/pixi/pixi.toml \
                --mount=type=bind,source=pixi.lock,target=/kiln/pixi/pixi.lock \
                PIXI_FROZEN=true pixi install --frozen --environment stable \
                && pixi exec --spec pixi-pack pixi-pack --environment stable --platform linux-64 \
                     --use-cache /root/.cache/rattler/pixi-pack --ignore-pypi-non-wheel --output-file /kiln/export/environment.tar /kiln/pixi/pixi.toml \
                && pixi exec --spec pixi-pack pixi-unpack --output-directory /opt --env-name env /kiln/export/environment.tar \
                && gzip -n /kiln/export/environment.tar

            FROM scratch AS export
            COPY --from=builder /kiln/export/environment.tar.gz /environment.tar.gz

            FROM base AS runtime
            """.ReplaceLineEndings("\n"));
        text.ShouldContain("COPY --link --from=builder /opt/env /opt/env\n");
        text.ShouldContain("ENV PATH=/opt/env/bin:$PATH CONDA_PREFIX=/opt/env\n");
        text.Split("FROM base AS runtime")[1].ShouldNotContain("pixi ", customMessage: "no pixi in the runtime image");
        catalog.Get("dev").Export.ShouldBe(["environment.tar.gz"]);
        Build.Buildx.BakeFileRenderer.Render(catalog).ShouldContain($"    pixi-tools = \"docker-image://p:1@{D}\"");
    }

    [Test]
    public void Pixi_metadata_lists_each_familys_environment_with_versions_and_hashes()
    {
        using var repo = RepoWithFixtureLock();
        var catalog = repo.Load(TwoEnvironments).Catalog;

        var metadata = PixiMetadata.Build(catalog, Fixture, ["dev", "tools"]);

        metadata.Families.Select(f => (f.Family, f.Environment, f.Count)).ShouldBe([("dev", "stable", 75), ("tools", "automation", 208)]);
        metadata.Families[0].Packages.Single(p => p.Name == "python").Sha256!.Length.ShouldBe(64);
        metadata.Markdown().ShouldContain("| dev | stable | linux-64 | 75 | 75 | 0 |");
    }
}
