# ipcviz bootstrap: loaded by every Python interpreter of a run because this folder is first on
# PYTHONPATH. It installs the ipcviz runtime (only when the run's environment is set) and then
# runs the next sitecustomize on the path, so a user's or a distribution's own one still runs.
# It must never raise.


def _ipcviz_boot():
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    if os.environ.get("IPCVIZ_SOCK") and "ipcviz_runtime" not in sys.modules:
        try:
            runtime_dir = os.environ.get("IPCVIZ_RUNTIME_DIR") or os.path.dirname(here)
            if runtime_dir not in sys.path:
                sys.path.append(runtime_dir)
            import ipcviz_runtime

            ipcviz_runtime.install()
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
            spec.loader.exec_module(mod)
    except Exception as err:  # report it as site.py reports a failing sitecustomize
        try:
            if sys.flags.verbose:
                sys.excepthook(*sys.exc_info())
            else:
                sys.stderr.write(
                    "Error in sitecustomize; set PYTHONVERBOSE for traceback:\n"
                    "%s: %s\n" % (err.__class__.__name__, err)
                )
        except Exception:
            pass

_ipcviz_boot()
del _ipcviz_boot
