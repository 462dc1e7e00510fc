using System.Globalization;
using System.Text.RegularExpressions;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Fleet;

/// <summary>
/// The fleet manifest's own rules on top of the shared <see cref="NodeReader"/> (which holds the positions, the
/// errors and the key checks): every value read here is single-line text without control characters, because each
/// ends up in a generated Dockerfile, Compose file or report, where a line break would start a new instruction or
/// key; durations are in Docker's form; a single value is accepted where a list is; commands are in exec form. The
/// manifest's messages keep their own wording ("a single value (a string)", "a boolean (true or false)").
/// </summary>
internal sealed partial class FleetFields(string file)
{
    /// <summary>The one reader every input goes through; the entry's kind is switched while infrastructure is read.</summary>
    public NodeReader R { get; } = new(file, "service");

    public List<InputError> Errors => R.Errors;

    /// <summary>Problems that are errors only when the read is strict (CI mode).</summary>
    public List<InputError> Warnings => R.Warnings;

    public string File => R.File;

    /// <summary>What the 'service' argument of the reads names while an entry is read ("service" or "infrastructure").</summary>
    public string Subject
    {
        get => R.SubjectKind;
        set => R.SubjectKind = value;
    }

    public SourceSpan At(YNode node) => R.At(node);

    public void Error(YNode? node, string? service, string message, string fix) => R.Error(node, service, message, fix);

    /// <summary>An error when <paramref name="strict"/> (CI mode), else a warning: what CI must not let through but a local run may.</summary>
    public void Problem(bool strict, YNode? node, string? service, string message, string fix) => R.Problem(strict, node, service, message, fix);

    public bool CheckKeys(YMapping m, string[] allowed, string? service, string what) => R.CheckKeys(m, allowed, service, what);

    public Dictionary<string, SourceSpan> Spans(YMapping m) => R.Spans(m);

    public YMapping? Mapping(YMapping m, string key, string? service, string example) => R.Mapping(m, key, service, $"{key}: {example}");

    /// <summary>A list written as a YAML sequence (a command in exec form: a single string would be one argument).</summary>
    public List<string>? Sequence(YMapping m, string key, string? service, string example)
    {
        var node = m[key];
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

    public string? Scalar(YMapping m, string key, string? service)
    {
        var node = m[key];
        switch (node)
        {
            case null:
                return null;
            case YScalar s:
                return Text(s, key, service);
            default:
                Error(node, service, $"'{key}' must be a single value (a string), not {node.TypeName}.", $"Write '{key}: value'.");
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

        Error(m[key], service, $"'{key}' must be a boolean (true or false), not '{s}'.", $"Write '{key}: true' or '{key}: false'.");
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

        Error(m[key], service, $"'{key}' must be an integer from {min} to {max}, not '{s}'.", $"Write a whole number from {min} to {max}.");
        return null;
    }

    public string? Duration(YMapping m, string key, string? service)
    {
        var s = Scalar(m, key, service);
        if (s is null || DurationPattern().IsMatch(s))
        {
            return s;
        }

        Error(m[key], service, $"'{key}' must be a duration, not '{s}'.", "Write e.g. 30s, 500ms, 2m (Docker and Compose read the same form).");
        return null;
    }

    /// <summary>A list of scalars; a single scalar is accepted as a one-item list (e.g. 'machines: mainpc').</summary>
    public List<(string Value, YNode Node)>? StringList(YMapping m, string key, string? service, string example)
    {
        var node = m[key];
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
                Error(entry.Value, service, $"The value of '{NodeReader.Shown(entry.Name)}' in '{what}' must be a string, not {entry.Value.TypeName}.", "Quote it as a string.");
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
        var bad = NodeReader.FirstControl(value);
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

    [GeneratedRegex(@"^(\d+(us|ms|s|m|h))+$")]
    private static partial Regex DurationPattern();
}
