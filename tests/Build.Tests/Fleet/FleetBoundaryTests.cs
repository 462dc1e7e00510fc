using Build.Catalog;
using Build.Fleet;
using Build.Generation;
using Build.Tests.Infra;

namespace Build.Tests.Fleet;

/// <summary>
/// The repository is the boundary: with symbolic links followed, deploy_dir, the wheelhouse, source_root, relative
/// host volumes and service locks stay inside it, and Generate never writes through a link out of it. Each rule both
/// ways: a link out is refused with its position and fix; a link that stays inside is accepted.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetBoundaryTests
{
    private const string Service = "services:\n  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";

    private static string Manifest(string top = "", string volumes = "") =>
        "version: 1\n" + top + "machines:\n  mainpc: { port_offset: 0 }\n" + Service + volumes;

    private static IReadOnlyList<InputError> Load(TempDir repo, string yaml)
    {
        repo.Write("docker/fleet.yaml", yaml);
        try
        {
            FleetLoader.Load("docker/fleet.yaml", repo.Path);
            return [];
        }
        catch (InputException ex)
        {
            return ex.Errors;
        }
    }

    private static string Link(TempDir repo, string relative, string target)
    {
        var full = Path.Combine(repo.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Directory.CreateSymbolicLink(full, target);
        return full;
    }

    [Test]
    public void A_deploy_dir_that_is_a_link_out_of_the_repository_is_refused()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "out", outside.Path);

        var e = Load(repo, Manifest("deploy_dir: out\n")).ShouldHaveSingleItem();

        e.ToString().ShouldBe($"docker/fleet.yaml:2:13: Machine 'mainpc': its Compose file out/mainpc/compose.yaml (deploy_dir 'out') leads outside the repository: 'out' is a symbolic link to {outside.Path}. Make it a real folder inside the repository (remove the link): Generate writes each machine's Compose file there, and never outside the repository.");
    }

    [Test]
    public void A_machine_folder_under_deploy_dir_that_links_out_is_refused()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "deploy/mainpc", outside.Path);

        var e = Load(repo, Manifest()).ShouldHaveSingleItem();

        e.Where!.ToString().ShouldBe("docker/fleet.yaml:1:1", "deploy_dir is the default: the manifest's first line");
        e.Message.ShouldBe($"Machine 'mainpc': its Compose file deploy/mainpc/compose.yaml (deploy_dir 'deploy') leads outside the repository: 'deploy/mainpc' is a symbolic link to {outside.Path}.");
    }

    [Test]
    public void A_compose_file_that_is_a_dangling_link_is_refused()
    {
        using var repo = new TempDir("kiln-boundary-");
        Directory.CreateDirectory(Path.Combine(repo.Path, "deploy", "mainpc"));
        File.CreateSymbolicLink(Path.Combine(repo.Path, "deploy", "mainpc", "compose.yaml"), "/nonexistent/kiln/compose.yaml");

        Load(repo, Manifest()).ShouldHaveSingleItem().Message.ShouldEndWith("'deploy/mainpc/compose.yaml' is a symbolic link that cannot be followed.");
    }

    [Test]
    public void A_deploy_dir_linked_inside_the_repository_is_accepted()
    {
        using var repo = new TempDir("kiln-boundary-");
        Directory.CreateDirectory(Path.Combine(repo.Path, "real-deploy"));
        Link(repo, "deploy", "real-deploy");

        Load(repo, Manifest()).ShouldBeEmpty();
    }

    [Test]
    public void A_wheelhouse_linked_out_of_the_repository_is_refused_and_one_inside_accepted()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "apps/_wheels", outside.Path);

        var e = Load(repo, Manifest("source_root: apps\nwheelhouse: _wheels\n")).ShouldHaveSingleItem();
        e.ToString().ShouldBe($"docker/fleet.yaml:3:13: The wheelhouse '_wheels' (under source_root 'apps') leads outside the repository: 'apps/_wheels' is a symbolic link to {outside.Path}. Make it a real folder inside the repository (remove the link, or copy what it points at into the repository): Kiln reads and writes nothing outside it.");

        Directory.Delete(Path.Combine(repo.Path, "apps/_wheels"));
        Directory.CreateDirectory(Path.Combine(repo.Path, "wheels"));
        Link(repo, "apps/_wheels", "../wheels");
        Load(repo, Manifest("source_root: apps\nwheelhouse: _wheels\n")).ShouldBeEmpty();
        Load(repo, Manifest("wheelhouse: /opt/wheels\n")).ShouldBeEmpty("a path inside the family image is not a host path");
    }

    [Test]
    public void A_source_root_linked_out_of_the_repository_is_refused()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "code", outside.Path);

        Load(repo, Manifest("source_root: code\n")).ShouldHaveSingleItem().ToString().ShouldStartWith(
            $"docker/fleet.yaml:2:14: source_root 'code' leads outside the repository: 'code' is a symbolic link to {outside.Path}.");
    }

    [Test]
    public void A_relative_volume_that_links_out_of_the_repository_is_refused_at_its_entry()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "deploy/mainpc/data", outside.Path);

        var e = Load(repo, Manifest().Replace("    health:", "    volumes: [cache2:/c, \"./data:/data\"]\n    health:", StringComparison.Ordinal)).ShouldHaveSingleItem();

        e.ToString().ShouldBe($"docker/fleet.yaml:9:26: service 'A': On machine 'mainpc', volume './data:/data' (deploy/mainpc/data in the repository) leads outside the repository: 'deploy/mainpc/data' is a symbolic link to {outside.Path}. Bind a real folder inside the repository, or give an absolute folder that machine 'mainpc' lists in 'host_paths:'.");
    }

    [Test]
    public void A_relative_volume_through_a_link_inside_the_repository_is_accepted()
    {
        using var repo = new TempDir("kiln-boundary-");
        Directory.CreateDirectory(Path.Combine(repo.Path, "data"));
        Link(repo, "deploy/mainpc/data", "../../data");

        Load(repo, Manifest().Replace("    health:", "    volumes: [\"./data:/data\", \"../../missing:/m\"]\n    health:", StringComparison.Ordinal)).ShouldBeEmpty("a folder that does not exist yet leads nowhere");
    }

    [Test]
    public void Escape_names_the_first_link_out_and_ignores_what_does_not_exist()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "a/b", outside.Path);
        Directory.CreateDirectory(Path.Combine(repo.Path, "c"));
        Link(repo, "in", "c");

        RepoPaths.Escape(repo.Path, "a/b/c/d.txt").ShouldBe(("a/b", (string?)outside.Path));
        RepoPaths.Escape(repo.Path, "in/x/y").ShouldBeNull();
        RepoPaths.Escape(repo.Path, "nothing/here").ShouldBeNull();
    }

    [Test]
    public void Generate_never_writes_through_a_link_out_of_the_repository()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        Link(repo, "deploy/mainpc", outside.Path);
        var catalog = FleetFixture.SmallCatalog();
        GeneratedFile[] plan = [new("deploy/mainpc/compose.yaml", "services: {}\n")];

        var ex = Should.Throw<GenerationException>(() => Generator.Compare(repo.Path, catalog, plan));

        ex.Message.ShouldBe($"'deploy/mainpc' is a symbolic link that leads outside the repository (to {outside.Path}), and Generate writes deploy/mainpc/compose.yaml through it; Generate never writes outside the repository. Replace the link with a real folder, then run Generate again.");
        Directory.EnumerateFileSystemEntries(outside.Path).ShouldBeEmpty();
    }

    [Test]
    public void Generate_writes_through_a_link_that_stays_inside()
    {
        using var repo = new TempDir("kiln-boundary-");
        Directory.CreateDirectory(Path.Combine(repo.Path, "real"));
        Link(repo, "deploy", "real");
        var catalog = FleetFixture.SmallCatalog();
        GeneratedFile[] plan = [new("deploy/mainpc/compose.yaml", "services: {}\n")];

        Generator.Apply(repo.Path, plan, Generator.Compare(repo.Path, catalog, plan));

        File.ReadAllText(Path.Combine(repo.Path, "real", "mainpc", "compose.yaml")).ShouldBe("services: {}\n");
    }

    [Test]
    public void A_service_lock_linked_out_of_source_root_is_refused()
    {
        using var repo = new TempDir("kiln-boundary-");
        using var outside = new TempDir("kiln-outside-");
        var target = Path.Combine(outside.Path, "A.lock");
        File.WriteAllText(target, "x==1 --hash=sha256:" + new string('a', 64) + "\n");
        Directory.CreateDirectory(Path.Combine(repo.Path, "requirements"));
        File.CreateSymbolicLink(Path.Combine(repo.Path, "requirements", "A.lock"), target);
        repo.Write("docker/fleet.yaml", Manifest());
        var resolved = FleetValidator.Resolve(FleetLoader.Load("docker/fleet.yaml", repo.Path), FleetFixture.SmallCatalog());

        var e = FleetValidator.RequireSources(resolved, repo.Path, _ => new HashSet<string>()).ShouldHaveSingleItem();

        e.ToString().ShouldBe($"docker/fleet.yaml:5:3: service 'A': The requirements lock 'requirements/A.lock' is a symbolic link that leads outside source_root '.' (to {target}). Keep the lock inside source_root as a real file: it is hashed and installed from there.");
    }
}
