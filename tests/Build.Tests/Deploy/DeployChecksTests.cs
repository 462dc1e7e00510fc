using System.Text.Json;
using Build.Deploy;
using Build.Fleet;
using Build.Tasks;
using Build.Tools;
using Cake.Core;

namespace Build.Tests.Deploy;

/// <summary>What Deploy checks before it starts anything: the socket's group, the secrets, the on/off switches; and what it reports.</summary>
[TestFixture]
[Category("Unit")]
public sealed class DeployChecksTests
{
    [TestCase(null, "/var/run/docker.sock")]
    [TestCase("", "/var/run/docker.sock")]
    [TestCase("unix:///run/user/1000/docker.sock", "/run/user/1000/docker.sock")]
    [TestCase("tcp://10.0.0.5:2376", null)]
    [TestCase("ssh://me@pc2", null)]
    public void The_socket_checked_is_the_one_docker_host_names_on_this_host(string? dockerHost, string? expected) =>
        DockerSocketCheck.SocketPath(dockerHost).ShouldBe(expected);

    [Test]
    public void A_socket_of_another_group_fails_naming_both_numbers_and_the_fix()
    {
        DockerSocketCheck.Problem("docker/fleet.yaml", "mainpc", 998, "/var/run/docker.sock", 998, ["SelfHealingSupervisor"]).ShouldBeNull();

        DockerSocketCheck.Problem("docker/fleet.yaml", "mainpc", 998, "/var/run/docker.sock", 999, ["SelfHealingSupervisor"]).ShouldBe(
            "Machine 'mainpc' declares docker_gid 998 in docker/fleet.yaml, but /var/run/docker.sock belongs to group 999 on this host: SelfHealingSupervisor would join group 998 and be refused by the socket. " +
            "Set 'docker_gid: 999' for machine 'mainpc' in docker/fleet.yaml and run ./build.sh --target=Generate.");
        DockerSocketCheck.Problem("docker/fleet.yaml", "pc2", 998, "/var/run/docker.sock", null, ["A", "B"], "stat: cannot statx '/var/run/docker.sock': No such file or directory\n").ShouldBe(
            "Cannot read the group of /var/run/docker.sock on this host (stat: cannot statx '/var/run/docker.sock': No such file or directory), which A, B on machine 'pc2' mount as group 998. " +
            "Check that the Docker engine runs here and that DOCKER_HOST names its socket.");
    }

    [Test]
    public void The_group_stat_reads_here_is_the_group_the_check_compares()
    {
        // The same command Deploy runs, on this host's socket when there is one: a number, and the check agrees with it.
        const string Socket = "/var/run/docker.sock";
        if (!File.Exists(Socket))
        {
            Assert.Ignore("No Docker socket on this host.");
        }

        var stat = RealProcesses.Runner.Run(new CommandLine("stat").Add("-L", "-c", "%g", Socket), new ProcessOptions());
        var gid = int.Parse(stat.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        DockerSocketCheck.Problem("f", "m", gid, Socket, gid, ["S"]).ShouldBeNull();
        DockerSocketCheck.Problem("f", "m", gid + 1, Socket, gid, ["S"]).ShouldNotBeNull();
    }

    [Test]
    public void Secrets_come_from_the_deployers_environment_or_deploy_stops_naming_the_variable()
    {
        var secrets = new[] { new ComposeSecret("redis_password", "KILN_SECRET_REDIS_PASSWORD") };

        Build.Tasks.Deploy.SecretEnvironment(secrets, name => name == "KILN_SECRET_REDIS_PASSWORD" ? "s3cr3t" : null, "mainpc").ShouldBe([("KILN_SECRET_REDIS_PASSWORD", "s3cr3t")]);
        Build.Tasks.Deploy.SecretEnvironment([], _ => null, "pc2").ShouldBeEmpty();
        var ex = Should.Throw<CakeException>(() => Build.Tasks.Deploy.SecretEnvironment(secrets, _ => string.Empty, "mainpc"));
        ex.ExitCode.ShouldBe(1);
        ex.Message.ShouldBe("Deploy of mainpc needs KILN_SECRET_REDIS_PASSWORD (the secret 'redis_password') in its environment: Compose reads each secret from there. Set it from your secret store where Deploy runs; never write it into a file of the repository.");
    }

    [TestCase(null, true)]
    [TestCase("on", true)]
    [TestCase("true", true)]
    [TestCase("off", false)]
    [TestCase("false", false)]
    public void Devices_and_gpu_are_on_unless_switched_off(string? value, bool expected) =>
        MachineProject.OnOff("devices", value).ShouldBe(expected);

    [Test]
    public void Another_devices_value_is_a_usage_error()
    {
        var ex = Should.Throw<CakeException>(() => MachineProject.OnOff("devices", "none"));

        ex.ExitCode.ShouldBe(2);
        ex.Message.ShouldBe("--devices=none is not a choice: use --devices=on or --devices=off.");
    }

    [Test]
    public void The_report_says_devices_were_left_out_and_lists_the_links_across_machines()
    {
        var link = new FleetLink("SpeechRelayService", "pc2", FleetLinkKind.DependsOn, "TTSService", "mainpc", "mainpc", 5801, "KILN_PEER_TTSSERVICE");
        var report = DeployReport.Build("pc2", gpu: true, "deploy/pc2/compose.yaml", [], devices: false, crossMachine: [link]);

        var md = report.ToMarkdown();
        md.ShouldContain("`deploy/pc2/compose.yaml` with `--devices=off` (no sound devices or audio group): 0 of 0 services healthy.");
        md.ShouldContain("- SpeechRelayService@pc2 → TTSService@mainpc mainpc:5801 (`KILN_PEER_TTSSERVICE`)\n");
        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("devices").GetBoolean().ShouldBeFalse();
        json.RootElement.GetProperty("crossMachine")[0].GetProperty("target").GetString().ShouldBe("TTSService");
        DeployReport.Build("pc2", gpu: false, "f", [], devices: false).ToMarkdown().ShouldContain("with `--gpu=off` (no GPU device reservations; the GPU probe decides) and `--devices=off` (no sound devices or audio group)");
    }

    [Test]
    public void The_report_lists_every_privilege_as_deployed()
    {
        var yaml = Build.Tests.Fleet.FleetFixture.FleetYaml(
            "  Sock:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: s/app.py\n    health: { port: 8001 }\n    docker_socket: true\n" +
            "  Snd:\n    machines: [mainpc]\n    family: gpu-ada-audio\n    entrypoint: d/app.py\n    health: { port: 8002 }\n    audio_device: true\n    volumes: [\"/srv/data:/data:ro\"]\n" +
            "  Plain:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: p/app.py\n    health: { port: 8003 }\n",
            "  mainpc: { port_offset: 0, compute_capability: \"8.9\", docker_gid: 998, audio_gid: 29, host_paths: [/srv/data] }\n");
        var fleet = FleetValidator.Resolve(FleetLoader.Parse(yaml, "docker/fleet.yaml"), Build.Tests.Fleet.FleetFixture.SmallCatalog());

        Build.Tasks.Deploy.Privileged(fleet, "mainpc", gpu: true, devices: true).Select(p => (p.Service, string.Join("; ", p.Grants))).ShouldBe(
        [
            ("Snd", "device /dev/snd; group 29 (audio_gid); GPU (every NVIDIA device); host folder /srv/data at /data, read-only (volumes)"),
            ("Sock", "Docker socket /var/run/docker.sock; group 998 (docker_gid)"),
        ]);
        var off = Build.Tasks.Deploy.Privileged(fleet, "mainpc", gpu: false, devices: false);
        off.Select(p => (p.Service, string.Join("; ", p.Grants))).ShouldBe(
        [
            ("Snd", "host folder /srv/data at /data, read-only (volumes)"),
            ("Sock", "Docker socket /var/run/docker.sock; group 998 (docker_gid)"),
        ], "--gpu=off and --devices=off drop what they drop, and nothing else");

        var report = DeployReport.Build("mainpc", gpu: false, "deploy/mainpc/compose.yaml", [], devices: false, privileged: off);
        report.ToMarkdown().ShouldContain("Privileged (granted beyond the hardened default, each by its fleet key):\n\n- Snd: host folder /srv/data at /data, read-only (volumes)\n- Sock: Docker socket /var/run/docker.sock, group 998 (docker_gid)\n");
        using var json = JsonDocument.Parse(report.ToJson());
        json.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("privileged")[1].GetProperty("grants")[0].GetString().ShouldBe("Docker socket /var/run/docker.sock");
    }
}
