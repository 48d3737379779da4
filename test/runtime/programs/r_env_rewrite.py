"""Robustness: the program replaces PYTHONPATH before starting spawn children."""
import multiprocessing as mp
import os


def child(q):
    q.put("hello from a spawn child")


if __name__ == "__main__":
    os.environ["PYTHONPATH"] = "/nonexistent-ipcviz-test-dir"
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    print(q.get(), flush=True)
    p.join()
    print("child exit code", p.exitcode)
