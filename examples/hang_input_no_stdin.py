"""HANGS FOREVER (on purpose) when stdin stays open with nothing to read: input() waits.

The child waits for the word main reads from stdin (Queue.get, recorded by ipcviz);
main waits in input(). Run with stdin a pipe nobody writes to: ipcviz reports "no
progress" with main's input() line. On a terminal it is no hang: a person may type the
word, so ipcviz says main is waiting on the terminal (outside the run) and lets it run.
"""
import multiprocessing as mp


def echo(q, ready):
    ready.set()
    print("child got", q.get())


if __name__ == "__main__":
    q = mp.Queue()
    ready = mp.Event()
    p = mp.Process(target=echo, args=(q, ready))
    p.start()
    ready.wait()  # the child holds the queue before main may fail (spawn, forkserver)
    word = input("a word: ")  # HANGS HERE
    q.put(word)
    p.join()
