"""Unit tests of naming.py: the program's names for the objects it makes, and each child's names.

The "family" that asks for a name is compiled as generated code (`<fake-family>`), which the
runtime never counts as the user's: the name comes from the test's own lines, as it would from a
program's.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python"))

from ipcviz_runtime import naming  # noqa: E402

make = eval(compile("lambda kind, n=1: naming.name(kind, n)", "<fake-family>", "eval"), {"naming": naming})


class Holder:
    def __init__(self):
        self.jobs = make("Queue")
        self.table = {}
        self.table["x"] = make("Queue")


def takes(**kw):
    return kw


def forks_twice():
    forks = [make("Lock") for _ in range(3)]
    return forks


def forks_in_a_loop(rounds):
    out = []
    for _r in range(rounds):
        forks = [make("Lock") for _ in range(3)]
        out.append(forks)
    return out


def pipes_and_sets_in_a_loop():
    out = []
    for _r in range(2):
        ends = [make("Pipe", 2) for _ in range(2)]
        s = {make("Event") for _ in range(1)}
        d = {k: make("Queue") for k in ("a", "b")}
        g = list(make("Lock") for _ in range(2))
        out.append((ends, s, d, g))
    return out


def appends_in_rounds():
    out = []
    for _r in range(2):
        locks = []
        for _ in range(2):
            locks.append(make("Lock"))
        out.append(locks)
    return out


class Obj:
    def __init__(self, i):
        self.i = i


class NamesAtCreationTest(unittest.TestCase):
    def test_plain_assignment(self):
        q = make("Queue")
        self.assertEqual(q, "q")
        jobs: str = make("Queue")
        self.assertEqual(jobs, "jobs")

    def test_tuple_unpacking_of_a_pipe(self):
        a, b = make("Pipe", 2)
        self.assertEqual([a, b], ["a", "b"])
        p = make("Pipe", 2)
        self.assertEqual(p, ["p[0]", "p[1]"])

    def test_tuple_of_creations(self):
        q1, q2 = make("Queue"), make("Queue")
        self.assertEqual((q1, q2), ("q1", "q2"))
        qs = [make("Queue"), make("Queue")]
        self.assertEqual(qs, ["qs[0]", "qs[1]"])

    def test_attribute_and_subscript(self):
        h = Holder()
        self.assertEqual(h.jobs, "self.jobs")
        self.assertEqual(h.table["x"], "self.table['x']")

    def test_comprehension_by_creation_order(self):
        forks = [make("Lock") for _ in range(3)]
        self.assertEqual(forks, ["forks[0]", "forks[1]", "forks[2]"])

    def test_comprehension_runs_count_from_zero(self):
        a = forks_twice()
        b = forks_twice()
        self.assertEqual(a, b)

    def test_comprehension_in_a_loop_restarts_each_evaluation(self):
        self.assertEqual(forks_in_a_loop(3), [["forks[0]", "forks[1]", "forks[2]"]] * 3)
        self.assertEqual(forks_in_a_loop(2), [["forks[0]", "forks[1]", "forks[2]"]] * 2)

    def test_every_comprehension_form_in_a_loop(self):
        for ends, s, d, g in pipes_and_sets_in_a_loop():
            self.assertEqual(ends, [["ends[0][0]", "ends[0][1]"], ["ends[1][0]", "ends[1][1]"]])
            self.assertEqual(s, {"s[0]"})
            self.assertEqual(d, {"a": "d['a']", "b": "d['b']"})
            self.assertEqual(g, ["g[0]", "g[1]"])

    def test_comprehension_that_raised_does_not_shift_the_next(self):
        def boom(i):
            if i == 1:
                raise ValueError
            return make("Lock")

        for _r in range(2):
            try:
                _ = [boom(i) for i in range(3)]
            except ValueError:
                pass
        x = forks_twice()
        self.assertEqual(x, ["forks[0]", "forks[1]", "forks[2]"])

    def test_append_names_by_length(self):
        self.assertEqual(appends_in_rounds(), [["locks[0]", "locks[1]"]] * 2)
        self.items = [None]
        self.items.append(make("Queue"))
        self.assertEqual(self.items[1], "self.items[1]")

    def test_dict_comprehension_by_key(self):
        qs = {n: make("Queue") for n in ("in", "out")}
        self.assertEqual(qs, {"in": "qs['in']", "out": "qs['out']"})

    def test_append_in_a_loop(self):
        locks = []
        for _ in range(2):
            locks.append(make("Lock"))
        self.assertEqual(locks, ["locks[0]", "locks[1]"])

    def test_dict_entry_and_keyword(self):
        d = {"jobs": make("Queue")}
        self.assertEqual(d, {"jobs": "d['jobs']"})
        self.assertEqual(takes(results=make("Queue")), {"results": "results"})
        self.assertEqual(takes(kwargs={"done": make("Event")}), {"kwargs": {"done": "done"}})

    def test_conditional_and_walrus(self):
        x = make("Queue") if True else None
        self.assertEqual(x, "x")
        if (w := make("Queue")) is not None:
            self.assertEqual(w, "w")

    def test_with_as(self):
        class Ctx:
            def __init__(self):
                self.n = make("Manager")

            def __enter__(self):
                return self.n

            def __exit__(self, *a):
                return False

        with Ctx() as m:
            self.assertEqual(m, "self.n")

    def test_fallback_names_the_kind_count_and_line(self):
        line = sys._getframe().f_lineno + 1
        got = print_and_return(make("Barrier"))
        self.assertRegex(got, r"^Barrier #\d+ \(line %d\)$" % line)

    def test_unreadable_source_falls_back(self):
        code = compile("x = make('Queue')\n", "/nonexistent/dir/prog.py", "exec")
        g = {"make": make}
        exec(code, g)
        self.assertRegex(g["x"], r"^Queue #\d+ \(line 1\)$")


def print_and_return(x):
    return x


class FakeQueue:
    def __init__(self, i):
        self.i = i


naming.register(FakeQueue, lambda q: "FQ%d" % q.i)


def philosopher(i, left, right, *rest, seated=None):
    pass


class FakeProcess:
    def __init__(self, target, args=(), kwargs=None):
        self._target = target
        self._args = args
        self._kwargs = kwargs or {}


class NamesPerProcessTest(unittest.TestCase):
    def test_target_parameters(self):
        forks = [FakeQueue(0), FakeQueue(1)]
        p = FakeProcess(philosopher, (0, forks[0], forks[1], FakeQueue(7)), {"seated": FakeQueue(9)})
        self.assertEqual(naming.process_names(p), {"FQ0": "left", "FQ1": "right", "FQ7": "rest[0]", "FQ9": "seated"})

    def test_containers_and_subclass_attributes(self):
        p = FakeProcess(philosopher, (0, [FakeQueue(1), FakeQueue(2)], {"k": FakeQueue(3)}))
        setattr(p, "inbox", FakeQueue(4))  # a Process subclass's attribute
        self.assertEqual(naming.process_names(p), {"FQ1": "left[0]", "FQ2": "left[1]", "FQ3": "right['k']", "FQ4": "self.inbox"})

    def test_child_fields_carry_the_target(self):
        p = FakeProcess(philosopher, (0, FakeQueue(5), None))
        f = naming.child_fields(p)
        self.assertEqual(f["names"], {"FQ5": "left"})
        self.assertTrue(f["target"].endswith(".philosopher"))

    def test_pool_task_fields(self):
        def mapstar(args):
            pass

        def work(q):
            pass

        e = naming.task_fields({}, mapstar, (work, [FakeQueue(1), 3]), None)
        self.assertEqual(e, {"names": {"FQ1": "q"}})
        self.assertEqual(naming.task_fields({}, work, (FakeQueue(2),), {}), {"names": {"FQ2": "q"}})
        self.assertEqual(naming.task_fields({}, work, (5,), {}), {})

    def test_never_raises(self):
        class Bad:
            @property
            def _target(self):
                raise RuntimeError("no")

        self.assertEqual(naming.process_names(Bad()), {})
        self.assertEqual(naming.call_names(len, (FakeQueue(1),), None), {"FQ1": "args[0]"})


class NamesSwitchedOffTest(unittest.TestCase):
    """IPCVIZ_NAMES=0 (what `npm run bench` compares against): fallback names only, no per-process or task names."""

    def test_off_reads_no_source(self):
        import subprocess

        prog = (
            "import sys; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import naming\n"
            "make = eval(compile('lambda k: naming.name(k)', '<fake-family>', 'eval'), {'naming': naming})\n"
            "class Obj: pass\n"
            "naming.register(Obj, lambda o: 'OBJ')\n"
            "def target(q): pass\n"
            "q = make('Queue')\n"
            "print(q, naming.call_names(target, (Obj(),), None), naming.task_fields({}, target, (Obj(),), None))\n"
        ) % os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python")
        import tempfile

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "prog.py")
            with open(path, "w") as f:
                f.write(prog)
            for value, want in (("0", "Queue #1 (line 7) {} {}"), ("1", "q {'OBJ': 'q'} {'names': {'OBJ': 'q'}}")):
                env = dict(os.environ, IPCVIZ_NAMES=value)
                out = subprocess.run([sys.executable, path], env=env, capture_output=True, text=True, timeout=60)
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertEqual(out.stdout.strip(), want, "IPCVIZ_NAMES=%s" % value)


if __name__ == "__main__":
    unittest.main()
