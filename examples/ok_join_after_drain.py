"""Looks dangerous, is not: joining a child that put a lot on a queue, AFTER draining it.

A process that has put items on a multiprocessing.Queue does not exit until
they have all been flushed into the underlying pipe. Joining it *before*
taking the items can deadlock when the data is bigger than the pipe buffer
(the child waits for the reader, main waits for the child). Here main takes
every item first and joins afterwards, so it always ends.
"""
import multiprocessing as mp

N_ITEMS = 20
ITEM_SIZE = 16 * 1024  # 20 x 16 KiB = 320 KiB, far more than a pipe buffer


def producer(q):
    for i in range(N_ITEMS):
        q.put(bytes([i]) * ITEM_SIZE)


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q,))
    p.start()
    total = sum(len(q.get()) for _ in range(N_ITEMS))  # drain first...
    p.join()  # ...then join: the child's feeder thread has nothing left to flush
    print("received %d bytes in %d items; producer exit code %d" % (total, N_ITEMS, p.exitcode))
