"""concurrent.futures.ProcessPoolExecutor: futures over a pool of processes.

submit() returns a Future; map() returns results in order; an exception in a
task comes back from future.result(). Ends by itself.
"""
import concurrent.futures as cf
import multiprocessing as mp


def cube(x):
    return x ** 3


def fail(x):
    raise RuntimeError("task %d failed" % x)


if __name__ == "__main__":
    ctx = mp.get_context()  # the default start method
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
        future = ex.submit(cube, 3)
        print("submit(cube, 3).result():", future.result(timeout=30))
        print("map(cube, range(5)):", list(ex.map(cube, range(5))))
        bad = ex.submit(fail, 7)
        try:
            bad.result(timeout=30)
        except RuntimeError as e:
            print("exception from a task:", e)
    print("executor shut down")
