"""SPINS FOREVER (on purpose): a child busy-polls an empty queue that nobody fills.

`while q.empty(): pass` uses a whole CPU and records nothing new (ipcviz coalesces
the repeated results), so the run looks busy, yet nothing can ever arrive: main only
waits for the child. ipcviz recognises the loop as spinning, not as progress, and
reports "no progress" with the loop's line.
"""
import multiprocessing as mp


def consumer(q):
    while q.empty():  # HANGS HERE
        pass
    print("got", q.get())


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=consumer, args=(q,))
    p.start()
    p.join()
