using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Build.Fleet;

public sealed record FleetCoverage(int Mapped, int Total, IReadOnlyList<string> Unmapped)
{
    public double Percent => Total == 0 ? 100 : Math.Round(100.0 * Mapped / Total, 1);
}

public sealed record FleetPort(int HostPort, int ContainerPort, string Service, string Kind);

public sealed record FleetGpuService(string Service, string Family, string Arch);

/// <summary>A container granted more than the hardened default (the Docker socket, a device, an extra group, the GPUs, a host folder).</summary>
public sealed record FleetPrivileged(string Service, IReadOnlyList<string> Grants);

public sealed record FleetMachineReport(
    string Machine,
    int PortOffset,
    string? ComputeCapability,
    string? Address,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> Infrastructure,
    IReadOnlyList<FleetGpuService> GpuServices,
    IReadOnlyList<FleetPort> Ports,
    IReadOnlyList<FleetPrivileged> Privileged,
    ImageBytes? Bytes = null);

/// <summary>A service's 'confirm:': a question about that row, not yet answered.</summary>
public sealed record FleetOpenQuestion(string Service, string Question, string Where);

/// <summary>A fleet-level question with the decision in force.</summary>
public sealed record FleetDecision(string Id, string Question, string Decision, string DecidedBy, string Where);

public sealed record FleetInfrastructureReport(string Name, string Image, IReadOnlyList<string> Machines, int Port, IReadOnlyList<string> UsedBy, string? PasswordSecret, string? SecretVariable);

public sealed record FleetFamilyServices(string Family, IReadOnlyList<string> Services);

/// <summary>One image's layers (digest and compressed size), as its OCI manifest lists them.</summary>
public sealed record ImageLayers(string Image, IReadOnlyList<(string Digest, long Size)> Layers);

/// <summary>The family saving: image sizes summed, next to the bytes with every shared layer counted once.</summary>
public sealed record ImageBytes(int Images, long SumOfImages, long SharedOnce)
{
    public long Saving => SumOfImages - SharedOnce;

    /// <summary>
    /// Both sums over the given images: SumOfImages counts every image's layers; SharedOnce counts each layer
    /// digest once (a family layer under 40 services is stored and pulled once).
    /// </summary>
    public static ImageBytes Compute(IEnumerable<ImageLayers> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var list = images.ToList();
        var unique = new Dictionary<string, long>(StringComparer.Ordinal);
        long sum = 0;
        foreach (var image in list)
        {
            foreach (var (digest, size) in image.Layers)
            {
                sum += size;
                unique.TryAdd(digest, size);
            }
        }

        return new ImageBytes(list.Count, sum, unique.Values.Sum());
    }
}

/// <summary>
/// fleet-report.json/.md: coverage, per machine placement, ports and privileges, the links across machines, the
/// infrastructure, the open questions (per service, and the fleet's with their decisions), family -> services.
/// </summary>
public sealed record FleetReport(
    int SchemaVersion,
    string Fleet,
    string Catalog,
    FleetCoverage Coverage,
    IReadOnlyList<FleetMachineReport> Machines,
    IReadOnlyList<FleetOpenQuestion> OpenQuestions,
    IReadOnlyList<FleetDecision> Questions,
    IReadOnlyList<FleetLink> CrossMachine,
    IReadOnlyList<FleetInfrastructureReport> Infrastructure,
    IReadOnlyList<FleetFamilyServices> Families,
    ImageBytes? Bytes)
{
    public const int CurrentSchema = 2;

    public static JsonSerializerOptions Json => global::Build.IO.JsonText.ReportOptions;

    /// <summary>The report of a fleet against a catalog; works on an invalid fleet too (unmapped services are listed).</summary>
    /// <param name="serviceLayers">The measured service images of the run, by service: the fleet's and each machine's bytes.</param>
    public static FleetReport Build(Fleet fleet, Catalog.Catalog catalog, IReadOnlyDictionary<string, ImageLayers>? serviceLayers = null)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(catalog);
        var families = fleet.Services.ToDictionary(s => s.Name, s => FleetFamilies.Resolve(catalog, s.Family), StringComparer.Ordinal);
        var unmapped = fleet.Services.Where(s => families[s.Name] is null).Select(s => s.Name).ToList();
        var coverage = new FleetCoverage(fleet.Services.Count - unmapped.Count, fleet.Services.Count, unmapped);

        var machines = new List<FleetMachineReport>();
        foreach (var machine in fleet.Machines.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            var on = fleet.On(machine.Name);
            var gpu = new List<FleetGpuService>();
            foreach (var s in on)
            {
                if (families[s.Name] is { } f && FleetFamilies.ArchList(catalog.Graph.Lineage(f.Name)) is { } archs)
                {
                    gpu.Add(new FleetGpuService(s.Name, f.Name, string.Join(';', archs)));
                }
            }

            var infra = fleet.Infrastructure.Where(i => i.Machines.Contains(machine.Name)).OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
            var ports = on.SelectMany(s => FleetValidator.PublishedPorts(s).Select(p => new FleetPort(p.Port + machine.PortOffset, p.Port, s.Name, p.What)))
                .Concat(infra.Select(i => new FleetPort(i.Port + machine.PortOffset, i.Port, i.Name, "infrastructure port")))
                .OrderBy(p => p.HostPort).ThenBy(p => p.Service, StringComparer.Ordinal).ToList();
            var measured = serviceLayers is null ? [] : on.Where(s => serviceLayers.ContainsKey(s.Name)).Select(s => serviceLayers[s.Name]).ToList();
            var machineBytes = measured.Count == 0 ? null : ImageBytes.Compute(measured);
            var privileged = infra.Select(i => new FleetPrivileged(i.Name, FleetWiring.HostFolders(i.Volumes)))
                .Concat(on.Select(s => new FleetPrivileged(s.Name, FleetWiring.Privileges(machine, s, gpu: gpu.Any(g => g.Service == s.Name)))))
                .Where(p => p.Grants.Count > 0).ToList();
            machines.Add(new FleetMachineReport(machine.Name, machine.PortOffset, machine.ComputeCapability, machine.Address, on.Select(s => s.Name).ToList(), infra.Select(i => i.Name).ToList(), gpu, ports, privileged, machineBytes));
        }

        var questions = fleet.Services.Where(s => s.Confirm is not null).Select(s => new FleetOpenQuestion(s.Name, s.Confirm!, s.At("confirm").ToString())).ToList();
        var decisions = fleet.Questions.Select(q => new FleetDecision(q.Id, q.Question, q.Decision, q.DecidedBy, q.Source.ToString())).ToList();
        var infrastructure = fleet.Infrastructure.Select(i => new FleetInfrastructureReport(i.Name, i.Image, i.Machines, i.Port, fleet.Services.Where(s => s.Uses.Contains(i.Name)).Select(s => s.Name).ToList(), i.PasswordSecret, i.SecretVariable)).ToList();
        var byFamily = fleet.Services.Where(s => families[s.Name] is not null)
            .GroupBy(s => families[s.Name]!.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new FleetFamilyServices(g.Key, g.Select(s => s.Name).ToList()))
            .ToList();
        var bytes = serviceLayers is not { Count: > 0 } ? null : ImageBytes.Compute(serviceLayers.Values);
        return new FleetReport(CurrentSchema, fleet.File, catalog.File, coverage, machines, questions, decisions, FleetWiring.CrossMachine(fleet), infrastructure, byFamily, bytes);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>A Mermaid flowchart family -> services (each used family under its parent chain).</summary>
    public string Mermaid(Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var sb = new StringBuilder("graph LR\n");
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var group in Families)
        {
            foreach (var f in catalog.Graph.Lineage(group.Family))
            {
                used.Add(f.Name);
            }
        }

        foreach (var name in used)
        {
            sb.Append("  ").Append(Id("f", name)).Append("[\"").Append(name).Append("\"]\n");
            if (catalog.Get(name).Parent is { } parent)
            {
                sb.Append("  ").Append(Id("f", parent)).Append(" -.-> ").Append(Id("f", name)).Append('\n');
            }
        }

        foreach (var group in Families)
        {
            foreach (var service in group.Services)
            {
                sb.Append("  ").Append(Id("f", group.Family)).Append(" --> ").Append(Id("s", service)).Append("(\"").Append(service).Append("\")\n");
            }
        }

        return sb.ToString();
    }

    public string ToMarkdown(Catalog.Catalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var sb = new StringBuilder();
        sb.Append("## Fleet\n\n");
        sb.Append(CultureInfo.InvariantCulture, $"Coverage: **{Coverage.Mapped} / {Coverage.Total}** services mapped to a catalog family ({Coverage.Percent.ToString("0.#", CultureInfo.InvariantCulture)}%) — `{Fleet}` on `{Catalog}`.\n");
        if (Coverage.Unmapped.Count > 0)
        {
            sb.Append("\nUnmapped: ").Append(string.Join(", ", Coverage.Unmapped.Select(u => $"`{u}`"))).Append('\n');
        }

        if (Bytes is { } bytes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\nService images measured: {bytes.Images}; sum of image sizes {Reports.Bytes.Format(bytes.SumOfImages)}, shared layers counted once {Reports.Bytes.Format(bytes.SharedOnce)} (families save {Reports.Bytes.Format(bytes.Saving)}).\n");
        }

        foreach (var m in Machines)
        {
            var infra = m.Infrastructure.Count == 0 ? string.Empty : $" and {string.Join(", ", m.Infrastructure)}";
            sb.Append(CultureInfo.InvariantCulture, $"\n### {m.Machine}\n\n{m.Services.Count} services{infra}, port_offset {m.PortOffset}, GPU compute capability {m.ComputeCapability ?? "none"}, address {m.Address ?? "none"}.\n");
            if (m.Bytes is { } mb)
            {
                sb.Append(CultureInfo.InvariantCulture, $"Image bytes ({mb.Images} measured): {Reports.Bytes.Format(mb.SharedOnce)} with shared layers counted once, against {Reports.Bytes.Format(mb.SumOfImages)} summed (saving {Reports.Bytes.Format(mb.Saving)}).\n");
            }

            if (m.GpuServices.Count > 0)
            {
                sb.Append("\n| GPU service | family | arch |\n|---|---|---|\n");
                foreach (var g in m.GpuServices)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"| {g.Service} | {g.Family} | {g.Arch} |\n");
                }
            }

            if (m.Privileged.Count > 0)
            {
                sb.Append("\nPrivileged:\n\n");
                foreach (var p in m.Privileged)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"- {p.Service}: {string.Join(", ", p.Grants)}\n");
                }
            }

            sb.Append("\n| host port | container port | service | kind |\n|---:|---:|---|---|\n");
            foreach (var p in m.Ports)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {p.HostPort} | {p.ContainerPort} | {p.Service} | {p.Kind} |\n");
            }
        }

        if (Infrastructure.Count > 0)
        {
            sb.Append("\n### Infrastructure\n\n| name | image | machines | port | used by | password |\n|---|---|---|---:|---|---|\n");
            foreach (var i in Infrastructure)
            {
                var password = i.PasswordSecret is null ? "none" : $"secret `{i.PasswordSecret}` from `{i.SecretVariable}`";
                sb.Append(CultureInfo.InvariantCulture, $"| {i.Name} | `{i.Image}` | {string.Join(", ", i.Machines)} | {i.Port} | {(i.UsedBy.Count == 0 ? "-" : string.Join(", ", i.UsedBy))} | {password} |\n");
            }
        }

        if (CrossMachine.Count > 0)
        {
            sb.Append("\n### Across machines (Compose does not wait for these)\n\n");
            foreach (var l in CrossMachine)
            {
                sb.Append(l.MarkdownLine());
            }
        }

        if (OpenQuestions.Count > 0)
        {
            sb.Append("\n### Open questions (`confirm:`)\n\n");
            foreach (var q in OpenQuestions)
            {
                sb.Append(CultureInfo.InvariantCulture, $"- **{q.Service}** ({q.Where}): {q.Question}\n");
            }
        }

        if (Questions.Count > 0)
        {
            sb.Append("\n### Open questions and the decisions in force (`questions:`)\n\n| id | question | decision | decided by |\n|---|---|---|---|\n");
            foreach (var q in Questions)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {q.Id} | {Cell(q.Question)} | {Cell(q.Decision)} | {Cell(q.DecidedBy)} |\n");
            }
        }

        sb.Append("\n### Families and their services\n\n```mermaid\n").Append(Mermaid(catalog)).Append("```\n");
        return sb.ToString();
    }

    /// <summary>Text in a Markdown table cell: a '|' would end the cell, a line break the row.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string Id(string prefix, string name) =>
        prefix + "_" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
