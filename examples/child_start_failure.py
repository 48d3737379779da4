"""A child that fails while it starts: under spawn and forkserver a child
imports the main module again, and this module refuses to be imported (a
script-only guard), so the child prints a traceback and exits with 1.

Under the fork start method the program uses spawn instead, so the failure is
the same every time. Ends by itself (exit status 0: the parent carries on).
"""
import multiprocessing as mp

if __name__ != "__main__":
    raise ImportError("run this file as a script, do not import it")


def work():
    print("never printed")


if __name__ == "__main__":
    method = mp.get_start_method()
    ctx = mp.get_context("spawn" if method == "fork" else method)
    child = ctx.Process(target=work)
    child.start()
    child.join()
    print("child exit code:", child.exitcode)
