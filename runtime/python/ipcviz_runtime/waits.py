"""What a thread blocked in the OS waits on, read from /proc (Linux), for stack snapshots.

A snapshot (stacks.py) sees where each thread's Python code is; this module looks one level
lower, at the system call the thread is blocked in (`/proc/self/task/<tid>/syscall`), and says
whether the wait can end without the run's help:

- a timer: `nanosleep`, or a `poll`/`select`/`epoll_wait`/`futex` with a timeout (a server loop
  such as `serve_forever`, `Event.wait(5)`) — progress;
- something outside the run: a listening socket (`accept`, or one in a `select`), a connected
  socket whose peer is no process of the run (the peer's socket is looked up in
  `/proc/self/net/tcp*` and among the run's processes' descriptors; a Unix socket's peer from
  `SO_PEERCRED`), an unconnected datagram socket, a terminal — the wait may end when someone
  outside acts, so it is not a hang; stdin that is no terminal (a pipe, a file, a socket) is the
  run's given input and counts as the run's own;
- a command the thread waits for (`wait4`: `subprocess.run`) that is no process of the run and
  runs or sleeps — progress;
- otherwise (a pipe, a socket to a process of the run, a lock without timeout) nothing is added:
  only the run can end the wait.

Everything here reads /proc and never runs the program's code; any failure gives None (the
snapshot then says what the Python frames say).
"""

import os
import platform
import socket
import struct

# System call numbers of the calls a blocked thread can be in (asm/unistd_64.h per machine).
_NUMBERS = {
    "x86_64": {
        0: "read", 7: "poll", 17: "pread64", 19: "readv", 23: "select", 35: "nanosleep", 42: "connect",
        43: "accept", 45: "recvfrom", 47: "recvmsg", 61: "wait4", 202: "futex", 230: "clock_nanosleep",
        232: "epoll_wait", 247: "waitid", 270: "pselect6", 271: "ppoll", 281: "epoll_pwait", 288: "accept4",
        299: "recvmmsg", 441: "epoll_pwait2",
    },
    "aarch64": {
        22: "epoll_pwait", 63: "read", 65: "readv", 67: "pread64", 72: "pselect6", 73: "ppoll", 95: "waitid",
        98: "futex", 101: "nanosleep", 115: "clock_nanosleep", 202: "accept", 203: "connect", 207: "recvfrom",
        212: "recvmsg", 242: "accept4", 243: "recvmmsg", 260: "wait4", 441: "epoll_pwait2",
    },
}
_SYSCALLS = _NUMBERS.get(platform.machine(), {})
_FD_CALLS = ("read", "pread64", "readv", "recvfrom", "recvmsg", "recvmmsg", "accept", "accept4", "connect")
_FUTEX_WAIT = (0, 9)  # FUTEX_WAIT, FUTEX_WAIT_BITSET (the low bits of the op)


def _signed(v, bits=64):
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def _syscall(path):
    """(name, [args]) of the system call a thread is blocked in, or None (running, unknown)."""
    try:
        with open(path, "rb") as f:
            parts = f.read().split()
    except OSError:
        return None
    if len(parts) < 7 or parts[0] in (b"running", b"-1"):
        return None
    try:
        name = _SYSCALLS.get(int(parts[0]))
        args = [int(x, 16) for x in parts[1:7]]
    except ValueError:
        return None
    return (name, args) if name else None


def _mem(addr, n):
    with open("/proc/self/mem", "rb", buffering=0) as f:
        f.seek(addr)
        return f.read(n)


def _poll_fds(addr, n):
    n = min(n, 1024)
    data = _mem(addr, 8 * n)
    return [struct.unpack_from("=i", data, 8 * i)[0] for i in range(len(data) // 8)]


def _select_fds(n, *sets):
    n = min(n, 4096)
    words = (n + 63) // 64
    fds = set()
    for addr in sets:
        if not addr:
            continue
        data = _mem(addr, 8 * words)
        for w in range(len(data) // 8):
            bits = struct.unpack_from("=Q", data, 8 * w)[0]
            for b in range(64):
                if bits >> b & 1 and 64 * w + b < n:
                    fds.add(64 * w + b)
    return sorted(fds)


def _epoll_fds(epfd):
    out = []
    try:
        with open("/proc/self/fdinfo/%d" % epfd, "r") as f:
            for line in f:
                if line.startswith("tfd:"):
                    out.append(int(line.split()[1]))
    except (OSError, ValueError, IndexError):
        pass
    return out


def describe(tid, run_pids):
    """What the thread (native id) of this process waits on (see the module comment), or None.

    A dict: `what` (text), `outside` (the wait can end without the run), `progress` (a timer or a
    command that runs or sleeps), `timer` (the wait has a timeout), `peerPids` when known.
    """
    sc = _syscall("/proc/self/task/%d/syscall" % tid)
    if sc is None:
        return None
    name, a = sc
    try:
        return _describe(name, a, run_pids)
    except Exception:
        return None


def _timer(what):
    return {"what": what, "outside": False, "progress": True, "timer": True}


def _describe(name, a, run_pids):
    if name in ("nanosleep", "clock_nanosleep"):
        return _timer("a sleep")
    if name == "futex":
        if a[1] & 0x7F in _FUTEX_WAIT and a[3]:
            return _timer("a wait with a timeout")
        return None
    fds = []
    if name == "poll":
        timeout = _signed(a[2], 32)
        if timeout >= 0:
            return _timer("poll with a %g s timeout" % (timeout / 1000.0))
        fds = _poll_fds(a[0], a[1])
    elif name == "ppoll":
        if a[2]:
            return _timer("poll with a timeout")
        fds = _poll_fds(a[0], a[1])
    elif name in ("select", "pselect6"):
        if a[4]:
            return _timer("select with a timeout")
        fds = _select_fds(a[0], a[1], a[2])
    elif name in ("epoll_wait", "epoll_pwait", "epoll_pwait2"):
        if (name == "epoll_pwait2" and a[3]) or (name != "epoll_pwait2" and _signed(a[3], 32) >= 0):
            return _timer("epoll_wait with a timeout")
        fds = _epoll_fds(a[0])
    elif name in _FD_CALLS:
        fds = [a[0] & 0xFFFFFFFF]
    elif name in ("wait4", "waitid"):
        return _child_wait(name, a, run_pids)
    first = None
    for fd in fds:
        d = _fd(fd, run_pids)
        if d is None:
            continue
        if d.get("outside"):
            return d
        if first is None:
            first = d
    return first


def _fd(fd, run_pids):
    if fd < 0:
        return None
    try:
        link = os.readlink("/proc/self/fd/%d" % fd)
    except OSError:
        return None
    try:
        tty = os.isatty(fd)
    except OSError:
        tty = False
    if tty:
        return {"what": "the terminal %s%s" % (link, " (stdin)" if fd == 0 else ""), "outside": True}
    if fd == 0:
        # stdin that is no terminal is the run's input: what was meant for it has been given.
        return {"what": "stdin (%s)" % ("a pipe" if link.startswith("pipe:[") else "a socket" if link.startswith("socket:[") else link), "outside": False}
    if link.startswith("socket:["):
        return _socket(fd, link[8:-1], run_pids)
    if link.startswith("pipe:["):
        return {"what": "a pipe", "outside": False}
    return None


def _addr(a):
    if isinstance(a, tuple) and len(a) >= 2:
        host = a[0]
        return ("[%s]:%d" if ":" in host else "%s:%d") % (host, a[1])
    if isinstance(a, bytes):
        a = a.decode("utf-8", "replace")
    return str(a) or "(unnamed)"


def _socket(fd, inode, run_pids):
    s = socket.socket(fileno=os.dup(fd))
    try:
        listening = s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        local = s.getsockname()
        if listening:
            return {"what": "a listening socket %s" % _addr(local), "outside": True}
        try:
            peer = s.getpeername()
        except OSError:
            peer = None
        if s.family == socket.AF_UNIX:
            if not peer and s.type != socket.SOCK_STREAM:
                return {"what": "a datagram socket %s" % _addr(local), "outside": True}
            pid = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
            inside = run_pids is None or pid in run_pids
            return {"what": "a Unix socket to pid %d" % pid, "outside": not inside, "peerPids": [pid]}
        if s.family not in (socket.AF_INET, socket.AF_INET6):
            return None
        if peer is None:
            return {"what": "a datagram socket %s" % _addr(local), "outside": True}
        owners = _tcp_peer_owners(s.family, local, peer, run_pids)
        what = "a socket %s to %s" % (_addr(local), _addr(peer))
        if owners:
            return {"what": what + " (pid %s)" % ", ".join(str(p) for p in owners), "outside": False, "peerPids": owners}
        return {"what": what, "outside": run_pids is not None}
    finally:
        s.close()


def _hex_addr(family, a):
    if family == socket.AF_INET:
        ip = "%08X" % struct.unpack("=I", socket.inet_aton(a[0]))[0]
    else:
        ip = "".join("%08X" % w for w in struct.unpack("=4I", socket.inet_pton(socket.AF_INET6, a[0])))
    return "%s:%04X" % (ip, a[1])


def _tcp_peer_owners(family, local, peer, run_pids):
    """The run's processes that hold the peer's end of a local TCP connection ([] when none)."""
    if not run_pids:
        return []
    want_local, want_remote = _hex_addr(family, peer), _hex_addr(family, local)
    inode = None
    name = "/proc/self/net/tcp" if family == socket.AF_INET else "/proc/self/net/tcp6"
    with open(name, "r") as f:
        next(f, None)
        for line in f:
            c = line.split()
            if len(c) > 9 and c[1] == want_local and c[2] == want_remote:
                inode = c[9]
                break
    if inode is None or inode == "0":
        return []
    target = "socket:[%s]" % inode
    owners = []
    for pid in sorted(run_pids):
        try:
            names = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for n in names:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, n)) == target:
                    owners.append(pid)
                    break
            except OSError:
                continue
    return owners


def _stat(pid):
    """(comm, state letter, ppid) of a process, or None."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    i, j = data.find(b"("), data.rfind(b")")
    rest = data[j + 1:].split()
    return data[i + 1:j].decode("utf-8", "replace"), rest[0].decode("ascii"), int(rest[1])


def _children(me):
    out = []
    for n in os.listdir("/proc"):
        if n.isdigit():
            st = _stat(int(n))
            if st is not None and st[2] == me:
                out.append(int(n))
    return sorted(out)


def _child_wait(name, a, run_pids):
    me = os.getpid()
    target = _signed(a[0] & 0xFFFFFFFF, 32) if name == "wait4" else (a[1] if a[0] == 1 else -1)
    kids = [target] if target > 0 else _children(me)
    first = None
    for pid in kids:
        st = _stat(pid)
        if st is None:
            continue
        comm, state, _ = st
        if run_pids is not None and pid in run_pids:
            d = {"what": "process %d of the run" % pid, "outside": False}
        elif state in ("R", "D"):
            return {"what": "the command %s (pid %d), which is running" % (comm, pid), "outside": False, "progress": True}
        else:
            wchan = ""
            try:
                with open("/proc/%d/wchan" % pid, "r") as f:
                    wchan = f.read().strip()
            except OSError:
                pass
            sc = _syscall("/proc/%d/syscall" % pid)
            if "nanosleep" in wchan or (sc is not None and sc[0] in ("nanosleep", "clock_nanosleep")):
                return {"what": "the command %s (pid %d), which sleeps" % (comm, pid), "outside": False, "progress": True}
            d = {"what": "the command %s (pid %d), which waits%s" % (comm, pid, " in %s" % wchan if wchan and wchan != "0" else ""), "outside": False}
        if first is None:
            first = d
    return first
