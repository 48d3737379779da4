"""HANGS FOREVER (on purpose): a child waits in subprocess.run() for a command that waits for input.

The child runs `cat` on a pipe it meant to feed and then close, but it keeps the write end
and never writes: `cat` waits for input that nobody sends, the child waits for `cat`
(subprocess.run, not recorded: `cat` is not a Python process of the run), main waits for the
child (Process.join, recorded by ipcviz). ipcviz reports "no progress" with the child's line.
(A command that computes or sleeps is progress: it ends by itself, and ipcviz lets it run.)
"""
import multiprocessing as mp
import os
import subprocess


def worker():
    feed, pipe_in = os.pipe()  # pipe_in: meant to feed the command, never written, never closed
    subprocess.run(["cat"], stdin=feed, stdout=subprocess.DEVNULL, check=True)  # HANGS HERE
    os.close(pipe_in)
    print("the command finished")


if __name__ == "__main__":
    p = mp.Process(target=worker)
    p.start()
    p.join()
