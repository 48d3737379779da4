"""Robustness: terminate() a child that is busy producing events (no flush point in its loop)."""
import multiprocessing as mp
import time


def child(q, counter):
    for i in range(20):
        q.put(i)
    time.sleep(0.01)  # a flush point: everything above is sent by now
    while True:  # busy: writes a shared value as fast as it can
        counter.value += 1


if __name__ == "__main__":
    q = mp.Queue()
    counter = mp.Value("i", 0)
    p = mp.Process(target=child, args=(q, counter))
    p.start()
    print("got %d items" % len([q.get() for _ in range(20)]), flush=True)
    while counter.value < 200:
        time.sleep(0.01)
    p.terminate()
    p.join()
    print("child exit code", p.exitcode)
