using System.Globalization;

namespace Build.Catalog.Yaml;

/// <summary>
/// Typed reads over positioned YAML nodes. A value of the wrong type is an error at its position that names the
/// expected type (never a cast exception); the caller gets null and carries on, so all of a file's errors are
/// reported together.
/// </summary>
public sealed class NodeReader(string file, string subjectKind = "family")
{
    public string File { get; } = file;

    /// <summary>What the subject of the errors names; a reader of several kinds of entry switches it as it goes.</summary>
    public string SubjectKind { get; set; } = subjectKind;

    public List<InputError> Errors { get; } = [];

    public List<InputError> Warnings { get; } = [];

    public SourceSpan At(YNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new SourceSpan(File, node.Line, node.Column);
    }

    public void Error(YNode? node, string? subject, string message, string fix) =>
        Errors.Add(new InputError(node is null ? new SourceSpan(File, 1, 1) : At(node), subject, message, fix) { SubjectKind = SubjectKind });

    /// <summary>An error when <paramref name="strict"/> (CI mode), else a warning: what CI must not let through but a local run may.</summary>
    public void Problem(bool strict, YNode? node, string? subject, string message, string fix) =>
        (strict ? Errors : Warnings).Add(new InputError(node is null ? new SourceSpan(File, 1, 1) : At(node), subject, message, fix) { SubjectKind = SubjectKind });

    /// <summary>Every key's value position, so later checks can point at the exact line.</summary>
    public Dictionary<string, SourceSpan> Spans(YMapping m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m.Entries.ToDictionary(e => e.Name, e => At(e.Value), StringComparer.Ordinal);
    }

    /// <summary>Reports keys that are not allowed (typos) with a suggestion; true when any was found.</summary>
    public bool CheckKeys(YMapping m, IReadOnlyCollection<string> allowed, string? subject, string what)
    {
        ArgumentNullException.ThrowIfNull(m);
        var found = false;
        foreach (var entry in m.Entries)
        {
            if (!allowed.Contains(entry.Name))
            {
                Error(entry.Key, subject, $"Unknown key '{Shown(entry.Name)}' in {what}.{Suggest.DidYouMean(entry.Name, allowed)}", $"Allowed keys: {string.Join(", ", allowed)}.");
                found = true;
            }
        }

        return found;
    }

    /// <summary>The node as a mapping, or an error that names what was found instead.</summary>
    public YMapping? AsMapping(YNode node, string what, string? subject, string example)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is YMapping m)
        {
            return m;
        }

        Error(node, subject, $"{what} must be a mapping, not {node.TypeName}.", $"Write e.g. '{example}'.");
        return null;
    }

    public YMapping? Mapping(YMapping m, string key, string? subject, string example)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? AsMapping(node, $"'{key}'", subject, example) : null;
    }

    /// <summary>A single value. Block scalars lose their trailing line break (YAML adds it); anything else multi-line is kept for the caller to judge.</summary>
    public string? AsScalar(YNode node, string what, string? subject, string example)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is YScalar { Value: { } value } s)
        {
            return s.IsBlock ? value.TrimEnd('\n') : value;
        }

        Error(node, subject, $"{what} must be a single value, not {node.TypeName}.", $"Write e.g. '{example}'.");
        return null;
    }

    public string? Scalar(YMapping m, string key, string? subject)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? AsScalar(node, $"'{key}'", subject, $"{key}: value") : null;
    }

    public bool? Bool(YMapping m, string key, string? subject)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? BoolOf(node, key, subject) : null;
    }

    public bool? BoolOf(YNode node, string key, string? subject)
    {
        var s = AsScalar(node, $"'{key}'", subject, $"{key}: true");
        if (s is null)
        {
            return null;
        }

        if (s is "true" or "false" or "True" or "False" or "TRUE" or "FALSE")
        {
            return bool.Parse(s);
        }

        Error(node, subject, $"'{key}' must be true or false, not '{s}'.", $"Write '{key}: true' or '{key}: false'.");
        return null;
    }

    public int? Int(YMapping m, string key, string? subject, int min, int max, string? rangeMessage = null)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? IntOf(node, key, subject, min, max, rangeMessage) : null;
    }

    public int? IntOf(YNode node, string key, string? subject, int min, int max, string? rangeMessage = null)
    {
        var s = AsScalar(node, $"'{key}'", subject, $"{key}: {min}");
        if (s is null)
        {
            return null;
        }

        if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        Error(node, subject, $"'{key}' is '{s}'. {rangeMessage ?? $"It must be a whole number from {min} to {max}."}", $"Write a number from {min} to {max}.");
        return null;
    }

    /// <summary>A list of single values with each item's node (for errors at the item).</summary>
    public List<(YNode Node, string Value)>? Items(YMapping m, string key, string? subject)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? ItemsOf(node, key, subject) : null;
    }

    public List<(YNode Node, string Value)>? ItemsOf(YNode node, string key, string? subject)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node is not YSequence seq)
        {
            Error(node, subject, $"'{key}' must be a list of values, not {node.TypeName}.", $"Write '{key}: [a, b]'.");
            return null;
        }

        var result = new List<(YNode, string)>();
        var ok = true;
        foreach (var item in seq.Items)
        {
            if (item is YScalar { Value: { } v } s)
            {
                result.Add((item, s.IsBlock ? v.TrimEnd('\n') : v));
            }
            else
            {
                Error(item, subject, $"Each item of '{key}' must be a single value, not {item.TypeName}.", $"Write '{key}: [a, b]'; quote an item that contains ': ' or starts with '{{' or '['.");
                ok = false;
            }
        }

        return ok ? result : null;
    }

    public List<string>? StringList(YMapping m, string key, string? subject) =>
        Items(m, key, subject)?.Select(i => i.Value).ToList();

    /// <summary>A mapping of names to single values, each with its key node.</summary>
    public List<(YScalar Key, string Name, YNode ValueNode, string Value)> Pairs(YMapping m, string key, string? subject)
    {
        ArgumentNullException.ThrowIfNull(m);
        return m[key] is { } node ? PairsOf(node, key, subject) : [];
    }

    public List<(YScalar Key, string Name, YNode ValueNode, string Value)> PairsOf(YNode node, string key, string? subject)
    {
        var result = new List<(YScalar, string, YNode, string)>();
        if (AsMapping(node, $"'{key}'", subject, $"{key}: {{ name: value }}") is not { } map)
        {
            return result;
        }

        foreach (var entry in map.Entries)
        {
            if (entry.Value is YScalar { Value: { } v } s)
            {
                result.Add((entry.Key, entry.Name, entry.Value, s.IsBlock ? v.TrimEnd('\n') : v));
            }
            else
            {
                Error(entry.Value, subject, $"The value of '{entry.Name}' in '{key}' must be a single value, not {entry.Value.TypeName}.", "Quote it as a string.");
            }
        }

        return result;
    }

    public SortedDictionary<string, string> StringMap(YMapping m, string key, string? subject) =>
        new(Pairs(m, key, subject).ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>Index of the first character a generated file cannot hold literally (a control character, a line or paragraph separator), or -1.</summary>
    public static int FirstControl(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A key as a message shows it: control characters escaped, so the message stays one line.</summary>
    public static string Shown(string text) =>
        FirstControl(text) < 0 ? text : string.Concat(text.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:X4}" : c.ToString()));
}
