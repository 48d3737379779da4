"""queue.Queue is for threads, not processes.

A thread's put() is seen by main, because threads share memory. A child
process gets its own *copy* of the queue (with fork; with spawn or forkserver
a queue.Queue cannot even be pickled), so main never sees the child's item.
This program always uses the fork start method. Ends by itself.
"""
import multiprocessing as mp
import queue
import threading


def producer(q):
    q.put("hello")


if __name__ == "__main__":
    fork = mp.get_context("fork")  # a queue.Queue can only reach a child by fork

    q = queue.Queue()
    t = threading.Thread(target=producer, args=(q,))
    t.start()
    t.join()
    print("after a thread's put, main sees", q.qsize(), "item:", q.get())

    p = fork.Process(target=producer, args=(q,))
    p.start()
    p.join()
    print("after a child process's put, main sees", q.qsize(), "items")
