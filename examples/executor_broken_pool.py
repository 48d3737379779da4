"""A ProcessPoolExecutor whose worker dies: BrokenProcessPool.

One task ends its worker process abruptly (os._exit); the executor notices,
fails every pending future with BrokenProcessPool and refuses new work.
Ends by itself.
"""
import concurrent.futures as cf
import os
from concurrent.futures.process import BrokenProcessPool


def crash(code):
    os._exit(code)


def double(x):
    return 2 * x


if __name__ == "__main__":
    ex = cf.ProcessPoolExecutor(max_workers=2)
    print("before:", ex.submit(double, 21).result(timeout=60))
    doomed = ex.submit(crash, 7)
    try:
        doomed.result(timeout=60)
    except BrokenProcessPool as e:
        print("the pool broke:", type(e).__name__)
    try:
        ex.submit(double, 1)
    except BrokenProcessPool as e:
        print("new work refused:", type(e).__name__)
    ex.shutdown(wait=True)
    print("done")
