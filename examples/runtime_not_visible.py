"""What a program can see of its own primitives is the same with or without a
tool looking on: time.sleep is the built-in function, sync objects keep their
class's module and repr, and a Pool task given time.sleep shows under that name.
Ends by itself.
"""
import inspect
import multiprocessing as mp
import re
import time


def no_address(text):
    return re.sub(r" at 0x[0-9a-f]+", "", text)


if __name__ == "__main__":
    print("time.sleep:", time.sleep, inspect.isbuiltin(time.sleep), time.sleep.__module__)
    for obj in (mp.Lock(), mp.RLock(), mp.Semaphore(2), mp.Event(), mp.Condition(), mp.Barrier(2)):
        kind = type(obj)
        print(kind.__name__, kind.__module__, kind.__qualname__, no_address(repr(obj)).split("(")[0])
    with mp.Pool(1) as pool:
        print("apply_async(time.sleep):", pool.apply_async(time.sleep, (0.01,)).get(timeout=60))
