"""Robustness: receives that wait for data (Queue.get, Pipe.recv on a duplex and a one-way Pipe)
and receives that find data waiting; a large message read in several pieces."""
import multiprocessing as mp
import time


def producer(q, duplex_end, one_way_send):
    for i in range(3):
        time.sleep(0.2)  # the receiver is waiting by now
        q.put(("item", i))
        duplex_end.send(i)
        one_way_send.send(-i)
    q.put("x" * 300_000)  # larger than a pipe's buffer: read in pieces
    duplex_end.send(b"y" * 300_000)
    for i in range(5):  # sent at once: the receiver finds them waiting
        q.put(i)
        duplex_end.send(i)


if __name__ == "__main__":
    q = mp.Queue()
    here, there = mp.Pipe()
    r, w = mp.Pipe(duplex=False)
    p = mp.Process(target=producer, args=(q, there, w))
    p.start()
    for i in range(3):
        print("got", q.get(), here.recv(), r.recv(), flush=True)
    print(len(q.get()), len(here.recv()), flush=True)
    time.sleep(0.3)
    print([q.get() for _ in range(5)], [here.recv() for _ in range(5)], flush=True)
    p.join()
