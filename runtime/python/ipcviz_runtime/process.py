"""Processes: each one's identity and life, and what the program does to its children.

- The process's own role (main, spawn child, fork child, forkserver, resource tracker, pool
  worker, manager server), announced once as `process.start`; `process.exit` when it ends (atexit,
  the end of `BaseProcess._bootstrap`, `os._exit`, SIGTERM).
- `BaseProcess.start/join/terminate/kill` called by the program.
- Process-wide patches: `os._exit` sends the buffer first (a sleep leaves it to the quiet-batch
  thread, core.install_sleep_flush, which sends it when the program goes quiet); `util.spawnv_passfds`
  puts the runtime's bootstrap before a spawned interpreter's code (a program may rewrite
  PYTHONPATH); SIGTERM is held back across fork (see before_fork).
"""

import os
import signal
import sys

from . import core, naming, pools
from .callsite import user_site
from .core import ev, ev_flush, now, qualname
from .frames import strip

ROLE = None  # this process's role (see detect_role); None in a fork child until it is known
_via = None  # how this process was started: fork, spawn, forkserver (None for main)
_role_name = None  # (role, name) found at install, announced by announce()
_real_exit = os._exit
_announced = False  # this process has emitted its process.start
_forkserver_parent = 0  # in a forkserver (and its children): the process that started the forkserver


def _cmdline():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return f.read()
    except Exception:
        return " ".join(getattr(sys, "orig_argv", None) or sys.argv or []).encode("utf-8", "replace")


def detect_role():
    """(role, name) of this interpreter from its command line; name None when its bootstrap gives it."""
    cmd = _cmdline()
    if b"multiprocessing.forkserver" in cmd:
        return "forkserver", "ForkServer"
    if b"multiprocessing.resource_tracker" in cmd or b"multiprocessing.semaphore_tracker" in cmd:
        return "resource-tracker", "ResourceTracker"
    if b"--multiprocessing-fork" in cmd or b"multiprocessing.spawn" in cmd:
        return "spawn-child", None
    launcher = os.environ.get("IPCVIZ_LAUNCHER_PID")
    if launcher and launcher.isdigit() and int(launcher) != os.getppid():
        return "child", "Subprocess-%d" % os.getpid()
    return "main", "MainProcess"


def _set_default_start_method(sm):
    """Make sm multiprocessing's default start method without setting it (the program still may)."""
    import multiprocessing.context as ctx

    default = ctx._default_context
    concrete = ctx._concrete_contexts  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: the start-method contexts
    if default._actual_context is None and sm in concrete:  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal
        default._default_context = concrete[sm]  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal


def _default_start_method():
    try:
        import multiprocessing.context as ctx

        d = ctx._default_context
        c = d._actual_context or d._default_context  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal
        return c._name
    except Exception:
        return None


def announce_process(name, ppid, role, extra=None):
    """Emit this process's process.start (its identity for every later event)."""
    e = {"name": name, "ppid": ppid, "role": role, "startMethod": _via if role != "main" else _default_start_method()}
    if extra:
        e.update(extra)
    if core.hold:
        core.hold = False
        if core._seq == 0 and core._buf:
            # Events recorded before the process knew who it is (core.hold): process.start goes
            # first, at the time of the first of them.
            core._buf.insert(0, (core._buf[0][0], core.tids_get(core._get_ident()) or core._tid(), "process.start", None, None, None, e))
            core.flush()
            return _set_announced()
    ev_flush("process.start", None, None, None, e)
    _set_announced()


def _set_announced():
    global _announced
    _announced = True


def mark_exited(code):
    """Emit process.exit once, with the exit code when the process knows it."""
    if core.exited:
        return
    if not _announced:
        # A child that ended before its bootstrap announced it (e.g. a spawn child whose start-up
        # failed while loading the main module): announced now, by what it knows of itself.
        try:
            import multiprocessing.process as mp_process

            # A forkserver's child: its parent is the process that asked the forkserver, which the
            # child does not know before its bootstrap; the forkserver's own parent is the best guess.
            ppid = _forkserver_parent if _via == "forkserver" and _forkserver_parent else os.getppid()
            announce_process(mp_process.current_process().name, ppid, "child")
        except Exception:
            pass
    core.exited = True
    try:
        mgr = core.loaded("managers")
        if mgr is not None:
            mgr.check_watch()
        ev_flush("process.exit", None, None, None, {"exitCode": code})
    except Exception:
        pass


def at_exit():
    """atexit handler, registered before multiprocessing's own, so it runs after it."""
    code = None
    if getattr(sys, "last_value", None) is not None:
        code = 1  # an uncaught exception ended the program
    mark_exited(code)
    try:
        core.flush()
        core.uninstall_sigterm()
        core.wait_threads_started()
    except Exception:
        pass


def exit_now(code):
    """os._exit replacement: process.exit and the buffer are sent first."""
    try:
        mark_exited(code)
        core.flush()
    except Exception:
        pass
    return _real_exit(code)


# ------------------------------------------------------------------ install, announce, fork


def install():
    """Find this process's role; hook Process, spawnv_passfds, os._exit; send the buffer when sleeping."""
    global ROLE, _via, _role_name
    import atexit

    atexit.register(at_exit)  # before multiprocessing registers its own: ours runs after it
    role, name = detect_role()
    if role == "forkserver":
        global _forkserver_parent
        _forkserver_parent = os.getppid()
    if role in ("spawn-child", "forkserver", "resource-tracker"):
        unblock_sigterm()
    if role == "spawn-child":
        _via = "spawn"
        core.hold = True  # until its bootstrap announces it
    if role == "main":
        sm = os.environ.get("IPCVIZ_START_METHOD")
        if sm:
            _set_default_start_method(sm)
    _role_name = (role, name)
    _install_process()
    _install_thread_mask()
    ROLE = role
    core.install_sleep_flush()
    os._exit = exit_now


def _library_spawn(proc, target):
    """A Manager's server, started by the library (no call site of the program): its process.spawn
    tells the collector a child of the run is starting. Its parent waits for it (BaseManager.start
    reads the server's address) and may wait long on a busy machine: without it the run looked as if
    nothing could end that wait. (Pool and executor workers record theirs: pools.record_worker_start.)"""
    if getattr(target, "__name__", None) == "_run_server" and getattr(target, "__module__", None) == "multiprocessing.managers":
        pools.record_library_spawn(proc, qualname(target))


def _install_thread_mask():
    """A thread that threading starts while the runtime's SIGTERM handler is in place is born with
    SIGTERM blocked (a new thread inherits its creator's signal mask), so the kernel gives SIGTERM to
    the main thread. Without the runtime the default action ends the process whichever thread the
    kernel picks; with a Python handler, a SIGTERM given to another thread (a Queue's feeder, a
    program's worker) would wait until the main thread next runs Python: terminate() of a process
    sleeping in its main thread would wait for the sleep to end. The module-private function that
    Thread.start calls is wrapped (Thread.start itself stays as it is)."""
    import threading

    attr = "_start_joinable_thread" if hasattr(threading, "_start_joinable_thread") else "_start_new_thread"
    orig = getattr(threading, attr, None)
    if orig is None or not hasattr(signal, "pthread_sigmask"):
        return
    term = {signal.SIGTERM}
    handler = core.on_sigterm

    def start_thread(*args, **kwds):
        if signal.getsignal(signal.SIGTERM) is not handler:
            return orig(*args, **kwds)
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, term)
        except Exception:
            return orig(*args, **kwds)
        try:
            return orig(*args, **kwds)
        finally:
            if signal.SIGTERM not in old:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, term)

    setattr(threading, attr, start_thread)


def announce():
    """Once every family is installed: this process's process.start (a spawn child's comes from
    its bootstrap, see identify_child)."""
    if _role_name is None:
        return
    role, name = _role_name
    if role != "spawn-child":
        extra = {}
        if role == "main":
            extra["argv"] = list(sys.argv)
        announce_process(name, os.getppid(), role, extra)
        if role == "main":
            core.install_sigterm()


# CPython drops a signal that reaches a child between fork() and its signal bookkeeping when a
# Python-level handler is in place. With the default action the kernel would have ended the child,
# so SIGTERM is held back across fork and the child returns to the default action before it is let
# through (the flushing handler comes back in BaseProcess._bootstrap). terminate() of a child that
# has just been started then behaves as without the runtime.
_SIGTERM_SET = None


def before_fork():
    global _SIGTERM_SET
    try:
        _SIGTERM_SET = {signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM_SET)
    except Exception:
        _SIGTERM_SET = None


def after_fork_parent():
    try:
        if _SIGTERM_SET:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM_SET)
    except Exception:
        pass


def reset_after_fork():
    """In a fork child: the default SIGTERM action, then SIGTERM let through; the role is found later."""
    global ROLE, _via, _announced
    try:
        if signal.getsignal(signal.SIGTERM) is core.on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if _SIGTERM_SET:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM_SET)
    except Exception:
        pass
    _via = "forkserver" if ROLE == "forkserver" else "fork"
    core.hold = ROLE == "forkserver"  # like a spawn child, it runs the main module before its bootstrap
    ROLE = None
    _announced = False
    core.install_sleep_flush()  # the quiet-batch thread did not survive the fork (an audit hook did)


def announce_fork(caller):
    """In a fork child, once everything is reset: a plain os.fork() child announces itself here (a
    multiprocessing child does in BaseProcess._bootstrap). caller: the frame that called fork."""
    f = caller
    while f is not None:
        if f.f_code.co_filename.endswith(("popen_fork.py", "forkserver.py")):
            return
        f = f.f_back
    announce_process("Fork-%d" % os.getpid(), os.getppid(), "child")


# ------------------------------------------------------------------ Process


def _install_process():
    import multiprocessing.process as process
    import multiprocessing.util as util

    BP = process.BaseProcess
    orig_start = BP.start
    orig_join = BP.join
    orig_terminate = BP.terminate
    orig_kill = getattr(BP, "kill", None)
    orig_bootstrap = BP._bootstrap  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: the child's entry

    def start(self):
        site = user_site(1)
        if site is None:
            target = getattr(self, "_target", None)  # start() deletes it
            r = orig_start(self)
            _library_spawn(self, target)
            return r
        target = getattr(self, "_target", None)
        tname = qualname(target) if target is not None else None
        t0 = now()
        try:
            orig_start(self)
        except BaseException as e:
            strip(e)
            raise
        extra = {"child": self.pid, "name": self.name, "daemon": bool(self.daemon)}
        if tname:
            extra["target"] = tname
        method = getattr(getattr(self, "_popen", None), "method", None)
        if method:
            extra["startMethod"] = method
        ev("process.spawn", "proc:%d" % self.pid, None, site, extra, t0)

    def join(self, timeout=None):
        site = user_site(1)
        if site is None:
            r = orig_join(self, timeout)
            if "_ipcviz_worker" in self.__dict__:
                pools.record_worker_end(self)  # a Pool's or an executor's worker, joined by the library
            return r
        popen = getattr(self, "_popen", None)
        pid = self.pid
        obj = "proc:%s" % pid
        blocked = False
        try:
            if popen is not None and popen.poll() is None and timeout != 0:
                blocked = True
                extra = {"op": "process.join"}
                if timeout is not None:
                    extra["timeout"] = timeout
                ev_flush("block.begin", obj, None, site, extra)
        except Exception:
            pass
        try:
            r = orig_join(self, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", obj, None, site, {"op": "process.join", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        code = self.exitcode
        if blocked:
            ev("block.end", obj, None, site, {"op": "process.join", "outcome": "ok" if code is not None else "timeout"})
        ev("process.join", obj, None, site, {"child": pid, "exitCode": code})
        return r

    def terminate(self):
        site = user_site(1)
        if site is not None:
            ev_flush("process.terminate", "proc:%s" % self.pid, None, site, {"child": self.pid})
        return orig_terminate(self)

    def kill(self):
        site = user_site(1)
        if site is not None:
            ev_flush("process.kill", "proc:%s" % self.pid, None, site, {"child": self.pid})
        if orig_kill is not None:
            return orig_kill(self)

    def _bootstrap(self, *args, **kwds):
        identify_child(self)
        code = orig_bootstrap(self, *args, **kwds)
        mark_exited(code)
        core.uninstall_sigterm()
        return code

    BP.start = start
    BP.join = join
    BP.terminate = terminate
    if orig_kill is not None:
        BP.kill = kill
    BP._bootstrap = _bootstrap  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    # Children started by a program that rewrote PYTHONPATH still load the runtime.
    orig_spawnv = util.spawnv_passfds

    def spawnv_passfds(path, args, passfds):
        # SIGTERM is held back from the fork until the new interpreter runs the prefix: with our
        # flushing handler in this process, a SIGTERM reaching the child between fork and exec
        # (terminate() of a child that has just been started) would otherwise be lost.
        blocked = False
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            blocked = signal.SIGTERM not in old
        except Exception:
            pass
        try:
            args = list(args)
            i = args.index("-c")
            args[i + 1] = boot_code(args[i + 1], blocked)
        except Exception:
            pass
        try:
            child = orig_spawnv(path, args, passfds)
        finally:
            if blocked:
                try:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                except Exception:
                    pass
        _forkserver_spawn(child, sys._getframe(1))
        return child

    util.spawnv_passfds = spawnv_passfds


def _forkserver_spawn(child, caller):
    """The fork server, which the library starts, records its process.spawn here (no site): the
    process that starts a child by forkserver then waits for the server to fork it, and until the
    server's interpreter has started and connected the collector counts it as starting. Without it,
    at load ~20 a 3.11 forkserver run of a program was stopped for "no progress" after 5 s with main
    in Process.start (popen_forkserver reading the child's pid) and the server not yet connected.
    (The resource tracker, also started here, is never waited for.)"""
    try:
        if isinstance(child, int) and child > 0 and caller.f_code.co_filename.endswith("forkserver.py"):
            pools.record_spawn(child, "ForkServer", True, "multiprocessing.forkserver.main")
    except Exception:
        pass


_BOOT_DIR = os.path.realpath(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boot"))


def unblock_sigterm():
    """In an interpreter spawned by multiprocessing (spawn child, forkserver, resource tracker):
    SIGTERM was held back by the parent across fork and exec (see spawnv_passfds); let it through."""
    try:
        if signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, set()):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    except Exception:
        pass


UNBLOCK_PREFIX = (
    "import signal as _ipz_g\n"
    "_ipz_g.pthread_sigmask(_ipz_g.SIG_UNBLOCK, {_ipz_g.SIGTERM})\n"
)
BOOT_PREFIX = (
    "import sys as _ipz_s\n"
    "if 'ipcviz_runtime' not in _ipz_s.modules:\n"
    "    _ipz_s.path.append(%r)\n"
    "    try:\n"
    "        import ipcviz_runtime as _ipz_r; _ipz_r.install()\n"
    "    except Exception: pass\n" % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def boot_code(code, unblock):
    """The `-c` code of a spawned interpreter with the runtime's bootstrap before it.

    The bootstrap runs in an `exec` of its own on the code's first line, so the program's code
    keeps its line numbers (a child that fails at start-up prints `File "<string>", line 1`) and
    its namespace. Code that does not start with a simple statement gets the bootstrap on lines
    before it instead."""
    if any(p and os.path.realpath(p) == _BOOT_DIR for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)):
        # The child's sitecustomize loads the runtime, which lets SIGTERM through again
        # (unblock_sigterm): the program's code is left exactly as it is (3.13 prints its text in
        # a traceback).
        return code
    boot = (UNBLOCK_PREFIX if unblock else "") + BOOT_PREFIX
    if code.startswith(("from ", "import ")):
        return "exec(%r, {}); " % boot + code
    return "exec(%r, {})\n" % boot + code


def identify_child(proc):
    """At the start of a multiprocessing child: its name, parent and role."""
    global ROLE
    try:
        mp_managers = sys.modules.get("multiprocessing.managers")
        mp_pool = sys.modules.get("multiprocessing.pool")

        target = getattr(proc, "_target", None)
        executors = core.family("executors") if "concurrent.futures.process" in sys.modules else None
        role = "child"
        if mp_pool is not None and target is mp_pool.worker:  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: a Pool worker's loop
            role = "pool-worker"
            pools.enter_worker(proc)
        elif executors is not None and executors.is_worker_target(target):
            role = "pool-worker"
            executors.enter_worker(proc)
        elif mp_managers is not None and getattr(target, "__func__", None) is mp_managers.BaseManager._run_server.__func__:  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: a Manager server's loop
            role = "manager-server"
            core.family("managers").enter_server()
        ROLE = role
        announce_process(proc.name, proc._parent_pid, role, naming.child_fields(proc) if role == "child" else None)
        if role != "pool-worker":
            # Pool workers send their events at the end of every task, so a terminate() loses
            # nothing; they keep the default SIGTERM action (with the flushing handler a worker
            # idle in the task queue's lock was seen, rarely, to outlive Pool.terminate()).
            core.install_sigterm()
    except Exception:
        pass
