"""multiprocessing.connection.wait() on several objects at once: two pipes
and a child's sentinel.

Two senders each send one message after a pause; a third child only sleeps
and ends. Main waits on all three together until it has both messages and the
sleeper has ended, printing what it learned in a fixed order. Ends by itself.
"""
import multiprocessing as mp
import time
from multiprocessing.connection import wait


def sender(conn, word, pause):
    time.sleep(pause)
    conn.send(word)
    conn.close()


def sleeper(pause):
    time.sleep(pause)


if __name__ == "__main__":
    left_r, left_w = mp.Pipe(duplex=False)
    right_r, right_w = mp.Pipe(duplex=False)
    print("ready before any sender starts:", wait([left_r, right_r], timeout=0))
    a = mp.Process(target=sender, args=(left_w, "left", 0.3))
    b = mp.Process(target=sender, args=(right_w, "right", 0.6))
    nap = mp.Process(target=sleeper, args=(0.9,))
    for p in (a, b, nap):
        p.start()
    left_w.close()
    right_w.close()
    got = {}
    pending = [left_r, right_r, nap.sentinel]
    while pending:
        for ready in wait(pending, timeout=60):
            if ready is nap.sentinel:
                got["sleeper"] = "ended"
            else:
                got["left" if ready is left_r else "right"] = ready.recv()
            pending.remove(ready)
    for p in (a, b, nap):
        p.join()
    for key in sorted(got):
        print(key, "->", got[key])
