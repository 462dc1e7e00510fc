using System.Diagnostics;
using System.Globalization;
using System.Text;
using Build.Imports;

namespace Build.Tests.Imports;

/// <summary>A fleet-sized tree: 69 services of ~200-line files that share one package, analysed by one analyzer.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ImportAnalyzerFleetTests
{
    private const int Services = 69;
    private const int SharedModules = 30;

    private static readonly string[] ThirdParty = ["numpy", "requests", "zmq", "yaml", "torch", "pydantic", "redis", "orjson", "httpx", "uvicorn"];
    private static readonly string[] Stdlib = ["os", "sys", "json", "typing", "asyncio", "logging", "dataclasses", "pathlib"];

    [Test]
    public void Sixty_nine_services_sharing_a_package_are_all_analysed()
    {
        using var tree = new PythonTree();
        var (files, lines) = Generate(tree);
        var entrypoints = Enumerable.Range(0, Services).Select(s => $"services/svc_{s:D2}/main.py").ToList();

        var clock = Stopwatch.StartNew();
        var analyzer = new ImportAnalyzer(tree.Root, [".", "services"], PythonStdlib.Py311);
        var first = entrypoints.Select(analyzer.Analyze).ToList();
        var cold = clock.Elapsed;

        // Each round is a build run: a new analyzer reads and scans every file again; only the process is warm.
        var warm = new List<TimeSpan>();
        ImportAnalyzer fresh = analyzer;
        List<ImportAnalysis> second = [];
        for (var round = 0; round < 5; round++)
        {
            clock.Restart();
            fresh = new ImportAnalyzer(tree.Root, [".", "services"], PythonStdlib.Py311);
            second = entrypoints.Select(fresh.Analyze).ToList();
            warm.Add(clock.Elapsed);
        }

        clock.Restart();
        var third = entrypoints.Select(fresh.Analyze).ToList();
        var cached = clock.Elapsed;

        first.Count.ShouldBe(Services);
        foreach (var (analysis, s) in first.Select((a, s) => (a, s)))
        {
            analysis.Unresolved.ShouldBeEmpty(analysis.Entrypoint);
            analysis.SyntaxErrors.ShouldBeEmpty(analysis.Entrypoint);
            analysis.Closure.Select(f => f.Path).ShouldContain($"services/svc_{s:D2}/handlers.py");
            analysis.Closure.Select(f => f.Path).ShouldContain("shared/__init__.py");
            analysis.ThirdParty.ShouldNotBeEmpty();
            analysis.ThirdParty.ShouldContain(i => i.Optional && i.Name == "uvloop");
            second[s].ShouldBeEquivalentTo(analysis);
            third[s].ShouldBeEquivalentTo(analysis);
        }

        var distinct = first.SelectMany(a => a.Closure.Select(f => f.Path)).Distinct(StringComparer.Ordinal).Count();
        analyzer.FilesScanned.ShouldBe(distinct);
        fresh.FilesScanned.ShouldBe(distinct);

        TestContext.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Services} services, {files} files, {lines} lines, {distinct} files in some closure, {first.Sum(a => a.Closure.Count)} closure entries in all"));
        TestContext.Out.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"first analyzer in this process (JIT included): {cold.TotalMilliseconds:F0} ms; new analyzer, warm process, 5 rounds: {string.Join(" / ", warm.Select(w => w.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture)))} ms; same analyzer again (every file cached): {cached.TotalMilliseconds:F0} ms"));
    }

    /// <summary>The tree: shared/ (a package of 30 modules importing each other), and per service a main and handlers.</summary>
    private static (int Files, int Lines) Generate(PythonTree tree)
    {
        var random = new Random(69);
        var files = 0;
        var lines = 0;
        void Write(string path, IEnumerable<string> imports)
        {
            var text = new StringBuilder();
            foreach (var line in imports)
            {
                text.Append(line).Append('\n');
            }

            text.Append("try:\n    import uvloop\nexcept ImportError:\n    uvloop = None\n");
            text.Append(Filler(random.Next(100)));
            tree.Write(path, text.ToString());
            files++;
            lines += text.ToString().Count(c => c == '\n');
        }

        IEnumerable<string> Imports(int count, int sharedBelow, bool relativeHandlers)
        {
            for (var i = 0; i < count; i++)
            {
                var pick = random.Next(4);
                yield return pick switch
                {
                    0 => $"import {Stdlib[random.Next(Stdlib.Length)]}",
                    1 => $"from {ThirdParty[random.Next(ThirdParty.Length)]} import thing_{i}",
                    _ when sharedBelow > 0 => pick == 2 ? $"import shared.m{random.Next(sharedBelow):D2}" : $"from shared import m{random.Next(sharedBelow):D2} as mod_{i}",
                    _ => $"import {ThirdParty[random.Next(ThirdParty.Length)]}.sub",
                };
            }

            if (relativeHandlers)
            {
                yield return "from . import handlers";
            }
        }

        Write("shared/__init__.py", ["from . import m00", "import logging"]);
        for (var m = 0; m < SharedModules; m++)
        {
            Write($"shared/m{m:D2}.py", Imports(random.Next(5, 16), m, false));
        }

        for (var s = 0; s < Services; s++)
        {
            Write($"services/svc_{s:D2}/main.py", Imports(random.Next(5, 15), SharedModules, true));
            Write($"services/svc_{s:D2}/handlers.py", Imports(random.Next(5, 16), SharedModules, false));
        }

        return (files, lines);
    }

    /// <summary>About 180 lines of ordinary code with the traps a scanner must step over: docstrings, comments, strings.</summary>
    private static string Filler(int seed)
    {
        var text = new StringBuilder();
        for (var k = 0; k < 23; k++)
        {
            text.Append(CultureInfo.InvariantCulture, $$""""


                def func_{{seed}}_{{k}}(x, y=None):
                    """Docstring mentioning import os and from x import y."""
                    # a comment with import z
                    value = {"key": [x, y], 'import': "not an import"}
                    if value and x > {{k}}:
                        return f"{x!r:>{{k}}} {value['key']}"
                    return None
                """");
        }

        return text.Append('\n').ToString();
    }
}
