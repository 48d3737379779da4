"""Robustness: run as `python -m r_module_args ARGS…`; a child gets the arguments through a queue."""
import multiprocessing as mp
import sys


def child(q, args):
    q.put(list(reversed(args)))


if __name__ == "__main__":
    print("argv[1:]:", sys.argv[1:], flush=True)
    q = mp.Queue()
    p = mp.Process(target=child, args=(q, sys.argv[1:]))
    p.start()
    print("child reversed them:", q.get(), flush=True)
    p.join()
