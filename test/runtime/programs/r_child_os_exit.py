"""Robustness: a child leaves with os._exit(7) (no cleanup, no atexit) after putting items."""
import multiprocessing as mp
import os


def child(q, v):
    for i in range(3):
        q.put(i)
    v.value = 42
    q.close()
    q.join_thread()  # the items are in the pipe before the hard exit
    os._exit(7)


if __name__ == "__main__":
    q = mp.Queue()
    v = mp.Value("i", 0)
    p = mp.Process(target=child, args=(q, v))
    p.start()
    print("got", [q.get() for _ in range(3)], flush=True)
    p.join()
    print("child exit code", p.exitcode, "value", v.value)
