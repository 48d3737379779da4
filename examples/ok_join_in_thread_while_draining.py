"""No join-before-drain here: a helper thread joins the producer while the
main thread takes every item from the queue.

The producer puts 40 items of 4 KiB (more than a pipe holds), so it can only
exit once they are taken; the main thread takes them while the other thread
waits in join(). Ends by itself.
"""
import multiprocessing as mp
import threading


def produce(q, n):
    for i in range(n):
        q.put(bytes(4096) + bytes([i]))


if __name__ == "__main__":
    q = mp.Queue()
    producer = mp.Process(target=produce, args=(q, 40))
    producer.start()
    joiner = threading.Thread(target=lambda: producer.join())
    joiner.start()
    last_bytes = [q.get()[-1] for _ in range(40)]
    joiner.join()
    print("took", len(last_bytes), "items in order:", last_bytes == list(range(40)))
    print("producer exit code", producer.exitcode)
