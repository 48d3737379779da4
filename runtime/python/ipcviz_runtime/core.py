"""Event emitter of the ipcviz Python runtime: ids, call sites, previews, buffering, the channel.

The hot path (`ev`) only builds a tuple and appends it to a buffer; JSON formatting happens once
per batch at flush time. Wire protocol: docs/wire-protocol.md. Event kinds: trace/format.ts.
"""

import _thread
import itertools
import json
import os
import reprlib
import signal
import socket
import sys
import sysconfig
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
FLUSH_AFTER_NS = 20_000_000  # a batch waits at most this long once a later event arrives

# ------------------------------------------------------------------ state (reset after fork)

pid = os.getpid()
_lock = threading.RLock()
_buf = []
_seq = 0
_last_flush = 0
_sock = None
_dead = False  # the channel failed: stop trying (events are then counted as lost by the collector)
_tids = {}
_sites = {}
_site_ids = itertools.count(1)
_ids = itertools.count(1)
_msgs = itertools.count(1)
_in_flush = False
_term_pending = False
tls = threading.local()


def reset_after_fork():
    """In a forked child: forget the parent's channel, buffer, caches; new locks and counters."""
    global pid, _lock, _buf, _seq, _last_flush, _sock, _dead, _tids, _sites, _site_ids
    global _msgs, _in_flush, _term_pending, tls
    old = _sock
    _sock = None
    if old is not None:
        try:
            old.close()  # close our copy only; never shutdown(): the parent still uses it
        except Exception:
            pass
    pid = os.getpid()
    _lock = threading.RLock()
    _buf = []
    _seq = 0
    _last_flush = 0
    _dead = False
    _tids = {}
    _sites = {}
    _site_ids = itertools.count(1)
    _msgs = itertools.count(1)
    _in_flush = False
    _term_pending = False
    tls = threading.local()


def new_id(prefix):
    """A fresh object id, unique in the run: <prefix><pid>.<n>."""
    return "%s%d.%d" % (prefix, pid, next(_ids))


def new_msg():
    """A fresh message id, unique in the run."""
    return "%d.%d" % (pid, next(_msgs))


def now():
    return _mono() - _T0


# ------------------------------------------------------------------ user code and call sites

_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_prefixes():
    out = set()
    try:
        paths = sysconfig.get_paths()
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            p = paths.get(key)
            if p:
                out.add(os.path.realpath(p))
                out.add(os.path.abspath(p))
    except Exception:
        pass
    out.add(os.path.dirname(os.path.abspath(os.__file__)))
    out.add(os.path.dirname(os.path.realpath(os.__file__)))
    try:
        import site

        for p in site.getsitepackages() + [site.getusersitepackages()]:
            out.add(os.path.abspath(p))
    except Exception:
        pass
    out.add(_RUNTIME_DIR)
    out.add(os.path.dirname(_RUNTIME_DIR))
    return tuple(sorted(p.rstrip(os.sep) + os.sep for p in out if p))


_LIB_PREFIXES = _library_prefixes()
_user_code = {}  # code object -> bool


def classify(code):
    """True if a code object belongs to the user's program (not the stdlib, site-packages, the runtime, generated code)."""
    fn = code.co_filename
    if not fn or fn[0] == "<":
        r = False
    else:
        full = fn if os.path.isabs(fn) else os.path.abspath(fn)
        r = not full.startswith(_LIB_PREFIXES)
    _user_code[code] = r
    return r


def is_user(code):
    r = _user_code.get(code)
    if r is None:
        r = classify(code)
    return r


def site_of(frame):
    """Site id of a user frame, defining it on the channel the first time it is seen."""
    code = frame.f_code
    line = frame.f_lineno
    key = (code, line)
    s = _sites.get(key)
    if s is None:
        with _lock:
            s = _sites.get(key)
            if s is None:
                s = next(_site_ids)
                fn = code.co_filename
                try:
                    fn = os.path.abspath(fn)
                except Exception:
                    pass
                _buf.append(("site", s, fn, line or 0, getattr(code, "co_qualname", code.co_name)))
                _sites[key] = s
    return s


def user_site(depth, skip_files=None):
    """Site of the user frame `depth` frames above the caller, skipping frames in skip_files.

    Returns None when the frame reached is not user code (the call came from a library).
    """
    try:
        f = sys._getframe(depth + 1)
    except ValueError:
        return None
    if skip_files is not None:
        while f is not None and (f.f_code.co_filename in skip_files or f.f_code.co_filename[:1] == "<"):
            f = f.f_back
        if f is None:
            return None
    code = f.f_code
    r = _user_code.get(code)
    if r is None:
        r = classify(code)
    if not r:
        return None
    return site_of(f)


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


def preview(obj):
    """A short text for a payload; never raises, never keeps the object."""
    t = type(obj)
    try:
        if t in _SIMPLE:
            if t is int and (obj > 10**30 or obj < -(10**30)):
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
    """Record one event (hot path: a tuple appended to the buffer)."""
    global _seq
    if t is None:
        t = _mono() - _T0
    tid = _tids.get(_get_ident()) or _tid()
    with _lock:
        s = _seq
        _seq = s + 1
        _buf.append((s, t, tid, kind, obj, msg, site, extra))
        if len(_buf) >= FLUSH_EVERY or t - _last_flush > FLUSH_AFTER_NS:
            _flush_locked(t)


def ev_flush(kind, obj=None, msg=None, site=None, extra=None, t=None):
    """Record one event and send everything buffered (before blocking, at exit, on busy polls)."""
    ev(kind, obj, msg, site, extra, t)
    flush()


def flush():
    if _buf:
        with _lock:
            _flush_locked(_mono() - _T0)


def _connect():
    global _sock, _dead
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.set_inheritable(False)
        s.connect(_SOCK)
        hello = json.dumps({"hello": 1, "token": _TOKEN, "pid": pid, "lang": "python"}) + "\n"
        s.sendall(hello.encode("ascii"))
    except Exception:
        s.close()
        _dead = True
        return None
    _sock = s
    return s


def _flush_locked(t):
    global _buf, _last_flush, _in_flush, _term_pending
    if _in_flush or not _buf:
        return
    _in_flush = True
    try:
        batch = _buf
        _buf = []
        _last_flush = t
        if _dead:
            return
        s = _sock or _connect()
        if s is None:
            return
        try:
            data = json.dumps(batch, ensure_ascii=True, separators=(",", ":"), default=str)
        except Exception:
            data = json.dumps([_scrub(r) for r in batch], ensure_ascii=True, separators=(",", ":"), default=str)
        try:
            s.sendall(data.encode("ascii") + b"\n")
        except Exception:
            _mark_dead()
    finally:
        _in_flush = False
        if _term_pending:
            _term_pending = False
            _die_by_sigterm()


def _scrub(rec):
    try:
        json.dumps(rec, default=str)
        return rec
    except Exception:
        return tuple(r if isinstance(r, (int, type(None))) else str(r) for r in rec)


def _mark_dead():
    global _dead, _sock
    _dead = True
    try:
        if _sock is not None:
            _sock.close()
    except Exception:
        pass
    _sock = None


def sleep_and_flush(secs):
    """time.sleep, sending buffered events first (a sleeping process shows up to date)."""
    if _buf:
        flush()
    return _real_sleep(secs)


# ------------------------------------------------------------------ SIGTERM: flush, then die as before


def _die_by_sigterm():
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except Exception:
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def on_sigterm(signum, frame):
    global _term_pending
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


def install_sigterm():
    """Flush on SIGTERM where the default action is in place (the exit status stays -15)."""
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, on_sigterm)
    except Exception:
        pass
