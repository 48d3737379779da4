# Benchmark: N Queue put/get pairs between two processes. Prints the workload's wall time.
import multiprocessing as mp
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def producer(q, n):
    for i in range(n):
        q.put(i)


if __name__ == "__main__":
    q = mp.Queue()
    t0 = time.perf_counter()
    p = mp.Process(target=producer, args=(q, N))
    p.start()
    for _ in range(N):
        q.get()
    p.join()
    print("workload_s %.6f" % (time.perf_counter() - t0))
