using System.Globalization;
using System.Text.RegularExpressions;
using Build.Fleet;
using Build.Tools;

namespace Build.Locking;

/// <summary>One service to lock: the distributions its imports need.</summary>
public sealed record LockRequest(string Service, IReadOnlyList<RequiredDistribution> Requirements);

/// <summary>The services on one family, resolved together in one build against the family's own pins.</summary>
public sealed record FamilyLockRequest(string Family, string Image, IReadOnlyList<(string Name, string Version)> Pins, IReadOnlyList<LockRequest> Services);

/// <summary>
/// <paramref name="WorkDirectory"/> holds the builds' inputs and outputs (it is emptied per family);
/// <paramref name="RequirementsDirectory"/> is where the .in files live, as locks name them.
/// </summary>
public sealed record LockSettings(
    PackageSource Source,
    IReadOnlyDictionary<string, string> ModuleMap,
    string WorkDirectory,
    string? Builder = null,
    string RequirementsDirectory = "requirements");

/// <summary>Why a service has no lock, what to do, and pip's (or the build's) own words.</summary>
public sealed record LockFailure(string Message, string Fix, IReadOnlyList<string> Output);

/// <summary>A service's generated .in and either its lock text or why there is none.</summary>
public sealed record LockOutcome(string Service, string Family, string RequirementsIn, string? Lock, LockFailure? Failure)
{
    public bool Succeeded => Failure is null;

    public override string ToString() =>
        Failure is null
            ? $"service '{Service}': locked"
            : $"service '{Service}': {Failure.Message} {Failure.Fix}".TrimEnd() + string.Concat(Failure.Output.Select(l => "\n    " + l));
}

/// <summary>
/// Writes each family's .in files and constraints, runs one resolve build per family (<see cref="LockResolution"/>)
/// and turns each service's pip report into its lock. The process runner is injected: tests fake the build.
/// </summary>
public sealed partial class LockResolver(IProcessRunner processes)
{
    private const int TailLines = 15;

    private readonly IProcessRunner _processes = processes ?? throw new ArgumentNullException(nameof(processes));

    /// <summary>Outcomes in request order of families, each family's services by name.</summary>
    public IReadOnlyList<LockOutcome> Resolve(IReadOnlyList<FamilyLockRequest> families, LockSettings settings)
    {
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(settings);
        var names = families.SelectMany(f => f.Services).Select(s => s.Service).ToList();
        if (names.FirstOrDefault(n => !SafeName().IsMatch(n)) is { } bad)
        {
            throw new ArgumentException($"'{bad}' cannot name a service's .in file.", nameof(families));
        }

        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Service '{twice.Key}' is requested twice.", nameof(families));
        }

        var outcomes = new List<LockOutcome>();
        for (var i = 0; i < families.Count; i++)
        {
            outcomes.AddRange(ResolveFamily(families[i], settings, Path.Combine(settings.WorkDirectory, $"{i.ToString("D2", CultureInfo.InvariantCulture)}-{Unsafe().Replace(families[i].Family, "_")}")));
        }

        return outcomes;
    }

    private IEnumerable<LockOutcome> ResolveFamily(FamilyLockRequest family, LockSettings settings, string dir)
    {
        if (family.Services.Count == 0)
        {
            return [];
        }

        var inDir = Path.Combine(dir, "in");
        var outDir = Path.Combine(dir, "out");
        foreach (var d in new[] { inDir, outDir })
        {
            if (Directory.Exists(d))
            {
                Directory.Delete(d, recursive: true);
            }

            Directory.CreateDirectory(d);
        }

        var services = family.Services.OrderBy(s => s.Service, StringComparer.Ordinal).Select(s => (s.Service, In: RequirementsIn.Render(s.Service, s.Requirements))).ToList();
        foreach (var (service, text) in services)
        {
            File.WriteAllText(Path.Combine(inDir, service + ".in"), text);
        }

        File.WriteAllText(Path.Combine(inDir, Constraints.FileName), Constraints.Render(family.Pins));

        var command = LockResolution.Command(family.Image, inDir, outDir, settings.Source, settings.Builder);
        var result = _processes.Run(command, new ProcessOptions { StandardInput = LockResolution.Dockerfile(settings.Source) });
        if (!result.Succeeded)
        {
            var why = result.TimedOut ? $"timed out after {result.Duration:g}" : $"failed (exit {result.ExitCode.ToString(CultureInfo.InvariantCulture)})";
            var failure = new LockFailure(
                $"The resolve build of family '{family.Family}' ({family.Image}) {why}, so none of its services was resolved.",
                $"Check that the image exists (build the family first) and that the builder runs, then run ./build.sh --target=Lock again. The command was: {command.Render()}",
                Tail(result.StandardError));
            return services.Select(s => new LockOutcome(s.Service, family.Family, s.In, null, failure)).ToList();
        }

        // The constraints pin each of these names to the family's version, so any of them pip reports is the family's copy.
        var pinned = family.Pins.Select(p => FleetFamilies.NormalizePackage(p.Name)).ToHashSet(StringComparer.Ordinal);
        return services.Select(s => Outcome(family, s.Service, s.In, outDir, pinned, settings)).ToList();
    }

    private static LockOutcome Outcome(FamilyLockRequest family, string service, string requirementsIn, string outDir, IReadOnlySet<string> pinned, LockSettings settings)
    {
        var source = $"{settings.RequirementsDirectory}/{service}.in";
        LockOutcome Failed(string message, string fix, IReadOnlyList<string> output) => new(service, family.Family, requirementsIn, null, new LockFailure(message, fix, output));

        var exitFile = Path.Combine(outDir, service + ".exit");
        var logFile = Path.Combine(outDir, service + ".log");
        var log = File.Exists(logFile) ? File.ReadAllText(logFile) : string.Empty;
        if (!File.Exists(exitFile) || !int.TryParse(File.ReadAllText(exitFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var exit))
        {
            return Failed($"The resolve build of family '{family.Family}' returned no exit code for {source}.", "Run ./build.sh --target=Lock again; the build's output directory was incomplete.", Tail(log));
        }

        if (exit != 0)
        {
            var errors = PipErrors(log);
            return Failed($"pip could not resolve {source} in family '{family.Family}' from {settings.Source} (exit {exit.ToString(CultureInfo.InvariantCulture)}).", ResolveFix(service, errors, settings.Source), errors);
        }

        var reportFile = Path.Combine(outDir, service + ".json");
        if (!File.Exists(reportFile))
        {
            return Failed($"pip resolved {source} in family '{family.Family}' but wrote no report.", "The family's pip is too old to write --report (pip 23.0 or later is needed): upgrade pip in the family, or give it no pip so the distribution's is used.", Tail(log));
        }

        try
        {
            var report = PipReport.Parse(File.ReadAllText(reportFile), $"{service}.json (pip's report for {source})");
            var familyCopies = report.Install.Select(i => FleetFamilies.NormalizePackage(i.Name)).Where(pinned.Contains).ToHashSet(StringComparer.Ordinal);
            var text = ServiceLock.Render(service, source, report, familyCopies, item => ModulesOf(item, settings));
            return new LockOutcome(service, family.Family, requirementsIn, text, null);
        }
        catch (LockException ex)
        {
            return Failed(ex.Message, string.Empty, []);
        }
    }

    /// <summary>The wheel's own top-level names when it is on this machine, else what the module map knows.</summary>
    private static IReadOnlyList<string> ModulesOf(PipReportItem item, LockSettings settings)
    {
        if (settings.Source.Wheelhouse is { } wheelhouse && item.Url is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsFile
            && Uri.UnescapeDataString(uri.Segments[^1]) is var file && file.EndsWith(".whl", StringComparison.Ordinal)
            && Path.Combine(wheelhouse, file) is var local && File.Exists(local))
        {
            try
            {
                return WheelTopLevel.Read(local);
            }
            catch (LockException)
            {
                // An unreadable wheel fails at install with a better message; the comment line is not worth failing for.
            }
        }

        return [.. ModuleMap.ModulesOf(item.Name, settings.ModuleMap)];
    }

    /// <summary>pip's error lines and, when it explains a conflict, the explanation; else the log's last lines.</summary>
    private static IReadOnlyList<string> PipErrors(string log)
    {
        var lines = log.ReplaceLineEndings("\n").Split('\n');
        var result = new List<string>();
        var inConflict = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("ERROR:", StringComparison.Ordinal))
            {
                result.Add(line.TrimEnd());
                inConflict = false;
            }
            else if (line.StartsWith("The conflict is caused by:", StringComparison.Ordinal))
            {
                result.Add(line.TrimEnd());
                inConflict = true;
            }
            else if (inConflict && line.Trim().Length > 0)
            {
                result.Add(line.TrimEnd());
            }
            else
            {
                inConflict = false;
            }
        }

        return result.Count > 0 ? result : Tail(log);
    }

    private static string ResolveFix(string service, IReadOnlyList<string> errors, PackageSource source)
    {
        var rerun = $"then run ./build.sh --target=Lock --services={service}.";
        var missing = errors.Select(e => NoMatch().Match(e)).Where(m => m.Success).Select(m => m.Groups["req"].Value).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var provide = source.IndexUrl is { } url ? $"publish it to {url}" : $"add a wheel of it to {source}";
            return $"No file of {string.Join(", ", missing)} fits the family's Python and platform: {provide}, or, if an import maps to the wrong distribution, fix it in the fleet's module_map; {rerun}";
        }

        if (errors.Any(e => e.Contains("ResolutionImpossible", StringComparison.Ordinal)))
        {
            var provide = source.IndexUrl is { } url ? $"publish compatible versions to {url}" : $"add wheels of compatible versions to {source}";
            return $"The requirements conflict with each other or with the versions the family pins ({Constraints.FileName}): {provide}, or fix the fleet's module_map if a wrong distribution is required; {rerun}";
        }

        return $"Read pip's output below, fix the wheelhouse, index or module_map, {rerun}";
    }

    private static IReadOnlyList<string> Tail(string text) =>
        text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).TakeLast(TailLines).ToList();

    [GeneratedRegex(@"No matching distribution found for (?<req>\S+)")]
    private static partial Regex NoMatch();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex SafeName();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}
