"""The shape of the Python runtime package (stdlib unittest: runs on every Python present).

Its modules import each other without a cycle, the leaves that every hook uses import no family
module, every family module has install() and reset_after_fork() and is installed from one place
(`ipcviz_runtime.FAMILIES`), and every source file is one whose frames the runtime hides.
"""
import ast
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python")
PACKAGE = os.path.join(RUNTIME, "ipcviz_runtime")
sys.path.insert(0, RUNTIME)

import ipcviz_runtime  # noqa: E402
from ipcviz_runtime import frames  # noqa: E402

INIT = "__init__"
# What every hook needs; each may import only the leaves listed with it.
LEAVES = {"core": set(), "frames": set(), "callsite": {"core"}, "nowait": {"core"}, "naming": {"core", "callsite"}, "peers": {"core", "waits"}}


def module_names():
    return sorted(n[:-3] for n in os.listdir(PACKAGE) if n.endswith(".py"))


def imports_of(path, modules):
    """The package modules that the module at path imports anywhere in its source (also inside functions)."""
    name = os.path.basename(path)[:-3]
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    out = set()

    def target(dotted):
        """A module of the package named by a path relative to it ("" is the package itself)."""
        first = dotted.split(".")[0] if dotted else ""
        return first if first in modules else INIT

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "ipcviz_runtime" or alias.name.startswith("ipcviz_runtime."):
                    out.add(target(alias.name[len("ipcviz_runtime.") :] if "." in alias.name else ""))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                mod = node.module or ""
                if mod != "ipcviz_runtime" and not mod.startswith("ipcviz_runtime."):
                    continue
                rel = mod[len("ipcviz_runtime.") :] if "." in mod else ""
            elif node.level == 1:
                rel = node.module or ""
            else:
                continue  # beyond the package
            if rel:
                out.add(target(rel))
            else:  # from . import a, b: submodules, or names of the package's __init__
                for alias in node.names:
                    out.add(alias.name if alias.name in modules else INIT)
    out.discard(name)
    return out


def find_cycle(graph):
    """One import cycle as a list of modules, or None."""
    state = {}  # module -> 1 visiting, 2 done
    stack = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


class ImportGraphTest(unittest.TestCase):
    def setUp(self):
        modules = set(module_names())
        self.graph = {m: imports_of(os.path.join(PACKAGE, m + ".py"), modules) for m in modules}

    def test_has_no_cycle(self):
        self.assertIsNone(find_cycle(self.graph), "import cycle in runtime/python/ipcviz_runtime")

    def test_the_cycle_finder_finds_cycles(self):
        self.assertEqual(find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])
        self.assertIsNone(find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}))

    def test_relative_and_absolute_imports_are_edges(self):
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.py")
            with open(path, "w") as f:
                f.write("from . import core, install\nfrom .nowait import read\n\ndef f():\n    import ipcviz_runtime.sync as s\n")
            got = imports_of(path, {"x", "core", "nowait", "sync", INIT})
        self.assertEqual(got, {"core", INIT, "nowait", "sync"})

    def test_leaves_import_only_leaves(self):
        for leaf, allowed in LEAVES.items():
            self.assertLessEqual(self.graph[leaf], allowed, "%s.py imports %s" % (leaf, sorted(self.graph[leaf] - allowed)))

    def test_nothing_imports_the_package_init(self):
        for m, deps in self.graph.items():
            self.assertNotIn(INIT, deps, "%s.py imports from the package's __init__" % m)


class FamiliesTest(unittest.TestCase):
    def test_every_module_with_an_install_is_installed_from_init(self):
        names = set(ipcviz_runtime.FAMILIES)
        for name in module_names():
            if name == INIT:
                continue
            mod = __import__("ipcviz_runtime." + name, fromlist=["_"])
            if hasattr(mod, "install"):
                self.assertIn(name, names, "%s.py has install() but is not in FAMILIES" % name)

    def test_every_family_installs_and_resets(self):
        for name in ipcviz_runtime.FAMILIES:
            fam = __import__("ipcviz_runtime." + name, fromlist=["_"])
            self.assertTrue(callable(getattr(fam, "install", None)), name)
            self.assertTrue(callable(getattr(fam, "reset_after_fork", None)), name)

    def test_late_families_are_imported_only_by_what_they_hook(self):
        """A process that never imports what a LATE family hooks never loads that family's module;
        importing it loads and installs the family (in a fresh interpreter, no run: nothing is sent)."""
        import subprocess

        code = (
            "import sys\n"
            "sys.path.insert(0, %r)\n"
            "import ipcviz_runtime\n"
            "ipcviz_runtime.install()\n"
            "late = ['ipcviz_runtime.' + n for n in ipcviz_runtime.LATE]\n"
            "print(sorted(m for m in late if m in sys.modules))\n"
            "import multiprocessing.managers, multiprocessing.sharedctypes\n"
            "print(sorted(m.rsplit('.', 1)[1] for m in late if m in sys.modules))\n"
            "print(getattr(multiprocessing.managers.Server.serve_client, '__module__', None))\n"
            "import concurrent.futures.process\n"
            "concurrent.futures.process.ProcessPoolExecutor(1)\n"  # makes its call queue (starts no process)
            "print('ipcviz_runtime.executors' in sys.modules)\n"
        ) % RUNTIME
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "[]", "LATE families imported at install")
        self.assertEqual(lines[1], "['managers', 'sharedmem', 'values']")
        self.assertEqual(lines[2], "ipcviz_runtime.managers", "multiprocessing.managers imported but not hooked")
        self.assertEqual(lines[3], "True", "an executor's call queue did not load the executors family")

    def test_every_source_file_is_hidden_from_tracebacks(self):
        for name in module_names():
            self.assertIn(os.path.join(PACKAGE, name + ".py"), frames.OWN_FILES)


if __name__ == "__main__":
    unittest.main()
