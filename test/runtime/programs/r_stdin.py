"""Robustness: main reads a line from stdin with input() and a child answers over a Pipe."""
import multiprocessing as mp


def shout(conn):
    conn.send(conn.recv().upper())


if __name__ == "__main__":
    line = input()
    here, there = mp.Pipe()
    p = mp.Process(target=shout, args=(there,))
    p.start()
    here.send(line)
    print("child says:", here.recv(), flush=True)
    p.join()
    try:
        input()
    except EOFError:
        print("stdin is at its end")
