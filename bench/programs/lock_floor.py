# Benchmark: the least a pure-Python hook on multiprocessing.Lock can cost, run without ipcviz.
# Uncontended acquire()+release() (as lock_speed.py measures it) through three locks:
#   plain    the Lock's own methods (C);
#   wrapper  Python functions that only call them (what any hook written in Python adds);
#   record   the same functions also appending one record per call, with what every event of the
#            trace carries: the time, the thread, the kind and the caller's place (its code object
#            and instruction: the line is looked up later, once per place).
# The runtime records each call, with its time and line, in Python (the standard library only): no
# hook of it can cost less than "record".
import multiprocessing as mp
import sys
import threading
import time
from types import SimpleNamespace

from lock_speed import lockspeed  # the same measure (this file's folder is on sys.path)


def main():
    lock = mp.Lock()
    acquire, release = lock.acquire, lock.release

    def w_acquire(block=True, timeout=None):
        return acquire(block, timeout) if timeout is not None else acquire(block)

    def w_release():
        return release()

    records = []
    append = records.append
    now = time.monotonic_ns
    ident = threading.get_ident
    frame = sys._getframe

    # Records are dropped every 2048, as the runtime sends its buffer (a list that only grew would
    # make the cyclic GC's passes longer and longer).
    def r_acquire(block=True, timeout=None):
        r = acquire(block, timeout) if timeout is not None else acquire(block)
        f = frame(1)
        append((now(), ident(), "lock.acquired", f.f_code, f.f_lasti))
        if len(records) >= 2048:
            records.clear()
        return r

    def r_release():
        release()
        f = frame(1)
        append((now(), ident(), "lock.release", f.f_code, f.f_lasti))
        if len(records) >= 2048:
            records.clear()

    def best(lk):
        out = []
        for _ in range(3):
            records.clear()
            out.append(lockspeed(lk))
        return min(out)

    print("plain_ns %.3f" % (best(lock) * 1e9))
    print("wrapper_ns %.3f" % (best(SimpleNamespace(acquire=w_acquire, release=w_release)) * 1e9))
    print("record_ns %.3f" % (best(SimpleNamespace(acquire=r_acquire, release=r_release)) * 1e9))


if __name__ == "__main__":
    main()
