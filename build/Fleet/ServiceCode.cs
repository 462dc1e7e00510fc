using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Build.Catalog;
using Build.Imports;
using Build.Locking;

namespace Build.Fleet;

/// <summary>One file of a service's image code: a module of its import closure or a data file its 'files:' names.</summary>
public sealed record CodeFile(string Path, string Sha256, long Bytes, string Why);

/// <summary>
/// What a service's image holds of the fleet's code and why: the import closure of its entrypoint, its data files,
/// its third-party imports, and every problem with them (positioned errors; warnings that do not stop a build).
/// </summary>
public sealed record ServiceCode(
    string Service,
    ImportAnalysis Analysis,
    IReadOnlyList<CodeFile> Files,
    IReadOnlyList<InputError> Errors,
    IReadOnlyList<InputError> Warnings)
{
    /// <summary>The import names the service's family provides (what Lock subtracts and Deps reports as the family's).</summary>
    public IReadOnlySet<string> FamilyModules { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}

/// <summary>
/// Reads the fleet's code for the selected services: one <see cref="ImportAnalyzer"/> for the whole fleet (a module
/// shared by 34 services is scanned once), the 'files:' globs, and the check that every third-party import is
/// installed by the family or by the service's lock.
/// </summary>
public static class ServiceCodeReader
{
    /// <summary>
    /// The code of each service. <paramref name="checkLocks"/>: whether third-party imports must be covered by the
    /// family or the lock (not while Lock is writing the locks).
    /// </summary>
    public static IReadOnlyList<ServiceCode> Read(ResolvedFleet fleet, string repoRoot, IReadOnlyList<ResolvedService> services, bool checkLocks = true)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(services);
        var sourceRoot = Path.GetFullPath(Path.Combine(repoRoot, fleet.Fleet.SourceRoot));
        var analyzer = new ImportAnalyzer(sourceRoot, fleet.Fleet.PythonPath, PythonStdlib.Py311);
        var provided = services.Select(s => s.Family).DistinctBy(f => f.Name).ToDictionary(f => f.Name, f => FamilyModules(fleet, f, repoRoot), StringComparer.Ordinal);
        // The analyzer shares what it read between services and is safe across threads: the services are read on
        // every core, in their order.
        return services.AsParallel().AsOrdered()
            .Select(s => Read(fleet, sourceRoot, analyzer, s, provided[s.Family.Name], checkLocks) with { FamilyModules = provided[s.Family.Name] })
            .ToList();
    }

    /// <summary>The import names a family's Python environment provides (its lineage's locked distributions).</summary>
    private static IReadOnlySet<string> FamilyModules(ResolvedFleet fleet, Family family, string repoRoot)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        return FleetFamilies.LockedPackages(fleet.Catalog, family, repoRoot)
            .SelectMany(d => ModuleMap.ModulesOf(d, fleet.Fleet.ModuleMap))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static ServiceCode Read(ResolvedFleet fleet, string sourceRoot, ImportAnalyzer analyzer, ResolvedService rs, IReadOnlySet<string> familyModules, bool checkLocks)
    {
        var s = rs.Service;
        var errors = new List<InputError>();
        var warnings = new List<InputError>();
        var analysis = analyzer.Analyze(s.Entrypoint);
        var display = Display(fleet.Fleet);

        foreach (var e in analysis.SyntaxErrors)
        {
            errors.Add(InputError.Service(Span(display, e.At), s.Name, $"Python syntax error: {e.Message}.", "Fix the code there: Kiln reads the imports without running it, and Python would refuse this file too."));
        }

        foreach (var u in analysis.Unresolved)
        {
            var message = $"The import '{u.Name}' cannot be resolved: {u.Reason}.";
            if (u.Name == s.Entrypoint)
            {
                errors.Add(u.Reason.Contains("outside", StringComparison.Ordinal)
                    ? InputError.Service(s.At("entrypoint"), s.Name, $"The entrypoint '{s.Entrypoint}' is a symbolic link that leads outside source_root '{fleet.Fleet.SourceRoot}' ({sourceRoot}).", "Keep the service's code inside source_root, as real files: nothing outside it is hashed or copied.")
                    : InputError.Service(s.At("entrypoint"), s.Name, $"The entrypoint '{s.Entrypoint}' does not exist under source_root '{fleet.Fleet.SourceRoot}' ({sourceRoot}).", "Check out the fleet's code there, fix the path in the fleet, or point source_root at the fleet's repository."));
            }
            else if (u.Optional)
            {
                warnings.Add(InputError.Service(Span(display, u.At), s.Name, message, "It is optional (guarded by try/except ImportError or dynamic), so the image is built without it."));
            }
            else
            {
                errors.Add(InputError.Service(Span(display, u.At), s.Name, message, $"Add the module under source_root or one of python_path's roots ({string.Join(", ", fleet.Fleet.PythonPath)}), or fix the import."));
            }
        }

        var files = new SortedDictionary<string, CodeFile>(StringComparer.Ordinal);
        foreach (var c in analysis.Closure)
        {
            files[c.Path] = Describe(sourceRoot, c.Path, "import");
        }

        foreach (var glob in s.Files)
        {
            var matched = Glob(sourceRoot, glob, out var problem);
            if (problem is not null)
            {
                errors.Add(InputError.Service(s.At("files"), s.Name, problem, "Keep the service's data files inside source_root, as real files (the image is built from them)."));
                continue;
            }

            if (matched.Count == 0)
            {
                errors.Add(InputError.Service(s.At("files"), s.Name, $"'files' entry '{glob}' matches no file under source_root '{fleet.Fleet.SourceRoot}'.", "Fix the glob ('*' matches within a folder, '**' any depth), or remove it."));
            }

            foreach (var path in matched)
            {
                files.TryAdd(path, Describe(sourceRoot, path, $"files: {glob}"));
            }
        }

        if (checkLocks)
        {
            CheckThirdParty(fleet, sourceRoot, rs, analysis, familyModules, errors, warnings);
        }

        return new ServiceCode(s.Name, analysis, [.. files.Values], errors, warnings);
    }

    /// <summary>
    /// Every third-party import must be installed by the family or the lock (an optional one may be absent); a
    /// distribution the lock asks for by name that nothing imports is only a warning.
    /// </summary>
    private static void CheckThirdParty(ResolvedFleet fleet, string sourceRoot, ResolvedService rs, ImportAnalysis analysis, IReadOnlySet<string> familyModules, List<InputError> errors, List<InputError> warnings)
    {
        var s = rs.Service;
        var display = Display(fleet.Fleet);
        IReadOnlyList<LockedPackage> locked = [];
        var lockDisplay = s.RequirementsLock is null ? null : Join(fleet.Fleet.SourceRoot, s.RequirementsLock);
        if (s.RequirementsLock is { } lockPath && File.Exists(Path.Combine(sourceRoot, lockPath)))
        {
            try
            {
                locked = ServiceLock.Parse(File.ReadAllText(Path.Combine(sourceRoot, lockPath)), lockDisplay!);
            }
            catch (LockException ex)
            {
                errors.Add(InputError.Service(s.At("requirements"), s.Name, ex.Message, LockFix(s)));
                return;
            }
        }

        var lockModules = new Dictionary<string, LockedPackage>(StringComparer.Ordinal);
        foreach (var p in locked)
        {
            foreach (var m in p.Imports.Count > 0 ? p.Imports : [.. ModuleMap.ModulesOf(p.Name, fleet.Fleet.ModuleMap)])
            {
                lockModules.TryAdd(m, p);
            }
        }

        var used = new HashSet<LockedPackage>();
        foreach (var t in analysis.ThirdParty)
        {
            if (familyModules.Contains(t.TopLevel) || Covered(familyModules, t.Name))
            {
                continue;
            }

            if (lockModules.TryGetValue(t.TopLevel, out var p) || Covering(lockModules, t.Name) is { } q && (p = q) is not null)
            {
                used.Add(p);
                continue;
            }

            if (t.Optional)
            {
                continue;
            }

            var distribution = ModuleMap.Distribution(t.Name, fleet.Fleet.ModuleMap);
            var lockText = s.RequirementsLock is null ? "it has no lock ('requirements: none')" : $"its lock {lockDisplay}";
            errors.Add(InputError.Service(Span(display, t.At), s.Name,
                $"imports '{t.Name}' (distribution {distribution}), which neither its family {rs.Family.Name} nor {lockText} provides.",
                LockFix(s)));
        }

        foreach (var p in locked.Where(p => !used.Contains(p) && IsRequested(p, s)))
        {
            warnings.Add(InputError.Service(new SourceSpan(lockDisplay!, p.Line, 1), s.Name,
                $"The lock asks for '{p.Name}', which no module of the service imports.",
                $"Run ./build.sh --target=Lock --services={s.Name} (it writes the lock from the imports), or import it where it is used."));
        }
    }

    private static bool IsRequested(LockedPackage p, FleetService s) =>
        p.Via.Count == 0 || p.Via.Any(v => v.EndsWith(".in", StringComparison.Ordinal) || v.StartsWith("-r", StringComparison.Ordinal) || v == s.Name);

    private static string LockFix(FleetService s) =>
        s.RequirementsLock is null
            ? $"Remove 'requirements: none' from the service, then run ./build.sh --target=Lock --services={s.Name} (or map the import with the fleet's module_map)."
            : $"Run ./build.sh --target=Lock --services={s.Name} (or map the import with the fleet's module_map).";

    /// <summary>A dotted name and each of its parents, longest first: a.b.c, a.b, a.</summary>
    private static IEnumerable<string> Prefixes(string dotted)
    {
        for (var name = dotted; name.Length > 0; name = name.LastIndexOf('.') is var i && i > 0 ? name[..i] : string.Empty)
        {
            yield return name;
        }
    }

    /// <summary>True when a dotted import is provided as a dotted module (a namespace like google.protobuf).</summary>
    private static bool Covered(IReadOnlySet<string> modules, string dotted) => Prefixes(dotted).Any(modules.Contains);

    private static LockedPackage? Covering(Dictionary<string, LockedPackage> modules, string dotted) =>
        Prefixes(dotted).Select(n => modules.GetValueOrDefault(n)).FirstOrDefault(p => p is not null);

    private static CodeFile Describe(string sourceRoot, string path, string why)
    {
        var full = Path.Combine(sourceRoot, path);
        using var stream = File.OpenRead(full);
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        return new CodeFile(path, hash, stream.Length, why);
    }

    /// <summary>
    /// The files under source_root a glob names ('**' any depth, '*' and '?' within a name; a plain folder means
    /// everything in it), sorted; links that lead out of source_root are refused, never followed.
    /// </summary>
    public static IReadOnlyList<string> Glob(string sourceRoot, string glob, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(glob);
        problem = null;
        var segments = glob.Split('/');
        var literal = segments.TakeWhile(p => p.IndexOfAny(['*', '?', '[']) < 0).ToList();
        var start = Path.Combine(sourceRoot, string.Join('/', literal));
        var pattern = literal.Count == segments.Length ? null : GlobRegex(glob);
        var real = RepoPaths.RealPath(sourceRoot) ?? sourceRoot;
        var result = new List<string>();
        IEnumerable<string> candidates = File.Exists(start) && literal.Count == segments.Length ? [start]
            : Directory.Exists(start) ? Directory.EnumerateFiles(start, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            : [];
        foreach (var file in candidates)
        {
            var rel = Path.GetRelativePath(sourceRoot, file).Replace('\\', '/');
            if ((pattern is not null && !pattern.IsMatch(rel)) || rel.Contains("__pycache__/", StringComparison.Ordinal) || rel.EndsWith(".pyc", StringComparison.Ordinal))
            {
                continue;
            }

            var target = RepoPaths.RealPath(file);
            if (target is null || !(target == real || target.StartsWith(real.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                problem = $"'files' entry '{glob}' takes in '{rel}', a symbolic link that leads outside source_root{(target is null ? string.Empty : $" (to {target})")}.";
                return [];
            }

            result.Add(rel);
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static Regex GlobRegex(string glob)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // '**/' matches zero or more folders; a trailing '**' everything below.
                var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                sb.Append(c switch { '*' => "[^/]*", '?' => "[^/]", _ => Regex.Escape(c.ToString()) });
            }
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static string Display(Fleet fleet) => fleet.SourceRoot;

    private static string Join(string root, string path) => root == "." ? path : $"{root}/{path}";

    private static SourceSpan Span(string sourceRoot, SourcePosition at) => new(Join(sourceRoot, at.File), at.Line, at.Column);
}
