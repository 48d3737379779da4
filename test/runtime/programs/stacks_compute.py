"""Healthy: a child computes for about 3 s without any IPC, then sends its result.

Nothing is recorded meanwhile, so ipcviz takes the stacks; the child is running (its position
and CPU time move): no hang may be reported. Prints the child's thread count (the runtime's
helper thread is not one of the program's threads).
"""
import multiprocessing as mp
import threading
import time


def work(q):
    end = time.monotonic() + 3.0
    n = 0
    while time.monotonic() < end:
        n += sum(i * i for i in range(200))
    print("child threads:", threading.active_count(), len(threading.enumerate()), flush=True)
    q.put(n > 0)


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=work, args=(q,))
    p.start()
    print("result:", q.get())
    p.join()
    print("main threads:", threading.active_count())
