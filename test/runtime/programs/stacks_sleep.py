"""Healthy: a child sleeps for 3 s (a timer wait is progress), then ends; main joins it."""
import multiprocessing as mp
import time


def nap():
    time.sleep(3)
    print("child woke up")


if __name__ == "__main__":
    p = mp.Process(target=nap)
    p.start()
    p.join()
    print("done")
