"""Robustness: the runtime keeps no program object alive and puts none in a reference cycle.

With the collector off, each primitive is used, dropped, and reported freed or alive; then one
collection reports the multiprocessing objects it found only in cycles. A plain run prints the
same (CPython's own cycles included): an object the runtime kept alive longer would have its
finalizers run later, wherever a collection happens (3.12 under spawn: a semaphore's finalizer
inside the resource tracker's ensure_running printed "ResourceTracker called reentrantly").
"""
import gc
import multiprocessing as mp
import sys
import weakref
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.shared_memory import ShareableList, SharedMemory


def square(x):
    return x * x


def report(name, make):
    """Make the objects (returns {label: object}), drop them, say which are still alive."""
    refs = {label: weakref.ref(obj) for label, obj in make().items()}
    alive = sorted(label for label, r in refs.items() if r() is not None)
    print(name + ":", "alive " + ", ".join(alive) if alive else "all freed")


def queues():
    q = mp.Queue()
    q.put("x")  # starts the feeder thread
    q.get()
    q.close()
    q.join_thread()
    jq = mp.JoinableQueue()
    jq.put(1)
    jq.get()
    jq.task_done()
    jq.close()
    jq.join_thread()
    sq = mp.SimpleQueue()
    sq.put(2)
    sq.get()
    return {"Queue": q, "JoinableQueue": jq, "SimpleQueue": sq}


def pipes():
    a, b = mp.Pipe()
    a.send("ping")
    b.recv()
    c, d = mp.Pipe(duplex=False)
    d.send_bytes(b"x")
    c.recv_bytes()
    return {"Pipe end a": a, "Pipe end b": b, "one-way reader": c, "one-way writer": d}


def locks():
    out = {}
    for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore"):
        lk = getattr(mp, name)()
        with lk:
            pass
        out[name] = lk
    cond = mp.Condition()
    with cond:
        cond.notify_all()
    ev = mp.Event()
    ev.set()
    ev.wait()
    bar = mp.Barrier(1)
    bar.wait()
    out.update({"Condition": cond, "Event": ev, "Barrier": bar})
    return out


def values():
    v = mp.Value("i", 0)
    with v.get_lock():
        v.value += 1
    arr = mp.Array("d", 4)
    arr[0] = 1.5
    raw = mp.RawValue("i", 3)
    raw.value = 4
    return {"Value": v, "Array": arr, "RawValue": raw}


def manager():
    m = mp.Manager()
    d = m.dict()
    d["a"] = 1
    lst = m.list([1])
    lst.append(2)
    lk = m.Lock()
    with lk:
        pass
    q = m.Queue()
    q.put(1)
    q.get()
    ns = m.Namespace()
    ns.x = 1
    objs = {"dict proxy": d, "list proxy": lst, "Lock proxy": lk, "Queue proxy": q, "Namespace": ns}
    m.shutdown()
    objs["Manager"] = m
    return objs


def pool():
    with mp.Pool(1) as p:
        p.apply(square, (3,))
        p.map(square, range(3))
    p.join()
    return {"Pool": p}


def executor():
    ex = ProcessPoolExecutor(max_workers=1)
    fut = ex.submit(square, 3)
    fut.result()
    list(ex.map(square, range(3)))
    call_queue = ex._call_queue
    ex.shutdown()
    return {"ProcessPoolExecutor": ex, "its call queue": call_queue, "Future": fut}


def shared_memory():
    shm = SharedMemory(create=True, size=8)
    shm.buf[0] = 1
    sl = ShareableList([1, 2])
    sl[0] = 3
    objs = {"SharedMemory": shm, "ShareableList": sl}
    sl.shm.close()
    sl.shm.unlink()
    shm.close()
    shm.unlink()
    return objs


def in_cycles():
    """Type names of the multiprocessing and concurrent.futures objects found only in cycles."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    gc.set_debug(0)
    names = set()
    for o in gc.garbage:
        mod = getattr(type(o), "__module__", "") or ""
        if mod.startswith(("multiprocessing", "concurrent", "_multiprocessing")):
            names.add(type(o).__qualname__)
    gc.garbage.clear()
    return sorted(names)


def main():
    gc.collect()
    gc.disable()
    for name, make in [
        ("queues", queues),
        ("pipes", pipes),
        ("locks", locks),
        ("values", values),
        ("manager", manager),
        ("pool", pool),
        ("executor", executor),
        ("shared memory", shared_memory),
    ]:
        report(name, make)
    print("in cycles:", ", ".join(in_cycles()) or "none")
    gc.enable()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
