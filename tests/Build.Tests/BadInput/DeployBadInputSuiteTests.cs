using Build.Tests.Infra;

namespace Build.Tests.BadInput;

/// <summary>
/// Deploy's and Generate's fleet-level bad input through the real app: a drifted or missing Compose file, an override
/// that grants privilege, a misused --allow-drift, generated folders left by removed services and machines. Each is
/// caught before anything is hashed or an engine is asked, exits with its code, shows the exact message and changes
/// no file.
/// </summary>
[TestFixture]
[Category("Unit")]
[NonParallelizable]
public sealed class DeployBadInputSuiteTests
{
    private const string C = FleetBadInput.Catalog;
    private const string Main = FleetBadInput.MainCompose;
    private const string Generate = $"Run ./build.sh --target=Generate --catalog={C}";

    [TestCaseSource(nameof(Cases))]
    public void Bad_input_is_a_clear_error_that_changes_nothing(BadCase c)
    {
        using var repo = new BadInputRepo();
        repo.AddDemoFleet();
        c.Setup(repo);
        repo.Commit();
        var args = c.Args.ToList();
        if (!args.Any(a => a.StartsWith("--mode=", StringComparison.Ordinal)))
        {
            args.Add("--mode=local");
        }

        c.Check(repo, [.. args, $"--catalog={C}"]);
    }

    [Test]
    public void The_suite_covers_drift_overrides_allow_drift_and_left_over_folders()
    {
        var cases = Cases().ToList();
        cases.Select(c => c.Name).ShouldBeUnique();
        foreach (var kind in new[] { "drift", "override", "argv", "tree" })
        {
            cases.ShouldContain(c => c.Name.StartsWith(kind + ":", StringComparison.Ordinal), kind);
        }
    }

    /// <summary>Nothing before the failing check runs: no hashing, no engine, no artifacts folder.</summary>
    private static readonly string[] NothingHashed = ["ComputeHash", "docker compose up"];

    private static BadCase Deploy(string name, Action<BadInputRepo> setup, string[] extra, int exit, params string[] expected) =>
        new(name, setup, ["--target=Deploy", "--machine=mainpc", .. extra], exit, expected, NothingHashed);

    private static BadCase Override(string name, string yaml, int exit, params string[] expected) =>
        Deploy("override: " + name, r => r.Write("local/override.yaml", yaml), ["--compose-override=local/override.yaml"], exit, expected);

    private static BadCase OverrideBytes(string name, byte[] bytes, params string[] expected) =>
        Deploy("override: " + name, r => r.WriteBytes("local/override.yaml", bytes), ["--compose-override=local/override.yaml"], 2, expected);

    private static void HandEdit(BadInputRepo r) => r.Edit(Main, "audio-${KILN_TAG_AUDIO:-latest}", "audio-debug");

    private static void RemoveVisionAmpere(BadInputRepo r)
    {
        var text = File.ReadAllText(r.Full(FleetBadInput.Fleet));
        var start = text.IndexOf("  vision-ampere:\n", StringComparison.Ordinal);
        r.Write(FleetBadInput.Fleet, text.Remove(start, text.IndexOf("  heartbeat:\n", StringComparison.Ordinal) - start));
    }

    private const string Privileged = "services:\n  web:\n    environment: { LOG_LEVEL: debug }\n    privileged: true\n";

    public static IEnumerable<BadCase> Cases()
    {
        // ---- Deploy deploys what was reviewed ----
        yield return Deploy("drift: a hand-edited Compose file", HandEdit, [], 1,
            $"{Main} (machine 'mainpc') differs from what Generate renders from the fleet: Deploy deploys only the generated file that was reviewed.\n--- a/{Main}\n+++ b/{Main}\n@@ ",
            "\n-    image: \"${REGISTRY:-127.0.0.1:5000/kiln/debian-demo}-services:audio-debug${KILN_DIGEST_AUDIO:-}\"\n+    image: \"${REGISTRY:-127.0.0.1:5000/kiln/debian-demo}-services:audio-${KILN_TAG_AUDIO:-latest}${KILN_DIGEST_AUDIO:-}\"\n",
            $"{Generate}, review the change and commit it (a local change belongs in --compose-override=FILE); to try a hand edit on this machine anyway, add --allow-drift --mode=local.");
        yield return Deploy("drift: the Compose file is missing", r => File.Delete(r.Full(Main)), [], 1,
            $"{Main} (machine 'mainpc') does not exist: Deploy deploys the Compose file Generate writes. {Generate}, review it and commit it.");
        yield return Deploy("drift: --allow-drift does not cover a missing file", r => File.Delete(r.Full(Main)), ["--allow-drift"], 1,
            $"{Main} (machine 'mainpc') does not exist");

        // ---- --allow-drift: local mode only, and only for the committed file ----
        yield return Deploy("argv: --allow-drift in CI mode", r =>
            {
                HandEdit(r);
                // CI mode requires pinned bases: the demo's default is pinned here so the run reaches the argument check.
                r.Edit(C, "${KILN_DEBIAN_BASE:-debian:bookworm}", $"${{KILN_DEBIAN_BASE:-debian:bookworm@{BadInputRepo.Digest}}}");
            }, ["--allow-drift", "--mode=ci"], 2,
            $"--allow-drift works only with --mode=local: in CI mode Deploy deploys only the Compose file Generate renders from the fleet. Drop --allow-drift, run ./build.sh --target=Generate --catalog={C} and commit the result.");
        yield return Deploy("argv: --allow-drift with --gpu=off", HandEdit, ["--allow-drift", "--gpu=off"], 2,
            "--allow-drift deploys the committed Compose file as edited, but --gpu=off/--devices=off deploy one rendered from the fleet, without the edit. Drop one of them; a local change on top of the rendered file belongs in --compose-override=FILE.");

        // ---- --compose-override: no host access or privilege the fleet did not declare ----
        yield return Override("privileged", Privileged, 2,
            "--compose-override grants what the fleet does not declare for machine 'mainpc':\n  local/override.yaml:4: service 'web': privileged: true (every capability and every host device)\n" +
            $"Host access and privilege come from the fleet manifest (docker_socket, audio_device, models), where they are reviewed. Move the grant there and run ./build.sh --target=Generate --catalog={C}, or pass --allow-privileged-override to deploy it anyway (the deploy report lists it).");
        yield return Override("the Docker socket, a host folder and a capability",
            "services:\n  hello:\n    cap_add: [SYS_ADMIN]\n    volumes:\n      - cache:/cache\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: bind\n        source: ./secrets\n        target: /secrets\n", 2,
            "  local/override.yaml:3: service 'hello': cap_add: SYS_ADMIN\n  local/override.yaml:6: service 'hello': the Docker socket (/var/run/docker.sock → /var/run/docker.sock: control of the host's engine)\n  local/override.yaml:7: service 'hello': host bind mount ./secrets → /secrets\n");
        yield return Override("host network, devices and a group",
            "services:\n  web:\n    network_mode: host\n    devices: [\"/dev/snd:/dev/snd\"]\n    group_add: [\"29\"]\n", 2,
            "  local/override.yaml:3: service 'web': network_mode: host (the host's network namespace)\n  local/override.yaml:4: service 'web': devices: /dev/snd:/dev/snd\n  local/override.yaml:5: service 'web': group_add: 29\n");
        yield return Override("a grant behind a YAML anchor", "x-power: &power\n  pid: host\nservices:\n  web:\n    <<: *power\n", 2,
            "  local/override.yaml:2: service 'web': pid: host (the host's pid namespace)\n");
        yield return Override("not YAML", "services:\n  web: [\n", 2,
            "--compose-override=local/override.yaml: local/override.yaml:3:1: YAML syntax error: While parsing a node, did not find expected node content.");
        yield return Override("not a mapping", "- privileged: true\n", 2,
            "--compose-override=local/override.yaml: local/override.yaml:1:1: a Compose file is one YAML mapping (services:, volumes:, …), not a list. Fix the file.");
        yield return Override("a key twice", "services:\n  web: {}\n  web: { privileged: true }\n", 2,
            "--compose-override=local/override.yaml: local/override.yaml:3:3: ");
        yield return OverrideBytes("not UTF-8", [.. "services:\n  web: { image: \"x"u8, 0xE9, .. "\" }\n"u8],
            "--compose-override=local/override.yaml: local/override.yaml:2:19: The file is not valid UTF-8 (bytes 0xE9 0x22 0x20 0x7D). Save it as UTF-8");
        yield return Deploy("override: checked before the drift", r =>
            {
                HandEdit(r);
                r.Write("local/override.yaml", Privileged);
            }, ["--compose-override=local/override.yaml"], 2, "privileged: true");

        // ---- generated folders left by removed services and machines ----
        yield return new BadCase("tree: a removed service's generated folder", RemoveVisionAmpere, ["--target=GenerateCheck"], 1,
        [
            "examples/demo/services/vision-ampere/Dockerfile (left over in examples/demo/services/vision-ampere/: generated for service 'vision-ampere', which the fleet beside examples/demo/families.yaml no longer has)",
            $"{Generate} (it also deletes left-over generated files and their folders, never a hand-written file) and commit the result.",
        ]);
        yield return new BadCase("tree: a removed machine's Compose file", r =>
            {
                RemoveVisionAmpere(r);
                r.Edit(FleetBadInput.Fleet, "  pc2: { port_offset: 100, compute_capability: \"8.6\", description: \"RTX 3060 (Ampere)\" }\n", string.Empty);
                r.Edit(FleetBadInput.Fleet, "machines: [mainpc, pc2]", "machines: [mainpc]");
            }, ["--target=GenerateCheck"], 1,
        [
            "examples/demo/deploy/pc2/compose.yaml (left over in examples/demo/deploy/pc2/: generated for machine 'pc2', which the fleet no longer has)",
        ]);
    }
}
