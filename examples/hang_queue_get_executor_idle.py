"""Main waits forever in Queue.get() while a ProcessPoolExecutor's workers sit idle.

The program meant its tasks to put a result on a multiprocessing Queue, but
submits nothing that does: every worker is idle, and main waits for an item
nobody will send.
Never ends by itself (run it with --timeout).
"""
import concurrent.futures as cf
import multiprocessing as mp


def square(x):
    return x * x


if __name__ == "__main__":
    results = mp.Queue()
    with cf.ProcessPoolExecutor(max_workers=2) as ex:
        print("squares:", list(ex.map(square, range(4))))
        print("waiting for a result on the queue...", flush=True)
        print(results.get())  # nobody puts: hangs here
