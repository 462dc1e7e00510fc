using System.Collections.Concurrent;

namespace Build.Imports;

/// <summary>
/// Follows first-party imports from a service's entrypoint through its source tree, as the interpreter would find
/// them with the source root as the working directory of `python3 -m` and the import roots on sys.path. One instance
/// serves every service of a tree: each file is read and scanned once, and directory listings are shared.
/// </summary>
public sealed class ImportAnalyzer
{
    private readonly SourceTree tree;
    private readonly IReadOnlyList<string> roots;
    private readonly IReadOnlySet<string> stdlib;

    // With the roots fixed, a dotted name always resolves the same way, whoever imports it.
    private readonly ConcurrentDictionary<string, Resolution> resolutions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Module?> submodules = new(StringComparer.Ordinal);

    /// <param name="sourceRoot">An absolute directory.</param>
    /// <param name="importRoots">Directories relative to the source root; "." is always searched first.</param>
    /// <param name="stdlib">Top-level names of the standard library, e.g. <see cref="PythonStdlib.Py311"/>.</param>
    public ImportAnalyzer(string sourceRoot, IReadOnlyList<string> importRoots, IReadOnlySet<string> stdlib)
    {
        ArgumentNullException.ThrowIfNull(sourceRoot);
        ArgumentNullException.ThrowIfNull(importRoots);
        ArgumentNullException.ThrowIfNull(stdlib);
        if (!Path.IsPathFullyQualified(sourceRoot))
        {
            throw new ArgumentException($"The source root '{sourceRoot}' is not an absolute path.", nameof(sourceRoot));
        }

        var normalized = new List<string> { "" };
        foreach (var root in importRoots)
        {
            var relative = PythonModules.NormalizeRelative(root);
            if (Path.IsPathRooted(relative) || relative.Split('/').Contains(".."))
            {
                throw new ArgumentException($"The import root '{root}' is not a path inside the source root.", nameof(importRoots));
            }

            if (!normalized.Contains(relative))
            {
                normalized.Add(relative);
            }
        }

        tree = new SourceTree(sourceRoot);
        roots = normalized;
        this.stdlib = stdlib;
    }

    /// <summary>The import roots searched, in order, relative with '/' ("" is the source root).</summary>
    public IReadOnlyList<string> ImportRoots => roots;

    /// <summary>How many files this instance has read: each at most once, however many analyses need it.</summary>
    public int FilesScanned => tree.FilesRead;

    /// <param name="entrypoint">The entrypoint's path relative to the source root, e.g. "svc/agents/main.py".</param>
    public ImportAnalysis Analyze(string entrypoint)
    {
        ArgumentNullException.ThrowIfNull(entrypoint);
        return new Run(this, PythonModules.NormalizeRelative(entrypoint)).Execute();
    }

    /// <summary>
    /// A module found on disk. File is what runs (null for a namespace package); SearchPath holds a package's
    /// directories (several for a namespace package spread over import roots; none for a plain module).
    /// Outside names the path that leads out of the source root, when one does.
    /// </summary>
    private sealed record Module(string Name, string? File, IReadOnlyList<string> SearchPath, string? Outside)
    {
        public bool IsPackage => SearchPath.Count > 0;
    }

    /// <summary>The modules found for each prefix of a dotted name, and why the rest was not (Failure).</summary>
    private sealed record Resolution(IReadOnlyList<Module> Found, bool TopMissing, string? Failure);

    /// <summary>
    /// Python's rule for one name in a list of directories: the first regular package or module wins; directories
    /// without __init__.py only count (together, as one namespace package) when no directory has a regular one.
    /// </summary>
    private Module? Find(IReadOnlyList<string> directories, string name, string dotted)
    {
        List<string>? portions = null;
        foreach (var directory in directories)
        {
            var packageDirectory = PythonModules.Join(directory, name);
            var isDirectory = tree.IsDirectory(packageDirectory);
            var init = PythonModules.Join(packageDirectory, "__init__.py");
            if (isDirectory && tree.IsFile(init))
            {
                var outside = !tree.StaysInside(packageDirectory) ? packageDirectory : !tree.StaysInside(init) ? init : null;
                return new Module(dotted, init, [packageDirectory], outside);
            }

            var file = PythonModules.Join(directory, name + ".py");
            if (tree.IsFile(file))
            {
                return new Module(dotted, file, [], tree.StaysInside(file) ? null : file);
            }

            if (isDirectory)
            {
                (portions ??= []).Add(packageDirectory);
            }
        }

        if (portions is null)
        {
            return null;
        }

        var inside = portions.Where(tree.StaysInside).ToList();
        return inside.Count > 0 ? new Module(dotted, null, inside, null) : new Module(dotted, null, portions, portions[0]);
    }

    private Resolution Resolve(string dotted) => resolutions.GetOrAdd(dotted, ResolveUncached);

    private Module? Submodule(Module package, string name) =>
        submodules.GetOrAdd($"{package.Name}.{name}", dotted => Find(package.SearchPath, name, dotted));

    private Resolution ResolveUncached(string dotted)
    {
        var parts = dotted.Split('.');
        var module = Find(roots, parts[0], parts[0]);
        if (module is null)
        {
            return new Resolution([], true, null);
        }

        var found = new List<Module>();
        for (var i = 1; ; i++)
        {
            if (module.Outside is { } outside)
            {
                return new Resolution(found, false, $"{outside} leads outside source_root");
            }

            found.Add(module);
            if (i == parts.Length)
            {
                return new Resolution(found, false, null);
            }

            var name = string.Join('.', parts[..(i + 1)]);
            if (!module.IsPackage)
            {
                return new Resolution(found, false, $"no module '{name}': {module.File} is not a package");
            }

            var next = Find(module.SearchPath, parts[i], name);
            if (next is null)
            {
                var where = string.Join(" or ", module.SearchPath.Select(d => d + "/"));
                return new Resolution(found, false, $"no module '{name}': {where} has no {parts[i]}.py or {parts[i]}/");
            }

            module = next;
        }
    }

    /// <summary>One analysis: a breadth-first walk, so each file's chain is a shortest one.</summary>
    private sealed class Run(ImportAnalyzer analyzer, string entrypoint)
    {
        private readonly Dictionary<string, ClosureFile> closure = new(StringComparer.Ordinal);
        private readonly HashSet<ThirdPartyImport> thirdParty = [];
        private readonly HashSet<UnresolvedImport> unresolved = [];
        private readonly List<PythonSyntaxError> errors = [];

        // A file imported under two names runs twice, and its relative imports resolve against each name.
        private readonly HashSet<(string Name, string File)> visited = [];
        private readonly Queue<Node> queue = new();

        private sealed record Node(string Name, string File, IReadOnlyList<SourcePosition> Chain);

        public ImportAnalysis Execute()
        {
            var problem = !entrypoint.EndsWith(".py", StringComparison.Ordinal) || entrypoint.EndsWith("/.py", StringComparison.Ordinal) ? "the entrypoint is not a .py file"
                : !analyzer.tree.IsFile(entrypoint) ? "the entrypoint does not exist"
                : !analyzer.tree.StaysInside(entrypoint) ? "the entrypoint leads outside source_root"
                : null;
            if (problem is not null)
            {
                unresolved.Add(new UnresolvedImport(entrypoint, new SourcePosition(entrypoint, 1, 1), problem, false));
            }
            else
            {
                // `python3 -m a.b.c` runs a/__init__.py and a/b/__init__.py first.
                var directories = entrypoint.Split('/')[..^1];
                for (var i = 1; i <= directories.Length; i++)
                {
                    var init = string.Join('/', directories[..i]) + "/__init__.py";
                    if (init != entrypoint && analyzer.tree.IsFile(init) && analyzer.tree.StaysInside(init))
                    {
                        Reach(string.Join('.', directories[..i]), init, null, null);
                    }
                }

                Reach(PythonModules.ModuleName(entrypoint), entrypoint, null, null);
                while (queue.TryDequeue(out var node))
                {
                    Visit(node);
                }
            }

            return new ImportAnalysis(
                entrypoint,
                [.. closure.Values.OrderBy(f => f.Path, StringComparer.Ordinal)],
                [.. thirdParty.OrderBy(i => i.At.File, StringComparer.Ordinal).ThenBy(i => i.At.Line).ThenBy(i => i.At.Column).ThenBy(i => i.Name, StringComparer.Ordinal)],
                [.. unresolved.OrderBy(i => i.At.File, StringComparer.Ordinal).ThenBy(i => i.At.Line).ThenBy(i => i.At.Column).ThenBy(i => i.Name, StringComparer.Ordinal)],
                [.. errors.OrderBy(e => e.At.File, StringComparer.Ordinal).ThenBy(e => e.At.Line).ThenBy(e => e.At.Column)]);
        }

        private void Visit(Node node)
        {
            foreach (var statement in analyzer.tree.Scan(node.File).Scanned.Imports)
            {
                if (statement.Unresolvable is { } reason)
                {
                    unresolved.Add(new UnresolvedImport(statement.Module, statement.At, reason, statement.Optional));
                    continue;
                }

                var target = statement.Level == 0
                    ? Absolute(node, statement.Module, statement.At, statement.Optional)
                    : Relative(node, statement);
                if (statement.Kind == ImportKind.From && target is { IsPackage: true })
                {
                    foreach (var name in statement.Names.Where(n => n.Name != "*"))
                    {
                        Submodule(node, target, name, statement.Optional);
                    }
                }
            }
        }

        private Module? Absolute(Node node, string name, SourcePosition at, bool optional)
        {
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            var top = dot < 0 ? name : name[..dot];
            if (analyzer.stdlib.Contains(top))
            {
                return null;
            }

            var resolution = analyzer.Resolve(name);
            if (resolution.TopMissing)
            {
                thirdParty.Add(new ThirdPartyImport(top, name, at, optional));
                return null;
            }

            return Follow(node, resolution, name, at, optional);
        }

        /// <summary>
        /// A relative import names a module of the importer's own package: first-party by construction, so neither
        /// the standard library nor third-party packages are considered.
        /// </summary>
        private Module? Relative(Node node, ImportStatement statement)
        {
            var written = new string('.', statement.Level) + statement.Module;
            var isInit = node.File == "__init__.py" || node.File.EndsWith("/__init__.py", StringComparison.Ordinal);
            var lastDot = node.Name.LastIndexOf('.');
            var package = isInit ? node.Name : lastDot < 0 ? "" : node.Name[..lastDot];
            if (package.Length == 0)
            {
                unresolved.Add(new UnresolvedImport(written, statement.At, "attempted relative import with no known parent package", statement.Optional));
                return null;
            }

            var bits = package.Split('.');
            if (statement.Level > bits.Length)
            {
                unresolved.Add(new UnresolvedImport(written, statement.At, $"attempted relative import beyond top-level package '{bits[0]}'", statement.Optional));
                return null;
            }

            var anchor = string.Join('.', bits[..^(statement.Level - 1)]);
            var absolute = statement.Module.Length == 0 ? anchor : $"{anchor}.{statement.Module}";
            var resolution = analyzer.Resolve(absolute);
            if (resolution.TopMissing)
            {
                unresolved.Add(new UnresolvedImport(written, statement.At, $"no module '{absolute}'", statement.Optional));
                return null;
            }

            return Follow(node, resolution, written, statement.At, statement.Optional);
        }

        private Module? Follow(Node node, Resolution resolution, string name, SourcePosition at, bool optional)
        {
            foreach (var module in resolution.Found)
            {
                if (module.File is { } file)
                {
                    Reach(module.Name, file, node, at);
                }
            }

            if (resolution.Failure is { } reason)
            {
                unresolved.Add(new UnresolvedImport(name, at, reason, optional));
                return null;
            }

            return resolution.Found[^1];
        }

        /// <summary>`from package import name`: a module edge when name is a submodule, else a name defined by the package.</summary>
        private void Submodule(Node node, Module package, ImportedName name, bool optional)
        {
            var dotted = $"{package.Name}.{name.Name}";
            var module = analyzer.Submodule(package, name.Name);
            if (module?.Outside is { } outside)
            {
                unresolved.Add(new UnresolvedImport(dotted, name.At, $"{outside} leads outside source_root", optional));
            }
            else if (module?.File is { } file)
            {
                Reach(dotted, file, node, name.At);
            }
        }

        /// <summary>An edge to a file from the import at `at` in `from` (none for the entrypoint and its packages).</summary>
        private void Reach(string name, string file, Node? from, SourcePosition? at)
        {
            IReadOnlyList<SourcePosition>? chain = null;
            IReadOnlyList<SourcePosition> Chain() => chain ??= from is null || at is null ? [] : [.. from.Chain, at];
            if (!closure.ContainsKey(file))
            {
                var scan = analyzer.tree.Scan(file);
                closure[file] = new ClosureFile(file, scan.Bytes, Chain());
                errors.AddRange(scan.Scanned.Errors);
            }

            if (visited.Add((name, file)))
            {
                queue.Enqueue(new Node(name, file, Chain()));
            }
        }
    }
}
