"""A child sends (a Pipe end, a SimpleQueue, a Queue) or marks a task done; the
parent terminates it the moment it has what it waited for. Each child then
sleeps, so the only way it ends is the parent's terminate() (exit code -15).
Ends by itself.
"""
import multiprocessing as mp
import time


def pipe_sender(conn):
    conn.send("from the pipe")
    time.sleep(60)


def bytes_sender(conn):
    conn.send_bytes(b"raw bytes")
    time.sleep(60)


def simple_putter(q):
    q.put("from the simple queue")
    time.sleep(60)


def queue_putter(q):
    q.put("from the queue")
    time.sleep(60)  # with the feeder thread running (see terminate_while_going_to_sleep.py)


def finisher(q):
    q.get()
    q.task_done()
    time.sleep(60)


if __name__ == "__main__":
    for target in (pipe_sender, bytes_sender):
        here, there = mp.Pipe()
        p = mp.Process(target=target, args=(there,))
        p.start()
        got = here.recv() if target is pipe_sender else here.recv_bytes()
        p.terminate()
        p.join()
        print(target.__name__, got, p.exitcode)
    for target, q in ((simple_putter, mp.SimpleQueue()), (queue_putter, mp.Queue())):
        p = mp.Process(target=target, args=(q,))
        p.start()
        got = q.get()
        p.terminate()
        p.join()
        print(target.__name__, got, p.exitcode)
    jobs = mp.JoinableQueue()
    p = mp.Process(target=finisher, args=(jobs,))
    p.start()
    jobs.put("a job")
    jobs.join()
    p.terminate()
    p.join()
    print("finisher", p.exitcode)
