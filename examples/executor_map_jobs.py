"""ProcessPoolExecutor.map as one job: each call is one job whose chunks go to
the workers that ran them, with each chunk's results back.

Two maps: nine items one at a time, then ten items in chunks of four (three
chunks: 4, 4 and 2 items). Results print in order. Ends by itself.
"""
import concurrent.futures as cf


def cube(n):
    return n * n * n


def label(word, n):
    return "%s%d" % (word, n)


if __name__ == "__main__":
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        print("cubes:", list(pool.map(cube, range(9))))
        words = ["w"] * 10
        for item in pool.map(label, words, range(10), chunksize=4):
            print("item:", item)
    print("done")
