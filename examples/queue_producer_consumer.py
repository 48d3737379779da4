"""Producer/consumer over a multiprocessing.Queue (three processes).

A producer process puts five work items on a queue and then a `None` sentinel;
a consumer process takes items until it sees the sentinel. The main process
starts both, waits for them and reports. Ends by itself.

Under ipcviz you see three lanes (main, producer, consumer), one arrow per item
from each queue.put to the queue.get that took it, and the consumer blocked in
get() whenever the queue is empty.
"""
import multiprocessing as mp

N_ITEMS = 5


def producer(q, n):
    """Put n work items, then the sentinel that tells the consumer to stop."""
    for i in range(n):
        q.put({"job": i, "text": "item-%d" % i})
    q.put(None)  # sentinel: nothing more will come


def consumer(q):
    """Take items until the sentinel arrives."""
    handled = 0
    while True:
        item = q.get()  # blocks while the queue is empty
        if item is None:
            break
        print("consumer got job %d (%s)" % (item["job"], item["text"]), flush=True)
        handled += 1
    print("consumer: sentinel received after %d items" % handled, flush=True)


if __name__ == "__main__":
    queue = mp.Queue()
    prod = mp.Process(target=producer, args=(queue, N_ITEMS), name="producer")
    cons = mp.Process(target=consumer, args=(queue,), name="consumer")
    cons.start()
    prod.start()
    prod.join()
    cons.join()
    print("main: producer exit code %s, consumer exit code %s" % (prod.exitcode, cons.exitcode))
