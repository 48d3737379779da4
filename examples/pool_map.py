"""multiprocessing.Pool: map, imap, imap_unordered, starmap, apply, apply_async.

A Pool of two worker processes, used as a context manager (leaving the `with`
block terminates the workers). Results come back in order, except from
imap_unordered, which is sorted here. Ends by itself.
"""
import multiprocessing as mp


def square(x):
    return x * x


def power(base, exp):
    return base ** exp


if __name__ == "__main__":
    with mp.Pool(processes=2) as pool:
        print("map:", pool.map(square, range(6)))
        print("map chunksize=2:", pool.map(square, range(6), chunksize=2))
        print("imap:", list(pool.imap(square, range(4))))
        print("imap_unordered (sorted):", sorted(pool.imap_unordered(square, range(4))))
        print("starmap:", pool.starmap(power, [(2, 3), (3, 2), (10, 0)]))
        print("apply:", pool.apply(power, (2, 10)))
        result = pool.apply_async(square, (12,))
        print("apply_async(...).get(timeout=10):", result.get(timeout=10))
        results = [pool.apply_async(square, (i,)) for i in range(3)]
        print("several apply_async:", [r.get() for r in results])
    print("pool terminated by the with-block")
