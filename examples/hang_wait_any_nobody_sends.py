"""HANGS FOREVER (on purpose): connection.wait() on two pipes whose only
sender is itself blocked.

The worker is meant to send a result on one of two pipes once main gives it
a job, but main waits for the result first: main waits in
connection.wait([left, right]) with no timeout, the worker waits in
queue.get() for the job. Neither can go on. Without ipcviz this program never
ends; ipcviz shows the wait on both pipes and the worker waiting for its job.
"""
import multiprocessing as mp
from multiprocessing.connection import wait


def worker(jobs, left, right):
    job = jobs.get()  # main never puts one
    (left if job % 2 else right).send(job * 2)


if __name__ == "__main__":
    jobs = mp.Queue()
    left_r, left_w = mp.Pipe(duplex=False)
    right_r, right_w = mp.Pipe(duplex=False)
    p = mp.Process(target=worker, args=(jobs, left_w, right_w))
    p.start()
    print("main: waiting for a result on either pipe", flush=True)
    ready = wait([left_r, right_r])  # blocks forever
    jobs.put(1)
    print("result:", ready[0].recv())
    p.join()
