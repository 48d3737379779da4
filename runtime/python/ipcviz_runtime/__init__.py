"""ipcviz Python runtime: records what a multiprocessing program does, in every one of its processes.

Loaded by boot/sitecustomize.py when the run's environment (IPCVIZ_SOCK, IPCVIZ_TOKEN, IPCVIZ_T0) is
set; `install()` is idempotent and never raises into the user's program. Standard library only.

Every patch the runtime makes is made by the `install()` of one module in FAMILIES, in this order;
a fork child runs each module's `reset_after_fork()`. Module map: docs/python-runtime.md.
"""

import os
import sys

from . import callsite, connections, core, executors, frames, managers, pools, process, queues, sharedmem, stacks, sync, threadqueue, values

# process first: it registers the atexit handler before multiprocessing is imported (so ours runs
# after multiprocessing's own) and finds the process's role before anything is recorded.
FAMILIES = (process, sync, queues, connections, values, managers, sharedmem, pools, executors, threadqueue, stacks, frames)
# Families installed, in every process, only once the program imports their module
# (core.when_imported): a process that never uses them does not pay for those imports.
# multiprocessing.managers brings shared_memory, secrets and hmac with it, sharedctypes brings
# ctypes: together about a fifth of the runtime's start-up (callgrind, 3.11: 273M -> 237M instructions).
LAZY = {managers: "multiprocessing.managers", values: "multiprocessing.sharedctypes", pools: "multiprocessing.pool", sharedmem: "multiprocessing.shared_memory"}
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
        core.grow_fd_table()
        for family in FAMILIES:
            module = LAZY.get(family)
            if module is None:
                family.install()
            else:
                core.when_imported(module, family.install)
        os.register_at_fork(before=process.before_fork, after_in_parent=process.after_fork_parent, after_in_child=_after_fork_child)
        process.announce()
    except Exception as e:
        try:
            sys.stderr.write("ipcviz: runtime failed to install in pid %d: %r\n" % (os.getpid(), e))
        except Exception:
            pass


def _after_fork_child():
    caller = sys._getframe(1)  # the code that forked
    try:
        for module in _FORK_RESET:
            module.reset_after_fork()
        process.announce_fork(caller)
    except Exception:
        pass
