using Build.Imports;

namespace Build.Tests.Imports;

/// <summary>The analyzer on small trees: exact closures, third-party and unresolved lists for every construct.</summary>
[TestFixture]
[Category("Unit")]
public sealed class ImportAnalyzerTests
{
    private static IEnumerable<AnalyzerCase> Cases() => AnalyzerCases.All();

    [TestCaseSource(nameof(Cases))]
    public void The_analysis_is_exact(AnalyzerCase c)
    {
        using var tree = new PythonTree();
        tree.WriteAll(c.Files);
        c.Setup?.Invoke(tree);

        var analysis = new ImportAnalyzer(tree.Root, c.Roots ?? ["."], PythonStdlib.Py311).Analyze(c.Entrypoint);

        analysis.Entrypoint.ShouldBe(c.Entrypoint);
        analysis.Closure.Select(f => f.Path).ShouldBe(c.Closure, "closure");
        analysis.ThirdParty.Select(Show).ShouldBe(c.ThirdParty, "third-party");
        analysis.ThirdParty.ShouldAllBe(i => i.TopLevel == i.Name.Split('.', StringSplitOptions.None)[0]);
        analysis.Unresolved.Select(Show).ShouldBe(c.Unresolved, "unresolved");
        analysis.SyntaxErrors.Select(e => $"{e.At} {e.Message}").ShouldBe(c.Errors ?? [], "syntax errors");
        foreach (var (path, chain) in c.Chains ?? new Dictionary<string, string>())
        {
            string.Join(" > ", analysis.Closure.Single(f => f.Path == path).Chain).ShouldBe(chain, $"chain of {path}");
        }
    }

    [Test]
    public void Closure_files_carry_their_size_in_bytes()
    {
        using var tree = new PythonTree();
        tree.Write("main.py", "import helper\n");
        tree.Write("helper.py", "x = 'é'\n");

        var analysis = new ImportAnalyzer(tree.Root, ["."], PythonStdlib.Py311).Analyze("./main.py");

        analysis.Entrypoint.ShouldBe("main.py");
        analysis.Closure.Select(f => (f.Path, f.Bytes)).ShouldBe([("helper.py", 9L), ("main.py", 14L)]);
    }

    [Test]
    public void Each_file_is_read_once_across_analyses()
    {
        using var tree = new PythonTree();
        tree.Write("shared/__init__.py", "import shared.util\n");
        tree.Write("shared/util.py", "import requests\n");
        tree.Write("a/main.py", "import shared\n");
        tree.Write("b/main.py", "from shared import util\n");
        var analyzer = new ImportAnalyzer(tree.Root, ["."], PythonStdlib.Py311);

        var a = analyzer.Analyze("a/main.py");
        var b = analyzer.Analyze("b/main.py");
        File.WriteAllText(Path.Combine(tree.Root, "shared", "util.py"), "import changed\n");
        var again = analyzer.Analyze("a/main.py");

        a.Closure.Select(f => f.Path).ShouldBe(["a/main.py", "shared/__init__.py", "shared/util.py"]);
        b.Closure.Select(f => f.Path).ShouldBe(["b/main.py", "shared/__init__.py", "shared/util.py"]);
        again.ShouldBeEquivalentTo(a);
        again.ThirdParty.ShouldHaveSingleItem().Name.ShouldBe("requests");
        analyzer.FilesScanned.ShouldBe(4);
    }

    [Test]
    public void The_output_is_deterministic()
    {
        using var tree = new PythonTree();
        tree.Write("main.py", "import zlib_ext, alpha_ext\nimport b, a\nfrom . import nothing\n");
        tree.Write("a.py", "import z_dep\n");
        tree.Write("b.py", "import a_dep\n");

        var first = new ImportAnalyzer(tree.Root, ["."], PythonStdlib.Py311).Analyze("main.py");
        var second = new ImportAnalyzer(tree.Root, ["."], PythonStdlib.Py311).Analyze("main.py");

        first.Closure.Select(f => f.Path).ShouldBe(["a.py", "b.py", "main.py"]);
        first.ThirdParty.Select(i => i.At.ToString()).ShouldBe(["a.py:1:8", "b.py:1:8", "main.py:1:8", "main.py:1:18"]);
        first.Unresolved.ShouldHaveSingleItem().Reason.ShouldBe("attempted relative import with no known parent package");
        second.ShouldBeEquivalentTo(first);
    }

    [Test]
    public void Import_roots_are_normalised_with_the_source_root_first()
    {
        using var tree = new PythonTree();

        new ImportAnalyzer(tree.Root, ["main_pc_code/", "./lib", "."], PythonStdlib.Py311).ImportRoots.ShouldBe(["", "main_pc_code", "lib"]);
        Should.Throw<ArgumentException>(() => new ImportAnalyzer(tree.Root, ["../elsewhere"], PythonStdlib.Py311));
        Should.Throw<ArgumentException>(() => new ImportAnalyzer("relative/root", ["."], PythonStdlib.Py311));
    }

    [Test]
    public void The_entrypoint_package_names_follow_python_m()
    {
        PythonModules.ModuleName("main_pc_code/agents/nlu_agent.py").ShouldBe("main_pc_code.agents.nlu_agent");
        PythonModules.ModuleName("a/__init__.py").ShouldBe("a");
        PythonModules.ModuleName("./tool.py").ShouldBe("tool");
        PythonModules.ModuleName("a\\b.py").ShouldBe("a.b");
        Should.Throw<ArgumentException>(() => PythonModules.ModuleName("a/b.txt"));
    }

    [Test]
    public void The_stdlib_set_is_python_3_11s()
    {
        PythonStdlib.Py311.Count.ShouldBe(305);
        foreach (var name in new[] { "__future__", "distutils", "tomllib", "asyncio", "importlib", "sys", "os" })
        {
            PythonStdlib.Py311.ShouldContain(name);
        }

        PythonStdlib.Py311.ShouldNotContain("numpy");
        PythonStdlib.Py311.ShouldNotContain("Asyncio");
    }

    private static string Show(ThirdPartyImport i) => $"{i.Name} {i.At.File}:{i.At.Line}{(i.Optional ? " optional" : "")}";

    private static string Show(UnresolvedImport i) => $"{i.Name} {i.At.File}:{i.At.Line}: {i.Reason}{(i.Optional ? " (optional)" : "")}";
}
