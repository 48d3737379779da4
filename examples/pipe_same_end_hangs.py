"""HANGS FOREVER (on purpose): recv() on the end that sent.

Like the seed's Pipe example: a message sent on one end arrives at the other.
After a first correct exchange, main sends on `left` and then calls
`left.recv()`: it waits for a message from `right`, which nobody will ever send.
Without ipcviz this program never ends; ipcviz shows main blocked in pipe.recv
on the same end that sent.
"""
import multiprocessing as mp

if __name__ == "__main__":
    left, right = mp.Pipe()

    left.send("ping")
    print("right received:", right.recv(), flush=True)

    left.send("ping again")
    print("waiting on the same end that sent...", flush=True)
    data = left.recv()  # blocks forever: "ping again" is waiting at `right`
    print("never printed", data)
