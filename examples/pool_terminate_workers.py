"""Pool.terminate() ends busy workers with SIGTERM (exit code -15), and
leaving `with Pool(...)` terminates the pool too. Every worker's exit status
is known. Ends by itself.
"""
import multiprocessing as mp
import time


def nap(seconds):
    time.sleep(seconds)
    return seconds


if __name__ == "__main__":
    pool = mp.Pool(3)
    started = [pool.apply_async(nap, (30,)) for _ in range(3)]
    time.sleep(0.5)  # the three tasks are running
    pool.terminate()
    pool.join()
    print("after terminate():", sorted(w.exitcode for w in pool._pool))
    with mp.Pool(2) as pool2:
        print("map:", pool2.map(nap, [0, 0]))
    pool2.join()
    print("after the with block: every worker ended:", all(w.exitcode is not None for w in pool2._pool))
