"""HANGS FOREVER (on purpose): three dining philosophers with plain locks.

Each philosopher takes its left fork, waits until every philosopher holds one, then reaches for
its right fork: a cycle phil-0 -> phil-1 -> phil-2 -> phil-0. The forks are multiprocessing locks kept in
a list (`forks[0..2]`), the Barrier `seated` lines them up; each child knows its two as `left` and `right`. Main waits in join()
forever. Without ipcviz this program never ends.
"""
import multiprocessing as mp


def philosopher(i, left, right, seated):
    left.acquire()
    seated.wait()  # every philosopher holds its left fork
    right.acquire()  # blocks forever: the neighbour holds it
    print("never printed")


if __name__ == "__main__":
    forks = [mp.Lock() for _ in range(3)]
    seated = mp.Barrier(3)
    phils = [
        mp.Process(target=philosopher, name="phil-%d" % i, args=(i, forks[i], forks[(i + 1) % 3], seated))
        for i in range(3)
    ]
    for p in phils:
        p.start()
    print("three philosophers at the table", flush=True)
    for p in phils:
        p.join()  # never returns
