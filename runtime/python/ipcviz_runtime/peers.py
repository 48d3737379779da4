"""Whether the process at the other end of a socket belongs to this run.

A connection made with `multiprocessing.connection.Listener`/`Client`, or to a Manager server by
address, may lead to a process that was started separately: one that does not run the runtime, or
runs it for another `ipcviz run`. Such a peer must see exactly what the program sent (no message id
wrapped around it, no CallArgs it cannot unpickle), so the runtime asks, once per connection,
which process holds the other end and whether its environment names this run's event channel:
- a Unix socket: the peer's pid from SO_PEERCRED (the connecting process on the accepting side,
  the listening one on the connecting side);
- TCP over loopback: the peer socket's inode from /proc/net/tcp (its local address is our remote
  one and the other way round), then the process of this run that has it open;
- anything else (another host, no /proc, a peer already gone): outside.
A wrong "outside" costs only pairing (the peer's receipts carry no message id); a wrong "inside"
would change what the peer receives, so every doubt answers "outside".
"""

import os
import socket

from . import core, waits  # waits: its /proc readers (already loaded: stacks.py imports it)

_MARK = b"\0IPCVIZ_SOCK=" + os.fsencode(core._SOCK) + b"\0"


def in_run(pid):
    """True if process `pid` was started with this run's event channel in its environment."""
    if not core._SOCK:
        return False
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read()
    except OSError:
        return False
    return _MARK in b"\0" + env + b"\0"


def runs_runtime(pid):
    """True if process `pid` is of this run and runs the runtime: this interpreter, started without
    the flags that skip site-packages and the environment (-I, -S, -E), as the run's processes are.
    A command the program started with the run's environment (a shell, socat, another Python) is
    not: it would receive what it cannot read."""
    if pid == os.getpid():
        return True
    return in_run(pid) and _runs_like_this_one(pid)


def _runs_like_this_one(pid):
    """Process `pid` runs this interpreter, without -I, -S or -E (see runs_runtime)."""
    if not waits.same_interpreter(pid):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")[1:]
    except OSError:
        return False
    for a in argv:
        if not a.startswith(b"-") or a.startswith(b"--") or a in (b"-c", b"-m"):
            break  # the script, or the end of the interpreter's own options
        if any(c in a[1:] for c in b"ISE"):
            return False
    return True


def _holder_in_run(inode):
    """Pid of a process of this run that has socket `inode` open, or None."""
    link = "socket:[%s]" % inode
    try:
        pids = [int(n) for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return None
    me = os.getpid()
    pids.sort(key=lambda p: p != me)  # this process first: a Client to its own Listener
    for pid in pids:
        if in_run(pid) and waits.holds(pid, link):
            return pid if pid == me or _runs_like_this_one(pid) else None
    return None


_by_address = {}  # a server's TCP address -> (pid, in the run): what connecting to it found


def known(address, pid):
    """A server of this run listens at `address` (a Manager this process started): no need to look."""
    if isinstance(address, tuple):
        _by_address[tuple(address[:2])] = (pid, True)


def peer(fd, server=False):
    """(pid or None, True if that process belongs to this run) for the connected socket `fd`.

    `server`: the other end is a server's listening address (Client(), a Manager's proxy), so what is
    found is kept for the next connection to it.
    """
    try:
        s = socket.socket(fileno=os.dup(fd))
    except OSError:
        return None, False
    try:
        if s.family == socket.AF_UNIX:
            import struct

            cred = s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            pid = struct.unpack("3i", cred)[0]
            return (pid, runs_runtime(pid)) if pid > 0 else (None, False)
        if s.family in (socket.AF_INET, socket.AF_INET6):
            local, remote = s.getsockname(), s.getpeername()
            if not _loopback(remote[0]) and remote[0] != local[0]:  # another host (our own address stays here)
                return None, False
            key = remote[:2]
            if server and key in _by_address:
                return _by_address[key]
            inode = waits.tcp_peer_inode(s.family, local, remote)
            pid = _holder_in_run(inode) if inode is not None else None
            r = (pid, pid is not None)
            if server:
                _by_address[key] = r
            return r
    except Exception:
        pass
    finally:
        s.close()
    return None, False


def _loopback(host):
    return host.startswith("127.") or host == "::1" or host.startswith("::ffff:127.")


def outside(conn, server=False):
    """True if the other end of Connection `conn` is not a process of this run (asked once, then kept)."""
    d = conn.__dict__
    r = d.get("_ipcviz_outside")
    if r is None:
        try:
            pid, inside = peer(conn.fileno(), server)
        except Exception:
            pid, inside = None, False
        r = not inside
        d["_ipcviz_outside"] = r
        d["_ipcviz_peer"] = pid
    return r
