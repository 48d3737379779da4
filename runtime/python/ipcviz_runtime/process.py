"""Processes: each one's identity and life, and what the program does to its children.

- The process's own role (main, spawn child, fork child, forkserver, resource tracker, pool
  worker, manager server), announced once as `process.start`; `process.exit` when it ends (atexit,
  the end of `BaseProcess._bootstrap`, `os._exit`, SIGTERM).
- `BaseProcess.start/join/terminate/kill` called by the program.
- Process-wide patches: `os._exit` and `time.sleep` send the buffer first; `util.spawnv_passfds`
  puts the runtime's bootstrap before a spawned interpreter's code (a program may rewrite
  PYTHONPATH); SIGTERM is held back across fork (see before_fork).
"""

import os
import signal
import sys
import time

from . import core, managers, naming, pools
from .callsite import user_site
from .core import ev, ev_flush, now, qualname
from .frames import strip

ROLE = None  # this process's role (see detect_role); None in a fork child until it is known
_via = None  # how this process was started: fork, spawn, forkserver (None for main)
_role_name = None  # (role, name) found at install, announced by announce()
_real_exit = os._exit


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
    ev_flush("process.start", None, None, None, e)


def mark_exited(code):
    """Emit process.exit once, with the exit code when the process knows it."""
    if core.exited:
        return
    core.exited = True
    try:
        managers.check_watch()
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
    """Find this process's role; hook Process, spawnv_passfds, os._exit and time.sleep."""
    global ROLE, _via, _role_name
    import atexit

    atexit.register(at_exit)  # before multiprocessing registers its own: ours runs after it
    role, name = detect_role()
    if role == "spawn-child":
        _via = "spawn"
    if role == "main":
        sm = os.environ.get("IPCVIZ_START_METHOD")
        if sm:
            _set_default_start_method(sm)
    _role_name = (role, name)
    _install_process()
    ROLE = role
    time.sleep = core.sleep_and_flush
    os._exit = exit_now


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
    global ROLE, _via
    try:
        if signal.getsignal(signal.SIGTERM) is core.on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if _SIGTERM_SET:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM_SET)
    except Exception:
        pass
    _via = "forkserver" if ROLE == "forkserver" else "fork"
    ROLE = None


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
            return orig_start(self)
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
            return orig_join(self, timeout)
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
            args[i + 1] = (UNBLOCK_PREFIX if blocked else "") + BOOT_PREFIX + args[i + 1]
        except Exception:
            pass
        try:
            return orig_spawnv(path, args, passfds)
        finally:
            if blocked:
                try:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                except Exception:
                    pass

    util.spawnv_passfds = spawnv_passfds


UNBLOCK_PREFIX = (
    "import signal as _ipz_g\n"
    "_ipz_g.pthread_sigmask(_ipz_g.SIG_UNBLOCK, {_ipz_g.SIGTERM})\n"
    "del _ipz_g\n"
)
BOOT_PREFIX = (
    "import sys as _ipz_s\n"
    "if 'ipcviz_runtime' not in _ipz_s.modules:\n"
    "    _ipz_s.path.append(%r)\n"
    "    try:\n"
    "        import ipcviz_runtime as _ipz_r; _ipz_r.install()\n"
    "    except Exception: pass\n"
    "del _ipz_s\n" % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def identify_child(proc):
    """At the start of a multiprocessing child: its name, parent and role."""
    global ROLE
    try:
        import multiprocessing.managers as mp_managers
        import multiprocessing.pool as mp_pool

        target = getattr(proc, "_target", None)
        role = "child"
        if target is mp_pool.worker:  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: a Pool worker's loop
            role = "pool-worker"
            pools.enter_worker(proc)
        elif getattr(target, "__func__", None) is mp_managers.BaseManager._run_server.__func__:  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: a Manager server's loop
            role = "manager-server"
            managers.enter_server()
        ROLE = role
        announce_process(proc.name, proc._parent_pid, role, naming.child_fields(proc) if role == "child" else None)
        if role != "pool-worker":
            # Pool workers send their events at the end of every task, so a terminate() loses
            # nothing; they keep the default SIGTERM action (with the flushing handler a worker
            # idle in the task queue's lock was seen, rarely, to outlive Pool.terminate()).
            core.install_sigterm()
    except Exception:
        pass
