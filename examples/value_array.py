"""Shared memory: multiprocessing.Value and Array.

- Types by typecode ("i", "d", "c") and by ctypes (c_int, c_double, c_char).
- With the default lock (a shared RLock, reachable with get_lock()) and with
  lock=False (a raw ctypes object: no lock, and invisible to ipcviz).
- `v.value += 1` is NOT atomic: two processes each add 200 under
  `with v.get_lock():`, so the total is always 400.
- Array indexing, slices, slice assignment, and a char array's .value/.raw.
Ends by itself.
"""
import ctypes
import multiprocessing as mp

N = 200


def add_many(counter):
    for _ in range(N):
        with counter.get_lock():  # read-modify-write under the Value's own lock
            counter.value += 1


def fill(arr, name, flag):
    arr[0] = 100  # item assignment
    arr[1:3] = [200, 300]  # slice assignment
    name.value = b"child"  # a c_char array holds a byte string
    flag.value = 1.5  # a lock=False Value: plain ctypes, no lock at all


if __name__ == "__main__":
    # typecodes and ctypes
    i_code = mp.Value("i", 512)
    d_code = mp.Value("d", 0.25)
    c_code = mp.Value("c", b"a")
    i_type = mp.Value(ctypes.c_int, 7)
    d_type = mp.Value(ctypes.c_double, 2.5)
    c_type = mp.Value(ctypes.c_char, b"z")
    print("typecodes:", i_code.value, d_code.value, c_code.value)
    print("ctypes:   ", i_type.value, d_type.value, c_type.value)

    # the implicit lock of a Value
    counter = mp.Value("i", 0)
    workers = [mp.Process(target=add_many, args=(counter,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("counter after 2 x %d locked increments: %d" % (N, counter.value))

    # arrays, a char array and a lock=False value
    arr = mp.Array("i", [1, 2, 3, 4, 5])
    name = mp.Array(ctypes.c_char, 8)  # 8 zero bytes
    flag = mp.Value(ctypes.c_double, 0.0, lock=False)
    print("lock=False gives a plain ctypes object:", type(flag).__name__)
    child = mp.Process(target=fill, args=(arr, name, flag))
    child.start()
    child.join()
    print("array:", arr[:], "slice [1:3]:", arr[1:3], "len:", len(arr))
    print("char array value:", name.value, "raw:", name.raw)
    print("lock=False value:", flag.value)
    with arr.get_lock():  # an Array has a lock too
        arr[4] = arr[4] * 10
    print("last element:", arr[4])
