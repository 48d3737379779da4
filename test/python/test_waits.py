"""What a command the run waits for is waiting on (runtime/python/ipcviz_runtime/waits.py), on real
commands (Linux /proc): a command on a socket whose peer is no process of the run waits outside
the run, one on a pipe or socket the run holds is the run's, one on a timer makes progress; a pipe
read from such a command is judged by what the command waits on. A connected Unix socket's peer
is the process holding its other end now (NETLINK_SOCK_DIAG, then /proc/*/fd): a socketpair end
passed to a forked child is the child's, one passed to a command is outside the run, a closed peer
or any failure gives None.

Run: python -m unittest discover -s test/python
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python"))

from ipcviz_runtime import waits  # noqa: E402

# A command that is no process of the run: a Python isolated from this one's environment.
CLIENT = "import socket, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); print('connected', flush=True); s.recv(1)"
TIMER = "import select; print('waiting', flush=True); select.select([], [], [], 60)"


def stop_all(procs):
    """End the commands a test started, and close what it read from them."""
    for p in procs:
        p.kill()
        p.wait()
        if p.stdout:
            p.stdout.close()


def blocked(pid, budget=30.0):
    """Wait until the process sleeps in a system call (not running)."""
    end = time.monotonic() + budget
    while time.monotonic() < end:
        st = waits._stat(pid)
        if st is not None and st[1] == "S" and waits._syscall("/proc/%d/syscall" % pid) is not None:
            return
        time.sleep(0.05)
    raise AssertionError("pid %d never blocked" % pid)


@unittest.skipUnless(sys.platform.startswith("linux") and waits._SYSCALLS, "Linux /proc on x86-64 or arm64")
class CommandWaitTest(unittest.TestCase):
    def setUp(self):
        self.procs = []
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.me = os.getpid()

    def tearDown(self):
        stop_all(self.procs)
        self.srv.close()

    def start(self, code, *args):
        p = subprocess.Popen([sys.executable, "-I", "-c", code] + list(args), stdout=subprocess.PIPE)
        self.procs.append(p)
        assert p.stdout is not None
        p.stdout.readline()
        blocked(p.pid)
        return p

    def test_socket_peer_outside_or_inside_the_run(self):
        p = self.start(CLIENT, str(self.srv.getsockname()[1]))
        conn, _ = self.srv.accept()
        try:
            # The server's end is in this process: when it is no process of the run, outside.
            d = waits._command(p.pid, set(), 0)
            self.assertTrue(d["outside"], d)
            self.assertRegex(d["what"], r"^the command \S+ \(pid %d\), which waits on a socket 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+$" % p.pid)
            # When this process is one of the run, the run holds the other end: only the run can answer.
            d = waits._command(p.pid, {self.me}, 0)
            self.assertFalse(d.get("outside"), d)
            self.assertFalse(d.get("progress"), d)
            self.assertIn("(pid %d)" % self.me, d["what"])
        finally:
            conn.close()

    @unittest.skipUnless(shutil.which("curl"), "no curl")
    def test_pipe_read_from_a_command(self):
        # (Not a Python command: a process running this interpreter is taken for one of the run.)
        p = subprocess.Popen(["curl", "-s", "http://127.0.0.1:%d/" % self.srv.getsockname()[1]], stdout=subprocess.PIPE)
        self.procs.append(p)
        conn, _ = self.srv.accept()
        blocked(p.pid)
        try:
            assert p.stdout is not None
            link = os.readlink("/proc/self/fd/%d" % p.stdout.fileno())
            d = waits._pipe_from_commands(link, self.me, set())
            assert d is not None
            self.assertTrue(d["outside"], d)
            self.assertTrue(d["what"].startswith("a pipe from the command curl (pid %d), which waits on a socket" % p.pid), d)
            d = waits._pipe_from_commands(link, self.me, {self.me})
            self.assertFalse(d is not None and (d.get("outside") or d.get("progress")), d)
        finally:
            conn.close()

    def test_pipe_the_run_writes_to_is_the_runs(self):
        r, w = os.pipe()
        try:
            p = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.DEVNULL)
            self.procs.append(p)
            blocked(p.pid)
            d = waits._command(p.pid, {self.me}, 0)
            self.assertFalse(d.get("outside") or d.get("progress"), d)
            self.assertIn("a pipe", d["what"])
        finally:
            os.close(r)
            os.close(w)

    def test_timer_is_progress(self):
        p = self.start(TIMER)
        d = waits._command(p.pid, {self.me}, 0)
        self.assertTrue(d.get("progress"), d)


# A command that waits on its own socketpair (as curl's resolver thread does): no evidence either way.
OWN_PAIR = "import socket; a, b = socket.socketpair(); print('paired', flush=True); a.recv(1)"


def inode(sock):
    return os.fstat(sock.fileno()).st_ino


class _FakeNetlink:
    """A netlink socket whose reply is given (bytes, or an exception recv raises)."""

    reply = b""

    def __init__(self, *args):
        pass

    def settimeout(self, t):
        pass

    def sendto(self, data, addr):
        return len(data)

    def recv(self, n):
        if isinstance(self.reply, BaseException):
            raise self.reply
        return self.reply

    def close(self):
        pass


@unittest.skipUnless(sys.platform.startswith("linux") and waits._SYSCALLS, "Linux /proc on x86-64 or arm64")
class UnixPeerTest(unittest.TestCase):
    """Who holds the other end of a connected Unix socket (NETLINK_SOCK_DIAG, then /proc/*/fd)."""

    def setUp(self):
        self.me = os.getpid()
        self.procs = []
        self.socks = []

    def tearDown(self):
        stop_all(self.procs)
        for s in self.socks:
            s.close()

    def pair(self, kind=socket.SOCK_STREAM):
        a, b = socket.socketpair(socket.AF_UNIX, kind)
        self.socks += [a, b]
        return a, b

    def fork_holding(self, end):
        """A forked child that waits to read from `end`, which this process then closes; its pid.
        (The child keeps this process's end too, as a fork child that closes nothing.)"""
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child)
            try:
                end.recv(1)
            finally:
                os._exit(0)
        self.addCleanup(self.reap, pid)
        end.close()
        blocked(pid)
        return pid

    def reap(self, pid):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

    def command_holding(self, end):
        """A command (not Python: one below this process that runs this interpreter is taken for one
        of the run still starting) that holds `end` as its stdin and waits to read from it."""
        p = subprocess.Popen(["cat"], stdin=end, stdout=subprocess.DEVNULL)
        self.procs.append(p)
        end.close()
        blocked(p.pid)
        return p

    def test_peer_of_a_socketpair_across_a_fork(self):
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            a, b = self.pair(kind)
            ia, ib = inode(a), inode(b)
            self.assertEqual(waits._unix_peer_inode(ia), ib)
            self.assertEqual(waits._unix_peer_inode(ib), ia)
            child = self.fork_holding(b)
            run = {self.me, child}
            # The child holds the other end (SO_PEERCRED names this process, which made the pair).
            self.assertEqual(waits._socket_holder(ib, self.me, run), child)
            self.assertEqual(waits._unix_peer_holder(ia, self.me, run), child)
            d = waits._socket(a.fileno(), str(ia), run)
            self.assertEqual(d, {"what": "a Unix socket to pid %d" % child, "outside": False, "peerPids": [child]})
            # The child's end, looked at from outside (as a command's): its peer is this process's
            # end, which the child holds too (inherited); the run's other processes come first.
            d = waits._other_socket(child, str(ib), run)
            self.assertEqual(d, {"what": "a Unix socket to pid %d" % self.me, "outside": False, "peerPids": [self.me]})
            # Not among the run's processes yet, but running this interpreter below one of them: a
            # child of the run still starting, as for a pipe; below none of them: outside.
            d = waits._socket(a.fileno(), str(ia), {self.me})
            self.assertEqual(d, {"what": "a Unix socket to pid %d" % child, "outside": False, "peerPids": [child]})
            d = waits._socket(a.fileno(), str(ia), {2 ** 22 + 5})
            assert d is not None
            self.assertTrue(d["outside"], d)
            self.assertTrue(d["what"].startswith("a Unix socket to pid %d (" % child), d)

    def test_peer_outside_the_run(self):
        a, b = self.pair()
        p = self.command_holding(b)
        # This process's end: its peer is held by a process that is not of the run.
        d = waits._socket(a.fileno(), str(inode(a)), {self.me})
        assert d is not None
        self.assertTrue(d["outside"], d)
        self.assertNotIn("peerPids", d)
        self.assertTrue(d["what"].startswith("a Unix socket to pid %d" % p.pid), d)
        # The command's wait: on this process when it is of the run, outside when it is not.
        d = waits._command(p.pid, {self.me}, 0)
        self.assertEqual(d.get("peerPids"), [self.me], d)
        self.assertFalse(d.get("outside") or d.get("progress"), d)
        self.assertRegex(d["what"], r"^the command \S+ \(pid %d\), which waits on a Unix socket to pid %d$" % (p.pid, self.me))
        d = waits._command(p.pid, set(), 0)
        self.assertTrue(d["outside"], d)
        self.assertNotIn("peerPids", d)
        self.assertRegex(d["what"], r"which waits on a Unix socket to pid %d \(\S+\)$" % self.me)
        # A command that waits on its own socketpair: no evidence either way, as before.
        q = subprocess.Popen([sys.executable, "-I", "-c", OWN_PAIR], stdout=subprocess.PIPE)
        self.procs.append(q)
        assert q.stdout is not None
        q.stdout.readline()
        blocked(q.pid)
        for run in ({self.me}, set()):
            d = waits._command(q.pid, run, 0)
            self.assertFalse(d.get("outside") or d.get("progress"), d)
            self.assertNotIn("Unix socket", d["what"])

    def test_peer_closed(self):
        a, b = self.pair()
        ia, ib = inode(a), inode(b)
        self.assertEqual(waits._unix_peer_inode(ia), ib)
        b.close()
        self.assertIsNone(waits._unix_peer_inode(ia))
        self.assertIsNone(waits._unix_peer_holder(ia, self.me, {self.me}))
        self.assertIsNone(waits._socket_holder(ib, self.me, {self.me}))
        # No holder: the peer's credentials as before (this process made the pair).
        self.assertEqual(waits._socket(a.fileno(), str(ia), {self.me}), {"what": "a Unix socket to pid %d" % self.me, "outside": False, "peerPids": [self.me]})

    def test_never_raises(self):
        a, _ = self.pair()
        good = waits._unix_peer_inode(inode(a))
        self.assertIsNotNone(good)
        # No such socket, no socket inode at all, nothing that is an inode.
        for bad in (0, 1, 2 ** 32 - 2, -1, 2 ** 40, "x", None):
            self.assertIsNone(waits._unix_peer_inode(bad), bad)
            self.assertIsNone(waits._unix_peer_holder(bad, self.me, {self.me}), bad)
        self.assertIsNone(waits._socket_holder("x", self.me, {self.me}))
        # Processes that ended or never were are passed over (this one is then found among all).
        gone = {2 ** 22 + 5, 2 ** 22 + 6}
        self.assertEqual(waits._socket_holder(inode(a), 2 ** 22 + 7, gone, hint=2 ** 22 + 8), self.me)
        self.assertEqual(waits._socket_holder(inode(a), 2 ** 22 + 7, gone | {self.me}, hint=-3), self.me)
        self.assertIsNone(waits._socket_holder(2 ** 32 - 2, 2 ** 22 + 7, gone))
        # No netlink, or replies that are short, odd or an error.
        hdr = struct.Struct("=IHHII")
        msg = struct.pack("=BBBBIII", socket.AF_UNIX, 1, 1, 0, inode(a), 0, 0)
        zero_attr = struct.pack("=HH", 0, 2)
        replies = [
            OSError(93, "Protocol not supported"),
            socket.timeout("timed out"),
            b"",
            b"\x01\x02\x03",
            hdr.pack(1000, 20, 0, 1, 0) + msg,  # longer than what came
            hdr.pack(8, 20, 0, 1, 0),  # shorter than a header
            hdr.pack(36, 2, 0, 1, 0) + struct.pack("=i", -2) + hdr.pack(16, 20, 1, 1, 0),  # NLMSG_ERROR (ENOENT)
            hdr.pack(32, 20, 0, 1, 0) + struct.pack("=BBBBIII", socket.AF_UNIX, 1, 1, 0, 12345, 0, 0),  # another socket
            hdr.pack(36, 20, 0, 1, 0) + msg + zero_attr,  # an attribute of length 0
            hdr.pack(38, 20, 0, 1, 0) + msg + struct.pack("=HHH", 6, 2, 7),  # a peer attribute cut short
        ]
        for reply in replies:
            _FakeNetlink.reply = reply
            with mock.patch.object(waits.socket, "socket", _FakeNetlink):
                self.assertIsNone(waits._unix_peer_inode(inode(a)), reply)
        with mock.patch.object(waits.socket, "socket", side_effect=PermissionError(1, "Operation not permitted")):
            self.assertIsNone(waits._unix_peer_inode(inode(a)))
            self.assertIsNone(waits._other_socket(self.me, str(inode(a)), {self.me}))
        # And the well-formed reply the fake gives is read (the cases above fail for their fault).
        _FakeNetlink.reply = hdr.pack(40, 20, 0, 1, 0) + msg + struct.pack("=HHI", 8, 2, 4242)
        with mock.patch.object(waits.socket, "socket", _FakeNetlink):
            self.assertEqual(waits._unix_peer_inode(inode(a)), 4242)


if __name__ == "__main__":
    unittest.main()
