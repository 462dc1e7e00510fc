using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Build.Deploy;
using Build.Fleet;
using Build.Host;
using Build.IO;
using Build.Reports;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Rehearse")]
[IsDependentOn(typeof(DemoUp))]
[TaskDescription("Rehearses the whole fleet on this machine: a stand-in program per service at its real entrypoint (binding its ports and health port, healthy only once its peers, Redis and the Docker API answer), built on the demo families of the same alias, deployed as one Compose project per machine, the machines reaching each other over a Docker network standing in for the LAN; writes rehearsal-report.json/.md (per service: image bytes, seconds to healthy; the cross-machine edges) and takes it down.")]
[TaskArgument("--keep", "Leave the rehearsed projects and the LAN network up.")]
[TaskArgument("--reduced", "One service per family, both ends of every cross-machine edge (with what they depend on) and the services given the Docker socket: what CI runs.")]
public sealed class Rehearse(Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    private const string DemoCatalog = "examples/demo/families.yaml";
    private const string Registry = "kiln.rehearsal/fleet";

    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fleet = context.Fleet ?? throw new CakeException(2, $"Rehearse needs a fleet beside {context.Catalog.File} ({context.Catalog.Directory}/fleet.yaml).");
        if (!File.Exists(Path.Combine(context.Root, DemoCatalog)))
        {
            throw new CakeException(2, $"Rehearse builds the fleet on the demo's families: {DemoCatalog} is missing.");
        }

        var clock = Stopwatch.StartNew();
        var keep = context.Flag(ArgumentNames.Keep);
        var reduced = context.Flag(ArgumentNames.Reduced) ? RehearsalTree.Reduced(fleet) : null;
        var tree = Path.Combine(context.Paths.Work, "rehearsal");
        var machines = fleet.Fleet.Machines.Keys.Order(StringComparer.Ordinal).ToList();
        var lan = new RehearsalLan(processes);
        var report = Path.Combine(context.Paths.Root, "rehearsal");
        Directory.CreateDirectory(report);
        IReadOnlyList<string> addresses;
        try
        {
            addresses = lan.Up(machines);
        }
        catch (InvalidOperationException ex)
        {
            throw new CakeException(1, ex.Message);
        }

        var hosts = machines.Select((m, i) => new RehearsalHost(m, addresses[i], Path.Combine(tree, "models", m))).ToList();
        var child = new Child(context, tree, processes);
        var deployed = new List<string>();
        try
        {
            Prepare(context, fleet, tree, hosts, reduced, redisImage: null);
            // The Redis family is built first: its image is what the rehearsed manifest's infrastructure runs.
            child.Must("Generate");
            child.Must("Bake", "--families=" + RehearsalTree.RedisFamily, "--services=none");
            var redis = RedisImage(tree);
            Prepare(context, fleet, tree, hosts, reduced, redis);
            child.Must("Generate");
            var rehearsed = FleetLoader.Load(Path.Combine(RehearsalTree.Dir, "fleet.yaml"), tree);
            var results = new List<(string Machine, DeployReport Report, double Seconds)>();
            foreach (var host in hosts)
            {
                var started = clock.Elapsed.TotalSeconds;
                var overrideFile = GpuOverride(context, tree, rehearsed, fleet, host.Machine);
                deployed.Add(host.Machine);
                // The stand-in nvidia-smi is a host bind no fleet key declares: the rehearsal grants it knowingly, and
                // each machine's deploy report lists it under overrideFindings.
                child.Must("Deploy", $"--machine={host.Machine}", "--gpu=off", "--devices=off", $"--compose-override={overrideFile}", "--allow-privileged-override");
                var deploy = JsonSerializer.Deserialize<DeployReport>(File.ReadAllText(Path.Combine(tree, "artifacts", "deploy-report.json")), DeployReport.Json)!;
                File.Copy(Path.Combine(tree, "artifacts", "deploy-report.json"), Path.Combine(report, $"deploy-report-{host.Machine}.json"), overwrite: true);
                File.Copy(Path.Combine(tree, "artifacts", "deploy-report.md"), Path.Combine(report, $"deploy-report-{host.Machine}.md"), overwrite: true);
                results.Add((host.Machine, deploy, clock.Elapsed.TotalSeconds - started));
            }

            var edges = CrossMachineEdges(rehearsed);
            var socket = SocketLines(rehearsed);
            var writes = WritesOutsideVolumes(hosts);
            var gpu = WrongArch(tree, rehearsed, fleet, results.SelectMany(r => r.Report.Services.Select(s => (r.Machine, s.Service, s.Image))).ToList());
            var rows = results.SelectMany(r => r.Report.Services.Select(s => new RehearsedService(r.Machine, s.Service, s.Image, ImageBytes(s.Image), s.Health, s.SecondsToHealthy))).ToList();
            var summary = new RehearsalReport(reduced is null ? "full" : "reduced", rows, edges, socket, writes, clock.Elapsed.TotalSeconds) { Gpu = gpu.Select(g => g.Line).ToList() };
            AtomicFile.WriteAllText(Path.Combine(report, "rehearsal-report.json"), summary.ToJson());
            AtomicFile.WriteAllText(Path.Combine(report, "rehearsal-report.md"), summary.ToMarkdown());
            output.Write(summary.ToMarkdown());

            var problems = edges.Where(e => !e.Answered).Select(e => $"{e.Service}@{e.Machine} did not hear {e.DependsOn} at {e.Address}")
                .Concat(writes.Select(w => $"{w} wrote outside its volumes, tmpfs and caches"))
                .Concat(socket.Where(s => !s.Contains("containers listed as uid 10001", StringComparison.Ordinal)).Select(s => $"Docker API: {s}"))
                .Concat(gpu.Where(g => !g.AsExpected).Select(g => $"GPU probe: {g.Line}"))
                .ToList();
            if (problems.Count > 0)
            {
                throw new CakeException(1, $"The rehearsal came up, but:\n  {string.Join("\n  ", problems)}");
            }

            context.Log.Information($"Rehearsal ({summary.Kind}): {rows.Count} containers healthy on {hosts.Count} machines, {edges.Count} cross-machine edges answered, in {summary.Seconds:0} s ({Path.GetRelativePath(context.Root, report)}).");
        }
        finally
        {
            if (!keep)
            {
                foreach (var machine in deployed)
                {
                    child.Run("Down", $"--machine={machine}", "--gpu=off", "--devices=off");
                }

                lan.Down();
            }
        }
    }

    /// <summary>The rehearsal tree: the demo (its catalog's files), the rehearsal catalog and manifest, the stand-ins.</summary>
    private void Prepare(BuildContext context, ResolvedFleet fleet, string tree, IReadOnlyList<RehearsalHost> hosts, IReadOnlySet<string>? reduced, string? redisImage)
    {
        if (redisImage is null)
        {
            if (Directory.Exists(Path.Combine(tree, "examples")))
            {
                Directory.Delete(Path.Combine(tree, "examples"), recursive: true);
            }

            Generation.Generator.CopyTree(Path.Combine(context.Root, "examples", "demo"), Path.Combine(tree, "examples", "demo"));
            foreach (var host in hosts)
            {
                Directory.CreateDirectory(host.ModelsDir);
            }
        }

        var dir = Path.Combine(tree, RehearsalTree.Dir);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(tree, RehearsalTree.Catalog), RehearsalTree.CatalogText(File.ReadAllText(Path.Combine(context.Root, DemoCatalog))));
        var gid = DockerGid(context);
        File.WriteAllText(Path.Combine(dir, "fleet.yaml"), RehearsalTree.FleetText(File.ReadAllText(Path.Combine(context.Root, fleet.Fleet.File)), fleet.Fleet.File, hosts, gid, redisImage, reduced));
        var apps = Path.Combine(dir, "apps");
        if (Directory.Exists(apps))
        {
            Directory.Delete(apps, recursive: true);
        }

        foreach (var (path, text) in RehearsalTree.StandIns(fleet.Fleet))
        {
            var full = Path.Combine(apps, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
    }

    /// <summary>Each GPU service gets a stand-in nvidia-smi reporting its machine's compute capability (no GPU here).</summary>
    private static string GpuOverride(BuildContext context, string tree, Build.Fleet.Fleet rehearsed, ResolvedFleet real, string machine)
    {
        var capability = rehearsed.Machines[machine].ComputeCapability ?? "0.0";
        var smi = Path.Combine(tree, "nvidia-smi-" + machine);
        File.WriteAllText(smi, $"#!/bin/sh\n# A stand-in for the driver's tool on {machine}: one GPU of compute capability {capability}.\necho {capability}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(smi, (UnixFileMode)0b111_101_101);
        }

        var gpu = real.On(machine).Where(s => s.IsGpu && rehearsed.Services.Any(r => r.Name == s.Name)).Select(s => s.Name).ToList();
        var text = gpu.Count == 0
            ? "services: {}\n"
            : "services:\n" + string.Concat(gpu.Select(s => $"  \"{s}\":\n    volumes:\n      - \"{smi}:/usr/local/bin/nvidia-smi:ro\"\n"));
        var file = Path.Combine(tree, $"gpu-{machine}.yaml");
        File.WriteAllText(file, text);
        context.Log.Verbose($"{machine}: stand-in nvidia-smi ({capability}) for {gpu.Count} GPU service(s).");
        return file;
    }

    private static string RedisImage(string tree)
    {
        using var hashes = JsonDocument.Parse(File.ReadAllText(Path.Combine(tree, "artifacts", "hashes.json")));
        return hashes.RootElement.GetProperty("families").EnumerateArray()
            .Single(f => f.GetProperty("name").GetString() == RehearsalTree.RedisFamily)
            .GetProperty("tags")[0].GetString()!;
    }

    /// <summary>The Docker socket's group: what the rehearsed machines declare as their docker_gid.</summary>
    private int DockerGid(BuildContext context)
    {
        var socket = context.Env.Get("DOCKER_HOST") is { } host && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
        var stat = processes.Run(new CommandLine("stat").Add("-L", "-c", "%g", socket), new ProcessOptions());
        return stat.Succeeded && int.TryParse(stat.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var gid)
            ? gid
            : throw new CakeException(1, $"Could not read the group of the Docker socket {socket}: {stat.StandardError.Trim()}");
    }

    /// <summary>Each cross-machine link, and whether the dependent logged its answer from the other machine's address.</summary>
    private List<RehearsedEdge> CrossMachineEdges(Build.Fleet.Fleet rehearsed) =>
        FleetWiring.CrossMachine(rehearsed).Select(l =>
        {
            var heard = l.Kind == FleetLinkKind.DependsOn
                ? $"peer {l.Variable[FleetWiring.PeerPrefix.Length..]} at {l.Endpoint} answered"
                : $"at redis://{l.Endpoint}/0 answered";
            return new RehearsedEdge(l.Service, l.Machine, l.Target, l.TargetMachine, l.Endpoint, Logs(l.Machine, l.Service).Contains(heard, StringComparison.Ordinal));
        }).ToList();

    private List<string> SocketLines(Build.Fleet.Fleet rehearsed) =>
        rehearsed.Services.Where(s => s.DockerSocket).SelectMany(s => s.Machines.Select(m =>
            Logs(m, s.Name).Split('\n').FirstOrDefault(l => l.Contains("docker API", StringComparison.Ordinal)) is { } line ? $"{s.Name}@{m}: {line.Trim()}" : $"{s.Name}@{m}: no Docker API line")).ToList();

    /// <summary>
    /// Each GPU service's image on a GPU of the other arch (a stand-in nvidia-smi): one GPU-optional service must run on
    /// its CPU path, one GPU-only service must fail fast with the probe's message.
    /// </summary>
    private List<(string Line, bool AsExpected)> WrongArch(string tree, Build.Fleet.Fleet rehearsed, ResolvedFleet real, IReadOnlyList<(string Machine, string Service, string Image)> running)
    {
        var result = new List<(string Line, bool AsExpected)>();
        var gpu = running.Where(r => real.Services.Any(s => s.Name == r.Service && s.IsGpu)).ToList();
        foreach (var optional in new[] { true, false })
        {
            if (gpu.FirstOrDefault(r => rehearsed.Get(r.Service).GpuOptional == optional) is not { Service: not null } pick)
            {
                continue;
            }

            var other = rehearsed.Machines.Values.Select(m => m.ComputeCapability).FirstOrDefault(c => c is not null && c != rehearsed.Machines[pick.Machine].ComputeCapability) ?? "0.0";
            var smi = Path.Combine(tree, "nvidia-smi-wrong");
            File.WriteAllText(smi, $"#!/bin/sh\n# A stand-in for the driver's tool: a GPU of the other arch ({other}).\necho {other}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(smi, (UnixFileMode)0b111_101_101);
            }

            var run = new CommandLine("docker").Add("run", "-d", "--read-only", "--tmpfs", "/tmp", "-e", $"{RehearsalTree.ServiceVariable}={pick.Service}", "-e", $"KILN_GPU_OPTIONAL={(optional ? "1" : "0")}", "-v", $"{smi}:/usr/local/bin/nvidia-smi:ro", pick.Image);
            var id = processes.Run(run, new ProcessOptions()).StandardOutput.Trim();
            Thread.Sleep(TimeSpan.FromSeconds(4));
            var state = processes.Run(new CommandLine("docker").Add("inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", id), new ProcessOptions()).StandardOutput.Trim();
            var logs = processes.Run(new CommandLine("docker").Add("logs", id), new ProcessOptions()) is var l ? (l.StandardOutput + l.StandardError).Trim() : string.Empty;
            processes.Run(new CommandLine("docker").Add("rm", "-f", id), new ProcessOptions());
            var probe = logs.Split('\n').FirstOrDefault(x => x.Contains("kiln-gpu-probe", StringComparison.Ordinal))?.Trim() ?? "(no probe line)";
            var ok = optional
                ? state.StartsWith("true", StringComparison.Ordinal) && logs.Contains("KILN_DEVICE=cpu", StringComparison.Ordinal) && logs.Contains("device cpu", StringComparison.Ordinal)
                : state.StartsWith("false", StringComparison.Ordinal) && !state.EndsWith(" 0", StringComparison.Ordinal) && logs.Contains("but the visible GPU has " + other, StringComparison.Ordinal);
            result.Add(($"{pick.Service} ({(optional ? "gpu: optional" : "GPU only")}) on a {other} GPU: {(optional ? "runs on the CPU path" : "fails fast")} — {probe}", ok));
        }

        return result;
    }

    /// <summary>
    /// Every container's changes to its own filesystem (docker diff), less the mount points Docker itself creates for
    /// its volumes, binds, tmpfs and secrets (and their parent folders): what is left was written by the service.
    /// </summary>
    private List<string> WritesOutsideVolumes(IReadOnlyList<RehearsalHost> hosts)
    {
        var writes = new List<string>();
        foreach (var id in hosts.SelectMany(h => Ids(h.Machine)))
        {
            var changed = processes.Run(new CommandLine("docker").Add("diff", id), new ProcessOptions()).StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(l => l[(l.IndexOf(' ') + 1)..]).ToList();
            if (changed.Count == 0)
            {
                continue;
            }

            using var inspect = JsonDocument.Parse(processes.Run(new CommandLine("docker").Add("inspect", id), new ProcessOptions()).StandardOutput);
            var c = inspect.RootElement[0];
            var mounts = c.GetProperty("Mounts").EnumerateArray().Select(m => m.GetProperty("Destination").GetString()!)
                .Concat(c.GetProperty("HostConfig").TryGetProperty("Tmpfs", out var tmpfs) && tmpfs.ValueKind == JsonValueKind.Object ? tmpfs.EnumerateObject().Select(t => t.Name) : [])
                .Select(d => d.StartsWith("/var/run/", StringComparison.Ordinal) ? d["/var".Length..] : d)
                .ToList();
            var own = changed.Where(path => !mounts.Any(m => m == path || m.StartsWith(path + "/", StringComparison.Ordinal))).ToList();
            if (own.Count > 0)
            {
                writes.Add($"{c.GetProperty("Name").GetString()!.TrimStart('/')}: {string.Join(", ", own)}");
            }
        }

        return writes;
    }

    private IEnumerable<string> Ids(string machine) =>
        processes.Run(new CommandLine("docker").Add("ps", "-q", "--filter", $"label=com.docker.compose.project={ComposeRenderer.ProjectName(machine)}"), new ProcessOptions())
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string Logs(string machine, string service)
    {
        var ids = processes.Run(new CommandLine("docker").Add("ps", "-q", "--filter", $"label=com.docker.compose.project={ComposeRenderer.ProjectName(machine)}", "--filter", $"label=com.docker.compose.service={service}"), new ProcessOptions())
            .StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return ids.Length == 0 ? string.Empty : processes.Run(new CommandLine("docker").Add("logs", ids[0].Trim()), new ProcessOptions()) is var r ? r.StandardOutput + r.StandardError : string.Empty;
    }

    private long? ImageBytes(string image) =>
        processes.Run(new CommandLine("docker").Add("image", "inspect", "-f", "{{.Size}}", image), new ProcessOptions()) is { Succeeded: true } r
            && long.TryParse(r.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null;


    /// <summary>Kiln itself on the rehearsal tree: the same app, another working directory, the demo's base images.</summary>
    private sealed class Child(BuildContext context, string tree, IProcessRunner processes)
    {
        // The demo catalog's base variables, as this run has them: read once, given to every child run.
        private readonly Dictionary<string, string?> _env = Buildx.BakeFileRenderer.BaseVariables(Catalog.CatalogLoader.Load(DemoCatalog, new Catalog.CatalogLoadOptions(context.Root, context.Env.Get, Strict: false)).Catalog)
            .Where(v => context.Env.Get(v.Name) is { Length: > 0 })
            .ToDictionary(v => v.Name, v => context.Env.Get(v.Name), StringComparer.Ordinal);

        public ProcessResult Run(string target, params string[] args)
        {
            var app = typeof(BuildContext).Assembly.Location;
            var command = new CommandLine("dotnet").Add(app, $"--target={target}", $"--working={tree}", $"--catalog={RehearsalTree.Catalog}", $"--registry={Registry}", "--mode=local", "--offline", "--no-report").Add(args);
            var env = _env;
            context.Log.Information($"rehearsal: {target} {string.Join(' ', args)}");
            return processes.Run(command, new ProcessOptions { WorkingDirectory = tree, Environment = env, Timeout = TimeSpan.FromMinutes(30), OnStandardOutput = l => context.Log.Verbose(l), OnStandardError = l => context.Log.Verbose(l) });
        }

        public ProcessResult Must(string target, params string[] args)
        {
            var result = Run(target, args);
            return result.Succeeded
                ? result
                : throw new CakeException(1, $"The rehearsal's {target} {string.Join(' ', args)} failed (exit {result.ExitCode}):\n{Tail(result.StandardOutput + result.StandardError)}");
        }

        private static string Tail(string text) => string.Join('\n', text.ReplaceLineEndings("\n").Split('\n').Where(l => l.Trim().Length > 0).TakeLast(40));
    }
}
