"""A one-way Pipe (duplex=False): the first end only receives, the second only sends.

Part 1: a child reads items from the receive end until a sentinel, then stops.
Part 2: like the seed's Pipe producer/consumer, a reader that loops on recv()
forever is terminate()d by main while it is blocked in recv(). Ends by itself.
"""
import multiprocessing as mp
import time


def reader(recv_end):
    while True:
        item = recv_end.recv()
        if item is None:  # sentinel
            break
        print("reader got", item, flush=True)


def endless_reader(recv_end, got_all, expected):
    count = 0
    while True:
        recv_end.recv()  # after the last item this blocks until terminated
        count += 1
        if count == expected:
            print("endless reader got all %d items" % count, flush=True)
            got_all.set()


if __name__ == "__main__":
    recv_end, send_end = mp.Pipe(duplex=False)
    child = mp.Process(target=reader, args=(recv_end,))
    child.start()
    for word in ("alpha", "beta", "gamma"):
        send_end.send(word)
    send_end.send(None)
    child.join()

    recv_end, send_end = mp.Pipe(duplex=False)
    got_all = mp.Event()
    child = mp.Process(target=endless_reader, args=(recv_end, got_all, 4))
    child.start()
    for i in range(4):
        send_end.send(i)
    got_all.wait()
    time.sleep(0.2)  # let the reader get back into recv()
    child.terminate()  # it is blocked in recv(): only terminate() ends it
    child.join()
    print("endless reader exit code:", child.exitcode)
