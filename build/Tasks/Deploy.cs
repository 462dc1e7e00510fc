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
[TaskDescription("Brings one machine's Compose project up healthy (after Bake, so the families exist): builds each of its services' images at their hashes when missing, runs `docker compose up -d --wait`, and writes deploy-report.json/.md (service, image, health, seconds to healthy, restarts). A service that never becomes healthy fails it with its last health output and logs.")]
[TaskArgument("--machine=NAME", "The machine of the fleet to deploy (mainpc, pc2).")]
[TaskArgument("--gpu=on|off", "off: drop the GPU device reservations (a machine without an NVIDIA runtime); the GPU probe in each healthcheck still decides, and the report says so.")]
[TaskArgument("--compose-override=FILE", "An extra Compose file on top of the generated one (repeatable).")]
public sealed class Deploy(KilnEnvironment environment) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (fleet, machine) = MachineProject.Target(context);
        var gpu = MachineProject.Gpu(context);
        var services = fleet.Services.Where(s => s.Service.Machines.Contains(machine)).ToList();
        var missing = FleetValidator.RequireSources(fleet, Path.Combine(context.Root, fleet.Fleet.SourceRoot), _ => new HashSet<string>(), services.Select(s => s.Service.Name).ToList());
        if (missing.Count > 0)
        {
            throw new CakeException(1, $"Cannot build the services of {machine}: " + string.Join(" ", missing.Select(m => m.ToString())));
        }

        var hashes = context.Results.Hashes ?? throw new CakeException(1, "Deploy needs this run's family hashes: run ./build.sh --target=Deploy (Bake runs first), not --exclusive.");
        var repository = context.Repository + "-services";
        var images = new List<(ResolvedService Service, string Hash, string Tag, string FamilyTag)>();
        foreach (var s in services)
        {
            var family = hashes.Families.FirstOrDefault(f => f.Name == s.Family.Name)
                ?? throw new CakeException(1, $"Service {s.Service.Name} runs on family {s.Family.Name}, which this run did not bake (--families): add it.");
            var dockerfile = ServiceDockerfileRenderer.DockerfilePath(fleet.Catalog, s.Service.Name);
            var content = context.GeneratedFiles.First(f => f.Path == dockerfile).Content;
            var ignore = context.GeneratedFiles.First(f => f.Path == dockerfile + ".dockerignore").Content;
            var (hash, _) = ServiceHasher.Compute(fleet.Fleet, s.Service, context.Root, content, ignore, family.Hash);
            images.Add((s, hash, $"{repository}:{s.Service.Name}-{hash}", family.Tags.Immutable));
        }

        var local = Buildx.DockerEngine.LocalImages(images.Select(i => i.Tag).ToList());
        foreach (var image in images.Where(i => !local.ContainsKey(i.Tag)))
        {
            var build = new CommandLine("docker").Add(
                "buildx", "build", "--load", "--provenance=false", "--progress=plain",
                "--build-context", $"{ServiceDockerfileRenderer.FamilyContext}=docker-image://{image.FamilyTag}",
                "-f", ServiceDockerfileRenderer.DockerfilePath(fleet.Catalog, image.Service.Service.Name), "-t", image.Tag, fleet.Fleet.SourceRoot);
            context.Log.Information($"Building {image.Service.Service.Name}: {build.Render()}");
            var built = ProcessRunner.Run(build, new ProcessOptions { WorkingDirectory = context.Root, Timeout = TimeSpan.FromMinutes(30) });
            if (!built.Succeeded)
            {
                throw new CakeException(1, $"Building service {image.Service.Service.Name} failed: {built.StandardError.Trim().Split('\n').LastOrDefault()}");
            }
        }

        var file = MachineProject.ComposeFile(context, fleet, machine, gpu);
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["REGISTRY"] = context.Repository };
        foreach (var image in images)
        {
            env[ComposeOptions.TagVariable(image.Service.Service.Name)] = image.Hash;
        }

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
