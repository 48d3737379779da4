"""HANGS FOREVER (on purpose): a Listener/Client pair where both sides wait to receive.

A server child accepts one connection and waits for a request with `conn.recv()`; main connects
with `client = Client(address)` and, forgetting to send its request first, waits for the reply
with `client.recv()`. Each waits for the other to send. ipcviz names the two ends after the
program's variables, `conn` and `client`, in its diagnosis.
"""
import multiprocessing as mp
import os
import tempfile
from multiprocessing.connection import Client, Listener


def serve(address, ready):
    listener = Listener(address)
    ready.set()
    conn = listener.accept()
    request = conn.recv()  # blocks forever: main never sends
    conn.send(request.upper())


if __name__ == "__main__":
    address = os.path.join(tempfile.mkdtemp(), "both-recv.sock")
    ready = mp.Event()
    server = mp.Process(target=serve, args=(address, ready), name="server")
    server.start()
    ready.wait()
    client = Client(address)
    print("waiting for a reply...", flush=True)
    reply = client.recv()  # blocks forever: the request was never sent
    print("never printed", reply)
    server.join()
