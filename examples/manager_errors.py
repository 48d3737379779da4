"""Errors through a Manager, and a program that ends with an uncaught exception.

- A missing dict key: the KeyError is raised in the server and re-raised in
  the caller (caught).
- manager.Value holds any Python object (here a str).
- manager.Array wants a typecode: "i" works, but a ctypes type raises
  TypeError: the last line is NOT caught, so the program exits with status 1
  and a traceback on stderr (like the seed's Manager().Array example).
"""
import ctypes
import multiprocessing as mp

if __name__ == "__main__":
    manager = mp.Manager()
    d = manager.dict(a=1)
    try:
        d["missing"]
    except KeyError as e:
        print("KeyError from the manager:", e)
    text = manager.Value(ctypes.c_char_p, "")
    text.value = "a str in a manager Value"
    print(text.value)
    ok = manager.Array("i", [1, 2, 3])
    print("Array('i'):", list(ok), flush=True)
    bad = manager.Array(ctypes.c_int, [1, 2, 3])  # raises TypeError: exit status 1
    print("not reached")
