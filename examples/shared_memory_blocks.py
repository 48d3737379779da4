"""multiprocessing.shared_memory: a SharedMemory block and a ShareableList
shared by name with workers, and a SharedMemoryManager that frees its blocks.

Workers attach to the block and the list by name, write into them, and
close them; main reads the results, then closes and unlinks what it made.
Ends by itself.
"""
import multiprocessing as mp
from multiprocessing import shared_memory
from multiprocessing.managers import SharedMemoryManager


def fill(block_name, list_name, slot):
    block = shared_memory.SharedMemory(name=block_name)
    block.buf[slot] = 65 + slot  # a write through the buffer: plain memory
    block.close()
    items = shared_memory.ShareableList(name=list_name)
    items[slot] = items[slot] * 10
    items.shm.close()


if __name__ == "__main__":
    block = shared_memory.SharedMemory(create=True, size=16)
    block.buf[:4] = b"...."
    items = shared_memory.ShareableList([1, 2, 3, 4])
    workers = [mp.Process(target=fill, args=(block.name, items.shm.name, i)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("block:", bytes(block.buf[:4]))
    print("list:", [items[i] for i in range(4)])
    block.close()
    block.unlink()
    items.shm.close()
    items.shm.unlink()
    with SharedMemoryManager() as smm:
        managed = smm.ShareableList(["a", "b"])
        managed[1] = "z"
        print("managed list:", list(managed))
    print("done")
