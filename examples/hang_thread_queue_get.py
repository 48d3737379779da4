"""HANGS FOREVER (on purpose): main waits on a queue.Queue that the child filled in its own copy.

queue.Queue is for threads: a forked child gets a copy of it, so the child's put()
never reaches main, whose get() waits forever (queue.Queue is not a multiprocessing
primitive; ipcviz reports "no progress" with main's get() line). Always uses fork:
a queue.Queue cannot be passed to a spawned child at all.
"""
import multiprocessing as mp
import queue


def producer(q):
    q.put("hello")


if __name__ == "__main__":
    fork = mp.get_context("fork")
    q = queue.Queue()
    p = fork.Process(target=producer, args=(q,))
    p.start()
    p.join()
    print("main got", q.get())  # HANGS HERE
