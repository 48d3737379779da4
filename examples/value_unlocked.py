"""Shared values without a lock: Value(lock=False), Array(lock=False),
RawValue and RawArray (and a RawValue of a ctypes Structure).

Each child writes its own slot of the arrays and its own field, so nothing
races; the parent waits for the children, then reads everything back. Every
read and write is a plain memory access, recorded like a locked value's.
Ends by itself.
"""
import ctypes
import multiprocessing as mp


class Pair(ctypes.Structure):
    _fields_ = [("left", ctypes.c_int), ("right", ctypes.c_int)]


def worker(slot, counter, scores, flags, total, pair, tag):
    scores[slot] = (slot + 1) * 10
    flags[slot] = slot + 100
    if slot == 0:
        counter.value = 7
        pair.left = 11
        tag.value = b"ok"
    else:
        total.value = 2.5
        pair.right = 22


if __name__ == "__main__":
    counter = mp.Value("i", 0, lock=False)
    scores = mp.Array("i", 2, lock=False)
    flags = mp.RawArray(ctypes.c_int, [0, 0])
    total = mp.RawValue(ctypes.c_double, 0.0)
    pair = mp.RawValue(Pair, 1, 2)
    tag = mp.RawArray("c", 4)
    print("before:", counter.value, list(scores), flags[:], total.value, pair.left, pair.right, tag.value)
    children = [mp.Process(target=worker, args=(i, counter, scores, flags, total, pair, tag)) for i in range(2)]
    for c in children:
        c.start()
    for c in children:
        c.join()
    print("after:", counter.value, list(scores), flags[:], total.value, pair.left, pair.right, tag.value)
    print(counter, type(counter).__name__, type(scores).__name__)
