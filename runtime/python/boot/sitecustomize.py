# ipcviz bootstrap: loaded by every Python interpreter of a run because this folder is first on
# PYTHONPATH. It installs the ipcviz runtime (only when the run's environment is set) and then
# runs the next sitecustomize on the path, so a user's or a distribution's own one still runs.
# It must never raise.
#
# The debugger's own processes are left alone: debugpy's adapter and launcher are Python
# processes that may carry the run's environment (they pass it on to the program they start),
# but they are not part of the program, so the runtime is not installed in them.

# `python -m <module>` or `python <path>` of these is debugpy's own process, not the program's.
_DEBUGGER_MODULES = ("debugpy.adapter", "debugpy.launcher")
_DEBUGGER_PATHS = ("debugpy/adapter", "debugpy/launcher")
# Interpreter options followed by a separate value.
_OPTIONS_WITH_VALUE = (b"-X", b"-W", b"--check-hash-based-pycs")


def _is_debugger_process():
    """True when this interpreter runs debugpy's adapter or launcher (from its command line)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            argv = f.read().split(b"\0")[1:]
    except Exception:
        import sys

        argv = [a.encode("utf-8", "replace") for a in (getattr(sys, "orig_argv", None) or [])[1:]]
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == b"-m":
            mod = argv[i + 1].decode("utf-8", "replace") if i + 1 < len(argv) else ""
            return any(mod == m or mod.startswith(m + ".") for m in _DEBUGGER_MODULES)
        if a == b"-c" or a == b"-" or a == b"":
            return False
        if a.startswith(b"-m"):
            mod = a[2:].decode("utf-8", "replace")
            return any(mod == m or mod.startswith(m + ".") for m in _DEBUGGER_MODULES)
        if a.startswith(b"-"):
            i += 2 if a in _OPTIONS_WITH_VALUE else 1
            continue
        path = a.decode("utf-8", "replace").replace("\\", "/").rstrip("/")
        if path.endswith("/__main__.py"):
            path = path[: -len("/__main__.py")]
        return any(path == p or path.endswith("/" + p) for p in _DEBUGGER_PATHS)
    return False


def _ipcviz_paused_while_blocked(signum, frame):
    # IPC Visualiser: the debugger paused this process while it was blocked in a system call
    # (e.g. recv() on a Pipe). The frames below this one show where it waits; continue to let it
    # wait again.
    return None


def _install_debug_wake(os):
    """Under "Debug and Visualise IPC" (IPCVIZ_DEBUG_WAKE=<signal name>, e.g. SIGURG): a handler
    that only runs Python code, so that a debugger's pause also reaches a process blocked in a
    system call (the extension sends this signal right after its pause request; the call then
    goes on). Only when the program has no handler of its own for that signal."""
    try:
        name = os.environ.get("IPCVIZ_DEBUG_WAKE") or ""
        if not name.startswith("SIG"):
            return
        import signal

        num = getattr(signal, name, None)
        if num is not None and signal.getsignal(num) in (signal.SIG_DFL, signal.SIG_IGN):
            signal.signal(num, _ipcviz_paused_while_blocked)
    except Exception:
        pass


def _cache_own_bytecode(os):
    """site imported this file without caching its bytecode (PYTHONDONTWRITEBYTECODE, -B), so every
    process of the run compiled it again (0.55 ms of CPU, 3.11). Write it once, as the import system
    would have; the next process then loads it. Costs a stat and a 16-byte read once it is there."""
    try:
        import importlib.util

        cached = __cached__
        st = os.stat(__file__)
        try:
            with open(cached, "rb") as f:
                head = f.read(16)
        except OSError:
            head = b""
        if (
            head[:4] == importlib.util.MAGIC_NUMBER
            and head[4:8] == b"\0\0\0\0"  # a timestamp pyc
            and int.from_bytes(head[8:12], "little") == int(st.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(head[12:16], "little") == st.st_size & 0xFFFFFFFF
        ):
            return
        folder = os.path.dirname(cached)
        if not os.access(folder if os.path.isdir(folder) else os.path.dirname(folder), os.W_OK):
            return  # read-only: compiled in every process, as without the runtime
        import py_compile

        py_compile.compile(__file__, cfile=cached, quiet=2, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    except Exception:
        pass


def _ipcviz_boot():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("IPCVIZ_SOCK") and "ipcviz_runtime" not in sys.modules and not _is_debugger_process():
        try:
            runtime_dir = os.environ.get("IPCVIZ_RUNTIME_DIR") or os.path.dirname(here)
            if runtime_dir not in sys.path:
                sys.path.append(runtime_dir)
            # The runtime's own bytecode is cached (its __pycache__) even where the program's is not
            # (PYTHONDONTWRITEBYTECODE): compiling its source again in every process of the run
            # would be most of a spawn child's start-up under the runtime.
            dont_write = sys.dont_write_bytecode
            sys.dont_write_bytecode = False
            try:
                import ipcviz_runtime
            finally:
                sys.dont_write_bytecode = dont_write
            if dont_write:
                _cache_own_bytecode(os)

            ipcviz_runtime.install()
            _install_debug_wake(os)
        except Exception as e:  # never break the user's program
            try:
                sys.stderr.write("ipcviz: runtime not loaded in pid %d: %r\n" % (os.getpid(), e))
            except Exception:
                pass

    # Chain to the next sitecustomize on sys.path (Debian's Python and virtualenvs ship one).
    try:
        import importlib.machinery
        import importlib.util

        rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
        if spec is not None and spec.loader is not None:
            mod = importlib.util.module_from_spec(spec)
            sys.modules["sitecustomize"] = mod
            spec.loader.exec_module(mod)  # pyright: ignore[reportAttributeAccessIssue] -- typeshed's loader protocol lacks exec_module; PathFinder's loaders have it
    except Exception as err:  # report it as site.py reports a failing sitecustomize
        try:
            if sys.flags.verbose:
                sys.excepthook(type(err), err, err.__traceback__)
            else:
                sys.stderr.write(
                    "Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                    "%s: %s\n" % (err.__class__.__name__, err)
                )
        except Exception:
            pass

_ipcviz_boot()
del _ipcviz_boot, _is_debugger_process, _install_debug_wake, _cache_own_bytecode
