# Benchmark: uncontended acquire()+release() of a multiprocessing Lock and RLock in one process,
# as CPython's Doc/includes/mp_benchmarks.py (test_lockspeed) measures it: double the iterations
# until one pass takes at least DELTA seconds; print the time per iteration.
import multiprocessing as mp
import sys
import time

DELTA = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2


def lockspeed(lock):
    iterations = 1
    elapsed = 0.0
    while elapsed < DELTA:
        iterations *= 2
        t = time.perf_counter()
        for _ in range(iterations):
            lock.acquire()
            lock.release()
        elapsed = time.perf_counter() - t
    return elapsed / iterations


if __name__ == "__main__":
    lock = mp.Lock()
    rlock = mp.RLock()
    print("lock_ns %.3f" % (lockspeed(lock) * 1e9))
    print("rlock_ns %.3f" % (lockspeed(rlock) * 1e9))
