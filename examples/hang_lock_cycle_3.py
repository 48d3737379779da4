"""HANGS FOREVER (on purpose): a lock cycle through three processes.

Worker i holds lock i and wants lock (i + 1) % 3: 0 waits for 1, 1 for 2,
2 for 0. A Barrier(3) makes sure all three hold their first lock before any
asks for its second. Main waits in join() forever. Without ipcviz this program
never ends.
"""
import multiprocessing as mp


def take_two(i, locks, all_hold):
    mine, wanted = locks[i], locks[(i + 1) % 3]
    with mine:
        all_hold.wait()  # everyone holds their first lock now
        with wanted:  # blocks forever
            print("never printed")


if __name__ == "__main__":
    locks = [mp.Lock() for _ in range(3)]
    all_hold = mp.Barrier(3)
    workers = [mp.Process(target=take_two, args=(i, locks, all_hold), name="worker-%d" % i) for i in range(3)]
    for w in workers:
        w.start()
    print("three workers started; each will hold one lock and want the next", flush=True)
    for w in workers:
        w.join()  # never returns
