"""The shared objects a Manager offers, each used across processes.

A Manager runs a server process that owns the objects; other processes hold
proxies and every operation is a request to that server. Two workers use a
dict, a list, a Namespace, a Value, an Array, a Queue, a Lock, an RLock, a
Condition, a Semaphore, an Event and a Barrier. Output is printed by main only,
sorted where the workers' order varies. Ends by itself.
"""
import multiprocessing as mp


def worker(i, shared):
    d, lst, ns, value, arr, q, lock, rlock, cond, sem, event, barrier = shared
    event.wait()  # main's go signal
    with sem:  # Semaphore(1): one worker at a time in here
        d["worker-%d" % i] = i * 10
        lst.append(i)
    with lock:
        value.value += 1
    with rlock:
        with rlock:  # re-entrant
            arr[i] = i * 100
    barrier.wait()  # both workers (and main) meet here
    q.put(("done", i))
    with cond:
        ns.finished = ns.finished + 1
        cond.notify_all()


if __name__ == "__main__":
    with mp.Manager() as manager:
        ns = manager.Namespace()
        ns.finished = 0
        shared = (
            manager.dict(),
            manager.list(),
            ns,
            manager.Value("i", 0),
            manager.Array("i", [0, 0, 0]),
            manager.Queue(),
            manager.Lock(),
            manager.RLock(),
            manager.Condition(),
            manager.Semaphore(1),
            manager.Event(),
            manager.Barrier(3),
        )
        d, lst, ns, value, arr, q, lock, rlock, cond, sem, event, barrier = shared
        workers = [mp.Process(target=worker, args=(i, shared)) for i in (1, 2)]
        for w in workers:
            w.start()
        event.set()
        barrier.wait()
        print("queue:", sorted(q.get() for _ in workers))
        with cond:
            cond.wait_for(lambda: ns.finished == 2)
        for w in workers:
            w.join()
        print("dict:", sorted(d.items()))
        print("list:", sorted(lst))
        print("value:", value.value)
        print("array:", list(arr))
        print("namespace.finished:", ns.finished)
