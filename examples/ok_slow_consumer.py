"""Looks like a hang for a while, is not: a consumer blocked until a slow producer delivers.

The consumer says it is ready, then waits in get() for about 0.5 s while the
producer "works" (sleeps), then it is served and finishes. A blocked process is
not a deadlock as long as someone can still make progress. Ends by itself.
"""
import multiprocessing as mp
import time


def slow_producer(q, ready):
    ready.wait()  # the consumer is about to wait in get()
    time.sleep(0.3)  # slow work: the consumer is blocked meanwhile
    for i in range(3):
        time.sleep(0.1)  # slow work
        q.put("result %d" % i)
    q.put(None)


def consumer(q, ready):
    ready.set()
    while True:
        item = q.get()  # blocked most of the time
        if item is None:
            break
        print("consumer got", item, flush=True)


if __name__ == "__main__":
    q = mp.Queue()
    ready = mp.Event()
    procs = [mp.Process(target=consumer, args=(q, ready)), mp.Process(target=slow_producer, args=(q, ready))]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("all done")
