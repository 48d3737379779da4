"""SimpleQueue: a minimal queue with put/get/empty and no feeder thread.

A child process reads numbers from one SimpleQueue and answers on another;
main sends three requests and a sentinel. Ends by itself.
"""
import multiprocessing as mp


def squarer(requests, replies):
    while True:
        n = requests.get()
        if n is None:
            break
        replies.put((n, n * n))


if __name__ == "__main__":
    requests = mp.SimpleQueue()
    replies = mp.SimpleQueue()
    print("replies empty at start:", replies.empty())
    child = mp.Process(target=squarer, args=(requests, replies))
    child.start()
    for n in (2, 3, 4):
        requests.put(n)
        print("reply:", replies.get())
    requests.put(None)
    child.join()
    print("replies empty at end:", replies.empty())
    print("child exit code:", child.exitcode)
