"""What a command the run waits for is waiting on (runtime/python/ipcviz_runtime/waits.py), on real
commands (Linux /proc): a command on a socket whose peer is no process of the run waits outside
the run, one on a pipe or socket the run holds is the run's, one on a timer makes progress; a pipe
read from such a command is judged by what the command waits on.

Run: python -m unittest discover -s test/python
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "runtime", "python"))

from ipcviz_runtime import waits  # noqa: E402

# A command that is no process of the run: a Python isolated from this one's environment.
CLIENT = "import socket, sys; s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); print('connected', flush=True); s.recv(1)"
TIMER = "import select; print('waiting', flush=True); select.select([], [], [], 60)"


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
        for p in self.procs:
            p.kill()
            p.wait()
            if p.stdout:
                p.stdout.close()
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


if __name__ == "__main__":
    unittest.main()
