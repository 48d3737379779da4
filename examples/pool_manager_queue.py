"""Pool workers talk through a Manager().Queue.

A plain multiprocessing.Queue cannot be passed to Pool tasks (it can only be
shared by inheritance), but a Manager queue proxy can. One task puts, another
task blocks in get() until the item arrives. Ends by itself.
"""
import multiprocessing as mp


def producer(queue):
    queue.put("a message between pool workers")
    return "producer done"


def consumer(queue):
    return "consumer got: %s" % queue.get(timeout=30)


if __name__ == "__main__":
    manager = mp.Manager()
    queue = manager.Queue()
    pool = mp.Pool(2)
    got = pool.apply_async(consumer, (queue,))
    put = pool.apply_async(producer, (queue,))
    pool.close()
    pool.join()
    print(put.get())
    print(got.get())
    manager.shutdown()
