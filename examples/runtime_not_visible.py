"""What a program can see of its own primitives is the same with or without a
tool looking on: time.sleep is the built-in function, sync objects keep their
class's module and repr, a lock used and dropped is freed at once (reference
counting, no garbage collection needed: its semaphore is unlinked then, as in a
plain run), and a Pool task given time.sleep shows under that name.
Ends by itself.
"""
import gc
import inspect
import multiprocessing as mp
import re
import time
import weakref


def no_address(text):
    return re.sub(r" at 0x[0-9a-f]+", "", text)


if __name__ == "__main__":
    print("time.sleep:", time.sleep, inspect.isbuiltin(time.sleep), time.sleep.__module__)
    for obj in (mp.Lock(), mp.RLock(), mp.Semaphore(2), mp.Event(), mp.Condition(), mp.Barrier(2)):
        kind = type(obj)
        print(kind.__name__, kind.__module__, kind.__qualname__, no_address(repr(obj)).split("(")[0])
    gc.disable()
    locks = (mp.Lock(), mp.RLock(), mp.Semaphore(2))
    for lock in locks:
        with lock:
            pass
        lock.acquire()
        lock.release()
    refs = [weakref.ref(lock) for lock in locks]
    del lock, locks
    print("dropped locks freed without gc:", [r() is None for r in refs])
    gc.enable()
    with mp.Pool(1) as pool:
        print("apply_async(time.sleep):", pool.apply_async(time.sleep, (0.01,)).get(timeout=60))
