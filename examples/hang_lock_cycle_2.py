"""HANGS FOREVER (on purpose): a lock-order deadlock between two processes.

Process "left" takes lock A and then wants B; process "right" takes B and then
wants A. Two Events force the interleaving, so the deadlock happens every time
and the output is always in the same order: left takes A, then right takes B,
then each asks for the other's lock. Main then waits in join() forever.
Without ipcviz this program never ends; ipcviz shows the cycle
left -> B (held by right) -> A (held by left).
(See ok_lock_same_order.py for the fix: take the locks in the same order.)
"""
import multiprocessing as mp


def left_side(lock_a, lock_b, a_held, b_held):
    with lock_a:
        print("left holds A", flush=True)
        a_held.set()
        b_held.wait()  # until right holds B
        print("left wants B", flush=True)
        with lock_b:  # blocks forever
            print("never printed")


def right_side(lock_a, lock_b, a_held, b_held):
    a_held.wait()  # until left holds A
    with lock_b:
        print("right holds B, wants A", flush=True)
        b_held.set()
        with lock_a:  # blocks forever
            print("never printed")


if __name__ == "__main__":
    lock_a, lock_b = mp.Lock(), mp.Lock()
    a_held, b_held = mp.Event(), mp.Event()
    args = (lock_a, lock_b, a_held, b_held)
    left = mp.Process(target=left_side, args=args, name="left")
    right = mp.Process(target=right_side, args=args, name="right")
    left.start()
    right.start()
    left.join()  # never returns
    right.join()
