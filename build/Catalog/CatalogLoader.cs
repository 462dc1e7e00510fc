using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Build.Catalog;

/// <summary>How to load: where the repository is (COPY sources, pixi.toml), the environment, and how strict to be.</summary>
public sealed record CatalogLoadOptions(string RepoRoot, Func<string, string?> Environment, bool Strict)
{
    public static CatalogLoadOptions For(string repoRoot, bool strict) =>
        new(repoRoot, System.Environment.GetEnvironmentVariable, strict);
}

public sealed record CatalogLoadResult(Catalog Catalog, IReadOnlyList<CatalogError> Warnings);

/// <summary>
/// Reads families.yaml into a validated <see cref="Catalog"/>: every problem is collected with its file, line,
/// family and fix; nothing is returned unless the whole catalog is valid.
/// </summary>
public static partial class CatalogLoader
{
    public const string DefaultRegistry = "ghcr.io/kiln-org/ai-base";

    internal static readonly string[] TopLevelKeys = ["version", "registry", "syntax", "platforms", "labels", "defaults", "machines", "gpu_archs", "pixi", "families", "aliases"];

    internal static readonly string[] FamilyKeys =
    [
        "description", "group", "parent", "base", "apt", "python", "copy", "builder", "run", "env", "user", "tini",
        "ports", "healthcheck", "labels", "export", "gpu", "matrix", "machine", "cmd", "workdir", "provides",
    ];

    /// <summary>What a family may declare under 'provides:' (cpu always, gpu for GPU variants, both implied).</summary>
    internal static readonly string[] ProvidesValues = ["cpu", "gpu", "web", "audio", "vision"];

    public static CatalogLoadResult Load(string catalogPath, CatalogLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var full = Path.IsPathRooted(catalogPath) ? catalogPath : Path.Combine(options.RepoRoot, catalogPath);
        if (!File.Exists(full))
        {
            throw new CatalogException([new CatalogError(null, null, $"The catalog '{catalogPath}' does not exist.", "Pass --catalog=PATH (repo-relative), e.g. --catalog=examples/demo/families.yaml.")]);
        }

        var display = Path.GetRelativePath(options.RepoRoot, full).Replace('\\', '/');
        return Parse(File.ReadAllText(full), display, options);
    }

    public static CatalogLoadResult Parse(string yaml, string displayPath, CatalogLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ctx = new LoadContext(displayPath, options);
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                throw new CatalogException([new CatalogError(new SourceSpan(displayPath, 1, 1), null, "The catalog is not a YAML mapping.", "Start it with 'families:' (see README, 'The catalog').")]);
            }

            root = mapping;
        }
        catch (YamlException ex)
        {
            var span = new SourceSpan(displayPath, (int)ex.Start.Line, (int)ex.Start.Column);
            throw new CatalogException([new CatalogError(span, null, $"YAML syntax error: {Clean(ex)}", "Fix the YAML at that position (indentation, a missing ':' or an unclosed quote are the usual causes).")]);
        }

        var catalog = ctx.ReadCatalog(root);
        if (ctx.Errors.Count > 0)
        {
            throw new CatalogException(ctx.Errors);
        }

        return new CatalogLoadResult(catalog!, ctx.Warnings);
    }

    private static string Clean(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var paren = message.IndexOf("(Lin:", StringComparison.Ordinal);
        return (paren > 0 ? message[..paren] : message).Trim().TrimEnd('.') + ".";
    }

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    internal static partial Regex EnvNamePattern();

    [GeneratedRegex(@"^\d{1,2}\.\d(\+PTX)?$")]
    internal static partial Regex GpuArchPattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*$")]
    internal static partial Regex FamilyNamePattern();

    [GeneratedRegex(@"(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    internal static partial Regex PlaceholderPattern();

    [GeneratedRegex(@"^\d+(ms|s|m|h)$")]
    internal static partial Regex DurationPattern();

    /// <summary>State for one load: the file, the options, and the errors and warnings found so far.</summary>
    private sealed class LoadContext(string file, CatalogLoadOptions options)
    {
        public List<CatalogError> Errors { get; } = [];

        public List<CatalogError> Warnings { get; } = [];

        private Defaults _defaults = new(null, true, "30s", "5s", "15s", 3);

        public SourceSpan At(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

        public void Error(YamlNode? node, string? family, string message, string fix) =>
            Errors.Add(new CatalogError(node is null ? new SourceSpan(file, 1, 1) : At(node), family, message, fix));

        public Catalog? ReadCatalog(YamlMappingNode root)
        {
            CheckKeys(root, TopLevelKeys, null, "top level");
            var version = Scalar(root, "version", null);
            if (version is not null && version != "1")
            {
                Error(Node(root, "version"), null, $"Unsupported catalog version '{version}'.", "This Kiln reads version 1.");
            }

            var registry = Scalar(root, "registry", null) ?? DefaultRegistry;
            var syntax = Scalar(root, "syntax", null);
            var platforms = StringList(root, "platforms", null) ?? ["linux/amd64"];
            var labels = StringMap(root, "labels", null);
            if (Node(root, "defaults") is YamlMappingNode defaults)
            {
                _defaults = ReadDefaults(defaults);
            }

            var machines = ReadMachines(root);
            var gpuArchs = ReadGpuArchs(root, machines);
            var pixi = ReadPixi(root);

            if (Node(root, "families") is not YamlMappingNode familiesNode || familiesNode.Children.Count == 0)
            {
                Error(Node(root, "families") ?? root, null, "The catalog defines no families.", "Add a 'families:' mapping (see README, 'The catalog').");
                return null;
            }

            var families = new List<Family>();
            var seen = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in familiesNode.Children)
            {
                var template = ((YamlScalarNode)keyNode).Value ?? string.Empty;
                if (valueNode is not YamlMappingNode entry)
                {
                    Error(valueNode, template, "A family must be a mapping of settings.", "Write e.g. 'cpu-py311: { base: python:3.11-slim@sha256:… }'.");
                    continue;
                }

                foreach (var family in Expand(template, keyNode, entry, gpuArchs, machines, pixi))
                {
                    if (seen.TryGetValue(family.Name, out var first))
                    {
                        Error(keyNode, family.Name, $"Two families are named '{family.Name}' after matrix/GPU expansion (the other one is at {first}).", "Rename one, or add the axis placeholder (e.g. {gpu}) to its name.");
                        continue;
                    }

                    seen[family.Name] = family.Source;
                    families.Add(family);
                }
            }

            CheckVariables(families);
            var ordered = CheckGraph(families);
            if (ordered is not null)
            {
                // What a family provides comes down from its parent (plus gpu for a GPU variant, cpu always).
                var settled = new Dictionary<string, Family>(StringComparer.Ordinal);
                foreach (var f in ordered)
                {
                    var provides = (f.Parent is null ? [] : settled[f.Parent].Provides).Concat(f.Provides).Append("cpu");
                    if (f.Gpu is not null)
                    {
                        provides = provides.Append("gpu");
                    }

                    var set = provides.ToHashSet(StringComparer.Ordinal);
                    settled[f.Name] = f with { Provides = ProvidesValues.Where(set.Contains).ToList() };
                }

                ordered = ordered.Select(f => settled[f.Name]).ToList();
            }

            var aliases = ReadAliases(root, families);
            return ordered is null ? null : new Catalog(file, registry, syntax, platforms, labels, machines, gpuArchs, pixi, ordered) { Aliases = aliases };
        }

        private SortedDictionary<string, string> ReadAliases(YamlMappingNode root, List<Family> families)
        {
            var aliases = StringMap(root, "aliases", null);
            var names = families.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            var node = Node(root, "aliases");
            foreach (var (alias, family) in aliases)
            {
                if (names.Contains(alias))
                {
                    Error(node, alias, $"Alias '{alias}' is also a family name.", "Rename the alias: an alias is a second name for a family, not a family.");
                }
                else if (!names.Contains(family))
                {
                    Error(node, alias, $"Alias '{alias}' names family '{family}', which the catalog does not define.{Suggest.DidYouMean(family, names)}", "Point it at a family (after matrix/GPU expansion, e.g. cuda12.3-ada-py311).");
                }
            }

            return aliases;
        }

        private Defaults ReadDefaults(YamlMappingNode node)
        {
            CheckKeys(node, ["user", "tini", "healthcheck"], null, "defaults");
            var user = Node(node, "user") is YamlMappingNode u ? ReadUser(u, null) : null;
            var tini = Bool(node, "tini", null) ?? true;
            var d = new Defaults(user, tini, "30s", "5s", "15s", 3);
            if (Node(node, "healthcheck") is YamlMappingNode h)
            {
                CheckKeys(h, ["interval", "timeout", "start_period", "retries"], null, "defaults.healthcheck");
                d = d with
                {
                    Interval = Duration(h, "interval", null) ?? d.Interval,
                    Timeout = Duration(h, "timeout", null) ?? d.Timeout,
                    StartPeriod = Duration(h, "start_period", null) ?? d.StartPeriod,
                    Retries = Int(h, "retries", null, 1, 100) ?? d.Retries,
                };
            }

            return d;
        }

        private Dictionary<string, Machine> ReadMachines(YamlMappingNode root)
        {
            var result = new Dictionary<string, Machine>(StringComparer.Ordinal);
            if (Node(root, "machines") is not YamlMappingNode machines)
            {
                return result;
            }

            foreach (var (k, v) in machines.Children)
            {
                var name = ((YamlScalarNode)k).Value!;
                if (v is not YamlMappingNode m)
                {
                    Error(v, null, $"Machine '{name}' must be a mapping.", "Write e.g. 'mainpc: { env: { OMP_NUM_THREADS: \"8\" } }'.");
                    continue;
                }

                CheckKeys(m, ["description", "env"], null, $"machine '{name}'");
                result[name] = new Machine(name, Scalar(m, "description", null), EnvList(m, "env", null));
            }

            return result;
        }

        private Dictionary<string, GpuArch> ReadGpuArchs(YamlMappingNode root, Dictionary<string, Machine> machines)
        {
            var result = new Dictionary<string, GpuArch>(StringComparer.Ordinal);
            if (Node(root, "gpu_archs") is not YamlMappingNode archs)
            {
                return result;
            }

            foreach (var (k, v) in archs.Children)
            {
                var name = ((YamlScalarNode)k).Value!;
                if (v is not YamlMappingNode m)
                {
                    Error(v, null, $"GPU arch '{name}' must be a mapping.", "Write e.g. 'ada: { arch_list: [\"8.9\"], machine: mainpc }'.");
                    continue;
                }

                CheckKeys(m, ["arch_list", "machine", "env"], null, $"gpu arch '{name}'");
                var list = StringList(m, "arch_list", null) ?? [];
                if (list.Count == 0)
                {
                    Error(m, null, $"GPU arch '{name}' has no arch_list.", "Add e.g. 'arch_list: [\"8.9\"]' (compute capabilities like 8.6, 8.9, 9.0 or 8.9+PTX).");
                }

                foreach (var arch in list)
                {
                    if (!GpuArchPattern().IsMatch(arch))
                    {
                        Error(Node(m, "arch_list"), null, $"'{arch}' is not a GPU compute capability.", "Use the form MAJOR.MINOR with an optional +PTX, e.g. 8.6, 8.9, 9.0 or 8.9+PTX (not sm_89 or 89).");
                    }
                }

                var machine = Scalar(m, "machine", null);
                if (machine is not null && !machines.ContainsKey(machine))
                {
                    Error(Node(m, "machine"), null, $"GPU arch '{name}' names machine '{machine}', which 'machines:' does not define.{Suggest.DidYouMean(machine, machines.Keys)}", "Define it under 'machines:' or fix the name.");
                }

                result[name] = new GpuArch(name, list, machine, EnvList(m, "env", null));
            }

            return result;
        }

        private PixiSettings ReadPixi(YamlMappingNode root)
        {
            var pixi = new PixiSettings("pixi.toml", "pixi.lock", "linux-64", null);
            if (Node(root, "pixi") is not YamlMappingNode m)
            {
                return pixi;
            }

            CheckKeys(m, ["manifest", "lock", "platform", "tools_image"], null, "pixi");
            if (Node(m, "tools_image") is { } tools)
            {
                // The tools image is an input like a base: same pinning rule.
                CheckBase(tools, null, Scalar(m, "tools_image", null)!);
            }

            return new PixiSettings(
                Scalar(m, "manifest", null) ?? pixi.Manifest,
                Scalar(m, "lock", null) ?? pixi.Lock,
                Scalar(m, "platform", null) ?? pixi.Platform,
                Scalar(m, "tools_image", null));
        }

        /// <summary>One catalog entry becomes one family per combination of its axes (gpu variants × matrix values).</summary>
        private IEnumerable<Family> Expand(string template, YamlNode keyNode, YamlMappingNode entry, Dictionary<string, GpuArch> gpuArchs, Dictionary<string, Machine> machines, PixiSettings pixi)
        {
            var unknownKeys = CheckKeys(entry, FamilyKeys, template, "family");
            if (unknownKeys)
            {
                yield break;
            }

            // Each axis: name → list of (value, overrides or null).
            var axes = new List<(string Axis, List<(string Value, YamlMappingNode? Overrides)> Values)>();
            if (Node(entry, "gpu") is { } gpuNode)
            {
                var variants = StringList(entry, "gpu", template) ?? [];
                foreach (var v in variants.Where(v => !gpuArchs.ContainsKey(v)))
                {
                    Error(gpuNode, template, $"GPU variant '{v}' is not defined under 'gpu_archs:'.{Suggest.DidYouMean(v, gpuArchs.Keys)}", "Define it (e.g. 'ada: { arch_list: [\"8.9\"] }') or fix the name.");
                }

                axes.Add(("gpu", variants.Where(gpuArchs.ContainsKey).Select(v => (v, (YamlMappingNode?)null)).ToList()));
            }

            if (Node(entry, "matrix") is { } matrixNode)
            {
                if (matrixNode is not YamlMappingNode matrix)
                {
                    Error(matrixNode, template, "'matrix' must map axis names to values.", "Write e.g. 'matrix: { os: [focal, noble], env: [stable] }'.");
                    yield break;
                }

                foreach (var (axisKey, axisValues) in matrix.Children)
                {
                    var axis = ((YamlScalarNode)axisKey).Value!;
                    var values = new List<(string, YamlMappingNode?)>();
                    switch (axisValues)
                    {
                        case YamlSequenceNode seq:
                            values.AddRange(seq.Children.OfType<YamlScalarNode>().Select(s => (s.Value ?? string.Empty, (YamlMappingNode?)null)));
                            break;
                        case YamlMappingNode map:
                            foreach (var (vk, vv) in map.Children)
                            {
                                if (vv is YamlMappingNode overrides)
                                {
                                    CheckKeys(overrides, FamilyKeys.Except(["matrix", "gpu"]).ToArray(), template, $"matrix value '{((YamlScalarNode)vk).Value}'");
                                    values.Add((((YamlScalarNode)vk).Value!, overrides));
                                }
                                else
                                {
                                    values.Add((((YamlScalarNode)vk).Value!, null));
                                }
                            }

                            break;
                        default:
                            Error(axisValues, template, $"Matrix axis '{axis}' must list values.", "Write e.g. 'os: [focal, noble]' or 'os: { focal: { base: … } }'.");
                            break;
                    }

                    axes.Add((axis, values));
                }
            }

            foreach (var (axis, _) in axes)
            {
                if (!template.Contains('{' + axis + '}', StringComparison.Ordinal))
                {
                    Error(keyNode, template, $"The name has no {{{axis}}} placeholder, so every {axis} value would get the same name.", $"Add {{{axis}}} to the name, e.g. '{template}-{{{axis}}}'.");
                    yield break;
                }
            }

            IEnumerable<Dictionary<string, (string Value, YamlMappingNode? Overrides)>> combos = [new()];
            foreach (var (axis, values) in axes)
            {
                combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, (string, YamlMappingNode?)>(c) { [axis] = v })).ToList();
            }

            foreach (var combo in combos)
            {
                var family = ReadFamily(template, keyNode, entry, combo, gpuArchs, machines, pixi);
                if (family is not null)
                {
                    yield return family;
                }
            }
        }

        private Family? ReadFamily(string template, YamlNode keyNode, YamlMappingNode entry, Dictionary<string, (string Value, YamlMappingNode? Overrides)> combo, Dictionary<string, GpuArch> gpuArchs, Dictionary<string, Machine> machines, PixiSettings pixi)
        {
            var axes = combo.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);
            string Sub(string s) => PlaceholderPattern().Replace(s, m => axes.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
            var name = Sub(template);
            var errorsBefore = Errors.Count;

            var leftover = PlaceholderPattern().Match(name);
            if (leftover.Success)
            {
                Error(keyNode, name, $"The name uses {{{leftover.Groups[1].Value}}}, which is not an axis of this family.", "Add it under 'matrix:' (or 'gpu:' for {gpu}), or remove it from the name.");
                return null;
            }

            if (!FamilyNamePattern().IsMatch(name))
            {
                Error(keyNode, name, "A family name must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.", "Rename it; the name becomes part of image tags.");
                return null;
            }

            // Matrix values may override keys of the entry; the override wins.
            var overrides = combo.Values.Select(v => v.Overrides).Where(o => o is not null).Cast<YamlMappingNode>().ToList();
            YamlNode? Get(string key) =>
                overrides.Select(o => Node(o, key)).LastOrDefault(n => n is not null) ?? Node(entry, key);
            var view = new YamlMappingNode();
            foreach (var key in FamilyKeys)
            {
                if (Get(key) is { } n)
                {
                    view.Children.Add(new YamlScalarNode(key), n);
                }
            }

            string? S(string key) => Scalar(view, key, name) is { } s ? Sub(s) : null;
            List<string>? L(string key) => StringList(view, key, name)?.Select(Sub).ToList();

            var parent = S("parent");
            var baseText = S("base");
            string? resolvedBase = null;
            if (parent is not null && baseText is not null)
            {
                Error(Node(view, "base"), name, "A family has either a 'parent' (another family) or a 'base' (a pinned image), not both.", "Remove one of them.");
            }
            else if (parent is null && baseText is null)
            {
                Error(keyNode, name, "A family needs a 'parent' (another family) or a 'base' (an image pinned by digest).", "Add e.g. 'base: python:3.11-slim@sha256:…' or 'parent: cpu-py311'.");
            }
            else if (baseText is not null)
            {
                resolvedBase = CheckBase(Node(view, "base")!, name, baseText);
            }

            var python = ReadPython(view, name, Sub, pixi);
            var copy = ReadCopy(view, name, Sub);
            var builderRun = new List<string>();
            if (Node(view, "builder") is { } builderNode)
            {
                if (builderNode is YamlMappingNode builder)
                {
                    CheckKeys(builder, ["run"], name, "builder");
                    builderRun = StringList(builder, "run", name)?.Select(Sub).ToList() ?? [];
                }
                else
                {
                    Error(builderNode, name, "'builder' must be a mapping.", "Write 'builder: { run: [\"command\", …] }'.");
                }
            }

            var export = L("export") ?? [];
            if (python is { Kind: PythonKind.Pixi })
            {
                // pixi-pack's tarball is what a pixi family exports (spec 000: the export stage ships it).
                export = [.. export.Append("environment.tar.gz").Distinct(StringComparer.Ordinal)];
                if (pixi.ToolsImage is null)
                {
                    Error(Node(view, "python"), name, "A pixi family needs an image with pixi, pixi-pack and pixi-unpack for its builder stage.", "Set 'pixi: { tools_image: name:tag@sha256:… }' at the top of the catalog.");
                }
            }
            if (python is { Sources.Count: > 0 })
            {
                // The builder packs the environment it installed from the local wheels, as a pixi family's pack.
                export = [.. export.Append("environment.tar.gz").Distinct(StringComparer.Ordinal)];
            }

            foreach (var e in export.Where(e => e.Contains('/', StringComparison.Ordinal) || e is "." or ".." || e.Length == 0))
            {
                Error(Node(view, "export"), name, $"Export '{e}' must be a plain file name.", "The builder writes it to /kiln/export/<name>; list just the name, e.g. environment.tar.gz.");
            }

            if (export.Count > 0 && builderRun.Count == 0 && python is not { Kind: PythonKind.Pixi } && python is not { Sources.Count: > 0 })
            {
                Error(Node(view, "export"), name, "This family exports files but has no builder to produce them.", "Add 'builder: { run: [...] }' that writes them to /kiln/export/, or a pixi environment (which exports environment.tar.gz).");
            }

            GpuVariant? gpu = null;
            var env = new Dictionary<string, EnvVar>(StringComparer.Ordinal);
            var machine = S("machine");
            if (axes.TryGetValue("gpu", out var gpuName) && gpuArchs.TryGetValue(gpuName, out var arch))
            {
                gpu = new GpuVariant(arch.Name, arch.ArchList);
                machine ??= arch.Machine;
            }

            if (machine is not null)
            {
                if (machines.TryGetValue(machine, out var m))
                {
                    foreach (var e in m.Env)
                    {
                        env[e.Name] = e;
                    }
                }
                else
                {
                    Error(Node(view, "machine") ?? keyNode, name, $"Machine '{machine}' is not defined under 'machines:'.{Suggest.DidYouMean(machine, machines.Keys)}", "Define it or fix the name.");
                }
            }

            if (gpu is not null)
            {
                var a = gpuArchs[gpu.Name];
                foreach (var e in a.Env)
                {
                    env[e.Name] = e;
                }

                env["TORCH_CUDA_ARCH_LIST"] = new("TORCH_CUDA_ARCH_LIST", a.TorchArchList);
                env["KILN_GPU_ARCH_LIST"] = new("KILN_GPU_ARCH_LIST", a.TorchArchList);
                env["KILN_GPU_VARIANT"] = new("KILN_GPU_VARIANT", a.Name);
            }

            foreach (var e in EnvList(view, "env", name))
            {
                env[e.Name] = e with { Value = Sub(e.Value) };
            }

            var user = Node(view, "user") is YamlMappingNode userNode ? ReadUser(userNode, name) : (parent is null ? _defaults.User : null);
            var tini = Bool(view, "tini", name) ?? (parent is null ? _defaults.Tini : null);
            var ports = IntList(view, "ports", name, 1, 65535, "Ports must be between 1 and 65535.");
            var health = Node(view, "healthcheck") is { } hn ? ReadHealth(hn, name) : null;
            var labels = StringMap(view, "labels", name).ToDictionary(kv => kv.Key, kv => Sub(kv.Value), StringComparer.Ordinal);
            var cmd = Node(view, "cmd") is { } cmdNode
                ? (cmdNode is YamlScalarNode cs ? ["/bin/sh", "-c", Sub(cs.Value ?? string.Empty)] : L("cmd"))
                : null;

            var provides = L("provides") ?? [];
            foreach (var p in provides.Where(p => !ProvidesValues.Contains(p, StringComparer.Ordinal)))
            {
                Error(Node(view, "provides"), name, $"'provides' lists '{p}', which is not one of {string.Join(", ", ProvidesValues)}.{Suggest.DidYouMean(p, ProvidesValues)}", "Use those values only.");
            }

            if (Errors.Count > errorsBefore)
            {
                return null;
            }

            return new Family(
                Name: name,
                Group: S("group") ?? string.Empty,
                Parent: parent,
                Base: resolvedBase,
                BaseTemplate: baseText,
                Description: S("description"),
                Apt: (L("apt") ?? []).Distinct(StringComparer.Ordinal).ToList(),
                Python: python,
                Copy: copy,
                BuilderRun: builderRun,
                Run: L("run") ?? [],
                Env: env.Values.OrderBy(e => e.Name, StringComparer.Ordinal).ToList(),
                User: user,
                Tini: tini,
                Ports: ports.Distinct().Order().ToList(),
                Health: health,
                Labels: new SortedDictionary<string, string>(labels, StringComparer.Ordinal),
                Export: export.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                Gpu: gpu,
                Machine: machine,
                Cmd: cmd,
                Workdir: S("workdir"),
                Axes: new SortedDictionary<string, string>(axes, StringComparer.Ordinal),
                Source: At(keyNode))
            {
                Provides = provides.Distinct(StringComparer.Ordinal).ToList(),
            };
        }

        private string? CheckBase(YamlNode node, string? family, string text)
        {
            var (expanded, envError) = ImageReference.ExpandEnvironment(text, options.Environment);
            if (envError is not null)
            {
                Error(node, family, envError, "Set the variable, or give a default in the catalog.");
                return null;
            }

            var (reference, error) = ImageReference.Parse(expanded!);
            if (reference is null)
            {
                Error(node, family, $"Image '{expanded}' is invalid: {error}", "Write name:tag@sha256:<64 hex>, e.g. python:3.11-slim@sha256:….");
                return null;
            }

            if (!reference.IsPinned)
            {
                var problem = new CatalogError(At(node), family, $"Image '{expanded}' is not pinned by digest, so builds are not reproducible.", "Pin it: ./build.sh --target=UpdateDigests, or write name:tag@sha256:….");
                (options.Strict ? Errors : Warnings).Add(problem);
            }

            return reference.ToString();
        }

        private PythonSpec? ReadPython(YamlMappingNode view, string family, Func<string, string> sub, PixiSettings pixi)
        {
            if (Node(view, "python") is not { } node)
            {
                return null;
            }

            if (node is not YamlMappingNode m)
            {
                Error(node, family, "'python' must be a mapping.", "Write 'python: { pixi: <environment> }' or 'python: { requirements: path/to/requirements.lock }'.");
                return null;
            }

            CheckKeys(m, ["pixi", "requirements", "sources"], family, "python");
            var env = Scalar(m, "pixi", family) is { } p ? sub(p) : null;
            var req = Scalar(m, "requirements", family) is { } r ? sub(r) : null;
            if ((env is null) == (req is null))
            {
                Error(m, family, "'python' needs exactly one of 'pixi' (an environment name) or 'requirements' (a hashed lock file).", "Keep one of them.");
                return null;
            }

            if (env is not null)
            {
                var manifest = Path.Combine(options.RepoRoot, pixi.Manifest);
                if (!File.Exists(manifest))
                {
                    Error(Node(m, "pixi"), family, $"Family uses pixi environment '{env}', but the pixi manifest '{pixi.Manifest}' does not exist.", "Add it, or set 'pixi: { manifest: path }' at the top of the catalog.");
                    return null;
                }

                var names = PixiManifest.EnvironmentNames(File.ReadAllText(manifest));
                if (!names.Contains(env))
                {
                    Error(Node(m, "pixi"), family, $"pixi environment '{env}' is not defined in {pixi.Manifest} (it defines: {string.Join(", ", names)}).{Suggest.DidYouMean(env, names)}", $"Add it under [environments] in {pixi.Manifest}, or use one of those.");
                    return null;
                }

                var lockPath = Path.Combine(options.RepoRoot, pixi.Lock);
                if (!File.Exists(lockPath))
                {
                    var missing = new CatalogError(At(Node(m, "pixi")!), family, $"{pixi.Lock} is missing, so pixi environment '{env}' cannot be installed --frozen.", $"Run `pixi lock` where conda-forge is reachable and commit {pixi.Lock}.");
                    (options.Strict ? Errors : Warnings).Add(missing);
                }
                else
                {
                    var lockFile = Build.Pixi.PixiLock.Parse(File.ReadAllText(lockPath));
                    if (!lockFile.Environments.TryGetValue(env, out var locked) || locked.Packages(pixi.Platform).Count == 0)
                    {
                        Error(Node(m, "pixi"), family, $"pixi environment '{env}' has no packages for {pixi.Platform} in {pixi.Lock} (it locks: {string.Join(", ", lockFile.Environments.Keys)}).", $"The lock is stale: run `pixi lock` and commit {pixi.Lock}.");
                        return null;
                    }
                }

                return new PythonSpec(PythonKind.Pixi, env, null);
            }

            if (!CheckSourceExists(Node(m, "requirements")!, family, req!, "requirements lock"))
            {
                return null;
            }

            var text = File.ReadAllText(Path.Combine(options.RepoRoot, req!));
            if (!text.Contains("--hash=sha256:", StringComparison.Ordinal))
            {
                Error(Node(m, "requirements"), family, $"'{req}' has no --hash=sha256: pins, so pip cannot verify what it installs.", "Generate it with 'pip-compile --generate-hashes' (or 'uv pip compile --generate-hashes').");
                return null;
            }

            List<string>? sources = null;
            if (Node(m, "sources") is { } sourcesNode)
            {
                sources = [];
                foreach (var source in StringList(m, "sources", family)?.Select(sub) ?? [])
                {
                    var dir = source.TrimEnd('/');
                    if (!CheckSourceExists(sourcesNode, family, dir, "Python source"))
                    {
                        continue;
                    }

                    var full = Path.Combine(options.RepoRoot, dir);
                    if (!File.Exists(Path.Combine(full, "pyproject.toml")) && !File.Exists(Path.Combine(full, "setup.py")))
                    {
                        Error(sourcesNode, family, $"The Python source '{dir}' is not a package directory (no pyproject.toml or setup.py).", "List directories that pip can build a wheel from.");
                        continue;
                    }

                    sources.Add(dir);
                }
            }

            return new PythonSpec(PythonKind.Requirements, null, req, sources);
        }

        private List<CopySpec> ReadCopy(YamlMappingNode view, string family, Func<string, string> sub)
        {
            var result = new List<CopySpec>();
            if (Node(view, "copy") is not { } node)
            {
                return result;
            }

            if (node is not YamlSequenceNode seq)
            {
                Error(node, family, "'copy' must be a list.", "Write 'copy: [{ src: path/in/repo, dest: /path/in/image }]'.");
                return result;
            }

            foreach (var item in seq.Children)
            {
                if (item is not YamlMappingNode m)
                {
                    Error(item, family, "Each 'copy' item must be a mapping.", "Write '{ src: path/in/repo, dest: /path/in/image, mode: \"0755\" }'.");
                    continue;
                }

                CheckKeys(m, ["src", "dest", "mode"], family, "copy item");
                var src = Scalar(m, "src", family) is { } s ? sub(s) : null;
                var dest = Scalar(m, "dest", family) is { } d ? sub(d) : null;
                var mode = Scalar(m, "mode", family);
                if (src is null || dest is null)
                {
                    Error(m, family, "A 'copy' item needs 'src' and 'dest'.", "Add the missing one.");
                    continue;
                }

                if (!dest.StartsWith('/'))
                {
                    Error(Node(m, "dest"), family, $"Copy destination '{dest}' must be an absolute path in the image.", "Start it with '/'.");
                    continue;
                }

                if (mode is not null && !Regex.IsMatch(mode, "^0?[0-7]{3}$"))
                {
                    Error(Node(m, "mode"), family, $"'{mode}' is not an octal file mode.", "Write e.g. \"0755\" (quoted).");
                    continue;
                }

                if (CheckSourceExists(Node(m, "src")!, family, src, "copy source"))
                {
                    result.Add(new CopySpec(src.TrimEnd('/'), dest, mode));
                }
            }

            return result;
        }

        private bool CheckSourceExists(YamlNode node, string family, string path, string what)
        {
            if (Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
            {
                Error(node, family, $"The {what} '{path}' must be a path inside the repository.", "Write it relative to the repository root, without '..'.");
                return false;
            }

            var full = Path.Combine(options.RepoRoot, path);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                Error(node, family, $"The {what} '{path}' does not exist.", "Paths are relative to the repository root; create the file or fix the path.");
                return false;
            }

            return true;
        }

        private UserSpec? ReadUser(YamlMappingNode m, string? family)
        {
            CheckKeys(m, ["name", "uid", "gid"], family, "user");
            var name = Scalar(m, "name", family) ?? "app";
            var uid = Int(m, "uid", family, 1, 2_147_483_647) ?? 10001;
            var gid = Int(m, "gid", family, 1, 2_147_483_647) ?? uid;
            if (!Regex.IsMatch(name, "^[a-z_][a-z0-9_-]{0,31}$"))
            {
                Error(Node(m, "name"), family, $"'{name}' is not a valid user name.", "Use lowercase letters, digits, '_' or '-' (e.g. app).");
            }

            return new UserSpec(name, uid, gid);
        }

        private HealthSpec? ReadHealth(YamlNode node, string family)
        {
            if (node is not YamlMappingNode m)
            {
                Error(node, family, "'healthcheck' must be a mapping.", "Write one of '{ tcp: 8080 }', '{ http: { port: 8080, path: /health } }' or '{ cmd: [..] }'.");
                return null;
            }

            CheckKeys(m, ["tcp", "http", "cmd", "interval", "timeout", "start_period", "retries"], family, "healthcheck");
            var kinds = new[] { "tcp", "http", "cmd" }.Where(k => Node(m, k) is not null).ToList();
            if (kinds.Count != 1)
            {
                Error(m, family, "A healthcheck needs exactly one of 'tcp', 'http' or 'cmd'.", "Keep one of them.");
                return null;
            }

            var interval = Duration(m, "interval", family) ?? _defaults.Interval;
            var timeout = Duration(m, "timeout", family) ?? _defaults.Timeout;
            var start = Duration(m, "start_period", family) ?? _defaults.StartPeriod;
            var retries = Int(m, "retries", family, 1, 100) ?? _defaults.Retries;
            switch (kinds[0])
            {
                case "tcp":
                    var port = Int(m, "tcp", family, 1, 65535, "Ports must be between 1 and 65535.");
                    return port is null ? null : new HealthSpec(HealthKind.Tcp, port, null, null, interval, timeout, start, retries);
                case "http":
                    if (Node(m, "http") is not YamlMappingNode http)
                    {
                        Error(Node(m, "http"), family, "'http' must be a mapping.", "Write 'http: { port: 8080, path: /health }'.");
                        return null;
                    }

                    CheckKeys(http, ["port", "path"], family, "healthcheck.http");
                    var hp = Int(http, "port", family, 1, 65535, "Ports must be between 1 and 65535.");
                    var path = Scalar(http, "path", family) ?? "/";
                    if (!path.StartsWith('/'))
                    {
                        Error(Node(http, "path"), family, $"HTTP health path '{path}' must start with '/'.", "Write e.g. /health.");
                        return null;
                    }

                    return hp is null ? null : new HealthSpec(HealthKind.Http, hp, path, null, interval, timeout, start, retries);
                default:
                    var cmd = Node(m, "cmd") is YamlScalarNode one ? [one.Value ?? string.Empty] : StringList(m, "cmd", family) ?? [];
                    return cmd.Count == 0 ? null : new HealthSpec(HealthKind.Command, null, null, cmd, interval, timeout, start, retries);
            }
        }

        /// <summary>The bake file carries one HASH_ variable per family; two names must not collapse into one.</summary>
        private void CheckVariables(List<Family> families)
        {
            foreach (var (key, what) in new (Func<Family, string>, string)[] { (f => f.HashVariable, "bake variable"), (f => f.BakeTarget, "bake target name") })
            {
                foreach (var g in families.GroupBy(key).Where(g => g.Count() > 1))
                {
                    var names = g.Select(f => f.Name).ToList();
                    Errors.Add(new CatalogError(g.Last().Source, g.Last().Name, $"Families {string.Join(" and ", names.Select(n => $"'{n}'"))} would share the {what} {g.Key}.", "Rename one so they differ in more than punctuation."));
                }
            }
        }

        /// <summary>Parents must exist and form a forest; returns families with parents first (ties by name).</summary>
        private List<Family>? CheckGraph(List<Family> families)
        {
            var byName = families.ToDictionary(f => f.Name, StringComparer.Ordinal);
            foreach (var f in families.Where(f => f.Parent is not null && !byName.ContainsKey(f.Parent)))
            {
                Errors.Add(new CatalogError(f.Source, f.Name, $"Parent '{f.Parent}' is not a family in this catalog.{Suggest.DidYouMean(f.Parent!, byName.Keys)}", "Fix the name, or add that family."));
            }

            foreach (var f in families)
            {
                var seen = new List<string> { f.Name };
                for (var p = f.Parent; p is not null && byName.TryGetValue(p, out var parent); p = parent.Parent)
                {
                    if (seen.Contains(p))
                    {
                        if (p == f.Name)
                        {
                            Errors.Add(new CatalogError(f.Source, f.Name, $"Parents form a cycle: {string.Join(" -> ", seen)} -> {p}.", "Give one family in the cycle a 'base' image instead of a 'parent'."));
                        }

                        break;
                    }

                    seen.Add(p);
                }
            }

            if (Errors.Count > 0)
            {
                return null;
            }

            var ordered = new List<Family>();
            var done = new HashSet<string>(StringComparer.Ordinal);
            var pending = families.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
            while (pending.Count > 0)
            {
                var ready = pending.First(f => f.Parent is null || done.Contains(f.Parent));
                pending.Remove(ready);
                done.Add(ready.Name);
                var group = ready.Group.Length > 0 ? ready.Group : (ready.Parent is null ? ready.Name : ordered.First(o => o.Name == ready.Parent).Group);
                ordered.Add(ready with { Group = group });
            }

            return ordered;
        }

        // ---- typed readers: each records an error with the node's position instead of throwing ----------------
        public static YamlNode? Node(YamlMappingNode m, string key) =>
            m.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

        /// <summary>Reports keys that are not allowed (typos) with a suggestion; true when any was found.</summary>
        private bool CheckKeys(YamlMappingNode m, string[] allowed, string? family, string what)
        {
            var found = false;
            foreach (var key in m.Children.Keys.OfType<YamlScalarNode>())
            {
                if (!allowed.Contains(key.Value))
                {
                    Error(key, family, $"Unknown key '{key.Value}' in {what}.{Suggest.DidYouMean(key.Value ?? string.Empty, allowed)}", $"Allowed keys: {string.Join(", ", allowed)}.");
                    found = true;
                }
            }

            return found;
        }

        private string? Scalar(YamlMappingNode m, string key, string? family)
        {
            var node = Node(m, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode s)
            {
                return s.Value;
            }

            Error(node, family, $"'{key}' must be a single value.", $"Write '{key}: value'.");
            return null;
        }

        private bool? Bool(YamlMappingNode m, string key, string? family)
        {
            var s = Scalar(m, key, family);
            if (s is null)
            {
                return null;
            }

            if (bool.TryParse(s, out var b))
            {
                return b;
            }

            Error(Node(m, key), family, $"'{key}' must be true or false, not '{s}'.", $"Write '{key}: true' or '{key}: false'.");
            return null;
        }

        private int? Int(YamlMappingNode m, string key, string? family, int min, int max, string? rangeMessage = null)
        {
            var s = Scalar(m, key, family);
            if (s is null)
            {
                return null;
            }

            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
            {
                return v;
            }

            Error(Node(m, key), family, $"'{key}' is '{s}'. {rangeMessage ?? $"It must be a whole number from {min} to {max}."}", $"Write a number from {min} to {max}.");
            return null;
        }

        private string? Duration(YamlMappingNode m, string key, string? family)
        {
            var s = Scalar(m, key, family);
            if (s is null || DurationPattern().IsMatch(s))
            {
                return s;
            }

            Error(Node(m, key), family, $"'{key}' is '{s}', not a duration.", "Write e.g. 30s, 500ms, 5m.");
            return null;
        }

        private List<string>? StringList(YamlMappingNode m, string key, string? family)
        {
            var node = Node(m, key);
            switch (node)
            {
                case null:
                    return null;
                case YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode):
                    return seq.Children.Cast<YamlScalarNode>().Select(c => c.Value ?? string.Empty).ToList();
                default:
                    Error(node, family, $"'{key}' must be a list of values.", $"Write '{key}: [a, b]'.");
                    return null;
            }
        }

        private List<int> IntList(YamlMappingNode m, string key, string? family, int min, int max, string rangeMessage)
        {
            var result = new List<int>();
            foreach (var s in StringList(m, key, family) ?? [])
            {
                if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
                {
                    result.Add(v);
                }
                else
                {
                    Error(Node(m, key), family, $"'{key}' has '{s}'. {rangeMessage}", $"Use numbers from {min} to {max}.");
                }
            }

            return result;
        }

        private SortedDictionary<string, string> StringMap(YamlMappingNode m, string key, string? family)
        {
            var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var node = Node(m, key);
            if (node is null)
            {
                return result;
            }

            if (node is not YamlMappingNode map)
            {
                Error(node, family, $"'{key}' must be a mapping.", $"Write '{key}: {{ name: value }}'.");
                return result;
            }

            foreach (var (k, v) in map.Children)
            {
                if (v is YamlScalarNode s)
                {
                    result[((YamlScalarNode)k).Value!] = s.Value ?? string.Empty;
                }
                else
                {
                    Error(v, family, $"The value of '{((YamlScalarNode)k).Value}' in '{key}' must be a single value.", "Quote it as a string.");
                }
            }

            return result;
        }

        private List<EnvVar> EnvList(YamlMappingNode m, string key, string? family)
        {
            var result = new List<EnvVar>();
            foreach (var (name, value) in StringMap(m, key, family))
            {
                if (!EnvNamePattern().IsMatch(name))
                {
                    var node = ((YamlMappingNode)Node(m, key)!).Children.Keys.OfType<YamlScalarNode>().First(k => k.Value == name);
                    Error(node, family, $"'{name}' is not a valid environment variable name.", "Use letters, digits and '_', not starting with a digit (e.g. OMP_NUM_THREADS).");
                    continue;
                }

                result.Add(new EnvVar(name, value));
            }

            return result;
        }
    }

    private sealed record Defaults(UserSpec? User, bool Tini, string Interval, string Timeout, string StartPeriod, int Retries);
}
