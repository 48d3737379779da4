"""HANGS FOREVER (on purpose): two processes each wait in socket.recv() on a Unix socket pair.

Main makes a connected pair of Unix sockets (socket.socketpair()), hands one end to a child
and keeps the other. The child waits for a greeting, while main waits for the child's
request. Neither speaks first. No IPC primitive of multiprocessing is involved: ipcviz finds
the hang from every process's stacks ("no progress": each waits in socket.recv, at the lines
marked below), and says each waits on a Unix socket to the other process (the one that holds
the other end now, not main, which made the pair).
"""
import multiprocessing as mp
import socket


def child(end):
    greeting = end.recv(1024)  # HANGS HERE (child)
    print("child got", greeting)


if __name__ == "__main__":
    mine, theirs = socket.socketpair()
    p = mp.Process(target=child, args=(theirs,))
    p.start()
    theirs.close()
    request = mine.recv(1024)  # HANGS HERE (main)
    print("main got", request)
    p.join()
