"""ProcessPoolExecutor(max_tasks_per_child=2) (Python 3.11+; older Pythons run
the same tasks without recycling): each worker runs at most two tasks, exits,
and the executor starts a new one. Prints how many distinct workers ran the
six tasks, which depends only on the Python version. Ends by itself.
"""
import concurrent.futures as cf
import multiprocessing as mp
import os
import sys


def whoami(i):
    return i, os.getpid()


if __name__ == "__main__":
    kwargs = {}
    if sys.version_info >= (3, 11):
        # a fork context is not allowed with max_tasks_per_child: use the default unless it is fork
        method = mp.get_start_method()
        kwargs = {"max_tasks_per_child": 2, "mp_context": mp.get_context("spawn" if method == "fork" else method)}
    with cf.ProcessPoolExecutor(max_workers=1, **kwargs) as ex:
        results = [ex.submit(whoami, i).result(timeout=60) for i in range(6)]
    pids = [p for _, p in results]
    print("tasks:", [i for i, _ in results])
    print("distinct workers:", len(set(pids)), "(3 with recycling, 1 without)")
