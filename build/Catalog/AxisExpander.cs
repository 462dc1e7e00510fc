using Build.Catalog.Yaml;

namespace Build.Catalog;

/// <summary>One value of an axis, with the keys it overrides (a matrix value written as a mapping).</summary>
public sealed record AxisValue(string Value, YNode Node, YMapping? Overrides);

/// <summary>One combination of an entry's axes: axis name → value.</summary>
public sealed record AxisCombination(IReadOnlyDictionary<string, AxisValue> Values)
{
    public IReadOnlyDictionary<string, string> Names => Values.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal);

    public IEnumerable<YMapping> Overrides => Values.Values.Select(v => v.Overrides).OfType<YMapping>();
}

/// <summary>
/// Expands one catalog entry's axes (a GPU variant list and matrix axes) into combinations. An empty axis is an
/// error, never an entry that silently produces no family (Generate would then delete the family's files).
/// </summary>
public static class AxisExpander
{
    /// <summary>The combinations, or null when the axes are invalid (errors in <paramref name="r"/>).</summary>
    public static IReadOnlyList<AxisCombination>? Expand(NodeReader r, string template, YScalar keyNode, YMapping entry, IReadOnlyDictionary<string, GpuArch> gpuArchs, IReadOnlyCollection<string> overridableKeys)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(entry);
        var before = r.Errors.Count;
        var axes = new List<(string Axis, List<AxisValue> Values)>();
        if (entry["gpu"] is { } gpuNode)
        {
            var values = new List<AxisValue>();
            foreach (var (node, v) in r.Items(entry, "gpu", template) ?? [])
            {
                if (!gpuArchs.ContainsKey(v))
                {
                    r.Error(node, template, $"GPU variant '{v}' is not defined under 'gpu_archs:'.{Suggest.DidYouMean(v, gpuArchs.Keys)}", "Define it (e.g. 'ada: { arch_list: [\"8.9\"] }') or fix the name.");
                }

                values.Add(new AxisValue(v, node, null));
            }

            if (gpuNode is YSequence { Items.Count: 0 })
            {
                r.Error(gpuNode, template, "'gpu' lists no variants, so this entry would make no family at all.", "List the variants (e.g. 'gpu: [ada, ampere]'), or remove 'gpu:' for a family without GPU variants.");
            }

            axes.Add(("gpu", values));
        }

        if (entry["matrix"] is { } matrixNode)
        {
            if (r.AsMapping(matrixNode, "'matrix'", template, "matrix: { os: [focal, noble] }") is { } matrix)
            {
                if (matrix.Entries.Count == 0)
                {
                    r.Error(matrix, template, "'matrix' has no axes.", "Add an axis (e.g. 'os: [focal, noble]'), or remove 'matrix:'.");
                }

                foreach (var axisEntry in matrix.Entries)
                {
                    axes.Add((axisEntry.Name, ReadAxis(r, template, axisEntry, overridableKeys)));
                }
            }
        }

        foreach (var (axis, values) in axes)
        {
            if (axis == "gpu" && entry["matrix"] is YMapping m && m.Has("gpu"))
            {
                r.Error(m.KeyOf("gpu"), template, "'gpu' is both a matrix axis and the GPU variant list.", "Use 'gpu:' for GPU variants and another name for the matrix axis.");
            }

            if (!NamePattern.IsAxisName(axis))
            {
                r.Error(keyNode, template, $"'{axis}' is not a valid axis name.", "Use letters, digits and '_', starting with a letter (it is written as {name} in the family name).");
            }
            else if (!template.Contains('{' + axis + '}', StringComparison.Ordinal))
            {
                r.Error(keyNode, template, $"The name has no {{{axis}}} placeholder, so every {axis} value would get the same name.", $"Add {{{axis}}} to the name, e.g. '{template}-{{{axis}}}'.");
            }

            foreach (var dup in values.GroupBy(v => v.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var first = dup.First().Node;
                r.Error(dup.Skip(1).First().Node, template, $"The {axis} value '{dup.Key}' is listed twice (the other one is at {r.At(first)}).", "Remove the repeated value.");
            }

            foreach (var v in values.Where(v => !NamePattern.IsAxisValue(v.Value)))
            {
                r.Error(v.Node, template, $"The {axis} value '{v.Value}' cannot be part of a family name.", "Use lowercase letters, digits, '.', '_' or '-'.");
            }
        }

        if (r.Errors.Count > before)
        {
            return null;
        }

        IEnumerable<Dictionary<string, AxisValue>> combos = [new(StringComparer.Ordinal)];
        foreach (var (axis, values) in axes)
        {
            combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, AxisValue>(c, StringComparer.Ordinal) { [axis] = v })).ToList();
        }

        return combos.Select(c => new AxisCombination(c)).ToList();
    }

    private static List<AxisValue> ReadAxis(NodeReader r, string template, YEntry axisEntry, IReadOnlyCollection<string> overridableKeys)
    {
        var axis = axisEntry.Name;
        var values = new List<AxisValue>();
        switch (axisEntry.Value)
        {
            case YSequence seq:
                foreach (var item in seq.Items)
                {
                    if (r.AsScalar(item, $"Each value of matrix axis '{axis}'", template, $"{axis}: [focal, noble]") is { } v)
                    {
                        values.Add(new AxisValue(v, item, null));
                    }
                }

                if (seq.Items.Count == 0)
                {
                    r.Error(seq, template, $"Matrix axis '{axis}' lists no values, so this entry would make no family at all.", $"List its values (e.g. '{axis}: [a, b]'), or remove the axis.");
                }

                break;
            case YMapping map:
                foreach (var value in map.Entries)
                {
                    switch (value.Value)
                    {
                        case YMapping overrides:
                            r.CheckKeys(overrides, overridableKeys, template, $"matrix value '{value.Name}'");
                            values.Add(new AxisValue(value.Name, value.Key, overrides));
                            break;
                        case YScalar { IsNull: true }:
                            values.Add(new AxisValue(value.Name, value.Key, null));
                            break;
                        default:
                            r.Error(value.Value, template, $"Matrix value '{value.Name}' of axis '{axis}' must be a mapping of overrides, not {value.Value.TypeName}.", $"Write e.g. '{value.Name}: {{ base: … }}', or list plain values as '{axis}: [a, b]'.");
                            break;
                    }
                }

                if (map.Entries.Count == 0)
                {
                    r.Error(map, template, $"Matrix axis '{axis}' lists no values, so this entry would make no family at all.", $"List its values (e.g. '{axis}: [a, b]'), or remove the axis.");
                }

                break;
            default:
                r.Error(axisEntry.Value, template, $"Matrix axis '{axis}' must list values, not {axisEntry.Value.TypeName}.", $"Write e.g. '{axis}: [focal, noble]' or '{axis}: {{ focal: {{ base: … }} }}'.");
                break;
        }

        return values;
    }
}
