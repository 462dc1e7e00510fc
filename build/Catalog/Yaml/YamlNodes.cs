using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Build.Catalog.Yaml;

/// <summary>A YAML node with the position it was written at (1-based line and column).</summary>
public abstract class YNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>How a message names this node's type: "a single value", "a list" or "a mapping".</summary>
    public abstract string TypeName { get; }
}

public sealed class YScalar(string? value, ScalarStyle style, int line, int column) : YNode(line, column)
{
    /// <summary>The text; null for YAML's null (an empty value, ~ or null written plainly).</summary>
    public string? Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    public bool IsNull => Value is null;

    public bool IsBlock => Style is ScalarStyle.Literal or ScalarStyle.Folded;

    public override string TypeName => IsNull ? "nothing" : "a single value";
}

public sealed class YSequence(IReadOnlyList<YNode> items, int line, int column) : YNode(line, column)
{
    public IReadOnlyList<YNode> Items { get; } = items;

    public override string TypeName => "a list";
}

public sealed record YEntry(YScalar Key, YNode Value)
{
    public string Name => Key.Value ?? string.Empty;
}

public sealed class YMapping(IReadOnlyList<YEntry> entries, int line, int column) : YNode(line, column)
{
    public IReadOnlyList<YEntry> Entries { get; } = entries;

    public override string TypeName => "a mapping";

    public YNode? this[string key] => Entries.FirstOrDefault(e => e.Name == key)?.Value;

    public YScalar? KeyOf(string key) => Entries.FirstOrDefault(e => e.Name == key)?.Key;

    public bool Has(string key) => Entries.Any(e => e.Name == key);
}

/// <summary>
/// Reads YAML text into positioned nodes. Every input Kiln reads as YAML goes through here, so each gets the same
/// strictness: non-UTF-8 bytes, syntax errors, undefined aliases, non-scalar keys, duplicate keys and extra documents
/// are positioned errors (never an exception, never a silently dropped value).
/// </summary>
public static class YamlDocument
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes bytes as strict UTF-8: an invalid byte is an error at its line and column, never U+FFFD.</summary>
    public static string? Decode(byte[] bytes, string file, List<InputError> errors)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException ex)
        {
            var index = Math.Clamp(ex.Index, 0, bytes.Length);
            var lineStart = Array.LastIndexOf(bytes, (byte)'\n', Math.Max(index - 1, 0)) + 1;
            if (index == 0)
            {
                lineStart = 0;
            }

            var line = 1 + bytes.AsSpan(0, lineStart).Count((byte)'\n');
            var column = 1 + Encoding.UTF8.GetCharCount(bytes, lineStart, index - lineStart);
            var shown = string.Join(' ', bytes.Skip(index).Take(Math.Min(4, bytes.Length - index)).Select(b => $"0x{b:X2}"));
            errors.Add(new InputError(new SourceSpan(file, line, column), null, $"The file is not valid UTF-8 (bytes {shown}).", "Save it as UTF-8 (a Latin-1 or Windows-1252 editor setting is the usual cause)."));
            return null;
        }
    }

    /// <summary>The document's root, or null with the reasons in <paramref name="errors"/>.</summary>
    public static YNode? Parse(string text, string file, List<InputError> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var builder = new Builder(file, errors);
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = builder.Read(parser);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                errors.Add(new InputError(Span(file, second.Start), null, "The file holds more than one YAML document.", "Remove the '---' and everything after it, or merge the documents."));
            }

            return errors.Count > before ? null : root;
        }
        catch (YamlException ex)
        {
            // YamlDotNet's Start is where the construct began (a mapping opened on line 1); End is where it broke.
            var at = Span(file, ex.End.Line > 0 && ex.End.Line >= ex.Start.Line ? ex.End : ex.Start);
            if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FirstIndentTab(text) is { } tab)
            {
                // The scanner reports a tab in indentation at the mapping it interrupted (often 1:1); point at the tab.
                at = new SourceSpan(file, tab.Line, tab.Column);
            }

            errors.Add(new InputError(at, null, $"YAML syntax error: {Clean(ex)}", "Fix the YAML at that position (indentation, a tab, a missing ':' or an unclosed quote are the usual causes)."));
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // The YAML library fails this way on some malformed input (seen on a flow mapping cut off mid-line);
            // it is still the user's syntax, reported after the last part that was read.
            errors.Add(new InputError(Span(file, builder.LastMark), null, "YAML syntax error: the text after this point cannot be read as YAML.", "Look for an unclosed '{', '[' or quote from here on."));
            return null;
        }
    }

    private static (int Line, int Column)? FirstIndentTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    internal static SourceSpan Span(string file, Mark mark) => new(file, (int)Math.Max(mark.Line, 1), (int)Math.Max(mark.Column, 1));

    private static string Clean(YamlException ex)
    {
        var message = ex.InnerException?.Message ?? ex.Message;
        var paren = message.IndexOf("(Lin:", StringComparison.Ordinal);
        return (paren > 0 ? message[..paren] : message).Trim().TrimEnd('.') + ".";
    }

    private sealed class Builder(string file, List<InputError> errors)
    {
        private readonly Dictionary<string, YNode> _anchors = new(StringComparer.Ordinal);

        /// <summary>Where the last event that parsed ended.</summary>
        public Mark LastMark { get; private set; } = Mark.Empty;

        public YNode Read(IParser parser)
        {
            if (parser.Current is { } current)
            {
                LastMark = current.End;
            }

            if (parser.TryConsume<Scalar>(out var scalar))
            {
                var isNull = scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
                return Anchor(scalar.Anchor, new YScalar(isNull ? null : scalar.Value, scalar.Style, Line(scalar.Start), Column(scalar.Start)));
            }

            if (parser.TryConsume<SequenceStart>(out var seqStart))
            {
                var items = new List<YNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(Read(parser));
                }

                return Anchor(seqStart.Anchor, new YSequence(items, Line(seqStart.Start), Column(seqStart.Start)));
            }

            if (parser.TryConsume<MappingStart>(out var mapStart))
            {
                var entries = new List<YEntry>();
                var seen = new Dictionary<string, YScalar>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = Read(parser);
                    var value = Read(parser);
                    if (keyNode is not YScalar { Value: not null } key)
                    {
                        errors.Add(new InputError(new SourceSpan(file, keyNode.Line, keyNode.Column), null, $"A key must be a single value, not {keyNode.TypeName}.", "Write 'name: value'; a key cannot be a list, a mapping or empty."));
                        continue;
                    }

                    if (seen.TryGetValue(key.Value, out var first))
                    {
                        errors.Add(new InputError(new SourceSpan(file, key.Line, key.Column), null, $"'{key.Value}' is defined twice in this mapping (the other one is at {file}:{first.Line}:{first.Column}).", "Keep one of them: YAML would silently use only one."));
                        continue;
                    }

                    seen[key.Value] = key;
                    entries.Add(new YEntry(key, value));
                }

                return Anchor(mapStart.Anchor, new YMapping(entries, Line(mapStart.Start), Column(mapStart.Start)));
            }

            var alias = parser.Consume<AnchorAlias>();
            if (_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            errors.Add(new InputError(new SourceSpan(file, Line(alias.Start), Column(alias.Start)), null, $"The alias '*{alias.Value.Value}' refers to no anchor defined before it.", $"Define '&{alias.Value.Value}' earlier in the file, or write the value out."));
            return new YScalar(null, ScalarStyle.Plain, Line(alias.Start), Column(alias.Start));
        }

        private YNode Anchor(AnchorName anchor, YNode node)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node;
            }

            return node;
        }

        private static int Line(Mark m) => (int)Math.Max(m.Line, 1);

        private static int Column(Mark m) => (int)Math.Max(m.Column, 1);
    }
}
