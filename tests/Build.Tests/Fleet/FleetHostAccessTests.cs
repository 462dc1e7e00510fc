using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>
/// Host bind mounts only where declared: a machine's host_paths (and models_dir) or the repository; never the whole
/// filesystem, a system folder or the Docker socket. Each rule both ways: refused with its position, service,
/// machine and fix, and the nearest legitimate case accepted.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetHostAccessTests
{
    private const string Machines =
        "  mainpc: { port_offset: 0, compute_capability: \"8.9\", models_dir: /srv/models, host_paths: [/srv/data, /mnt/media/] }\n" +
        "  pc2: { port_offset: 100, compute_capability: \"8.6\" }\n";

    private static string Service(string volume, string machines = "[mainpc]") =>
        $"  A:\n    machines: {machines}\n    family: cpu\n    entrypoint: a/app.py\n    health: {{ port: 8000 }}\n    volumes: [\"{volume}\"]\n";

    private static InputError Refused(string volume, string machines = "[mainpc]", string machineYaml = Machines)
    {
        var yaml = Service(volume, machines);
        var e = Should.Throw<InputException>(() => FleetFixture.Parse(yaml, machineYaml)).Errors.ShouldHaveSingleItem();
        var full = FleetFixture.FleetYaml(yaml, machineYaml);
        e.Where!.ToString().ShouldBe($"docker/fleet.yaml:{FleetFixture.LineOf(full, "volumes:")}:{full.Split('\n')[FleetFixture.LineOf(full, "volumes:") - 1].IndexOf('"', StringComparison.Ordinal) + 1}", "the volume's own position");
        e.Subject.ShouldBe("A");
        return e;
    }

    private static FleetVolume Accepted(string volume, string machines = "[mainpc]", string machineYaml = Machines) =>
        FleetFixture.Parse(Service(volume, machines), machineYaml).Get("A").Volumes.ShouldHaveSingleItem();

    [Test]
    public void The_whole_filesystem_is_refused() =>
        Refused("/:/host").ToString().ShouldEndWith("service 'A': Volume '/:/host' mounts the host's whole filesystem, which no container may bind. Mount a folder of data instead (e.g. '/srv/data:/data:ro'), listed in its machine's 'host_paths:', or a named volume ('data:/data').");

    [TestCase("/etc:/etc:ro", "the host's system folder /etc")]
    [TestCase("/proc:/host/proc", "the host's system folder /proc")]
    [TestCase("/sys/fs/cgroup:/cg", "inside the host's system folder /sys")]
    [TestCase("/dev:/dev", "the host's system folder /dev")]
    [TestCase("/boot:/boot", "the host's system folder /boot")]
    [TestCase("/root/.ssh:/keys:ro", "inside the host's system folder /root")]
    [TestCase("/usr/lib:/x", "inside the host's system folder /usr")]
    [TestCase("/bin:/x", "the host's system folder /bin")]
    [TestCase("/sbin:/x", "the host's system folder /sbin")]
    [TestCase("/lib:/x", "the host's system folder /lib")]
    [TestCase("/var/lib/docker/volumes:/v", "inside the host's system folder /var/lib/docker")]
    [TestCase("/var:/var", "a folder holding the host's system folder /var/lib/containerd")]
    [TestCase("/run/user/1000:/x", "inside the host's system folder /run")]
    public void A_system_folder_is_refused_even_when_a_machine_lists_a_parent(string volume, string why)
    {
        var e = Refused(volume);
        e.Message.ShouldBe($"Volume '{volume}' mounts {why}, which no container may bind.");
        e.Fix.ShouldContain("host_paths:");
    }

    [TestCase("/var/run/docker.sock:/var/run/docker.sock")]
    [TestCase("/run/docker.sock:/var/run/docker.sock")]
    [TestCase("/run/user/1000/docker.sock:/var/run/docker.sock")]
    public void The_docker_socket_as_a_volume_is_refused_with_the_key_that_grants_it(string volume)
    {
        var e = Refused(volume);
        e.Message.ShouldBe($"Volume '{volume}' mounts the Docker socket as an ordinary volume.");
        e.Fix.ShouldBe("Remove the volume and write 'docker_socket: true': it mounts the socket, joins the machine's docker_gid instead of running as root, and the fleet report lists the service as privileged.");
    }

    [Test]
    public void A_host_folder_the_machine_does_not_declare_is_refused_naming_machine_and_fix() =>
        Refused("/home/me/data:/data").ToString().ShouldEndWith(
            "service 'A': On machine 'mainpc', volume '/home/me/data:/data' mounts the host folder /home/me/data, which the machine does not allow (it allows /srv/data, /mnt/media, /srv/models). Add it to machine 'mainpc''s host folders ('host_paths: [/home/me/data]'), or use a named volume ('data:/data').");

    [Test]
    public void A_folder_declared_on_one_machine_is_refused_on_the_other()
    {
        var e = Refused("/srv/data:/data:ro", "[mainpc, pc2]");
        e.Message.ShouldBe("On machine 'pc2', volume '/srv/data:/data:ro' mounts the host folder /srv/data, which the machine does not allow (it declares none).");
    }

    [Test]
    public void A_sibling_with_a_common_prefix_is_not_inside_a_declared_folder() =>
        Refused("/srv/database:/db").Message.ShouldContain("mounts the host folder /srv/database, which the machine does not allow");

    [TestCase("/srv/data:/data:ro", "/srv/data")]
    [TestCase("/srv/data/", "/srv/data")]
    [TestCase("/srv/data/2024/in:/in", "/srv/data/2024/in")]
    [TestCase("/mnt/media:/media", "/mnt/media")]
    [TestCase("/srv/models/llama:/llama:ro", "/srv/models/llama")]
    public void A_folder_under_host_paths_or_models_dir_is_accepted(string volume, string source)
    {
        if (!volume.Contains(":/", StringComparison.Ordinal))
        {
            volume += ":/data";
        }

        var v = Accepted(volume);
        v.Source.ShouldStartWith(source);
        v.IsNamed.ShouldBeFalse();
    }

    [TestCase("/srv/../etc:/x")]
    [TestCase("/srv/./data:/x")]
    [TestCase("/srv/da ta:/x")]
    public void A_host_path_that_is_not_plain_is_refused(string volume) =>
        Refused(volume).Message.ShouldEndWith("must be a plain absolute path.");

    [TestCase("../../../outside:/data")]
    [TestCase("../../..:/repo-parent")]
    [TestCase("./../../../../x:/x")]
    public void A_relative_path_that_climbs_out_of_the_repository_is_refused(string volume) =>
        Refused(volume).ToString().ShouldEndWith(
            $"service 'A': On machine 'mainpc', volume '{volume}' climbs out of the repository: a relative host path starts at the Compose file's folder, deploy/mainpc. Keep it inside the repository (e.g. './data' is deploy/mainpc/data), or give an absolute folder that machine 'mainpc' lists in 'host_paths:'.");

    [TestCase("./data:/data")]
    [TestCase("../shared:/shared:ro")]
    [TestCase("../../data:/data")]
    [TestCase("../..:/repo:ro")]
    public void A_relative_path_inside_the_repository_needs_no_declaration(string volume) =>
        Accepted(volume, "[mainpc, pc2]").IsRelative.ShouldBeTrue();

    [Test]
    public void A_relative_path_is_resolved_from_the_compose_folder_under_deploy_dir()
    {
        HostAccess.InRepository("deploy", "mainpc", "./data").ShouldBe("deploy/mainpc/data");
        HostAccess.InRepository("deploy", "mainpc", "../../x").ShouldBe("x");
        HostAccess.InRepository("examples/demo/deploy", "pc2", "../../../../x").ShouldBe("x");
        HostAccess.InRepository("deploy", "mainpc", "../../../x").ShouldBeNull();
        HostAccess.InRepository(".", "mainpc", "../x").ShouldBe("x");
    }

    [Test]
    public void Named_volumes_are_not_host_access() =>
        Accepted("data:/data", "[mainpc, pc2]").IsNamed.ShouldBeTrue();

    [Test]
    public void Infrastructure_volumes_follow_the_same_rules()
    {
        var yaml = "version: 1\nmachines:\n" + Machines +
            "infrastructure:\n  redis: { image: \"redis:7@" + FleetFixture.D + "\", machines: [mainpc], port: 6379, user: \"999:999\", volumes: [\"/etc:/etc\"], health: { cmd: [redis-cli, ping] } }\n" +
            "services:\n" + Service("data:/data");
        var e = Should.Throw<InputException>(() => FleetLoader.Parse(yaml, "docker/fleet.yaml")).Errors.ShouldHaveSingleItem();
        e.ToString().ShouldContain("infrastructure 'redis': Volume '/etc:/etc' mounts the host's system folder /etc, which no container may bind.");
    }

    [Test]
    public void Host_paths_are_read_normalised()
    {
        var fleet = FleetFixture.Parse(Service("data:/data"), Machines);
        fleet.Machines["mainpc"].HostPaths.ShouldBe(["/srv/data", "/mnt/media"]);
        fleet.Machines["mainpc"].AllowedHostFolders.ShouldBe(["/srv/data", "/mnt/media", "/srv/models"]);
        fleet.Machines["pc2"].HostPaths.ShouldBeEmpty();
    }

    [TestCase("[/etc]", "Machine 'mainpc': host_paths entry '/etc' is the host's system folder /etc, which no container may bind.")]
    [TestCase("[/]", "Machine 'mainpc': host_paths entry '/' is the host's whole filesystem, which no container may bind.")]
    [TestCase("[/var]", "Machine 'mainpc': host_paths entry '/var' is a folder holding the host's system folder /var/lib/containerd, which no container may bind.")]
    [TestCase("[/var/run/docker.sock]", "Machine 'mainpc': host_paths lists the Docker socket /var/run/docker.sock.")]
    [TestCase("[srv/data]", "Machine 'mainpc': host_paths entry 'srv/data' must be an absolute host path.")]
    [TestCase("[/srv, /srv/]", "Machine 'mainpc': host_paths lists '/srv' twice.")]
    public void A_machine_cannot_declare_what_no_container_may_bind(string hostPaths, string message)
    {
        var e = Should.Throw<InputException>(() => FleetFixture.Parse(Service("data:/data"), $"  mainpc: {{ port_offset: 0, host_paths: {hostPaths} }}\n")).Errors.ShouldHaveSingleItem();
        e.Message.ShouldBe(message);
        e.Where!.Line.ShouldBe(3);
    }

    [Test]
    public void A_models_dir_in_a_system_folder_is_refused()
    {
        var e = Should.Throw<InputException>(() => FleetFixture.Parse(Service("data:/data"), "  mainpc: { port_offset: 0, models_dir: /usr/share/models }\n")).Errors.ShouldHaveSingleItem();
        e.Message.ShouldBe("Machine 'mainpc': models_dir '/usr/share/models' is inside the host's system folder /usr, which no container may bind.");
    }

    [TestCase("/srv/data", false)]
    [TestCase("/home/me", false)]
    [TestCase("/opt/models", false)]
    [TestCase("/", true)]
    [TestCase("/etc/ssl", true)]
    [TestCase("/var", true)]
    [TestCase("/var/lib", true)]
    [TestCase("/var/cache/app", false)]
    [TestCase("/runner", false)]
    public void System_folders_are_matched_by_whole_path_parts(string path, bool forbidden) =>
        (HostAccess.Forbidden(path) is not null).ShouldBe(forbidden);
}
