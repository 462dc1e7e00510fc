using System.Globalization;
using System.Text.RegularExpressions;
using Build.Catalog;
using YamlDotNet.RepresentationModel;

namespace Build.Fleet;

/// <summary>
/// Typed reads from a YAML mapping that record a positioned error instead of throwing, so one load reports every
/// problem. Small on purpose: the fleet manifest only needs scalars, lists and string maps.
/// </summary>
internal sealed partial class FleetYaml(string file)
{
    public List<FleetError> Errors { get; } = [];

    /// <summary>Problems that are errors only when the read is strict (CI mode).</summary>
    public List<FleetError> Warnings { get; } = [];

    public string File => file;

    /// <summary>What the 'service' argument of the reads names while an entry is read ("service" or "infrastructure").</summary>
    public string Subject { get; set; } = "service";

    public SourceSpan At(YamlNode node) => new(file, (int)node.Start.Line, (int)node.Start.Column);

    public void Error(YamlNode? node, string? service, string message, string fix) =>
        Errors.Add(new FleetError(node is null ? new SourceSpan(file, 1, 1) : At(node), service, message, fix) { Subject = Subject });

    /// <summary>An error when <paramref name="strict"/> (CI mode), else a warning: what CI must not let through but a local run may.</summary>
    public void Problem(bool strict, YamlNode? node, string? service, string message, string fix) =>
        (strict ? Errors : Warnings).Add(new FleetError(node is null ? new SourceSpan(file, 1, 1) : At(node), service, message, fix) { Subject = Subject });

    /// <summary>A list written as a YAML sequence (a command in exec form: a single string would be one argument).</summary>
    public List<string>? Sequence(YamlMappingNode m, string key, string? service, string example)
    {
        var node = Node(m, key);
        if (node is null)
        {
            return null;
        }

        if (node is YamlSequenceNode seq && seq.Children.All(c => c is YamlScalarNode))
        {
            return seq.Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty).ToList();
        }

        Error(node, service, $"'{key}' must be a list of strings (exec form: no shell splits it).", $"Write '{key}: {example}'.");
        return null;
    }

    public static YamlNode? Node(YamlMappingNode m, string key) =>
        m.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode s && s.Value == key).Value;

    /// <summary>Every key's value position, so later checks can point at the exact line.</summary>
    public Dictionary<string, SourceSpan> Spans(YamlMappingNode m) =>
        m.Children.Where(kv => kv.Key is YamlScalarNode).ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? string.Empty, kv => At(kv.Value), StringComparer.Ordinal);

    public bool CheckKeys(YamlMappingNode m, string[] allowed, string? service, string what)
    {
        var found = false;
        foreach (var key in m.Children.Keys)
        {
            if (key is not YamlScalarNode s)
            {
                Error(key, service, $"A key in {what} must be a plain name.", "Write 'name: value'.");
                found = true;
                continue;
            }

            if (!allowed.Contains(s.Value))
            {
                Error(key, service, $"Unknown key '{s.Value}' in {what}.{Suggest.DidYouMean(s.Value ?? string.Empty, allowed)}", $"Allowed keys: {string.Join(", ", allowed)}.");
                found = true;
            }
        }

        return found;
    }

    public YamlMappingNode? Mapping(YamlMappingNode m, string key, string? service, string example)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YamlMappingNode map:
                return map;
            default:
                Error(node, service, $"'{key}' must be a mapping, not {Kind(node)}.", $"Write e.g. '{key}: {example}'.");
                return null;
        }
    }

    public string? Scalar(YamlMappingNode m, string key, string? service)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s:
                return s.Value;
            default:
                Error(node, service, $"'{key}' must be a single value (a string), not {Kind(node)}.", $"Write '{key}: value'.");
                return null;
        }
    }

    public bool? Bool(YamlMappingNode m, string key, string? service)
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

    public int? Int(YamlMappingNode m, string key, string? service, int min, int max)
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

    public string? Duration(YamlMappingNode m, string key, string? service)
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
    public List<(string Value, YamlNode Node)>? StringList(YamlMappingNode m, string key, string? service, string example)
    {
        var node = Node(m, key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalarNode s:
                return [(s.Value ?? string.Empty, s)];
            case YamlSequenceNode seq when seq.Children.All(c => c is YamlScalarNode):
                return seq.Children.Select(c => (((YamlScalarNode)c).Value ?? string.Empty, c)).ToList();
            default:
                Error(node, service, $"'{key}' must be a list of strings.", $"Write '{key}: {example}'.");
                return null;
        }
    }

    public List<int> PortList(YamlMappingNode m, string key, string? service)
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

    public List<(string Name, string Value, YamlNode KeyNode)> StringMap(YamlMappingNode m, string key, string? service) =>
        Mapping(m, key, service, "{ NAME: value }") is { } map ? StringMapOf(map, key, service) : [];

    /// <summary>A mapping's entries as strings; <paramref name="what"/> names it in errors.</summary>
    public List<(string Name, string Value, YamlNode KeyNode)> StringMapOf(YamlMappingNode map, string what, string? service)
    {
        var result = new List<(string, string, YamlNode)>();
        foreach (var (k, v) in map.Children)
        {
            var name = (k as YamlScalarNode)?.Value ?? string.Empty;
            if (v is YamlScalarNode s)
            {
                result.Add((name, s.Value ?? string.Empty, k));
            }
            else
            {
                Error(v, service, $"The value of '{name}' in '{what}' must be a string, not {Kind(v)}.", "Quote it as a string.");
            }
        }

        return result;
    }

    public static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };

    [GeneratedRegex(@"^(\d+(us|ms|s|m|h))+$")]
    private static partial Regex DurationPattern();
}
