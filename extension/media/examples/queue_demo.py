"""A producer and a consumer over a multiprocessing.Queue.

Visualise it (the CodeLens above `if __name__ == "__main__":`): three lanes (main, producer,
consumer), one arrow per item from each put to the get that took it, and the consumer
blocked in get() while the queue is empty.
"""
import multiprocessing as mp
import time


def producer(q):
    for i in range(5):
        time.sleep(0.1)
        q.put("item-%d" % i)
    q.put(None)  # sentinel: nothing more will come


def consumer(q):
    while True:
        item = q.get()  # blocks while the queue is empty
        if item is None:
            break
        print("consumer got", item, flush=True)


if __name__ == "__main__":
    q = mp.Queue()
    procs = [mp.Process(target=producer, args=(q,), name="producer"),
             mp.Process(target=consumer, args=(q,), name="consumer")]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print("done")
