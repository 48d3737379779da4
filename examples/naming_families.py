"""The program's names for executors, futures, shared memory, Listener/Client connections and a
remote Manager, and the names each child, Pool task and executor task knows them by.

Ends normally. ipcviz names each object after what the creating statement binds it to, and each
process's view after its own parameters or the variable it attaches or connects with.
"""
import multiprocessing as mp
import os
import socket
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Client, Listener
from multiprocessing.managers import BaseManager, SharedMemoryManager
from multiprocessing.shared_memory import ShareableList, SharedMemory

KEY = b"naming"
JOBS = []


def square(x):
    return x * x


def log_to(log, item):
    log.append(item)  # a Manager list proxy passed to an executor task
    return len(log)


def attach(block_name, list_name):
    block = SharedMemory(name=block_name)  # this process's name for main's shm
    block.buf[0] = 42
    block.close()
    cells = ShareableList(name=list_name)  # and for main's numbers
    cells[0] = 7
    cells.shm.close()


def given(segment, row):
    segment.buf[1] = 43  # the block and the list passed as arguments: named segment, row
    row[1] = 8


def bump(row):
    row[2] = 9  # a Pool task's argument
    return row[2]


def serve(address, ready):
    listener = Listener(address, authkey=KEY)
    ready.set()
    conn = listener.accept()
    conn.send(conn.recv().upper())
    conn.close()
    listener.close()


def get_jobs():
    return JOBS


class JobManager(BaseManager):
    pass


JobManager.register("jobs", callable=get_jobs)


def run_jobs_server(address):
    JobManager(address=address, authkey=KEY).get_server().serve_forever()


def make_forks(m):
    forks = [m.Lock() for _ in range(2)]  # forks[0], forks[1] at each call
    return forks


def main():
    for _round in range(2):
        rounds = [mp.Lock() for _ in range(2)]  # rounds[0], rounds[1] in each round
        with rounds[0], rounds[1]:
            pass
    ex = ProcessPoolExecutor(max_workers=2)
    fut = ex.submit(square, 3)
    futs = [ex.submit(square, i) for i in range(2)]
    print(fut.result(), [f.result() for f in futs])
    m = mp.Manager()
    make_forks(m)
    make_forks(m)
    log = m.list()
    done = ex.submit(log_to, log, "x")
    print(done.result(), list(log))
    ex.shutdown()
    with ProcessPoolExecutor(max_workers=1) as pool:
        print(pool.submit(square, 4).result())

    shm = SharedMemory(create=True, size=16)
    numbers = ShareableList([1, 2, 3])
    p = mp.Process(target=attach, args=(shm.name, numbers.shm.name))
    p.start()
    p.join()
    g = mp.Process(target=given, args=(shm, numbers))
    g.start()
    g.join()
    with mp.Pool(1) as workers:
        print(workers.apply(bump, (numbers,)))
    print(shm.buf[0], shm.buf[1], list(numbers))
    numbers.shm.close()
    numbers.shm.unlink()
    shm.close()
    shm.unlink()
    with SharedMemoryManager() as smm:
        managed = smm.ShareableList(["a", "b"])
        scratch = smm.SharedMemory(size=8)
        print(list(managed), scratch.size)
    m.shutdown()

    address = os.path.join(tempfile.mkdtemp(), "naming.sock")
    ready = mp.Event()
    server = mp.Process(target=serve, args=(address, ready))
    server.start()
    ready.wait()
    client = Client(address, authkey=KEY)
    client.send("hello")
    print(client.recv())
    client.close()
    server.join()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        jobs_address = s.getsockname()
    jobs_server = mp.Process(target=run_jobs_server, args=(jobs_address,), daemon=True)
    jobs_server.start()
    remote = JobManager(address=jobs_address, authkey=KEY)
    for _attempt in range(400):
        try:
            remote.connect()
            break
        except ConnectionRefusedError:
            time.sleep(0.05)  # the server is still starting
    todo = remote.jobs()
    todo.append("job")
    print(todo.count("job"))
    jobs_server.terminate()
    jobs_server.join()


if __name__ == "__main__":
    main()
