"""Reads that say whether they would block, for the receive hooks (Queue.get, a Pipe end's recv).

A receive must be recorded as blocked when it would wait for data, and a wait longer than the
grace must send the buffer before it starts. Asking first (poll) costs a system call per receive;
instead the hot paths read the message's 4-byte length header with preadv2(RWF_NOWAIT), which
returns EAGAIN, reading nothing, when reading would block, and then read the rest as
Connection._recv_bytes does: the same system calls as without the runtime. Kernels that refuse
RWF_NOWAIT on the descriptor set NOWAIT[0] to False, and the hooks take the poll path
(`readable`, `begin_read_wait`), as IPCVIZ_NO_NOWAIT=1 does.
"""

import errno
import os
import select
import struct

from . import core

# A wait shorter than this is recorded (block.begin/end with their real times) but does not force
# a flush: only a wait that lasts longer sends the buffer first, so a hung process is always visible.
GRACE_MS = 2
GRACE_S = GRACE_MS / 1000.0

pollers = {}  # fd -> a select.poll registered for reading it


def readable(fd, wait_ms=0):
    """True if reading fd would not block (data, EOF or error), waiting up to wait_ms; cheaper than multiprocessing's wait()."""
    p = pollers.get(fd)
    if p is None:
        p = select.poll()
        p.register(fd, select.POLLIN)
        pollers[fd] = p
    try:
        return bool(p.poll(wait_ms))
    except Exception:
        return True


def begin_read_wait(fd, obj, site, op, timeout=None):
    """Before a read on fd that may block: record block.begin if it would; flush if it still would after the grace."""
    if readable(fd):
        return False
    extra = {"op": op}
    if timeout is not None:
        extra["timeout"] = timeout
    core.ev("block.begin", obj, None, site, extra)
    if not readable(fd, GRACE_MS):
        core.flush()
    return True




def _no_preadv(fd, buffers, offset, flags):
    raise OSError(errno.ENOSYS, "os.preadv is missing")


_RWF_NOWAIT = getattr(os, "RWF_NOWAIT", 0)
_preadv = getattr(os, "preadv", _no_preadv)
NOWAIT = [bool(_RWF_NOWAIT) and _preadv is not _no_preadv and not os.environ.get("IPCVIZ_NO_NOWAIT")]
read = os.read
unpack_i = struct.Struct("!i").unpack
_unpack_q = struct.Struct("!Q").unpack
_NOWAIT_REFUSED = (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP))


def header_nowait(fd, b):
    """Read up to 4 header bytes of the next message on fd into b without waiting.

    Returns the count read (≥ 1), 0 at end of file, -1 when reading would block, -2 when this
    cannot be told (no RWF_NOWAIT here, a closed or odd descriptor): nothing is read then."""
    try:
        n = _preadv(fd, [b], -1, _RWF_NOWAIT)
    except BlockingIOError:
        return -1
    except OSError as e:
        if e.errno in _NOWAIT_REFUSED:
            NOWAIT[0] = False
        return -2
    except Exception:
        return -2
    return n


def read_rest(fd, b, n):
    """The payload of the message whose first n (1..4) header bytes are in b, read from fd as
    Connection._recv_bytes reads it (the same errors at end of file)."""
    while n < 4:
        c = read(fd, 4 - n)
        if not c:
            raise OSError("got end of file during message")
        b[n : n + len(c)] = c
        n += len(c)
    size = unpack_i(b)[0]
    if size == -1:
        size = _unpack_q(read_exact(fd, 8))[0]
    return read_exact(fd, size)


def read_exact(fd, size, first=None):
    """size bytes from fd (first: what a first read returned), or EOFError / OSError at end of file
    as Connection._recv raises them."""
    if size <= 0:
        return b""
    c = read(fd, size) if first is None else first
    if len(c) == size:
        return c
    if not c:
        raise EOFError
    parts = [c]
    got = len(c)
    while got < size:
        c = read(fd, size - got)
        if not c:
            raise OSError("got end of file during message")
        parts.append(c)
        got += len(c)
    return b"".join(parts)
