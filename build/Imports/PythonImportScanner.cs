using System.Collections.Frozen;
using System.Text;

namespace Build.Imports;

/// <summary>
/// Finds the imports of one Python file from its tokens: import statements wherever they sit (blocks, one-line
/// compound statements, semicolons), dynamic imports by importlib or __import__, and whether the code survives the
/// import failing. Bodies of `if TYPE_CHECKING:` never run, so their imports are left out.
/// </summary>
public static class PythonImportScanner
{
    private const string Unknowable = "dynamic import: cannot be resolved statically";

    private static readonly FrozenSet<string> Keywords = new[]
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
        "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    }.ToFrozenSet(StringComparer.Ordinal);

    // Handlers for these let the code go on when an import fails.
    private static readonly FrozenSet<string> ImportFailureCatchers =
        new[] { "ImportError", "ModuleNotFoundError", "Exception", "BaseException" }.ToFrozenSet(StringComparer.Ordinal);

    /// <param name="text">The file's text (a leading BOM is skipped).</param>
    /// <param name="displayPath">The path positions name: relative to the source root, with '/'.</param>
    public static ScannedFile Scan(string text, string displayPath)
    {
        var tokens = PythonTokenizer.Tokenize(text, displayPath);
        return new Scanner(text, tokens.Tokens, displayPath).Run(tokens.Error);
    }

    private enum TypeCheckingTest
    {
        None,
        Positive,
        Negative,
    }

    private enum ClauseKind
    {
        If,
        Try,
        Loop,
    }

    /// <summary>Set by a later `except` clause: a try body's imports are optional only once its handlers are known.</summary>
    private sealed class TryFrame
    {
        public bool CatchesImportFailure { get; set; }
    }

    /// <summary>
    /// Where a statement sits. Optionality is lexical: an import anywhere inside a guarded try body or a suppress
    /// body (a function or class defined there included) counts as optional.
    /// </summary>
    private sealed class Scope(Scope? parent, bool ignored = false, TryFrame? guard = null, bool suppress = false)
    {
        public Scope? Parent { get; } = parent;

        public bool Ignored { get; } = ignored || (parent?.Ignored ?? false);

        public TryFrame? Guard { get; } = guard;

        public bool Suppress { get; } = suppress;

        public bool IsOptional()
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s.Suppress || s.Guard is { CatchesImportFailure: true })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The previous compound statement of a block, which `elif`, `else`, `except` and `finally` continue.</summary>
    private sealed record Clause(ClauseKind Kind, TryFrame? Frame, bool NegativeTypeChecking);

    private sealed class Block(Scope scope, bool isMatch)
    {
        public Scope Scope { get; } = scope;

        public bool IsMatch { get; } = isMatch;

        public Clause? Last { get; set; }
    }

    /// <summary>The body a header's trailing ':' opens; Header is the header's keyword and Newline its line end.</summary>
    private sealed record Body(Scope Scope, bool IsMatch, string Header, PythonToken Newline)
    {
        public string Missing => $"expected an indented block after '{Header}' statement on line {Newline.Line}";
    }

    private sealed record Pending(ImportStatement Statement, Scope Scope, bool ForcedOptional);

    /// <summary>A call that may be a dynamic import: Callee is the called name, or the receiver of `.import_module(`.</summary>
    private readonly record struct Call(int Callee, int Open, int Limit, bool Attribute, Scope Scope);

    private sealed class Scanner(string text, IReadOnlyList<PythonToken> t, string file)
    {
        private readonly List<Pending> found = [];
        private readonly List<Call> calls = [];

        // Names bound to importlib.import_module / the importlib module: known only once the whole file is read.
        private readonly HashSet<string> importModuleNames = new(StringComparer.Ordinal);
        private readonly HashSet<string> importlibNames = new(StringComparer.Ordinal) { "importlib" };
        private PythonSyntaxError? error;

        public ScannedFile Run(PythonSyntaxError? tokenError)
        {
            var blocks = new List<Block> { new(new Scope(null), false) };
            Body? pending = null;
            var i = 0;
            while (i < t.Count && error is null)
            {
                var token = t[i];
                if (token.Kind == PythonTokenKind.Indent)
                {
                    if (pending is null)
                    {
                        Fail(token, "unexpected indent");
                        break;
                    }

                    blocks.Add(new Block(pending.Scope, pending.IsMatch));
                    pending = null;
                    i++;
                }
                else if (token.Kind == PythonTokenKind.Dedent)
                {
                    if (blocks.Count > 1)
                    {
                        blocks.RemoveAt(blocks.Count - 1);
                    }

                    i++;
                }
                else if (token.Kind == PythonTokenKind.End)
                {
                    // Python points at the end of the header when the file ends instead of the block.
                    if (pending is not null)
                    {
                        Fail(pending.Newline, pending.Missing);
                    }

                    break;
                }
                else
                {
                    var end = i;
                    while (end < t.Count && t[end].Kind != PythonTokenKind.Newline)
                    {
                        end++;
                    }

                    // The tokens after the last complete line lead up to the tokenizer's error.
                    if (end == t.Count)
                    {
                        break;
                    }

                    if (pending is not null)
                    {
                        Fail(token, pending.Missing);
                        break;
                    }

                    pending = Line(blocks[^1], i, end);
                    i = end + 1;
                }
            }

            var imports = found
                .Select(p => p.Statement with { Optional = p.ForcedOptional || p.Scope.IsOptional() })
                .Concat(DynamicImports())
                .OrderBy(s => s.At.Line)
                .ThenBy(s => s.At.Column)
                .ToList();
            var first = error ?? tokenError;
            return new ScannedFile(imports, first is null ? [] : [first]);
        }

        /// <summary>One logical line [s, e); returns the body a trailing ':' opens on the next lines.</summary>
        private Body? Line(Block block, int s, int e)
        {
            var k = t[s].IsName("async") && s + 1 < e ? s + 1 : s;
            var keyword = t[k].Kind == PythonTokenKind.Name ? t[k].Text : "";
            var compound = keyword switch
            {
                "if" or "elif" or "else" or "while" or "for" or "try" or "except" or "finally" or "with" or "def" or "class" => true,

                // Soft keywords: a match statement always ends its line with ':'; case clauses sit only in its body.
                "match" => e - k >= 3 && t[e - 1].IsOperator(":"),
                "case" => block.IsMatch,
                _ => false,
            };
            var last = block.Last;
            block.Last = null;
            if (!compound)
            {
                Statements(s, e, block.Scope);
                return null;
            }

            var colon = HeaderColon(k, e, keyword);
            if (colon < 0)
            {
                Fail(t[e], "expected ':'");
                return null;
            }

            var scope = block.Scope;
            var body = scope;
            switch (keyword)
            {
                case "if":
                    var test = TypeChecking(k + 1, colon);
                    body = test == TypeCheckingTest.Positive ? new Scope(scope, ignored: true) : scope;
                    block.Last = new Clause(ClauseKind.If, null, test == TypeCheckingTest.Negative);
                    break;
                case "elif":
                    var typeCheckingOnly = last is { Kind: ClauseKind.If, NegativeTypeChecking: true } || TypeChecking(k + 1, colon) == TypeCheckingTest.Positive;
                    body = typeCheckingOnly ? new Scope(scope, ignored: true) : scope;
                    block.Last = last is { Kind: ClauseKind.If } ? last : null;
                    break;
                case "else":
                    body = last is { Kind: ClauseKind.If, NegativeTypeChecking: true } ? new Scope(scope, ignored: true) : scope;
                    block.Last = last is { Kind: ClauseKind.Try } ? last : null;
                    break;
                case "try":
                    var frame = new TryFrame();
                    body = new Scope(scope, guard: frame);
                    block.Last = new Clause(ClauseKind.Try, frame, false);
                    break;
                case "except":
                    if (last is { Kind: ClauseKind.Try, Frame: { } tried } && Catches(k + 1, colon))
                    {
                        tried.CatchesImportFailure = true;
                    }

                    block.Last = last is { Kind: ClauseKind.Try } ? last : null;
                    break;
                case "with":
                    body = Suppresses(k + 1, colon) ? new Scope(scope, suppress: true) : scope;
                    break;
                case "for" or "while":
                    block.Last = new Clause(ClauseKind.Loop, null, false);
                    break;
                default:
                    break;
            }

            // The header's expressions run where the statement is, before its body.
            Calls(k + 1, colon, scope);
            if (colon + 1 < e)
            {
                Statements(colon + 1, e, body);
                return null;
            }

            return new Body(body, keyword == "match", keyword, t[e]);
        }

        private int HeaderColon(int k, int e, string keyword)
        {
            if (keyword is "else" or "try" or "finally")
            {
                return k + 1 < e && t[k + 1].IsOperator(":") ? k + 1 : -1;
            }

            var depth = 0;
            var lambdas = 0;
            for (var i = k + 1; i < e; i++)
            {
                var token = t[i];
                if (token.IsName("lambda") && depth == 0)
                {
                    lambdas++;
                }
                else if (token.Kind == PythonTokenKind.Operator)
                {
                    switch (token.Text)
                    {
                        case "(" or "[" or "{":
                            depth++;
                            break;
                        case ")" or "]" or "}":
                            depth--;
                            break;
                        case ":" when depth == 0:
                            if (lambdas == 0)
                            {
                                return i;
                            }

                            lambdas--;
                            break;
                        default:
                            break;
                    }
                }
            }

            return -1;
        }

        private TypeCheckingTest TypeChecking(int a, int b)
        {
            var negative = a < b && t[a].IsName("not");
            var p = negative ? a + 1 : a;
            var matches = (b - p == 1 && t[p].IsName("TYPE_CHECKING"))
                          || (b - p == 3 && t[p].Kind == PythonTokenKind.Name && t[p + 1].IsOperator(".") && t[p + 2].IsName("TYPE_CHECKING"));
            return !matches ? TypeCheckingTest.None : negative ? TypeCheckingTest.Negative : TypeCheckingTest.Positive;
        }

        private bool Catches(int a, int b)
        {
            if (a < b && t[a].IsOperator("*"))
            {
                a++;
            }

            if (a == b)
            {
                return true;
            }

            for (var i = a; i < b && !t[i].IsName("as"); i++)
            {
                if (t[i].Kind == PythonTokenKind.Name && ImportFailureCatchers.Contains(t[i].Text))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Suppresses(int a, int b)
        {
            for (var i = a; i + 1 < b; i++)
            {
                if (t[i].IsName("suppress") && t[i + 1].IsOperator("("))
                {
                    foreach (var (start, end) in Arguments(i + 1, b))
                    {
                        for (var j = start; j < end; j++)
                        {
                            if (t[j].Kind == PythonTokenKind.Name && ImportFailureCatchers.Contains(t[j].Text))
                            {
                                return true;
                            }
                        }
                    }
                }
            }

            return false;
        }

        /// <summary>Simple statements separated by ';' in [s, e).</summary>
        private void Statements(int s, int e, Scope scope)
        {
            var start = s;
            for (var i = s; i <= e && error is null; i++)
            {
                if (i == e || t[i].IsOperator(";"))
                {
                    if (i > start)
                    {
                        Statement(start, i, scope);
                    }

                    start = i + 1;
                }
            }
        }

        private void Statement(int a, int b, Scope scope)
        {
            var first = t[a];

            // `lazy` is a soft keyword: only `lazy import` and `lazy from` make it one.
            var lazy = first.IsName("lazy") && a + 1 < b && (t[a + 1].IsName("import") || t[a + 1].IsName("from"));
            var keyword = lazy ? t[a + 1] : first;
            if (keyword.IsName("import"))
            {
                Import(lazy ? a + 2 : a + 1, b, scope, lazy);
            }
            else if (keyword.IsName("from"))
            {
                From(a, lazy ? a + 2 : a + 1, b, scope, lazy);
            }
            else
            {
                Calls(a, b, scope);
            }
        }

        private void Import(int p, int b, Scope scope, bool lazy)
        {
            var batch = new List<ImportStatement>();
            var boundImportlib = new List<string>();
            while (true)
            {
                var start = t[p];
                if (Dotted(ref p, b, "expected a module name after 'import'") is not { } name)
                {
                    return;
                }

                string? alias = null;
                if (p < b && t[p].IsName("as"))
                {
                    p++;
                    if (Identifier(ref p, b, "expected a name after 'as'") is not { } bound)
                    {
                        return;
                    }

                    alias = bound;
                }

                batch.Add(new ImportStatement(ImportKind.Import, name, 0, [], Pos(start), false, lazy));
                if (name == "importlib" || (alias is null && name.StartsWith("importlib.", StringComparison.Ordinal)))
                {
                    boundImportlib.Add(alias ?? "importlib");
                }

                if (p == b)
                {
                    break;
                }

                if (!t[p].IsOperator(","))
                {
                    Fail(t[p], "invalid syntax");
                    return;
                }

                p++;
                if (p == b)
                {
                    Fail(t[p], "trailing comma not allowed without surrounding parentheses");
                    return;
                }
            }

            if (Commit(batch, scope))
            {
                importlibNames.UnionWith(boundImportlib);
            }
        }

        private void From(int at, int p, int b, Scope scope, bool lazy)
        {
            var level = 0;
            while (p < b && t[p].IsOperator("."))
            {
                level++;
                p++;
            }

            var module = "";
            if (IsIdentifier(p, b))
            {
                module = Dotted(ref p, b, "")!;
                if (error is not null)
                {
                    return;
                }
            }
            else if (level == 0)
            {
                Fail(t[p], "expected a module name after 'from'");
                return;
            }

            if (p >= b || !t[p].IsName("import"))
            {
                Fail(t[p], "expected 'import'");
                return;
            }

            p++;
            var names = new List<ImportedName>();
            if (p < b && t[p].IsOperator("*"))
            {
                names.Add(new ImportedName("*", null, Pos(t[p])));
                p++;
            }
            else if (p < b && t[p].IsOperator("("))
            {
                p++;
                while (true)
                {
                    if (!ImportedName(ref p, b, names))
                    {
                        return;
                    }

                    var comma = p < b && t[p].IsOperator(",");
                    if (comma)
                    {
                        p++;
                    }

                    if (p < b && t[p].IsOperator(")"))
                    {
                        p++;
                        break;
                    }

                    if (!comma)
                    {
                        Fail(t[p], "expected ',' or ')'");
                        return;
                    }
                }
            }
            else
            {
                while (true)
                {
                    if (!ImportedName(ref p, b, names))
                    {
                        return;
                    }

                    if (p == b || !t[p].IsOperator(","))
                    {
                        break;
                    }

                    p++;
                    if (p == b)
                    {
                        Fail(t[p], "trailing comma not allowed without surrounding parentheses");
                        return;
                    }
                }
            }

            if (p != b)
            {
                Fail(t[p], "invalid syntax");
                return;
            }

            var statement = new ImportStatement(ImportKind.From, module, level, names, Pos(t[at]), false, lazy);
            if (Commit([statement], scope) && level == 0 && module == "importlib")
            {
                importModuleNames.UnionWith(names.Where(n => n.Name == "import_module").Select(n => n.Alias ?? n.Name));
            }
        }

        private bool ImportedName(ref int p, int b, List<ImportedName> names)
        {
            var at = t[p];
            if (Identifier(ref p, b, "expected a name after 'import'") is not { } name)
            {
                return false;
            }

            string? alias = null;
            if (p < b && t[p].IsName("as"))
            {
                p++;
                alias = Identifier(ref p, b, "expected a name after 'as'");
                if (alias is null)
                {
                    return false;
                }
            }

            names.Add(new ImportedName(name, alias, Pos(at)));
            return true;
        }

        private string? Dotted(ref int p, int b, string message)
        {
            if (Identifier(ref p, b, message) is not { } first)
            {
                return null;
            }

            var name = new StringBuilder(first);
            while (p < b && t[p].IsOperator("."))
            {
                p++;
                if (Identifier(ref p, b, "expected a name after '.'") is not { } part)
                {
                    return null;
                }

                name.Append('.').Append(part);
            }

            return name.ToString();
        }

        private string? Identifier(ref int p, int b, string message)
        {
            if (!IsIdentifier(p, b))
            {
                Fail(t[p], message);
                return null;
            }

            return t[p++].Text;
        }

        private bool IsIdentifier(int p, int b) => p < b && t[p].Kind == PythonTokenKind.Name && !Keywords.Contains(t[p].Text);

        private bool Commit(List<ImportStatement> batch, Scope scope)
        {
            if (scope.Ignored)
            {
                return false;
            }

            found.AddRange(batch.Select(s => new Pending(s, scope, false)));
            return true;
        }

        /// <summary>
        /// Remembers every call in [a, b) that could be a dynamic import; which ones are is known only at the end,
        /// once every `from importlib import import_module` of the file has been read.
        /// </summary>
        private void Calls(int a, int b, Scope scope)
        {
            if (scope.Ignored)
            {
                return;
            }

            for (var i = a; i + 1 < b; i++)
            {
                if (t[i].Kind != PythonTokenKind.Name || !t[i + 1].IsOperator("("))
                {
                    continue;
                }

                var previous = i > a ? t[i - 1] : default;
                if (previous.IsOperator("."))
                {
                    // Only `name.import_module(` where name is not itself an attribute can be importlib's.
                    if (t[i].Text == "import_module" && i - 2 >= a && t[i - 2].Kind == PythonTokenKind.Name && !(i - 3 >= a && t[i - 3].IsOperator(".")))
                    {
                        calls.Add(new Call(i - 2, i + 1, b, true, scope));
                    }
                }
                else if (!previous.IsName("def") && !previous.IsName("class") && !Keywords.Contains(t[i].Text))
                {
                    calls.Add(new Call(i, i + 1, b, false, scope));
                }
            }
        }

        private IEnumerable<ImportStatement> DynamicImports()
        {
            foreach (var call in calls)
            {
                var callee = t[call.Callee].Text;
                var dunder = !call.Attribute && callee == "__import__";
                var isImport = call.Attribute ? importlibNames.Contains(callee) : dunder || importModuleNames.Contains(callee);
                if (isImport && Dynamic(call, dunder) is { } statement)
                {
                    yield return statement;
                }
            }
        }

        private ImportStatement? Dynamic(Call call, bool dunder)
        {
            var at = Pos(t[call.Callee]);
            var arguments = Arguments(call.Open, call.Limit);
            var positional = arguments.Where(a => !IsKeywordArgument(a)).ToList();
            var nameArgument = positional.Count > 0 ? positional[0] : Keyword(arguments, "name");
            if (nameArgument is not { } nameRange)
            {
                return null;
            }

            var optional = call.Scope.IsOptional();
            ImportStatement Unresolvable(string module, string reason, bool forced = false) =>
                new(ImportKind.Dynamic, module, 0, [], at, optional || forced, false, reason);

            if (Literal(nameRange) is not { } literal || (dunder && literal.StartsWith('.')))
            {
                return Unresolvable(Source(nameRange), Unknowable, forced: true);
            }

            var level = literal.Length - literal.TrimStart('.').Length;
            var rest = literal[level..];
            if ((rest.Length > 0 || level == 0) && !PythonModules.IsDottedName(rest))
            {
                return Unresolvable(literal, $"dynamic import: '{literal}' is not a module name");
            }

            if (level == 0)
            {
                return new ImportStatement(ImportKind.Dynamic, rest, 0, [], at, optional);
            }

            var packageArgument = positional.Count > 1 ? positional[1] : Keyword(arguments, "package");
            if (packageArgument is not { } packageRange)
            {
                return Unresolvable(literal, $"dynamic import: the relative name '{literal}' has no package argument");
            }

            if (packageRange.End - packageRange.Start == 1 && t[packageRange.Start].IsName("__package__"))
            {
                // Relative to the importing module's package, like a relative import statement.
                return new ImportStatement(ImportKind.Dynamic, rest, level, [], at, optional);
            }

            if (Literal(packageRange) is not { } package || !PythonModules.IsDottedName(package))
            {
                return Unresolvable(literal, Unknowable, forced: true);
            }

            var bits = package.Split('.');
            if (level - 1 >= bits.Length)
            {
                return Unresolvable(literal, $"dynamic import: '{literal}' climbs above the top-level package of '{package}'");
            }

            var anchor = string.Join('.', bits[..^(level - 1)]);
            return new ImportStatement(ImportKind.Dynamic, rest.Length == 0 ? anchor : $"{anchor}.{rest}", 0, [], at, optional);
        }

        /// <summary>The token ranges of a call's arguments, from its '(' to the matching ')'.</summary>
        private List<(int Start, int End)> Arguments(int open, int limit)
        {
            var result = new List<(int, int)>();
            var depth = 0;
            var start = open + 1;
            for (var i = open + 1; i < limit; i++)
            {
                var token = t[i];
                if (token.Kind != PythonTokenKind.Operator)
                {
                    continue;
                }

                if (token.Text is "(" or "[" or "{")
                {
                    depth++;
                }
                else if (token.Text is ")" or "]" or "}")
                {
                    if (depth-- == 0)
                    {
                        if (i > start)
                        {
                            result.Add((start, i));
                        }

                        break;
                    }
                }
                else if (token.Text == "," && depth == 0)
                {
                    result.Add((start, i));
                    start = i + 1;
                }
            }

            return result;
        }

        private bool IsKeywordArgument((int Start, int End) range) =>
            range.End - range.Start >= 2 && t[range.Start].Kind == PythonTokenKind.Name && t[range.Start + 1].IsOperator("=");

        private (int Start, int End)? Keyword(List<(int Start, int End)> arguments, string name)
        {
            foreach (var a in arguments)
            {
                if (IsKeywordArgument(a) && t[a.Start].Text == name)
                {
                    return (a.Start + 2, a.End);
                }
            }

            return null;
        }

        /// <summary>The value of an argument made only of plain string literals (adjacent ones concatenate); null otherwise.</summary>
        private string? Literal((int Start, int End) range)
        {
            var value = new StringBuilder();
            for (var i = range.Start; i < range.End; i++)
            {
                if (t[i].Kind != PythonTokenKind.String || StringValue(t[i].Text) is not { } part)
                {
                    return null;
                }

                value.Append(part);
            }

            return range.End > range.Start ? value.ToString() : null;
        }

        /// <summary>A string literal's value when it has one without evaluation: not f/t/bytes, no escapes.</summary>
        private static string? StringValue(string text)
        {
            var q = text.IndexOfAny(['"', '\'']);
            var prefix = text[..q].ToLowerInvariant();
            if (prefix.IndexOfAny(['f', 't', 'b']) >= 0)
            {
                return null;
            }

            var quote = text[q];
            var triple = text.Length - q >= 6 && text[q + 1] == quote && text[q + 2] == quote;
            var body = triple ? text[(q + 3)..^3] : text[(q + 1)..^1];
            return !prefix.Contains('r', StringComparison.Ordinal) && body.Contains('\\', StringComparison.Ordinal) ? null : body;
        }

        /// <summary>An argument's source text for messages, on one line.</summary>
        private string Source((int Start, int End) range)
        {
            var last = t[range.End - 1];
            var source = text[t[range.Start].Offset..(last.Offset + last.Text.Length)];
            var lines = source.Split(["\r\n", "\n", "\r"], StringSplitOptions.None).Select(l => l.Trim().TrimEnd('\\').TrimEnd());
            return string.Join(' ', lines.Where(l => l.Length > 0));
        }

        private SourcePosition Pos(PythonToken token) => new(file, token.Line, token.Column);

        private void Fail(PythonToken token, string message) => error ??= new PythonSyntaxError(Pos(token), message);
    }
}
