"""HANGS FOREVER (on purpose): a lock-order deadlock with Manager locks.

Like hang_lock_cycle_2.py, but the locks live in a Manager server process:
each acquire() is a request to the server, which never answers the second
ones. Manager Events force the interleaving (left takes A, then right takes B).
Main waits in join() forever. Without ipcviz this program never ends.
"""
import multiprocessing as mp


def left_side(lock_a, lock_b, a_held, b_held):
    lock_a.acquire()
    print("left holds A", flush=True)
    a_held.set()
    b_held.wait()
    print("left wants B", flush=True)
    lock_b.acquire()  # blocks forever: right holds B
    print("never printed")


def right_side(lock_a, lock_b, a_held, b_held):
    a_held.wait()
    lock_b.acquire()
    print("right holds B, wants A", flush=True)
    b_held.set()
    lock_a.acquire()  # blocks forever: left holds A
    print("never printed")


if __name__ == "__main__":
    manager = mp.Manager()
    args = (manager.Lock(), manager.Lock(), manager.Event(), manager.Event())
    left = mp.Process(target=left_side, args=args)
    right = mp.Process(target=right_side, args=args)
    left.start()
    right.start()
    left.join()  # never returns
    right.join()
