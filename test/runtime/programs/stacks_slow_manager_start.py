"""Healthy: a Manager whose server process is slow to start (it waits 6 s before its bootstrap).

Main waits inside Manager() (the library's start() reads the server's address from a pipe) while
the server has not connected to the collector yet: the run is still starting, not hung. The server
is started by the library, not by a line of the program; the runtime still records its
process.spawn, so the collector knows it is starting.
- spawn, forkserver: the server imports the main module (as __mp_main__) before its bootstrap;
- fork: an at-fork hook runs in the forked server before its bootstrap.
"""
import multiprocessing as mp
import os
import select

START_WAIT = 6.0
SLOW_FORKS = False  # main sets it just before it starts the Manager (fork copies it)


def slow_start():
    select.select([], [], [], START_WAIT)


def after_fork():
    if SLOW_FORKS:
        slow_start()


if __name__ == "__mp_main__" and mp.get_start_method(allow_none=True) in ("spawn", "forkserver"):
    slow_start()  # the spawn or forkserver server process, before its bootstrap


if __name__ == "__main__":
    os.register_at_fork(after_in_child=after_fork)
    SLOW_FORKS = True
    with mp.Manager() as manager:
        SLOW_FORKS = False
        d = manager.dict(answer=42)
        print("manager answered", dict(d))
    print("done")
