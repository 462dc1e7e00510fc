using System.Globalization;
using System.Text.RegularExpressions;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Fleet;

/// <summary>
/// Typed reads over the positioned nodes of the shared strict YAML reader that record a positioned error instead of
/// throwing, so one load reports every problem. Small on purpose: the fleet manifest only needs scalars, lists and
/// string maps. Every value read here is single-line text without control characters: each ends up in a generated
/// Dockerfile, Compose file or report, where a line break would start a new instruction or key.
/// </summary>
internal sealed partial class FleetYaml(string file)
{
    public List<InputError> Errors { get; } = [];

    /// <summary>Problems that are errors only when the read is strict (CI mode).</summary>
    public List<InputError> Warnings { get; } = [];

    public string File => file;

    /// <summary>What the 'service' argument of the reads names while an entry is read ("service" or "infrastructure").</summary>
    public string Subject { get; set; } = "service";

    public SourceSpan At(YNode node) => new(file, node.Line, node.Column);

    public void Error(YNode? node, string? service, string message, string fix) =>
        Errors.Add(InputError.Service(node is null ? new SourceSpan(file, 1, 1) : At(node), service, message, fix) with { SubjectKind = Subject });

    /// <summary>An error when <paramref name="strict"/> (CI mode), else a warning: what CI must not let through but a local run may.</summary>
    public void Problem(bool strict, YNode? node, string? service, string message, string fix) =>
        (strict ? Errors : Warnings).Add(InputError.Service(node is null ? new SourceSpan(file, 1, 1) : At(node), service, message, fix) with { SubjectKind = Subject });

    /// <summary>A list written as a YAML sequence (a command in exec form: a single string would be one argument).</summary>
    public List<string>? Sequence(YMapping m, string key, string? service, string example)
    {
        var node = Node(m, key);
        if (node is null)
        {
            return null;
        }

        if (node is YSequence seq && seq.Items.All(c => c is YScalar))
        {
            var items = seq.Items.Select(c => Text((YScalar)c, key, service)).ToList();
            return items.Any(i => i is null) ? null : items.Select(i => i!).ToList();
        }

        Error(node, service, $"'{key}' must be a list of strings (exec form: no shell splits it).", $"Write '{key}: {example}'.");
        return null;
    }

    public static YNode? Node(YMapping m, string key) => m[key];

    /// <summary>Every key's value position, so later checks can point at the exact line.</summary>
    public Dictionary<string, SourceSpan> Spans(YMapping m) =>
        m.Entries.ToDictionary(e => e.Name, e => At(e.Value), StringComparer.Ordinal);

    public bool CheckKeys(YMapping m, string[] allowed, string? service, string what)
    {
        var found = false;
        foreach (var entry in m.Entries)
        {
            if (!allowed.Contains(entry.Name))
            {
                Error(entry.Key, service, $"Unknown key '{Shown(entry.Name)}' in {what}.{Suggest.DidYouMean(entry.Name, allowed)}", $"Allowed keys: {string.Join(", ", allowed)}.");
                found = true;
            }
        }

        return found;
    }

    public YMapping? Mapping(YMapping m, string key, string? service, string example)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YMapping map:
                return map;
            default:
                Error(node, service, $"'{key}' must be a mapping, not {Kind(node)}.", $"Write e.g. '{key}: {example}'.");
                return null;
        }
    }

    public string? Scalar(YMapping m, string key, string? service)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YScalar s:
                return Text(s, key, service);
            default:
                Error(node, service, $"'{key}' must be a single value (a string), not {Kind(node)}.", $"Write '{key}: value'.");
                return null;
        }
    }

    public bool? Bool(YMapping m, string key, string? service)
    {
        var s = Scalar(m, key, service);
        if (s is null)
        {
            return null;
        }

        if (bool.TryParse(s, out var b))
        {
            return b;
        }

        Error(Node(m, key), service, $"'{key}' must be a boolean (true or false), not '{s}'.", $"Write '{key}: true' or '{key}: false'.");
        return null;
    }

    public int? Int(YMapping m, string key, string? service, int min, int max)
    {
        var s = Scalar(m, key, service);
        if (s is null)
        {
            return null;
        }

        if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        Error(Node(m, key), service, $"'{key}' must be an integer from {min} to {max}, not '{s}'.", $"Write a whole number from {min} to {max}.");
        return null;
    }

    public string? Duration(YMapping m, string key, string? service)
    {
        var s = Scalar(m, key, service);
        if (s is null || DurationPattern().IsMatch(s))
        {
            return s;
        }

        Error(Node(m, key), service, $"'{key}' must be a duration, not '{s}'.", "Write e.g. 30s, 500ms, 2m (Docker and Compose read the same form).");
        return null;
    }

    /// <summary>A list of scalars; a single scalar is accepted as a one-item list (e.g. 'machines: mainpc').</summary>
    public List<(string Value, YNode Node)>? StringList(YMapping m, string key, string? service, string example)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YScalar s:
                return Text(s, key, service) is { } one ? [(one, s)] : null;
            case YSequence seq when seq.Items.All(c => c is YScalar):
                var result = new List<(string, YNode)>(seq.Items.Count);
                foreach (var item in seq.Items)
                {
                    // A bad item is reported and left out; the others are still read, so their own checks run.
                    if (Text((YScalar)item, key, service) is { } value)
                    {
                        result.Add((value, item));
                    }
                }

                return result;
            default:
                Error(node, service, $"'{key}' must be a list of strings.", $"Write '{key}: {example}'.");
                return null;
        }
    }

    public List<int> PortList(YMapping m, string key, string? service)
    {
        var result = new List<int>();
        foreach (var (value, node) in StringList(m, key, service, "[8080, 8081]") ?? [])
        {
            if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535)
            {
                result.Add(p);
            }
            else
            {
                Error(node, service, $"'{key}' must be a list of port numbers (integers from 1 to 65535); '{value}' is not one.", "Write e.g. 'ports: [7200, 7201]'.");
            }
        }

        return result;
    }

    public List<(string Name, string Value, YNode KeyNode)> StringMap(YMapping m, string key, string? service) =>
        Mapping(m, key, service, "{ NAME: value }") is { } map ? StringMapOf(map, key, service) : [];

    /// <summary>A mapping's entries as strings; <paramref name="what"/> names it in errors.</summary>
    public List<(string Name, string Value, YNode KeyNode)> StringMapOf(YMapping map, string what, string? service)
    {
        var result = new List<(string, string, YNode)>(map.Entries.Count);
        foreach (var entry in map.Entries)
        {
            if (entry.Value is YScalar s)
            {
                if (Text(s, $"{what}.{entry.Name}", service) is { } value)
                {
                    result.Add((entry.Name, value, entry.Key));
                }
            }
            else
            {
                Error(entry.Value, service, $"The value of '{Shown(entry.Name)}' in '{what}' must be a string, not {Kind(entry.Value)}.", "Quote it as a string.");
            }
        }

        return result;
    }

    /// <summary>
    /// The scalar's text (YAML's null reads as empty, so "names no family" stays the error for 'family:'), or null
    /// with an error when it holds a line break or another control character.
    /// </summary>
    private string? Text(YScalar s, string key, string? service)
    {
        // A block scalar's last line break is YAML's, not the author's (as the catalog reads it).
        var value = s.IsBlock ? (s.Value ?? string.Empty).TrimEnd('\n') : s.Value ?? string.Empty;
        var bad = FirstControl(value);
        if (bad < 0)
        {
            return value;
        }

        var c = value[bad];
        var what = c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029' ? "a line break" : c == '\t' ? "a tab" : "a control character";
        var why = what == "a line break" ? ": a line break would start a new instruction" : " literally";
        Error(s, service, $"'{key}' contains {what} (U+{(int)c:X4} at character {bad + 1} of the value), which the generated Dockerfile and Compose file cannot hold{why}.",
            s.IsBlock
                ? $"Write '{key}' on one line: a '|' block keeps its line breaks (a '>-' block folds lines into one)."
                : $"Write '{key}' on one line, without control characters (a quoted \"\\n\" or \"\\t\" becomes one).");
        return null;
    }

    /// <summary>Index of the first character a generated file cannot hold literally, or -1.</summary>
    internal static int FirstControl(string value)
    {
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
    internal static string Shown(string text) =>
        FirstControl(text) < 0 ? text : string.Concat(text.Select(c => char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:X4}" : c.ToString()));

    public static string Kind(YNode node) => node switch
    {
        YMapping => "a mapping",
        YSequence => "a list",
        YScalar { IsNull: true } => "nothing",
        _ => "a single value",
    };

    [GeneratedRegex(@"^(\d+(us|ms|s|m|h))+$")]
    private static partial Regex DurationPattern();
}
