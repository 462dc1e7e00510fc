using Build.Catalog.Yaml;

namespace Build.Catalog;

/// <summary>How to load: where the repository is (COPY sources, pixi.toml), the environment, and how strict to be.</summary>
public sealed record CatalogLoadOptions(string RepoRoot, Func<string, string?> Environment, bool Strict)
{
    public static CatalogLoadOptions For(string repoRoot, bool strict) =>
        new(repoRoot, KilnEnvironment.Process, strict);
}

public sealed record CatalogLoadResult(Catalog Catalog, IReadOnlyList<InputError> Warnings);

/// <summary>
/// Reads families.yaml into a validated <see cref="Catalog"/>: every problem is collected with its file, line,
/// family and fix; nothing is returned unless the whole catalog is valid. The work is split by seam: the
/// positioned YAML reader (<see cref="YamlDocument"/>, <see cref="NodeReader"/>), the axis expander
/// (<see cref="AxisExpander"/>), the key-table family reader (<see cref="FamilyReader"/>) and the parent graph
/// (<see cref="FamilyGraph"/>); this class reads the top level and puts them together.
/// </summary>
public static class CatalogLoader
{
    public const string DefaultRegistry = "ghcr.io/kiln-org/ai-base";

    internal static readonly string[] TopLevelKeys = ["version", "registry", "syntax", "platforms", "labels", "defaults", "machines", "gpu_archs", "pixi", "aliases", "families"];

    internal static IReadOnlyList<string> FamilyKeys => FamilyReader.KeyNames;

    public static CatalogLoadResult Load(string catalogPath, CatalogLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(catalogPath);
        var full = Path.IsPathRooted(catalogPath) ? catalogPath : Path.Combine(options.RepoRoot, catalogPath);
        if (Directory.Exists(full))
        {
            throw new InputException([new InputError(null, null, $"The catalog '{catalogPath}' is a folder, not a file.", $"Pass the catalog file itself, e.g. --catalog={catalogPath.TrimEnd('/')}/families.yaml.")]);
        }

        if (!File.Exists(full))
        {
            throw new InputException([new InputError(null, null, $"The catalog '{catalogPath}' does not exist.", "Pass --catalog=PATH (repo-relative), e.g. --catalog=examples/demo/families.yaml.")]);
        }

        var display = Path.GetRelativePath(options.RepoRoot, full).Replace('\\', '/');
        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(full), display, errors);
        return text is null ? throw new InputException(errors) : Parse(text, display, options);
    }

    public static CatalogLoadResult Parse(string yaml, string displayPath, CatalogLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<InputError>();
        var root = YamlDocument.Parse(yaml, displayPath, errors);
        if (errors.Count > 0)
        {
            throw new InputException(errors);
        }

        if (root is not YMapping mapping)
        {
            throw new InputException([new InputError(new SourceSpan(displayPath, root?.Line ?? 1, root?.Column ?? 1), null, $"The catalog must be a YAML mapping, not {root?.TypeName ?? "empty"}.", "Start it with 'families:' (see README, 'The catalog').")]);
        }

        var reader = new CatalogReader(displayPath, options);
        var catalog = reader.Read(mapping);
        if (reader.R.Errors.Count > 0 || catalog is null)
        {
            throw new InputException(Distinct(reader.R.Errors));
        }

        return new CatalogLoadResult(catalog, Distinct(reader.R.Warnings));
    }

    /// <summary>One error per position and message: a shared value of a GPU/matrix entry is wrong once, not once per variant.</summary>
    private static List<InputError> Distinct(IEnumerable<InputError> errors) =>
        errors.GroupBy(e => (e.Where, e.Message)).Select(g => g.First()).ToList();
}

/// <summary>The top level of one catalog: settings, machines, GPU archs, pixi, aliases, then every family.</summary>
internal sealed class CatalogReader(string file, CatalogLoadOptions options)
{
    public NodeReader R { get; } = new(file);

    public Catalog? Read(YMapping root)
    {
        var mistypedTop = R.CheckKeys(root, CatalogLoader.TopLevelKeys, null, "top level");
        var version = R.Scalar(root, "version", null);
        if (version is not null && version != "1")
        {
            R.Error(root["version"], null, $"Unsupported catalog version '{version}'.", "This Kiln reads version 1.");
        }

        var registry = R.Scalar(root, "registry", null) ?? CatalogLoader.DefaultRegistry;
        if (!NamePattern.IsRepository(registry))
        {
            R.Error(root["registry"], null, $"'registry' is '{registry.ReplaceLineEndings(" ")}', which is not a registry and repository.", "Write HOST[:PORT]/PATH with lowercase path components, e.g. 'registry: ghcr.io/kiln-org/ai-base'.");
        }

        var syntax = R.Scalar(root, "syntax", null);
        var platformItems = R.Items(root, "platforms", null);
        foreach (var (node, platform) in (platformItems ?? []).Where(p => !NamePattern.IsPlatform(p.Value)))
        {
            R.Error(node, null, $"'{platform.ReplaceLineEndings(" ")}' is not a platform.", "Write os/arch[/variant], e.g. linux/amd64 or linux/arm64.");
        }

        var platforms = platformItems?.Select(p => p.Value).ToList() ?? ["linux/amd64"];
        if (root["platforms"] is YSequence { Items.Count: 0 } emptyPlatforms)
        {
            R.Error(emptyPlatforms, null, "'platforms' lists no platforms.", "List at least one, e.g. 'platforms: [linux/amd64]'.");
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, name, valueNode, value) in R.Pairs(root, "labels", null))
        {
            if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                R.Error(valueNode, null, $"The label '{name}' contains a line break, which the generated Dockerfile cannot hold.", "Write it on one line.");
                continue;
            }

            labels[name] = value;
        }

        var pixi = ReadPixi(root);
        var scope = new CatalogScope(R, options, pixi);
        if (R.Mapping(root, "defaults", null, "defaults: { user: { name: app, uid: 10001 }, tini: true }") is { } defaults)
        {
            scope.Defaults = ReadDefaults(defaults);
        }

        if (pixi.ToolsImage is not null)
        {
            // The tools image is an input like a base: same pinning rule.
            scope.CheckImage(R.Mapping(root, "pixi", null, string.Empty)!["tools_image"]!, null, pixi.ToolsImage);
        }

        scope.Machines = ReadMachines(root);
        scope.GpuArchs = ReadGpuArchs(root, scope.Machines);

        if (root["families"] is not { } familiesValue)
        {
            if (!mistypedTop)
            {
                // With a mistyped top-level key, that key (likely 'families') is the error to fix, not this.
                R.Error(root, null, "The catalog defines no families.", "Add a 'families:' mapping (see README, 'The catalog').");
            }

            return null;
        }

        if (R.AsMapping(familiesValue, "'families'", null, "families: { cpu-py311: { base: python:3.11-slim@sha256:… } }") is not { } familiesNode)
        {
            return null;
        }

        if (familiesNode.Entries.Count == 0)
        {
            R.Error(familiesNode, null, "The catalog defines no families.", "Add a 'families:' mapping (see README, 'The catalog').");
            return null;
        }

        var families = new List<Family>();
        var seen = new Dictionary<string, Family>(StringComparer.Ordinal);
        var broken = new List<string>();
        foreach (var entry in familiesNode.Entries)
        {
            var loaded = ReadEntry(scope, entry, broken);
            foreach (var family in loaded)
            {
                if (seen.TryGetValue(family.Name, out var other))
                {
                    var where = other.Source == family.Source ? "another combination of this entry's axes" : $"the other one is at {other.Source}";
                    R.Error(entry.Key, family.Name, $"Two families are named '{family.Name}' after matrix/GPU expansion ({where}).", "Rename one, or add the axis placeholder (e.g. {gpu}) to its name.");
                    continue;
                }

                seen[family.Name] = family;
                families.Add(family);
            }
        }

        CheckVariables(families);
        var (graph, graphErrors) = FamilyGraph.Build(families, name => Broken(broken, name));
        R.Errors.AddRange(graphErrors);
        if (graph is null)
        {
            return null;
        }

        // Groups and what a family provides come down from the parent, so they are settled in build order.
        var settled = new Dictionary<string, Family>(StringComparer.Ordinal);
        foreach (var f in graph.Ordered)
        {
            var parent = f.Parent is null ? null : settled[f.Parent];
            var group = f.Group.Length > 0 ? f.Group : parent?.Group ?? f.Name;
            var provides = (parent?.Provides ?? []).Concat(f.Provides).Append("cpu");
            if (f.Gpu is not null)
            {
                provides = provides.Append("gpu");
            }

            var set = provides.ToHashSet(StringComparer.Ordinal);
            settled[f.Name] = f with { Group = group, Provides = FamilyReader.ProvidesValues.Where(set.Contains).ToList() };
        }

        var ordered = graph.Ordered.Select(f => settled[f.Name]).ToList();
        var aliases = ReadAliases(root, settled);
        return R.Errors.Count > 0 ? null : new Catalog(file, registry, syntax, platforms, labels, scope.Machines, scope.GpuArchs, pixi, ordered) { Aliases = aliases };
    }

    /// <summary>The families one entry makes; when it fails, its name (or name pattern) is remembered as broken.</summary>
    private List<Family> ReadEntry(CatalogScope scope, YEntry entry, List<string> broken)
    {
        var template = entry.Name;
        var before = R.Errors.Count;
        var result = new List<Family>();
        if (R.AsMapping(entry.Value, "A family", template, $"{template}: {{ base: python:3.11-slim@sha256:… }}") is { } body)
        {
            var unknownKeys = R.CheckKeys(body, FamilyReader.KeyNames, template, "family");
            var combos = AxisExpander.Expand(R, template, entry.Key, body, scope.GpuArchs, FamilyReader.OverridableKeys);
            foreach (var combo in combos ?? [])
            {
                if (FamilyReader.Read(scope, template, entry.Key, body, combo, unknownKeys) is { } family)
                {
                    result.Add(family);
                }
            }
        }

        if (R.Errors.Count > before)
        {
            broken.Add(template);
            return [];
        }

        return result;
    }

    /// <summary>Whether <paramref name="name"/> is (or is a variant of) an entry that failed to load.</summary>
    private static bool Broken(List<string> broken, string name) =>
        broken.Any(t => t == name || System.Text.RegularExpressions.Regex.IsMatch(name, "^" + NamePattern.Placeholder().Replace(System.Text.RegularExpressions.Regex.Escape(t).Replace("\\{", "{", StringComparison.Ordinal), "[^{}]+") + "$"));

    private SortedDictionary<string, string> ReadAliases(YMapping root, Dictionary<string, Family> families)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, alias, valueNode, target) in R.Pairs(root, "aliases", null))
        {
            if (!NamePattern.IsFamilyName(alias))
            {
                R.Error(key, null, $"Alias '{alias}' is not a valid name.", "Use lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.");
            }
            else if (families.ContainsKey(alias))
            {
                R.Error(key, null, $"Alias '{alias}' is also the name of a family.", "Rename the alias: a name must mean one family.");
            }
            else if (!families.ContainsKey(target))
            {
                R.Error(valueNode, null, $"Alias '{alias}' points to '{target}', which is not a family in this catalog.{Suggest.DidYouMean(target, families.Keys)}", "Fix the family name.");
            }
            else
            {
                result[alias] = target;
            }
        }

        return result;
    }

    private Defaults ReadDefaults(YMapping node)
    {
        R.CheckKeys(node, ["user", "tini", "healthcheck"], null, "defaults");
        var user = R.Mapping(node, "user", null, "user: { name: app, uid: 10001, gid: 10001 }") is { } u ? FamilyReader.ReadUser(R, u, null) : null;
        var tini = R.Bool(node, "tini", null) ?? true;
        var d = new Defaults(user, tini, "30s", "5s", "15s", 3);
        if (R.Mapping(node, "healthcheck", null, "healthcheck: { interval: 30s }") is { } h)
        {
            R.CheckKeys(h, ["interval", "timeout", "start_period", "retries"], null, "defaults.healthcheck");
            d = d with
            {
                Interval = Duration(R, h, "interval", null) ?? d.Interval,
                Timeout = Duration(R, h, "timeout", null) ?? d.Timeout,
                StartPeriod = Duration(R, h, "start_period", null) ?? d.StartPeriod,
                Retries = R.Int(h, "retries", null, 1, 100) ?? d.Retries,
            };
        }

        return d;
    }

    internal static string? Duration(NodeReader r, YMapping m, string key, string? family)
    {
        var s = r.Scalar(m, key, family);
        if (s is null || NamePattern.IsDuration(s))
        {
            return s;
        }

        r.Error(m[key], family, $"'{key}' is '{s}', not a duration.", "Write e.g. 30s, 500ms, 5m or 1m30s.");
        return null;
    }

    private Dictionary<string, Machine> ReadMachines(YMapping root)
    {
        var result = new Dictionary<string, Machine>(StringComparer.Ordinal);
        if (R.Mapping(root, "machines", null, "machines: { mainpc: { env: { OMP_NUM_THREADS: \"8\" } } }") is not { } machines)
        {
            return result;
        }

        foreach (var entry in machines.Entries)
        {
            if (R.AsMapping(entry.Value, $"Machine '{entry.Name}'", null, "mainpc: { env: { OMP_NUM_THREADS: \"8\" } }") is not { } m)
            {
                continue;
            }

            R.CheckKeys(m, ["description", "env"], null, $"machine '{entry.Name}'");
            result[entry.Name] = new Machine(entry.Name, R.Scalar(m, "description", null), EnvList(m));
        }

        return result;
    }

    private Dictionary<string, GpuArch> ReadGpuArchs(YMapping root, IReadOnlyDictionary<string, Machine> machines)
    {
        var result = new Dictionary<string, GpuArch>(StringComparer.Ordinal);
        if (R.Mapping(root, "gpu_archs", null, "gpu_archs: { ada: { arch_list: [\"8.9\"] } }") is not { } archs)
        {
            return result;
        }

        foreach (var entry in archs.Entries)
        {
            var name = entry.Name;
            if (R.AsMapping(entry.Value, $"GPU arch '{name}'", null, "ada: { arch_list: [\"8.9\"], machine: mainpc }") is not { } m)
            {
                continue;
            }

            R.CheckKeys(m, ["arch_list", "machine", "env"], null, $"gpu arch '{name}'");
            var list = R.Items(m, "arch_list", null);
            if (list is { Count: 0 } || (list is null && !m.Has("arch_list")))
            {
                R.Error(m["arch_list"] ?? m, null, $"GPU arch '{name}' has no arch_list.", "Add e.g. 'arch_list: [\"8.9\"]' (compute capabilities like 8.6, 8.9, 9.0 or 8.9+PTX).");
            }

            foreach (var (node, arch) in list ?? [])
            {
                if (!NamePattern.IsGpuArch(arch))
                {
                    R.Error(node, null, $"'{arch}' is not a GPU compute capability.", "Use the form MAJOR.MINOR with an optional +PTX, e.g. 8.6, 8.9, 9.0 or 8.9+PTX (not sm_89 or 89).");
                }
            }

            var machine = R.Scalar(m, "machine", null);
            if (machine is not null && !machines.ContainsKey(machine))
            {
                R.Error(m["machine"], null, $"GPU arch '{name}' names machine '{machine}', which 'machines:' does not define.{Suggest.DidYouMean(machine, machines.Keys)}", "Define it under 'machines:' or fix the name.");
            }

            result[name] = new GpuArch(name, (list ?? []).Select(i => i.Value).ToList(), machine, EnvList(m));
        }

        return result;
    }

    private PixiSettings ReadPixi(YMapping root)
    {
        var pixi = new PixiSettings("pixi.toml", "pixi.lock", "linux-64", null);
        if (R.Mapping(root, "pixi", null, "pixi: { tools_image: name:tag@sha256:… }") is not { } m)
        {
            return pixi;
        }

        R.CheckKeys(m, ["manifest", "lock", "platform", "tools_image"], null, "pixi");
        return new PixiSettings(
            R.Scalar(m, "manifest", null) ?? pixi.Manifest,
            R.Scalar(m, "lock", null) ?? pixi.Lock,
            R.Scalar(m, "platform", null) ?? pixi.Platform,
            R.Scalar(m, "tools_image", null));
    }

    private List<EnvVar> EnvList(YMapping m)
    {
        var result = new List<EnvVar>();
        foreach (var (key, name, valueNode, value) in R.Pairs(m, "env", null))
        {
            if (!NamePattern.IsEnvName(name))
            {
                R.Error(key, null, $"'{name}' is not a valid environment variable name.", "Use letters, digits and '_', not starting with a digit (e.g. OMP_NUM_THREADS).");
            }
            else if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                R.Error(valueNode, null, $"The value of '{name}' contains a line break, which a Dockerfile ENV cannot hold.", "Write it on one line.");
            }
            else
            {
                result.Add(new EnvVar(name, value));
            }
        }

        return result.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>The bake file carries one HASH_ variable per family; two names must not collapse into one.</summary>
    private void CheckVariables(List<Family> families)
    {
        foreach (var (key, what) in new (Func<Family, string>, string)[] { (f => f.HashVariable, "bake variable"), (f => f.BakeTarget, "bake target name") })
        {
            foreach (var g in families.GroupBy(key).Where(g => g.Count() > 1))
            {
                var names = g.Select(f => f.Name).ToList();
                R.Errors.Add(new InputError(g.Last().Source, g.Last().Name, $"Families {string.Join(" and ", names.Select(n => $"'{n}'"))} would share the {what} {g.Key}.", "Rename one so they differ in more than punctuation."));
            }
        }
    }
}
