"""Robustness: two producers and four consumers share one Queue and one JoinableQueue; every
item is taken exactly once (the consumers race for each message)."""
import multiprocessing as mp

ITEMS = 2000  # per producer


def producer(q, jq, base):
    for i in range(ITEMS):
        q.put(base + i)
        jq.put(-(base + i))


def consumer(q, jq, out):
    got = 0
    while True:
        x = q.get()
        if x is None:
            break
        y = jq.get()
        jq.task_done()
        got += 1
    out.put(got)


if __name__ == "__main__":
    q = mp.Queue()
    jq = mp.JoinableQueue()
    out = mp.Queue()
    prods = [mp.Process(target=producer, args=(q, jq, k * 100_000)) for k in range(2)]
    cons = [mp.Process(target=consumer, args=(q, jq, out)) for _ in range(4)]
    for p in prods + cons:
        p.start()
    for p in prods:
        p.join()
    jq.join()
    for _ in cons:
        q.put(None)
    total = sum(out.get() for _ in cons)
    for c in cons:
        c.join()
    print("items taken:", total)
