"""multiprocessing.Condition: wait, wait_for, notify, notify_all, and a wait that times out.

A shared Value `stage` is guarded by the Condition's lock.
- Two waiters block in wait_for(stage >= 1); main sets stage = 1 and notify_all()s.
- One waiter loops on wait() until stage == 2; main sets it and notify()s.
- Finally main's own wait(timeout=0.1) times out (returns False).
Ends by itself.
"""
import multiprocessing as mp


def wait_for_stage_1(cond, stage, ready, results, i):
    with cond:
        ready.release()  # counted: main knows this waiter holds the lock
        cond.wait_for(lambda: stage.value >= 1)
        results.put("waiter %d saw stage %d" % (i, stage.value))


def wait_for_stage_2(cond, stage, ready, results):
    with cond:
        ready.release()
        while stage.value != 2:
            cond.wait()
        results.put("loop waiter saw stage 2")


if __name__ == "__main__":
    cond = mp.Condition()
    stage = mp.Value("i", 0, lock=False)  # guarded by cond's lock instead
    ready = mp.Semaphore(0)
    results = mp.Queue()

    waiters = [mp.Process(target=wait_for_stage_1, args=(cond, stage, ready, results, i)) for i in (1, 2)]
    for w in waiters:
        w.start()
    for _ in waiters:
        ready.acquire()  # each waiter has entered `with cond` and will wait
    with cond:  # taking the lock means both waiters are now inside wait()
        stage.value = 1
        cond.notify_all()
    print(sorted(results.get() for _ in waiters))
    for w in waiters:
        w.join()

    looper = mp.Process(target=wait_for_stage_2, args=(cond, stage, ready, results))
    looper.start()
    ready.acquire()
    with cond:
        stage.value = 2
        cond.notify()
    print(results.get())
    looper.join()

    with cond:
        print("wait(timeout=0.1) with nobody to notify:", cond.wait(timeout=0.1))
