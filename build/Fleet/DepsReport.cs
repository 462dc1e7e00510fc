using System.Globalization;
using System.Text;
using System.Text.Json;
using Build.IO;
using Build.Locking;
using Build.Reports;

namespace Build.Fleet;

/// <summary>
/// What each selected service's image takes in of the fleet's code, and why: every file with its bytes and the
/// import chain that pulls it in, every third-party import with where it is imported and what installs it.
/// </summary>
public static class DepsReport
{
    public const int SchemaVersion = 1;

    public static string Text(ResolvedFleet fleet, IReadOnlyList<ServiceCode> services, Func<ResolvedService, IReadOnlySet<string>> familyModules)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(familyModules);
        var sb = new StringBuilder();
        foreach (var code in services)
        {
            var rs = fleet.Get(code.Service);
            var s = rs.Service;
            var bytes = code.Files.Sum(f => f.Bytes);
            sb.Append(CultureInfo.InvariantCulture, $"{s.Name} (family {rs.Family.Name}): python3 -m {ServiceDockerfileRenderer.EntryModule(s.Entrypoint)}, {code.Files.Count} file(s), {Bytes.Format(bytes)}\n");
            var chains = code.Analysis.Closure.ToDictionary(c => c.Path, c => c.Chain, StringComparer.Ordinal);
            sb.Append(TextTable.Render(["File", "Bytes", "Pulled in by"], code.Files.Select(f => (IReadOnlyList<string>)
            [
                f.Path,
                f.Bytes.ToString(CultureInfo.InvariantCulture),
                f.Path == s.Entrypoint ? "(entrypoint)" : chains.TryGetValue(f.Path, out var chain) ? Chain(s.Entrypoint, chain) : f.Why,
            ])));
            var third = ThirdParty(fleet, rs, code, familyModules(rs));
            if (third.Count > 0)
            {
                sb.Append(TextTable.Render(["Third-party module", "Distribution", "Installed by", "Imported at"], third.Select(t => (IReadOnlyList<string>)
                    [t.Module, t.Distribution, t.InstalledBy, string.Join(", ", t.Sites)])));
            }
            else
            {
                sb.Append("No third-party imports.\n");
            }

            foreach (var e in code.Errors)
            {
                sb.Append("error: ").Append(e).Append('\n');
            }

            foreach (var w in code.Warnings)
            {
                sb.Append("warning: ").Append(w).Append('\n');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    public static string Json(ResolvedFleet fleet, IReadOnlyList<ServiceCode> services, Func<ResolvedService, IReadOnlySet<string>> familyModules)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(familyModules);
        return IO.JsonText.Write(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("schemaVersion", SchemaVersion);
            w.WriteString("fleet", fleet.Fleet.File);
            w.WriteString("sourceRoot", fleet.Fleet.SourceRoot);
            w.WriteStartArray("services");
            foreach (var code in services)
            {
                var rs = fleet.Get(code.Service);
                var chains = code.Analysis.Closure.ToDictionary(c => c.Path, c => c.Chain, StringComparer.Ordinal);
                w.WriteStartObject();
                w.WriteString("service", rs.Name);
                w.WriteString("family", rs.Family.Name);
                w.WriteString("entrypoint", rs.Service.Entrypoint);
                w.WriteString("module", ServiceDockerfileRenderer.EntryModule(rs.Service.Entrypoint));
                w.WriteNumber("bytes", code.Files.Sum(f => f.Bytes));
                w.WriteStartArray("files");
                foreach (var f in code.Files)
                {
                    w.WriteStartObject();
                    w.WriteString("path", f.Path);
                    w.WriteNumber("bytes", f.Bytes);
                    w.WriteString("sha256", f.Sha256);
                    w.WriteString("why", f.Why);
                    w.WriteStrings("chain", chains.TryGetValue(f.Path, out var chain) ? chain.Select(c => c.ToString()) : []);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("thirdParty");
                foreach (var t in ThirdParty(fleet, rs, code, familyModules(rs)))
                {
                    w.WriteStartObject();
                    w.WriteString("module", t.Module);
                    w.WriteString("distribution", t.Distribution);
                    w.WriteString("installedBy", t.InstalledBy);
                    w.WriteBoolean("optional", t.Optional);
                    w.WriteStrings("importedAt", t.Sites);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("unresolved");
                foreach (var u in code.Analysis.Unresolved)
                {
                    w.WriteStartObject();
                    w.WriteString("name", u.Name);
                    w.WriteString("at", u.At.ToString());
                    w.WriteString("reason", u.Reason);
                    w.WriteBoolean("optional", u.Optional);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStrings("errors", code.Errors.Select(e => e.ToString()));
                w.WriteStrings("warnings", code.Warnings.Select(e => e.ToString()));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>A third-party module of a service: the distribution it maps to and what installs it.</summary>
    public sealed record ThirdPartyModule(string Module, string Distribution, string InstalledBy, bool Optional, IReadOnlyList<string> Sites);

    public static IReadOnlyList<ThirdPartyModule> ThirdParty(ResolvedFleet fleet, ResolvedService service, ServiceCode code, IReadOnlySet<string> familyModules)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(familyModules);
        var errorSites = code.Errors.Select(e => e.Where?.ToString()).ToHashSet(StringComparer.Ordinal);
        return code.Analysis.ThirdParty
            .GroupBy(t => t.TopLevel, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var sites = g.Select(t => t.At.ToString()).Distinct(StringComparer.Ordinal).ToList();
                var dotted = g.First().Name;
                var installedBy = familyModules.Contains(g.Key) ? $"family {service.Family.Name}"
                    : g.Any(t => errorSites.Contains(Display(fleet.Fleet, t.At.ToString()))) ? "nothing (error)"
                    : g.All(t => t.Optional) ? "optional"
                    : "lock";
                return new ThirdPartyModule(g.Key, ModuleMap.Distribution(dotted, fleet.Fleet.ModuleMap), installedBy, g.All(t => t.Optional), sites);
            })
            .ToList();
    }

    private static string Display(Fleet fleet, string at) => fleet.SourceRoot == "." ? at : $"{fleet.SourceRoot}/{at}";

    private static string Chain(string entrypoint, IReadOnlyList<Imports.SourcePosition> chain) =>
        chain.Count == 0 ? entrypoint : string.Join(" → ", chain.Select(c => $"{c.File}:{c.Line.ToString(CultureInfo.InvariantCulture)}"));
}
