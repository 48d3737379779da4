"""Robustness: a child is killed with SIGKILL while it waits; its earlier events must be in the trace."""
import multiprocessing as mp
import time


def child(q, ready, never):
    for i in range(3):
        q.put(i)
    ready.set()
    never.wait()  # killed while waiting here


if __name__ == "__main__":
    q = mp.Queue()
    ready, never = mp.Event(), mp.Event()
    p = mp.Process(target=child, args=(q, ready, never))
    p.start()
    print("got", [q.get() for _ in range(3)], flush=True)
    ready.wait()
    time.sleep(0.5)  # by now the child waits in never.wait()
    p.kill()
    p.join()
    print("child exit code", p.exitcode)
