using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace Build.Imports;

public enum PythonTokenKind
{
    Name,
    Number,
    String,
    Operator,

    /// <summary>The end of a logical line (newlines inside brackets and after a continuation backslash are not).</summary>
    Newline,
    Indent,
    Dedent,
    End,
}

/// <summary>
/// One token. Text is the source text (empty for Newline, Indent, Dedent and End) and Offset its index in the
/// tokenized text; Line and Column are 1-based, the column counting UTF-16 code units from the start of the line
/// (a UTF-8 BOM is not part of the line).
/// </summary>
public readonly record struct PythonToken(PythonTokenKind Kind, string Text, int Offset, int Line, int Column)
{
    public bool IsName(string name) => Kind == PythonTokenKind.Name && Text == name;

    public bool IsOperator(string op) => Kind == PythonTokenKind.Operator && Text == op;
}

/// <summary>The tokens read before the first error (when there is one): Python stops at the first error too.</summary>
public sealed record PythonTokens(IReadOnlyList<PythonToken> Tokens, PythonSyntaxError? Error);

/// <summary>
/// Python's tokenizer rules, as far as finding statements needs them: logical lines, indentation, brackets,
/// comments, and every string form, including f-strings whose replacement fields hold strings of their own.
/// </summary>
public static class PythonTokenizer
{
    private static readonly FrozenSet<string> ThreeCharOperators = new[] { "**=", "//=", ">>=", "<<=" }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> TwoCharOperators = new[]
    {
        ":=", "==", "!=", "<=", ">=", "->", "**", "//", "<<", ">>", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
    }.ToFrozenSet(StringComparer.Ordinal);

    // One string per ASCII character, so single-character tokens do not allocate.
    private static readonly string[] AsciiStrings = [.. Enumerable.Range(0, 128).Select(c => ((char)c).ToString())];

    private static readonly string[] StringPrefixes = ["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"];

    public static PythonTokens Tokenize(string text, string displayPath)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(displayPath);
        return new Lexer(text, displayPath).Run();
    }

    internal static bool IsIdentifierStart(Rune r) =>
        r.Value == '_' || (r.IsAscii
            ? char.IsAsciiLetter((char)r.Value)
            : Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.LetterNumber);

    internal static bool IsIdentifierPart(Rune r) =>
        IsIdentifierStart(r) || (r.IsAscii
            ? char.IsAsciiDigit((char)r.Value)
            : Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation);

    internal static bool IsStringPrefix(string word) =>
        word.Length <= 2 && StringPrefixes.Contains(word.ToLowerInvariant(), StringComparer.Ordinal);

    private static bool IsNewline(char c) => c is '\n' or '\r';

    private sealed class Lexer(string s, string file)
    {
        private readonly List<PythonToken> tokens = [];
        private readonly List<int> indents = [0];

        // The same indentation measured with tabs as one column: Python refuses a file where the two measures
        // disagree on which lines are deeper, as the meaning of its tabs would then depend on the tab width.
        private readonly List<int> altIndents = [0];
        private readonly Stack<PythonToken> brackets = new();
        private int pos;
        private int line = 1;
        private int lineStart;
        private bool lineHasTokens;
        private PythonSyntaxError? error;

        public PythonTokens Run()
        {
            if (s.Length > 0 && s[0] == '\uFEFF')
            {
                pos = lineStart = 1;
            }

            var atLineStart = true;
            while (error is null)
            {
                if (atLineStart && brackets.Count == 0)
                {
                    if (!Indentation())
                    {
                        break;
                    }

                    atLineStart = false;
                }

                if (pos >= s.Length)
                {
                    break;
                }

                var c = s[pos];
                if (c is ' ' or '\t' or '\f')
                {
                    pos++;
                }
                else if (c == '#')
                {
                    SkipToLineEnd();
                }
                else if (IsNewline(c))
                {
                    // Inside brackets a newline only continues the logical line.
                    if (brackets.Count == 0)
                    {
                        if (lineHasTokens)
                        {
                            Add(PythonTokenKind.Newline, "", pos, line, Column(pos));
                        }

                        atLineStart = true;
                    }

                    ConsumeNewline();
                }
                else if (c == '\\')
                {
                    if (pos + 1 < s.Length && IsNewline(s[pos + 1]))
                    {
                        pos++;
                        ConsumeNewline();
                    }
                    else
                    {
                        Fail(line, Column(pos), "unexpected character after line continuation character");
                    }
                }
                else if (c is '"' or '\'')
                {
                    StringToken(pos, "");
                }
                else if (char.IsAsciiDigit(c) || (c == '.' && pos + 1 < s.Length && char.IsAsciiDigit(s[pos + 1])))
                {
                    Number();
                }
                else if (IdentifierRuneAt(pos, start: true) > 0)
                {
                    var start = pos;
                    SkipIdentifier();
                    var word = s[start..pos];
                    if (pos < s.Length && s[pos] is '"' or '\'' && IsStringPrefix(word))
                    {
                        StringToken(start, word);
                    }
                    else
                    {
                        Add(PythonTokenKind.Name, word, start, line, Column(start));
                    }
                }
                else
                {
                    Punctuation(c);
                }
            }

            if (error is null)
            {
                Finish();
            }

            return new PythonTokens(tokens, error);
        }

        /// <summary>
        /// Reads the indentation of the next line that holds code (blank and comment-only lines have none) and emits
        /// Indent or Dedent tokens; false at the end of the file or on an indentation error.
        /// </summary>
        private bool Indentation()
        {
            while (true)
            {
                var width = 0;
                var alt = 0;
                var p = pos;
                for (; p < s.Length; p++)
                {
                    var c = s[p];
                    if (c == ' ')
                    {
                        width++;
                        alt++;
                    }
                    else if (c == '\t')
                    {
                        width = ((width / 8) + 1) * 8;
                        alt++;
                    }
                    else if (c == '\f')
                    {
                        width = alt = 0;
                    }
                    else
                    {
                        break;
                    }
                }

                pos = p;
                if (p >= s.Length)
                {
                    return false;
                }

                if (s[p] == '#')
                {
                    SkipToLineEnd();
                    if (pos >= s.Length)
                    {
                        return false;
                    }
                }

                if (IsNewline(s[pos]))
                {
                    ConsumeNewline();
                    continue;
                }

                if (width > indents[^1])
                {
                    if (alt <= altIndents[^1])
                    {
                        return Inconsistent();
                    }

                    indents.Add(width);
                    altIndents.Add(alt);
                    Add(PythonTokenKind.Indent, "", pos, line, Column(pos));
                    return true;
                }

                while (width < indents[^1])
                {
                    indents.RemoveAt(indents.Count - 1);
                    altIndents.RemoveAt(altIndents.Count - 1);
                    Add(PythonTokenKind.Dedent, "", pos, line, Column(pos));
                }

                if (width != indents[^1])
                {
                    Fail(line, Column(pos), "unindent does not match any outer indentation level");
                    return false;
                }

                return alt == altIndents[^1] || Inconsistent();
            }
        }

        private bool Inconsistent()
        {
            Fail(line, Column(pos), "inconsistent use of tabs and spaces in indentation");
            return false;
        }

        private void Finish()
        {
            if (brackets.Count > 0)
            {
                var open = brackets.Peek();
                Fail(open.Line, open.Column, $"'{open.Text}' was never closed");
                return;
            }

            if (lineHasTokens)
            {
                Add(PythonTokenKind.Newline, "", pos, line, Column(pos));
            }

            for (var i = 1; i < indents.Count; i++)
            {
                Add(PythonTokenKind.Dedent, "", pos, line, Column(pos));
            }

            Add(PythonTokenKind.End, "", pos, line, Column(pos));
        }

        private void Punctuation(char c)
        {
            var column = Column(pos);
            if (c is '(' or '[' or '{')
            {
                pos++;
                var open = Add(PythonTokenKind.Operator, AsciiStrings[c], pos - 1, line, column);
                brackets.Push(open);
                return;
            }

            if (c is ')' or ']' or '}')
            {
                if (brackets.Count == 0)
                {
                    Fail(line, column, $"unmatched '{c}'");
                    return;
                }

                var open = brackets.Pop();
                if (Closer(open.Text[0]) != c)
                {
                    var where = open.Line == line ? "" : $" on line {open.Line}";
                    Fail(line, column, $"closing parenthesis '{c}' does not match opening parenthesis '{open.Text}'{where}");
                    return;
                }

                pos++;
                Add(PythonTokenKind.Operator, AsciiStrings[c], pos - 1, line, column);
                return;
            }

            if (c is '$' or '?' or '`' || char.IsControl(c) || c > 0x7F)
            {
                var rune = Rune.TryGetRuneAt(s, pos, out var r) ? r : new Rune(0xFFFD);
                var shown = char.IsControl(c) ? "invalid non-printable character" : $"invalid character '{rune}'";
                Fail(line, column, $"{shown} (U+{rune.Value:X4})");
                return;
            }

            var rest = s.AsSpan(pos);
            var op = rest.Length >= 3 && ThreeCharOperators.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(rest[..3], out var three) ? three
                : rest.Length >= 2 && TwoCharOperators.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(rest[..2], out var two) ? two
                : AsciiStrings[c];
            pos += op.Length;
            Add(PythonTokenKind.Operator, op, pos - op.Length, line, column);
        }

        private static char Closer(char open) => open switch { '(' => ')', '[' => ']', _ => '}' };

        private void Number()
        {
            var start = pos;
            var hex = s[pos] == '0' && pos + 1 < s.Length && s[pos + 1] is 'x' or 'X';
            pos++;
            while (pos < s.Length)
            {
                var c = s[pos];
                if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.')
                {
                    pos++;
                }
                else if (c is '+' or '-' && !hex && s[pos - 1] is 'e' or 'E')
                {
                    pos++;
                }
                else
                {
                    break;
                }
            }

            Add(PythonTokenKind.Number, s[start..pos], start, line, Column(start));
        }

        private void StringToken(int start, string prefix)
        {
            var startLine = line;
            var startColumn = Column(start);
            var lower = prefix.ToLowerInvariant();
            if (ScanString(lower.Contains('r', StringComparison.Ordinal), lower.IndexOfAny(['f', 't']) >= 0, startLine, startColumn))
            {
                Add(PythonTokenKind.String, s[start..pos], start, startLine, startColumn);
            }
        }

        /// <summary>Skips a string from its opening quote; false (with the error set) when it never closes.</summary>
        private bool ScanString(bool raw, bool formatted, int startLine, int startColumn)
        {
            var quote = s[pos];
            var triple = pos + 2 < s.Length && s[pos + 1] == quote && s[pos + 2] == quote;
            pos += triple ? 3 : 1;
            while (true)
            {
                if (pos >= s.Length)
                {
                    return Unterminated(triple, startLine, startColumn);
                }

                var c = s[pos];
                if (c == '\\')
                {
                    // A backslash keeps the next character from closing the string, even in a raw string; in an
                    // f-string it does not stop a brace from opening a replacement field.
                    if (formatted && pos + 1 < s.Length && s[pos + 1] is '{' or '}')
                    {
                        pos++;
                    }
                    else if (formatted && !raw && pos + 2 < s.Length && s[pos + 1] == 'N' && s[pos + 2] == '{')
                    {
                        var close = s.IndexOf('}', pos);
                        pos = close < 0 ? s.Length : close + 1;
                    }
                    else
                    {
                        pos++;
                        if (pos < s.Length && IsNewline(s[pos]))
                        {
                            ConsumeNewline();
                        }
                        else if (pos < s.Length)
                        {
                            pos++;
                        }
                    }
                }
                else if (IsNewline(c))
                {
                    if (!triple)
                    {
                        return Unterminated(triple, startLine, startColumn);
                    }

                    ConsumeNewline();
                }
                else if (c == quote)
                {
                    if (!triple)
                    {
                        pos++;
                        return true;
                    }

                    if (pos + 2 < s.Length && s[pos + 1] == quote && s[pos + 2] == quote)
                    {
                        pos += 3;
                        return true;
                    }

                    pos++;
                }
                else if (formatted && c == '{')
                {
                    if (pos + 1 < s.Length && s[pos + 1] == '{')
                    {
                        pos += 2;
                    }
                    else
                    {
                        pos++;
                        if (!ScanField(triple, startLine, startColumn))
                        {
                            return false;
                        }
                    }
                }
                else
                {
                    pos++;
                }
            }
        }

        /// <summary>
        /// Skips an f-string replacement field after its '{': an expression (whose strings may use any quotes),
        /// then an optional format spec that may hold fields of its own.
        /// </summary>
        private bool ScanField(bool triple, int startLine, int startColumn)
        {
            var depth = 0;
            while (true)
            {
                if (pos >= s.Length)
                {
                    return Unterminated(triple, startLine, startColumn);
                }

                var c = s[pos];
                if (IsNewline(c))
                {
                    if (!triple)
                    {
                        return Unterminated(triple, startLine, startColumn);
                    }

                    ConsumeNewline();
                }
                else if (c is '"' or '\'')
                {
                    if (!ScanString(false, false, line, Column(pos)))
                    {
                        return false;
                    }
                }
                else if (IdentifierRuneAt(pos, start: true) > 0)
                {
                    var wordStart = pos;
                    SkipIdentifier();
                    var word = s[wordStart..pos].ToLowerInvariant();
                    if (pos < s.Length && s[pos] is '"' or '\'' && IsStringPrefix(word)
                        && !ScanString(word.Contains('r', StringComparison.Ordinal), word.IndexOfAny(['f', 't']) >= 0, line, Column(wordStart)))
                    {
                        return false;
                    }
                }
                else if (c is '(' or '[' or '{')
                {
                    depth++;
                    pos++;
                }
                else if (c is ')' or ']')
                {
                    depth--;
                    pos++;
                }
                else if (c == '}')
                {
                    pos++;
                    if (depth == 0)
                    {
                        return true;
                    }

                    depth--;
                }
                else if (c == ':' && depth == 0)
                {
                    pos++;
                    return ScanFormatSpec(triple, startLine, startColumn);
                }
                else
                {
                    pos++;
                }
            }
        }

        private bool ScanFormatSpec(bool triple, int startLine, int startColumn)
        {
            while (true)
            {
                if (pos >= s.Length)
                {
                    return Unterminated(triple, startLine, startColumn);
                }

                var c = s[pos];
                if (IsNewline(c))
                {
                    if (!triple)
                    {
                        return Unterminated(triple, startLine, startColumn);
                    }

                    ConsumeNewline();
                }
                else if (c == '{')
                {
                    pos++;
                    if (!ScanField(triple, startLine, startColumn))
                    {
                        return false;
                    }
                }
                else if (c == '}')
                {
                    pos++;
                    return true;
                }
                else
                {
                    pos++;
                }
            }
        }

        private bool Unterminated(bool triple, int startLine, int startColumn)
        {
            Fail(startLine, startColumn, triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
            return false;
        }

        /// <summary>The UTF-16 length of the identifier character at index, or 0 when there is none.</summary>
        private int IdentifierRuneAt(int index, bool start)
        {
            if (index >= s.Length || !Rune.TryGetRuneAt(s, index, out var rune))
            {
                return 0;
            }

            return (start ? IsIdentifierStart(rune) : IsIdentifierPart(rune)) ? rune.Utf16SequenceLength : 0;
        }

        private void SkipIdentifier()
        {
            pos += IdentifierRuneAt(pos, start: true);
            for (var n = IdentifierRuneAt(pos, start: false); n > 0; n = IdentifierRuneAt(pos, start: false))
            {
                pos += n;
            }
        }

        private void SkipToLineEnd()
        {
            while (pos < s.Length && !IsNewline(s[pos]))
            {
                pos++;
            }
        }

        private void ConsumeNewline()
        {
            pos += s[pos] == '\r' && pos + 1 < s.Length && s[pos + 1] == '\n' ? 2 : 1;
            line++;
            lineStart = pos;
        }

        private int Column(int index) => index - lineStart + 1;

        private PythonToken Add(PythonTokenKind kind, string text, int offset, int tokenLine, int column)
        {
            var token = new PythonToken(kind, text, offset, tokenLine, column);
            tokens.Add(token);
            if (kind is PythonTokenKind.Name or PythonTokenKind.Number or PythonTokenKind.String or PythonTokenKind.Operator)
            {
                lineHasTokens = true;
            }
            else if (kind == PythonTokenKind.Newline)
            {
                lineHasTokens = false;
            }

            return token;
        }

        private void Fail(int errorLine, int column, string message) =>
            error ??= new PythonSyntaxError(new SourcePosition(file, errorLine, column), message);
    }
}
