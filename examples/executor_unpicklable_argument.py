"""A ProcessPoolExecutor task whose argument cannot be pickled: the future
fails at once with the pickling error (raised in the executor's feeder
thread and handed to the future), and the executor keeps working.
Ends by itself.
"""
import concurrent.futures as cf
import threading


def echo(x):
    return x


if __name__ == "__main__":
    with cf.ProcessPoolExecutor(max_workers=1) as ex:
        bad = ex.submit(echo, threading.Lock())
        try:
            bad.result(timeout=60)
        except TypeError as e:
            print("the task failed:", type(e).__name__)
        print("the executor still works:", ex.submit(echo, "yes").result(timeout=60))
