"""concurrent.futures.ProcessPoolExecutor in full: submit, map with chunks,
as_completed, wait, an exception from a task, an initializer, shutdown.

Each task goes to one worker process and its result (or exception) comes back
to the future. Results are printed in a fixed order. Ends by itself.
"""
import concurrent.futures as cf
import os


def setup(tag):
    global TAG
    TAG = tag


def tagged(x):
    return "%s-%d" % (TAG, x)


def add(a, b):
    return a + b


def check(x):
    if x == 3:
        raise ValueError("three is not allowed")
    return x


if __name__ == "__main__":
    with cf.ProcessPoolExecutor(max_workers=2, initializer=setup, initargs=("w",)) as ex:
        print("submit:", ex.submit(tagged, 1).result(timeout=60))
        print("map:", list(ex.map(add, range(5), range(10, 15), chunksize=2)))
        futures = [ex.submit(check, i) for i in range(5)]
        ok, failed = [], []
        for f in cf.as_completed(futures, timeout=60):
            if f.exception() is None:
                ok.append(f.result())
            else:
                failed.append(str(f.exception()))
        print("as_completed ok:", sorted(ok), "failed:", failed)
        done, not_done = cf.wait([ex.submit(tagged, i) for i in range(3)], timeout=60)
        print("wait:", sorted(f.result() for f in done), len(not_done))
        try:
            futures[3].result()
        except ValueError as e:
            print("result() raised:", e)
    print("shut down; parent", os.getpid() > 0)
