using Build.Deploy;
using Build.Fleet;
using Build.Generation;
using Build.Host;
using Build.IO;
using Build.Reports;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

/// <summary>What Deploy and Down share: which machine, which Compose file, which project.</summary>
internal static class MachineProject
{
    public static (ResolvedFleet Fleet, string Machine) Target(BuildContext context)
    {
        var fleet = context.Fleet ?? throw new CakeException(2, $"{context.Catalog.Directory}/fleet.yaml does not exist: there is nothing to deploy for {context.Catalog.File}.");
        var machines = fleet.Fleet.Machines.Keys.Order(StringComparer.Ordinal).ToList();
        var machine = context.Argument(ArgumentNames.Machine)
            ?? throw new CakeException(2, $"Which machine? Pass --machine=NAME ({string.Join(", ", machines)}).");
        return fleet.Fleet.Machines.ContainsKey(machine)
            ? (fleet, machine)
            : throw new CakeException(2, $"--machine={machine} is not a machine of {fleet.Fleet.File} ({string.Join(", ", machines)}).{Catalog.Suggest.DidYouMean(machine, machines)}");
    }

    /// <summary>
    /// Every Deploy/Down argument, checked when the run is planned: a typo costs a second, not a bake that ends in an
    /// engine error. Override files must exist.
    /// </summary>
    public static void CheckArguments(BuildContext context)
    {
        var (fleet, machine) = Target(context);
        var gpu = Gpu(context);
        var devices = Devices(context);
        foreach (var extra in Overrides(context))
        {
            if (extra.Length == 0 || !File.Exists(Path.Combine(context.Root, extra)))
            {
                throw new CakeException(2, $"--compose-override={extra}: no such file (paths are relative to the repository root).");
            }
        }

        if (context.Plan.Facts.Deploys)
        {
            AllowsDrift(context, gpu, devices);
            Enforce(context, Review(context, fleet, machine));
        }
    }

    private static IEnumerable<string> Overrides(BuildContext context) =>
        context.Arguments.HasArgument(ArgumentNames.ComposeOverride) ? context.Arguments.GetArguments(ArgumentNames.ComposeOverride) : [];

    /// <summary>
    /// --allow-drift is for trying a hand edit on one's own machine: in CI only the reviewed file is deployed, and
    /// with --gpu=off/--devices=off the file deployed is re-rendered from the fleet, so the edit would not be in it.
    /// </summary>
    internal static bool AllowsDrift(BuildContext context, bool gpu, bool devices)
    {
        if (!context.Flag(ArgumentNames.AllowDrift))
        {
            return false;
        }

        if (context.Options.Mode != BuildMode.Local)
        {
            throw new CakeException(2, $"--allow-drift works only with --mode=local: in CI mode Deploy deploys only the Compose file Generate renders from the fleet. Drop --allow-drift, run ./build.sh --target=Generate --catalog={context.Options.Catalog} and commit the result.");
        }

        return gpu && devices
            ? true
            : throw new CakeException(2, "--allow-drift deploys the committed Compose file as edited, but --gpu=off/--devices=off deploy one rendered from the fleet, without the edit. Drop one of them; a local change on top of the rendered file belongs in --compose-override=FILE.");
    }

    /// <summary>The machine's Compose file differs from its render (null when it matches), and what the override files grant beyond the fleet.</summary>
    /// <param name="Drift">The unified diff from the committed file to the render, or a sentence when the file is missing.</param>
    internal sealed record DeployReview(string Machine, string ComposePath, string? Drift, bool Missing, IReadOnlyList<PostureFinding> Grants);

    /// <summary>
    /// What Deploy would deploy, against what was reviewed: the machine's committed Compose file against the render
    /// Generate writes (the run's own plan, so both are the same code), and each override against the fleet's grants.
    /// </summary>
    internal static DeployReview Review(BuildContext context, ResolvedFleet fleet, string machine)
    {
        var path = ComposeRenderer.PathFor(fleet.Fleet, machine);
        var rendered = context.GeneratedFiles.Single(f => f.Path == path).Content;
        var full = Path.Combine(context.Root, path);
        var missing = !File.Exists(full);
        var current = missing ? null : File.ReadAllText(full);
        var drift = current is null || current == rendered ? null : UnifiedDiff.Create(current, rendered, "a/" + path, "b/" + path);
        var grants = new List<PostureFinding>();
        foreach (var extra in Overrides(context))
        {
            try
            {
                grants.AddRange(OverridePosture.Scan(extra, File.ReadAllBytes(Path.Combine(context.Root, extra))));
            }
            catch (InvalidDataException ex)
            {
                throw new CakeException(2, $"--compose-override={extra}: {ex.Message}");
            }
        }

        return new DeployReview(machine, path, drift, missing, OverridePosture.Undeclared(grants, OverridePosture.Scan(path, rendered)));
    }

    /// <summary>At most <paramref name="lines"/> lines of a diff: the message shows where it drifted, GenerateCheck shows all of it.</summary>
    internal static string Short(string diff, int lines = 40)
    {
        var all = diff.TrimEnd('\n').Split('\n');
        return all.Length <= lines ? string.Join('\n', all) : string.Join('\n', all[..lines]) + $"\n… ({all.Length - lines} more lines: ./build.sh --target=GenerateCheck shows them all)";
    }

    /// <summary>A drifted or missing Compose file and undeclared grants stop Deploy (unless allowed); allowed ones are logged here and reported.</summary>
    private static void Enforce(BuildContext context, DeployReview review)
    {
        var generate = $"./build.sh --target=Generate --catalog={context.Options.Catalog}";
        if (review.Grants.Count > 0)
        {
            var list = OverridePosture.Render(review.Grants);
            if (!context.Flag(ArgumentNames.AllowPrivilegedOverride))
            {
                throw new CakeException(2,
                    $"--compose-override grants what the fleet does not declare for machine '{review.Machine}':{list}\n" +
                    $"Host access and privilege come from the fleet manifest (docker_socket, audio_device, models), where they are reviewed. Move the grant there and run {generate}, or pass --allow-privileged-override to deploy it anyway (the deploy report lists it).");
            }

            context.Log.Warning($"Deploying with override grants the fleet does not declare (--allow-privileged-override):{list}");
        }

        if (review.Missing)
        {
            throw new CakeException(1, $"{review.ComposePath} (machine '{review.Machine}') does not exist: Deploy deploys the Compose file Generate writes. Run {generate}, review it and commit it.");
        }

        if (review.Drift is not { } drift)
        {
            return;
        }

        if (AllowsDrift(context, Gpu(context), Devices(context)))
        {
            context.Log.Warning($"Deploying {review.ComposePath} as edited (--allow-drift), not as Generate renders it:\n{Short(drift)}");
            return;
        }

        throw new CakeException(1,
            $"{review.ComposePath} (machine '{review.Machine}') differs from what Generate renders from the fleet: Deploy deploys only the generated file that was reviewed.\n{Short(drift)}\n" +
            $"Run {generate}, review the change and commit it (a local change belongs in --compose-override=FILE); to try a hand edit on this machine anyway, add --allow-drift --mode=local.");
    }

    /// <summary>The machine's Compose file when --allow-drift lets it differ: Bake's check of the generated files leaves it out.</summary>
    public static IReadOnlySet<string> AcceptedDrift(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Plan.Facts.Deploys && context.Flag(ArgumentNames.AllowDrift) && context.Options.Mode == BuildMode.Local
            && context.Argument(ArgumentNames.Machine) is { } machine && context.Fleet is { } fleet && fleet.Fleet.Machines.ContainsKey(machine)
            ? new HashSet<string>(StringComparer.Ordinal) { ComposeRenderer.PathFor(fleet.Fleet, machine) }
            : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>--gpu=off drops the GPU device reservations (a machine without an NVIDIA runtime); the GPU probe still decides.</summary>
    public static bool Gpu(BuildContext context) => OnOff(ArgumentNames.Gpu, context.Argument(ArgumentNames.Gpu));

    /// <summary>--devices=off drops the sound devices and the audio group (a machine without them, e.g. a CI host).</summary>
    public static bool Devices(BuildContext context) => OnOff(ArgumentNames.Devices, context.Argument(ArgumentNames.Devices));

    /// <summary>An on/off switch, on unless given; anything else is a usage error (exit 2).</summary>
    internal static bool OnOff(string name, string? value) => value switch
    {
        null or "on" or "true" => true,
        "off" or "false" => false,
        _ => throw new CakeException(2, $"--{name}={value} is not a choice: use --{name}=on or --{name}=off."),
    };

    /// <summary>The committed Compose file, or (--gpu=off, --devices=off) the same file rendered without them into .work.</summary>
    public static string ComposeFile(BuildContext context, ResolvedFleet fleet, string machine, bool gpu, bool devices)
    {
        if (gpu && devices)
        {
            return ComposeRenderer.PathFor(fleet.Fleet, machine);
        }

        var path = context.Paths.WorkCompose(machine);
        AtomicFile.WriteAllText(path, ComposeRenderer.Render(fleet, machine, ComposeOptions.ForGeneration(fleet.Catalog) with { Gpu = gpu, Devices = devices }).File.Content);
        return Path.GetRelativePath(context.Root, path);
    }

    /// <summary>
    /// A socket-mounting service joins the machine's docker_gid, so that must be the socket's real group here: checked
    /// before anything starts (a remote engine's socket is not on this host and is not checked).
    /// </summary>
    public static void CheckDockerSocket(BuildContext context, KilnEnvironment environment, IProcessRunner processes, ResolvedFleet fleet, string machine)
    {
        var services = fleet.On(machine).Where(s => s.Service.DockerSocket).Select(s => s.Name).ToList();
        if (services.Count == 0 || fleet.Fleet.Machines[machine].DockerGid is not { } expected)
        {
            return;
        }

        var dockerHost = environment.Get("DOCKER_HOST");
        if (DockerSocketCheck.SocketPath(dockerHost) is not { } path)
        {
            context.Log.Warning($"DOCKER_HOST={dockerHost} is not a unix socket on this host: the group of the Docker socket {string.Join(", ", services)} mount is not checked against docker_gid {expected}.");
            return;
        }

        var stat = processes.Run(new CommandLine("stat").Add("-L", "-c", "%g", path), new ProcessOptions { Timeout = TimeSpan.FromSeconds(30) });
        int? actual = stat.Succeeded && int.TryParse(stat.StandardOutput.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var gid) ? gid : null;
        if (DockerSocketCheck.Problem(fleet.Fleet.File, machine, expected, path, actual, services, stat.StandardError) is { } problem)
        {
            throw new CakeException(1, problem);
        }

        context.Log.Information($"{path} belongs to group {expected}, the docker_gid {string.Join(", ", services)} join.");
    }

    public static CommandLine Compose(BuildContext context, string machine, string file) =>
        ComposeCommands.Project(machine, file, Overrides(context));
}

[TaskName("Deploy")]
[IsDependentOn(typeof(Bake))]
[TaskDescription("Brings one machine's Compose project up healthy. Before anything is hashed it refuses a Compose file that differs from what Generate renders (with its diff) and an override that grants host access or privilege the fleet does not declare; after Bake (which builds the machine's services with their families), it checks the Docker socket's group against docker_gid and that every secret is in the environment (KILN_SECRET_*), runs `docker compose up -d --wait` on the images this run hashed (pinned by digest once published), lists the links to the other machine, and writes deploy-report.json/.md (service, image, health, seconds to healthy, restarts). A service that never becomes healthy fails it with its last health output and logs.")]
[TaskArgument("--machine=NAME", "The machine of the fleet to deploy (mainpc, pc2).")]
[TaskArgument("--gpu=on|off", "off: drop the GPU device reservations (a machine without an NVIDIA runtime); the GPU probe in each healthcheck still decides, and the report says so.")]
[TaskArgument("--devices=on|off", "off: drop the sound devices and the audio group (a machine without them); the report says so.")]
[TaskArgument("--compose-override=FILE", "An extra Compose file on top of the generated one (repeatable). One that grants host access or privilege the fleet does not declare is refused.")]
[TaskArgument("--allow-privileged-override", "Deploy an override's undeclared grants anyway (they are logged and listed in the deploy report).")]
[TaskArgument("--allow-drift", "Local mode only: deploy a hand-edited Compose file that differs from what Generate renders (logged with its diff and in the deploy report).")]
public sealed class Deploy(KilnEnvironment environment, Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    /// <summary>
    /// What the generated Compose file reads: REGISTRY, each service's hash (KILN_TAG_…) and, when the registry
    /// holds that very image, its digest (KILN_DIGEST_… = "@sha256:…"). A service of the machine that this run did
    /// not hash is an error: the file's default would silently run -latest instead.
    /// </summary>
    internal static Dictionary<string, string?> DeployEnvironment(string registry, IReadOnlyList<string> services, Hashing.HashReport hashes)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["REGISTRY"] = registry };
        var hashed = hashes.Services;
        var missing = services.Where(s => hashed.All(h => h.Name != s)).ToList();
        if (missing.Count > 0)
        {
            throw new CakeException(1, $"This run did not bake {string.Join(", ", missing)} (left out by --services or --families): Deploy runs only images whose hash this run computed.");
        }

        foreach (var entry in hashed.Where(h => services.Contains(h.Name)))
        {
            env[ComposeOptions.TagVariable(entry.Name)] = entry.Hash;
            env[ComposeOptions.DigestVariable(entry.Name)] = entry.Exists == Hashing.Existence.Present && entry.Digest is { } digest ? "@" + digest : string.Empty;
        }

        return env;
    }

    /// <summary>
    /// Each secret the machine's file declares, from the deployer's environment (Compose reads it there; it is never
    /// written to a file). A missing one fails before anything starts, naming the variable.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Value)> SecretEnvironment(IReadOnlyList<ComposeSecret> secrets, Func<string, string?> environment, string machine)
    {
        var missing = secrets.Where(s => string.IsNullOrEmpty(environment(s.Variable))).ToList();
        return missing.Count > 0
            ? throw new CakeException(1, $"Deploy of {machine} needs {string.Join(", ", missing.Select(s => $"{s.Variable} (the secret '{s.Name}')"))} in its environment: Compose reads each secret from there. Set it from your secret store where Deploy runs; never write it into a file of the repository.")
            : secrets.Select(s => (s.Variable, environment(s.Variable)!)).ToList();
    }

    /// <summary>What each service of the machine is granted as this run deploys it (--gpu=off and --devices=off drop theirs).</summary>
    internal static IReadOnlyList<FleetPrivileged> Privileged(ResolvedFleet fleet, string machine, bool gpu, bool devices)
    {
        var fm = fleet.Fleet.Machines[machine];
        return fleet.On(machine).OrderBy(s => s.Name, StringComparer.Ordinal)
            .Select(s => new FleetPrivileged(s.Name, FleetWiring.Privileges(fm, s.Service, devices, gpu && s.IsGpu)))
            .Where(p => p.Grants.Count > 0).ToList();
    }

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (fleet, machine) = MachineProject.Target(context);
        var gpu = MachineProject.Gpu(context);
        var devices = MachineProject.Devices(context);
        var hashes = context.Results.Hashes ?? throw new CakeException(1, "Deploy needs this run's hashes: run ./build.sh --target=Deploy (Bake runs first and builds the services), not --exclusive.");
        var env = DeployEnvironment(context.Repository, fleet.On(machine).Select(s => s.Name).ToList(), hashes);
        foreach (var (name, value) in SecretEnvironment(ComposeRenderer.Secrets(fleet.Fleet, machine), environment.Get, machine))
        {
            env[name] = value;
        }

        MachineProject.CheckDockerSocket(context, environment, processes, fleet, machine);
        var crossMachine = FleetWiring.CrossMachine(fleet.Fleet).Where(l => l.Machine == machine).ToList();
        foreach (var link in crossMachine)
        {
            context.Log.Information($"Across machines (not waited for): {link} ({link.Variable})");
        }

        var privileged = Privileged(fleet, machine, gpu, devices);
        foreach (var p in privileged)
        {
            context.Log.Information($"Privileged: {p.Service}: {string.Join(", ", p.Grants)}");
        }

        var file = MachineProject.ComposeFile(context, fleet, machine, gpu, devices);
        var compose = MachineProject.Compose(context, machine, file);
        var up = ComposeCommands.Up(compose);
        context.Log.Information((gpu ? string.Empty : "GPU reservations dropped (--gpu=off). ") + (devices ? string.Empty : "Sound devices and the audio group dropped (--devices=off). ") + up.Render());
        var started = processes.Run(up, new ProcessOptions { WorkingDirectory = context.Root, Environment = env, Timeout = TimeSpan.FromMinutes(10), OnStandardError = output.WriteError });
        IReadOnlyList<ContainerState> States()
        {
            var ids = processes.Run(ComposeCommands.Containers(compose), new ProcessOptions { WorkingDirectory = context.Root, Environment = env }).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return ContainerInspect.Parse(ids.Length == 0 ? "[]" : processes.Run(new CommandLine("docker").Add(["inspect", .. ids]), new ProcessOptions()).StandardOutput);
        }

        // `up --wait` stops at the first container that fails; the others' health is settled before the report is made.
        var states = States();
        for (var waited = 0; !started.Succeeded && waited < 180 && states.Any(c => c.Health == "starting"); waited += 2)
        {
            Thread.Sleep(TimeSpan.FromSeconds(2));
            states = States();
        }

        var review = MachineProject.Review(context, fleet, machine);
        var report = DeployReport.Build(machine, gpu, file, states, devices, crossMachine, privileged, review.Drift, review.Grants);
        AtomicFile.WriteAllText(context.Paths.DeployReportJson, report.ToJson());
        AtomicFile.WriteAllText(context.Paths.DeployReportMarkdown, report.ToMarkdown());
        if (environment.Get("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
        {
            File.AppendAllText(summary, report.ToMarkdown());
        }

        output.Write(TextTable.Render(
            ["Service", "Image", "Health", "Seconds to healthy", "Restarts"],
            report.Services.Select(s => (IReadOnlyList<string>)[s.Service, Catalog.ImageReference.Split(s.Image).Tag ?? s.Image, s.Health, s.SecondsToHealthy?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "-", s.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture)])));
        if (!started.Succeeded || !report.AllHealthy)
        {
            var unhealthy = report.Unhealthy.Select(s =>
            {
                var logs = processes.Run(ComposeCommands.Logs(compose, s.Service), new ProcessOptions { WorkingDirectory = context.Root, Environment = env }).StandardOutput.Trim();
                return $"{s.Service} is {s.Health}: {s.LastHealthOutput?.Trim() ?? "no health output"}\n  logs:\n    {logs.Replace("\n", "\n    ", StringComparison.Ordinal)}";
            }).ToList();
            throw new CakeException(1, $"Deploy of {machine}: {(unhealthy.Count == 0 ? started.StandardError.Trim() : string.Join("\n", unhealthy))}");
        }

        context.Log.Information($"{machine}: {report.Services.Count} services healthy ({Path.GetRelativePath(context.Root, context.Paths.DeployReportMarkdown)}).");
    }
}

[TaskName("Down")]
[TaskDescription("Stops one machine's Compose project and removes its containers (docker compose down).")]
[TaskArgument("--machine=NAME", "The machine whose project to stop.")]
public sealed class Down(IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (fleet, machine) = MachineProject.Target(context);
        var file = MachineProject.ComposeFile(context, fleet, machine, MachineProject.Gpu(context), MachineProject.Devices(context));
        var down = processes.Run(ComposeCommands.Down(MachineProject.Compose(context, machine, file)), new ProcessOptions { WorkingDirectory = context.Root, Timeout = TimeSpan.FromMinutes(5) });
        if (!down.Succeeded)
        {
            throw new CakeException(1, $"docker compose down for {machine} failed: {down.StandardError.Trim()}");
        }

        context.Log.Information($"{machine}: project {ComposeRenderer.ProjectName(machine)} is down.");
    }
}
