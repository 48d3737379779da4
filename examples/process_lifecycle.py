"""A Process's life: start, join (with a timeout), terminate, kill, daemon, nesting, exit codes.

Children and their exit codes, as main sees them:
- a normal child: 0
- sys.exit(3): 3
- an uncaught exception: 1 (the child prints its traceback on stderr)
- a sleeper that join(timeout=0.2) gives up on, then terminate(): -15 (SIGTERM)
- a sleeper ended with kill(): -9 (SIGKILL)
- a child that starts its own child (named Process-1:1 style)
- a daemon child, still running when main ends: multiprocessing terminates it.
Ends by itself (exit status 0).
"""
import multiprocessing as mp
import sys
import time


def normal():
    print("hello from", mp.current_process().name, flush=True)


def exit_three():
    sys.exit(3)


def crash():
    raise ValueError("boom in a child")


def sleeper():
    time.sleep(60)


def grandchild():
    print("grandchild name:", mp.current_process().name, flush=True)


def parent_of_one():
    child = mp.Process(target=grandchild)
    child.start()
    child.join()
    print("grandchild exit code:", child.exitcode, flush=True)


def run(target):
    p = mp.Process(target=target)
    p.start()
    p.join()
    print("%s -> exit code %s" % (target.__name__, p.exitcode), flush=True)
    return p


if __name__ == "__main__":
    first = run(normal)
    print("first child's name:", first.name, "alive after join:", first.is_alive(), flush=True)
    run(exit_three)
    run(crash)
    run(parent_of_one)

    p = mp.Process(target=sleeper)
    p.start()
    p.join(timeout=0.2)  # gives up: the child is still sleeping
    print("after join(timeout=0.2): alive=%s exitcode=%s" % (p.is_alive(), p.exitcode), flush=True)
    p.terminate()
    p.join()
    print("terminate() -> exit code", p.exitcode, flush=True)

    p = mp.Process(target=sleeper)
    p.start()
    p.kill()
    p.join()
    print("kill() -> exit code", p.exitcode, flush=True)

    daemon = mp.Process(target=sleeper, daemon=True)
    daemon.start()
    print("daemon child started; main ends now and multiprocessing terminates it", flush=True)
