using System.Globalization;
using System.Text;
using System.Text.Json;
using Build.Catalog;
using Build.Catalog.Yaml;

namespace Build.Gates;

/// <summary>
/// size-baseline.json read strictly: a known schemaVersion, sizes as non-negative whole numbers, no unknown keys,
/// and (given the catalog's names) no entry for a family that does not exist. Every error carries
/// file:line:column (System.Text.Json counts lines from 0; these are 1-based like every other Kiln message).
/// </summary>
public static class SizeBaselineReader
{
    public const int SchemaVersion = 1;

    private static readonly string[] TopKeys = ["schemaVersion", "policy", "families"];
    private static readonly string[] PolicyKeys = ["maxGrowthPercent", "maxGrowthBytes", "families"];
    private static readonly string[] RuleKeys = ["maxGrowthPercent", "maxGrowthBytes"];
    private static readonly string[] EntryKeys = ["compressed", "uncompressed"];

    public static SizeBaseline Load(string path, string? displayPath = null, IReadOnlySet<string>? families = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var display = displayPath ?? path;
        if (!File.Exists(path))
        {
            return SizeBaseline.Empty;
        }

        var errors = new List<InputError>();
        var text = YamlDocument.Decode(File.ReadAllBytes(path), display, errors);
        var baseline = text is null ? null : Parse(text, display, errors, families);
        return baseline ?? throw new GateConfigException(InputException.Format(errors, display));
    }

    public static SizeBaseline? Parse(string json, string file, List<InputError> errors, IReadOnlySet<string>? families = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var bytes = Encoding.UTF8.GetBytes(json);
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n')
            {
                lineStarts.Add(i + 1);
            }
        }

        JNode root;
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read())
            {
                errors.Add(Error(file, 1, 1, null, "The file is empty.", "Restore it from git, or run ./build.sh --target=SizeGate --update-baseline."));
                return null;
            }

            root = JNode.Read(ref reader, Position(lineStarts, bytes));
            if (reader.Read())
            {
                var (l, c) = Position(lineStarts, bytes)((int)reader.TokenStartIndex);
                errors.Add(Error(file, l, c, null, "Text follows the JSON value.", "Remove it."));
                return null;
            }
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            errors.Add(Error(file, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1, null, $"JSON syntax error: {(cut > 0 ? message[..cut] : message).Trim()}", "Restore it from git, or run ./build.sh --target=SizeGate --update-baseline."));
            return null;
        }

        var list = new List<InputError>();
        void Err(JNode at, string? subject, string message, string fix) => list.Add(Error(file, at.Line, at.Column, subject, message, fix));

        if (root.Kind != JsonValueKind.Object)
        {
            Err(root, null, $"The baseline must be a JSON object, not {root.TypeName}.", "Restore it from git, or run ./build.sh --target=SizeGate --update-baseline.");
            errors.AddRange(list);
            return null;
        }

        CheckKeys(root, TopKeys, null, "the baseline", Err);
        var schema = root["schemaVersion"];
        if (schema is null)
        {
            Err(root, null, "The baseline has no schemaVersion.", $"Add \"schemaVersion\": {SchemaVersion}.");
        }
        else if (schema.Kind != JsonValueKind.Number || schema.Raw != SchemaVersion.ToString(CultureInfo.InvariantCulture))
        {
            Err(schema, null, $"schemaVersion {schema.Raw} is not one this Kiln reads (it reads {SchemaVersion}).", "Regenerate the baseline with this Kiln: ./build.sh --target=SizeGate --update-baseline.");
        }

        var policy = SizePolicy.Default;
        if (root["policy"] is { } p && Object(p, "'policy'", null, Err) is { } pol)
        {
            CheckKeys(pol, PolicyKeys, null, "'policy'", Err);
            var rules = new SortedDictionary<string, SizeRule>(StringComparer.Ordinal);
            if (pol["families"] is { } pf && Object(pf, "'policy.families'", null, Err) is { } pfo)
            {
                foreach (var (key, value) in pfo.Entries)
                {
                    CheckFamily(key, families, Err);
                    if (Object(value, $"The rule for '{key.Raw}'", key.Raw, Err) is { } rule)
                    {
                        CheckKeys(rule, RuleKeys, key.Raw, "a size rule", Err);
                        rules[key.Raw] = new SizeRule(
                            Percent(rule, "maxGrowthPercent", key.Raw, Err) ?? policy.MaxGrowthPercent,
                            Size(rule, "maxGrowthBytes", key.Raw, Err) ?? policy.MaxGrowthBytes);
                    }
                }
            }

            policy = new SizePolicy(
                Percent(pol, "maxGrowthPercent", null, Err) ?? SizePolicy.Default.MaxGrowthPercent,
                Size(pol, "maxGrowthBytes", null, Err) ?? SizePolicy.Default.MaxGrowthBytes,
                rules);
        }

        var entries = new SortedDictionary<string, SizeEntry>(StringComparer.Ordinal);
        if (root["families"] is { } f && Object(f, "'families'", null, Err) is { } fo)
        {
            foreach (var (key, value) in fo.Entries)
            {
                CheckFamily(key, families, Err);
                if (Object(value, $"The entry for '{key.Raw}'", key.Raw, Err) is not { } entry)
                {
                    continue;
                }

                CheckKeys(entry, EntryKeys, key.Raw, "a baseline entry", Err);
                var compressed = Size(entry, "compressed", key.Raw, Err);
                var uncompressed = entry["uncompressed"] is { Kind: JsonValueKind.Null } ? null : Size(entry, "uncompressed", key.Raw, Err);
                if (compressed is null && entry["compressed"] is null)
                {
                    Err(entry, key.Raw, "has no 'compressed' size.", "Run ./build.sh --target=SizeGate --update-baseline.");
                }

                if (compressed is not null)
                {
                    entries[key.Raw] = new SizeEntry(compressed.Value, uncompressed);
                }
            }
        }

        errors.AddRange(list);
        return errors.Count > before ? null : new SizeBaseline(SchemaVersion, policy, entries);
    }

    private static void CheckFamily(JNode key, IReadOnlySet<string>? families, Action<JNode, string?, string, string> err)
    {
        if (families is not null && !families.Contains(key.Raw))
        {
            err(key, key.Raw, $"is not a family of the catalog or a service of its fleet.{Suggest.DidYouMean(key.Raw, families)}", "Remove the entry (or fix its name): run ./build.sh --target=SizeGate --update-baseline after renaming a family or service.");
        }
    }

    private static void CheckKeys(JNode obj, string[] allowed, string? subject, string what, Action<JNode, string?, string, string> err)
    {
        foreach (var (key, _) in obj.Entries.Where(e => !allowed.Contains(e.Key.Raw)))
        {
            err(key, subject, $"Unknown key '{key.Raw}' in {what}.{Suggest.DidYouMean(key.Raw, allowed)}", $"Allowed keys: {string.Join(", ", allowed)}.");
        }
    }

    private static JNode? Object(JNode node, string what, string? subject, Action<JNode, string?, string, string> err)
    {
        if (node.Kind == JsonValueKind.Object)
        {
            return node;
        }

        err(node, subject, $"{what} must be an object, not {node.TypeName}.", "Write { … }.");
        return null;
    }

    private static long? Size(JNode obj, string key, string? subject, Action<JNode, string?, string, string> err)
    {
        if (obj[key] is not { } v)
        {
            return null;
        }

        if (v.Kind == JsonValueKind.Number && long.TryParse(v.Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            if (n >= 0)
            {
                return n;
            }

            err(v, subject, $"'{key}' is {n}; a size cannot be negative.", "Write the size in bytes (0 or more), or run --update-baseline.");
            return null;
        }

        err(v, subject, $"'{key}' must be a whole number of bytes, not {v.TypeName}{(v.Kind == JsonValueKind.String ? $" (\"{v.Raw}\")" : string.Empty)}.", $"Write e.g. \"{key}\": 1421860 (no quotes).");
        return null;
    }

    private static double? Percent(JNode obj, string key, string? subject, Action<JNode, string?, string, string> err)
    {
        if (obj[key] is not { } v)
        {
            return null;
        }

        if (v.Kind == JsonValueKind.Number && double.TryParse(v.Raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 && double.IsFinite(d))
        {
            return d;
        }

        err(v, subject, $"'{key}' must be a number of percent, 0 or more, not {(v.Kind == JsonValueKind.Number ? v.Raw : v.TypeName)}.", $"Write e.g. \"{key}\": 5.");
        return null;
    }

    private static InputError Error(string file, int line, int column, string? subject, string message, string fix) =>
        new(new SourceSpan(file, line, column), subject, message, fix) { SubjectKind = "baseline entry" };

    private static Func<int, (int Line, int Column)> Position(List<int> lineStarts, byte[] bytes) => offset =>
    {
        var index = lineStarts.BinarySearch(offset);
        var line = index >= 0 ? index : ~index - 1;
        return (line + 1, Encoding.UTF8.GetCharCount(bytes, lineStarts[line], offset - lineStarts[line]) + 1);
    };

    /// <summary>A JSON value with its position; objects keep their keys' positions and reject duplicate keys.</summary>
    private sealed class JNode
    {
        public JsonValueKind Kind { get; private init; }

        public string Raw { get; private init; } = string.Empty;

        public int Line { get; private init; }

        public int Column { get; private init; }

        public List<(JNode Key, JNode Value)> Entries { get; } = [];

        public List<JNode> Items { get; } = [];

        public string TypeName => Kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "true/false",
            _ => "null",
        };

        public JNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Raw == key).Value;

        public static JNode Read(ref Utf8JsonReader reader, Func<int, (int, int)> position)
        {
            var (line, column) = position((int)reader.TokenStartIndex);
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var obj = new JNode { Kind = JsonValueKind.Object, Line = line, Column = column };
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        var (kl, kc) = position((int)reader.TokenStartIndex);
                        var key = new JNode { Kind = JsonValueKind.String, Raw = reader.GetString()!, Line = kl, Column = kc };
                        reader.Read();
                        var value = Read(ref reader, position);
                        if (obj[key.Raw] is not null)
                        {
                            var first = obj.Entries.First(e => e.Key.Raw == key.Raw).Key;
                            throw new JsonException($"'{key.Raw}' is defined twice (the other one is at line {first.Line}).", null, kl - 1, kc - 1);
                        }

                        obj.Entries.Add((key, value));
                    }

                    return obj;
                case JsonTokenType.StartArray:
                    var array = new JNode { Kind = JsonValueKind.Array, Line = line, Column = column };
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        array.Items.Add(Read(ref reader, position));
                    }

                    return array;
                case JsonTokenType.String:
                    return new JNode { Kind = JsonValueKind.String, Raw = reader.GetString()!, Line = line, Column = column };
                case JsonTokenType.Number:
                    return new JNode { Kind = JsonValueKind.Number, Raw = Encoding.UTF8.GetString(reader.ValueSpan), Line = line, Column = column };
                case JsonTokenType.True or JsonTokenType.False:
                    return new JNode { Kind = reader.TokenType == JsonTokenType.True ? JsonValueKind.True : JsonValueKind.False, Raw = reader.GetBoolean() ? "true" : "false", Line = line, Column = column };
                default:
                    return new JNode { Kind = JsonValueKind.Null, Raw = "null", Line = line, Column = column };
            }
        }
    }
}
