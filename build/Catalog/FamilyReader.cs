using System.Text.RegularExpressions;
using Build.Catalog.Yaml;

namespace Build.Catalog;

/// <summary>
/// Reads one family (one combination of its entry's axes). The key table below is the list of allowed keys, the parser
/// and what a family's hash covers: a key is allowed exactly when it has a reader, and each row names what of the
/// finished family its "catalog-entry" hash input holds, so the three cannot drift apart. A key that only its row and
/// its consumer need (see <see cref="Setting{T}"/>) lands in <see cref="Family.Settings"/>: adding one is one row here
/// plus the code that uses it.
/// </summary>
internal static partial class FamilyReader
{
    /// <param name="Hash">What of the finished family the key contributes to its "catalog-entry" hash input (values
    /// after defaults and axes are applied); an unset value (null, empty) is left out, so a key added later changes
    /// no hash of a family that does not use it.</param>
    internal sealed record Key(string Name, bool Overridable, Action<FamilyDraft, YNode> Read, Func<Catalog, Family, IEnumerable<(string Name, object? Value)>> Hash);

    private static IEnumerable<(string, object?)> Hashed(string name, object? value) => [(name, value)];

    private static IEnumerable<(string, object?)> NotHashed(Catalog catalog, Family family) => [];

    /// <summary>A key kept in <see cref="Family.Settings"/>: read by <paramref name="read"/> (null: unset or invalid) and hashed under its own name when set.</summary>
    private static Key Setting<T>(Setting<T> setting, Func<FamilyDraft, YNode, T?> read)
        where T : class =>
        new(setting.Name, true, (d, n) =>
        {
            if (read(d, n) is { } value)
            {
                d.Settings[setting.Name] = value;
            }
        }, (_, f) => Hashed(setting.Name, f.Settings.GetValueOrDefault(setting.Name)));

    /// <summary>The size of /dev/shm for the family's build steps, as Docker writes it (1g, 512m).</summary>
    internal static readonly Setting<string> ShmSize = new("shm_size");

    private static readonly Key[] Table =
    [
        new("description", true, (d, n) => d.Description = d.Text(n, "description"), (_, f) => Hashed("description", f.Description)),
        // The group names a bake group and the report's section; it changes nothing in the image.
        new("group", true, (d, n) => d.Group = d.Name(n, "group"), NotHashed),
        new("parent", true, (d, n) => (d.Parent, d.ParentNode) = (d.Name(n, "parent"), n), (_, f) => Hashed("parent", f.Parent)),
        new("base", true, (d, n) => (d.BaseText, d.BaseNode) = (d.Text(n, "base"), n), (_, f) => [("base", f.Base), ("base_template", f.BaseTemplate)]),
        new("apt", true, (d, n) => d.Apt = d.Packages(n), (_, f) => Hashed("apt", f.Apt)),
        // A pixi family's environment also depends on the catalog's pixi settings.
        new("python", true, (d, n) => (d.Python, d.PythonNode) = (d.ReadPython(n), n), (c, f) =>
        [
            ("python", f.Python is { } p ? HashPython(p) : null),
            ("pixi", f.Python is { Kind: PythonKind.Pixi } ? Compact(("manifest", c.Pixi.Manifest), ("lock", c.Pixi.Lock), ("platform", c.Pixi.Platform), ("tools_image", c.Pixi.ToolsImage)) : null),
        ]),
        new("copy", true, (d, n) => d.Copy = d.ReadCopy(n), (_, f) => Hashed("copy", f.Copy.Select(c => Compact(("src", c.Source), ("dest", c.Destination), ("mode", c.Mode))).ToList())),
        new("builder", true, (d, n) => d.BuilderRun = d.ReadBuilder(n), (_, f) => Hashed("builder_run", f.BuilderRun)),
        new("run", true, (d, n) => d.Run = d.Commands(n, "run"), (_, f) => Hashed("run", f.Run)),
        new("env", true, (d, n) => d.Env = d.ReadEnv(n), (_, f) => Hashed("env", f.Env.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal))),
        new("user", true, (d, n) => d.User = d.R.AsMapping(n, "'user'", d.FamilyName, "user: { name: app, uid: 10001, gid: 10001 }") is { } m ? ReadUser(d.R, m, d.FamilyName) : null,
            (_, f) => Hashed("user", f.User is { } u ? Compact(("name", u.Name), ("uid", u.Uid), ("gid", u.Gid)) : null)),
        new("tini", true, (d, n) => d.Tini = d.R.BoolOf(n, "tini", d.FamilyName), (_, f) => Hashed("tini", f.Tini)),
        new("ports", true, (d, n) => d.Ports = d.ReadPorts(n), (_, f) => Hashed("ports", f.Ports)),
        new("healthcheck", true, (d, n) => d.Health = d.ReadHealth(n), (_, f) => Hashed("healthcheck", f.Health is { } h ? HashHealth(h) : null)),
        new("labels", true, (d, n) => d.Labels = d.ReadLabels(n), (_, f) => Hashed("labels", f.Labels)),
        new("export", true, (d, n) => (d.Export, d.ExportNode) = (d.List(n, "export") ?? [], n), (_, f) => Hashed("export", f.Export)),
        // The axes are expanded before a family is read (AxisExpander); here they only need to be allowed. What they
        // chose is hashed: the GPU variant, and every axis value (the gpu axis among them) as 'axes'.
        new("gpu", false, (_, _) => { }, (_, f) => Hashed("gpu", f.Gpu is { } g ? Compact(("variant", g.Name), ("arch_list", g.ArchList)) : null)),
        new("matrix", false, (_, _) => { }, (_, f) => Hashed("axes", f.Axes)),
        new("machine", true, (d, n) => (d.Machine, d.MachineNode) = (d.Name(n, "machine"), n), (_, f) => Hashed("machine", f.Machine)),
        new("cmd", true, (d, n) => d.Cmd = d.ReadCmd(n), (_, f) => Hashed("cmd", f.Cmd)),
        new("workdir", true, (d, n) => d.Workdir = d.ReadWorkdir(n), (_, f) => Hashed("workdir", f.Workdir)),
        // What a family provides is checked against the fleet's needs; it is not in the image.
        new("provides", true, (d, n) => d.Provides = d.ReadProvides(n), NotHashed),
        Setting(ShmSize, ReadShmSize),
    ];

    /// <summary>What every key of the table contributes to a family's "catalog-entry" hash input, unset values included.</summary>
    public static IEnumerable<(string Name, object? Value)> HashProjection(Catalog catalog, Family family) =>
        Table.SelectMany(k => k.Hash(catalog, family));

    public static readonly string[] KeyNames = [.. Table.Select(k => k.Name)];

    public static readonly string[] OverridableKeys = [.. Table.Where(k => k.Overridable).Select(k => k.Name)];

    public static readonly string[] ProvidesValues = ["cpu", "gpu", "web", "audio", "vision"];

    /// <summary>
    /// The family for one combination, or null (errors recorded). With <paramref name="unknownKeys"/> the entry had a
    /// mistyped key: its other keys are still checked, but "missing key" errors are not reported (the typo is the cause).
    /// </summary>
    public static Family? Read(CatalogScope scope, string template, YScalar keyNode, YMapping entry, AxisCombination combo, bool unknownKeys)
    {
        var r = scope.R;
        var before = r.Errors.Count;
        var axes = combo.Names;
        var name = NamePattern.Placeholder().Replace(template, m => axes.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        if (NamePattern.Placeholder().Match(name) is { Success: true } leftover)
        {
            r.Error(keyNode, name, $"The name uses {{{leftover.Groups[1].Value}}}, which is not an axis of this family.", "Add it under 'matrix:' (or 'gpu:' for {gpu}), or remove it from the name.");
            return null;
        }

        if (!NamePattern.IsFamilyName(name))
        {
            r.Error(keyNode, name, "A family name must be lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.", "Rename it; the name becomes part of image tags.");
            return null;
        }

        if (name.Length > NamePattern.MaxFamilyName)
        {
            r.Error(keyNode, name, $"The family name is {name.Length} characters, so its longest tag ('{name[..8]}…-<12 hex hash>', {name.Length + NamePattern.LongestTagSuffix} characters) exceeds the {NamePattern.MaxTagLength} characters registries allow in a tag.", $"Shorten it to at most {NamePattern.MaxFamilyName} characters.");
            return null;
        }

        var d = new FamilyDraft(scope, name, axes, keyNode);
        var overrides = combo.Overrides.ToList();
        foreach (var key in Table)
        {
            var node = overrides.Select(o => o[key.Name]).LastOrDefault(n => n is not null) ?? entry[key.Name];
            if (node is not null)
            {
                key.Read(d, node);
            }
        }

        var family = d.Finish(unknownKeys);
        return r.Errors.Count > before ? null : family;
    }

    internal static UserSpec? ReadUser(NodeReader r, YMapping m, string? family)
    {
        r.CheckKeys(m, ["name", "uid", "gid"], family, "user");
        var name = r.Scalar(m, "name", family) ?? "app";
        var uid = r.Int(m, "uid", family, 1, 2_147_483_647) ?? 10001;
        var gid = r.Int(m, "gid", family, 1, 2_147_483_647) ?? uid;
        if (!UserNamePattern().IsMatch(name))
        {
            r.Error(m["name"] ?? m, family, $"'{name}' is not a valid user name.", "Use lowercase letters, digits, '_' or '-' (e.g. app).");
        }

        return new UserSpec(name, uid, gid);
    }

    private static SortedDictionary<string, object?> HashPython(PythonSpec python) =>
        Compact(("kind", python.Kind.ToString().ToLowerInvariant()), ("pixi", python.PixiEnvironment), ("requirements", python.RequirementsLock), ("sources", python.Sources is { Count: > 0 } s ? s : null));

    private static SortedDictionary<string, object?> HashHealth(HealthSpec h) =>
        Compact(("kind", h.Kind.ToString().ToLowerInvariant()), ("port", h.Port), ("path", h.Path), ("cmd", h.Command), ("interval", h.Interval), ("timeout", h.Timeout), ("start_period", h.StartPeriod), ("retries", h.Retries));

    private static SortedDictionary<string, object?> Compact(params (string Key, object? Value)[] values)
    {
        var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in values.Where(v => v.Value is not null))
        {
            result[key] = value;
        }

        return result;
    }

    private static string? ReadShmSize(FamilyDraft d, YNode node)
    {
        var size = d.Text(node, ShmSize.Name);
        if (size is not null && !ShmSizePattern().IsMatch(size))
        {
            d.R.Error(node, d.FamilyName, $"'{ShmSize.Name}' is '{size}', which is not a size Docker reads.", "Write a whole number of bytes with an optional unit b, k, m or g, e.g. 1g or 512m.");
            return null;
        }

        return size;
    }

    [GeneratedRegex("^[1-9][0-9]*[bkmg]?$")]
    private static partial Regex ShmSizePattern();

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^0?[0-7]{3}$")]
    internal static partial Regex ModePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.:~=*_-]*$")]
    internal static partial Regex AptPattern();
}
