"""Unit tests of the Python runtime's pure parts (stdlib unittest: runs on every Python present).

Run: python -m unittest discover -s test/python  (the node suite test/runtime/pythonUnittest.test.ts
runs it on each Python 3.9-3.13 found).
"""
import json
import marshal
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python")
BOOT = os.path.join(RUNTIME, "boot")
sys.path.insert(0, RUNTIME)
os.environ.setdefault("IPCVIZ_PREVIEW", "80")

from ipcviz_runtime import callsite, core  # noqa: E402


def run_without_collector(code):
    """Run code in a fresh interpreter whose runtime has no collector to reach."""
    env = dict(os.environ, IPCVIZ_SOCK=os.path.join(tempfile.gettempdir(), "ipcviz-no-such-socket"))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


class Boom:
    def __repr__(self):
        raise RuntimeError("no repr for you")


class BaseBoom:
    def __repr__(self):
        raise KeyboardInterrupt


class PreviewTest(unittest.TestCase):
    def test_simple_values(self):
        self.assertEqual(core.preview(5), "5")
        self.assertEqual(core.preview("zty"), "'zty'")
        self.assertEqual(core.preview(None), "None")
        self.assertEqual(core.preview([5, 1, 2]), "[5, 1, 2]")
        self.assertEqual(core.preview("处理"), "'处理'")

    def test_repr_that_raises(self):
        self.assertIn("repr raised RuntimeError", core.preview(Boom()))
        self.assertIn("Boom", core.preview([Boom()]))
        self.assertIn("repr raised KeyboardInterrupt", core.preview(BaseBoom()))

    def test_huge_bytes_is_fast_and_short(self):
        big = b"x" * (5 * 1024 * 1024)
        t0 = time.perf_counter()
        p = core.preview(big)
        self.assertLess(time.perf_counter() - t0, 0.05)
        self.assertLess(len(p), 200)
        self.assertIn("5242880 bytes", p)

    def test_huge_str_and_int(self):
        self.assertIn("chars", core.preview("a" * 100000))
        self.assertLess(len(core.preview(10 ** 5000)), 200)

    def test_deep_nesting(self):
        x = []
        for _ in range(200):
            x = [x]
        p = core.preview(x)
        self.assertLess(len(p), 200)
        self.assertIn("...", p)

    def test_large_containers(self):
        p = core.preview(list(range(100000)))
        self.assertLess(len(p), 200)
        p = core.preview({i: "v" * 1000 for i in range(1000)})
        self.assertLess(len(p), 200)

    def test_does_not_keep_the_object(self):
        import gc
        import weakref

        class Payload:
            pass

        obj = Payload()
        ref = weakref.ref(obj)
        core.preview(obj)
        del obj
        gc.collect()
        self.assertIsNone(ref())


class StructurePreviewTest(unittest.TestCase):
    def test_structure_shows_its_fields(self):
        import ctypes

        class Point(ctypes.Structure):
            _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_double)]

        self.assertEqual(core.preview(Point(1, 2.5)), "Point(x=1, y=2.5)")
        self.assertEqual(core.preview([Point(1, 2), Point(3, 4)]), "[Point(x=1, y=2.0), Point(x=3, y=4.0)]")


class WhenImportedTest(unittest.TestCase):
    def test_runs_after_the_module_is_imported_and_leaves_meta_path(self):
        code = (
            "import sys; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import core\n"
            "seen = []\n"
            "core.when_imported('colorsys', lambda: seen.append(sys.modules['colorsys'].rgb_to_hsv))\n"
            "assert not seen and core._finder in sys.meta_path\n"
            "import colorsys\n"
            "assert seen == [colorsys.rgb_to_hsv], seen\n"
            "assert core._finder not in sys.meta_path\n"
            "core.when_imported('colorsys', lambda: seen.append(1))\n"
            "assert seen[-1] == 1\n"
            "print('ok')\n" % RUNTIME
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.stdout.strip(), "ok", r.stderr)


class SleepFlushTest(unittest.TestCase):
    """How a sleeping process's buffer is sent (core.install_sleep_flush): the quiet-batch thread,
    never visible to `threading`; on 3.11+ an audit hook instead under a debugger, with no thread."""

    HAS_EVENT = sys.version_info >= (3, 11)

    def run_py(self, env_extra, body, before=""):
        code = (
            "import sys, threading, time, types; sys.path.insert(0, %r)\n" % RUNTIME
            + before
            + "from ipcviz_runtime import core\ncore.install_sleep_flush()\n"
            + body
        )
        env = dict(os.environ)
        env.pop("IPCVIZ_DEBUG_WAKE", None)
        env["IPCVIZ_SOCK"] = os.path.join(tempfile.gettempdir(), "ipcviz-no-such-socket")
        env.update(env_extra)
        r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split()

    # audit hook installed, quiet thread running, threading's counts
    STATE = "print(core._audit_installed, core._quiet_thread == core.pid, threading.active_count(), len(threading.enumerate()))\n"
    THREAD = ["False", "True", "1", "1"]
    HOOK = ["True", "False", "1", "1"]

    def test_a_plain_run_has_the_thread_and_no_audit_hook(self):
        self.assertEqual(self.run_py({}, self.STATE), self.THREAD)

    def test_a_debug_run_has_no_thread_on_3_11_plus(self):
        self.assertEqual(self.run_py({"IPCVIZ_DEBUG_WAKE": "SIGURG"}, self.STATE), self.HOOK if self.HAS_EVENT else self.THREAD)

    def test_a_debugger_loaded_first_means_no_thread_on_3_11_plus(self):
        before = "sys.modules['pydevd'] = types.ModuleType('pydevd')\n"
        self.assertEqual(self.run_py({}, self.STATE, before), self.HOOK if self.HAS_EVENT else self.THREAD)

    def test_a_debugger_loaded_later_ends_the_thread_on_3_11_plus(self):
        body = (
            "sys.modules['debugpy'] = types.ModuleType('debugpy')\n"
            "deadline = time.monotonic() + 20\n"  # a budget only a defect exceeds (the thread wakes every 50 ms)
            "while core._quiet_thread == core.pid and time.monotonic() < deadline:\n"
            "    time.sleep(0.01)\n" + self.STATE
        )
        if self.HAS_EVENT:
            self.assertEqual(self.run_py({}, body), self.HOOK)


class ThreadMaskTest(unittest.TestCase):
    """With the runtime's SIGTERM handler in place, threading's threads are born with SIGTERM blocked
    (so the main thread receives it), and the starting thread's mask is as it was; without the
    handler, nothing changes."""

    CODE = (
        "import signal, sys, threading; sys.path.insert(0, %r)\n"
        "from ipcviz_runtime import core, process\n"
        "process._install_thread_mask()\n"
        "if sys.argv[1] == 'handler': signal.signal(signal.SIGTERM, core.on_sigterm)\n"
        "out = []\n"
        "t = threading.Thread(target=lambda: out.append(signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])))\n"
        "t.start(); t.join()\n"
        "print(out[0], signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, []))\n"
    )

    def run_py(self, mode):
        r = subprocess.run([sys.executable, "-c", self.CODE % RUNTIME, mode], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.split()

    def test_with_the_handler_a_new_thread_blocks_sigterm(self):
        self.assertEqual(self.run_py("handler"), ["True", "False"])

    def test_without_the_handler_nothing_changes(self):
        self.assertEqual(self.run_py("default"), ["False", "False"])


class SigtermWakeupTest(unittest.TestCase):
    """A SIGTERM whose C handler ran in another thread, while the main thread sleeps, still ends the
    process at once (the quiet-batch thread reads the wakeup descriptor and gives it to the main
    thread); a program's own wakeup descriptor is left to it."""

    def run_py(self, body, timeout=60):
        code = (
            "import os, signal, sys, threading, time; sys.path.insert(0, %r)\n" % RUNTIME
            + "from ipcviz_runtime import core\ncore.install_sleep_flush(); core.install_sigterm()\n"
            + body
        )
        env = dict(os.environ)
        env.pop("IPCVIZ_DEBUG_WAKE", None)
        env["IPCVIZ_SOCK"] = os.path.join(tempfile.gettempdir(), "ipcviz-no-such-socket")
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout)

    def test_a_sigterm_taken_by_another_thread_ends_a_sleeping_process(self):
        # The other thread signals itself: CPython's C handler runs there, the main thread's sleep
        # sees no EINTR. Plain CPython would sleep the full 600 s (the budget of 60 s is a defect's).
        body = (
            "print(core._wake_w >= 512, flush=True)\n"
            "t = threading.Thread(target=lambda: (time.sleep(0.2), signal.pthread_kill(threading.get_ident(), signal.SIGTERM)))\n"
            "t.start()\n"
            "time.sleep(600)\n"
            "print('slept')\n"
        )
        r = self.run_py(body)
        self.assertEqual((r.returncode, r.stdout.split()), (-15, ["True"]), r.stderr)

    def test_a_second_sigterm_inside_the_handler_leaves_it_to_finish(self):
        # The quiet-batch thread gives a SIGTERM again when it read the first before the handler
        # began; the main thread may handle it between two bytecodes of the running handler. Here
        # it comes while the handler records process.exit: the buffer must be sent with the exit
        # in it, once, and the process ended once (before, the inner call sent it without the exit).
        body = (
            "log = []\n"
            "orig_ev = core.ev\n"
            "def ev(kind, *a):\n"
            "    if kind == 'process.exit': core.on_sigterm(signal.SIGTERM, None)\n"
            "    r = orig_ev(kind, *a)\n"
            "    log.append(kind)\n"
            "    return r\n"
            "core.ev = ev\n"
            "core.flush = lambda: log.append('flush')\n"
            "core._die_by_sigterm = lambda: log.append('die')\n"
            "core.on_sigterm(signal.SIGTERM, None)\n"
            "print(log.count('die'), log.index('process.exit') < log.index('die'), log[-2:] == ['flush', 'die'], log)\n"
        )
        r = self.run_py(body)
        self.assertEqual((r.returncode, r.stdout.split()[:3]), (0, ["1", "True", "True"]), r.stdout + r.stderr)

    def test_a_programs_own_wakeup_fd_is_its_own(self):
        body = (
            "r, w = os.pipe(); os.set_blocking(w, False)\n"
            "ours = core._wake_w\n"
            "a = signal.set_wakeup_fd(w)\n"  # plain: -1 (none was set)
            "b = signal.set_wakeup_fd(-1)\n"  # plain: w
            "c = core._orig_set_wakeup_fd(ours)\n"  # the runtime's came back when the program cleared its own
            "print(a, b == w, c == ours, signal.set_wakeup_fd.__name__)\n"
            "core.uninstall_sigterm()\n"
            "print(core._orig_set_wakeup_fd(-1), core._wake_w)\n"
        )
        r = self.run_py(body)
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["-1", "True", "True", "set_wakeup_fd", "-1", "-1"]), r.stderr)


class ThreadStartTest(unittest.TestCase):
    """The runtime's own threads are running before the interpreter may finalize: a thread first
    scheduled after that aborts some CPython builds (core.wait_threads_started, from at_exit)."""

    def test_exit_waits_for_a_thread_not_yet_running(self):
        code = (
            "import sys, threading, time, _thread; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import core, process\n"
            "held = []\n"
            "ran = []\n"
            "core.start_quiet_thread(lambda fn, a: held.append((fn, a)) or 1, lambda: ran.append(time.monotonic()), ())\n"
            "t0 = time.monotonic()\n"
            "threading.Timer(0.3, lambda: _thread.start_new_thread(*held[0])).start()\n"  # scheduled late
            "process.at_exit()\n"
            "print(len(ran), ran and ran[0] - t0 >= 0.25, core._unstarted)\n"
            "core.wait_threads_started()\n"  # nothing left: returns at once
            "try:\n"
            "    core.start_quiet_thread(lambda fn, a: 1 / 0, lambda: None, ())\n"
            "except ZeroDivisionError:\n"
            "    print('raised', core._unstarted)\n" % RUNTIME
        )
        r = run_without_collector(code)
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["1", "True", "[]", "raised", "[]"]), r.stderr)


class StacksRequestTest(unittest.TestCase):
    """The helper thread reads the collector's request line without importing json."""

    def test_the_collectors_form_and_others(self):
        from ipcviz_runtime import stacks

        self.assertEqual(stacks.parse_request(b'{"stacks":7,"pids":[1,22,333]}\n'), (7, {1, 22, 333}))
        self.assertEqual(stacks.parse_request(b'{"stacks":8,"pids":[]}'), (8, set()))
        self.assertEqual(stacks.parse_request(b'{"stacks":9}'), (9, None))
        self.assertEqual(stacks.parse_request(b'{"stacks": 10, "pids": [4, 5]}'), (10, {4, 5}))  # json's way
        with self.assertRaises(ValueError):
            stacks.parse_request(b"not a request")

    def test_the_collectors_form_needs_no_import(self):
        code = (
            "import sys; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import stacks\n"
            "sys.modules.pop('json', None)\n"
            "stacks.parse_request(b'{\"stacks\":1,\"pids\":[2]}')\n"
            "print('json' in sys.modules)\n" % RUNTIME
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["False"]), r.stderr)

    def test_a_snapshot_keeps_no_frame_alive(self):
        # A thread's frame holds a BytesIO and a memoryview of it while the snapshot is taken, then
        # returns. The snapshot must leave nothing for the collector: a frame it kept in a cycle
        # would own those locals, and 3.12.1's collector crashes freeing them (CPython gh-111049).
        code = (
            "import gc, io, sys, threading; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import stacks\n"
            "def work(go):\n"
            "    f = io.BytesIO(b'abc'); buf = f.getbuffer()\n"
            "    go.wait()\n"
            "go = threading.Event(); t = threading.Thread(target=work, args=(go,)); t.start()\n"
            "gc.collect(); gc.disable()\n"
            "stacks._look(threading.get_ident())\n"
            "stacks.answer('r1')\n"
            "go.set(); t.join()\n"
            "gc.set_debug(gc.DEBUG_SAVEALL); gc.collect(); gc.set_debug(0)\n"
            "print(sorted(set(type(o).__name__ for o in gc.garbage)) or 'none')\n"
            "gc.garbage.clear(); gc.enable(); gc.collect()\n" % RUNTIME
        )
        r = run_without_collector(code)
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["none"]), r.stderr)

    def test_a_function_that_returns_during_a_snapshot_frees_its_locals_at_once(self):
        # The snapshot looks twice, a gap apart; a frame it held over the gap would own the locals
        # of a function that returns meanwhile, and keep them alive (a Pool, seen as alive by a
        # weakref, in ci23). The gap is made long here; the thread returns inside it.
        code = (
            "import sys, threading, time, weakref; sys.path.insert(0, %r)\n"
            "from ipcviz_runtime import stacks\n"
            "stacks.SAMPLE_GAP_S = 2.0\n"
            "class Obj: pass\n"
            "refs = []\n"
            "def work(go):\n"
            "    obj = Obj(); refs.append(weakref.ref(obj))\n"
            "    go.wait()\n"
            "go = threading.Event(); t = threading.Thread(target=work, args=(go,)); t.start()\n"
            "while not refs: time.sleep(0.01)\n"
            "time.sleep(0.1)\n"
            "snap = threading.Thread(target=stacks.answer, args=('r1',)); snap.start()\n"
            "time.sleep(0.5)  # the first look is taken; the gap goes on\n"
            "go.set(); t.join()\n"
            "print('alive' if refs[0]() is not None else 'freed', snap.is_alive())\n"
            "snap.join()\n" % RUNTIME
        )
        r = run_without_collector(code)
        self.assertEqual((r.returncode, r.stdout.split()), (0, ["freed", "True"]), r.stderr)


class EncodeTest(unittest.TestCase):
    def test_binary_batch_round_trip(self):
        data = core.encode_batch(7, [(1, "/x.py", 3, "f")], [(10, 1, "queue.put", "Q1", "1.1", 1, {"preview": "5\n"})])
        header, _, body = data.partition(b"\n")
        self.assertTrue(header.startswith(b"B"))
        self.assertEqual(int(header[1:]), len(body))
        seq0, sites, recs = marshal.loads(body)
        self.assertEqual(seq0, 7)
        self.assertEqual(sites, [(1, "/x.py", 3, "f")])
        self.assertEqual(recs[0][2], "queue.put")

    def test_unmarshallable_falls_back_to_json(self):
        line = core.encode_batch(0, [], [(10, 1, "proxy.op", "M1", None, None, {"weird": object()})])
        self.assertFalse(line.startswith(b"B"))
        recs = json.loads(line)
        self.assertEqual(recs[0][0], 0)
        self.assertEqual(recs[0][3], "proxy.op")
        self.assertIsInstance(recs[0][7]["weird"], str)


def _call_here(cache):
    return callsite.site_miss(sys._getframe(1), cache)


class SiteCacheTest(unittest.TestCase):
    """The one-entry call-site cache of a hook (callsite.site_cache / callsite.site_miss)."""

    def test_caches_the_caller_and_gives_the_same_site(self):
        cache = callsite.site_cache()
        s1 = _call_here(cache)  # this test file is user code
        self.assertIsInstance(s1, int)
        code, lasti, site = cache[0]
        self.assertIs(code, sys._getframe().f_code)
        self.assertEqual(site, s1)
        self.assertEqual(callsite._sites[(id(code), lasti)], s1)

    def test_library_callers_are_cached_as_none(self):
        import multiprocessing.util as util

        cache = callsite.site_cache()
        frame = type("F", (), {"f_code": util.get_logger.__code__, "f_lasti": 0, "f_back": None})()
        self.assertIsNone(callsite.site_miss(frame, cache))
        self.assertIs(cache[0][0], util.get_logger.__code__)
        self.assertIsNone(cache[0][2])

    def test_emptied_in_a_fork_child(self):
        cache = callsite.site_cache()
        _call_here(cache)
        self.assertIsNot(cache[0], callsite.NO_SITE)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: what reset_after_fork leaves
            try:
                core.reset_after_fork()
                callsite.reset_after_fork()
                ok = cache[0] is callsite.NO_SITE and not callsite._sites and not core._buf
                os.write(w, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(w)
        got = os.read(r, 1)
        os.close(r)
        os.waitpid(pid, 0)
        self.assertEqual(got, b"1")


class BootTest(unittest.TestCase):
    """The bootstrap chains to the next sitecustomize and never breaks a program."""

    def run_py(self, env_extra, code="print('ran')"):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "sitecustomize.py"), "w") as f:
            f.write("import sys\nsys.stderr.write('user sitecustomize ran\\n')\n")
        env = dict(os.environ)
        env.pop("IPCVIZ_SOCK", None)
        env["PYTHONPATH"] = BOOT + os.pathsep + d
        env.update(env_extra)
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)

    def test_chains_without_a_run(self):
        r = self.run_py({})
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "ran\n")
        self.assertEqual(r.stderr, "user sitecustomize ran\n")

    def test_chains_with_an_unreachable_collector(self):
        r = self.run_py({"IPCVIZ_SOCK": "/nonexistent/sock", "IPCVIZ_TOKEN": "x", "IPCVIZ_T0": "0"})
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, "ran\n")
        self.assertEqual(r.stderr, "user sitecustomize ran\n")

    def test_not_installed_without_the_environment(self):
        r = self.run_py({}, "import sys; print('ipcviz_runtime' in sys.modules)")
        self.assertEqual(r.stdout, "False\n")


if __name__ == "__main__":
    unittest.main()


class StartUpCostTest(unittest.TestCase):
    """What a process of the run spends before the program's code (docs/python-runtime.md, Cost)."""

    def test_sitecustomize_caches_its_own_bytecode_when_the_program_does_not(self):
        import importlib.util
        import shutil

        with tempfile.TemporaryDirectory() as d:
            boot = os.path.join(d, "boot")
            os.mkdir(boot)
            shutil.copy(os.path.join(BOOT, "sitecustomize.py"), boot)
            env = dict(
                os.environ,
                PYTHONPATH=boot,
                PYTHONDONTWRITEBYTECODE="1",
                IPCVIZ_RUNTIME_DIR=RUNTIME,
                IPCVIZ_SOCK=os.path.join(tempfile.gettempdir(), "ipcviz-no-such-socket"),
            )
            cached = importlib.util.cache_from_source(os.path.join(boot, "sitecustomize.py"))
            code = "import sys; print(sys.dont_write_bytecode, 'ipcviz_runtime' in sys.modules)"
            first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
            self.assertEqual(first.stdout.split(), ["True", "True"], first.stderr)
            self.assertTrue(os.path.exists(cached), "sitecustomize's bytecode was not written")
            written = os.stat(cached).st_mtime_ns
            again = subprocess.run([sys.executable, "-v", "-c", code], env=env, capture_output=True, text=True, timeout=60)
            self.assertIn("code object from '%s'" % cached, again.stderr, "the second process compiled sitecustomize again")
            self.assertEqual(os.stat(cached).st_mtime_ns, written, "a valid bytecode file was written again")
            # Nothing of the program's own is cached: the flag is the program's again.
            with open(os.path.join(d, "prog.py"), "w") as f:
                f.write("import helper\n")
            with open(os.path.join(d, "helper.py"), "w") as f:
                f.write("X = 1\n")
            subprocess.run([sys.executable, os.path.join(d, "prog.py")], env=env, cwd=d, capture_output=True, timeout=60)
            self.assertFalse(os.path.exists(os.path.join(d, "__pycache__")), "the program's bytecode was written")

    def test_the_watchdog_starts_without_json(self):
        boot = "import sys; sys.path.insert(0, sys.argv[1]); import ipcviz_watchdog; ipcviz_watchdog.run()"
        out = subprocess.run(
            [sys.executable, "-I", "-S", "-X", "importtime", "-c", boot, os.path.join(RUNTIME, "watchdog")],
            input="exit\n", capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
        self.assertIn("ipcviz_watchdog", imported)
        self.assertNotIn("json", imported)
        self.assertNotIn("re", imported)
