"""A busy-polling consumer that is terminated once the queue is drained.

Like the seed's first Queue example: the consumer loops on `queue.empty()`
instead of blocking in get(); main waits for the producer, spins until the queue
is empty, gives the consumer a moment to print, then terminate()s it (its exit
code is -15, killed by SIGTERM). Ends by itself.

Values are deterministic (squares), unlike the seed's random numbers.
"""
import multiprocessing as mp


def producer(queue):
    for i in range(10):
        queue.put(i * i)


def consumer(queue):
    while True:  # busy polling: empty() is called many times between items
        if not queue.empty():
            item = queue.get()
            print("consumed %d" % item, flush=True)


if __name__ == "__main__":
    queue = mp.Queue()
    prod = mp.Process(target=producer, args=(queue,))
    cons = mp.Process(target=consumer, args=(queue,))
    prod.start()
    cons.start()

    prod.join()
    while not queue.empty():  # main busy-waits too
        pass
    cons.join(timeout=0.5)  # the consumer never ends by itself: this times out
    print("consumer still alive after join(timeout): %s" % cons.is_alive(), flush=True)
    cons.terminate()
    cons.join()
    print("consumer exit code: %d" % cons.exitcode)
