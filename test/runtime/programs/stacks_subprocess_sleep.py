"""Healthy: a child waits in subprocess.run() for a command that sleeps 3 s (it ends by itself)."""
import multiprocessing as mp
import subprocess


def worker():
    subprocess.run(["sleep", "3"], check=True)
    print("the command finished")


if __name__ == "__main__":
    p = mp.Process(target=worker)
    p.start()
    p.join()
    print("done")
