"""HANGS FOREVER (on purpose): main joins a child that waits for an Event never set.

The child waits for a "go" signal; main forgets to send it and joins the child.
Each waits for the other. Without ipcviz this program never ends.
"""
import multiprocessing as mp


def worker(go):
    print("worker: waiting for go", flush=True)
    go.wait()  # never set
    print("never printed")


if __name__ == "__main__":
    go = mp.Event()
    child = mp.Process(target=worker, args=(go,))
    child.start()
    # go.set() is missing here
    child.join()  # blocks forever
