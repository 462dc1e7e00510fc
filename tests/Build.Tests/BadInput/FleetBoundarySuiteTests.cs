using System.Security.Cryptography;
using Build.Tests.Infra;
using static Build.Tests.BadInput.BadInputFleet;

namespace Build.Tests.BadInput;

/// <summary>
/// The repository as the boundary and host access only when declared, through the real app: a fleet whose paths
/// lead out of the repository (links, '..') or whose volumes reach the host where no machine allows it. Each run
/// exits 1 with the exact positioned message, prints no stack trace, changes nothing in the repository and nothing
/// in the folder outside it that the links point at.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class FleetBoundarySuiteTests
{
    /// <summary>Stands for the outside folder's full path in an expected message (it differs per run).</summary>
    private const string OutsideMark = "{outside}";

    [TestCaseSource(nameof(Cases))]
    public void A_path_out_of_the_repository_or_undeclared_host_access_is_refused_and_nothing_is_written(BadCase c)
    {
        using var repo = new BadInputRepo();
        try
        {
            var outside = repo.MakeOutside();
            c.Setup(repo);
            repo.Commit();
            var outsideBefore = Snapshot(outside);
            var args = c.Args.ToList();
            if (!args.Any(a => a.StartsWith("--target=", StringComparison.Ordinal)))
            {
                args.Add("--target=Generate");
            }

            c.Check(repo, [.. args, $"--catalog={BadInputRepo.Catalog}", "--mode=local"], e => e.Replace(OutsideMark, outside, StringComparison.Ordinal));
            Snapshot(outside).ShouldBe(outsideBefore, "nothing is written outside the repository");
        }
        finally
        {
            Directory.Delete(repo.Outside(), recursive: true);
        }
    }

    [Test]
    public void A_declared_host_folder_and_a_folder_inside_the_repository_generate_the_compose_file()
    {
        using var repo = new BadInputRepo();
        repo.WriteFleet(Manifest(Service(on: "[mainpc, pc2]", extra: "    volumes: [\"../../../../data:/shared:ro\", data:/data]\n") +
            Service("B", extra: "    volumes: [\"/srv/data/in:/in:ro\"]\n", port: 8001)));
        Directory.CreateDirectory(repo.Full("data"));
        repo.Commit();

        var (code, output) = KilnApp.Run(repo.Root, ["--target=Generate", $"--catalog={BadInputRepo.Catalog}", "--mode=local"]);

        code.ShouldBe(0, output);
        var mainpc = File.ReadAllText(repo.Full($"{DeployDir}/mainpc/compose.yaml"));
        mainpc.ShouldContain("      - \"/srv/data/in:/in:ro\"\n");
        mainpc.ShouldContain("      - \"../../../../data:/shared:ro\"\n");
        File.ReadAllText(repo.Full($"{DeployDir}/pc2/compose.yaml")).ShouldContain("      - \"../../../../data:/shared:ro\"\n");
    }

    [Test]
    public void The_suite_covers_every_boundary_and_host_access_rule()
    {
        var cases = Cases().ToList();
        cases.Select(c => c.Name).ShouldBeUnique();
        cases.Count.ShouldBeGreaterThanOrEqualTo(12);
    }

    private static BadCase Fleet(string name, string manifest, string expected, Action<BadInputRepo>? also = null, string[]? args = null, string[]? absent = null) =>
        new("fleet: " + name, r =>
        {
            r.WriteFleet(manifest);
            also?.Invoke(r);
        }, args ?? [], 1, [expected], absent);

    private static BadCase Volume(string name, string volume, string expected, string on = "[mainpc]", Action<BadInputRepo>? also = null, string[]? absent = null)
    {
        var manifest = Manifest(Service(on: on, extra: $"    volumes: [\"{volume}\"]\n"));
        return Fleet(name, manifest, $"{At(manifest, "\"" + volume)}: service 'A': {expected}", also, absent: absent);
    }

    public static IEnumerable<BadCase> Cases()
    {
        const string DataFix = "Mount a folder of data instead (e.g. '/srv/data:/data:ro'), listed in its machine's 'host_paths:', or a named volume ('data:/data').";

        // ---- the repository is the boundary: links are followed, and none may lead out ----
        var plain = Manifest(Service());
        yield return Fleet("a deploy_dir that is a link out of the repository", plain,
            $"{At(plain, DeployDir)}: Machine 'mainpc': its Compose file {DeployDir}/mainpc/compose.yaml (deploy_dir '{DeployDir}') leads outside the repository: '{DeployDir}' is a symbolic link to {OutsideMark}. Make it a real folder inside the repository (remove the link): Generate writes each machine's Compose file there, and never outside the repository.",
            r => r.LinkFolder(DeployDir, r.Outside()));
        yield return Fleet("a deploy_dir that is a link out of the repository, through the Fleet target", plain,
            $"{At(plain, DeployDir)}: Machine 'pc2': its Compose file {DeployDir}/pc2/compose.yaml (deploy_dir '{DeployDir}') leads outside the repository: '{DeployDir}' is a symbolic link to {OutsideMark}.",
            r => r.LinkFolder(DeployDir, r.Outside()), ["--target=Fleet"]);
        yield return Fleet("a machine's Compose folder that is a link out of the repository", plain,
            $"{At(plain, DeployDir)}: Machine 'pc2': its Compose file {DeployDir}/pc2/compose.yaml (deploy_dir '{DeployDir}') leads outside the repository: '{DeployDir}/pc2' is a symbolic link to {OutsideMark}.",
            r => r.LinkFolder($"{DeployDir}/pc2", r.Outside()), absent: ["Machine 'mainpc'"]);
        var wheels = Manifest(Service(), top: "wheelhouse: wheels\n");
        yield return Fleet("a wheelhouse that is a link out of the repository", wheels,
            $"{At(wheels, "wheels")}: The wheelhouse 'wheels' (under source_root '.') leads outside the repository: 'wheels' is a symbolic link to {OutsideMark}. Make it a real folder inside the repository (remove the link, or copy what it points at into the repository): Kiln reads and writes nothing outside it.",
            r => r.LinkFolder("wheels", r.Outside()));
        var machine = Manifest(Service(), machines: Machines + "  \"../x\": { port_offset: 200 }\n");
        yield return Fleet("a machine named '../x'", machine,
            $"{At(machine, "\"../x\"")}: '../x' is not a valid machine name. Use lowercase letters, digits, '_' or '-', starting with a letter or digit (it names deploy/<machine>/ and the Compose project kiln-<machine>).");
        yield return Volume("a relative volume that climbs out of the repository ('../')", "../../../../../outside:/data",
            $"On machine 'mainpc', volume '../../../../../outside:/data' climbs out of the repository: a relative host path starts at the Compose file's folder, {DeployDir}/mainpc. Keep it inside the repository (e.g. './data' is {DeployDir}/mainpc/data), or give an absolute folder that machine 'mainpc' lists in 'host_paths:'.");
        yield return Volume("a relative volume that is a link out of the repository", "./data:/data",
            $"On machine 'mainpc', volume './data:/data' ({DeployDir}/mainpc/data in the repository) leads outside the repository: '{DeployDir}/mainpc/data' is a symbolic link to {OutsideMark}. Bind a real folder inside the repository, or give an absolute folder that machine 'mainpc' lists in 'host_paths:'.",
            also: r => r.LinkFolder($"{DeployDir}/mainpc/data", r.Outside()));
        yield return new BadCase("tree: the generated families folder is a link out of the repository", r =>
        {
            Build.Generation.Generator.CopyTree(r.Full("examples/mini/families"), Path.Combine(r.Outside(), "families"));
            Directory.Delete(r.Full("examples/mini/families"), recursive: true);
            r.LinkFolder("examples/mini/families", Path.Combine(r.Outside(), "families"));
        }, [], 1, [$"'examples/mini/families' is a symbolic link that leads outside the repository (to {OutsideMark}/families), and Generate writes examples/mini/families/demo-root/Dockerfile through it; Generate never writes outside the repository. Replace the link with a real folder, then run Generate again."]);

        // ---- host access only when declared ----
        yield return Volume("a volume of the whole filesystem", "/:/host", $"Volume '/:/host' mounts the host's whole filesystem, which no container may bind. {DataFix}");
        yield return Volume("a volume of /etc", "/etc:/etc:ro", $"Volume '/etc:/etc:ro' mounts the host's system folder /etc, which no container may bind. {DataFix}");
        yield return Volume("a volume inside /proc", "/proc/1:/p", $"Volume '/proc/1:/p' mounts inside the host's system folder /proc, which no container may bind. {DataFix}");
        yield return Volume("the Docker socket as an ordinary volume", "/var/run/docker.sock:/var/run/docker.sock",
            "Volume '/var/run/docker.sock:/var/run/docker.sock' mounts the Docker socket as an ordinary volume. Remove the volume and write 'docker_socket: true': it mounts the socket, joins the machine's docker_gid instead of running as root, and the fleet report lists the service as privileged.");
        yield return Volume("the Docker socket under /run as an ordinary volume", "/run/docker.sock:/var/run/docker.sock",
            "Volume '/run/docker.sock:/var/run/docker.sock' mounts the Docker socket as an ordinary volume.");
        yield return Volume("a host folder the machine does not declare", "/srv/data:/data:ro",
            "On machine 'pc2', volume '/srv/data:/data:ro' mounts the host folder /srv/data, which the machine does not allow (it declares none). Add it to machine 'pc2''s host folders ('host_paths: [/srv/data]'), or use a named volume ('data:/data:ro').",
            on: "[mainpc, pc2]", absent: ["On machine 'mainpc'"]);
        yield return Volume("a host folder beside a declared one", "/srv/database:/db",
            "On machine 'mainpc', volume '/srv/database:/db' mounts the host folder /srv/database, which the machine does not allow (it allows /srv/data).");
        var etc = Manifest(Service(), machines: Machines.Replace("host_paths: [/srv/data]", "host_paths: [/srv/data, /etc]", StringComparison.Ordinal));
        yield return Fleet("a machine that declares a system folder", etc,
            $"{At(etc, "/etc")}: Machine 'mainpc': host_paths entry '/etc' is the host's system folder /etc, which no container may bind. List only folders of data, e.g. 'host_paths: [/srv/data]'.");
    }

    /// <summary>Every path under a folder with its content hash (links by target).</summary>
    private static IReadOnlyDictionary<string, string> Snapshot(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            result[Path.GetRelativePath(root, entry.FullName)] = entry.LinkTarget is { } link ? "link:" + link
                : entry is DirectoryInfo ? "dir"
                : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.FullName)));
        }

        return result;
    }
}
