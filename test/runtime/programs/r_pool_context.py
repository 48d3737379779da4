"""Robustness: a Pool used as a context manager (leaving the block terminates the workers)."""
import multiprocessing as mp


def square(x):
    return x * x


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        print(pool.map(square, range(8)))
    print("pool gone")
