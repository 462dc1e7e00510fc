using Build.Imports;

namespace Build.Tests.Imports;

/// <summary>A source with a syntax error and where (line:column) and what the error is.</summary>
public sealed record SyntaxCase(string Name, string Source, string Expected)
{
    public override string ToString() => Name;
}

/// <summary>The scanner on its own: statements as read, and syntax errors at their exact line and column.</summary>
[TestFixture]
[Category("Unit")]
public sealed class PythonImportScannerTests
{
    internal static readonly SyntaxCase[] SyntaxCases =
    [
        new("unterminated string, at its start", "import os\nx = \"abc\n", "2:5 unterminated string literal"),
        new("unterminated single-quoted bytes", "import os\ny = 1; x = b'abc\nimport z\n", "2:12 unterminated string literal"),
        new("unterminated triple-quoted string", "import os\nx = \"\"\"abc\n\nimport y\n", "2:5 unterminated triple-quoted string literal"),
        new("unterminated f-string field", "x = f\"{a\n", "1:5 unterminated string literal"),
        new("unclosed bracket at end of file, at the bracket", "import os\nx = foo(1,\n  2\n", "2:8 '(' was never closed"),
        new("innermost unclosed bracket", "x = [1, {2,\n", "1:9 '{' was never closed"),
        new("unmatched closing bracket", "import os\nx = 1)\n", "2:6 unmatched ')'"),
        new("mismatched closing bracket", "x = (1]\n", "1:7 closing parenthesis ']' does not match opening parenthesis '('"),
        new("mismatched closing bracket on a later line", "x = (1,\n  2]\n", "2:4 closing parenthesis ']' does not match opening parenthesis '(' on line 1"),
        new("dedent to no outer level", "if x:\n    a = 1\n  b = 2\n", "3:3 unindent does not match any outer indentation level"),
        new("tabs and spaces that disagree on depth", "if x:\n        a = 1\n\tb = 2\n", "3:2 inconsistent use of tabs and spaces in indentation"),
        new("tabs after spaces that disagree on depth", "if x:\n    \ta = 1\n\tb = 2\n", "3:2 inconsistent use of tabs and spaces in indentation"),
        new("unexpected indent", "x = 1\n  y = 2\n", "2:3 unexpected indent"),
        new("missing indented block", "if x:\ny = 1\n", "2:1 expected an indented block after 'if' statement on line 1"),
        new("missing indented block at end of file", "for x in y:\n", "1:12 expected an indented block after 'for' statement on line 1"),
        new("compound header without colon", "if x\n    y\n", "1:5 expected ':'"),
        new("bare import", "import\n", "1:7 expected a module name after 'import'"),
        new("from without import", "from x\n", "1:7 expected 'import'"),
        new("misspelt import keyword", "from x imprt y\n", "1:8 expected 'import'"),
        new("module name starting with a digit", "import 3x\n", "1:8 expected a module name after 'import'"),
        new("relative from-import without names", "from . import\n", "1:14 expected a name after 'import'"),
        new("keyword as a module name", "import class\n", "1:8 expected a module name after 'import'"),
        new("from without a module", "from import x\n", "1:6 expected a module name after 'from'"),
        new("trailing comma without parentheses", "from a import b,\n", "1:17 trailing comma not allowed without surrounding parentheses"),
        new("two names without a comma", "import a b\n", "1:10 invalid syntax"),
        new("empty parentheses", "from a import ()\n", "1:16 expected a name after 'import'"),
        new("dotted alias", "import a as b.c\n", "1:14 invalid syntax"),
        new("star with more names", "from a import *, b\n", "1:16 invalid syntax"),
        new("import after a dot", "import a.\n", "1:10 expected a name after '.'"),
        new("malformed import on a one-line body", "try: import\nexcept ImportError: pass\n", "1:12 expected a module name after 'import'"),
        new("backslash not at line end", "x = 1 \\ + 2\n", "1:7 unexpected character after line continuation character"),
        new("invalid character", "x = 1 $ 2\n", "1:7 invalid character '$' (U+0024)"),
        new("CRLF lines count as one line each", "import os\r\n\r\nx = \"abc\r\n", "3:5 unterminated string literal"),
        new("a BOM is not a column", "\uFEFFx = (1]\n", "1:7 closing parenthesis ']' does not match opening parenthesis '('"),
        new("columns count characters", "s = 'é'; x = )\n", "1:14 unmatched ')'"),
        new("an error after a triple-quoted string counts its lines", "s = '''a\nb\nc'''\nimport\n", "4:7 expected a module name after 'import'"),
    ];

    [TestCaseSource(nameof(SyntaxCases))]
    public void A_syntax_error_is_reported_at_its_line_and_column(SyntaxCase c)
    {
        var scanned = PythonImportScanner.Scan(c.Source, "f.py");

        var error = scanned.Errors.ShouldHaveSingleItem();
        error.At.File.ShouldBe("f.py");
        $"{error.At.Line}:{error.At.Column} {error.Message}".ShouldBe(c.Expected);
    }

    [Test]
    public void The_imports_before_a_syntax_error_are_kept_and_none_after()
    {
        var scanned = PythonImportScanner.Scan("import a\nfrom b import c\nx = )\nimport d\n", "f.py");

        scanned.Imports.Select(i => i.Module).ShouldBe(["a", "b"]);
        scanned.Errors.ShouldHaveSingleItem().At.ToString().ShouldBe("f.py:3:5");
    }

    [Test]
    public void A_statement_with_an_error_contributes_nothing()
    {
        PythonImportScanner.Scan("import a, b c\n", "f.py").Imports.ShouldBeEmpty();
    }

    [Test]
    public void Statements_carry_kind_module_names_level_position_and_flags()
    {
        const string Source = """
            import a.b as c, d
            from ..pkg.sub import (x as y,
                z)
            try:
                lazy from . import *
            except ImportError:
                pass
            import importlib
            m = importlib.import_module("p.q")
            n = importlib.import_module(name)
            """;

        var imports = PythonImportScanner.Scan(Source, "svc/f.py").Imports;

        imports.Select(i => (i.Kind, i.Module, i.Level, i.At.ToString(), i.Optional, i.Lazy, i.IsDynamic)).ShouldBe(
        [
            (ImportKind.Import, "a.b", 0, "svc/f.py:1:8", false, false, false),
            (ImportKind.Import, "d", 0, "svc/f.py:1:18", false, false, false),
            (ImportKind.From, "pkg.sub", 2, "svc/f.py:2:1", false, false, false),
            (ImportKind.From, "", 1, "svc/f.py:5:5", true, true, false),
            (ImportKind.Import, "importlib", 0, "svc/f.py:8:8", false, false, false),
            (ImportKind.Dynamic, "p.q", 0, "svc/f.py:9:5", false, false, true),
            (ImportKind.Dynamic, "name", 0, "svc/f.py:10:5", true, false, true),
        ]);
        imports[2].Names.Select(n => $"{n.Name}/{n.Alias}@{n.At.Line}:{n.At.Column}").ShouldBe(["x/y@2:24", "z/@3:5"]);
        imports[3].Names.ShouldHaveSingleItem().Name.ShouldBe("*");
        imports[6].Unresolvable.ShouldBe("dynamic import: cannot be resolved statically");
        imports.Take(6).ShouldAllBe(i => i.Unresolvable == null);
    }

    [Test]
    public void Tokens_have_positions_and_logical_lines()
    {
        var tokens = PythonTokenizer.Tokenize("if (a,\n    b):\n\tx = 'y'  # c\n", "f.py");

        tokens.Error.ShouldBeNull();
        tokens.Tokens.Select(t => $"{t.Kind}:{t.Text}@{t.Line}:{t.Column}").ShouldBe(
        [
            "Name:if@1:1", "Operator:(@1:4", "Name:a@1:5", "Operator:,@1:6", "Name:b@2:5", "Operator:)@2:6", "Operator::@2:7",
            "Newline:@2:8", "Indent:@3:2", "Name:x@3:2", "Operator:=@3:4", "String:'y'@3:6", "Newline:@3:14", "Dedent:@4:1", "End:@4:1",
        ]);
    }

    [Test]
    public void A_computed_dynamic_import_keeps_its_argument_source_on_one_line()
    {
        var imports = PythonImportScanner.Scan("import importlib\nm = importlib.import_module(\n    prefix +\n    names[:-3],  # why\n)\nn = importlib.import_module('a' \\\n  \"\\\\b\" + x)\n", "f.py").Imports;

        imports.Where(i => i.IsDynamic).Select(i => $"{i.Module} {i.At}").ShouldBe(["prefix + names[:-3] f.py:2:5", "'a' \"\\\\b\" + x f.py:6:5"]);
    }

    [Test]
    public void Walrus_and_lambda_colons_do_not_end_a_header()
    {
        var imports = PythonImportScanner.Scan("if (n := 1) and (lambda: 0)(): import a\nwhile f(lambda x: x): import b\nif lambda: 0: import c\nif n := 1: import d\n", "f.py").Imports;

        imports.Select(i => i.Module).ShouldBe(["a", "b", "c", "d"]);
    }
}
