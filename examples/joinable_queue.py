"""JoinableQueue: workers call task_done(), main waits in join() for all tasks.

Main puts six tasks on a JoinableQueue; two worker processes take them, put a
result on a results Queue and call task_done(). main's tasks.join() returns
once every task is marked done; then main sends one sentinel per worker.
Results are printed sorted, so the output is deterministic. Ends by itself.
"""
import multiprocessing as mp


def worker(tasks, results):
    while True:
        n = tasks.get()
        try:
            if n is None:
                return
            results.put((n, n * n))
        finally:
            tasks.task_done()  # one task_done() per get(), sentinels included


if __name__ == "__main__":
    tasks = mp.JoinableQueue()
    results = mp.Queue()
    workers = [mp.Process(target=worker, args=(tasks, results)) for _ in range(2)]
    for w in workers:
        w.start()

    for n in range(6):
        tasks.put(n)
    tasks.join()  # blocks until all six tasks are done
    print("all tasks done", flush=True)

    squares = sorted(results.get() for _ in range(6))
    print("results:", squares)

    for _ in workers:
        tasks.put(None)
    tasks.join()
    for w in workers:
        w.join()
    print("workers exited with", [w.exitcode for w in workers])
