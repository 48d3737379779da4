"""Every patch the ipcviz runtime makes to CPython's multiprocessing, in one module.

Rules (see docs/python-runtime.md):
- An operation is recorded only when user code called it (its caller's file is the program's,
  not the stdlib, site-packages or the runtime). Internal traffic (a Queue's own locks, a Pool's
  plumbing, Manager connections) is not recorded, except the Pool and Manager traffic recorded on
  purpose below (tasks, results, requests, replies).
- Objects created by the user are switched to a traced subclass (module `traced`), so objects
  created inside the library run at full speed.
- A message is sent as `(MARK, message id, object)`; every receive path (the user's and the
  library's) unwraps it, so receivers see their objects unchanged and each receipt knows the id
  of its send. A Manager server stores the wrapped item as it is, so a Manager queue's get pairs
  with the put of another process.
- Exceptions pass through unchanged; on 3.11+ the wrapper's own traceback entry is removed.
"""

import errno
import os
import select
import signal
import stat
import struct
import sys
import threading

from . import core
from .core import ev, ev_flush, preview, user_site, site_of, is_user, now, new_msg, site_cache, site_miss

# Bound once for the inlined hot paths (see core.ev): these objects are never replaced.
_getframe = sys._getframe
_append = core.append
_buf = core._buf
_tids_get = core.tids_get
_get_ident = core._get_ident
_tid = core._tid
_mono = core._mono
_T0 = core._T0
_FLUSH_EVERY = core.FLUSH_EVERY
_FLUSH_HARD = core.FLUSH_HARD
_flush = core.flush
_SAFE = core.SAFE_INT
_NSAFE = -_SAFE

_HOOKS_FILE = __file__ if __file__.endswith(".py") else __file__[:-1]
_PY311 = sys.version_info >= (3, 11)

# Set in the process's identity step
ROLE = None
SERVER = False  # this process is a Manager server
WORKER_POOL = None  # pool id, in a Pool worker
WORKER_OWNER = 0  # pid of the process that owns that pool


def strip(e):
    """Remove this module's frames from the head of an exception's traceback (3.11+ re-raise keeps it so)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in _OWN_FILES:
        tb = tb.tb_next
    e.__traceback__ = tb


_OWN_FILES = set()


def _register_own_files():
    import glob

    for p in glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), "*.py")):
        _OWN_FILES.add(p)
    for f in list(_OWN_FILES):
        _OWN_FILES.add(os.path.realpath(f))


_register_own_files()

# ------------------------------------------------------------------ messages


MARK = "\x00ipcviz"


def wrap(mid, obj):
    """A message in transit: (MARK, message id, object); the receiving hook unwraps it."""
    return (MARK, mid, obj)


def is_wrapped(x):
    return type(x) is tuple and len(x) == 3 and type(x[0]) is str and x[0] == MARK


_pollers = {}


def readable(fd, wait_ms=0):
    """True if reading fd would not block (data, EOF or error), waiting up to wait_ms; cheaper than multiprocessing's wait()."""
    p = _pollers.get(fd)
    if p is None:
        p = select.poll()
        p.register(fd, select.POLLIN)
        _pollers[fd] = p
    try:
        return bool(p.poll(wait_ms))
    except Exception:
        return True


# A wait shorter than this is recorded (block.begin/end with their real times) but does not force
# a flush: only a wait that lasts longer sends the buffer first, so a hung process is always visible.
GRACE_MS = 2
GRACE_S = GRACE_MS / 1000.0


def begin_read_wait(fd, obj, site, op, timeout=None):
    """Before a read on fd that may block: record block.begin if it would; flush if it still would after the grace."""
    if readable(fd):
        return False
    extra = {"op": op}
    if timeout is not None:
        extra["timeout"] = timeout
    ev("block.begin", obj, None, site, extra)
    if not readable(fd, GRACE_MS):
        core.flush()
    return True


# ------------------------------------------------------------------ reads that say whether they would block
#
# A receive on a Queue or a Pipe end must be recorded as blocked when it would wait for data. Asking
# first (poll) costs a system call per receive; instead the hot paths read the message's 4-byte
# length header with preadv2(RWF_NOWAIT), which returns EAGAIN, reading nothing, when reading would
# block, and then read the rest as Connection._recv_bytes does. Same system calls as without the
# runtime. Kernels that refuse RWF_NOWAIT on the descriptor make NOWAIT[0] False: the poll path.

_RWF_NOWAIT = getattr(os, "RWF_NOWAIT", None)
_preadv = getattr(os, "preadv", None)
NOWAIT = [_RWF_NOWAIT is not None and _preadv is not None and not os.environ.get("IPCVIZ_NO_NOWAIT")]
_read = os.read
_unpack_i = struct.Struct("!i").unpack
_unpack_q = struct.Struct("!Q").unpack
_NOWAIT_REFUSED = (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP))


def header_nowait(fd, b):
    """Read up to 4 header bytes of the next message on fd into b without waiting.

    Returns the count read (≥ 1), 0 at end of file, -1 when reading would block, -2 when this
    cannot be told (no RWF_NOWAIT here, a closed or odd descriptor): nothing is read then."""
    try:
        n = _preadv(fd, [b], -1, _RWF_NOWAIT)
    except BlockingIOError:
        return -1
    except OSError as e:
        if e.errno in _NOWAIT_REFUSED:
            NOWAIT[0] = False
        return -2
    except Exception:
        return -2
    return n


def read_rest(fd, b, n):
    """The payload of the message whose first n (1..4) header bytes are in b, read from fd as
    Connection._recv_bytes reads it (the same errors at end of file)."""
    while n < 4:
        c = _read(fd, 4 - n)
        if not c:
            raise OSError("got end of file during message")
        b[n : n + len(c)] = c
        n += len(c)
    size = _unpack_i(b)[0]
    if size == -1:
        size = _unpack_q(read_exact(fd, 8))[0]
    return read_exact(fd, size)


def read_exact(fd, size, first=None):
    """size bytes from fd (first: what a first read returned), or EOFError / OSError at end of file
    as Connection._recv raises them."""
    if size <= 0:
        return b""
    c = _read(fd, size) if first is None else first
    if len(c) == size:
        return c
    if not c:
        raise EOFError
    parts = [c]
    got = len(c)
    while got < size:
        c = _read(fd, size - got)
        if not c:
            raise OSError("got end of file during message")
        parts.append(c)
        got += len(c)
    return b"".join(parts)


def take_mid():
    t = core.tls
    m = getattr(t, "mid", None)
    if m is not None:
        t.mid = None
    return m


class CallArgs(object):
    """Arguments of a Manager request: unpickled in the server as the plain tuple, recording the request."""

    __slots__ = ("cid", "obj", "method", "args")

    def __init__(self, cid, obj, method, args):
        self.cid = cid
        self.obj = obj
        self.method = method
        self.args = args

    def __reduce__(self):
        return (recv_call, (self.cid, self.obj, self.method, self.args))


def recv_call(cid, obj, method, args):
    try:
        ev("mgr.recv", obj, cid, None, {"method": method})
        core.tls.call = cid
    except Exception:
        pass
    return args


# ------------------------------------------------------------------ coalesced polls

_poll_state = {}


def poll_event(kind, obj, method, result, site):
    """Record a non-blocking query only when its result changes (busy loops stay small)."""
    key = (core._get_ident(), obj, method)
    st = _poll_state.get(key)
    if st is not None and st[0] == result:
        st[1] += 1
        return
    repeats = st[1] if st is not None else 0
    _poll_state[key] = [result, 1]
    ev_flush(kind, obj, None, site, {"method": method, "result": result, "repeats": repeats})


# ------------------------------------------------------------------ creation guard


def creating():
    return getattr(core.tls, "creating", 0)


class _Creating(object):
    __slots__ = ()

    def __enter__(self):
        t = core.tls
        t.creating = getattr(t, "creating", 0) + 1

    def __exit__(self, *a):
        core.tls.creating -= 1


CREATING = _Creating()


def _names(*funcs):
    return frozenset(f.__code__.co_filename for f in funcs)


# ------------------------------------------------------------------ ids


def lock_id(sl):
    d = sl.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        name = getattr(getattr(sl, "_semlock", None), "name", None)
        i = ("L" + name.lstrip("/")) if name else core.new_id("L")
        d["_ipcviz_id"] = i
    return i


def derived_id(obj, prefix, base_lock):
    d = obj.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        i = prefix + lock_id(base_lock)[1:]
        d["_ipcviz_id"] = i
    return i


def queue_id(q):
    return derived_id(q, "Q", q._rlock)


def cond_id(c):
    return derived_id(c, "C", c._sleeping_count)


def event_id(e):
    return derived_id(e, "E", e._flag)


def barrier_id(b):
    d = b.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        i = "B" + cond_id(b._cond)[1:]
        d["_ipcviz_id"] = i
    return i


def conn_id(c):
    d = c.__dict__
    i = d.get("_ipcviz_id")
    if i is None:
        try:
            st = os.fstat(c.fileno())
            if stat.S_ISSOCK(st.st_mode):
                i = "C%d" % st.st_ino
            else:
                i = "C%d%s" % (st.st_ino, "r" if c.readable else "w")
        except Exception:
            i = core.new_id("C")
        d["_ipcviz_id"] = i
    return i


def addr_tail(address):
    if isinstance(address, str):
        return os.path.basename(address) or address
    if isinstance(address, tuple):
        return ":".join(str(a) for a in address)
    return str(address)


def proxy_id(token):
    return "M%s/%s" % (addr_tail(token.address), token.id)


def manager_id(address):
    return "M%s" % addr_tail(address)


def qualname(f):
    try:
        return "%s.%s" % (f.__module__, f.__qualname__)
    except Exception:
        try:
            return repr(f)[:80]
        except Exception:
            return "?"


# ------------------------------------------------------------------ install


def install_all():
    import multiprocessing
    import multiprocessing.connection as connection
    import multiprocessing.context as context
    import multiprocessing.managers as managers
    import multiprocessing.pool as pool
    import multiprocessing.process as process
    import multiprocessing.queues as queues
    import multiprocessing.sharedctypes as sharedctypes
    import multiprocessing.synchronize as synchronize
    import multiprocessing.util as util

    from . import traced

    g = globals()
    g["CONTEXT_FILES"] = _names(context.BaseContext.Queue)
    g["SYNC_FILES"] = CONTEXT_FILES | _names(synchronize.Condition.__init__)
    g["QUEUE_FILES"] = CONTEXT_FILES | _names(queues.Queue.__init__)
    g["POOL_FILES"] = CONTEXT_FILES | _names(pool.Pool.__init__)
    g["MGR_FILES"] = CONTEXT_FILES | _names(managers.BaseProxy._callmethod)
    g["SHARED_FILES"] = CONTEXT_FILES | _names(sharedctypes.synchronized)

    traced.install(synchronize, connection)
    _install_process(process, util)
    _install_queues(queues)
    _install_pipe(connection, traced)
    _install_values(sharedctypes)
    _install_managers(managers)
    _install_pool(pool)
    _install_thread_queue()


# ------------------------------------------------------------------ processes


def _install_process(process, util):
    BP = process.BaseProcess
    orig_start = BP.start
    orig_join = BP.join
    orig_terminate = BP.terminate
    orig_kill = getattr(BP, "kill", None)
    orig_bootstrap = BP._bootstrap

    def start(self):
        site = user_site(1)
        if site is None:
            return orig_start(self)
        target = getattr(self, "_target", None)
        tname = qualname(target) if target is not None else None
        t0 = now()
        try:
            orig_start(self)
        except BaseException as e:
            strip(e)
            raise
        extra = {"child": self.pid, "name": self.name, "daemon": bool(self.daemon)}
        if tname:
            extra["target"] = tname
        method = getattr(getattr(self, "_popen", None), "method", None)
        if method:
            extra["startMethod"] = method
        ev("process.spawn", "proc:%d" % self.pid, None, site, extra, t0)

    def join(self, timeout=None):
        site = user_site(1)
        if site is None:
            return orig_join(self, timeout)
        popen = getattr(self, "_popen", None)
        pid = self.pid
        obj = "proc:%s" % pid
        blocked = False
        try:
            if popen is not None and popen.poll() is None and timeout != 0:
                blocked = True
                extra = {"op": "process.join"}
                if timeout is not None:
                    extra["timeout"] = timeout
                ev_flush("block.begin", obj, None, site, extra)
        except Exception:
            pass
        try:
            r = orig_join(self, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", obj, None, site, {"op": "process.join", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        code = self.exitcode
        if blocked:
            ev("block.end", obj, None, site, {"op": "process.join", "outcome": "ok" if code is not None else "timeout"})
        ev("process.join", obj, None, site, {"child": pid, "exitCode": code})
        return r

    def terminate(self):
        site = user_site(1)
        if site is not None:
            ev_flush("process.terminate", "proc:%s" % self.pid, None, site, {"child": self.pid})
        return orig_terminate(self)

    def kill(self):
        site = user_site(1)
        if site is not None:
            ev_flush("process.kill", "proc:%s" % self.pid, None, site, {"child": self.pid})
        return orig_kill(self)

    def _bootstrap(self, *args, **kwds):
        identify_child(self)
        code = orig_bootstrap(self, *args, **kwds)
        from . import mark_exited

        mark_exited(code)
        core.uninstall_sigterm()
        return code

    BP.start = start
    BP.join = join
    BP.terminate = terminate
    if orig_kill is not None:
        BP.kill = kill
    BP._bootstrap = _bootstrap

    # Children started by a program that rewrote PYTHONPATH still load the runtime.
    orig_spawnv = util.spawnv_passfds

    def spawnv_passfds(path, args, passfds):
        # SIGTERM is held back from the fork until the new interpreter runs the prefix: with our
        # flushing handler in this process, a SIGTERM reaching the child between fork and exec
        # (terminate() of a child that has just been started) would otherwise be lost.
        blocked = False
        try:
            old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            blocked = signal.SIGTERM not in old
        except Exception:
            pass
        try:
            args = list(args)
            i = args.index("-c")
            args[i + 1] = (UNBLOCK_PREFIX if blocked else "") + BOOT_PREFIX + args[i + 1]
        except Exception:
            pass
        try:
            return orig_spawnv(path, args, passfds)
        finally:
            if blocked:
                try:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
                except Exception:
                    pass

    util.spawnv_passfds = spawnv_passfds


UNBLOCK_PREFIX = (
    "import signal as _ipz_g\n"
    "_ipz_g.pthread_sigmask(_ipz_g.SIG_UNBLOCK, {_ipz_g.SIGTERM})\n"
    "del _ipz_g\n"
)
BOOT_PREFIX = (
    "import sys as _ipz_s\n"
    "if 'ipcviz_runtime' not in _ipz_s.modules:\n"
    "    _ipz_s.path.append(%r)\n"
    "    try:\n"
    "        import ipcviz_runtime as _ipz_r; _ipz_r.install()\n"
    "    except Exception: pass\n"
    "del _ipz_s\n" % os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def identify_child(proc):
    """At the start of a multiprocessing child: its name, parent and role."""
    global ROLE, SERVER, WORKER_POOL, WORKER_OWNER
    try:
        import multiprocessing.managers as managers
        import multiprocessing.pool as pool

        target = getattr(proc, "_target", None)
        role = "child"
        if target is pool.worker:
            role = "pool-worker"
            try:
                inq = proc._args[0]
                WORKER_POOL = "P" + queue_id(inq)[1:]
                WORKER_OWNER = proc._parent_pid
                _trace_worker_queues(inq, proc._args[1])
            except Exception:
                WORKER_POOL = None
        elif getattr(target, "__func__", None) is managers.BaseManager._run_server.__func__:
            role = "manager-server"
            SERVER = True
        ROLE = role
        from . import announce_process

        announce_process(proc.name, proc._parent_pid, role)
        if role != "pool-worker":
            # Pool workers send their events at the end of every task, so a terminate() loses
            # nothing; they keep the default SIGTERM action (with the flushing handler a worker
            # idle in the task queue's lock was seen, rarely, to outlive Pool.terminate()).
            core.install_sigterm()
    except Exception:
        pass


# ------------------------------------------------------------------ queues


def _install_queues(queues):
    Queue = queues.Queue
    JQ = queues.JoinableQueue
    SQ = queues.SimpleQueue
    from queue import Empty, Full

    _SEM_MAX = getattr(__import__("_multiprocessing").SemLock, "SEM_VALUE_MAX", 2**31 - 1)
    _MSG_INT_LIMIT = core.MSG_INT_LIMIT
    _GET_BLOCK = {"op": "queue.get"}  # shared, never mutated
    _loads = __import__("multiprocessing.reduction", fromlist=["ForkingPickler"]).ForkingPickler.loads

    def wrap_init(cls, type_name):
        orig = cls.__init__

        def __init__(self, *args, **kwds):
            site = None if creating() else user_site(1, QUEUE_FILES)
            with CREATING:
                orig(self, *args, **kwds)
            qid = queue_id(self)
            if site is not None:
                extra = {"objType": type_name}
                ms = getattr(self, "_maxsize", None)
                if ms is not None and ms < _SEM_MAX:
                    extra["maxsize"] = ms
                ev("queue.create", qid, None, site, extra)

        cls.__init__ = __init__

    wrap_init(Queue, "Queue")
    wrap_init(JQ, "JoinableQueue")
    wrap_init(SQ, "SimpleQueue")

    def wrap_put(cls):
        orig = cls.__dict__["put"]
        cache = site_cache()

        def put(self, obj, block=True, timeout=None):
            f = _getframe(1)
            e = cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, cache, QUEUE_OWN)
            if site is None:
                return orig(self, obj, block, timeout)
            try:
                qid = self._ipcviz_id  # stored in the instance by its *_id helper (hooks.py) on first use
            except AttributeError:
                qid = queue_id(self)
            n = next(core._msgs)
            mid = core.mid_base + n if n < _MSG_INT_LIMIT else core._msg_prefix + str(n)
            blocked = False
            if block and self._maxsize < _SEM_MAX and self._sem._semlock._is_zero():
                blocked = True
                extra = {"op": "queue.put"}
                if timeout is not None:
                    extra["timeout"] = timeout
                ev_flush("block.begin", qid, None, site, extra)
            t0 = _mono() - _T0
            try:
                orig(self, (MARK, mid, obj), block, timeout)
            except Full as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "timeout"})
                poll_event("queue.poll", qid, "put", "Full", site)
                strip(e)
                raise
            except BaseException as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "error", "error": type(e).__name__})
                strip(e)
                raise
            if blocked:
                ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "ok"})
                t0 = _mono() - _T0
            # A message event's extra is its preview alone: the int itself or a string (wire protocol).
            _append((t0, _tids_get(_get_ident()) or _tid(), "queue.put", qid, mid, site, obj if type(obj) is int and _NSAFE <= obj <= _SAFE else preview(obj)))
            if t0 > core.flush_due or len(_buf) >= _FLUSH_EVERY:
                _flush()

        cls.put = put

    wrap_put(Queue)
    wrap_put(JQ)

    orig_get = Queue.get
    get_cache = site_cache()

    def get(self, block=True, timeout=None):
        f = _getframe(1)
        e = get_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, get_cache, QUEUE_OWN)
        if site is None:
            obj = orig_get(self, block, timeout)
            return obj[2] if is_wrapped(obj) else obj
        try:
            qid = self._ipcviz_id  # stored in the instance by its *_id helper (hooks.py) on first use
        except AttributeError:
            qid = queue_id(self)
        blocked = False
        got = False  # the fast path below took the message
        if block and timeout is None and NOWAIT[0] and not self._closed:
            # Queue.get(block=True) as the library does it, reading the header without waiting
            # (see header_nowait): a message there is taken with no extra system call.
            rl = self._rlock
            if rl.acquire(False):
                try:
                    fd = self._reader._handle
                    b = bytearray(4)
                    n = header_nowait(fd, b)
                    if n == 4:
                        size = _unpack_i(b)[0]
                        res = read_exact(fd, size, _read(fd, size)) if size > 0 else read_rest(fd, b, 4)
                    elif n > 0:
                        res = read_rest(fd, b, n)
                finally:
                    rl.release()
                if n > 0:
                    self._sem.release()
                    try:
                        obj = _loads(res)
                    except BaseException as e:
                        strip(e)
                        raise
                    res = None
                    got = True
                elif n == -1:
                    # It would block: recorded now; the buffer is sent if it still would after the grace.
                    blocked = True
                    ev("block.begin", qid, None, site, _GET_BLOCK)
                    if not readable(fd, GRACE_MS):
                        core.flush()
        if not got:
            if not blocked and block and timeout != 0:
                fd = self._reader._handle
                p = _pollers.get(fd)
                if p is None or not p.poll(0):
                    blocked = begin_read_wait(fd, qid, site, "queue.get", timeout)
            try:
                obj = orig_get(self, block, timeout)
            except Empty as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.get", "outcome": "timeout"})
                poll_event("queue.poll", qid, "get", "Empty", site)
                strip(e)
                raise
            except BaseException as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.get", "outcome": "error", "error": type(e).__name__})
                strip(e)
                raise
            if blocked:
                ev("block.end", qid, None, site, {"op": "queue.get", "outcome": "ok"})
        mid = None
        if type(obj) is tuple and len(obj) == 3 and type(obj[0]) is str and obj[0] == MARK:
            mid = obj[1]
            obj = obj[2]
        t = _mono() - _T0
        _append((t, _tids_get(_get_ident()) or _tid(), "queue.get", qid, mid, site, obj if type(obj) is int and _NSAFE <= obj <= _SAFE else preview(obj)))
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()
        return obj

    Queue.get = get
    globals()["QUEUE_OWN"] = _names(Queue.get_nowait)

    def wrap_query(cls, name, fmt):
        orig = cls.__dict__[name]

        def query(self):
            r = orig(self)
            site = user_site(1)
            if site is not None:
                poll_event("queue.poll", queue_id(self), name, fmt(r), site)
            return r

        query.__name__ = name
        setattr(cls, name, query)

    wrap_query(Queue, "empty", repr)
    wrap_query(Queue, "qsize", repr)
    wrap_query(Queue, "full", repr)
    wrap_query(SQ, "empty", repr)

    def wrap_simple(cls, name, kind):
        orig = cls.__dict__[name]

        def op(self, *a, **k):
            site = user_site(1)
            if site is None:
                return orig(self, *a, **k)
            qid = queue_id(self)
            if name == "join":
                ev_flush("block.begin", qid, None, site, {"op": "queue.join"})
                try:
                    r = orig(self, *a, **k)
                except BaseException as e:
                    ev("block.end", qid, None, site, {"op": "queue.join", "outcome": "error", "error": type(e).__name__})
                    strip(e)
                    raise
                ev("block.end", qid, None, site, {"op": "queue.join", "outcome": "ok"})
                ev(kind, qid, None, site, None)
                return r
            try:
                r = orig(self, *a, **k)
            except BaseException as e:
                strip(e)
                raise
            ev(kind, qid, None, site, None)
            return r

        op.__name__ = name
        setattr(cls, name, op)

    wrap_simple(JQ, "task_done", "queue.task_done")
    wrap_simple(JQ, "join", "queue.join")
    wrap_simple(Queue, "close", "queue.close")
    if "close" in SQ.__dict__:
        wrap_simple(SQ, "close", "queue.close")

    # Feeder-thread pickling errors: recorded with the message they lost; the user's handler sees the object.
    orig_start_thread = Queue._start_thread

    def _start_thread(self):
        onerror = self.__dict__.get("_on_queue_feeder_error") or type(self)._on_queue_feeder_error
        if not getattr(onerror, "_ipcviz", False):
            qid = queue_id(self)

            def on_feeder_error(e, obj):
                if is_wrapped(obj):
                    try:
                        ev_flush("queue.feeder_error", qid, obj[1], None, {"error": "%s: %s" % (type(e).__name__, e)})
                    except Exception:
                        pass
                    obj = obj[2]
                return onerror(e, obj)

            on_feeder_error._ipcviz = True
            self._on_queue_feeder_error = on_feeder_error
        return orig_start_thread(self)

    Queue._start_thread = _start_thread

    # SimpleQueue: user traffic, and a Pool worker's tasks and results.
    orig_sq_get = SQ.get
    orig_sq_put = SQ.put

    def sq_get(self):
        site = user_site(1)
        if site is None:
            obj = orig_sq_get(self)
            return obj[2] if is_wrapped(obj) else obj
        qid = queue_id(self)
        blocked = begin_read_wait(self._reader._handle, qid, site, "queue.get")
        try:
            obj = orig_sq_get(self)
        except BaseException as e:
            if blocked:
                ev("block.end", qid, None, site, {"op": "queue.get", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        if blocked:
            ev("block.end", qid, None, site, {"op": "queue.get", "outcome": "ok"})
        mid = None
        if is_wrapped(obj):
            mid = obj[1]
            obj = obj[2]
        ev("queue.get", qid, mid, site, {"preview": preview(obj)})
        return obj

    def sq_put(self, obj):
        site = user_site(1)
        if site is None:
            return orig_sq_put(self, obj)
        qid = queue_id(self)
        mid = new_msg()
        t0 = now()
        try:
            orig_sq_put(self, wrap(mid, obj))
        except BaseException as e:
            strip(e)
            raise
        ev("queue.put", qid, mid, site, {"preview": preview(obj)}, t0)

    SQ.get = sq_get
    SQ.put = sq_put
    g = globals()
    g["_orig_sq_get"] = orig_sq_get
    g["_orig_sq_put"] = orig_sq_put


def _trace_worker_queues(inq, outq):
    """In a Pool worker: record each task taken and each result sent (instance attributes, read by pool.worker)."""
    pool_id = WORKER_POOL
    owner = WORKER_OWNER
    get0 = _orig_sq_get
    put0 = _orig_sq_put

    def get():
        task = get0(inq)
        mid = None
        if is_wrapped(task):
            mid = task[1]
            task = task[2]
        try:
            if type(task) is tuple and len(task) == 5:
                job, i, func, args, _k = task
                # Sent at once: a worker keeps the default SIGTERM action (Pool.terminate() ends it
                # where it stands), so what it has recorded must already be on the channel.
                ev_flush(
                    "pool.task.recv",
                    pool_id,
                    mid,
                    None,
                    {"job": "J%d.%d" % (owner, job), "index": i, "func": task_func_name(func, args)},
                )
        except Exception:
            pass
        return task

    def put(obj):
        if type(obj) is tuple and len(obj) == 3 and obj[0] is not None:
            try:
                job, i, res = obj
                mid = new_msg()
                ok = bool(res[0])
                ev_flush(
                    "pool.result.send",
                    pool_id,
                    mid,
                    None,
                    {"job": "J%d.%d" % (owner, job), "index": i, "ok": ok, "preview": preview(res[1])},
                )
            except Exception:
                return put0(outq, obj)
            return put0(outq, wrap(mid, obj))
        return put0(outq, obj)

    inq.get = get
    outq.put = put


def task_func_name(func, args):
    n = getattr(func, "__name__", "")
    if n in ("mapstar", "starmapstar") and args:
        return qualname(args[0])
    return qualname(func)


# ------------------------------------------------------------------ pipes


def _install_pipe(connection, traced):
    orig_pipe = connection.Pipe

    def Pipe(duplex=True):
        a, b = orig_pipe(duplex)
        site = user_site(1, CONTEXT_FILES)
        if site is not None:
            traced.trace_conn(a)
            traced.trace_conn(b)
            ia, ib = conn_id(a), conn_id(b)
            ev("pipe.create", "pipe:%s-%s" % (ia, ib), None, site, {"ends": [ia, ib], "duplex": bool(duplex)})
        return a, b

    connection.Pipe = Pipe


# ------------------------------------------------------------------ Value / Array


def _install_values(sharedctypes):
    orig_value = sharedctypes.Value
    orig_array = sharedctypes.Array

    def ctype_name(t):
        if isinstance(t, str):
            return t
        return getattr(t, "__name__", str(t))

    def created(obj, kind, type_, lock, site, length=None):
        base = getattr(obj, "_lock", None)
        if base is None:
            return obj  # lock=False: a raw ctypes object, not observable
        implicit = lock is True or lock is None
        vid = derived_id(obj, "V", base) if implicit else obj.__dict__.setdefault("_ipcviz_id", core.new_id("V"))
        lid = lock_id(base) if hasattr(base, "_semlock") else None
        if site is not None:
            if implicit and lid is not None:
                from . import traced

                traced.trace_semlock(base)
                ev("sync.create", lid, None, site, {"objType": type(base).__name__, "owner": vid})
            extra = {"objType": kind, "ctype": ctype_name(type_)}
            if length is not None:
                extra["length"] = length
            if lid is not None:
                extra["lock"] = lid
            try:
                extra["preview"] = preview(obj._obj.value if length is None else list(obj._obj[:8]))
            except Exception:
                extra["preview"] = "?"
            ev("value.create", vid, None, site, extra)
        return obj

    def Value(typecode_or_type, *args, lock=True, ctx=None):
        site = None if creating() else user_site(1, SHARED_FILES)
        with CREATING:
            obj = orig_value(typecode_or_type, *args, lock=lock, ctx=ctx)
        return created(obj, "Value", typecode_or_type, lock, site)

    def Array(typecode_or_type, size_or_initializer, *, lock=True, ctx=None):
        site = None if creating() else user_site(1, SHARED_FILES)
        with CREATING:
            obj = orig_array(typecode_or_type, size_or_initializer, lock=lock, ctx=ctx)
        try:
            n = len(obj._obj)
        except Exception:
            n = None
        return created(obj, "Array", typecode_or_type, lock, site, n)

    sharedctypes.Value = Value
    sharedctypes.Array = Array

    def vid_of(self):
        i = self.__dict__.get("_ipcviz_id")
        if i is None:
            i = derived_id(self, "V", self._lock)
        return i

    def wrap_prop(cls, name, index_label=None):
        """The property's getter and setter, recording value.read/value.write (core.ev inlined)."""
        prop = cls.__dict__[name]
        fget, fset = prop.fget, prop.fset
        get_cache = site_cache()
        set_cache = site_cache()

        def getter(self):
            f = _getframe(1)
            e = get_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, get_cache)
            if site is None:
                return fget(self)
            try:
                sl = self._lock._semlock
            except AttributeError:
                sl = None
            if sl is None:
                v = fget(self)
            else:
                sl.acquire()  # what the original does with `with self:`, without the extra frames
                try:
                    v = getattr(self._obj, name)
                finally:
                    sl.release()
            # Without an index label, extra is the value alone: the int itself or its preview (wire protocol).
            pv = v if type(v) is int and _NSAFE <= v <= _SAFE else preview(v)
            extra = {"value": pv if type(pv) is str else repr(pv), "index": index_label} if index_label else pv
            try:
                vid = self._ipcviz_id  # stored in the instance by its *_id helper (hooks.py) on first use
            except AttributeError:
                vid = vid_of(self)
            t = _mono() - _T0
            _append((t, _tids_get(_get_ident()) or _tid(), "value.read", vid, None, site, extra))
            # Inside the user's `with v.get_lock():` the batch waits for the release (FLUSH_HARD).
            if (t > core.flush_due or len(_buf) >= _FLUSH_EVERY) and (sl is None or not sl._count() or len(_buf) >= _FLUSH_HARD):
                _flush()
            return v

        def setter(self, value):
            f = _getframe(1)
            e = set_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, set_cache)
            if site is None:
                return fset(self, value)
            try:
                sl = self._lock._semlock
            except AttributeError:
                sl = None
            if sl is None:
                old = getattr(self._obj, name)
                t = _mono() - _T0
                fset(self, value)
            else:
                sl.acquire()
                try:
                    old = getattr(self._obj, name)
                    t = _mono() - _T0
                    setattr(self._obj, name, value)
                finally:
                    sl.release()
            # Without an index label, extra is (old, new): each the int itself or its preview (wire protocol).
            extra = (
                old if type(old) is int and _NSAFE <= old <= _SAFE else preview(old),
                value if type(value) is int and _NSAFE <= value <= _SAFE else preview(value),
            )
            if index_label:
                extra = {"old": str(extra[0]), "value": str(extra[1]), "index": index_label}
            try:
                vid = self._ipcviz_id  # stored in the instance by its *_id helper (hooks.py) on first use
            except AttributeError:
                vid = vid_of(self)
            _append((t, _tids_get(_get_ident()) or _tid(), "value.write", vid, None, site, extra))
            if (t > core.flush_due or len(_buf) >= _FLUSH_EVERY) and (sl is None or not sl._count() or len(_buf) >= _FLUSH_HARD):
                _flush()

        setattr(cls, name, property(getter, setter, prop.fdel, prop.__doc__))

    wrap_prop(sharedctypes.Synchronized, "value")
    wrap_prop(sharedctypes.SynchronizedString, "value")
    wrap_prop(sharedctypes.SynchronizedString, "raw", "raw")

    SA = sharedctypes.SynchronizedArray
    orig_getitem = SA.__getitem__
    orig_setitem = SA.__setitem__

    def index_of(i):
        if isinstance(i, slice):
            return "%s:%s" % ("" if i.start is None else i.start, "" if i.stop is None else i.stop)
        return i

    def __getitem__(self, i):
        v = orig_getitem(self, i)
        site = user_site(1)
        if site is not None:
            ev("value.read", vid_of(self), None, site, {"index": index_of(i), "value": preview(v)})
        return v

    def __setitem__(self, i, value):
        site = user_site(1)
        if site is None:
            return orig_setitem(self, i, value)
        try:
            old = preview(self._obj[i])
        except Exception:
            old = "?"
        t0 = now()
        try:
            orig_setitem(self, i, value)
        except BaseException as e:
            strip(e)
            raise
        ev("value.write", vid_of(self), None, site, {"index": index_of(i), "old": old, "value": preview(value)}, t0)

    SA.__getitem__ = __getitem__
    SA.__setitem__ = __setitem__


# ------------------------------------------------------------------ managers

_LOCK_TYPES = {"Lock", "RLock", "Semaphore", "BoundedSemaphore"}
_QUEUE_TYPES = {"Queue", "JoinableQueue"}
_MUTABLE = (list, dict, set, bytearray)
_watch = []  # [obj, attr, value, snapshot, site]
_mgr_depth = {}


def check_watch(obj=None):
    """Report values taken from a Manager and changed in place without being written back."""
    if not _watch:
        return
    keep = []
    for w in _watch:
        if obj is not None and w[0] != obj:
            keep.append(w)
            continue
        try:
            now_repr = repr(w[2])
        except Exception:
            continue
        if now_repr != w[3]:
            ev_flush(
                "ns.local_change",
                w[0],
                None,
                w[4],
                {"attr": w[1], "before": _clip(w[3]), "after": _clip(now_repr)},
            )
        else:
            keep.append(w)
    _watch[:] = keep


def _clip(s):
    n = core.PREVIEW_LEN
    return s if len(s) <= n else s[: n - 1] + "…"


def _watch_value(obj, attr, value, site):
    if type(value) not in _MUTABLE:
        return
    try:
        r = repr(value)
    except Exception:
        return
    if len(r) > 4096:
        return
    _watch.append([obj, attr, value, r, site])
    if len(_watch) > 32:
        del _watch[0]


def _unwatch(obj, attr):
    if _watch:
        _watch[:] = [w for w in _watch if not (w[0] == obj and w[1] == attr)]


def _install_managers(managers):
    BM = managers.BaseManager
    BP = managers.BaseProxy
    orig_start = BM.start
    orig_create = BM._create
    orig_call = BP._callmethod
    orig_serve = managers.Server.serve_client

    def start(self, *a, **k):
        site = None if creating() else user_site(1, MGR_FILES)
        r = orig_start(self, *a, **k)
        if site is not None:
            try:
                ev(
                    "manager.start",
                    manager_id(self._address),
                    None,
                    site,
                    {"serverPid": self._process.pid, "address": str(self._address)},
                )
            except Exception:
                pass
        return r

    def _create(self, typeid, *args, **kwds):
        site = user_site(1, MGR_FILES)
        try:
            r = orig_create(self, typeid, *args, **kwds)
        except BaseException as e:
            strip(e)
            raise
        if site is not None:
            try:
                token = r[0]
                extra = {"manager": manager_id(self._address), "objType": typeid}
                if args and typeid in ("Semaphore", "BoundedSemaphore", "Barrier") and isinstance(args[0], int):
                    extra["value"] = args[0]
                if typeid == "Value" and len(args) > 1:
                    extra["preview"] = preview(args[1])
                ev("proxy.create", proxy_id(token), None, site, extra)
            except Exception:
                pass
        return r

    def _callmethod(self, methodname, args=(), kwds={}):
        site = user_site(1, MGR_FILES)
        if site is None:
            r = orig_call(self, methodname, args, kwds)
            return r[2] if is_wrapped(r) else r
        token = self._token
        oid = proxy_id(token)
        typeid = token.typeid
        cid = new_msg()
        args = tuple(args)
        pre = _mgr_pre(typeid, methodname, args, kwds, oid, site)
        check_watch(oid)  # values from this object only: the rest are checked at their next use or at exit
        send_args = args
        if pre is not None and pre[1] is not None:
            send_args = pre[1]
        t_call = now()
        ev("mgr.call", oid, cid, site, {"method": methodname, "preview": preview(args) if args else "()"}, t_call)
        try:
            r = orig_call(self, methodname, CallArgs(cid, oid, methodname, send_args), kwds)
        except BaseException as e:
            ev("mgr.return", oid, cid + "r", site, {"ok": False, "preview": "%s: %s" % (type(e).__name__, _clip(str(e)))})
            _mgr_post(typeid, methodname, args, kwds, oid, site, pre, False, e, None, t_call)
            strip(e)
            raise
        rmid = None
        if is_wrapped(r):
            rmid = r[1]
            r = r[2]
        ev("mgr.return", oid, cid + "r", site, {"ok": True, "preview": preview(r)})
        _mgr_post(typeid, methodname, args, kwds, oid, site, pre, True, r, rmid, t_call)
        return r

    def serve_client(self, conn):
        send0 = conn.send

        def send(msg):
            send0(msg)
            t = core.tls
            cid = getattr(t, "call", None)
            if cid is not None:
                t.call = None
                ok = type(msg) is tuple and len(msg) == 2 and msg[0] in ("#RETURN", "#PROXY")
                ev("mgr.reply", None, cid + "r", None, {"ok": ok})

        if SERVER:
            conn.send = send
        return orig_serve(self, conn)

    BM.start = start
    BM._create = _create
    BP._callmethod = _callmethod
    managers.Server.serve_client = serve_client


def _block_extra(op, kwds, args, timeout_pos):
    extra = {"op": op}
    timeout = kwds.get("timeout")
    if timeout is None and timeout_pos is not None and len(args) > timeout_pos:
        timeout = args[timeout_pos]
    if timeout is not None:
        extra["timeout"] = timeout
    return extra


def _mgr_pre(typeid, m, args, kwds, oid, site):
    """Before a Manager call: (block op or None, replacement args or None, extra state)."""
    if typeid in _QUEUE_TYPES:
        if m in ("put", "put_nowait"):
            mid = new_msg()
            return (None, (wrap(mid, args[0]),) + args[1:] if args else args, mid)
        if m == "get":
            block = kwds.get("block", args[0] if args else True)
            if block:
                ev_flush("block.begin", oid, None, site, _block_extra("queue.get", kwds, args, 1))
                return ("queue.get", None, None)
        if m == "join":
            ev_flush("block.begin", oid, None, site, {"op": "queue.join"})
            return ("queue.join", None, None)
        return None
    if typeid in _LOCK_TYPES or typeid == "Condition":
        if m == "acquire":
            block = kwds.get("blocking", args[0] if args else True)
            if block:
                ev_flush("block.begin", oid, None, site, _block_extra("lock.acquire", kwds, args, 1))
                return ("lock.acquire", None, None)
            return None
        if m == "wait" and typeid == "Condition":
            key = (oid, core._get_ident())
            ev("lock.release", oid, None, site, {"via": "cond.wait", "depth": 0})
            ev_flush("block.begin", oid, None, site, _block_extra("cond.wait", kwds, args, 0))
            return ("cond.wait", None, _mgr_depth.get(key, 1))
        return None
    if typeid == "Event" and m == "wait":
        ev_flush("block.begin", oid, None, site, _block_extra("event.wait", kwds, args, 0))
        return ("event.wait", None, None)
    if typeid == "Barrier" and m == "wait":
        ev_flush("block.begin", oid, None, site, _block_extra("barrier.wait", kwds, args, 0))
        return ("barrier.wait", None, None)
    if typeid == "Namespace" and m == "__setattr__" and args:
        _unwatch(oid, str(args[0]))
    if typeid == "dict" and m == "__setitem__" and args:
        _unwatch(oid, preview(args[0]))
    return None


def _mgr_post(typeid, m, args, kwds, oid, site, pre, ok, r, rmid=None, t_call=None):
    """After a Manager call: the semantic events (queue.get, lock.acquire, ns.set, …)."""
    op = pre[0] if pre is not None else None
    if op is not None:
        if ok:
            outcome = "ok"
            if op in ("lock.acquire", "cond.wait", "event.wait") and r is False:
                outcome = "timeout"
            extra = {"op": op, "outcome": outcome}
        else:
            extra = {"op": op, "outcome": "timeout" if type(r).__name__ in ("Empty", "Full") else "error", "error": type(r).__name__}
        ev("block.end", oid, None, site, extra)
    if typeid in _QUEUE_TYPES:
        if m in ("put", "put_nowait"):
            if ok:
                ev("queue.put", oid, pre[2], site, {"preview": preview(args[0]) if args else ""}, t_call)
            elif type(r).__name__ == "Full":
                poll_event("queue.poll", oid, m, "Full", site)
        elif m in ("get", "get_nowait"):
            if ok:
                ev("queue.get", oid, rmid, site, {"preview": preview(r)})
            elif type(r).__name__ == "Empty":
                poll_event("queue.poll", oid, m, "Empty", site)
        elif m in ("qsize", "empty", "full") and ok:
            poll_event("queue.poll", oid, m, repr(r), site)
        elif m == "task_done" and ok:
            ev("queue.task_done", oid, None, site, None)
        elif m == "join" and ok:
            ev("queue.join", oid, None, site, None)
        else:
            _proxy_op(oid, m, args, ok, r, site)
        return
    if typeid in _LOCK_TYPES or typeid == "Condition":
        key = (oid, core._get_ident())
        if m == "acquire":
            got = ok and r is not False
            extra = {"ok": bool(got)}
            if got and typeid == "RLock":
                d = _mgr_depth.get(key, 0) + 1
                _mgr_depth[key] = d
                extra["depth"] = d
            ev("lock.acquire", oid, None, site, extra)
            return
        if m == "release" and ok:
            extra = None
            if typeid == "RLock":
                d = max(0, _mgr_depth.get(key, 1) - 1)
                _mgr_depth[key] = d
                extra = {"depth": d}
            ev("lock.release", oid, None, site, extra, t_call)  # released when the server got the request
            return
        if typeid == "Condition":
            if m == "wait":
                ev("lock.acquire", oid, None, site, {"ok": True, "via": "cond.wait"})
                ev("cond.wait", oid, None, site, {"ok": bool(ok and r is not False)})
                return
            if m in ("notify", "notify_all") and ok:
                n = "all" if m == "notify_all" else (kwds.get("n", args[0] if args else 1))
                ev("cond.notify", oid, None, site, {"n": n}, t_call)
                return
        _proxy_op(oid, m, args, ok, r, site)
        return
    if typeid == "Event":
        if m == "set" and ok:
            ev("event.set", oid, None, site, None, t_call)
        elif m == "clear" and ok:
            ev("event.clear", oid, None, site, None, t_call)
        elif m == "wait":
            ev("event.wait", oid, None, site, {"ok": bool(ok and r)})
        elif m == "is_set" and ok:
            poll_event("event.poll", oid, m, repr(r), site)
        else:
            _proxy_op(oid, m, args, ok, r, site)
        return
    if typeid == "Barrier":
        if m == "wait":
            ev("barrier.wait", oid, None, site, {"index": r if ok else None})
        elif m in ("abort", "reset") and ok:
            ev("barrier." + m, oid, None, site, None)
        else:
            _proxy_op(oid, m, args, ok, r, site)
        return
    if typeid == "Value":
        if m == "get" and ok:
            ev("value.read", oid, None, site, {"value": preview(r)})
            return
        if m == "set" and ok:
            ev("value.write", oid, None, site, {"value": preview(args[0]) if args else ""}, t_call)
            return
    if typeid == "Array":
        if m == "__getitem__" and ok and args:
            ev("value.read", oid, None, site, {"index": _index(args[0]), "value": preview(r)})
            return
        if m == "__setitem__" and ok and len(args) > 1:
            ev("value.write", oid, None, site, {"index": _index(args[0]), "value": preview(args[1])}, t_call)
            return
    if typeid == "Namespace":
        if m == "__getattribute__" and args and ok:
            attr = str(args[0])
            ev("ns.get", oid, None, site, {"attr": attr, "value": preview(r)})
            _watch_value(oid, attr, r, site)
            return
        if m == "__setattr__" and len(args) > 1 and ok:
            ev("ns.set", oid, None, site, {"attr": str(args[0]), "value": preview(args[1])}, t_call)
            return
        if m == "__delattr__" and args and ok:
            ev("ns.del", oid, None, site, {"attr": str(args[0])})
            return
    if typeid == "dict" and m in ("__getitem__", "get") and ok and args:
        _watch_value(oid, preview(args[0]), r, site)
    _proxy_op(oid, m, args, ok, r, site)


def _index(i):
    if isinstance(i, slice):
        return "%s:%s" % ("" if i.start is None else i.start, "" if i.stop is None else i.stop)
    return i if isinstance(i, int) else str(i)


def _proxy_op(oid, m, args, ok, r, site):
    ev(
        "proxy.op",
        oid,
        None,
        site,
        {
            "method": m,
            "args": preview(args) if args else "()",
            "result": preview(r) if ok else "%s: %s" % (type(r).__name__, _clip(str(r))),
            "ok": bool(ok),
        },
    )


# ------------------------------------------------------------------ pools


def _install_pool(pool):
    Pool = pool.Pool
    orig_init = Pool.__init__
    orig_setup = Pool._setup_queues
    counter = pool.job_counter

    def pool_id(p):
        d = p.__dict__
        i = d.get("_ipcviz_id")
        if i is None:
            try:
                i = "P" + queue_id(p._inqueue)[1:]
            except Exception:
                i = core.new_id("P")
            d["_ipcviz_id"] = i
        return i

    def next_job():
        try:
            r = repr(counter)
            return int(r[r.index("(") + 1 : -1])
        except Exception:
            return None

    def pool_site():
        """User site of a Pool call and the public method the user called."""
        f = sys._getframe(2)
        name = None
        while f is not None and (f.f_code.co_filename in POOL_FILES):
            name = f.f_code.co_name
            f = f.f_back
        if f is None or not is_user(f.f_code):
            return None, name
        return site_of(f), name

    def __init__(self, *a, **k):
        site = None if creating() else user_site(1, POOL_FILES)
        with CREATING:
            orig_init(self, *a, **k)
        if site is not None and type(self._inqueue).__module__.startswith("multiprocessing.queues"):
            ev("pool.create", pool_id(self), None, site, {"processes": self._processes})

    def _setup_queues(self):
        orig_setup(self)
        if not type(self._inqueue).__module__.startswith("multiprocessing.queues"):
            return  # ThreadPool: no processes, no messages between them
        pid_ = pool_id(self)
        send0 = self._quick_put
        owner = os.getpid()

        def quick_put(task):
            if type(task) is tuple and len(task) == 5:
                try:
                    job, i, func, args, _k = task
                    mid = new_msg()
                    ev(
                        "pool.task.send",
                        pid_,
                        mid,
                        None,
                        {
                            "job": "J%d.%d" % (owner, job),
                            "index": i,
                            "func": task_func_name(func, args),
                            "preview": preview(args[1] if getattr(func, "__name__", "") in ("mapstar", "starmapstar") and len(args) > 1 else args),
                        },
                    )
                except Exception:
                    return send0(task)
                return send0(wrap(mid, task))
            return send0(task)

        get0 = self._quick_get

        def quick_get(*a):
            r = get0(*a)
            if is_wrapped(r):
                core.tls.mid = r[1]
                return r[2]
            return r

        self._quick_put = quick_put
        self._quick_get = quick_get

    Pool.__init__ = __init__
    Pool._setup_queues = _setup_queues

    def wrap_submit(name):
        orig = Pool.__dict__[name]

        def submit(self, func, *args, **kwds):
            site, method = pool_site()
            if site is None or "_ipcviz_id" not in self.__dict__:
                return orig(self, func, *args, **kwds)
            job = next_job()
            extra = {"method": method or name, "func": qualname(func)}
            if job is not None:
                extra["job"] = "J%d.%d" % (os.getpid(), job)
            ev("pool.submit", pool_id(self), None, site, extra)
            try:
                return orig(self, func, *args, **kwds)
            except BaseException as e:
                strip(e)
                raise

        setattr(Pool, name, submit)

    for n in ("apply_async", "_map_async", "imap", "imap_unordered"):
        if n in Pool.__dict__:
            wrap_submit(n)

    def job_of(res):
        return "J%d.%d" % (os.getpid(), res._job)

    def res_pool(res):
        d = res.__dict__
        i = d.get("_ipcviz_pool")
        if i is None:
            p = d.get("_pool")
            i = p.__dict__.get("_ipcviz_id") if p is not None else None
            if i is not None:
                d["_ipcviz_pool"] = i  # a finished result drops its _pool
        return i

    def wrap_set(cls):
        orig = cls.__dict__.get("_set")
        if orig is None:
            return

        def _set(self, i, obj):
            pid_ = res_pool(self)
            if pid_ is not None:
                try:
                    ok = bool(obj[0])
                except Exception:
                    ok = False
                ev("pool.result.recv", pid_, take_mid(), None, {"job": job_of(self), "index": i, "ok": ok})
            return orig(self, i, obj)

        cls._set = _set

    AR = pool.ApplyResult
    for cls in (AR, pool.MapResult, pool.IMapIterator, pool.IMapUnorderedIterator):
        wrap_set(cls)

    orig_get = AR.get

    def get(self, timeout=None):
        site, _m = pool_site()
        pid_ = res_pool(self)
        if site is None or pid_ is None:
            return orig_get(self, timeout)
        job = job_of(self)
        blocked = not self.ready()
        if blocked:
            extra = {"op": "pool.get"}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", job, None, site, extra)
        try:
            r = orig_get(self, timeout)
        except BaseException as e:
            if blocked:
                to = type(e).__name__ == "TimeoutError" and not self.ready()
                ev("block.end", job, None, site, {"op": "pool.get", "outcome": "timeout" if to else "error", "error": type(e).__name__})
            ev("pool.get", pid_, None, site, {"job": job, "ok": False, "preview": "%s: %s" % (type(e).__name__, _clip(str(e)))})
            strip(e)
            raise
        if blocked:
            ev("block.end", job, None, site, {"op": "pool.get", "outcome": "ok"})
        ev("pool.get", pid_, None, site, {"job": job, "ok": True, "preview": preview(r)})
        return r

    AR.get = get

    IT = pool.IMapIterator
    orig_next = IT.next

    def next_(self, timeout=None):
        site, _m = pool_site()
        pid_ = res_pool(self)
        if site is None or pid_ is None:
            return orig_next(self, timeout)
        job = job_of(self)
        blocked = not self._items
        if blocked:
            ev_flush("block.begin", job, None, site, {"op": "pool.get"})
        try:
            r = orig_next(self, timeout)
        except StopIteration as e:
            if blocked:
                ev("block.end", job, None, site, {"op": "pool.get", "outcome": "ok"})
            strip(e)
            raise
        except BaseException as e:
            if blocked:
                ev("block.end", job, None, site, {"op": "pool.get", "outcome": "error", "error": type(e).__name__})
            ev("pool.get", pid_, None, site, {"job": job, "ok": False, "preview": type(e).__name__})
            strip(e)
            raise
        if blocked:
            ev("block.end", job, None, site, {"op": "pool.get", "outcome": "ok"})
        ev("pool.get", pid_, None, site, {"job": job, "ok": True, "preview": preview(r)})
        return r

    IT.next = next_
    IT.__next__ = next_

    def wrap_life(name, kind):
        orig = Pool.__dict__[name]

        def op(self, *a, **k):
            site, _m = pool_site()
            pid_ = self.__dict__.get("_ipcviz_id")
            if site is None or pid_ is None:
                return orig(self, *a, **k)
            if name == "join":
                ev_flush("block.begin", pid_, None, site, {"op": "pool.join"})
                try:
                    r = orig(self, *a, **k)
                except BaseException as e:
                    ev("block.end", pid_, None, site, {"op": "pool.join", "outcome": "error", "error": type(e).__name__})
                    strip(e)
                    raise
                ev("block.end", pid_, None, site, {"op": "pool.join", "outcome": "ok"})
                ev(kind, pid_, None, site, None)
                return r
            ev_flush(kind, pid_, None, site, None)
            try:
                return orig(self, *a, **k)
            except BaseException as e:
                strip(e)
                raise

        setattr(Pool, name, op)

    wrap_life("close", "pool.close")
    wrap_life("terminate", "pool.terminate")
    wrap_life("join", "pool.join")


# ------------------------------------------------------------------ queue.Queue (threads only)


def _install_thread_queue():
    import queue as qmod

    Q = qmod.Queue
    orig_init = Q.__init__
    orig_put = Q.put
    orig_get = Q.get

    def __init__(self, maxsize=0):
        orig_init(self, maxsize)
        if type(self) is Q and not creating():
            site = user_site(1)
            if site is not None:
                i = core.new_id("T")
                self.__dict__["_ipcviz_tq"] = [i, os.getpid(), [], i]
                ev("queue.create", i, None, site, {"objType": "ThreadQueue"})

    def local(self):
        st = self.__dict__.get("_ipcviz_tq")
        if st is None:
            return None
        if st[1] != os.getpid():
            # A copy inherited by another process: its own, unshared queue.
            orig_id = st[3]
            st[0] = "%s@%d" % (orig_id, os.getpid())
            st[1] = os.getpid()
            st[2] = []
            ev("queue.create", st[0], None, None, {"objType": "ThreadQueue", "copyOf": orig_id})
        return st

    def put(self, item, block=True, timeout=None):
        st = local(self)
        site = user_site(1) if st is not None else None
        if site is None:
            return orig_put(self, item, block, timeout)
        mid = new_msg()
        t0 = now()
        try:
            orig_put(self, item, block, timeout)
        except BaseException as e:
            strip(e)
            raise
        st[2].append(mid)
        ev("queue.put", st[0], mid, site, {"preview": preview(item)}, t0)

    def get(self, block=True, timeout=None):
        st = local(self)
        site = user_site(1) if st is not None else None
        if site is None:
            return orig_get(self, block, timeout)
        try:
            item = orig_get(self, block, timeout)
        except BaseException as e:
            strip(e)
            raise
        mid = st[2].pop(0) if st[2] else None
        ev("queue.get", st[0], mid, site, {"preview": preview(item)})
        return item

    def qsize(self):
        r = Q.__dict__["_ipcviz_orig_qsize"](self)
        st = local(self)
        if st is not None:
            site = user_site(1)
            if site is not None:
                poll_event("queue.poll", st[0], "qsize", repr(r), site)
        return r

    def empty(self):
        r = Q.__dict__["_ipcviz_orig_empty"](self)
        st = local(self)
        if st is not None:
            site = user_site(1)
            if site is not None:
                poll_event("queue.poll", st[0], "empty", repr(r), site)
        return r

    Q._ipcviz_orig_qsize = Q.qsize
    Q._ipcviz_orig_empty = Q.empty
    Q.__init__ = __init__
    Q.put = put
    Q.get = get
    Q.qsize = qsize
    Q.empty = empty
