"""Raw bytes on a Pipe: send_bytes/recv_bytes, and poll() with a timeout.

poll(0.1) returns False while the child has not sent anything yet; once main
lets the child go, poll(10) returns True and recv_bytes() takes the bytes.
send_bytes can send part of a buffer (offset, size). Ends by itself.
"""
import multiprocessing as mp


def sender(conn, go):
    go.wait()
    conn.send_bytes(b"hello bytes")
    conn.send_bytes(b"0123456789", 2, 5)  # offset 2, size 5: b"23456"
    conn.send_bytes(bytes(range(8)))
    conn.close()


if __name__ == "__main__":
    main_end, child_end = mp.Pipe()
    go = mp.Event()
    child = mp.Process(target=sender, args=(child_end, go))
    child.start()
    print("poll(0.1) before the child sends:", main_end.poll(0.1))
    go.set()
    print("poll(10) after:", main_end.poll(10))
    print("recv_bytes:", main_end.recv_bytes())
    print("recv_bytes:", main_end.recv_bytes())
    buf = bytearray(16)
    n = main_end.recv_bytes_into(buf)
    print("recv_bytes_into: %d bytes %r" % (n, bytes(buf[:n])))
    child.join()
