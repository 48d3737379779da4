"""Locks across processes: Lock, RLock, Semaphore, BoundedSemaphore.

- Lock: a child holds it while main tries acquire(timeout=0.1) and
  acquire(block=False) (both fail), then main gets it once the child releases.
- RLock: a child takes it twice (nested) and releases twice.
- Semaphore(2): four children; at most two are inside at once (checked with a
  shared counter of how many are inside).
- BoundedSemaphore: releasing more than acquired raises ValueError (caught).
Ends by itself.
"""
import multiprocessing as mp


def hold_lock(lock, held, release):
    with lock:
        held.set()  # tell main we hold it
        release.wait()  # keep holding until main says so


def nested(rlock):
    with rlock:
        with rlock:  # re-entrant: the same process may take it again
            print("child holds the RLock twice", flush=True)


def limited(sem, inside, most):
    with sem:
        with inside.get_lock():
            inside.value += 1
            most.value = max(most.value, inside.value)
        with inside.get_lock():
            inside.value -= 1


if __name__ == "__main__":
    lock = mp.Lock()
    held, release = mp.Event(), mp.Event()
    child = mp.Process(target=hold_lock, args=(lock, held, release))
    child.start()
    held.wait()
    print("acquire(timeout=0.1) while the child holds it:", lock.acquire(timeout=0.1))
    print("acquire(block=False) while the child holds it:", lock.acquire(False))
    release.set()
    print("acquire() after the child releases:", lock.acquire())
    lock.release()
    child.join()

    rlock = mp.RLock()
    child = mp.Process(target=nested, args=(rlock,))
    child.start()
    child.join()
    with rlock:
        with rlock:
            print("main holds the RLock twice")

    sem = mp.Semaphore(2)
    inside, most = mp.Value("i", 0), mp.Value("i", 0)
    children = [mp.Process(target=limited, args=(sem, inside, most)) for _ in range(4)]
    for c in children:
        c.start()
    for c in children:
        c.join()
    print("Semaphore(2): at most %d inside at once: %s" % (2, most.value <= 2))

    bounded = mp.BoundedSemaphore(1)
    bounded.acquire()
    bounded.release()
    try:
        bounded.release()  # one release too many
    except ValueError as e:
        print("BoundedSemaphore over-release: ValueError:", e)
