"""Stack snapshots on request: where every thread of this process is, taken in-process.

Once the process's event channel is connected, a helper thread (started at the runtime's quiet
thread's next tick) waits on it for a request line from the collector (`{"stacks": <request id>}`,
docs/wire-protocol.md). The wait is a `recv()` with the GIL released, so it costs nothing while
nobody asks, and it can answer while the main thread is blocked in any call that releases the GIL
(`socket.recv`, `input()`, a lock, a child process, `subprocess.run`, a C extension that releases
it). It answers with one `process.stacks` event: every thread's frames (innermost first; file, line,
function, whether the frame is the program's code), the thread's name, the call the innermost user
frame is making (`socket.recv`, `Thread.join`, `subprocess.run`…) and what the thread is doing,
judged from two looks 0.1 s apart: `running` (its position or CPU time moved), `spinning` (a
coalesced busy poll, such as `while q.empty(): pass`, returned the same result again and again),
`sleeping` (`time.sleep`) or `waiting` (nothing moved).

The helper is a bare `_thread` thread (not in `threading.enumerate()`), blocks every signal (so
signals reach the threads they reached before), and on 3.12+ a `fork()` that warns only because
of it does not warn. A process that holds the GIL for the whole second cannot answer; the
collector then records `stacks.missing` for it.
"""

import _thread
import os
import sys
import threading
import types
import warnings

from . import callsite, core, frames, process, waits

SAMPLE_GAP_S = 0.1  # between the two looks that tell waiting from running
SPIN_REPEATS = 20  # busy-poll results repeated within the gap: spinning
MAX_FRAMES = 40  # per thread (the innermost ones)
MAX_THREADS = 64

_start_new_thread = _thread.start_new_thread  # taken before any debugger patches it
_helper_ident = None  # ident of this process's helper thread (None: not started)
_real_fork = os.fork


def reset_after_fork():
    """In a fork child: the helper thread was not copied; the next connection starts one."""
    global _helper_ident
    _helper_ident = None


def install():
    if os.environ.get("IPCVIZ_STACKS") == "0":
        return  # no helper thread: nobody can ask this run for stacks (npm run bench compares)
    core.on_connect.append(_on_connect)
    core.on_tick.append(_on_tick)
    if sys.version_info >= (3, 12) and hasattr(os, "fork"):
        os.fork = _fork


def _fork():
    """os.fork: the 3.12+ warning about forking a multi-threaded process is not the helper's doing."""
    own = (1 if _helper_ident is not None else 0) + (1 if core.quiet_running() else 0)  # the helper, the quiet-flush thread
    if own and _os_threads() == 1 + own:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*multi-threaded.*")
            return _real_fork()
    return _real_fork()


def _os_threads():
    try:
        with open("/proc/self/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[17])
    except Exception:
        return -1


def _on_connect(sock):
    """The channel is connected. In a child the helper is started by the runtime's quiet thread at
    its next tick (within QUIET_NS), not here, on the process's start-up path: one thread more to
    schedule while a worker starts made Pool workers start later on a loaded machine (issue 13,
    defect 7). A request that comes before waits in the socket. The main process starts it here,
    as every process did before: its start races with nothing of the program's, and once, on a
    heavily loaded machine, a main process whose helper was left to the tick never answered (cause
    not found). Without a quiet thread (a debugger's audit hook sends the buffer instead), here too."""
    if not core.quiet_running() or process.ROLE == "main":
        _start_helper(sock)


def _on_tick():
    sock = core._sock
    if _helper_ident is None and sock is not None:
        _start_helper(sock)


def _start_helper(sock):
    global _helper_ident
    if _helper_ident is not None:
        return
    try:
        _helper_ident = core.start_quiet_thread(_start_new_thread, _serve, (sock,))
    except Exception:
        _helper_ident = None


def _serve(sock):
    buf = b""
    while True:
        try:
            data = sock.recv(4096)
        except Exception:
            return
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                rid, run_pids = parse_request(line)
            except Exception:
                continue
            try:
                answer(rid, run_pids)
            except Exception as e:
                try:
                    core.ev_flush("process.stacks", None, None, None, {"request": rid, "threads": [], "error": repr(e)[:200]})
                except Exception:
                    pass


def parse_request(line):
    """(request id, the run's pids or None) of a request line as the collector writes it
    (`{"stacks":7,"pids":[1,2]}`, JSON.stringify's compact form), read without the json module: an
    import in this thread would read a dozen files, each read a hand-over of the GIL to a busy main
    thread (seconds on a loaded machine), and could wait forever on a module lock that a thread of
    a forked parent held. Anything else is read with json."""
    s = line.decode("ascii").strip()
    head = '{"stacks":'
    if s.startswith(head) and s.endswith("}"):
        body = s[len(head) : -1]
        rid_text, sep, rest = body.partition(",")
        rid = int(rid_text)
        if not sep:
            return rid, None
        if rest.startswith('"pids":[') and rest.endswith("]"):
            inner = rest[8:-1]
            return rid, set(int(x) for x in inner.split(",")) if inner else set()
    import json

    req = json.loads(s)
    pids = req.get("pids")
    return int(req["stacks"]), set(int(p) for p in pids) if isinstance(pids, list) else None


# ------------------------------------------------------------------ the snapshot


def _task_stat(native):
    """(state letter, CPU ticks) of a thread of this process, or (None, None)."""
    try:
        with open("/proc/self/task/%d/stat" % native, "rb") as f:
            rest = f.read().rsplit(b")", 1)[1].split()
        return rest[0].decode("ascii"), int(rest[11]) + int(rest[12])
    except Exception:
        return None, None


def _natives():
    out = {}
    for ident, t in list(threading._active.items()):  # pyright: ignore[reportAttributeAccessIssue]  # CPython internal: ident -> Thread, read without its lock
        n = getattr(t, "native_id", None)
        if n is not None:
            out[ident] = n
    for ident, n in list(core._tids.items()):
        out.setdefault(ident, n)
    try:
        out.setdefault(threading.main_thread().ident, os.getpid())
    except Exception:
        pass
    return out


def _look(me, detail=False):
    """Each thread's position now: {ident: (id of its frame, lasti, code, [frames, user index,
    call,] OS state, CPU ticks)} (the bracketed part with `detail`), the poll
    counters, the native ids. No frame is kept: what is needed is read from the frames first,
    then they are let go before anything slow (the /proc reads, the gap between the two looks,
    waits.describe). A frame held while its function returns would own the function's locals and
    keep them alive longer than without the runtime, which the program can see (a weakref to an
    object it has dropped still answering)."""
    natives = _natives()
    cur = sys._current_frames()
    # This thread's entry is this very frame: left in the dict this frame holds, it would make a
    # cycle that keeps every thread's frame as of now (and, once those frames return, their
    # locals) alive until a collection, which then frees them wherever it runs (3.12.1: a
    # Connection's BytesIO and the memoryview of it freed by the collector crashed the process).
    cur.pop(me, None)
    polls = {k: v[1] for k, v in list(core._poll_state.items())}
    quiet = core.quiet_ident
    seen = {}
    for ident, f in cur.items():
        if ident == me or ident == quiet:
            continue  # the runtime's own threads: no /proc reads (each one a GIL hand-over)
        pos = (id(f), f.f_lasti, f.f_code)
        if detail:
            fr, user_index, user_frame = _frames(f)
            pos += (fr, user_index, _call_of(user_frame))
            user_frame = None
        seen[ident] = pos
    f = None
    cur.clear()
    out = {}
    for ident, pos in seen.items():
        n = natives.get(ident)
        out[ident] = pos + (_task_stat(n) if n is not None else (None, None))
    return out, polls, natives


def answer(rid, run_pids=None):
    """Send this process's process.stacks event for request rid (run_pids: the run's processes, when known)."""
    me = _thread.get_ident()
    first, polls1, natives = _look(me)
    core._real_sleep(SAMPLE_GAP_S)
    second, polls2, natives2 = _look(me, detail=True)
    natives.update(natives2)
    names = {}
    main_ident = None
    try:
        main_ident = threading.main_thread().ident
        for ident, t in list(threading._active.items()):  # pyright: ignore[reportAttributeAccessIssue]  # CPython internal
            names[ident] = t.name
        for ident, t in list(getattr(threading, "_limbo", {}).items()):
            names.setdefault(getattr(t, "ident", None), t.name)
    except Exception:
        pass
    threads = []
    for ident, (fid, lasti, code, fr, user_index, call, state, cpu) in second.items():
        if len(threads) >= MAX_THREADS:
            break
        th = {"tid": natives.get(ident, ident), "name": names.get(ident) or ("Thread-%d" % ident), "main": ident == main_ident}
        th["frames"] = fr
        th["userFrame"] = user_index
        if not fr:
            continue  # a thread of the runtime itself (all its frames are the runtime's)
        in_sleep = call in ("time.sleep", "sleep")
        if call is not None:
            th["call"] = call
        spin = _spin(ident, polls1, polls2)
        before = first.get(ident)
        # The same frame (while a function runs, its frame object stays the same), code and instruction.
        moved = before is None or before[0] != fid or before[2] is not code or before[1] != lasti
        used_cpu = before is not None and before[4] is not None and cpu is not None and cpu > before[4]
        if spin is not None:
            th["state"] = "spinning"
            th["spin"] = spin
        elif in_sleep:
            th["state"] = "sleeping"
        elif moved or used_cpu or state == "R":
            th["state"] = "running"
        else:
            th["state"] = "waiting"
            # What the OS call it is blocked in waits on: a timer, something outside the run (waits.py).
            if ident in natives:
                w = waits.describe(natives[ident], run_pids)
                if w is not None:
                    if w.pop("timer", False):
                        th["state"] = "sleeping"
                    th["waitsOn"] = w
        if state is not None:
            th["os"] = state
        threads.append(th)
    threads.sort(key=lambda t: (not t["main"], t["tid"]))
    core.ev_flush("process.stacks", None, None, None, {"request": rid, "threads": threads})


def _spin(ident, polls1, polls2):
    for key, n2 in polls2.items():
        if key[0] != ident:
            continue
        n1 = polls1.get(key, 0)
        if n2 - n1 >= SPIN_REPEATS:
            st = core._poll_state.get(key)
            return {"obj": key[1], "method": key[2], "result": st[0] if st else None, "repeats": n2 - n1}
    return None


def _frames(f):
    """(frames innermost first, index of the innermost user frame or None, that frame or None)."""
    out = []
    user_index = None
    user_frame = None
    own = frames.OWN_FILES
    while f is not None and len(out) < MAX_FRAMES:
        code = f.f_code
        fn = code.co_filename
        if fn not in own:
            u = callsite._user_files.get(fn)
            if u is None:
                u = callsite.classify(code)
            name = getattr(code, "co_qualname", code.co_name)
            out.append({"file": os.path.abspath(fn) if fn[:1] != "<" else fn, "line": f.f_lineno or 0, "fn": name, "user": bool(u)})
            if u and user_index is None:
                user_index = len(out) - 1
                user_frame = f
        f = f.f_back
    return out, user_index, user_frame


def _call_of(f):
    """The call the innermost user frame f is making, as `owner.name` (e.g. socket.recv), or None."""
    if f is None:
        return None
    try:
        expr = _call_expr(f)
        if expr is None:
            return None
        return _describe(expr, f)
    except Exception:
        return None


def _call_expr(f):
    """The Call node being evaluated at the frame's current instruction (its callee part)."""
    import ast  # on a request only, as json and linecache: not part of every process's start
    import linecache

    code = f.f_code
    seg = None
    if hasattr(code, "co_positions"):
        try:
            pos = list(code.co_positions())[f.f_lasti // 2]
            l0, l1, c0, c1 = pos
            if l0 is not None and c0 is not None and l1 is not None and c1 is not None:
                lines = [linecache.getline(code.co_filename, n) for n in range(l0, l1 + 1)]
                if l0 == l1:
                    seg = lines[0].encode("utf-8")[c0:c1].decode("utf-8", "replace")
                else:
                    lines[0] = lines[0].encode("utf-8")[c0:].decode("utf-8", "replace")
                    lines[-1] = lines[-1].encode("utf-8")[:c1].decode("utf-8", "replace")
                    seg = "".join(lines)
        except Exception:
            seg = None
    node = None
    if seg:
        try:
            tree = ast.parse(seg.strip(), mode="eval").body
            if isinstance(tree, ast.Call):
                node = tree
        except SyntaxError:
            node = None
    if node is None:
        text = linecache.getline(code.co_filename, f.f_lineno or 0).strip()
        # Without positions (3.9, 3.10): the line alone; a line that opens a block gets a body.
        for cut in (text, _statement(text), text + "\n    pass"):
            try:
                tree = ast.parse(cut)
            except SyntaxError:
                continue
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
            if calls:
                node = calls[-1]  # the innermost (evaluated first, e.g. q.get() in print(q.get()))
                break
            withs = [n for n in ast.walk(tree) if isinstance(n, ast.With)]
            if withs and withs[0].items:
                # `with lock:` waits in the context manager's __enter__
                node = ast.Call(func=ast.Attribute(value=withs[0].items[0].context_expr, attr="__enter__", ctx=ast.Load()), args=[], keywords=[])
                break
    if node is None:
        return None
    parts = []
    fn = node.func
    while isinstance(fn, ast.Attribute):
        parts.append(fn.attr)
        fn = fn.value
    if isinstance(fn, ast.Name):
        parts.append(fn.id)
        return list(reversed(parts))
    if parts:
        return ["?"] + list(reversed(parts))
    return None


def _statement(text):
    """A line that opens a block (`while not q.empty():`) as a statement ast can parse."""
    if text.endswith(":"):
        return text + " pass"
    return text


def _static(obj, name):
    """obj.name without running any of the program's code (no properties, no __getattr__)."""
    if isinstance(obj, types.ModuleType):
        return obj.__dict__.get(name, None)
    try:
        d = object.__getattribute__(obj, "__dict__")
        if name in d:
            return d[name]
    except Exception:
        pass
    for k in type(obj).__mro__:
        if name in k.__dict__:
            return k.__dict__[name]
    return None


def _label(obj):
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    if isinstance(obj, type):
        return obj.__name__
    return type(obj).__name__


def _describe(parts, f):
    base = parts[0]
    if base == "?":
        return ".".join(parts[1:])
    obj = None
    found = False
    try:
        loc = f.f_locals
        if base in loc:
            obj, found = loc[base], True
    except Exception:
        pass
    if not found:
        g = f.f_globals
        if base in g:
            obj, found = g[base], True
        else:
            b = g.get("__builtins__")
            b = b.__dict__ if isinstance(b, types.ModuleType) else b
            if isinstance(b, dict) and base in b:
                obj, found = b[base], True
    if not found:
        return ".".join(parts)
    owner = obj
    for name in parts[1:-1]:
        nxt = _static(owner, name)
        if nxt is None:
            return ".".join(parts)
        owner = nxt
    if len(parts) == 1:
        mod = getattr(obj, "__module__", None) if callable(obj) else None
        if mod in ("builtins", None) or not isinstance(mod, str):
            return base
        if mod.startswith("ipcviz_runtime"):
            return base
        return "%s.%s" % (mod, getattr(obj, "__qualname__", base))
    return "%s.%s" % (_label(owner), parts[-1])
