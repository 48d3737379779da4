"""Robustness: a 5 MB bytes payload through a Queue and back through a Pipe."""
import hashlib
import multiprocessing as mp

SIZE = 5 * 1024 * 1024


def child(q, conn):
    data = q.get()
    conn.send(data[::-1])


if __name__ == "__main__":
    data = bytes(range(256)) * (SIZE // 256)
    q = mp.Queue()
    here, there = mp.Pipe()
    p = mp.Process(target=child, args=(q, there))
    p.start()
    q.put(data)
    back = here.recv()
    print(len(back), hashlib.sha256(back).hexdigest()[:16], back == data[::-1])
    p.join()
