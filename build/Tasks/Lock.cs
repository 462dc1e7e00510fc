using Build.Fleet;
using Build.Host;
using Build.IO;
using Build.Locking;
using Build.Reports;
using Build.Tools;
using Cake.Core;
using Cake.Core.Diagnostics;

namespace Build.Tasks;

[TaskName("Lock")]
[TaskDescription("Writes each selected service's requirements/<service>.in from its third-party imports (minus what its family provides) and resolves it with pip inside the family image into requirements/<service>.lock: every transitive dependency pinned == with --hash=sha256:. Nothing changed, nothing written. Bakes the services' families first (not the services).")]
[TaskArgument("--index-url=URL", "Resolve against this package index instead of the fleet's wheelhouse (--no-index --find-links).")]
[IsDependentOn(typeof(Bake))]
public sealed class Lock(Services.RunOutput output, IProcessRunner processes) : FrostingTask<BuildContext>
{
    public override void Run(BuildContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fleet = context.Fleet ?? throw new CakeException(2, $"Lock needs a fleet beside {context.Catalog.File} ({context.Catalog.Directory}/fleet.yaml).");
        var hashes = context.Results.Hashes ?? throw new CakeException(1, "Lock needs this run's family images: run ./build.sh --target=Lock (ComputeHash and Bake run first), not --exclusive.");
        var services = context.Plan.NamedServices.Where(s => s.Service.RequirementsLock is not null).ToList();
        foreach (var s in context.Plan.NamedServices.Where(s => s.Service.RequirementsLock is null))
        {
            context.Log.Information($"{s.Name}: 'requirements: {FleetLoader.NoLock}', nothing to lock.");
        }

        var sourceRoot = Path.Combine(context.Root, fleet.Fleet.SourceRoot);
        var code = ServiceCodeReader.Read(fleet, context.Root, services, checkLocks: false);
        var errors = code.SelectMany(c => c.Errors).ToList();
        if (errors.Count > 0)
        {
            throw new CakeException(1, $"Cannot lock: {errors.Count} problem(s) with the services' code:\n  {string.Join("\n  ", errors.Select(e => e.ToString()))}");
        }

        var source = Source(context, fleet, sourceRoot);
        var codeOf = code.ToDictionary(c => c.Service, StringComparer.Ordinal);
        var requests = services.GroupBy(s => s.Family.Name, StringComparer.Ordinal).Select(g =>
        {
            var family = g.First().Family;
            return new FamilyLockRequest(family.Name, MeasuredImage(hashes.Get(family.Name)), FleetFamilies.LockedPins(fleet.Catalog, family, context.Root),
                g.Select(s => new LockRequest(s.Name, Required(fleet, codeOf[s.Name], codeOf[s.Name].FamilyModules))).ToList());
        }).ToList();

        var settings = new LockSettings(source, fleet.Fleet.ModuleMap, Path.Combine(context.Paths.Work, "lock"), context.Argument(ArgumentNames.Builder),
            Path.GetDirectoryName(services.FirstOrDefault()?.Service.RequirementsLock ?? "requirements/x.lock")?.Replace('\\', '/') is { Length: > 0 } d ? d : ".");
        var outcomes = new LockResolver(processes).Resolve(requests, settings);

        var rows = new List<IReadOnlyList<string>>();
        foreach (var outcome in outcomes)
        {
            var s = fleet.Get(outcome.Service).Service;
            var inPath = Path.Combine(sourceRoot, Build.Fleet.Fleet.InputsPath(s.RequirementsLock!));
            var inWritten = WriteIfChanged(inPath, outcome.RequirementsIn);
            var lockWritten = outcome.Lock is { } text && WriteIfChanged(Path.Combine(sourceRoot, s.RequirementsLock!), text);
            var packages = outcome.Lock is null ? "-" : ServiceLock.Parse(outcome.Lock, s.RequirementsLock!).Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            rows.Add([outcome.Service, outcome.Family, RequirementsIn.Parse(outcome.RequirementsIn).Count.ToString(System.Globalization.CultureInfo.InvariantCulture), packages,
                !outcome.Succeeded ? "FAILED" : inWritten || lockWritten ? "written" : "unchanged"]);
        }

        output.Write(TextTable.Render(["Service", "Family", "Requested", "Locked packages", "Lock"], rows));
        var failed = outcomes.Where(o => !o.Succeeded).ToList();
        if (failed.Count > 0)
        {
            throw new CakeException(1, $"Could not lock {failed.Count} service(s):\n  {string.Join("\n  ", failed.Select(f => f.ToString()))}");
        }

        var written = rows.Count(r => r[^1] == "written");
        context.Log.Information(written == 0 ? $"Nothing changed: {outcomes.Count} lock(s) already match the services' imports." : $"Wrote {written} service(s)' .in and lock.");
    }

    /// <summary>The distributions a service's required third-party imports need, beyond what its family provides.</summary>
    internal static IReadOnlyList<RequiredDistribution> Required(ResolvedFleet fleet, ServiceCode code, IReadOnlySet<string> familyModules) =>
        code.Analysis.ThirdParty
            .Where(t => !t.Optional && !familyModules.Contains(t.TopLevel))
            .GroupBy(t => ModuleMap.Distribution(t.Name, fleet.Fleet.ModuleMap), StringComparer.Ordinal)
            .Select(g => new RequiredDistribution(g.Key, g.Select(t => t.TopLevel).Distinct(StringComparer.Ordinal).ToList(),
                g.Select(t => $"{t.At.File}:{t.At.Line.ToString(System.Globalization.CultureInfo.InvariantCulture)}").Distinct(StringComparer.Ordinal).ToList()))
            .ToList();

    private static PackageSource Source(BuildContext context, ResolvedFleet fleet, string sourceRoot)
    {
        if (context.Argument(ArgumentNames.IndexUrl) is { Length: > 0 } index)
        {
            return Uri.TryCreate(index, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file"
                ? PackageSource.FromIndex(index)
                : throw new CakeException(2, $"--index-url={index}: give the URL of a package index (http, https or file).");
        }

        return fleet.Fleet.Wheelhouse switch
        {
            { } inImage when inImage.StartsWith('/') => PackageSource.FromImageWheelhouse(inImage),
            { } folder => PackageSource.FromWheelhouse(Path.GetFullPath(Path.Combine(sourceRoot, folder))),
            null => throw new CakeException(2, $"Lock resolves against the fleet's wheelhouse or an index: {fleet.Fleet.File} has no 'wheelhouse:'. Add one (a folder of wheels under source_root) or pass --index-url=URL."),
        };
    }

    /// <summary>The family's image as this run knows it: the local store's, else the registry's by digest, else its tag.</summary>
    private static string MeasuredImage(Hashing.ImageHashEntry family) =>
        family.LocalImage is not null ? family.Tags.Immutable
        : family.Digest is { } digest ? $"{family.Tags.Immutable}@{digest}"
        : family.Tags.Immutable;

    private static bool WriteIfChanged(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, text);
        return true;
    }
}
