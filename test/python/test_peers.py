"""peers.py: whether the process at the other end of a socket belongs to the run (stdlib unittest).

Each test starts a real second interpreter, with or without this run's event channel in its
environment, connected over a Unix socket or loopback TCP, both ways round.
"""
import os
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python")
sys.path.insert(0, RUNTIME)

from ipcviz_runtime import core, peers  # noqa: E402

RUN_SOCK = os.path.join(tempfile.gettempdir(), "ipcviz-test-peers-channel")

# The peer: connects to (or listens at) argv[2], says "ok", and waits until its stdin closes.
PEER = r"""
import socket, sys
kind, where = sys.argv[1], sys.argv[2]
if kind == "unix-connect":
    s = socket.socket(socket.AF_UNIX); s.connect(where)
elif kind == "tcp-connect":
    s = socket.create_connection(("127.0.0.1", int(where)))
else:
    l = socket.socket(socket.AF_UNIX if kind == "unix-listen" else socket.AF_INET)
    l.bind(where if kind == "unix-listen" else ("127.0.0.1", 0)); l.listen(1)
    print(l.getsockname()[1] if kind == "tcp-listen" else "", flush=True)
    s, _ = l.accept()
s.sendall(b"ok")
sys.stdin.read()
"""


class PeerTest(unittest.TestCase):
    def setUp(self):
        self.saved = (core._SOCK, peers._MARK)
        core._SOCK = RUN_SOCK
        peers._MARK = b"\0IPCVIZ_SOCK=" + os.fsencode(RUN_SOCK) + b"\0"
        self.procs = []
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        core._SOCK, peers._MARK = self.saved
        for p in self.procs:
            p.stdin.close()
            p.wait(timeout=30)

    def start(self, kind, where, in_run, flags=()):
        env = {k: v for k, v in os.environ.items() if not k.startswith("IPCVIZ_")}
        env["IPCVIZ_SOCK"] = RUN_SOCK if in_run else RUN_SOCK + "-another-run"
        p = subprocess.Popen([sys.executable, *flags, "-c", PEER, kind, where], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    def accepted(self, family, kind, in_run, flags=()):
        """Listen here, the peer connects: (the peer's process, our end)."""
        lst = socket.socket(family)
        self.addCleanup(lst.close)
        lst.bind(os.path.join(self.tmp, "l.sock") if family == socket.AF_UNIX else ("127.0.0.1", 0))
        lst.listen(1)
        where = lst.getsockname() if family == socket.AF_UNIX else str(lst.getsockname()[1])
        p = self.start(kind, where, in_run, flags)
        conn, _ = lst.accept()
        self.addCleanup(conn.close)
        self.assertEqual(conn.recv(2), b"ok")
        return p, conn

    def connected(self, family, kind, in_run):
        """The peer listens, we connect: (the peer's process, our end)."""
        where = os.path.join(self.tmp, "p.sock")
        p = self.start(kind, where, in_run)
        assert p.stdout is not None
        line = p.stdout.readline().strip()
        s = socket.socket(family)
        self.addCleanup(s.close)
        s.connect(where if family == socket.AF_UNIX else ("127.0.0.1", int(line)))
        self.assertEqual(s.recv(2), b"ok")
        return p, s

    def test_unix_accepting_side(self):
        for in_run in (True, False):
            p, conn = self.accepted(socket.AF_UNIX, "unix-connect", in_run)
            self.assertEqual(peers.peer(conn.fileno()), (p.pid, in_run))
            os.unlink(os.path.join(self.tmp, "l.sock"))

    def test_unix_connecting_side(self):
        for in_run in (True, False):
            p, s = self.connected(socket.AF_UNIX, "unix-listen", in_run)
            self.assertEqual(peers.peer(s.fileno()), (p.pid, in_run))
            os.unlink(os.path.join(self.tmp, "p.sock"))

    def test_tcp_both_sides(self):
        p, conn = self.accepted(socket.AF_INET, "tcp-connect", True)
        self.assertEqual(peers.peer(conn.fileno()), (p.pid, True))
        p, s = self.connected(socket.AF_INET, "tcp-listen", True)
        self.assertEqual(peers.peer(s.fileno(), server=True), (p.pid, True))

    def test_tcp_peer_of_another_run_is_outside(self):
        p, conn = self.accepted(socket.AF_INET, "tcp-connect", False)
        self.assertEqual(peers.peer(conn.fileno()), (None, False))
        p, s = self.connected(socket.AF_INET, "tcp-listen", False)
        self.assertEqual(peers.peer(s.fileno(), server=True), (None, False))

    def test_a_process_of_the_run_without_the_runtime_is_outside(self):
        # The run's environment, but -I (isolated: no site, so no runtime) or another executable.
        p, conn = self.accepted(socket.AF_UNIX, "unix-connect", True, flags=("-I",))
        self.assertEqual(peers.peer(conn.fileno()), (p.pid, False))
        os.unlink(os.path.join(self.tmp, "l.sock"))
        p, conn = self.accepted(socket.AF_UNIX, "unix-connect", True, flags=("-u", "-E"))
        self.assertEqual(peers.peer(conn.fileno()), (p.pid, False))
        os.unlink(os.path.join(self.tmp, "l.sock"))
        p, conn = self.accepted(socket.AF_INET, "tcp-connect", True, flags=("-S",))
        self.assertEqual(peers.peer(conn.fileno()), (None, False))

    def test_no_channel_means_outside(self):
        core._SOCK = ""
        p, conn = self.accepted(socket.AF_UNIX, "unix-connect", True)
        self.assertEqual(peers.peer(conn.fileno()), (p.pid, False))


if __name__ == "__main__":
    unittest.main()
