"""A duplex Pipe used for request/response between main and a child.

Each end can both send and recv. Main sends three numbers, the child answers
each with its double, then main sends "stop". Ends by itself.
"""
import multiprocessing as mp


def doubler(conn):
    while True:
        request = conn.recv()  # blocks until main sends
        if request == "stop":
            conn.send("bye")
            break
        conn.send(request * 2)
    conn.close()


if __name__ == "__main__":
    main_end, child_end = mp.Pipe()  # duplex=True by default
    child = mp.Process(target=doubler, args=(child_end,))
    child.start()
    for n in (1, 20, 300):
        main_end.send(n)
        print("sent %d, got back %d" % (n, main_end.recv()))
    main_end.send("stop")
    print("child said:", main_end.recv())
    child.join()
