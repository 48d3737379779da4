"""ipcviz Python runtime: records what a multiprocessing program does, in every one of its processes.

Loaded by boot/sitecustomize.py when the run's environment (IPCVIZ_SOCK, IPCVIZ_TOKEN, IPCVIZ_T0) is
set; `install()` is idempotent and never raises into the user's program. Standard library only.

Every patch the runtime makes is made by the `install()` of one module in FAMILIES, in this order;
a fork child runs each module's `reset_after_fork()`. Module map: docs/python-runtime.md.
"""

import os
import sys

from . import callsite, connections, core, frames, managers, pools, process, queues, sync, threadqueue, values

# process first: it registers the atexit handler before multiprocessing is imported (so ours runs
# after multiprocessing's own) and finds the process's role before anything is recorded.
FAMILIES = (process, sync, queues, connections, values, managers, pools, threadqueue, frames)
# Families installed when the program first imports the module they patch, not at start-up: a
# program that never uses a Manager does not import multiprocessing.managers (and its
# shared_memory, secrets, hmac…), about half of the runtime's start-up.
_ON_IMPORT = {managers: "multiprocessing.managers"}
# Per-process state, reset in a fork child (core first: the others may record once reset).
_FORK_RESET = (core, callsite) + FAMILIES

_installed = False


def install():
    """Install the runtime in this interpreter (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        for family in FAMILIES:
            module = _ON_IMPORT.get(family)
            if module is not None and module not in sys.modules:
                sys.meta_path.insert(0, _InstallOnImport(module, family.install))
            else:
                family.install()
        os.register_at_fork(before=process.before_fork, after_in_parent=process.after_fork_parent, after_in_child=_after_fork_child)
        process.announce()
    except Exception as e:
        try:
            sys.stderr.write("ipcviz: runtime failed to install in pid %d: %r\n" % (os.getpid(), e))
        except Exception:
            pass


class _InstallOnImport(object):
    """A meta path finder that runs a family's install() right after the module it patches has
    been executed, on its first import (then it leaves sys.meta_path). The module is found and
    loaded by the other finders, as without it."""

    def __init__(self, module, install):
        self.module = module
        self.install = install

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.module:
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        loader = getattr(spec, "loader", None)
        execute = getattr(loader, "exec_module", None)
        if execute is None:
            return spec
        install = self.install

        def exec_module(module):
            execute(module)
            try:
                install()
            except Exception as e:
                try:
                    sys.stderr.write("ipcviz: runtime failed to install for %s in pid %d: %r\n" % (fullname, os.getpid(), e))
                except Exception:
                    pass

        setattr(loader, "exec_module", exec_module)  # this spec's own loader instance
        return spec


def _after_fork_child():
    caller = sys._getframe(1)  # the code that forked
    try:
        for module in _FORK_RESET:
            module.reset_after_fork()
        process.announce_fork(caller)
    except Exception:
        pass
