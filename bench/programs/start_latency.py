# Benchmark: how long a child takes to start, per start method: from before Process.start() to
# the first line of its target, 9 children one after the other (one alive at a time); prints the
# median in ms per method. Under ipcviz the difference is the runtime's share of a worker's start
# (issue 13, defect 7: a slower start widens the program's own races).
import multiprocessing as mp
import sys
import time


def child(t0, q):
    q.put(time.monotonic() - t0)


def latency(method):
    ctx = mp.get_context(method)
    q = ctx.SimpleQueue()
    out = []
    for _ in range(9):
        t0 = time.monotonic()
        p = ctx.Process(target=child, args=(t0, q))
        p.start()
        out.append(q.get())
        p.join()
    out.sort()
    return out[len(out) // 2] * 1e3


if __name__ == "__main__":
    for m in sys.argv[1:] or ("fork", "forkserver", "spawn"):
        print("start_ms %s %.2f" % (m, latency(m)))
