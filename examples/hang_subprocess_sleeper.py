"""HANGS (for an hour, on purpose): a child waits in subprocess.run() for a command that sleeps.

Main waits for the child (Process.join, recorded by ipcviz); the child waits for a
`sleep 3600` command it started (subprocess.run, not recorded: the command is not a
Python process of the run). ipcviz reports "no progress" with the child's line.
"""
import multiprocessing as mp
import subprocess


def worker():
    subprocess.run(["sleep", "3600"], check=True)  # HANGS HERE
    print("the command finished")


if __name__ == "__main__":
    p = mp.Process(target=worker)
    p.start()
    p.join()
