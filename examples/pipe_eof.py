"""recv() after the other end has been closed raises EOFError.

The child sends two messages and exits (closing its end). Main closes its own
copy of the child's end (otherwise the pipe would stay open and recv() would
block forever), reads the two messages, and the third recv() raises EOFError,
which is caught. Ends by itself.
"""
import multiprocessing as mp


def talker(conn):
    conn.send("first")
    conn.send("last")
    conn.close()


if __name__ == "__main__":
    main_end, child_end = mp.Pipe()
    child = mp.Process(target=talker, args=(child_end,))
    child.start()
    child_end.close()  # main's copy: only the child holds this end now
    child.join()
    while True:
        try:
            print("received:", main_end.recv())
        except EOFError:
            print("EOFError: the other end is closed")
            break
