using System.Text.RegularExpressions;
using Build.Catalog.Yaml;

namespace Build.Catalog;

/// <summary>
/// Reads one family (one combination of its entry's axes). The key table below is both the list of allowed keys
/// and the parser: a key is allowed exactly when it has a reader, so the two cannot drift apart.
/// </summary>
internal static partial class FamilyReader
{
    internal sealed record Key(string Name, bool Overridable, Action<FamilyDraft, YNode> Read);

    private static readonly Key[] Table =
    [
        new("description", true, (d, n) => d.Description = d.Text(n, "description")),
        new("group", true, (d, n) => d.Group = d.Name(n, "group")),
        new("parent", true, (d, n) => (d.Parent, d.ParentNode) = (d.Name(n, "parent"), n)),
        new("base", true, (d, n) => (d.BaseText, d.BaseNode) = (d.Text(n, "base"), n)),
        new("apt", true, (d, n) => d.Apt = d.Packages(n)),
        new("python", true, (d, n) => (d.Python, d.PythonNode) = (d.ReadPython(n), n)),
        new("copy", true, (d, n) => d.Copy = d.ReadCopy(n)),
        new("builder", true, (d, n) => d.BuilderRun = d.ReadBuilder(n)),
        new("run", true, (d, n) => d.Run = d.Commands(n, "run")),
        new("env", true, (d, n) => d.Env = d.ReadEnv(n)),
        new("user", true, (d, n) => d.User = d.R.AsMapping(n, "'user'", d.FamilyName, "user: { name: app, uid: 10001, gid: 10001 }") is { } m ? ReadUser(d.R, m, d.FamilyName) : null),
        new("tini", true, (d, n) => d.Tini = d.R.BoolOf(n, "tini", d.FamilyName)),
        new("ports", true, (d, n) => d.Ports = d.ReadPorts(n)),
        new("healthcheck", true, (d, n) => d.Health = d.ReadHealth(n)),
        new("labels", true, (d, n) => d.Labels = d.ReadLabels(n)),
        new("export", true, (d, n) => (d.Export, d.ExportNode) = (d.List(n, "export") ?? [], n)),
        // The axes are expanded before a family is read (AxisExpander); here they only need to be allowed.
        new("gpu", false, (_, _) => { }),
        new("matrix", false, (_, _) => { }),
        new("machine", true, (d, n) => (d.Machine, d.MachineNode) = (d.Name(n, "machine"), n)),
        new("cmd", true, (d, n) => d.Cmd = d.ReadCmd(n)),
        new("workdir", true, (d, n) => d.Workdir = d.ReadWorkdir(n)),
        new("provides", true, (d, n) => d.Provides = d.ReadProvides(n)),
    ];

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

    [GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^0?[0-7]{3}$")]
    internal static partial Regex ModePattern();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9+.:~=*_-]*$")]
    internal static partial Regex AptPattern();
}
