"""Peers outside the run: a service started separately talks to this program.

The program starts a service as another program would be started (its own
environment, `python outside_peers.py service`), then talks to it both ways:
as a Client of the service's Listener, as the Listener the service connects
to, as a client of the service's Manager, and as the server of a Manager the
service takes an item from. The service reports what it received, with each
object's type: it must get exactly what was sent. Ends by itself.
"""
import multiprocessing as mp
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Client, Listener
from multiprocessing.managers import BaseManager

KEY = b"outside peers"


class ServiceManager(BaseManager):
    """The service's Manager: a queue of jobs and a queue of results."""


class InboxManager(BaseManager):
    """This program's own Manager: an inbox the service takes from."""


INBOX = queue.Queue()


def get_inbox():
    return INBOX


InboxManager.register("inbox", callable=get_inbox)


def serve_inbox(address):
    InboxManager(address=address, authkey=KEY).get_server().serve_forever()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the service (outside the run)


def service(service_sock, program_sock, inbox_port):
    jobs, results = queue.Queue(), queue.Queue()
    ServiceManager.register("jobs", callable=lambda: jobs)
    ServiceManager.register("results", callable=lambda: results)
    mgr = ServiceManager(address=("127.0.0.1", 0), authkey=KEY)
    server = mgr.get_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def work():
        while True:
            job = jobs.get()
            if job is None:
                return
            results.put((job.upper(), type(job).__name__))

    worker = threading.Thread(target=work)
    worker.start()
    with Listener(service_sock, authkey=KEY) as listener:
        print(server.address[1], flush=True)  # ready: the Manager's port
        with listener.accept() as conn:
            while True:
                obj = conn.recv()
                if obj is None:
                    break
                conn.send((type(obj).__name__, obj))
    InboxManager.register("inbox")
    inbox_mgr = InboxManager(address=("127.0.0.1", inbox_port), authkey=KEY)
    inbox_mgr.connect()
    item = inbox_mgr.inbox().get(timeout=60)
    with Client(program_sock, authkey=KEY) as conn:
        conn.send("hello from outside")
        welcome = conn.recv()
        conn.send("saw %s %r, then %s %r" % (type(item).__name__, item, type(welcome).__name__, welcome))
    worker.join()


# ---------------------------------------------------------------- the program (the run)


def main():
    tmp = tempfile.mkdtemp()
    service_sock = os.path.join(tmp, "service.sock")
    program_sock = os.path.join(tmp, "program.sock")
    inbox_port = free_port()
    inbox_server = mp.Process(target=serve_inbox, args=(("127.0.0.1", inbox_port),), daemon=True)
    inbox_server.start()
    inbox_mgr = InboxManager(address=("127.0.0.1", inbox_port), authkey=KEY)
    for _ in range(600):
        try:
            inbox_mgr.connect()
            break
        except ConnectionRefusedError:
            threading.Event().wait(0.05)  # the server is still starting
    inbox_mgr.inbox().put("for the outside")

    listener = Listener(program_sock, authkey=KEY)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    svc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "service", service_sock, program_sock, str(inbox_port)], env=env, stdout=subprocess.PIPE, text=True)
    service_port = int(svc.stdout.readline())

    with Client(service_sock, authkey=KEY) as conn:
        for obj in ("ping", {"n": 1}, [1, 2]):
            conn.send(obj)
            print("reply:", conn.recv())
        conn.send(None)

    with listener.accept() as conn:
        print("greeting:", conn.recv())
        conn.send("welcome")
        print("the service", conn.recv())
    listener.close()

    ServiceManager.register("jobs")
    ServiceManager.register("results")
    mgr = ServiceManager(address=("127.0.0.1", service_port), authkey=KEY)
    mgr.connect()
    jobs, results = mgr.jobs(), mgr.results()
    jobs.put("job 1")
    print("result:", results.get(timeout=60))
    jobs.put(None)
    print("service exit code", svc.wait(timeout=60))
    svc.stdout.close()
    inbox_server.terminate()
    inbox_server.join()


if __name__ == "__main__":
    if sys.argv[1:2] == ["service"]:
        service(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
