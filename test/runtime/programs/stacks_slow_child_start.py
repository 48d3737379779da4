"""Healthy: a child that is slow to start (it waits 6 s before its bootstrap), then ends; main joins it.

Until its bootstrap the child has not connected to the collector (it cannot be asked for its
stacks), and main waits in join() for it: the run is still starting, not hung. The wait is a
timed select() (not a sleep), as an import waiting for a file, a lock or the disk would be.
- spawn, forkserver: the child imports the main module (as __mp_main__, its start method set
  from its parent's) before its bootstrap;
- fork: an at-fork hook runs in the forked child before its bootstrap.
"""
import multiprocessing as mp
import os
import select

START_WAIT = 6.0
SLOW_FORKS = False  # main sets it just before it starts the child (fork copies it)


def slow_start():
    select.select([], [], [], START_WAIT)


def after_fork():
    if SLOW_FORKS:
        slow_start()


if __name__ == "__mp_main__" and mp.get_start_method(allow_none=True) in ("spawn", "forkserver"):
    slow_start()  # a spawn or forkserver child, before its bootstrap


def work(v):
    with v.get_lock():
        v.value += 1
    print("child ran")


if __name__ == "__main__":
    os.register_at_fork(after_in_child=after_fork)
    v = mp.Value("i", 0)
    p = mp.Process(target=work, args=(v,))
    SLOW_FORKS = True
    p.start()
    p.join()
    print("done", v.value, p.exitcode)
