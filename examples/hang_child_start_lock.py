"""HANGS FOREVER (on purpose): a child never gets past its start-up, so it never runs its target.

The processes share a work directory, one writer at a time: whoever writes holds the directory's
lock file (fcntl.lockf). Main takes the lock and holds it while it waits for its child. The
child takes the lock again while it starts, before its target runs:
- spawn, forkserver: the child unpickles its arguments, and a WorkDir re-opens (and re-locks)
  its lock file when it is unpickled;
- fork: a lockf lock belongs to a process and a forked child does not inherit it, so an at-fork
  hook re-takes it in the child, as a library re-opens its files after a fork.
Either way the child waits for main's lock, and main waits for the child in join(). The child
has not connected to ipcviz yet (it cannot be asked for its stacks): ipcviz reports "no progress"
with the child as "cannot answer (not connected)", named with the line that started it.
"""
import fcntl
import multiprocessing as mp
import os
import tempfile


class WorkDir:
    """A directory the processes write in, one at a time: the writer holds its lock file."""

    def __init__(self, path):
        self.path = path
        self.lock = None
        self.take()

    def take(self):
        self.lock = open(os.path.join(self.path, "lock"), "a")
        fcntl.lockf(self.lock, fcntl.LOCK_EX)  # HANGS HERE (child): main holds the lock

    def __getstate__(self):
        return {"path": self.path}

    def __setstate__(self, state):
        self.__init__(state["path"])


WORK = None  # main's WorkDir (a forked child inherits it, without its lock)


def relock_after_fork():
    if WORK is not None:
        WORK.take()


def write_result(work):
    with open(os.path.join(work.path, "result"), "w") as f:
        f.write("done\n")


if __name__ == "__main__":
    os.register_at_fork(after_in_child=relock_after_fork)
    with tempfile.TemporaryDirectory() as path:
        WORK = WorkDir(path)
        p = mp.Process(target=write_result, args=(WORK,))
        p.start()  # STARTED HERE
        p.join()
        print("the child wrote", open(os.path.join(path, "result")).read().strip())
