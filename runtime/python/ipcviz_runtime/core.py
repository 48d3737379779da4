"""What every hook of the ipcviz Python runtime uses: ids, clock, buffer, flush, previews.

Imported by every other module of the runtime; imports none of them. The hot path (`ev`) only
builds a tuple and appends it to a buffer; numbering and encoding happen once per batch at flush
time. Wire protocol: docs/wire-protocol.md. Event kinds: trace/kinds/table.ts.

About 850 lines, kept in one module: the state it holds (ids, buffer, connection, the quiet-flush
thread, the SIGTERM handler and its wakeup descriptor, which that thread reads) is reset after a
fork in one place (`reset_after_fork`), and the hot path reads it as this module's globals.
"""

import _signal  # pyright: ignore[reportMissingImports] -- the C module behind signal (no stub); see start_quiet_thread
import _thread
import itertools
import marshal
import os
import reprlib
import signal
import socket
import sys
import threading
import time

RUNTIME_VERSION = "0.1.0"

_SOCK = os.environ.get("IPCVIZ_SOCK", "")
_TOKEN = os.environ.get("IPCVIZ_TOKEN", "")
try:
    _T0 = int(os.environ.get("IPCVIZ_T0", "0"))
except ValueError:
    _T0 = 0
try:
    PREVIEW_LEN = max(8, int(os.environ.get("IPCVIZ_PREVIEW", "80")))
except ValueError:
    PREVIEW_LEN = 80

_mono = time.monotonic_ns
_get_ident = _thread.get_ident
_real_sleep = time.sleep

FLUSH_EVERY = 2048  # records
# While the process holds a lock, a batch is sent only beyond this many records (a send would
# lengthen the critical section, which other processes wait for); the release sends it.
FLUSH_HARD = 16 * FLUSH_EVERY
FLUSH_AFTER_NS = 20_000_000  # a batch waits at most this long once a later event arrives

# ------------------------------------------------------------------ state (reset after fork)

pid = os.getpid()
_msg_prefix = "%d." % pid
# Message ids of the hottest sends are ints: (pid << 31) + n, which the collector writes as "<pid>.<n>"
# (docs/wire-protocol.md); n below MSG_INT_LIMIT, beyond it the string form is used.
MSG_INT_LIMIT = 1 << 31
mid_base = pid << 31
_lock = threading.RLock()  # serialises flushes (socket writes); emitting takes no lock
# The buffer, the pending site definitions and the tid map are never replaced (a fork child clears
# them in place), so the inlined hot paths of the family modules bind them (and their methods) once.
_buf = []  # records (t, tid, kind, obj, msg, site, extra), in emission order
append = _buf.append
site_defs = []  # (id, file, line, fn) not yet sent; callsite.py defines them
_seq = 0  # sequence number of the next record to be flushed
_last_flush = 0
flush_due = FLUSH_AFTER_NS  # _last_flush + FLUSH_AFTER_NS: an event later than this sends the batch
_sock = None
_dead = False  # the channel failed: stop trying (events are then counted as lost by the collector)
_tids = {}
tids_get = _tids.get
_ids = itertools.count(1)
_msgs = itertools.count(1)
_in_flush = False
_term_pending = False
exited = False  # this process has emitted its process.exit
tls = threading.local()
_poll_state = {}  # (thread, object, method) -> [last result, repeats]: see poll_event
on_connect = []  # called with the socket once the channel is connected
on_tick = []  # called by the quiet thread at each of its ticks (stacks.py starts its helper at the first)


def reset_after_fork():
    """In a forked child: forget the parent's channel, buffer and counters; new locks."""
    global pid, _lock, _seq, _last_flush, _sock, _dead, flush_due
    global _msgs, _in_flush, _term_pending, tls, exited, _msg_prefix, mid_base, _term_ran, _in_term_handler
    old = _sock
    _sock = None
    if old is not None:
        try:
            old.close()  # close our copy only; never shutdown(): the parent still uses it
        except Exception:
            pass
    pid = os.getpid()
    _msg_prefix = "%d." % pid
    mid_base = pid << 31
    _lock = threading.RLock()
    del _buf[:]  # cleared in place: hooks hold the buffer and these dicts
    del site_defs[:]
    _seq = 0
    _last_flush = 0
    flush_due = FLUSH_AFTER_NS
    _dead = False
    _tids.clear()
    _msgs = itertools.count(1)
    _in_flush = False
    _term_pending = False
    exited = False
    tls = threading.local()
    _poll_state.clear()
    _term_ran = False
    _in_term_handler = False
    del _unstarted[:]  # the parent's threads: none of them runs in this process
    _close_wakeup(inherited=True)


# ------------------------------------------------------------------ ids and time


def new_id(prefix):
    """A fresh object id, unique in the run: <prefix><pid>.<n>."""
    return "%s%d.%d" % (prefix, pid, next(_ids))


def new_msg():
    """A fresh message id, unique in the run: <pid>.<n>."""
    return _msg_prefix + str(next(_msgs))


def now():
    """Nanoseconds since the run's start (IPCVIZ_T0, the collector's clock)."""
    return _mono() - _T0


def lock_id(sl):
    """Id of a SemLock-based object: its semaphore's name (the same in every process), stored in it."""
    d = sl.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        name = getattr(getattr(sl, "_semlock", None), "name", None)
        i = ("L" + name.lstrip("/")) if name else new_id("L")
        d["_ipcviz_id"] = i
    return i


def derived_id(obj, prefix, base_lock):
    """Id of an object built on a lock (a Queue, a Value, an Event…): the lock's id with another prefix."""
    d = obj.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        i = prefix + lock_id(base_lock)[1:]
        d["_ipcviz_id"] = i
    return i


def qualname(f):
    """module.qualname of a function (a Process target, a Pool task), never raising."""
    try:
        return "%s.%s" % (f.__module__, f.__qualname__)
    except Exception:
        try:
            return repr(f)[:80]
        except Exception:
            return "?"


# ------------------------------------------------------------------ messages in transit

MARK = "\x00ipcviz"


def wrap(mid, obj):
    """A message in transit: (MARK, message id, object); the receiving hook unwraps it."""
    return (MARK, mid, obj)


def is_wrapped(x):
    return type(x) is tuple and len(x) == 3 and type(x[0]) is str and x[0] == MARK


# ------------------------------------------------------------------ objects made inside the library


def creating():
    """Depth of runtime-wrapped constructors running in this thread (0: the user's own call)."""
    return getattr(tls, "creating", 0)


class _Creating(object):
    __slots__ = ()

    def __enter__(self):
        t = tls
        t.creating = getattr(t, "creating", 0) + 1

    def __exit__(self, *a):
        tls.creating -= 1


CREATING = _Creating()  # `with CREATING:` around a wrapped constructor: what it makes inside is not the user's


# ------------------------------------------------------------------ previews


class _SafeRepr(reprlib.Repr):
    def __init__(self):
        super().__init__()
        self.maxlevel = 3
        self.maxstring = PREVIEW_LEN
        self.maxother = PREVIEW_LEN
        self.maxlong = 40
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 8
        self.maxdict = 6
        self.maxarray = 8

    def repr_instance(self, x, level):
        try:
            mod = type(x).__module__ or ""
            if mod.startswith("multiprocessing"):
                # Proxies and sync objects: never call into them (a proxy's repr is a server call).
                return "<%s>" % type(x).__name__
            fields = getattr(type(x), "_fields_", None)
            if fields is not None and type(x).__repr__ is object.__repr__:
                # A ctypes Structure (an element of a shared Array): its fields, not its address.
                return "%s(%s)" % (
                    type(x).__name__,
                    ", ".join("%s=%s" % (f[0], self.repr1(getattr(x, f[0]), level - 1)) for f in fields[:8]),
                )
            s = repr(x)
        except BaseException as e:  # a user __repr__ may raise anything
            return "<%s object (repr raised %s)>" % (type(x).__name__, type(e).__name__)
        if len(s) > self.maxother:
            s = s[: self.maxother - 1] + "…"
        return s

    def repr_bytes(self, x, level):
        s = repr(x[: self.maxstring + 1])
        if len(x) > self.maxstring:
            s = s[: self.maxstring] + "…(%d bytes)" % len(x)
        return s

    repr_bytearray = repr_bytes


_safe = _SafeRepr()
_SIMPLE = (int, float, bool, type(None))
BIG_INT = 10**30  # ints within ±BIG_INT preview as repr()
# A message event's preview may be sent as the int itself (the collector writes its decimal form)
# when it is within ±SAFE_INT, which a JavaScript number holds exactly.
SAFE_INT = 2**53 - 1


def preview(obj):
    """A short text for a payload; never raises, never keeps the object."""
    t = type(obj)
    try:
        if t in _SIMPLE:
            if t is int and (obj > BIG_INT or obj < -BIG_INT):
                return _safe.repr(obj)
            return repr(obj)
        if t is str:
            if len(obj) <= PREVIEW_LEN:
                return repr(obj)
            return repr(obj[:PREVIEW_LEN]) + "…(%d chars)" % len(obj)
        if t is bytes:
            if len(obj) <= PREVIEW_LEN:
                return repr(obj)
            return repr(obj[:PREVIEW_LEN]) + "…(%d bytes)" % len(obj)
        s = _safe.repr(obj)
    except BaseException as e:
        return "<%s (preview failed: %s)>" % (t.__name__, type(e).__name__)
    if len(s) > PREVIEW_LEN * 2:
        s = s[: PREVIEW_LEN * 2 - 1] + "…"
    return s


def clip(s):
    """A text cut to the preview length."""
    n = PREVIEW_LEN
    return s if len(s) <= n else s[: n - 1] + "…"


# ------------------------------------------------------------------ emitting


def _tid():
    ident = _get_ident()
    try:
        t = threading.get_native_id()
    except Exception:
        t = ident
    _tids[ident] = t
    return t


def ev(kind, obj=None, msg=None, site=None, extra=None, t=None):
    """Record one event (hot path: one tuple appended; numbered and encoded at flush).

    The hottest hooks (sync.py, queues.py, connections.py, values.py) inline this body, each
    saving a frame per operation: keep them in step with it."""
    if t is None:
        t = _mono() - _T0
    append((t, _tids.get(_get_ident()) or _tid(), kind, obj, msg, site, extra))
    if t > flush_due or len(_buf) >= FLUSH_EVERY:
        flush()


def ev_first(kind, obj=None, msg=None, site=None, extra=None, t=None):
    """Record an event before the operation it describes (a send: see retract); returns the record.
    After the operation: ev_done(rec), or retract(rec) if it failed."""
    if t is None:
        t = _mono() - _T0
    rec = (t, _tids.get(_get_ident()) or _tid(), kind, obj, msg, site, extra)
    append(rec)
    return rec


def ev_done(rec):
    """The operation recorded by ev_first is done: the flush check of ev."""
    if rec[0] > flush_due or len(_buf) >= FLUSH_EVERY:
        flush()


def retract(rec):
    """Take back a record appended before the operation it describes, when that operation failed.

    A send is recorded before its message is written: once the peer has the message it may end
    this process at once (terminate: the SIGTERM handler sends the buffer), and a receipt must
    never be left without its send. If the write then fails, the record is taken back; True if it
    was still buffered (one `list.remove`, atomic under the GIL), False if a flush had sent it."""
    try:
        _buf.remove(rec)
        return True
    except ValueError:
        return False


def ev_flush(kind, obj=None, msg=None, site=None, extra=None, t=None):
    """Record one event and send everything buffered (before blocking, at exit, on busy polls)."""
    ev(kind, obj, msg, site, extra, t)
    flush()


def poll_event(kind, obj, method, result, site):
    """Record a non-blocking query only when its result changes (busy loops stay small)."""
    key = (_get_ident(), obj, method)
    st = _poll_state.get(key)
    if st is not None and st[0] == result:
        st[1] += 1
        return
    repeats = st[1] if st is not None else 0
    _poll_state[key] = [result, 1]
    ev_flush(kind, obj, None, site, {"method": method, "result": result, "repeats": repeats})


# A spawn child runs the main module's top level before its bootstrap tells who it is: what it
# records meanwhile is held until its process.start (process.announce_process) goes first.
hold = False


def flush():
    """Send every buffered record and site definition (never raises into the caller's operation)."""
    if (_buf or site_defs) and not hold:
        with _lock:
            _flush_locked()


def _connect():
    global _sock, _dead
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.set_inheritable(False)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        except OSError:
            pass
        s.connect(_SOCK)
        s = _high_fd(s)
        hello = _hello_line(_TOKEN, pid)
        s.sendall(hello.encode("ascii"))
    except Exception:
        s.close()
        _dead = True
        return None
    _sock = s
    for f in on_connect:
        try:
            f(s)
        except Exception:
            pass
    return s


def _hello_line(token, pid_):
    """The channel's first line (JSON). Written without the json module, whose import (and its
    regular expressions) would be a sixth of the runtime's start-up in every process."""
    if all(c.isascii() and (c.isalnum() or c in "-_.") for c in token):
        tok = '"%s"' % token
    else:
        import json

        tok = json.dumps(token)
    return '{"hello": 1, "token": %s, "pid": %d, "lang": "python"}\n' % (tok, pid_)


HIGH_FD = 512  # the channel's descriptor is moved at or above this


def grow_fd_table():
    """Make the process's descriptor table large enough for HIGH_FD now, while the interpreter has
    one thread. Linux grows the table on the first descriptor numbered past it, and in a process
    with more than one thread that growth waits for an RCU grace period: about 10 ms here, paid
    by _high_fd after the quiet thread has started, in the main process and every spawn child.
    A fork child inherits the grown table. (Numbers the program gets are unchanged: a new
    descriptor still takes the lowest free number.)"""
    if not _SOCK:
        return
    try:
        import fcntl
    except ImportError:
        return
    for fd in (2, 1, 0):
        try:
            os.close(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD))
            return
        except OSError:
            pass


def _high_fd(s):
    """The channel's socket moved to a high descriptor: the program's own files and pipes get the
    numbers they get without the runtime (a spawn child's command line names them; 3.13 prints it
    in a traceback)."""
    try:
        import fcntl

        fd = fcntl.fcntl(s.fileno(), fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
    except Exception:
        return s
    try:
        t = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fd)
    except Exception:
        os.close(fd)
        return s
    s.close()
    return t


def encode_batch(seq0, sites, batch):
    """The wire bytes of a batch: a binary batch ("B<length>\n" + marshal) or, if a value is not
    marshallable, a JSON line."""
    try:
        m = marshal.dumps((seq0, sites, batch), 4)
        return b"B%d\n" % len(m) + m
    except (ValueError, TypeError):
        import json  # only for a batch marshal refuses: not part of every process's start

        recs = [["site", i, f, ln, fn] for (i, f, ln, fn) in sites]
        recs.extend([seq0 + k] + [_plain(x) for x in r] for k, r in enumerate(batch))
        return json.dumps(recs, ensure_ascii=True, separators=(",", ":"), default=str).encode("ascii") + b"\n"


def _plain(x):
    if x is None or isinstance(x, (int, float, str, bool)):
        return x
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return str(x)


def _flush_locked():
    global _seq, _last_flush, _in_flush, _term_pending, flush_due
    if _in_flush:
        return
    _in_flush = True
    try:
        n = len(_buf)
        m = len(site_defs)
        if n == 0 and m == 0:
            return
        batch = _buf[:n]
        del _buf[:n]
        sites = site_defs[:m]
        del site_defs[:m]
        seq0 = _seq
        _seq = seq0 + n
        _last_flush = _mono() - _T0
        flush_due = _last_flush + FLUSH_AFTER_NS
        if _dead:
            return
        s = _sock or _connect()
        if s is None:
            return
        try:
            s.sendall(encode_batch(seq0, sites, batch))
        except Exception:
            _mark_dead()
    finally:
        _in_flush = False
        if _term_pending:
            # SIGTERM came during this flush: send what the handler added, then end as SIGTERM would.
            _term_pending = False
            try:
                _flush_locked()
            except Exception:
                pass
            _die_by_sigterm()


def _mark_dead():
    global _dead, _sock
    _dead = True
    try:
        if _sock is not None:
            _sock.close()
    except Exception:
        pass
    _sock = None


# ------------------------------------------------------------------ a sleeping process is up to date
#
# time.sleep itself is never replaced (the program may look at it: its repr, inspect.isbuiltin, a
# Pool task's function name). A thread that is not a `threading` thread (invisible to
# threading.enumerate/active_count; every signal blocked in it) sends a batch that has sat
# unchanged for QUIET_NS: a process that sleeps, computes or waits in code the runtime does not
# see is up to date within that time, and a busy one, which sends its own batches, is left alone.
#
# Under a debugger (pydevd, which debugpy runs) that thread is a Python thread the debugger traces
# and would stop on "pause" instead of the program's threads. So on 3.11+, which raises the audit
# event "time.sleep" before sleeping, a process of a debug run ("Debug and Visualise IPC" sets
# IPCVIZ_DEBUG_WAKE in every process of the run) or one where pydevd/debugpy is loaded sends its
# buffer from an audit hook instead, and starts no thread; a thread already running (a debugger
# attached later) installs the hook on its next wake and ends. The hook is not used otherwise: a
# Python audit hook runs on every audited call, and every hot hook makes two (sys._getframe and
# frame.f_code); it made an uncontended Lock acquire+release about 5x slower under the runtime.
# On 3.9 and 3.10 (no such event) the thread runs under a debugger too.

QUIET_NS = 50_000_000
_AUDIT_SLEEP = sys.version_info >= (3, 11)  # the "time.sleep" audit event exists
_DEBUG_RUN = bool(os.environ.get("IPCVIZ_DEBUG_WAKE"))
_audit_installed = False
_quiet_thread = 0  # pid whose quiet-batch thread runs (a fork child starts its own)
quiet_ident = None  # that thread's ident


def _debugger_loaded():
    m = sys.modules
    return "pydevd" in m or "debugpy" in m


def _on_audit(event, args):
    if event == "time.sleep" and _buf:
        try:
            flush()
        except Exception:
            pass


def _install_audit():
    global _audit_installed
    if not _audit_installed:
        _audit_installed = True
        sys.addaudithook(_on_audit)  # for the life of the interpreter (fork children keep it)


# Start locks of the runtime's threads (start_quiet_thread), each released by its thread first thing.
_unstarted = []


def start_quiet_thread(start, fn, args):
    """Start one of the runtime's own threads with every signal blocked from its birth: the creator
    blocks them, starts it (a new thread inherits its creator's mask) and restores its own. A thread
    that blocked them itself, once it ran, left a window in which the kernel could give it a signal
    meant for the program. (Closing that window alone did not end the late terminate() that the
    wakeup descriptor below ends: 4 in 600 still.) A signal that comes while the creator has them
    blocked stays pending and reaches it after."""
    ready = _thread.allocate_lock()
    ready.acquire()

    def run(*a):
        ready.release()  # this thread has its thread state: the interpreter may now end safely
        return fn(*a)

    _unstarted.append(ready)
    try:
        # _signal's own functions take and give plain numbers: signal's make an enum member of each
        # of some 64 signals, twice per thread (0.1 ms in every process).
        old = _signal.pthread_sigmask(signal.SIG_BLOCK, _signal.valid_signals())
    except Exception:
        old = None
    try:
        return start(run, args)
    except BaseException:
        _unstarted.remove(ready)
        raise
    finally:
        if old is not None:
            _signal.pthread_sigmask(signal.SIG_SETMASK, old)


def wait_threads_started(timeout=5.0):
    """At exit (process.at_exit, the last atexit handler): wait until every thread the runtime
    started is running. A thread first scheduled after the interpreter began to finalize makes
    some CPython builds abort ("Fatal Python error: _PyGILState_NoteThreadState: Couldn't create
    autoTSSkey mapping", Debian's 3.11.2: twice in one CI run at load ~20, from spawn children
    that ended within moments of starting); the program started no such thread itself. Normally
    costs nothing: the threads have long been running."""
    while _unstarted:
        lk = _unstarted.pop()
        if lk.acquire(True, timeout):
            lk.release()


def _quiet_loop():
    global _quiet_thread
    seen = -1
    while True:
        _real_sleep(QUIET_NS / 1e9)
        if _quiet_thread != pid or _dead:
            return  # a fork child's copy of this thread never runs; this one is no longer wanted
        for f in on_tick:
            try:
                f()
            except Exception:
                pass
        if _wake_r >= 0:
            _check_term()
        n = len(_buf)
        if n and n == seen and not _in_flush:
            try:
                flush()
            except Exception:
                pass
            seen = -1
        else:
            seen = n
        if _AUDIT_SLEEP and _debugger_loaded():
            _install_audit()  # a debugger came: the hook takes over (see above)
            _quiet_thread = 0
            return


def quiet_running():
    """Whether this process's quiet-batch thread runs (its ticks call on_tick)."""
    return _quiet_thread == pid


def install_sleep_flush():
    """Send the buffer when the process sleeps (see above); in a fork child, again."""
    global _quiet_thread, quiet_ident
    if _audit_installed:
        return
    if _AUDIT_SLEEP and (_DEBUG_RUN or _debugger_loaded()):
        _install_audit()
        return
    if _quiet_thread == pid or not _SOCK:
        return
    _quiet_thread = pid
    try:
        quiet_ident = start_quiet_thread(_thread.start_new_thread, _quiet_loop, ())
    except Exception:
        _quiet_thread = 0


# ------------------------------------------------------------------ hooks made when a module is imported
#
# A spawned interpreter installs the runtime before it knows what it will run; hooking a module
# it may never use (multiprocessing.managers imports shared_memory, secrets, hmac…) would slow the
# start of every spawn child, Pool workers included. Such a family is installed when its module
# is imported: a finder on sys.meta_path (there only while something waits) lets the real loader
# run the module, then calls the waiting installs before the importer sees it.

_waiting = {}  # module name -> [install functions]


_PACKAGE = __name__.rpartition(".")[0]


def loaded(name):
    """The runtime's module `name` if this process has imported it, else None."""
    return sys.modules.get(_PACKAGE + "." + name)


def family(name):
    """The runtime's module `name`, imported now if it was not yet. The families that hook a module
    the program may never import (values, managers, sharedmem, executors: see __init__.LATE) are
    imported only once it does: their code is about a quarter of the runtime's, which every spawn
    child would otherwise load at its start."""
    full = _PACKAGE + "." + name
    m = sys.modules.get(full)
    if m is None:
        __import__(full)
        m = sys.modules[full]
    return m


class _PostImportFinder(object):
    def find_spec(self, name, path=None, target=None):
        if name not in _waiting:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        real_exec = loader.exec_module

        def exec_module(module):
            real_exec(module)
            _run_waiting(name)

        loader.exec_module = exec_module  # this module's own loader instance
        return spec

    def invalidate_caches(self):
        pass


_finder = _PostImportFinder()


def _run_waiting(name):
    fns = _waiting.pop(name, ())
    if not _waiting:
        try:
            sys.meta_path.remove(_finder)
        except ValueError:
            pass
    for fn in fns:
        try:
            fn()
        except Exception:
            pass


def when_imported(name, fn):
    """Call fn once module `name` is imported (now, if it is)."""
    if name in sys.modules:
        fn()
        return
    _waiting.setdefault(name, []).append(fn)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


# ------------------------------------------------------------------ SIGTERM: flush, then die as before


def _die_by_sigterm():
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except Exception:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def on_sigterm(signum, frame):
    """The SIGTERM handler: record process.exit, send the buffer, then end by SIGTERM (status -15)."""
    global _term_pending, exited, _term_ran, _in_term_handler
    if _in_term_handler:
        # A second SIGTERM handled between two bytecodes of this handler (the quiet-batch thread
        # gives one again when it read the first before the handler began, see _check_term): the
        # handler below goes on. Run again here, it would send the buffer before process.exit is
        # in it and end the process (seen once in ci18, at load ~20: a trace without the exit).
        return
    _in_term_handler = True
    try:
        _term_ran = True
        if not exited:
            exited = True
            try:
                ev("process.exit", None, None, None, {"exitCode": -signal.SIGTERM, "signal": int(signal.SIGTERM)})
            except Exception:
                pass
        if _in_flush:
            _term_pending = True  # the flush in progress ends the process when it is done
            return
        try:
            flush()
        except Exception:
            pass
        _die_by_sigterm()
    finally:
        _in_term_handler = False


def install_sigterm():
    """Flush on SIGTERM where the default action is in place (the exit status stays -15)."""
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, on_sigterm)
            _open_wakeup()
    except Exception:
        pass


def uninstall_sigterm():
    """Back to the default action once this process has nothing more to send (so a SIGTERM during
    interpreter shutdown ends it at once, as without the runtime)."""
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _close_wakeup()
    except Exception:
        pass


# ------------------------------------------------------------------ a SIGTERM the main thread has not run
#
# CPython runs a Python signal handler in the main thread, between bytecodes. Its C handler can run
# while the main thread is in C code just before a blocking call: time.sleep handing the GIL to a
# thread that waits for it (the quiet-batch thread, a Queue's feeder, any program thread) is such a
# moment. The blocking call then sees no EINTR, and the handler waits for it to end: terminate() of
# a child that had just started a 60 s sleep took 60 s (1 in ~150 under the runtime on 3.9 and 3.11,
# fork; plain CPython with any Python handler and a second thread: 2 in 600 on 3.11). Without the
# runtime the default action ends the process at once. So while the runtime's handler is in place it
# has a wakeup descriptor (signal.set_wakeup_fd: the C handler writes the signal's number there, in
# whichever thread it runs), which the quiet-batch thread reads on each wake. A SIGTERM whose handler
# has not run then is given again to the main thread alone (signal.pthread_kill), on every wake
# until it has: the main thread's blocking call ends with EINTR and the handler runs. The pipe sits
# at HIGH_FD and above (the program's descriptors are numbered as in a plain run);
# signal.set_wakeup_fd is wrapped so that a program (asyncio's add_signal_handler, trio) sees -1
# where only the runtime's was set, and gets the runtime's back when it clears its own. Not under a
# debugger's audit-hook mode (no quiet thread).

_wake_r = -1
_wake_w = -1
_main_ident = None
_term_ran = False  # this process's on_sigterm has run
_in_term_handler = False  # on_sigterm is running (in the main thread)
_term_seen = False  # a SIGTERM byte was read and its handler had not run
_orig_set_wakeup_fd = signal.set_wakeup_fd


def _open_wakeup():
    global _wake_r, _wake_w, _main_ident
    if _wake_w >= 0 or _audit_installed or not _SOCK:
        return
    import fcntl

    r, w = os.pipe()
    try:
        hr = fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
        try:
            hw = fcntl.fcntl(w, fcntl.F_DUPFD_CLOEXEC, HIGH_FD)
        except Exception:
            os.close(hr)
            raise
    finally:
        os.close(r)
        os.close(w)
    try:
        os.set_blocking(hr, False)
        os.set_blocking(hw, False)
        old = _orig_set_wakeup_fd(hw, warn_on_full_buffer=False)
        if old != -1:
            _orig_set_wakeup_fd(old)  # the program's own: left in place
            raise OSError("wakeup fd in use")
    except Exception:
        os.close(hr)
        os.close(hw)
        return
    _wake_r, _wake_w = hr, hw
    _main_ident = _thread.get_ident()
    if signal.set_wakeup_fd is _orig_set_wakeup_fd:
        signal.set_wakeup_fd = set_wakeup_fd


def _close_wakeup(inherited=False):
    """Drop the wakeup pipe (at uninstall, in the main thread; inherited=True in a fork child, whose
    C-level wakeup descriptor is still the parent's pipe). The descriptors stay open if the C-level
    one cannot be cleared: a signal must never write into a number the program reuses."""
    global _wake_r, _wake_w, _term_seen
    if _wake_w < 0:
        return
    try:
        cur = _orig_set_wakeup_fd(-1)
        if cur != _wake_w:
            _orig_set_wakeup_fd(cur)  # the program's: left in place
    except Exception:
        if not inherited:
            return
        _wake_r = _wake_w = -1  # a child that cannot clear it keeps its copies (two descriptors)
        return
    for fd in (_wake_r, _wake_w):
        try:
            os.close(fd)
        except OSError:
            pass
    _wake_r = _wake_w = -1
    _term_seen = False


def set_wakeup_fd(fd, *, warn_on_full_buffer=True):
    try:
        old = _orig_set_wakeup_fd(fd, warn_on_full_buffer=warn_on_full_buffer)
    except BaseException as e:
        tb = e.__traceback__  # as from the original (3.11+ keeps this frame at the head; 3.9/3.10: frames.install)
        if tb is not None and tb.tb_frame.f_code is set_wakeup_fd.__code__:
            e.__traceback__ = tb.tb_next
        raise
    if _wake_w < 0:
        return old
    if fd == -1 and signal.getsignal(signal.SIGTERM) is on_sigterm:
        _orig_set_wakeup_fd(_wake_w, warn_on_full_buffer=False)  # nobody's: the runtime's again
    return -1 if old == _wake_w else old


set_wakeup_fd.__doc__ = _orig_set_wakeup_fd.__doc__


def _check_term():
    """In the quiet-batch thread, after each wake (see above)."""
    global _term_seen
    for _ in range(64):  # drained (a program's own handled signals write there too), up to 256 KiB
        try:
            data = os.read(_wake_r, 4096)
        except (BlockingIOError, InterruptedError):
            break
        except OSError:
            return
        if _TERM_BYTE in data:
            _term_seen = True
        if len(data) < 4096:
            break
    if _term_ran:
        _term_seen = False
    elif _term_seen and signal.getsignal(signal.SIGTERM) is on_sigterm and _main_ident is not None:
        # Harmless if the main thread was about to run it: a second SIGTERM while the handler is
        # tripped or running changes nothing (the handler ends the process, or its flush does).
        try:
            signal.pthread_kill(_main_ident, signal.SIGTERM)
        except Exception:
            pass


_TERM_BYTE = bytes([int(signal.SIGTERM)])
