using Build.Deploy;

namespace Build.Tests.Deploy;

/// <summary>The posture rules for --compose-override files, both ways: what only tunes a service passes; every grant is found at its line.</summary>
[TestFixture]
[Category("Unit")]
public sealed class OverridePostureTests
{
    private const string F = "local/override.yaml";

    private static string Service(params string[] lines) => "services:\n  web:\n" + string.Concat(lines.Select(l => "    " + l + "\n"));

    private static IEnumerable<TestCaseData> Harmless()
    {
        yield return new TestCaseData(Service("environment:", "  LOG_LEVEL: debug")).SetName("Environment");
        yield return new TestCaseData(Service("ports: [\"18080:17080\"]")).SetName("Ports");
        yield return new TestCaseData(Service("volumes: [web-data:/data, /scratch]")).SetName("Named_and_anonymous_volumes");
        yield return new TestCaseData(Service("volumes:", "  - type: volume", "    source: web-data", "    target: /data")).SetName("Long_form_named_volume");
        yield return new TestCaseData(Service("security_opt: [\"no-new-privileges:true\"]", "user: \"10001:10001\"", "network_mode: bridge")).SetName("Restrictions_and_a_normal_network");
        yield return new TestCaseData(Service("deploy: { resources: { limits: { memory: 2g } } }", "restart: \"no\"")).SetName("Resources_and_restart");
        yield return new TestCaseData("volumes:\n  web-data: {}\nsecrets:\n  token: { environment: KILN_SECRET_TOKEN }\n").SetName("Top_level_named_volume_and_env_secret");
        yield return new TestCaseData(string.Empty).SetName("An_empty_file");
    }

    [TestCaseSource(nameof(Harmless))]
    public void An_override_that_only_tunes_a_service_passes(string yaml) =>
        OverridePosture.Scan(F, yaml).ShouldBeEmpty();

    private static IEnumerable<TestCaseData> Grants()
    {
        TestCaseData Case(string name, string yaml, int line, string what, string service = "web") => new TestCaseData(yaml, line, service, what).SetName(name);

        yield return Case("Privileged", Service("image: x", "privileged: true"), 4, "privileged: true (every capability and every host device)");
        yield return Case("Host_network", Service("network_mode: host"), 3, "network_mode: host (the host's network namespace)");
        yield return Case("Host_pid", Service("pid: host"), 3, "pid: host (the host's pid namespace)");
        yield return Case("Host_ipc", Service("ipc: host"), 3, "ipc: host (the host's ipc namespace)");
        yield return Case("Host_userns", Service("userns_mode: host"), 3, "userns_mode: host (the host's userns namespace)");
        yield return Case("Root_user", Service("user: \"0:0\""), 3, "user: 0:0 (root)");
        yield return Case("Cap_add", Service("cap_add:", "  - SYS_ADMIN"), 4, "cap_add: SYS_ADMIN");
        yield return Case("Security_opt", Service("security_opt: [\"seccomp:unconfined\"]"), 3, "security_opt: seccomp:unconfined");
        yield return Case("Devices", Service("devices:", "  - /dev/kvm:/dev/kvm"), 4, "devices: /dev/kvm:/dev/kvm");
        yield return Case("Group_add", Service("group_add: [\"998\"]"), 3, "group_add: 998");
        yield return Case("Absolute_bind_short_form", Service("volumes:", "  - /etc:/host-etc:ro"), 4, "host bind mount /etc → /host-etc");
        yield return Case("Relative_bind_short_form", Service("volumes:", "  - ./x:/y"), 4, "host bind mount ./x → /y");
        yield return Case("Home_bind_short_form", Service("volumes: [\"~/.ssh:/root/.ssh\"]"), 3, "host bind mount ~/.ssh → /root/.ssh");
        yield return Case("Bind_long_form", Service("volumes:", "  - type: bind", "    source: /srv/data", "    target: /data"), 4, "host bind mount /srv/data → /data");
        yield return Case("Docker_socket", Service("volumes:", "  - /var/run/docker.sock:/var/run/docker.sock"), 4, "the Docker socket (/var/run/docker.sock → /var/run/docker.sock: control of the host's engine)");
        yield return Case("Docker_socket_long_form", Service("volumes:", "  - { type: bind, source: /run/docker.sock, target: /d.sock }"), 4, "the Docker socket (/run/docker.sock → /d.sock: control of the host's engine)");
        yield return Case("Hidden_behind_a_merge_key", "x-power: &power\n  privileged: true\nservices:\n  web:\n    <<: *power\n", 2, "privileged: true (every capability and every host device)");
        yield return Case("Extends_another_file", Service("extends: { file: other.yaml, service: web }"), 3, "extends: a service of other.yaml, whose grants are not checked");
        yield return Case("Include", "include: [other.yaml]\n", 1, "include: pulls in other Compose files, whose grants are not checked", "include");
        yield return Case("Host_path_volume_driver", "volumes:\n  data:\n    driver_opts: { type: none, o: bind, device: /srv/data }\n", 3, "volume 'data' binds host path /srv/data (driver_opts.device)", "volumes.data");
        yield return Case("Secret_from_a_host_file", "secrets:\n  shadow:\n    file: /etc/shadow\n", 3, "secret 'shadow' reads host file /etc/shadow", "secrets.shadow");
    }

    [TestCaseSource(nameof(Grants))]
    public void Every_grant_is_found_with_its_line(string yaml, int line, string service, string what) =>
        OverridePosture.Scan(F, yaml).ShouldHaveSingleItem().ShouldBe(new PostureFinding(F, line, service, what));

    [Test]
    public void Each_item_of_a_list_is_its_own_finding_in_file_order()
    {
        var findings = OverridePosture.Scan(F, Service("cap_add: [NET_ADMIN, SYS_PTRACE]", "volumes:", "  - cache:/cache", "  - /dev/shm:/dev/shm"));

        findings.Select(f => f.ToString()).ShouldBe([
            "local/override.yaml:3: service 'web': cap_add: NET_ADMIN",
            "local/override.yaml:3: service 'web': cap_add: SYS_PTRACE",
            "local/override.yaml:6: service 'web': host bind mount /dev/shm → /dev/shm",
        ]);
    }

    [Test]
    public void A_grant_the_fleet_already_gives_that_service_is_not_new()
    {
        var generated = OverridePosture.Scan("deploy/mainpc/compose.yaml", "services:\n  sup:\n    group_add: [\"998\"]\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n");
        var extra = OverridePosture.Scan(F, "services:\n  sup:\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n  web:\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n");

        var undeclared = OverridePosture.Undeclared(extra, generated);

        undeclared.ShouldHaveSingleItem().Service.ShouldBe("web");
    }

    [TestCase("services:\n  web: [\n", "local/override.yaml:3:1: YAML syntax error: While parsing a node, did not find expected node content.")]
    [TestCase("- a\n- b\n", "local/override.yaml:1:1: a Compose file is one YAML mapping (services:, volumes:, …), not a list. Fix the file.")]
    [TestCase("services:\n  web: {}\n  web: { privileged: true }\n", "local/override.yaml:3:3: ")]
    public void A_file_that_is_not_a_compose_mapping_is_a_positioned_error(string yaml, string expected) =>
        Should.Throw<InvalidDataException>(() => OverridePosture.Scan(F, yaml)).Message.ShouldStartWith(expected);

    [Test]
    public void Bytes_that_are_not_utf8_are_an_error_at_their_position() =>
        Should.Throw<InvalidDataException>(() => OverridePosture.Scan(F, [.. "services:\n  web: { image: \"x"u8, 0xE9, .. "\" }\n"u8])).Message
            .ShouldStartWith("local/override.yaml:2:19: The file is not valid UTF-8 (bytes 0xE9");
}
