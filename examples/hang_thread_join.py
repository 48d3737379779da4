"""HANGS FOREVER (on purpose): a child joins a thread that waits for an event nobody sets.

The thread waits on a threading.Event (a thread primitive, not recorded by ipcviz);
the child's main thread waits in Thread.join(); main waits for the child. ipcviz
reports "no progress" with the child's join line.
"""
import multiprocessing as mp
import threading


def worker():
    go = threading.Event()
    t = threading.Thread(target=go.wait, name="waiter")
    t.start()
    t.join()  # HANGS HERE
    print("thread done")


if __name__ == "__main__":
    p = mp.Process(target=worker)
    p.start()
    p.join()
