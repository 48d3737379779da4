"""ipcviz Python runtime: records what a multiprocessing program does, in every one of its processes.

Loaded by boot/sitecustomize.py when the run's environment (IPCVIZ_SOCK, IPCVIZ_TOKEN, IPCVIZ_T0) is
set; `install()` is idempotent and never raises into the user's program. Standard library only.

Every patch the runtime makes is made by the `install()` of one module in FAMILIES, in this order;
a fork child runs each module's `reset_after_fork()`. Module map: docs/python-runtime.md.
"""

import os
import sys

from . import callsite, connections, core, frames, pools, process, queues, stacks, sync, threadqueue

# process first: it registers the atexit handler before multiprocessing is imported (so ours runs
# after multiprocessing's own) and finds the process's role before anything is recorded.
FAMILIES = ("process", "sync", "queues", "connections", "values", "managers", "sharedmem", "pools", "executors", "threadqueue", "stacks", "frames")
# Families installed, in every process, only once the program imports their module
# (core.when_imported): a process that never uses them does not pay for those imports.
# multiprocessing.managers brings shared_memory, secrets and hmac with it, sharedctypes brings
# ctypes: together about a fifth of the runtime's start-up (callgrind, 3.11: 273M -> 237M instructions).
LAZY = {"managers": "multiprocessing.managers", "values": "multiprocessing.sharedctypes", "pools": "multiprocessing.pool", "sharedmem": "multiprocessing.shared_memory"}
# Families whose own module is imported only then too (core.family): about a quarter of the
# runtime's code, which every spawn child loaded at its start (callgrind, 3.11: a spawn Pool
# worker's 232.4M -> 229.7M instructions; 206.0M without the runtime). concurrent.futures.process is
# hooked when it is imported by the time the runtime installs, or else when its first executor
# makes its call queue (executors.py), so the executors family has a trigger of its own.
LATE = ("values", "managers", "sharedmem", "executors")
# Per-process state, reset in a fork child (core first: the others may record once reset).
_FORK_RESET = ("core", "callsite") + FAMILIES

_installed = False


def install():
    """Install the runtime in this interpreter (once)."""
    global _installed
    if _installed:
        return
    _installed = True
    try:
        core.grow_fd_table()
        for name in FAMILIES:
            module = LAZY.get(name)
            if name == "executors":
                _install_executors()
            elif module is None:
                core.family(name).install()
            else:
                core.when_imported(module, _installer(name))
        os.register_at_fork(before=process.before_fork, after_in_parent=process.after_fork_parent, after_in_child=_after_fork_child)
        process.announce()
    except Exception as e:
        try:
            sys.stderr.write("ipcviz: runtime failed to install in pid %d: %r\n" % (os.getpid(), e))
        except Exception:
            pass


def _installer(name):
    return lambda: core.family(name).install()


def _install_executors():
    if "concurrent.futures.process" in sys.modules:
        core.family("executors").install()
    else:
        queues.on_subclass_queue.append(_executor_queue)


def _executor_queue(q):
    """A Queue subclass was made: an executor's call queue hooks concurrent.futures.process."""
    if type(q).__module__ == "concurrent.futures.process":
        core.family("executors").maybe_hook(q)


def _after_fork_child():
    caller = sys._getframe(1)  # the code that forked
    try:
        for name in _FORK_RESET:
            module = core.loaded(name)  # a LATE family this process never imported has nothing to reset
            if module is not None:
                module.reset_after_fork()
        process.announce_fork(caller)
    except Exception:
        pass
