"""Robustness: a payload whose __repr__ raises goes through a Queue and a Pipe unharmed."""
import multiprocessing as mp


class BadRepr:
    def __init__(self, n):
        self.n = n

    def __repr__(self):
        raise RuntimeError("no repr for you")


def child(q, conn):
    item = q.get()
    conn.send(BadRepr(item.n + 1))


if __name__ == "__main__":
    q = mp.Queue()
    here, there = mp.Pipe()
    p = mp.Process(target=child, args=(q, there))
    p.start()
    q.put(BadRepr(1))
    back = here.recv()
    print("got back a", type(back).__name__, "with n =", back.n)
    p.join()
