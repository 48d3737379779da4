"""Robustness: a 200-deep nested list through a Queue."""
import multiprocessing as mp


def depth(x):
    d = 0
    while isinstance(x, list) and x:
        x = x[0]
        d += 1
    return d


def child(q, out):
    out.put(depth(q.get()))


if __name__ == "__main__":
    nested = []
    for _ in range(200):
        nested = [nested]
    q, out = mp.Queue(), mp.Queue()
    p = mp.Process(target=child, args=(q, out))
    p.start()
    q.put(nested)
    print("child measured depth", out.get())
    p.join()
