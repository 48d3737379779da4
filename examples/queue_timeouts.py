"""Queue calls that give up: timeouts, get_nowait on an empty queue, put_nowait on a full one.

All the exceptions (queue.Empty, queue.Full) are caught. Then a child puts an
item after main has started waiting, and get(timeout=...) succeeds. Ends by itself.
"""
import multiprocessing as mp
import queue  # for the Empty and Full exceptions


def late_putter(q, ready):
    ready.wait()  # main is about to wait in get()
    q.put("late item")


if __name__ == "__main__":
    q = mp.Queue()
    try:
        q.get(timeout=0.1)
    except queue.Empty:
        print("get(timeout=0.1) on an empty queue: Empty")
    try:
        q.get_nowait()
    except queue.Empty:
        print("get_nowait() on an empty queue: Empty")

    bounded = mp.Queue(maxsize=2)
    bounded.put("a")
    bounded.put("b")
    try:
        bounded.put_nowait("c")
    except queue.Full:
        print("put_nowait() on a full queue (maxsize=2): Full")
    try:
        bounded.put("c", timeout=0.1)
    except queue.Full:
        print("put(timeout=0.1) on a full queue: Full")
    print("bounded queue gives back:", bounded.get(), bounded.get())

    ready = mp.Event()
    child = mp.Process(target=late_putter, args=(q, ready))
    child.start()
    ready.set()
    print("get(timeout=10) returned:", q.get(timeout=10))
    child.join()
