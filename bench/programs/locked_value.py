# Benchmark: N increments of a shared Value under its lock, split over two processes.
import multiprocessing as mp
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def work(v, n):
    for _ in range(n):
        with v.get_lock():
            v.value += 1


if __name__ == "__main__":
    v = mp.Value("i", 0)
    t0 = time.perf_counter()
    ps = [mp.Process(target=work, args=(v, N // 2)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    assert v.value == N, v.value
    print("workload_s %.6f" % (time.perf_counter() - t0))
