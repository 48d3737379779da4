"""multiprocessing.Event and Barrier.

- Event: children wait for main's go signal; is_set(), clear(), and a
  wait(timeout) that returns False.
- Barrier(3): main and two children meet; nobody passes until all three arrive.
  The arrival index each gets from wait() is 0, 1 or 2 in some order.
Ends by itself.
"""
import multiprocessing as mp


def runner(i, go, barrier, results):
    go.wait()  # block until main sets the event
    index = barrier.wait()  # block until all three parties arrive
    results.put((i, index))


if __name__ == "__main__":
    go = mp.Event()
    print("event is set at start:", go.is_set())
    print("wait(timeout=0.1) on an unset event:", go.wait(timeout=0.1))

    barrier = mp.Barrier(3)
    results = mp.Queue()
    children = [mp.Process(target=runner, args=(i, go, barrier, results)) for i in (1, 2)]
    for c in children:
        c.start()
    go.set()
    print("event is set after set():", go.is_set())
    my_index = barrier.wait()
    got = [results.get() for _ in children]
    for c in children:
        c.join()
    indexes = sorted([my_index] + [index for _, index in got])
    print("children that passed the barrier:", sorted(i for i, _ in got))
    print("arrival indexes handed out:", indexes)
    go.clear()
    print("event is set after clear():", go.is_set())
