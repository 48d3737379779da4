"""Robustness: a user's own sitecustomize (on PYTHONPATH, see user_site/) still runs, in main and in children."""
import multiprocessing as mp


def child(q):
    import sitecustomize

    q.put(getattr(sitecustomize, "MARK", None))


if __name__ == "__main__":
    import sitecustomize

    print("main:", getattr(sitecustomize, "MARK", None), flush=True)
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print("child:", q.get(), flush=True)
    p.join()
