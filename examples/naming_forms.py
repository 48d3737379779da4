"""Every way a program names its IPC objects, and the names each child knows them by.

Ends normally. ipcviz names each object after the variable, attribute, list element, dict entry or
keyword argument that holds it, and each child's view after its own parameters or attributes.
"""
import multiprocessing as mp


def consumer(jobs, done):
    item = jobs.get()
    done.send(item * 2)


class Worker(mp.Process):
    def __init__(self):
        super().__init__()
        self.jobs = mp.Queue()
        self.ready = mp.Event()

    def run(self):
        self.ready.set()
        self.jobs.get()


def keyed(results, counter):
    results.put(1)
    with counter.get_lock():
        counter.value += 1


def main():
    q = mp.Queue()
    a, b = mp.Pipe()
    locks = [mp.Lock() for _ in range(2)]
    table = {"results": mp.Queue()}
    m = mp.Manager()
    d = m.dict()
    d["x"] = 1
    counter = mp.Value("i", 0)
    mp.Queue()  # bound to nothing: a fallback name
    p = mp.Process(target=consumer, args=(q, b))
    p.start()
    q.put(21)
    print(a.recv())
    p.join()
    w = Worker()
    w.start()
    w.ready.wait()
    w.jobs.put(None)
    w.join()
    k = mp.Process(target=keyed, kwargs=dict(results=table["results"], counter=counter))
    k.start()
    table["results"].get()
    k.join()
    with locks[0], locks[1]:
        pass
    m.shutdown()


if __name__ == "__main__":
    main()
