using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Build.Imports;

namespace Build.Tests.Imports;

/// <summary>
/// Every test source through Python's own parser, when python3 is installed: the scanner must find the same static
/// imports (line, dotted name with its leading dots, optional) and reject the same files, on the same line.
/// </summary>
[TestFixture]
[Category("Unit")]
public sealed class PythonAstCrossCheckTests
{
    // Mirrors the scanner's rules on the syntax tree: TYPE_CHECKING bodies skipped, everything inside try bodies
    // guarded by handlers that catch import failures, and inside suppress(...) bodies, optional.
    private const string Script = """
        import ast, json, os, sys

        CATCH = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}

        def names(node):
            return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}

        def is_tc(t):
            return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
                isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING" and isinstance(t.value, ast.Name))

        def suppresses(item):
            c = item.context_expr
            if not isinstance(c, ast.Call):
                return False
            f = c.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            return name == "suppress" and any(names(a) & CATCH for a in c.args)

        def visit(body, opt, out):
            for s in body:
                if isinstance(s, ast.Import):
                    out += [[a.lineno, a.name, opt] for a in s.names]
                elif isinstance(s, ast.ImportFrom):
                    out.append([s.lineno, "." * s.level + (s.module or ""), opt])
                elif isinstance(s, ast.If):
                    if is_tc(s.test):
                        visit(s.orelse, opt, out)
                    elif isinstance(s.test, ast.UnaryOp) and isinstance(s.test.op, ast.Not) and is_tc(s.test.operand):
                        visit(s.body, opt, out)
                    else:
                        visit(s.body, opt, out)
                        visit(s.orelse, opt, out)
                elif isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                    guarded = any(h.type is None or bool(names(h.type) & CATCH) for h in s.handlers)
                    visit(s.body, opt or guarded, out)
                    for h in s.handlers:
                        visit(h.body, opt, out)
                    visit(s.orelse, opt, out)
                    visit(s.finalbody, opt, out)
                elif isinstance(s, (ast.With, ast.AsyncWith)):
                    visit(s.body, opt or any(suppresses(i) for i in s.items), out)
                elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(s.body, opt, out)
                elif isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
                    visit(s.body, opt, out)
                    visit(s.orelse, opt, out)
                elif isinstance(s, ast.Match):
                    for c in s.cases:
                        visit(c.body, opt, out)

        if sys.version_info < (3, 10):
            print(json.dumps({"too_old": sys.version}))
            sys.exit(0)
        result = {}
        for name in sorted(os.listdir(sys.argv[1])):
            data = open(os.path.join(sys.argv[1], name), "rb").read()
            try:
                tree = ast.parse(data, name)
            except SyntaxError as e:
                result[name] = {"error": e.lineno}
                continue
            out = []
            visit(tree.body, False, out)
            result[name] = {"imports": out}
        print(json.dumps(result))
        """;

    [Test]
    public void The_scanner_agrees_with_pythons_ast_on_every_test_source()
    {
        var sources = AnalyzerCases.Sources()
            .Concat(PythonImportScannerTests.SyntaxCases.Select(c => (c.Name, Text: c.Source)))
            .Where(s => !s.Text.Contains(AnalyzerCases.NewerPython, StringComparison.Ordinal))
            .ToList();
        using var tree = new PythonTree();
        var corpus = Path.Combine(tree.Outside, "corpus");
        Directory.CreateDirectory(corpus);
        for (var i = 0; i < sources.Count; i++)
        {
            File.WriteAllText(Path.Combine(corpus, $"s{i:D3}.py"), sources[i].Text);
        }

        var script = Path.Combine(tree.Outside, "imports.py");
        File.WriteAllText(script, Script);
        using var python = Python(script, corpus);

        var output = JsonDocument.Parse(python.StandardOutput.ReadToEnd()).RootElement;
        python.WaitForExit();
        python.ExitCode.ShouldBe(0, python.StandardError.ReadToEnd());
        if (output.TryGetProperty("too_old", out var version))
        {
            Assert.Ignore($"python3 is {version.GetString()}; match statements need 3.10.");
        }

        var mismatches = new List<string>();
        var rejected = new List<string>();
        for (var i = 0; i < sources.Count; i++)
        {
            var (name, text) = sources[i];
            var verdict = output.GetProperty($"s{i:D3}.py");
            var ours = PythonImportScanner.Scan(text, "f.py");
            if (verdict.TryGetProperty("error", out var line))
            {
                rejected.Add(name);
                var ourLine = ours.Errors.FirstOrDefault()?.At.Line;
                if (ourLine != line.GetInt32())
                {
                    mismatches.Add($"{name}: python rejects it at line {line.GetInt32()}, the scanner {(ourLine is null ? "accepts it" : $"at line {ourLine}")}");
                }

                continue;
            }

            var expected = verdict.GetProperty("imports").EnumerateArray()
                .Select(e => $"{e[0].GetInt32()} {e[1].GetString()}{(e[2].GetBoolean() ? " optional" : "")}")
                .Order(StringComparer.Ordinal)
                .ToList();
            var actual = ours.Imports.Where(s => !s.IsDynamic)
                .Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.At.Line} {new string('.', s.Level)}{s.Module}{(s.Optional ? " optional" : "")}"))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (ours.Errors.Count > 0 || !expected.SequenceEqual(actual))
            {
                mismatches.Add($"{name}: python [{string.Join(", ", expected)}], scanner [{string.Join(", ", actual)}] {string.Join(" ", ours.Errors)}");
            }
        }

        TestContext.Out.WriteLine($"{sources.Count} sources compared with python's ast, {rejected.Count} of them rejected by both");
        mismatches.ShouldBeEmpty();
        rejected.ShouldBeSubsetOf(sources.Select(s => s.Name));
        PythonImportScannerTests.SyntaxCases.Select(c => c.Name).ShouldBeSubsetOf(rejected);
    }

    private static Process Python(string script, string corpus)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(corpus);
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore("python3 is not on PATH.");
            throw;
        }
    }
}
