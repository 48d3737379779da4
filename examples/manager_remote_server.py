"""A Manager server started by the program itself and reached by address.

One process runs `get_server().serve_forever()` for a manager class that
shares a queue; main and a worker connect to it with `connect()` (as separate
programs on other machines would) and pass messages through the shared queue.
Ends by itself.
"""
import multiprocessing as mp
import queue
import socket
import time
from multiprocessing.managers import BaseManager

JOBS = queue.Queue()


def get_jobs():
    return JOBS


class JobManager(BaseManager):
    pass


JobManager.register("jobs", callable=get_jobs)
AUTHKEY = b"remote-example"


def serve(address):
    server = JobManager(address=address, authkey=AUTHKEY).get_server()
    server.serve_forever()


def worker(address):
    mgr = JobManager(address=address, authkey=AUTHKEY)
    mgr.connect()
    jobs = mgr.jobs()
    for i in range(3):
        jobs.put("job %d" % i)


if __name__ == "__main__":
    address = ("127.0.0.1", 0)
    with socket.socket() as s:
        s.bind(address)
        address = s.getsockname()
    server = mp.Process(target=serve, args=(address,), daemon=True)
    server.start()
    mgr = JobManager(address=address, authkey=AUTHKEY)
    for attempt in range(200):
        try:
            mgr.connect()
            break
        except ConnectionRefusedError:
            time.sleep(0.05)  # the server is still starting
    w = mp.Process(target=worker, args=(address,))
    w.start()
    jobs = mgr.jobs()
    print("got:", [jobs.get(timeout=60) for _ in range(3)])
    w.join()
    server.terminate()
    server.join()
    print("server ended")
