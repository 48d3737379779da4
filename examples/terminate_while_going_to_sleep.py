"""terminate() of a child that has just started to sleep, many times over. Each child starts a
thread of its own, puts a message and sleeps 60 s; main terminates it the moment the message
arrives. Plain, the default SIGTERM action ends the child at once (exit code -15). Under the
runtime a Python SIGTERM handler is in place, and CPython can run its C part while the main thread
hands the GIL to the other thread on its way into time.sleep: the sleep is then not woken, and the
runtime must still end the child at once. Ends by itself.
"""
import multiprocessing as mp
import threading
import time


def ticker(stop):
    while not stop.wait(0.005):  # wants the GIL every 5 ms
        pass


def child(q):
    threading.Thread(target=ticker, args=(threading.Event(),), daemon=True).start()
    q.put("about to sleep")
    time.sleep(60)


if __name__ == "__main__":
    rounds = 200 if mp.get_start_method() == "fork" else 15  # a spawned child takes ~0.1 s to start
    late = []
    for i in range(rounds):
        q = mp.SimpleQueue()
        p = mp.Process(target=child, args=(q,))
        p.start()
        q.get()
        p.terminate()
        p.join(5)
        if p.exitcode != -15:
            late.append((i, p.exitcode))
            p.kill()
            p.join()
    print("children that terminate() did not end at once:", late or "none")
