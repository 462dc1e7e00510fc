using System.Text;

namespace Build.Tests.Imports;

/// <summary>
/// One analyzer case: a small tree, its entrypoint and import roots, and the exact expected closure (paths),
/// third-party imports ("name file:line", " optional" when optional), unresolved imports
/// ("name file:line: reason", " (optional)" when optional) and syntax errors ("file:line:column message").
/// Chains, when given, map a closure path to its chain ("a.py:1:8 > b.py:2:1").
/// </summary>
public sealed record AnalyzerCase(
    string Name,
    IReadOnlyDictionary<string, string> Files,
    string Entrypoint,
    string[] Closure,
    string[] ThirdParty,
    string[] Unresolved,
    string[]? Roots = null,
    string[]? Errors = null,
    IReadOnlyDictionary<string, string>? Chains = null,
    Action<PythonTree>? Setup = null)
{
    public override string ToString() => Name;
}

/// <summary>The analyzer cases: one per construct the analyzer must get right.</summary>
internal static class AnalyzerCases
{
    /// <summary>Sources that need a newer Python than the host's 3.11 to parse carry this marker (the cross-check skips them).</summary>
    public const string NewerPython = "# needs a newer python";

    private const string Opt = " optional";

    public static IEnumerable<AnalyzerCase> All()
    {
        yield return new(
            "standard library ignored, third-party listed with the dotted name as written",
            Files(("main.py", """
                from __future__ import annotations
                import os, sys
                import numpy as np
                import google.cloud.storage
                from requests.adapters import HTTPAdapter
                import tomllib, distutils.util, asyncio
                """)),
            "main.py",
            ["main.py"],
            ["numpy main.py:3", "google.cloud.storage main.py:4", "requests.adapters main.py:5"],
            []);

        yield return new(
            "a first-party module joins the closure and its own imports are followed",
            Files(("main.py", "import helpers\n"), ("helpers.py", "import os\nimport yaml\n"), ("unused.py", "import never\n")),
            "main.py",
            ["helpers.py", "main.py"],
            ["yaml helpers.py:2"],
            []);

        yield return new(
            "a dotted import runs the __init__.py of every package on the way",
            Files(("main.py", "import pkg.sub.leaf\n"), ("pkg/__init__.py", ""), ("pkg/sub/__init__.py", "import redis\n"), ("pkg/sub/leaf.py", ""), ("pkg/sub/other.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/leaf.py"],
            ["redis pkg/sub/__init__.py:1"],
            [],
            Chains: new Dictionary<string, string> { ["pkg/__init__.py"] = "main.py:1:8", ["pkg/sub/leaf.py"] = "main.py:1:8", ["main.py"] = "" });

        yield return new(
            "the entrypoint's own packages run first under python3 -m",
            Files(
                ("main_pc_code/__init__.py", "import torch\n"),
                ("main_pc_code/agents/__init__.py", ""),
                ("main_pc_code/agents/nlu_agent.py", "import zmq\n")),
            "main_pc_code/agents/nlu_agent.py",
            ["main_pc_code/__init__.py", "main_pc_code/agents/__init__.py", "main_pc_code/agents/nlu_agent.py"],
            ["torch main_pc_code/__init__.py:1", "zmq main_pc_code/agents/nlu_agent.py:1"],
            [],
            Chains: new Dictionary<string, string> { ["main_pc_code/__init__.py"] = "", ["main_pc_code/agents/__init__.py"] = "" });

        yield return new(
            "a second import root resolves what the first does not",
            Files(
                ("main_pc_code/agents/a.py", "from utils.log import get\nimport config\n"),
                ("main_pc_code/utils/__init__.py", ""),
                ("main_pc_code/utils/log.py", "get = print\n"),
                ("main_pc_code/config.py", "")),
            "main_pc_code/agents/a.py",
            ["main_pc_code/agents/a.py", "main_pc_code/config.py", "main_pc_code/utils/__init__.py", "main_pc_code/utils/log.py"],
            [],
            [],
            Roots: [".", "main_pc_code"]);

        yield return new(
            "a regular package under a later root wins over a namespace directory under an earlier one",
            Files(("main.py", "import common.tools\n"), ("common/readme.txt", "not code\n"), ("lib/common/__init__.py", ""), ("lib/common/tools.py", "")),
            "main.py",
            ["lib/common/__init__.py", "lib/common/tools.py", "main.py"],
            [],
            [],
            Roots: [".", "lib"]);

        yield return new(
            "between regular modules the earlier root wins, and a package wins over a module beside it",
            Files(("main.py", "import shared\nimport both\n"), ("shared.py", ""), ("lib/shared.py", ""), ("both.py", ""), ("both/__init__.py", "")),
            "main.py",
            ["both/__init__.py", "main.py", "shared.py"],
            [],
            [],
            Roots: [".", "lib"]);

        yield return new(
            "a directory without __init__.py is a namespace package",
            Files(("main.py", "import ns.mod\nfrom ns import other, name\n"), ("ns/mod.py", ""), ("ns/other.py", "")),
            "main.py",
            ["main.py", "ns/mod.py", "ns/other.py"],
            [],
            []);

        yield return new(
            "a namespace package spreads over import roots",
            Files(("main.py", "import ns.a\nimport ns.b\n"), ("ns/a.py", ""), ("lib/ns/b.py", "")),
            "main.py",
            ["lib/ns/b.py", "main.py", "ns/a.py"],
            [],
            [],
            Roots: [".", "lib"]);

        yield return new(
            "a missing submodule is unresolved; the packages before it still run",
            Files(("main.py", "import pkg.missing\n"), ("pkg/__init__.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py"],
            [],
            ["pkg.missing main.py:1: no module 'pkg.missing': pkg/ has no missing.py or missing/"]);

        yield return new(
            "a submodule of a plain module is unresolved",
            Files(("main.py", "import tool.sub\n"), ("tool.py", "")),
            "main.py",
            ["main.py", "tool.py"],
            [],
            ["tool.sub main.py:1: no module 'tool.sub': tool.py is not a package"]);

        yield return new(
            "from a package import: submodules are edges, other names are names",
            Files(
                ("main.py", "from a.b import c, name, d as dd\n"),
                ("a/__init__.py", ""),
                ("a/b/__init__.py", "name = 1\n"),
                ("a/b/c.py", ""),
                ("a/b/d/__init__.py", ""),
                ("a/b/e.py", "")),
            "main.py",
            ["a/__init__.py", "a/b/__init__.py", "a/b/c.py", "a/b/d/__init__.py", "main.py"],
            [],
            [],
            Chains: new Dictionary<string, string> { ["a/b/c.py"] = "main.py:1:17", ["a/b/__init__.py"] = "main.py:1:1" });

        yield return new(
            "a star import is an edge to the package only",
            Files(("main.py", "from a import *\n"), ("a/__init__.py", ""), ("a/x.py", "")),
            "main.py",
            ["a/__init__.py", "main.py"],
            [],
            []);

        yield return new(
            "relative imports resolve against the importing module's package",
            Files(
                ("main.py", "import app.core.engine\n"),
                ("app/__init__.py", ""),
                ("app/core/__init__.py", "VERSION = 1\n"),
                ("app/core/engine.py", """
                    from . import util, VERSION
                    from .helpers import fmt
                    from ..shared import config
                    from .. import plugins
                    """),
                ("app/core/util.py", ""),
                ("app/core/helpers.py", "fmt = str\n"),
                ("app/shared/__init__.py", ""),
                ("app/shared/config.py", ""),
                ("app/plugins/x.py", "")),
            "main.py",
            ["app/__init__.py", "app/core/__init__.py", "app/core/engine.py", "app/core/helpers.py", "app/core/util.py", "app/shared/__init__.py", "app/shared/config.py", "main.py"],
            [],
            []);

        yield return new(
            "relative imports in a package's __init__.py resolve against the package itself",
            Files(("main.py", "import pkg\n"), ("pkg/__init__.py", "from .core import run\nfrom . import helpers\n"), ("pkg/core.py", "run = 1\n"), ("pkg/helpers.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/core.py", "pkg/helpers.py"],
            [],
            []);

        yield return new(
            "a relative import climbing above the top-level package is unresolved",
            Files(("main.py", "import pkg.mod\n"), ("pkg/__init__.py", ""), ("pkg/mod.py", "from ... import x\nfrom .. import y\nfrom . import z\n")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/mod.py"],
            [],
            [
                "... pkg/mod.py:1: attempted relative import beyond top-level package 'pkg'",
                ".. pkg/mod.py:2: attempted relative import beyond top-level package 'pkg'",
            ]);

        yield return new(
            "a relative import in a top-level module has no package",
            Files(("main.py", "import tool\n"), ("tool.py", "from . import x\n")),
            "main.py",
            ["main.py", "tool.py"],
            [],
            [". tool.py:1: attempted relative import with no known parent package"]);

        yield return new(
            "relative imports in the entrypoint resolve against its package",
            Files(
                ("svc/agents/main.py", "from . import peer\nfrom ..common import log\nfrom .gone import x\n"),
                ("svc/agents/peer.py", ""),
                ("svc/common/log.py", "")),
            "svc/agents/main.py",
            ["svc/agents/main.py", "svc/agents/peer.py", "svc/common/log.py"],
            [],
            [".gone svc/agents/main.py:3: no module 'svc.agents.gone': svc/agents/ has no gone.py or gone/"]);

        yield return new(
            "importlib.import_module with a literal is an import",
            Files(
                ("main.py", """
                    import importlib
                    mod = importlib.import_module("plugins.alpha")
                    np = importlib.import_module('numpy')
                    """),
                ("plugins/__init__.py", ""),
                ("plugins/alpha.py", "")),
            "main.py",
            ["main.py", "plugins/__init__.py", "plugins/alpha.py"],
            ["numpy main.py:3"],
            []);

        yield return new(
            "import_module bound from importlib (also under an alias) and __import__ are imports",
            Files(
                ("main.py", """
                    from importlib import import_module
                    from importlib import import_module as load
                    a = import_module("pkg.a")
                    b = load(name="pkg.b")
                    c = __import__("requests")
                    """),
                ("pkg/__init__.py", ""),
                ("pkg/a.py", ""),
                ("pkg/b.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/a.py", "pkg/b.py"],
            ["requests main.py:5"],
            []);

        yield return new(
            "relative dynamic imports with a literal or __package__ anchor",
            Files(
                ("main.py", "import pkg.loader\n"),
                ("pkg/__init__.py", ""),
                ("pkg/loader.py", """
                    import importlib
                    from importlib import import_module
                    x = importlib.import_module(".x", "pkg")
                    y = import_module(".y", __package__)
                    z = importlib.import_module("..z", package="pkg.sub")
                    w = importlib.import_module(".w")
                    """),
                ("pkg/x.py", ""),
                ("pkg/y.py", ""),
                ("pkg/z.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/loader.py", "pkg/x.py", "pkg/y.py", "pkg/z.py"],
            [],
            [".w pkg/loader.py:6: dynamic import: the relative name '.w' has no package argument"]);

        yield return new(
            "a dynamic import of a computed name is an optional unresolved entry",
            Files(("main.py", """
                import importlib
                name = "x"
                m = importlib.import_module(f"plugins.{name}")
                n = __import__(name)
                o = importlib.import_module("plugins." + name)
                """)),
            "main.py",
            ["main.py"],
            [],
            [
                "f\"plugins.{name}\" main.py:3: dynamic import: cannot be resolved statically (optional)",
                "name main.py:4: dynamic import: cannot be resolved statically (optional)",
                "\"plugins.\" + name main.py:5: dynamic import: cannot be resolved statically (optional)",
            ]);

        yield return new(
            "imports in a try body are optional when a handler catches import failures",
            Files(("main.py", """
                try:
                    import ujson as json
                except ImportError:
                    import json
                try:
                    import orjson
                except ModuleNotFoundError:
                    orjson = None
                try:
                    import simdjson
                except (ValueError, ImportError) as e:
                    pass
                try:
                    import rapidjson
                except Exception:
                    pass
                try:
                    import yaml
                except:
                    pass
                try:
                    import toml
                except ValueError:
                    import tomli
                try:
                    import lxml
                finally:
                    import cchardet
                try:
                    import msgpack
                except ValueError:
                    pass
                except ImportError:
                    pass
                else:
                    import after_else
                """)),
            "main.py",
            ["main.py"],
            [
                "ujson main.py:2" + Opt, "orjson main.py:6" + Opt, "simdjson main.py:10" + Opt, "rapidjson main.py:14" + Opt,
                "yaml main.py:18" + Opt, "toml main.py:22", "tomli main.py:24", "lxml main.py:26", "cchardet main.py:28",
                "msgpack main.py:30" + Opt, "after_else main.py:36",
            ],
            []);

        yield return new(
            "a missing first-party import in a guarded try is an optional unresolved entry",
            Files(("main.py", "try:\n    from pkg import fast\n    import pkg.accel\nexcept ImportError:\n    pass\n"), ("pkg/__init__.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py"],
            [],
            ["pkg.accel main.py:3: no module 'pkg.accel': pkg/ has no accel.py or accel/ (optional)"]);

        yield return new(
            "optionality is lexical: a function or class defined in a guarded try body is guarded too",
            Files(("main.py", "try:\n    import outer_opt\n    def later():\n        import in_def_opt\n    class K:\n        import in_class_opt\nexcept ImportError:\n    pass\n")),
            "main.py",
            ["main.py"],
            ["outer_opt main.py:2" + Opt, "in_def_opt main.py:4" + Opt, "in_class_opt main.py:6" + Opt],
            []);

        yield return new(
            "suppress(ImportError) bodies are optional",
            Files(("main.py", """
                import contextlib
                from contextlib import suppress
                with contextlib.suppress(ImportError):
                    import uvloop
                with suppress(ModuleNotFoundError, OSError):
                    import winreg_ext
                with open("x") as f:
                    import tqdm
                with suppress(KeyError):
                    import not_suppressed
                """)),
            "main.py",
            ["main.py"],
            ["uvloop main.py:4" + Opt, "winreg_ext main.py:6" + Opt, "tqdm main.py:8", "not_suppressed main.py:10"],
            []);

        yield return new(
            "TYPE_CHECKING bodies are ignored; their else branch is normal code",
            Files(("main.py", """
                from typing import TYPE_CHECKING
                import typing
                if TYPE_CHECKING:
                    import pandas
                    from heavy import Thing
                else:
                    import polars
                if typing.TYPE_CHECKING:
                    import mypy_boto3_s3
                if TYPE_CHECKING: import stubs_only
                if not TYPE_CHECKING:
                    import runtime_only
                else:
                    import checker_only
                if TYPE_CHECKING:
                    import importlib
                    importlib.import_module("typed_plugin")
                """)),
            "main.py",
            ["main.py"],
            ["polars main.py:7", "runtime_only main.py:12"],
            []);

        yield return new(
            "imports in every kind of block count",
            Files(("main.py", """
                import a1
                def f():
                    import a2
                class C:
                    import a3
                    def m(self):
                        import a4
                if x:
                    import a5
                elif y:
                    import a6
                else:
                    import a7
                for i in range(3):
                    import a8
                while False:
                    import a9
                with ctx():
                    import a10
                try:
                    import a11
                finally:
                    import a12
                """)),
            "main.py",
            ["main.py"],
            [
                "a1 main.py:1", "a2 main.py:3", "a3 main.py:5", "a4 main.py:7", "a5 main.py:9", "a6 main.py:11",
                "a7 main.py:13", "a8 main.py:15", "a9 main.py:17", "a10 main.py:19", "a11 main.py:21", "a12 main.py:23",
            ],
            []);

        yield return new(
            "one-line compound statements and semicolon-separated statements",
            Files(("main.py", """
                try: import fast_json
                except ImportError: fast_json = None
                if True: import one_liner
                import semi_a; import semi_b; x = 1
                for _ in []: import loop_one
                class K: import in_class
                def g(): import in_def
                with ctx(): import in_with
                while x: import a_; from b_ import c_;
                """)),
            "main.py",
            ["main.py"],
            [
                "fast_json main.py:1" + Opt, "one_liner main.py:3", "semi_a main.py:4", "semi_b main.py:4", "loop_one main.py:5",
                "in_class main.py:6", "in_def main.py:7", "in_with main.py:8", "a_ main.py:9", "b_ main.py:9",
            ],
            []);

        yield return new(
            "parenthesised multi-line from-imports",
            Files(
                ("main.py", """
                    from pkg import (
                        alpha,
                        beta as b,
                        gamma,
                    )
                    from thirdparty import (one,
                        two)
                    """),
                ("pkg/__init__.py", "gamma = 1\n"),
                ("pkg/alpha.py", ""),
                ("pkg/beta/__init__.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/alpha.py", "pkg/beta/__init__.py"],
            ["thirdparty main.py:6"],
            [],
            Chains: new Dictionary<string, string> { ["pkg/beta/__init__.py"] = "main.py:3:5" });

        yield return new(
            "backslash continuations",
            Files(
                ("main.py", "from pkg \\\n    import alpha\nimport numpy, \\\n    scipy\nx = 1 + \\\n    2\nimport \\\n  last\n"),
                ("pkg/__init__.py", ""),
                ("pkg/alpha.py", "")),
            "main.py",
            ["main.py", "pkg/__init__.py", "pkg/alpha.py"],
            ["numpy main.py:3", "scipy main.py:4", "last main.py:8"],
            []);

        yield return new(
            "import a.b as c, d",
            Files(("main.py", "import a.b as c, d\n"), ("a/__init__.py", ""), ("a/b.py", "")),
            "main.py",
            ["a/__init__.py", "a/b.py", "main.py"],
            ["d main.py:1"],
            []);

        yield return new(
            "import inside strings of every prefix is not an import",
            Files(("main.py", """""
                s1 = "import s1"
                s2 = 'import s2'
                s3 = r"import s3" ; s4 = b'import s4'; s5 = u"import s5"; s6 = f"import {s1}"
                s7 = rb"import s7" + Br'import s8' + fR"import s9" + Rf'x' + RB"import x" + bR'x' + U"x" + F'x'
                s10 = """
                import fake_triple
                from fake import thing
                """
                s11 = '''import fake2
                '''
                s12 = "escaped \" import fake3 \" still string"
                s13 = 'it\'s import fake4'
                s14 = r"raw \" import fake5"
                s15 = """ends with an escaped quote \""""
                s16 = "a \
                import fake6"
                import real_one
                """"")),
            "main.py",
            ["main.py"],
            ["real_one main.py:17"],
            []);

        yield return new(
            "comments and docstrings are never imports",
            Files(("main.py", """"
                """Module docstring.

                import not_this
                """
                # import nor_this
                import real  # import not_that
                def f():
                    '''import no
                    from x import y'''
                    return 1
                """")),
            "main.py",
            ["main.py"],
            ["real main.py:6"],
            []);

        yield return new(
            "decorators, async def, async with and match statements",
            Files(("main.py", """
                import functools
                @functools.cache
                def f():
                    import deco_body
                async def g():
                    import async_body
                    async with ctx():
                        import async_with
                match command:
                    case "a":
                        import case_a
                    case {"k": v} if v: import case_inline
                    case _:
                        pass
                match = 3
                match(x)
                import after_match
                """)),
            "main.py",
            ["main.py"],
            ["deco_body main.py:4", "async_body main.py:6", "async_with main.py:8", "case_a main.py:11", "case_inline main.py:12", "after_match main.py:17"],
            []);

        yield return new(
            "lazy import and lazy from are dependencies; lazy as a name is not a keyword",
            Files(("main.py", $"""
                {NewerPython}
                lazy import heavy_lib
                lazy from other_lib import thing
                lazy = 3
                lazy.x = 4
                lazy (1)
                """)),
            "main.py",
            ["main.py"],
            ["heavy_lib main.py:2", "other_lib main.py:3"],
            []);

        yield return new(
            "calls that look like imports but are not",
            Files(("main.py", """
                print("import os")
                import_module = "a"
                print(import_module)
                x.import_module("fake_a")
                self.importlib.import_module("fake_b")
                def import_module(name): return name
                import_module("fake_c")
                """)),
            "main.py",
            ["main.py"],
            [],
            []);

        yield return new(
            "CRLF line endings",
            Files(("main.py", "import crlf_a\r\nif x:\r\n    import crlf_b\r\ns = \"\"\"\r\nimport no\r\n\"\"\"\r\nfrom crlf_c import d\r\n")),
            "main.py",
            ["main.py"],
            ["crlf_a main.py:1", "crlf_b main.py:3", "crlf_c main.py:7"],
            []);

        yield return new(
            "a UTF-8 BOM",
            Files(("main.py", "\uFEFFimport bom_a\nimport bom_b\n")),
            "main.py",
            ["main.py"],
            ["bom_a main.py:1", "bom_b main.py:2"],
            []);

        yield return new(
            "tabs in indentation",
            Files(("main.py", "if x:\n\timport tab_a\n\tif y:\n\t\timport tab_b\n\telse:\n\t\tpass\nimport tab_c\n")),
            "main.py",
            ["main.py"],
            ["tab_a main.py:2", "tab_b main.py:4", "tab_c main.py:7"],
            []);

        yield return new(
            "f-strings with nested fields, format specs and quotes",
            Files(("main.py", """"
                w = 10
                s = f"{w!r:>{w}} {'import no'} {{import no2}}"
                t = f'''{
                    w
                }'''
                u = f"{ {'a': 1}['a'] } {w:{'>'}{w}}"
                import after_fstrings
                """")),
            "main.py",
            ["main.py"],
            ["after_fstrings main.py:7"],
            []);

        yield return new(
            "f-strings nesting the same quotes",
            Files(("main.py", $$""""
                {{NewerPython}}
                d = {"k": 1}
                s = f"{d["k"]} {f"{d["k"]}"} import no"
                import after_nested
                """")),
            "main.py",
            ["main.py"],
            ["after_nested main.py:4"],
            []);

        yield return new(
            "brackets and semicolons inside strings do not end statements",
            Files(("main.py", "x = {\"a;b\": [1, (2, \")\")]}; import after_semi\ny = ('(' ,\n  ']'); import after_multi\n")),
            "main.py",
            ["main.py"],
            ["after_semi main.py:1", "after_multi main.py:3"],
            []);

        yield return new(
            "a dynamic import in a guarded try is optional",
            Files(("main.py", "import importlib\ntry:\n    importlib.import_module(\"optional_plugin\")\nexcept ImportError:\n    pass\n")),
            "main.py",
            ["main.py"],
            ["optional_plugin main.py:3" + Opt],
            []);

        yield return new(
            "a standard-library name wins over a local file of the same name",
            Files(("main.py", "import logging\nimport json.decoder\n"), ("logging.py", "import never\n"), ("json/__init__.py", "")),
            "main.py",
            ["main.py"],
            [],
            []);

        yield return new(
            "a file reachable through two import roots is one closure file",
            Files(("main_pc_code/app.py", "import main_pc_code.utils\nimport utils\n"), ("main_pc_code/utils.py", "import requests\n")),
            "main_pc_code/app.py",
            ["main_pc_code/app.py", "main_pc_code/utils.py"],
            ["requests main_pc_code/utils.py:1"],
            [],
            Roots: [".", "main_pc_code"],
            Chains: new Dictionary<string, string> { ["main_pc_code/utils.py"] = "main_pc_code/app.py:1:8" });

        yield return new(
            "import cycles end, and chains are shortest",
            Files(("main.py", "import a\nimport c\n"), ("a.py", "import b\nimport main\n"), ("b.py", "import c\nimport a\n"), ("c.py", "import b\n")),
            "main.py",
            ["a.py", "b.py", "c.py", "main.py"],
            [],
            [],
            Chains: new Dictionary<string, string> { ["a.py"] = "main.py:1:8", ["c.py"] = "main.py:2:8", ["b.py"] = "main.py:1:8 > a.py:1:8" });

        yield return new(
            "a missing entrypoint is unresolved, not an exception",
            Files(("other.py", "")),
            "nope/main.py",
            [],
            [],
            ["nope/main.py nope/main.py:1: the entrypoint does not exist"]);

        yield return new(
            "a syntax error in an imported file is reported; the imports before it are kept",
            Files(("main.py", "import broken\n"), ("broken.py", "import before\nx = (1,\nimport after\n")),
            "main.py",
            ["broken.py", "main.py"],
            ["before broken.py:1"],
            [],
            Errors: ["broken.py:2:5 '(' was never closed"]);

        yield return new(
            "a file that is not UTF-8 is a syntax error at the byte's line",
            Files(("main.py", "import bad\n")),
            "main.py",
            ["bad.py", "main.py"],
            [],
            [],
            Errors: ["bad.py:2:6 the file is not valid UTF-8 (byte 0xFF)"],
            Setup: tree => File.WriteAllBytes(Path.Combine(tree.Root, "bad.py"), [.. Encoding.UTF8.GetBytes("import ok\nx = '"), 0xFF, .. "'\n"u8]));

        yield return new(
            "a module that resolves through a symlink out of the source root is unresolved",
            Files(
                ("main.py", "import linked\nimport linkdir.mod\nfrom pkg import inner\nimport alias\n"),
                ("pkg/__init__.py", ""),
                ("real.py", "")),
            "main.py",
            ["alias.py", "main.py", "pkg/__init__.py"],
            [],
            [
                "linked main.py:1: linked.py leads outside source_root",
                "linkdir.mod main.py:2: linkdir leads outside source_root",
                "pkg.inner main.py:3: pkg/inner.py leads outside source_root",
            ],
            Setup: tree =>
            {
                File.WriteAllText(Path.Combine(tree.Outside, "ext.py"), "import secret\n");
                Directory.CreateDirectory(Path.Combine(tree.Outside, "dir"));
                File.WriteAllText(Path.Combine(tree.Outside, "dir", "__init__.py"), "");
                File.WriteAllText(Path.Combine(tree.Outside, "dir", "mod.py"), "");
                File.CreateSymbolicLink(Path.Combine(tree.Root, "linked.py"), Path.Combine(tree.Outside, "ext.py"));
                Directory.CreateSymbolicLink(Path.Combine(tree.Root, "linkdir"), Path.Combine(tree.Outside, "dir"));
                File.CreateSymbolicLink(Path.Combine(tree.Root, "pkg", "inner.py"), "../../outside/ext.py");
                File.CreateSymbolicLink(Path.Combine(tree.Root, "alias.py"), "real.py");
            });
    }

    /// <summary>Every source text of the cases, for the cross-check against Python's own parser.</summary>
    public static IEnumerable<(string Name, string Text)> Sources() =>
        All().SelectMany(c => c.Files.Where(f => f.Key.EndsWith(".py", StringComparison.Ordinal)).Select(f => ($"{c.Name}: {f.Key}", f.Value)));

    private static Dictionary<string, string> Files(params (string Path, string Text)[] files) =>
        files.ToDictionary(f => f.Path, f => f.Text.EndsWith('\n') || f.Text.Length == 0 ? f.Text : f.Text + "\n", StringComparer.Ordinal);
}
