using System.Globalization;
using System.Text;
using Build.IO;
using Build.Reports;

namespace Build.Deploy;

/// <summary>One rehearsed container: its machine, image (and its bytes) and how long it took to become healthy.</summary>
public sealed record RehearsedService(string Machine, string Service, string Image, long? Bytes, string Health, double? SecondsToHealthy);

/// <summary>A dependency across machines, and whether the dependent heard its peer at the other machine's address.</summary>
public sealed record RehearsedEdge(string Service, string Machine, string DependsOn, string DependencyMachine, string Address, bool Answered);

/// <summary>
/// rehearsal-report.json/.md: every rehearsed container (the fleet's baseline table: image bytes and seconds from
/// start to healthy), every cross-machine edge, what the Docker API answered the services given the socket, the
/// containers that wrote outside their volumes (none, with a read-only root), and the rehearsal's wall time.
/// </summary>
public sealed record RehearsalReport(string Kind, IReadOnlyList<RehearsedService> Services, IReadOnlyList<RehearsedEdge> Edges, IReadOnlyList<string> DockerApi, IReadOnlyList<string> Writes, double Seconds)
{
    public const int SchemaVersion = 1;

    /// <summary>A GPU-optional and a GPU-only service on a GPU of the other arch: what each did.</summary>
    public IReadOnlyList<string> Gpu { get; init; } = [];

    public string ToJson() => JsonText.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteString("kind", Kind);
        w.WriteNumber("seconds", Math.Round(Seconds, 1));
        w.WriteStartArray("services");
        foreach (var s in Services)
        {
            w.WriteStartObject();
            w.WriteString("machine", s.Machine);
            w.WriteString("service", s.Service);
            w.WriteString("image", s.Image);
            w.WriteNumberOrNull("bytes", s.Bytes);

            w.WriteString("health", s.Health);
            w.WriteNumberOrNull("secondsToHealthy", s.SecondsToHealthy is { } seconds ? Math.Round(seconds, 2) : null);

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("crossMachineEdges");
        foreach (var e in Edges)
        {
            w.WriteStartObject();
            w.WriteString("service", e.Service);
            w.WriteString("machine", e.Machine);
            w.WriteString("dependsOn", e.DependsOn);
            w.WriteString("dependencyMachine", e.DependencyMachine);
            w.WriteString("address", e.Address);
            w.WriteBoolean("answered", e.Answered);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStrings("dockerApi", DockerApi);
        w.WriteStrings("gpuOtherArch", Gpu);
        w.WriteStrings("writesOutsideVolumes", Writes);
        w.WriteEndObject();
    });

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var healthy = Services.Where(s => s.SecondsToHealthy is not null).Select(s => s.SecondsToHealthy!.Value).Order().ToList();
        sb.Append(CultureInfo.InvariantCulture, $"## Fleet rehearsal ({Kind})\n\n{Services.Count} containers on {Services.Select(s => s.Machine).Distinct().Count()} machines, {Services.Count(s => s.Health == "healthy")} healthy, in {Seconds:0} s");
        if (healthy.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"; seconds to healthy: median {healthy[healthy.Count / 2]:0.0}, max {healthy[^1]:0.0}");
        }

        sb.Append(".\n\n");
        sb.Append(TextTable.Markdown(["Machine", "Service", "Image bytes", "Health", "Seconds to healthy"], Services.Select(s => (IReadOnlyList<string>)
        [
            s.Machine, s.Service, s.Bytes is { } b ? Bytes.Format(b) : "-", s.Health, s.SecondsToHealthy?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
        ]), [false, false, true, false, true]));
        sb.Append("\n### Cross-machine edges\n\n");
        sb.Append(Edges.Count == 0 ? "None.\n" : TextTable.Markdown(["Service", "Depends on", "At", "Answered"], Edges.Select(e => (IReadOnlyList<string>)
            [$"{e.Service}@{e.Machine}", $"{e.DependsOn}@{e.DependencyMachine}", e.Address, e.Answered ? "yes" : "NO"])));
        sb.Append("\n### Docker API through the socket\n\n");
        sb.Append(string.Concat(DockerApi.Select(l => $"- {l}\n")));
        sb.Append("\n### On a GPU of the other arch\n\n");
        sb.Append(string.Concat(Gpu.Select(l => $"- {l}\n")));
        sb.Append(CultureInfo.InvariantCulture, $"\nContainers that wrote outside their volumes, tmpfs and caches: {(Writes.Count == 0 ? "none" : string.Join(", ", Writes))}.\n");
        return sb.ToString();
    }
}
