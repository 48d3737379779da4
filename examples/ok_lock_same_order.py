"""Looks dangerous, is not: two processes take two locks many times, in the SAME order.

Both take A then B, 50 times each, and update a shared counter under both.
With one global order no cycle is possible, so this always finishes (compare
hang_lock_cycle_2.py). Ends by itself.
"""
import multiprocessing as mp

ROUNDS = 50


def work(lock_a, lock_b, counter):
    for _ in range(ROUNDS):
        with lock_a:
            with lock_b:
                counter.value += 1


if __name__ == "__main__":
    lock_a, lock_b = mp.Lock(), mp.Lock()
    counter = mp.Value("i", 0, lock=False)  # protected by lock_a and lock_b
    workers = [mp.Process(target=work, args=(lock_a, lock_b, counter)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("counter: %d (expected %d)" % (counter.value, 2 * ROUNDS))
