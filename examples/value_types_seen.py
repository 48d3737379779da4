"""What a program sees of its shared ctypes objects is what ctypes made: a
RawValue(c_int) is a c_int (`type(v) is ctypes.c_int`), a RawArray of 3 c_ints
is `ctypes.c_int * 3`, an element of an Array of Structures is the Structure's
own class, in the process that made them and in a child they were passed to
(pickled under spawn and forkserver). Each child checks, then writes; the
children run one after the other, so the output is always the same.
Ends by itself.
"""
import ctypes
import multiprocessing as mp
import pickle
import re


class Point(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int)]


def looks(label, obj, expected):
    """One line: the type is the expected one, its names, its repr and what the object holds."""
    kind = type(obj)
    text = re.sub(r" at 0x[0-9a-f]+", "", repr(obj))
    print(
        label,
        kind is expected,
        kind.__name__,
        kind.__module__,
        kind.__qualname__,
        [c.__name__ for c in kind.__mro__],
        getattr(obj, "_type_", "-"),
        text,
        sorted(vars(obj)),
        isinstance(obj, expected),
    )


def check(where, objs):
    number, counter, ratio, ints, tail, chars, point, points, locked = objs
    looks(where + " RawValue(c_int)", number, ctypes.c_int)
    looks(where + " Value(c_int, lock=False)", counter, ctypes.c_int)
    looks(where + " RawValue(c_double)", ratio, ctypes.c_double)
    looks(where + " RawArray(c_int, 3)", ints, ctypes.c_int * 3)
    looks(where + " Array('i', lock=False)", tail, ctypes.c_int * 2)
    looks(where + " RawArray('c', 4)", chars, ctypes.c_char * 4)
    looks(where + " RawValue(Point)", point, Point)
    looks(where + " RawArray(Point, 2)", points, Point * 2)
    looks(where + " RawArray(Point, 2)[1]", points[1], Point)
    looks(where + " Array(Point, 2)[0]", locked[0], Point)
    looks(where + " Array(Point, 2).get_obj()", locked.get_obj(), Point * 2)
    print(where, "c_int(5) still plain:", type(ctypes.c_int(5)) is ctypes.c_int, ctypes.c_int(5).value, (ctypes.c_int * 3)(1, 2, 3)[:])
    print(where, "pickled by value:", pickle.loads(pickle.dumps(points[1])).x, type(pickle.loads(pickle.dumps(points[1]))) is Point)


def child(slot, objs):
    check("child %d:" % slot, objs)
    number, counter, ratio, ints, tail, chars, point, points, locked = objs
    number.value += 10
    counter.value = slot + 1
    ratio.value = ratio.value * 2
    ints[slot] = slot * 100
    tail[slot] = -slot
    chars.value = b"c%d" % slot
    point.x = slot + 7
    points[slot].y = slot + 20
    locked[slot].x = slot + 30


if __name__ == "__main__":
    objs = (
        mp.RawValue(ctypes.c_int, 1),
        mp.Value(ctypes.c_int, 0, lock=False),
        mp.RawValue(ctypes.c_double, 1.5),
        mp.RawArray(ctypes.c_int, 3),
        mp.Array("i", 2, lock=False),
        mp.RawArray("c", 4),
        mp.RawValue(Point, 1, 2),
        mp.RawArray(Point, [(1, 2), (3, 4)]),
        mp.Array(Point, [(5, 6), (7, 8)]),
    )
    check("main:", objs)
    for slot in range(2):
        p = mp.Process(target=child, args=(slot, objs))
        p.start()
        p.join()
    number, counter, ratio, ints, tail, chars, point, points, locked = objs
    print("after:", number.value, counter.value, ratio.value, ints[:], tail[:], chars.value, (point.x, point.y))
    print("after:", [(p.x, p.y) for p in points], [(p.x, p.y) for p in locked])
