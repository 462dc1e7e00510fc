using Build.Deploy;
using Build.Fleet;
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
            : throw new CakeException(2, $"--machine={machine} is not a machine of {fleet.Fleet.File} ({string.Join(", ", machines)}).");
    }

    /// <summary>--gpu=off drops the GPU device reservations (a machine without an NVIDIA runtime); the GPU probe still decides.</summary>
    public static bool Gpu(BuildContext context) => context.Argument(ArgumentNames.Gpu) switch
    {
        null or "on" or "true" => true,
        "off" or "false" => false,
        var other => throw new CakeException(2, $"--gpu={other} is not a choice: use --gpu=on or --gpu=off."),
    };

    /// <summary>The committed Compose file, or (--gpu=off) the same file rendered without reservations into .work.</summary>
    public static string ComposeFile(BuildContext context, ResolvedFleet fleet, string machine, bool gpu)
    {
        if (gpu)
        {
            return ComposeRenderer.PathFor(fleet.Fleet, machine);
        }

        var path = context.Paths.WorkCompose(machine);
        AtomicFile.WriteAllText(path, ComposeRenderer.Render(fleet, machine, ComposeOptions.ForGeneration(fleet.Catalog) with { Gpu = false }).File.Content);
        return Path.GetRelativePath(context.Root, path);
    }

    public static CommandLine Compose(BuildContext context, string machine, string file)
    {
        var command = new CommandLine("docker").Add("compose", "-p", ComposeRenderer.ProjectName(machine), "-f", file);
        foreach (var extra in context.Arguments.HasArgument(ArgumentNames.ComposeOverride) ? context.Arguments.GetArguments(ArgumentNames.ComposeOverride) : [])
        {
            command = command.Add("-f", extra);
        }

        return command;
    }
}

[TaskName("Deploy")]
[IsDependentOn(typeof(Bake))]
[TaskDescription("Brings one machine's Compose project up healthy: after Bake (which builds the machine's services with their families), runs `docker compose up -d --wait` on the images this run hashed (pinned by digest once published), and writes deploy-report.json/.md (service, image, health, seconds to healthy, restarts). A service that never becomes healthy fails it with its last health output and logs.")]
[TaskArgument("--machine=NAME", "The machine of the fleet to deploy (mainpc, pc2).")]
[TaskArgument("--gpu=on|off", "off: drop the GPU device reservations (a machine without an NVIDIA runtime); the GPU probe in each healthcheck still decides, and the report says so.")]
[TaskArgument("--compose-override=FILE", "An extra Compose file on top of the generated one (repeatable).")]
public sealed class Deploy(KilnEnvironment environment) : FrostingTask<BuildContext>
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

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (fleet, machine) = MachineProject.Target(context);
        var gpu = MachineProject.Gpu(context);
        var hashes = context.Results.Hashes ?? throw new CakeException(1, "Deploy needs this run's hashes: run ./build.sh --target=Deploy (Bake runs first and builds the services), not --exclusive.");
        var env = DeployEnvironment(context.Repository, fleet.On(machine).Select(s => s.Name).ToList(), hashes);

        var file = MachineProject.ComposeFile(context, fleet, machine, gpu);
        var compose = MachineProject.Compose(context, machine, file);
        var up = compose.Add("up", "-d", "--wait", "--wait-timeout", "300", "--remove-orphans");
        context.Log.Information((gpu ? string.Empty : "GPU reservations dropped (--gpu=off). ") + up.Render());
        var started = ProcessRunner.Run(up, new ProcessOptions { WorkingDirectory = context.Root, Environment = env, Timeout = TimeSpan.FromMinutes(10), OnStandardError = Console.Error.WriteLine });
        IReadOnlyList<ContainerState> States()
        {
            var ids = ProcessRunner.Run(compose.Add("ps", "-a", "-q"), new ProcessOptions { WorkingDirectory = context.Root, Environment = env }).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return ContainerInspect.Parse(ids.Length == 0 ? "[]" : ProcessRunner.Run(new CommandLine("docker").Add(["inspect", .. ids]), new ProcessOptions()).StandardOutput);
        }

        // `up --wait` stops at the first container that fails; the others' health is settled before the report is made.
        var states = States();
        for (var waited = 0; !started.Succeeded && waited < 180 && states.Any(c => c.Health == "starting"); waited += 2)
        {
            Thread.Sleep(TimeSpan.FromSeconds(2));
            states = States();
        }

        var report = DeployReport.Build(machine, gpu, file, states);
        AtomicFile.WriteAllText(context.Paths.DeployReportJson, report.ToJson());
        AtomicFile.WriteAllText(context.Paths.DeployReportMarkdown, report.ToMarkdown());
        if (environment.Get("GITHUB_STEP_SUMMARY") is { Length: > 0 } summary)
        {
            File.AppendAllText(summary, report.ToMarkdown());
        }

        Console.Out.Write(TextTable.Render(
            ["Service", "Image", "Health", "Seconds to healthy", "Restarts"],
            report.Services.Select(s => (IReadOnlyList<string>)[s.Service, s.Image[(s.Image.LastIndexOf(':') + 1)..], s.Health, s.SecondsToHealthy?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "-", s.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture)])));
        if (!started.Succeeded || !report.AllHealthy)
        {
            var unhealthy = report.Unhealthy.Select(s =>
            {
                var logs = ProcessRunner.Run(compose.Add("logs", "--no-color", "--tail", "20", s.Service), new ProcessOptions { WorkingDirectory = context.Root, Environment = env }).StandardOutput.Trim();
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
public sealed class Down : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (fleet, machine) = MachineProject.Target(context);
        var file = MachineProject.ComposeFile(context, fleet, machine, MachineProject.Gpu(context));
        var down = ProcessRunner.Run(MachineProject.Compose(context, machine, file).Add("down", "--remove-orphans"), new ProcessOptions { WorkingDirectory = context.Root, Timeout = TimeSpan.FromMinutes(5) });
        if (!down.Succeeded)
        {
            throw new CakeException(1, $"docker compose down for {machine} failed: {down.StandardError.Trim()}");
        }

        context.Log.Information($"{machine}: project {ComposeRenderer.ProjectName(machine)} is down.");
    }
}
