"""multiprocessing.connection Listener and Client: a small request/reply
service on a Unix socket (authkey checked), a client with the wrong key turned
away, and connection.wait() for a reply. Ends by itself.
"""
import multiprocessing as mp
import os
import tempfile
from multiprocessing.connection import Client, Listener, wait

KEY = b"shared secret"


def serve(address, n_clients, ready):
    with Listener(address, authkey=KEY) as listener:
        ready.set()
        served = 0
        while served < n_clients:
            try:
                conn = listener.accept()
            except mp.AuthenticationError:
                continue  # a client with the wrong key
            with conn:
                while True:
                    request = conn.recv()
                    if request is None:
                        break
                    conn.send(request.upper())
            served += 1


def intruder(address):
    try:
        Client(address, authkey=b"wrong key")
    except mp.AuthenticationError:
        print("intruder turned away")


if __name__ == "__main__":
    address = os.path.join(tempfile.mkdtemp(), "service.sock")
    ready = mp.Event()
    server = mp.Process(target=serve, args=(address, 1, ready))
    server.start()
    ready.wait()
    bad = mp.Process(target=intruder, args=(address,))
    bad.start()
    bad.join()
    with Client(address, authkey=KEY) as conn:
        for word in ("ping", "hello"):
            conn.send(word)
            if wait([conn], timeout=60):
                print(word, "->", conn.recv())
        conn.send(None)
    server.join()
    print("server exit code", server.exitcode)
