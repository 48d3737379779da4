"""HANGS FOREVER (on purpose): get() on a queue nobody will ever put to.

The producer is meant to put a result, but it returns early on a condition the
programmer did not expect, without putting anything and without a sentinel. Main
waits for its result in queue.get() with no timeout: forever. Without ipcviz
this program never ends; ipcviz shows main blocked in get() on a queue whose
only producer has exited.
"""
import multiprocessing as mp


def producer(q, items):
    if not items:  # the unexpected case: nothing to do, and nothing is sent
        print("producer: no items, returning", flush=True)
        return
    q.put(sum(items))


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q, []))
    p.start()
    p.join()
    print("producer exited with", p.exitcode, "- main now waits for its result", flush=True)
    print("result:", q.get())  # blocks forever
