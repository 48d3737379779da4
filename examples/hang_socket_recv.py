"""HANGS FOREVER (on purpose): two processes each wait in socket.recv() for the other.

Main serves a TCP socket on localhost; the child connects and waits for a greeting,
while main waits for the child's request. Neither speaks first. No IPC primitive of
multiprocessing is involved: ipcviz finds the hang from every process's stacks
("no progress": each waits in socket.recv, at the lines marked below).
"""
import multiprocessing as mp
import socket


def client(port):
    c = socket.create_connection(("127.0.0.1", port))
    greeting = c.recv(1024)  # HANGS HERE (client)
    print("client got", greeting)


if __name__ == "__main__":
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    p = mp.Process(target=client, args=(port,))
    p.start()
    conn, _ = srv.accept()
    request = conn.recv(1024)  # HANGS HERE (main)
    print("server got", request)
    p.join()
