"""Starts one child by forkserver while the fork server is slow to start: the interpreter it is
started with is a script that waits 6 s before it runs Python (as a loaded machine may take
seconds to start an interpreter). Main waits in Process.start for the server to fork the child.
Ends by itself: nothing hangs, the server is starting."""
import multiprocessing as mp
import os
import shutil
import sys
import tempfile


def child():
    print("the child ran")


if __name__ == "__main__":
    tmp = tempfile.mkdtemp()
    slow = os.path.join(tmp, "slow-python")
    with open(slow, "w") as f:
        f.write('#!/bin/sh\nsleep 6\nexec "%s" "$@"\n' % sys.executable)
    os.chmod(slow, 0o755)
    ctx = mp.get_context("forkserver")
    ctx.set_executable(slow)
    p = ctx.Process(target=child)
    p.start()
    p.join()
    print("joined", p.exitcode)
    shutil.rmtree(tmp)
