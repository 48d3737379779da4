"""ipcviz Python runtime: records what a multiprocessing program does, in every one of its processes.

Loaded by boot/sitecustomize.py when the run's environment (IPCVIZ_SOCK, IPCVIZ_TOKEN, IPCVIZ_T0) is
set; `install()` is idempotent and never raises into the user's program. Standard library only.
"""

import os
import sys

_installed = False
_via = None  # how this process was started: fork, spawn, forkserver (None for main)


def _cmdline():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return f.read()
    except Exception:
        return " ".join(getattr(sys, "orig_argv", None) or sys.argv or []).encode("utf-8", "replace")


def _detect_role():
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


def install():
    """Install the runtime in this interpreter (once)."""
    global _installed, _via
    if _installed:
        return
    _installed = True
    try:
        _install()
    except Exception as e:
        try:
            sys.stderr.write("ipcviz: runtime failed to install in pid %d: %r\n" % (os.getpid(), e))
        except Exception:
            pass


def _install():
    global _via
    import atexit

    atexit.register(_at_exit)  # before multiprocessing registers its own: ours runs after it
    from . import core

    role, name = _detect_role()
    if role == "spawn-child":
        _via = "spawn"
    if role == "main":
        sm = os.environ.get("IPCVIZ_START_METHOD")
        if sm:
            import multiprocessing.context as ctx

            if ctx._default_context._actual_context is None and sm in ctx._concrete_contexts:
                ctx._default_context._default_context = ctx._concrete_contexts[sm]
    from . import hooks

    hooks.install_all()
    hooks.ROLE = role
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent, after_in_child=_after_fork_child)
    import time

    time.sleep = core.sleep_and_flush
    core._on_exit_hook = mark_exited
    os._exit = core.exit_now
    if sys.version_info < (3, 11):
        _install_traceback_filter(hooks)
    if role != "spawn-child":
        extra = {}
        if role == "main":
            extra["argv"] = list(sys.argv)
        announce_process(name, os.getppid(), role, extra)
        if role == "main":
            core.install_sigterm()


def _default_start_method():
    try:
        import multiprocessing.context as ctx

        c = ctx._default_context._actual_context or ctx._default_context._default_context
        return c._name
    except Exception:
        return None


def announce_process(name, ppid, role, extra=None):
    """Emit this process's process.start (its identity for every later event)."""
    from . import core

    e = {"name": name, "ppid": ppid, "role": role, "startMethod": _via if role != "main" else _default_start_method()}
    if extra:
        e.update(extra)
    core.ev_flush("process.start", None, None, None, e)


def mark_exited(code):
    """Emit process.exit once, with the exit code when the process knows it."""
    from . import core

    if core.exited:
        return
    core.exited = True
    try:
        from . import hooks

        hooks.check_watch()
        core.ev_flush("process.exit", None, None, None, {"exitCode": code})
    except Exception:
        pass


def _at_exit():
    code = None
    if getattr(sys, "last_value", None) is not None:
        code = 1  # an uncaught exception ended the program
    mark_exited(code)
    try:
        from . import core

        core.flush()
        core.uninstall_sigterm()
    except Exception:
        pass


# CPython drops a signal that reaches a child between fork() and its signal bookkeeping when a
# Python-level handler is in place. With the default action the kernel would have ended the child,
# so SIGTERM is held back across fork and the child returns to the default action before it is let
# through (the flushing handler comes back in BaseProcess._bootstrap). terminate() of a child that
# has just been started then behaves as without the runtime.
_SIGTERM_SET = None


def _before_fork():
    global _SIGTERM_SET
    try:
        import signal

        _SIGTERM_SET = {signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGTERM_SET)
    except Exception:
        _SIGTERM_SET = None


def _after_fork_parent():
    try:
        if _SIGTERM_SET:
            import signal

            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM_SET)
    except Exception:
        pass


def _after_fork_child():
    global _via
    try:
        import signal

        from . import core

        if signal.getsignal(signal.SIGTERM) is core.on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if _SIGTERM_SET:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGTERM_SET)
    except Exception:
        pass
    try:
        from . import core, hooks

        core.reset_after_fork()
        hooks._poll_state.clear()
        del hooks._watch[:]
        hooks._mgr_depth.clear()
        parent_role = hooks.ROLE
        hooks.ROLE = None
        hooks.SERVER = False
        hooks.WORKER_POOL = None
        _via = "forkserver" if parent_role == "forkserver" else "fork"
        # A multiprocessing child announces itself in BaseProcess._bootstrap; a plain os.fork() child here.
        f = sys._getframe(1)
        mp_fork = False
        while f is not None:
            fn = f.f_code.co_filename
            if fn.endswith(("popen_fork.py", "forkserver.py")):
                mp_fork = True
                break
            f = f.f_back
        if not mp_fork:
            announce_process("Fork-%d" % os.getpid(), os.getppid(), "child")
    except Exception:
        pass


def _install_traceback_filter(hooks):
    """Python < 3.11 keeps a wrapper's frame in tracebacks: leave it out where they are printed."""
    import traceback
    import types

    own = hooks._OWN_FILES
    orig_walk = traceback.walk_tb

    def walk_tb(tb):
        for f, lineno in orig_walk(tb):
            if f.f_code.co_filename not in own:
                yield f, lineno

    traceback.walk_tb = walk_tb

    def filtered(tb):
        keep = []
        while tb is not None:
            if tb.tb_frame.f_code.co_filename not in own:
                keep.append(tb)
            tb = tb.tb_next
        new = None
        for t in reversed(keep):
            new = types.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
        return new

    orig_hook = sys.excepthook

    def excepthook(etype, value, tb):
        try:
            seen = set()
            v = value
            while v is not None and id(v) not in seen:
                seen.add(id(v))
                v.__traceback__ = filtered(v.__traceback__)
                v = v.__cause__ or v.__context__
            tb = value.__traceback__ if value is not None else tb
        except Exception:
            pass
        return orig_hook(etype, value, tb)

    sys.excepthook = excepthook
