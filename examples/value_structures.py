"""Shared Arrays of ctypes Structures, and a Value without a lock.

Two workers move points of a shared Array (`a[i].x = …` writes one field in
shared memory); a `Value(lock=False)` counter is updated by one process at a
time (the workers run one after the other). Ends by itself.
"""
import ctypes
import multiprocessing as mp


class Point(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int)]


def move(points, dx, steps):
    for i in range(len(points)):
        points[i].x = points[i].x + dx
    steps.value += 1


if __name__ == "__main__":
    points = mp.Array(Point, [(1, 2), (3, 4), (5, 6)])
    steps = mp.Value("i", 0, lock=False)
    for dx in (10, 100):
        p = mp.Process(target=move, args=(points, dx, steps))
        p.start()
        p.join()
    print("points:", [(pt.x, pt.y) for pt in points])
    print("steps:", steps.value)
