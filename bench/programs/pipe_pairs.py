# Benchmark: N Pipe send/recv pairs between two processes. Prints the workload's wall time.
import multiprocessing as mp
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def producer(conn, n):
    for i in range(n):
        conn.send(i)
    conn.close()


if __name__ == "__main__":
    a, b = mp.Pipe()
    t0 = time.perf_counter()
    p = mp.Process(target=producer, args=(b, N))
    p.start()
    for _ in range(N):
        a.recv()
    p.join()
    print("workload_s %.6f" % (time.perf_counter() - t0))
