using Build.Catalog;
using Build.Fleet;

namespace Build.Tests.Fleet;

/// <summary>
/// The manifest keys that wire the fleet to its hosts: machine addresses and host resources, infrastructure, uses,
/// models, audio devices, machine_env, gpu: optional and questions. Each bad input is one error at its position.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class FleetHostLoaderTests
{
    private const string Redis = "redis:7.2@" + FleetFixture.D;

    /// <summary>mainpc has every host fact; pc2 none (so each missing one can be shown).</summary>
    private const string Machines =
        "  mainpc: { port_offset: 0, compute_capability: \"8.9\", address: main.lan, docker_gid: 998, models_dir: /srv/models, audio_gid: 29 }\n" +
        "  pc2: { port_offset: 100, compute_capability: \"8.6\" }\n";

    private const string A = "  A:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: a/app.py\n    health: { port: 8000 }\n";

    private const string RedisEntry = "infrastructure:\n  redis:\n    image: \"" + Redis + "\"\n    machines: [mainpc]\n    port: 6379\n    user: \"999:999\"\n    health: { cmd: [redis-cli, ping] }\n";

    private static string Yaml(string services, string top = "", string machines = Machines) => top + FleetFixture.FleetYaml(services, machines);

    /// <summary>file:line:column of the first occurrence of <paramref name="text"/>: where a node starting with it is reported.</summary>
    private static string At(string yaml, string text)
    {
        var lines = yaml.Split('\n');
        var line = Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        line.ShouldBeGreaterThanOrEqualTo(0, $"'{text}' is not in the manifest");
        return $"docker/fleet.yaml:{line + 1}:{lines[line].IndexOf(text, StringComparison.Ordinal) + text.Length - text.TrimStart().Length + 1}";
    }

    [Test]
    public void Every_new_key_is_read()
    {
        var yaml = Yaml(
            A.Replace("    health: { port: 8000 }\n", "    health: { port: 8000 }\n    uses: [redis]\n    models: true\n    audio_device: true\n    docker_socket: true\n    machine_env: { mainpc: { OMP_NUM_THREADS: \"16\" } }\n", StringComparison.Ordinal) +
            "  G:\n    machines: [pc2]\n    family: gpu-ampere\n    entrypoint: g/app.py\n    health: { port: 8001 }\n    gpu: optional\n",
            RedisEntry.Replace("    health: { cmd: [redis-cli, ping] }\n", "    volumes: [redis-data:/data]\n    command: [redis-server, --appendonly, \"yes\"]\n    password_secret: redis_password\n    health: { cmd: [redis-cli, ping], interval: 10s }\n", StringComparison.Ordinal) +
            "questions:\n  - { id: H1, question: \"Which Python?\", decision: \"3.11\" }\n  - { id: H2, question: \"Which registry?\", decision: \"ghcr.io\", decided_by: lead }\n",
            Machines.Replace("port_offset: 100, compute_capability: \"8.6\"", "port_offset: 100, compute_capability: \"8.6\", address: \"fd00::2\", audio_gid: 63, sound_device: /dev/snd2/", StringComparison.Ordinal));
        var fleet = FleetLoader.Parse(yaml, "docker/fleet.yaml");

        var mainpc = fleet.Machines["mainpc"];
        (mainpc.Address, mainpc.DockerGid, mainpc.ModelsDir, mainpc.AudioGid, mainpc.SoundDevice).ShouldBe(("main.lan", 998, "/srv/models", 29, "/dev/snd"), "sound_device defaults to /dev/snd with an audio_gid");
        var pc2 = fleet.Machines["pc2"];
        (pc2.Address, pc2.DockerGid, pc2.ModelsDir, pc2.AudioGid, pc2.SoundDevice).ShouldBe(("fd00::2", (int?)null, (string?)null, 63, "/dev/snd2"));

        var a = fleet.Get("A");
        a.Uses.ShouldBe(["redis"]);
        (a.Models, a.AudioDevice, a.DockerSocket, a.GpuOptional).ShouldBe((true, true, true, false));
        a.EnvOn("mainpc").ShouldBe([new EnvVar("OMP_NUM_THREADS", "16")]);
        a.EnvOn("pc2").ShouldBeEmpty();
        fleet.Get("G").GpuOptional.ShouldBeTrue();

        var redis = fleet.Infrastructure.ShouldHaveSingleItem();
        redis.ShouldBe(redis with
        {
            Name = "redis",
            Image = Redis,
            Port = 6379,
            User = "999:999",
            PasswordSecret = "redis_password",
            Timing = FleetHealthTiming.Default with { Interval = "10s" },
        });
        redis.Machines.ShouldBe(["mainpc"]);
        redis.Volumes.ShouldBe([new FleetVolume("redis-data", "/data", false)]);
        redis.HealthCommand.ShouldBe(["redis-cli", "ping"]);
        redis.Command.ShouldBe(["redis-server", "--appendonly", "yes"]);
        (redis.UrlVariable, redis.PasswordFileVariable, redis.SecretVariable, redis.SecretPath).ShouldBe(("REDIS_URL", "REDIS_PASSWORD_FILE", "KILN_SECRET_REDIS_PASSWORD", "/run/secrets/redis_password"));
        fleet.Questions.Select(q => (q.Id, q.Question, q.Decision, q.DecidedBy)).ShouldBe([("H1", "Which Python?", "3.11", "kiln default"), ("H2", "Which registry?", "ghcr.io", "lead")]);
        fleet.Questions[0].Source.ToString().ShouldBe(At(yaml, "{ id: H1"));
        fleet.Warnings.ShouldBeEmpty();
    }

    [TestCase("main.lan")]
    [TestCase("pc2")]
    [TestCase("192.168.1.20")]
    [TestCase("fd00::2")]
    public void An_address_is_a_host_name_or_an_ip(string address) => FleetLoader.IsHostOrAddress(address).ShouldBeTrue();

    [TestCase("main_pc")]
    [TestCase("-pc2")]
    [TestCase("300.1.1.1")]
    [TestCase("1.2.3")]
    [TestCase("pc2.")]
    [TestCase("fd00::zz")]
    [TestCase("http://pc2")]
    public void A_non_address_is_refused(string address) => FleetLoader.IsHostOrAddress(address).ShouldBeFalse();

    private static IEnumerable<TestCaseData> BadInputs()
    {
        TestCaseData Case(string name, string yaml, string at, string expected) => new TestCaseData(yaml, at, expected).SetName(name);
        string OnPc2(string extra) => Yaml(A.Replace("[mainpc]", "[pc2]", StringComparison.Ordinal) + extra);

        yield return Case("Address_not_a_host", Yaml(A, machines: Machines.Replace("address: main.lan", "address: main_pc", StringComparison.Ordinal)), "main_pc",
            "Machine 'mainpc': 'main_pc' is not a host name or an IP address. Write the name or IP the other machines reach it by, e.g. 'address: pc2.lan' or 'address: 192.168.1.20'.");
        yield return Case("Docker_gid_not_a_number", Yaml(A, machines: Machines.Replace("docker_gid: 998", "docker_gid: docker", StringComparison.Ordinal)), "docker,",
            "'docker_gid' must be an integer from 0 to 2147483647, not 'docker'. Write a whole number from 0 to 2147483647.");
        yield return Case("Audio_gid_zero", Yaml(A, machines: Machines.Replace("audio_gid: 29", "audio_gid: 0", StringComparison.Ordinal)), "0 }",
            "'audio_gid' must be an integer from 1 to 2147483647, not '0'. Write a whole number from 1 to 2147483647.");
        yield return Case("Models_dir_relative", Yaml(A, machines: Machines.Replace("models_dir: /srv/models", "models_dir: srv/models", StringComparison.Ordinal)), "srv/models",
            "Machine 'mainpc': models_dir 'srv/models' must be an absolute host path. Write a path from '/' without '..', spaces, ':' or '$', e.g. 'models_dir: /srv/models'.");
        yield return Case("Models_dir_with_dotdot", Yaml(A, machines: Machines.Replace("models_dir: /srv/models", "models_dir: /srv/../etc", StringComparison.Ordinal)), "/srv/../etc",
            "Machine 'mainpc': models_dir '/srv/../etc' must be an absolute host path. Write a path from '/' without '..', spaces, ':' or '$', e.g. 'models_dir: /srv/models'.");
        yield return Case("Sound_device_outside_dev", Yaml(A, machines: Machines.Replace("audio_gid: 29", "audio_gid: 29, sound_device: /srv/snd", StringComparison.Ordinal)), "/srv/snd",
            "Machine 'mainpc': sound_device '/srv/snd' is not under /dev. Write the host's sound device folder, e.g. 'sound_device: /dev/snd'.");

        yield return Case("Socket_without_docker_gid", OnPc2("    docker_socket: true\n"), "true",
            "service 'A': It mounts the Docker socket on machine 'pc2', which declares no docker_gid. Add 'docker_gid: <gid>' to machine 'pc2' (the group owning /var/run/docker.sock there: stat -c %g /var/run/docker.sock); the container joins that group instead of running as root.");
        yield return Case("Models_without_models_dir", OnPc2("    models: true\n"), "true",
            "service 'A': 'models: true' binds machine 'pc2''s models_dir, which it does not declare. Add 'models_dir: /srv/models' (an absolute host path) to machine 'pc2'.");
        yield return Case("Audio_without_audio_gid", OnPc2("    audio_device: true\n"), "true",
            "service 'A': 'audio_device: true' needs machine 'pc2''s audio group, which it does not declare. Add 'audio_gid: <gid>' to machine 'pc2' (the group owning its sound devices: stat -c %g /dev/snd/*; 29 on Debian and Ubuntu).");
        yield return Case("Audio_device_not_a_boolean", Yaml(A + "    audio_device: yes\n"), "yes",
            "service 'A': 'audio_device' must be a boolean (true or false), not 'yes'. Write 'audio_device: true' or 'audio_device: false'.");
        yield return Case("Depends_across_machines_without_address", Yaml(A + "    depends_on: [P]\n  P:\n    machines: [pc2]\n    family: cpu\n    entrypoint: p/app.py\n    health: { port: 8001 }\n"), "[P]",
            "service 'A': On machine 'mainpc', it depends on 'P', which runs only on pc2, and machine 'pc2' has no address. Give machine 'pc2' an 'address:' (the host name or IP mainpc reaches it by): the service gets KILN_PEER_P=<address>:<port>.");
        yield return Case("Uses_across_machines_without_address", Yaml(A + "    uses: [redis]\n", RedisEntry.Replace("[mainpc]", "[pc2]", StringComparison.Ordinal)), "[redis]",
            "service 'A': On machine 'mainpc', it uses 'redis', which runs only on pc2, and machine 'pc2' has no address. Give machine 'pc2' an 'address:' (the host name or IP mainpc reaches it by): the service gets REDIS_URL=redis://<address>:<port>/0.");
        yield return Case("Uses_an_unknown_name", Yaml(A + "    uses: [redsi]\n", RedisEntry), "[redsi]",
            "service 'A': 'uses' names 'redsi', which is not under the fleet's 'infrastructure:'. Did you mean 'redis'? Use one of: redis.");
        yield return Case("Uses_twice", Yaml(A + "    uses: [redis, redis]\n", RedisEntry), "redis]",
            "service 'A': 'uses' lists 'redis' twice. List each infrastructure entry once.");
        yield return Case("Machine_env_for_another_machine", Yaml(A + "    machine_env: { pc2: { OMP_NUM_THREADS: \"2\" } }\n"), "pc2: { OMP",
            "service 'A': machine_env names 'pc2', where the service does not run. Use one of its machines (mainpc), or add 'pc2' to its 'machines'.");
        yield return Case("Machine_env_bad_variable", Yaml(A + "    machine_env: { mainpc: { 1OMP: \"2\" } }\n"), "1OMP",
            "service 'A': '1OMP' is not a valid environment variable name. Use letters, digits and '_', not starting with a digit.");
        yield return Case("Machine_env_not_a_mapping", Yaml(A + "    machine_env: { mainpc: [OMP_NUM_THREADS] }\n"), "[OMP_NUM_THREADS]",
            "service 'A': machine_env.mainpc must be a mapping of variables, not a list. Write e.g. 'mainpc: { OMP_NUM_THREADS: \"16\" }'.");
        yield return Case("Gpu_not_optional_or_required", Yaml(A + "    gpu: optionl\n"), "optionl",
            "service 'A': 'gpu' is 'optionl'. Did you mean 'optional'? Write 'gpu: optional' for a GPU service with a CPU path (without a matching GPU it runs with KILN_DEVICE=cpu), or leave it out: the GPU is required.");
        yield return Case("Volume_at_cache", Yaml(A + "    volumes: [scratch:/cache]\n"), "[scratch:/cache]",
            "service 'A': 'scratch:/cache' mounts at /cache, where Kiln mounts the service's cache volume (a-cache). Mount it elsewhere: HF_HOME, TORCH_HOME and XDG_CACHE_HOME already point into /cache.");
        yield return Case("Models_and_a_models_volume", Yaml(A + "    volumes: [models:/models:ro]\n    models: true\n"), "true",
            "service 'A': 'models: true' binds the machine's models_dir at /models, where a volume of the service is mounted too. Remove that volume ('models: true' replaces it), or drop 'models: true'.");
        yield return Case("Two_services_one_cache_volume", Yaml(A + A.Replace("  A:", "  a:", StringComparison.Ordinal).Replace("8000", "8001", StringComparison.Ordinal)), "  a:",
            "service 'a': Its cache volume 'a-cache' would also be service 'A''s (cache volume names are lower case). Rename one of them.");
        yield return Case("A_volume_named_like_a_cache", Yaml(A + "  B:\n    machines: [mainpc]\n    family: cpu\n    entrypoint: b/app.py\n    health: { port: 8001 }\n    volumes: [a-cache:/data]\n"), "[a-cache",
            "service 'B': Volume 'a-cache' is the cache volume Kiln gives service 'A'. Name the volume differently.");

        yield return Case("Infrastructure_image_with_a_variable", Yaml(A, RedisEntry.Replace(Redis, "${REDIS_IMAGE}", StringComparison.Ordinal)), "\"${REDIS_IMAGE}",
            "infrastructure 'redis': Image '${REDIS_IMAGE}' is invalid: '${REDIS_IMAGE}' is not a valid image name (lowercase, optional registry host[:port]/). Write name:tag@sha256:<64 hex>, e.g. redis:7.2@sha256:… (a literal: the generated files are not interpolated).");
        yield return Case("Infrastructure_without_image", Yaml(A, RedisEntry.Replace("    image: \"" + Redis + "\"\n", string.Empty, StringComparison.Ordinal)), "redis:",
            "infrastructure 'redis': It names no image. Add 'image: name:tag@sha256:<64 hex>' (pinned by digest).");
        yield return Case("Infrastructure_as_root", Yaml(A, RedisEntry.Replace("999:999", "0:0", StringComparison.Ordinal)), "\"0:0\"",
            "infrastructure 'redis': 'user' is '0:0': it would run as root. Give the image's non-root uid:gid, e.g. \"999:999\" for the official redis image.");
        yield return Case("Infrastructure_user_by_name", Yaml(A, RedisEntry.Replace("\"999:999\"", "redis-user", StringComparison.Ordinal)), "redis-user",
            "infrastructure 'redis': 'user' is 'redis-user', not a numeric uid:gid. Write e.g. 'user: \"999:999\"' (numbers: a name may not exist in the image).");
        yield return Case("Infrastructure_without_health", Yaml(A, RedisEntry.Replace("    health: { cmd: [redis-cli, ping] }\n", string.Empty, StringComparison.Ordinal)), "redis:",
            "infrastructure 'redis': It has no health check. Add 'health: { cmd: [redis-cli, ping] }'.");
        yield return Case("Infrastructure_health_as_one_string", Yaml(A, RedisEntry.Replace("[redis-cli, ping]", "\"redis-cli ping\"", StringComparison.Ordinal)), "\"redis-cli ping\"",
            "infrastructure 'redis': 'cmd' must be a list of strings (exec form: no shell splits it). Write 'cmd: [redis-cli, ping]'.");
        yield return Case("Infrastructure_without_port", Yaml(A, RedisEntry.Replace("    port: 6379\n", string.Empty, StringComparison.Ordinal)), "redis:",
            "infrastructure 'redis': It has no port. Add 'port: 6379' (the port inside the container; the machine's port_offset is added on the host).");
        yield return Case("Infrastructure_on_an_unknown_machine", Yaml(A, RedisEntry.Replace("[mainpc]", "[mainpx]", StringComparison.Ordinal)), "mainpx",
            "infrastructure 'redis': Machine 'mainpx' is not defined under the fleet's 'machines:'. Did you mean 'mainpc'? Use one of: mainpc, pc2.");
        yield return Case("Infrastructure_unknown_key", Yaml(A, RedisEntry + "    ports: [6379]\n"), "ports: [6379]",
            "infrastructure 'redis': Unknown key 'ports' in an infrastructure entry. Did you mean 'port'? Allowed keys: image, machines, port, volumes, health, user, command, password_secret.");
        yield return Case("Infrastructure_bad_secret_name", Yaml(A, RedisEntry + "    password_secret: \"redis password\"\n"), "\"redis password\"",
            "infrastructure 'redis': 'password_secret' is 'redis password', which is not a secret name. Use letters, digits, '.', '_' or '-', e.g. 'password_secret: redis_password' (its value comes from KILN_SECRET_REDIS_PASSWORD in the deployer's environment).");
        yield return Case("Infrastructure_named_like_a_service", Yaml(A, RedisEntry.Replace("  redis:", "  a:", StringComparison.Ordinal)), "  a:",
            "infrastructure 'a': The name is taken by service 'A' (each is a Compose service and a host name, and host names ignore case). Rename the infrastructure entry or the service.");

        yield return Case("Questions_not_a_list", Yaml(A, "questions: { H1: x }\n"), "{ H1",
            "'questions' must be a list, not a mapping. Write e.g. 'questions: [{ id: H1, question: \"…\", decision: \"…\" }]'.");
        yield return Case("Question_id_twice", Yaml(A, "questions:\n  - { id: H1, question: q, decision: d }\n  - { id: H1, question: q2, decision: d2 }\n"), "H1, question: q2",
            "Question id 'H1' is used twice (first at line 2). Give each question its own id.");
        yield return Case("Question_without_decision", Yaml(A, "questions:\n  - { id: H1, question: q, decision: \"\" }\n"), "\"\" }",
            "Question 'H1' has no decision. Write what Kiln does until someone decides (the default in force), e.g. 'decision: \"Python 3.11 everywhere\"'.");
        yield return Case("Question_without_question", Yaml(A, "questions:\n  - { id: H1, decision: d }\n"), "{ id: H1",
            "Question 'H1' has no question. Write the open question as a sentence ('question: …').");
        yield return Case("Question_without_id", Yaml(A, "questions:\n  - { question: q, decision: d }\n"), "{ question",
            "A question has no id. Add 'id: H1' (unique in the fleet).");
        yield return Case("Question_id_not_a_name", Yaml(A, "questions:\n  - { id: \"H 1\", question: q, decision: d }\n"), "\"H 1\"",
            "Question id 'H 1' is not a plain name. Use letters, digits, '.', '_' or '-', e.g. H1 or omp-threads.");
    }

    [TestCaseSource(nameof(BadInputs))]
    public void A_bad_input_is_one_positioned_error_with_its_fix(string yaml, string at, string expected)
    {
        var ex = Should.Throw<InputException>(() => FleetLoader.Parse(yaml, "docker/fleet.yaml"));

        ex.Errors.Count.ShouldBe(1, string.Join("\n", ex.Errors));
        ex.Errors[0].ToString().ShouldBe($"{At(yaml, at)}: {expected}");
    }

    [Test]
    public void An_unpinned_infrastructure_image_warns_locally_and_fails_in_ci_mode()
    {
        var yaml = Yaml(A, RedisEntry.Replace(Redis, "redis:7.2", StringComparison.Ordinal));
        const string Expected = "infrastructure 'redis': Image 'redis:7.2' is not pinned by digest, so deploys are not reproducible. Pin it: write name:tag@sha256:… (`docker buildx imagetools inspect name:tag` prints the digest; UpdateDigests does not cover infrastructure images yet).";

        var local = FleetLoader.Parse(yaml, "docker/fleet.yaml");
        local.Warnings.ShouldHaveSingleItem().ToString().ShouldBe($"{At(yaml, "\"redis:7.2\"")}: {Expected}");
        local.Infrastructure.ShouldHaveSingleItem().Image.ShouldBe("redis:7.2");

        var ci = Should.Throw<InputException>(() => FleetLoader.Parse(yaml, "docker/fleet.yaml", strict: true));
        ci.Errors.ShouldHaveSingleItem().ToString().ShouldBe($"{At(yaml, "\"redis:7.2\"")}: {Expected}");
    }

    [Test]
    public void A_dependency_running_on_both_machines_is_a_same_machine_dependency_and_needs_no_address()
    {
        var yaml = Yaml(A + "    depends_on: [Both]\n  Both:\n    machines: [mainpc, pc2]\n    family: cpu\n    entrypoint: b/app.py\n    health: { port: 8001 }\n" +
            "  OnPc2:\n    machines: [pc2]\n    family: cpu\n    entrypoint: c/app.py\n    health: { port: 8002 }\n    depends_on: [Both]\n");
        var fleet = FleetLoader.Parse(yaml, "docker/fleet.yaml");

        FleetWiring.CrossMachine(fleet).ShouldBeEmpty();
        FleetWiring.Links(fleet, fleet.Get("OnPc2"), "pc2").ShouldHaveSingleItem().Endpoint.ShouldBe("Both:8001");
    }
}
