"""Looks like a hang for a while, is not: a consumer blocked until a slow producer delivers.

The consumer waits in get() for about 0.3 s while the producer "works"
(sleeps), then it is served and finishes. A blocked process is not a deadlock
as long as someone can still make progress. Ends by itself.
"""
import multiprocessing as mp
import time


def slow_producer(q):
    for i in range(3):
        time.sleep(0.1)  # slow work
        q.put("result %d" % i)
    q.put(None)


def consumer(q):
    while True:
        item = q.get()  # blocked most of the time
        if item is None:
            break
        print("consumer got", item, flush=True)


if __name__ == "__main__":
    q = mp.Queue()
    procs = [mp.Process(target=consumer, args=(q,)), mp.Process(target=slow_producer, args=(q,))]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("all done")
