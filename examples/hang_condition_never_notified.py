"""HANGS FOREVER (on purpose): Condition.wait() with nobody to notify.

The child waits on a Condition for a flag that nobody sets and nobody
notifies; main joins the child. Without ipcviz this program never ends.
"""
import multiprocessing as mp


def waiter(cond, flag):
    with cond:
        print("waiter: waiting for the flag", flush=True)
        while not flag.value:
            cond.wait()  # never notified
    print("never printed")


if __name__ == "__main__":
    cond = mp.Condition()
    flag = mp.Value("b", 0, lock=False)
    child = mp.Process(target=waiter, args=(cond, flag))
    child.start()
    child.join()  # blocks forever
