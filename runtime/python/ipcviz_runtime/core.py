"""Event emitter of the ipcviz Python runtime: ids, call sites, previews, buffering, the channel.

The hot path (`ev`) only builds a tuple and appends it to a buffer; JSON formatting happens once
per batch at flush time. Wire protocol: docs/wire-protocol.md. Event kinds: trace/format.ts.
"""

import _thread
import itertools
import json
import marshal
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
_getframe = sys._getframe

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
# The buffer, the tid map and the call-site caches are never replaced (a fork child clears them
# in place), so the hot paths in hooks.py and traced.py bind them (and their methods) once.
_buf = []  # records (t, tid, kind, obj, msg, site, extra), in emission order
append = _buf.append
_site_defs = []  # (id, file, line, fn) not yet sent
_seq = 0  # sequence number of the next record to be flushed
_last_flush = 0
flush_due = FLUSH_AFTER_NS  # _last_flush + FLUSH_AFTER_NS: an event later than this sends the batch
_sock = None
_dead = False  # the channel failed: stop trying (events are then counted as lost by the collector)
_tids = {}
tids_get = _tids.get
_sites = {}  # (id(code), f_lasti) -> site id
_sites_by_line = {}  # (id(code), line) -> site id
_site_codes = []
_site_ids = itertools.count(1)
_ids = itertools.count(1)
_msgs = itertools.count(1)
_in_flush = False
_term_pending = False
exited = False  # this process has emitted its process.exit
tls = threading.local()


def reset_after_fork():
    """In a forked child: forget the parent's channel, buffer, caches; new locks and counters."""
    global pid, _lock, _site_defs, _seq, _last_flush, _sock, _dead, _site_ids, flush_due
    global _msgs, _in_flush, _term_pending, tls, exited, _msg_prefix, mid_base
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
    _site_defs = []
    _seq = 0
    _last_flush = 0
    flush_due = FLUSH_AFTER_NS
    _dead = False
    _tids.clear()
    _sites.clear()
    _sites_by_line.clear()
    for c in _site_caches:
        c[0] = NO_SITE
    _site_ids = itertools.count(1)
    _msgs = itertools.count(1)
    _in_flush = False
    _term_pending = False
    exited = False
    tls = threading.local()


def new_id(prefix):
    """A fresh object id, unique in the run: <prefix><pid>.<n>."""
    return "%s%d.%d" % (prefix, pid, next(_ids))


def new_msg():
    """A fresh message id, unique in the run: <pid>.<n>."""
    return _msg_prefix + str(next(_msgs))


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
_user_files = {}  # co_filename -> bool (keyed by the string: a code object's hash is costly)


def classify(code):
    """True if a code object belongs to the user's program (not the stdlib, site-packages, the runtime, generated code)."""
    fn = code.co_filename
    if not fn or fn[0] == "<":
        r = False
    else:
        full = fn if os.path.isabs(fn) else os.path.abspath(fn)
        r = not full.startswith(_LIB_PREFIXES)
    _user_files[fn] = r
    return r


def is_user(code):
    r = _user_files.get(code.co_filename)
    if r is None:
        r = classify(code)
    return r


def site_of(frame):
    """Site id of a user frame, defining it on the channel the first time it is seen.

    Cached by (code, instruction offset): reading f_lineno walks the line table, f_lasti does not.
    """
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    s = _sites.get(key)
    if s is None:
        line = frame.f_lineno
        lkey = (id(code), line)
        s = _sites_by_line.get(lkey)
        if s is None:
            _site_codes.append(code)  # keeps the code alive, so its id is never reused for another
            s = next(_site_ids)
            fn = code.co_filename
            try:
                fn = os.path.abspath(fn)
            except Exception:
                pass
            _site_defs.append((s, fn, line or 0, getattr(code, "co_qualname", code.co_name)))
            _sites_by_line[lkey] = s
        _sites[key] = s
    return s


# One-entry call-site caches, one per hot hook: (code, f_lasti, site) of the hook's last caller
# (site None: not user code). A loop calls a hook from the same place, so the lookup is two
# attribute reads and two comparisons. Held in one tuple, so a thread never sees a torn entry.
NO_SITE = (None, -1, None)
_site_caches = []


def site_cache():
    """A new one-entry call-site cache for a hook (emptied in a fork child: site ids restart there)."""
    c = [NO_SITE]
    _site_caches.append(c)
    return c


def site_miss(f, cache, skip_files=None):
    """Site of the caller frame f when its hook's cache does not hold it; fills the cache.

    A caller in skip_files (the library's own wrapper of the hooked method) is looked past and
    not cached."""
    code = f.f_code
    fn = code.co_filename
    if skip_files is not None and (fn in skip_files or fn[:1] == "<"):
        return user_site(0, skip_files, f)
    r = _user_files.get(fn)
    if r is None:
        r = classify(code)
    if r:
        s = _sites.get((id(code), f.f_lasti))
        if s is None:
            s = site_of(f)
    else:
        s = None
    cache[0] = (code, f.f_lasti, s)
    return s


def user_site(depth, skip_files=None, f=None):
    """Site of the user frame `depth` frames above the caller (or of frame f), skipping frames in
    skip_files.

    Returns None when the frame reached is not user code (the call came from a library).
    """
    if f is None:
        try:
            f = _getframe(depth + 1)
        except ValueError:
            return None
    if skip_files is not None:
        while f is not None and (f.f_code.co_filename in skip_files or f.f_code.co_filename[:1] == "<"):
            f = f.f_back
        if f is None:
            return None
    code = f.f_code
    r = _user_files.get(code.co_filename)
    if r is None:
        r = classify(code)
    if not r:
        return None
    s = _sites.get((id(code), f.f_lasti))
    return s if s is not None else site_of(f)


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

    The hottest hooks (traced.py, hooks.py) inline this body: keep them in step with it."""
    if t is None:
        t = _mono() - _T0
    append((t, _tids.get(_get_ident()) or _tid(), kind, obj, msg, site, extra))
    if t > flush_due or len(_buf) >= FLUSH_EVERY:
        flush()


def ev_flush(kind, obj=None, msg=None, site=None, extra=None, t=None):
    """Record one event and send everything buffered (before blocking, at exit, on busy polls)."""
    ev(kind, obj, msg, site, extra, t)
    flush()


def flush():
    if _buf or _site_defs:
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
        hello = json.dumps({"hello": 1, "token": _TOKEN, "pid": pid, "lang": "python"}) + "\n"
        s.sendall(hello.encode("ascii"))
    except Exception:
        s.close()
        _dead = True
        return None
    _sock = s
    return s


def encode_batch(seq0, sites, batch):
    """The wire bytes of a batch: a binary batch ("B<length>\n" + marshal) or, if a value is not
    marshallable, a JSON line."""
    try:
        m = marshal.dumps((seq0, sites, batch), 4)
        return b"B%d\n" % len(m) + m
    except (ValueError, TypeError):
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
        m = len(_site_defs)
        if n == 0 and m == 0:
            return
        batch = _buf[:n]
        del _buf[:n]
        sites = _site_defs[:m]
        del _site_defs[:m]
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
    global _term_pending, exited
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


def uninstall_sigterm():
    """Back to the default action once this process has nothing more to send (so a SIGTERM during
    interpreter shutdown ends it at once, as without the runtime)."""
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except Exception:
        pass


def exit_now(code):
    """os._exit replacement: send the buffer (and process.exit) first."""
    mark = _on_exit_hook
    try:
        if mark is not None:
            mark(code)
        flush()
    except Exception:
        pass
    return _real_exit(code)


_real_exit = os._exit
_on_exit_hook = None


def install_sigterm():
    """Flush on SIGTERM where the default action is in place (the exit status stays -15)."""
    try:
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, on_sigterm)
    except Exception:
        pass
