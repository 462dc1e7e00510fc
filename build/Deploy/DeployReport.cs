using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Build.Deploy;

/// <summary>What `docker inspect` says about one container of a Compose project.</summary>
public sealed record ContainerState(
    string Service,
    string Image,
    string Status,
    string? Health,
    DateTimeOffset? Started,
    DateTimeOffset? FirstHealthy,
    int Restarts,
    string? LastHealthOutput)
{
    /// <summary>From the container's start to the end of its first passing health check (the cold-start time).</summary>
    public double? SecondsToHealthy => Started is { } s && FirstHealthy is { } h ? Math.Round((h - s).TotalSeconds, 2) : null;
}

/// <summary>Reads `docker inspect &lt;containers&gt;` output (a JSON array) into <see cref="ContainerState"/>s.</summary>
public static partial class ContainerInspect
{
    public const string ServiceLabel = "com.docker.compose.service";

    public static IReadOnlyList<ContainerState> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = new List<ContainerState>();
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var config = c.GetProperty("Config");
            var service = config.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object && labels.TryGetProperty(ServiceLabel, out var l)
                ? l.GetString() ?? string.Empty
                : (c.GetProperty("Name").GetString() ?? string.Empty).TrimStart('/');
            var state = c.GetProperty("State");
            string? health = null;
            DateTimeOffset? firstHealthy = null;
            string? lastOutput = null;
            if (state.TryGetProperty("Health", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                health = h.GetProperty("Status").GetString();
                if (h.TryGetProperty("Log", out var log) && log.ValueKind == JsonValueKind.Array)
                {
                    var entries = log.EnumerateArray().ToList();
                    firstHealthy = entries.Where(e => e.GetProperty("ExitCode").GetInt32() == 0).Select(e => Time(e.GetProperty("End").GetString())).FirstOrDefault(t => t is not null);
                    lastOutput = entries.Count == 0 ? null : entries[^1].GetProperty("Output").GetString()?.Trim();
                }
            }

            result.Add(new ContainerState(
                service,
                config.GetProperty("Image").GetString() ?? string.Empty,
                state.GetProperty("Status").GetString() ?? string.Empty,
                health,
                Time(state.GetProperty("StartedAt").GetString()),
                firstHealthy,
                c.TryGetProperty("RestartCount", out var r) ? r.GetInt32() : 0,
                lastOutput));
        }

        return result.OrderBy(s => s.Service, StringComparer.Ordinal).ToList();
    }

    /// <summary>Docker's RFC 3339 times carry nanoseconds; .NET parses at most 7 fraction digits.</summary>
    private static DateTimeOffset? Time(string? value)
    {
        if (value is null || value.StartsWith("0001-", StringComparison.Ordinal))
        {
            return null;
        }

        var trimmed = Fraction().Replace(value, m => "." + m.Groups[1].Value[..Math.Min(7, m.Groups[1].Value.Length)], 1);
        return DateTimeOffset.Parse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    [GeneratedRegex(@"\.(\d+)")]
    private static partial Regex Fraction();
}

public sealed record DeployEntry(string Service, string Image, string Status, string Health, double? SecondsToHealthy, int Restarts, string? LastHealthOutput);

/// <summary>
/// deploy-report.json/.md: per service of a machine, its image, health, seconds to healthy and restarts; whether GPU
/// reservations and sound devices were left out; the links to other machines that Compose did not wait for; the
/// services granted more than the hardened default (socket, devices, groups, GPUs, host folders), as deployed; and
/// what was deployed that was not reviewed: the Compose file's drift from its render (--allow-drift) and the
/// override grants the fleet does not declare (--allow-privileged-override).
/// </summary>
public sealed record DeployReport(int SchemaVersion, string Machine, bool Gpu, bool Devices, string ComposeFile, IReadOnlyList<DeployEntry> Services, IReadOnlyList<Fleet.FleetLink> CrossMachine, IReadOnlyList<Fleet.FleetPrivileged> Privileged, string? ComposeDrift, IReadOnlyList<PostureFinding> OverrideFindings)
{
    public const int CurrentSchema = 2;

    public static JsonSerializerOptions Json => global::Build.IO.JsonText.ReportOptions;

    public bool AllHealthy => Services.Count > 0 && Services.All(s => s.Health == "healthy");

    /// <summary>Services that are not healthy, each with its last health output: what a failing Deploy prints.</summary>
    public IReadOnlyList<DeployEntry> Unhealthy => Services.Where(s => s.Health != "healthy").ToList();

    public static DeployReport Build(string machine, bool gpu, string composeFile, IEnumerable<ContainerState> containers, bool devices = true, IReadOnlyList<Fleet.FleetLink>? crossMachine = null, IReadOnlyList<Fleet.FleetPrivileged>? privileged = null, string? composeDrift = null, IReadOnlyList<PostureFinding>? overrideFindings = null)
    {
        ArgumentNullException.ThrowIfNull(containers);
        var entries = containers.OrderBy(c => c.Service, StringComparer.Ordinal)
            .Select(c => new DeployEntry(c.Service, c.Image, c.Status, c.Health ?? "none", c.SecondsToHealthy, c.Restarts, c.LastHealthOutput))
            .ToList();
        return new DeployReport(CurrentSchema, machine, gpu, devices, composeFile, entries, crossMachine ?? [], privileged ?? [], composeDrift, overrideFindings ?? []);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        var off = new List<string>();
        if (!Gpu)
        {
            off.Add("`--gpu=off` (no GPU device reservations; the GPU probe decides)");
        }

        if (!Devices)
        {
            off.Add("`--devices=off` (no sound devices or audio group)");
        }

        sb.Append(CultureInfo.InvariantCulture, $"## Deploy: {Machine}\n\n`{ComposeFile}`{(off.Count == 0 ? string.Empty : " with " + string.Join(" and ", off))}: ");
        sb.Append(CultureInfo.InvariantCulture, $"{Services.Count(s => s.Health == "healthy")} of {Services.Count} services healthy.\n\n");
        sb.Append("| service | image | health | seconds to healthy | restarts |\n|---|---|---|---:|---:|\n");
        foreach (var s in Services)
        {
            var seconds = s.SecondsToHealthy is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) : "-";
            sb.Append(CultureInfo.InvariantCulture, $"| {s.Service} | `{s.Image}` | {s.Health} | {seconds} | {s.Restarts} |\n");
        }

        if (Privileged.Count > 0)
        {
            sb.Append("\nPrivileged (granted beyond the hardened default, each by its fleet key):\n\n");
            foreach (var p in Privileged)
            {
                sb.Append(CultureInfo.InvariantCulture, $"- {p.Service}: {string.Join(", ", p.Grants)}\n");
            }
        }

        if (CrossMachine.Count > 0)
        {
            sb.Append("\nAcross machines (not waited for; each service reads the address from its variable):\n\n");
            foreach (var l in CrossMachine)
            {
                sb.Append(l.MarkdownLine());
            }
        }

        if (OverrideFindings.Count > 0)
        {
            sb.Append("\nOverride grants the fleet does not declare (`--allow-privileged-override`):\n\n");
            foreach (var f in OverrideFindings)
            {
                sb.Append(CultureInfo.InvariantCulture, $"- `{f.File}:{f.Line}` {f.Service}: {f.What}\n");
            }
        }

        if (ComposeDrift is { } drift)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n`{ComposeFile}` was deployed as edited, not as Generate renders it (`--allow-drift`):\n\n```diff\n{drift.TrimEnd('\n')}\n```\n");
        }

        foreach (var s in Unhealthy.Where(s => !string.IsNullOrEmpty(s.LastHealthOutput)))
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n**{s.Service}** last health output:\n\n```\n{s.LastHealthOutput}\n```\n");
        }

        return sb.ToString();
    }
}
