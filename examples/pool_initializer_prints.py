"""A Pool whose workers each print from their initializer, and that the
program never closes: every worker must have printed before the program asks
for a result of each, however slowly workers start. Ends by itself.
"""
import multiprocessing as mp
import os
import sys


def hello():
    sys.stdout.write("worker ready\n")  # one write: lines of different workers never mix
    sys.stdout.flush()


def pid(_):
    return os.getpid()


if __name__ == "__main__":
    pool = mp.Pool(5, initializer=hello)
    seen = set()
    while len(seen) < 5:  # each worker takes a task once it has run its initializer
        seen.update(pool.map(pid, range(50), chunksize=1))
    print("results from", len(seen), "workers")
