"""HANGS FOREVER (on purpose): a Barrier for three parties that only two reach.

The barrier was made for three (a third worker was planned), but only main
and one child call wait(): both wait forever. Without ipcviz this program never
ends.
"""
import multiprocessing as mp


def worker(barrier):
    print("worker at the barrier", flush=True)
    barrier.wait()  # blocks forever
    print("never printed")


if __name__ == "__main__":
    barrier = mp.Barrier(3)
    child = mp.Process(target=worker, args=(barrier,))
    print("main: starting one worker, then waiting at the barrier", flush=True)
    child.start()
    barrier.wait()  # blocks forever
    child.join()
