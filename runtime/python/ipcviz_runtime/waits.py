"""What a thread blocked in the OS waits on, read from /proc (Linux), for stack snapshots.

A snapshot (stacks.py) sees where each thread's Python code is; this module looks one level
lower, at the system call the thread is blocked in (`/proc/self/task/<tid>/syscall`), and says
whether the wait can end without the run's help:

- a timer: `nanosleep`, or a `poll`/`select`/`epoll_wait`/`futex` with a timeout (a server loop
  such as `serve_forever`, `Event.wait(5)`) — progress;
- something outside the run: a listening socket (`accept`, or one in a `select`), a connected
  socket whose peer is no process of the run (the peer's socket is looked up in
  `/proc/self/net/tcp*` and among the run's processes' descriptors; a Unix socket's peer from
  NETLINK_SOCK_DIAG and the descriptors, else `SO_PEERCRED`), an unconnected datagram socket, a
  terminal — the wait may end when someone outside acts, so it is not a hang; stdin that is no
  terminal (a pipe, a file, a socket) is the run's given input and counts as the run's own;
- a command the thread waits for (`wait4`: `subprocess.run`), or whose output it reads from a
  pipe (`communicate`, `capture_output`; a process running this interpreter is taken for one of
  the run not connected yet, not for a command), that is no process of the run: looked at the same way
  (`/proc/<pid>/syscall`, its descriptors): one that runs or sleeps, or waits on a timer and
  nothing of the run — progress; one that waits on something outside the run (a socket whose peer is no process of the
  run, as `curl` talking to a server or a tool to a daemon's Unix socket; a terminal) — outside;
  one that waits on a pipe a process of the run holds open for writing (`cat` fed by the run), or
  on a socket whose peer a process of the run holds — only the run can end it; a command that
  waits for its own command (`sh -c`) is looked through;
- otherwise (a pipe, a socket to a process of the run, a lock without timeout) nothing is added:
  only the run can end the wait.

Everything here reads /proc and never runs the program's code; any failure gives None (the
snapshot then says what the Python frames say).

About 700 lines in one module: every case above answers the same question from the same reads
(a thread's system call, a process's descriptors, the socket tables), which are shared and read
once per snapshot; split by case, each part would import the same readers. It is a leaf that
imports no module of the runtime; stacks.py imports it, and peers.py its socket readers.
"""

import os
import socket
import struct
import time

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
_SYSCALLS = _NUMBERS.get(os.uname().machine, {})  # platform.machine(), without importing platform
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


def _mem(addr, n, pid=None):
    with open("/proc/%s/mem" % ("self" if pid is None else pid), "rb", buffering=0) as f:
        f.seek(addr)
        return f.read(n)


def _poll_fds(addr, n, pid=None):
    n = min(n, 1024)
    data = _mem(addr, 8 * n, pid)
    return [struct.unpack_from("=i", data, 8 * i)[0] for i in range(len(data) // 8)]


def _select_fds(n, *sets, pid=None):
    n = min(n, 4096)
    words = (n + 63) // 64
    fds = set()
    for addr in sets:
        if not addr:
            continue
        data = _mem(addr, 8 * words, pid)
        for w in range(len(data) // 8):
            bits = struct.unpack_from("=Q", data, 8 * w)[0]
            for b in range(64):
                if bits >> b & 1 and 64 * w + b < n:
                    fds.add(64 * w + b)
    return sorted(fds)


def _epoll_fds(epfd, pid=None):
    out = []
    try:
        with open("/proc/%s/fdinfo/%d" % ("self" if pid is None else pid, epfd), "r") as f:
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
    d = _fd_here(fd, run_pids)
    if d is not None and d.get("pipe"):
        # A pipe: when a command (no process of the run) holds its write end, what that command
        # waits on decides (`communicate` reading `curl`'s output).
        d = _pipe_from_commands(d.pop("pipe"), os.getpid(), run_pids) or d
    return d


def _fd_here(fd, run_pids):
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
        return {"what": "a pipe", "outside": False, "pipe": link}
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
            # (A socketpair has no peer name: its peer's inode tells that it is connected.)
            peer_inode = _unix_peer_inode(inode)
            if not peer and peer_inode is None and s.type != socket.SOCK_STREAM:
                return {"what": "a datagram socket %s" % _addr(local), "outside": True}
            # The peer's credentials name the process that made it (a socketpair's maker, also for
            # the end it passed to a child or a command; a listener's, for a connection it has not
            # accepted yet): the process that holds the other end now is looked for first.
            cred = struct.unpack("3i", s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
            pid = None if peer_inode is None else _socket_holder(peer_inode, os.getpid(), run_pids, hint=cred)
            return _unix_wait(cred if pid is None else pid, run_pids)
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


def _unix_wait(pid, run_pids):
    """
    The waitsOn of a connected Unix socket whose other end process pid holds: the run's when pid is
    a process of the run, or runs this interpreter below one (taken for one of the run that has
    not connected yet, as in _pipe_from_commands: a child still starting); else outside.
    """
    if run_pids is None or pid in run_pids or (same_interpreter(pid) and _below(pid, run_pids)):
        return {"what": "a Unix socket to pid %d" % pid, "outside": False, "peerPids": [pid]}
    st = _stat(pid)
    return {"what": "a Unix socket to pid %d%s" % (pid, " (%s)" % st[0] if st else ""), "outside": True}


def _below(pid, ancestors):
    """Whether one of `ancestors` is an ancestor of process pid (its parents read from /proc)."""
    st, hops = _stat(pid), 0
    while st is not None and st[2] > 1 and hops < 64:
        if st[2] in ancestors:
            return True
        st, hops = _stat(st[2]), hops + 1
    return False


# NETLINK_SOCK_DIAG (linux/sock_diag.h, linux/unix_diag.h): one Unix socket's peer, by its inode.
_NETLINK_SOCK_DIAG = 4
_SOCK_DIAG_BY_FAMILY = 20
_NLM_F_REQUEST = 1
_NLMSG_ERROR = 2
_UDIAG_SHOW_PEER = 4
_UNIX_DIAG_PEER = 2
_NO_COOKIE = 0xFFFFFFFF
_DIAG_TIMEOUT_S = 0.5


def _unix_peer_inode(inode):
    """
    The inode of the other end of the connected Unix socket `inode` (as in `socket:[inode]`), or
    None: not connected, its peer closed, no such socket in this network namespace, or no answer
    (no netlink, no unix_diag, a short or odd reply). One request for that socket (not a dump of
    them all) and its one reply; never raises.
    """
    try:
        inode = int(inode)
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG)
    except Exception:
        return None
    try:
        s.settimeout(_DIAG_TIMEOUT_S)
        # struct unix_diag_req: family, protocol, pad, states, ino, show, cookie[2] (none).
        req = struct.pack("=BBHIIIII", socket.AF_UNIX, 0, 0, 0xFFFFFFFF, inode, _UDIAG_SHOW_PEER, _NO_COOKIE, _NO_COOKIE)
        seq = 1
        s.sendto(struct.pack("=IHHII", 16 + len(req), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST, seq, 0) + req, (0, 0))
        data = s.recv(8192)
        off = 0
        while off + 16 <= len(data):
            length, kind, _flags, got_seq, _port = struct.unpack_from("=IHHII", data, off)
            if length < 16 or off + length > len(data):
                return None
            if kind == _NLMSG_ERROR:
                return None
            if kind == _SOCK_DIAG_BY_FAMILY and got_seq == seq and length >= 32:
                # struct unix_diag_msg: family, type, state, pad, ino, cookie[2]; then attributes.
                if struct.unpack_from("=I", data, off + 20)[0] != inode:
                    return None
                a, end = off + 32, off + length
                while a + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        return None
                    if atype == _UNIX_DIAG_PEER and alen >= 8 and a + 8 <= end:
                        peer = struct.unpack_from("=I", data, a + 4)[0]
                        return peer or None  # 0: the peer was closed
                    a += (alen + 3) & ~3
                return None
            off += (length + 3) & ~3
        return None
    except Exception:
        return None
    finally:
        s.close()


def _fd_links(pid):
    """Process pid's descriptors and what each links to (`socket:[123]`, `pipe:[45]`, a path);
    nothing when they cannot be read (ended, another user's), one skipped when it closes meanwhile."""
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return
    for n in names:
        try:
            yield n, os.readlink("/proc/%d/fd/%s" % (pid, n))
        except OSError:
            continue


def holds(pid, target, deadline=None):
    """Whether process pid has a descriptor whose link is `target` (`socket:[123]`); False when it
    cannot be read (ended, another user's) or the deadline (time.monotonic()) passed."""
    for _n, link in _fd_links(pid):
        if link == target:
            return True
        if deadline is not None and time.monotonic() > deadline:
            return False
    return False


# How long the look through every process for a socket's holder may take: each /proc read hands
# the GIL over to a busy thread of the program and back.
_SCAN_BUDGET_S = 0.5


def _socket_holder(inode, me, run_pids, hint=None):
    """
    The first process found holding the socket `inode`: the run's processes other than `me` first,
    then `me`, then `hint` (a likely holder), then every other process in /proc, for at most
    _SCAN_BUDGET_S; None when none is found (processes that end meanwhile or cannot be read are
    passed over). Never raises.
    """
    try:
        target = "socket:[%d]" % int(inode)
        first = sorted(p for p in (run_pids or ()) if p != me) + [me]
        if hint is not None and hint > 0 and hint not in first:
            first.append(hint)
        for pid in first:
            if holds(pid, target):
                return pid
        seen = set(first)
        deadline = time.monotonic() + _SCAN_BUDGET_S
        for n in os.listdir("/proc"):
            if not n.isdigit() or int(n) in seen:
                continue
            if holds(int(n), target, deadline):
                return int(n)
            if time.monotonic() > deadline:
                return None
    except Exception:
        return None
    return None


def _unix_peer_holder(inode, me, run_pids, hint=None):
    """The process holding the other end of `me`'s connected Unix socket `inode` (see _socket_holder), or None."""
    peer = _unix_peer_inode(inode)
    return None if peer is None else _socket_holder(peer, me, run_pids, hint)


def _hex_addr(family, a):
    if family == socket.AF_INET:
        ip = "%08X" % struct.unpack("=I", socket.inet_aton(a[0]))[0]
    else:
        ip = "".join("%08X" % w for w in struct.unpack("=4I", socket.inet_pton(socket.AF_INET6, a[0])))
    return "%s:%04X" % (ip, a[1])


def tcp_peer_inode(family, local, peer):
    """Inode (text) of the socket at the other end of a local TCP connection from `local` to `peer`
    (as getsockname() and getpeername() give them), or None. Raises OSError when /proc cannot be read.

    Only the table of the connection's family is read: reading one costs milliseconds however
    short it is (the kernel walks its whole hash).
    """
    want_local, want_remote = _hex_addr(family, peer), _hex_addr(family, local)
    name = "/proc/self/net/tcp" if family == socket.AF_INET else "/proc/self/net/tcp6"
    with open(name, "r") as f:
        next(f, None)
        for line in f:
            c = line.split()
            if len(c) > 9 and c[1] == want_local and c[2] == want_remote:
                return None if c[9] == "0" else c[9]
    return None


def _tcp_peer_owners(family, local, peer, run_pids):
    """The run's processes that hold the peer's end of a local TCP connection ([] when none)."""
    if not run_pids:
        return []
    inode = tcp_peer_inode(family, local, peer)
    if inode is None:
        return []
    target = "socket:[%s]" % inode
    return [pid for pid in sorted(run_pids) if holds(pid, target)]


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
        else:
            d = _command(pid, run_pids, 0)
            if d.get("outside") or d.get("progress"):
                return d
        if first is None:
            first = d
    return first


_MAX_DEPTH = 3


def _command(pid, run_pids, depth):
    """What a command (a process that is no process of the run) is doing: a waitsOn dict."""
    st = _stat(pid)
    if st is None:
        return {"what": "the command (pid %d), which has ended" % pid, "outside": False, "progress": True}
    comm, state, _ = st
    name = "the command %s (pid %d)" % (comm, pid)
    if state in ("R", "D"):
        return {"what": name + ", which is running", "outside": False, "progress": True}
    wchan = ""
    try:
        with open("/proc/%d/wchan" % pid, "r") as f:
            wchan = f.read().strip()
    except OSError:
        pass
    sc = _syscall("/proc/%d/syscall" % pid)
    if "nanosleep" in wchan or (sc is not None and sc[0] in ("nanosleep", "clock_nanosleep")):
        return {"what": name + ", which sleeps", "outside": False, "progress": True}
    d = None
    if sc is not None and depth < _MAX_DEPTH:
        try:
            d = _command_wait(pid, sc[0], sc[1], run_pids, depth)
        except Exception:
            d = None
    if d is not None:
        return dict(d, what="%s, which waits on %s" % (name, d["what"]))
    return {"what": "%s, which waits%s" % (name, " in %s" % wchan if wchan and wchan != "0" else ""), "outside": False}


def _command_wait(pid, name, a, run_pids, depth):
    """What a command's blocked system call waits on (as _describe for this process), or None."""
    timer = False
    fds = []
    if name == "futex":
        return _timer("a wait with a timeout") if a[1] & 0x7F in _FUTEX_WAIT and a[3] else None
    if name == "poll":
        timer = _signed(a[2], 32) >= 0
        fds = _poll_fds(a[0], a[1], pid)
    elif name == "ppoll":
        timer = bool(a[2])
        fds = _poll_fds(a[0], a[1], pid)
    elif name in ("select", "pselect6"):
        timer = bool(a[4])
        fds = _select_fds(a[0], a[1], a[2], pid=pid)
    elif name in ("epoll_wait", "epoll_pwait", "epoll_pwait2"):
        timer = bool(a[3]) if name == "epoll_pwait2" else _signed(a[3], 32) >= 0
        fds = _epoll_fds(a[0], pid)
    elif name in _FD_CALLS:
        fds = [a[0] & 0xFFFFFFFF]
    elif name in ("wait4", "waitid"):
        target = _signed(a[0] & 0xFFFFFFFF, 32) if name == "wait4" else (a[1] if a[0] == 1 else -1)
        first = None
        for kid in [target] if target > 0 else _children(pid):
            if run_pids is not None and kid in run_pids:
                d = {"what": "process %d of the run" % kid, "outside": False}
            else:
                d = _command(kid, run_pids, depth + 1)
                if d.get("outside") or d.get("progress"):
                    return d
            first = first or d
        return first
    first = None
    for fd in fds:
        d = _other_fd(pid, fd, run_pids, depth)
        if d is None:
            continue
        if d.get("outside"):
            return d
        first = first or d
    # A timeout alone ends nothing when what the command waits on is the run's (a curl polling a
    # socket to a stuck process of the run wakes now and then, and waits again).
    if timer and first is None:
        return _timer("a timer")
    return first


def _other_fd(pid, fd, run_pids, depth):
    """What descriptor fd of another process (a command) is, as _fd: a terminal, a socket, a pipe."""
    if fd < 0:
        return None
    try:
        link = os.readlink("/proc/%d/fd/%d" % (pid, fd))
    except OSError:
        return None
    if link.startswith("/dev/pts/") or link.startswith("/dev/tty"):
        return {"what": "the terminal %s" % link, "outside": True}
    if link.startswith("socket:["):
        return _other_socket(pid, link[8:-1], run_pids)
    if link.startswith("pipe:["):
        return _pipe_from_commands(link, pid, run_pids, depth + 1) or {"what": "a pipe", "outside": False}
    return None


def _other_socket(pid, inode, run_pids):
    """A socket of another process, from its /proc/<pid>/net tables: listening, or connected to whom."""
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6), ("udp", socket.AF_INET), ("udp6", socket.AF_INET6)):
        try:
            with open("/proc/%d/net/%s" % (pid, name), "r") as f:
                next(f, None)
                for line in f:
                    c = line.split()
                    if len(c) > 9 and c[9] == inode:
                        local, remote = _parse_hex_addr(family, c[1]), _parse_hex_addr(family, c[2])
                        if name.startswith("udp"):
                            return {"what": "a datagram socket %s" % _addr(local), "outside": True}
                        if c[3] == "0A":
                            return {"what": "a listening socket %s" % _addr(local), "outside": True}
                        owners = _tcp_peer_owners(family, local, remote, run_pids)
                        what = "a socket %s to %s" % (_addr(local), _addr(remote))
                        if owners:
                            return {"what": what + " (pid %s)" % ", ".join(str(p) for p in owners), "outside": False, "peerPids": owners}
                        return {"what": what, "outside": run_pids is not None}
        except (OSError, ValueError):
            continue
    # A Unix socket: listening (someone outside may connect); connected, to a peer a process of
    # the run holds (the run's to end) or another process (outside); its peer held by the command
    # itself (its own socketpair, as curl's), or not found (closed, a connection not accepted yet,
    # no netlink): no evidence either way.
    try:
        with open("/proc/%d/net/unix" % pid, "r") as f:
            next(f, None)
            for line in f:
                c = line.split()
                if len(c) > 6 and c[6] == inode and int(c[3], 16) & 0x10000:
                    return {"what": "a listening socket %s" % (c[7] if len(c) > 7 else "(unnamed)"), "outside": True}
    except (OSError, ValueError):
        pass
    holder = _unix_peer_holder(inode, pid, run_pids)
    if holder is None or holder == pid:
        return None
    return _unix_wait(holder, run_pids)


def _parse_hex_addr(family, text):
    ip, port = text.split(":")
    if family == socket.AF_INET:
        host = socket.inet_ntoa(struct.pack("=I", int(ip, 16)))
    else:
        host = socket.inet_ntop(socket.AF_INET6, struct.pack("=4I", *(int(ip[i:i + 8], 16) for i in range(0, 32, 8))))
    return (host, int(port, 16))


def _descendants(me):
    """Every process below `me` (pid → ppid read from /proc once)."""
    parent = {}
    for n in os.listdir("/proc"):
        if n.isdigit():
            st = _stat(int(n))
            if st is not None:
                parent[int(n)] = st[2]
    out = []
    for pid in parent:
        p, hops = parent.get(pid), 0
        while p is not None and p > 1 and hops < 64:
            if p == me:
                out.append(pid)
                break
            p, hops = parent.get(p), hops + 1
    return sorted(out)


def same_interpreter(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid) == os.readlink("/proc/self/exe")
    except OSError:
        return False


def _writes(pid, link):
    """Whether process pid holds the pipe `link` open for writing."""
    for n, target in _fd_links(pid):
        if target != link:
            continue
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, n), "r") as f:
                for line in f:
                    if line.startswith("flags:"):
                        if int(line.split()[1], 8) & 3 in (1, 2):  # O_WRONLY, O_RDWR
                            return True
                        break
        except (OSError, ValueError, IndexError):
            continue
    return False


def _pipe_from_commands(link, reader, run_pids, depth=0):
    """
    A pipe that `reader` waits to read: when a process of the run holds its write end, None (only
    the run can end the wait); when commands below this process hold it, what the first of them
    that can end the wait (outside, progress) waits on, else what one of them waits on; None when
    nothing is found.
    """
    if depth > _MAX_DEPTH:
        return None
    me = os.getpid()
    # A process below this one that runs this interpreter is taken for one of the run that has not
    # connected yet (a forkserver, a resource tracker, a child just started), never for a command.
    commands = [p for p in _descendants(me) if p != reader and (run_pids is None or p not in run_pids) and not same_interpreter(p)]
    if not commands:
        return None
    # A process of the run (this one too) that can write to it: only the run can end the wait.
    for pid in sorted(set(run_pids or ()) | {me}):
        if (pid != reader or reader == me) and _writes(pid, link):
            return None
    first = None
    for pid in commands:
        if not _writes(pid, link):
            continue
        d = _command(pid, run_pids, depth)
        d = dict(d, what="a pipe from " + d["what"])
        if d.get("outside") or d.get("progress"):
            return d
        first = first or d
    return first
