"""Two processes take two locks in opposite orders: a deadlock.

Visualise it: after a second without progress IPC Visualiser reports who waits for which lock,
who holds it, and where. Choose Stop to end both processes. The fix: take the locks in the
same order everywhere.
"""
import multiprocessing as mp
import time


def left(a, b):
    with a:
        time.sleep(0.2)
        with b:  # waits for b, which right holds
            print("left got both")


def right(a, b):
    with b:
        time.sleep(0.2)
        with a:  # waits for a, which left holds
            print("right got both")


if __name__ == "__main__":
    a, b = mp.Lock(), mp.Lock()
    ps = [mp.Process(target=left, args=(a, b), name="left"),
          mp.Process(target=right, args=(a, b), name="right")]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
