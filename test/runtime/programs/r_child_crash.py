"""Robustness: a child puts two items and then dies of an uncaught exception (exit code 1)."""
import multiprocessing as mp


def child(q):
    q.put("first")
    q.put("second")
    raise RuntimeError("child crashed on purpose")


if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print("got", q.get(), q.get(), flush=True)
    p.join()
    print("child exit code", p.exitcode)
