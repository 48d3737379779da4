"""The run's watchdog: ends the program when the process that recorded it dies first.

The launcher (runtime/launch/launcher.ts) starts it with ``python -I -S -c "...; ipcviz_watchdog.run()"``
(imported, so that its bytecode is cached: a script is compiled again at every start), in a session
of its own and without the run's environment, before the program, and keeps a pipe to its stdin
open for the whole run. It starts while the program does and competes with it for the CPU, so it
imports only what it needs to wait (json only once it has something to write). The recorder (the
VS Code extension host, or ``ipcviz run``) writes lines:

- ``run <token> <t0> <recorderPid> <trace path or ->``: the run's token (every process of the run has
  ``IPCVIZ_TOKEN=<token>`` in its environment), the trace clock's zero (CLOCK_MONOTONIC ns) and
  the trace file;
- ``main <pid> <starttime>`` and ``pid <pid> <starttime>``: the main process (a session and group
  leader) and each process that connected to the collector;
- ``exit``: the run is over; the watchdog ends quietly.

When the pipe closes without ``exit`` the recorder is gone (SIGKILL, crash, OOM, an exit that ran
no cleanup): the kernel closed its end. The watchdog then ends every process of the run (SIGTERM,
then SIGKILL one second later, until none is left), found as the launcher finds them: the main
process's session and group, descendants of every known process, and any process whose initial
environment carries the token. A pid is only signalled while its start time is the recorded one.
It appends a ``run.orphaned`` collector event to the trace (docs/trace-format.md) and exits.

Standard library only; Linux (/proc). Nothing of the program runs here.
"""

import os
import signal
import sys
import time


class Run(object):
    def __init__(self):
        self.token = None  # type: bytes | None
        self.t0 = 0
        self.recorder = 0
        self.trace = None  # type: str | None
        self.main = None  # type: tuple[int, int] | None
        self.known = {}  # type: dict[int, int]


def stat(pid):
    # type: (int) -> tuple[str, int, int, int, int] | None
    """(state, ppid, pgrp, session, starttime) of a process, None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            text = f.read()
    except OSError:
        return None
    close = text.rfind(b")")
    if close < 0:
        return None
    f = text[close + 2:].split(b" ")
    try:
        return (f[0].decode("ascii", "replace"), int(f[1]), int(f[2]), int(f[3]), int(f[19]))
    except (IndexError, ValueError):
        return None


def has_token(pid, entry):
    # type: (int, bytes) -> bool
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            return entry in f.read().split(b"\0")
    except OSError:
        return False


def find(run):
    # type: (Run) -> dict[int, int]
    """The run's live processes: pid -> start time."""
    me = os.getpid()
    procs = {}  # type: dict[int, tuple[str, int, int, int, int]]
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = stat(int(name))
            if s is not None:
                procs[int(name)] = s
    found = {}  # type: dict[int, int]

    def add(pid):
        # type: (int) -> bool
        s = procs.get(pid)
        if s is None or pid in (me, 1) or pid in found or s[0] in ("Z", "X"):
            return False
        found[pid] = s[4]
        return True

    main_ours = False
    if run.main is not None:
        s = procs.get(run.main[0])
        main_ours = s is None or s[4] == run.main[1]
    entry = b"IPCVIZ_TOKEN=" + run.token if run.token else None
    for pid, s in procs.items():
        if main_ours and run.main is not None and (s[3] == run.main[0] or s[2] == run.main[0]):
            add(pid)
        elif entry is not None and has_token(pid, entry):
            add(pid)
    roots = [p for p, st in run.known.items() if p in procs and procs[p][4] == st]
    if main_ours and run.main is not None:
        roots.append(run.main[0])
    children = {}  # type: dict[int, list[int]]
    for pid, s in procs.items():
        children.setdefault(s[1], []).append(pid)
    stack = list(found) + roots
    for r in roots:
        add(r)
    while stack:
        for child in children.get(stack.pop(), []):
            if add(child):
                stack.append(child)
    return found


def alive(pid, start):
    # type: (int, int) -> bool
    s = stat(pid)
    return s is not None and s[0] not in ("Z", "X") and s[4] == start


def end_all(run):
    # type: (Run) -> int
    """SIGTERM, then SIGKILL after a second, until nothing of the run is left (at most ~10 s)."""
    ended = {}  # type: dict[int, int]
    first = time.monotonic()
    sig = signal.SIGTERM
    while True:
        targets = find(run)
        if not targets:
            break
        now = time.monotonic()
        if now - first > 1.0:
            sig = signal.SIGKILL
        if now - first > 10.0:
            break
        if run.main is not None and run.main[0] in targets:
            try:
                os.killpg(run.main[0], sig)
            except OSError:
                pass
        for pid, start in targets.items():
            ended[pid] = start
            if alive(pid, start):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.05)
    return len(ended)


def note(run, ended):
    # type: (Run, int) -> None
    """Append the run.orphaned event to the trace (after a newline if the last line was cut)."""
    if not run.trace:
        return
    event = {
        "src": "collector",
        "pid": run.main[0] if run.main else run.recorder,
        "t": max(0, time.monotonic_ns() - run.t0),
        "kind": "run.orphaned",
        "recorderPid": run.recorder,
        "ended": ended,
    }
    try:
        import json  # here, not at start-up: with re, about 6 ms of CPU beside the program's start

        with open(run.trace, "rb+") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            tail = b""
            if size > 0:
                f.seek(max(0, size - 4096))
                tail = f.read()
            lines = [l for l in tail.split(b"\n") if l.strip()]
            if lines and b'"footer":true' in lines[-1] and ended == 0:
                return  # the run was complete: nothing to say
            f.seek(0, os.SEEK_END)
            if size > 0 and not tail.endswith(b"\n"):
                f.write(b"\n")
            f.write(json.dumps(event, separators=(",", ":")).encode("utf-8") + b"\n")
    except OSError:
        pass


def main():
    # type: () -> int
    run = Run()
    buf = b""
    fd = sys.stdin.fileno()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            parts = line.split(b" ")
            if parts[0] == b"exit":
                return 0
            try:
                if parts[0] == b"run" and len(parts) >= 5:
                    run.token = parts[1]
                    run.t0 = int(parts[2])
                    run.recorder = int(parts[3])
                    path = b" ".join(parts[4:]).decode("utf-8", "surrogateescape")
                    run.trace = None if path == "-" else path
                elif parts[0] == b"main" and len(parts) == 3:
                    run.main = (int(parts[1]), int(parts[2]))
                elif parts[0] == b"pid" and len(parts) == 3:
                    run.known[int(parts[1])] = int(parts[2])
            except ValueError:
                pass
    # The recorder is gone.
    if run.token is None and run.main is None:
        return 0
    ended = end_all(run)
    note(run, ended)
    return 0


def run():
    # type: () -> None
    # Our own session (the launcher starts us so): the terminal's Ctrl-C or a hang-up of the
    # recorder's group must not end the watchdog before it has done its work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sys.exit(main())


if __name__ == "__main__":
    run()
