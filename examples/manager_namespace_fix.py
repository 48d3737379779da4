"""The fix for manager_namespace_pitfall.py: read, change, and assign back.

`nums = ns.nums; nums[2] = 3; ns.nums = nums` sends the changed list to the
manager, so the reader prints [5, 1, 3]. Ends by itself.
"""
import multiprocessing as mp


def writer(ns):
    nums = ns.nums  # a local copy
    nums[2] = 3
    ns.nums = nums  # written back: everyone sees it
    print("writer assigned nums =", nums, flush=True)


def reader(ns):
    print("reader sees", ns.nums, flush=True)  # [5, 1, 3]


if __name__ == "__main__":
    manager = mp.Manager()
    ns = manager.Namespace()
    ns.nums = [5, 1, 2]
    w = mp.Process(target=writer, args=(ns,))
    w.start()
    w.join()
    r = mp.Process(target=reader, args=(ns,))
    r.start()
    r.join()
    manager.shutdown()
