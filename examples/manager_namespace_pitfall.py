"""PITFALL: changing a list inside a Manager Namespace in place is lost.

`ns.nums` returns a *copy* of the list held by the manager; `ns.nums[2] = 3`
changes that local copy only, and the manager still holds [5, 1, 2]. The
reader prints [5, 1, 2]. (See manager_namespace_fix.py.) Ends by itself.
"""
import multiprocessing as mp


def writer(ns):
    ns.nums[2] = 3  # changes a local copy: lost
    print("writer changed nums[2] to 3", flush=True)


def reader(ns):
    print("reader sees", ns.nums, flush=True)  # [5, 1, 2]


if __name__ == "__main__":
    manager = mp.Manager()
    ns = manager.Namespace()
    ns.nums = [5, 1, 2]
    w = mp.Process(target=writer, args=(ns,))
    w.start()
    w.join()  # the writer is done before the reader starts
    r = mp.Process(target=reader, args=(ns,))
    r.start()
    r.join()
    manager.shutdown()
