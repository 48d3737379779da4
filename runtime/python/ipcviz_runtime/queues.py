"""multiprocessing Queue, JoinableQueue and SimpleQueue.

A put sends `(MARK, message id, object)` (core.wrap); every get, the user's and the library's,
unwraps it, so receivers see their objects unchanged and each receipt knows the id of its send.
Queue.put and Queue.get are hot paths: they inline core.ev and the call-site cache (one frame per
operation), and get reads the message's header without waiting (nowait.py) to learn whether it
blocks. Non-blocking queries (empty, qsize, full, a get that raises Empty) are coalesced polls.
"""

import pickle
import sys
import weakref

from . import core, naming
from .callsite import files_of, site_cache, site_miss, user_site
from .core import CREATING, MARK, creating, derived_id, ev, ev_flush, is_wrapped, new_msg, poll_event, preview, wrap
from .frames import strip
from .nowait import GRACE_MS, NOWAIT, begin_read_wait, header_nowait, pollers, read, read_exact, read_rest, readable, unpack_i

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
_flush = core.flush
_SAFE = core.SAFE_INT
_NSAFE = -_SAFE

# Called with each new instance of a Queue subclass made by a library (executors.py hooks
# concurrent.futures.process when its first executor makes its call queue).
on_subclass_queue = []

_simple_originals = {}  # "get"/"put" -> SimpleQueue's own method (a Pool worker's task queues use them)


def queue_id(q):
    """Id of a multiprocessing queue: its reader lock's (the same in every process)."""
    return derived_id(q, "Q", q._rlock)


def simple_queue_original(name):
    """SimpleQueue's own `get` or `put`, as it was before install()."""
    return _simple_originals[name]


def reset_after_fork():
    """Nothing per process."""


def install():
    import _multiprocessing
    import multiprocessing.context as context
    import multiprocessing.queues as queues
    from queue import Empty, Full

    Queue = queues.Queue
    JQ = queues.JoinableQueue
    SQ = queues.SimpleQueue
    queue_files = files_of(context.BaseContext.Queue, queues.Queue.__init__)  # looked past to the user's call
    queue_own = files_of(Queue.get_nowait)  # get_nowait/put_nowait call get/put: the user called those

    _SEM_MAX = getattr(_multiprocessing.SemLock, "SEM_VALUE_MAX", 2**31 - 1)
    _MSG_INT_LIMIT = core.MSG_INT_LIMIT
    _GET_BLOCK = {"op": "queue.get"}  # shared, never mutated
    _loads = pickle.loads  # what Queue.get unpickles with (multiprocessing's ForkingPickler.loads is pickle.loads)

    def wrap_init(cls, type_name):
        orig = cls.__init__

        def __init__(self, *args, **kwds):
            site = None if creating() else user_site(1, queue_files)
            with CREATING:
                orig(self, *args, **kwds)
            if on_subclass_queue and type(self) not in (Queue, JQ, SQ):
                for f in on_subclass_queue:
                    try:
                        f(self)
                    except Exception:
                        pass
            qid = queue_id(self)
            if site is not None:
                extra = {"objType": type_name, "name": naming.name(type_name)}
                ms = getattr(self, "_maxsize", None)
                if ms is not None and ms < _SEM_MAX:
                    extra["maxsize"] = ms
                ev("queue.create", qid, None, site, extra)

        cls.__init__ = __init__

    naming.register(Queue, queue_id)
    naming.register(SQ, queue_id)
    wrap_init(Queue, "Queue")
    wrap_init(JQ, "JoinableQueue")
    wrap_init(SQ, "SimpleQueue")

    def wrap_put(cls):
        orig = cls.__dict__["put"]
        cache = site_cache()

        def put(self, obj, block=True, timeout=None):
            f = _getframe(1)
            e = cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, cache, queue_own)
            if site is None:
                return orig(self, obj, block, timeout)
            try:
                qid = self._ipcviz_id  # stored in the instance by queue_id on first use
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
            # A message event's extra is its preview alone: the int itself or a string (wire protocol).
            rec = (t0, _tids_get(_get_ident()) or _tid(), "queue.put", qid, mid, site, obj if type(obj) is int and _NSAFE <= obj <= _SAFE else preview(obj))
            if not blocked:
                # Recorded before the feeder can write it (core.retract): the receiver may end this process at once.
                _append(rec)
            try:
                orig(self, (MARK, mid, obj), block, timeout)
            except Full as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "timeout"})
                else:
                    core.retract(rec)
                poll_event("queue.poll", qid, "put", "Full", site)
                strip(e)
                raise
            except BaseException as e:
                if blocked:
                    ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "error", "error": type(e).__name__})
                else:
                    core.retract(rec)
                strip(e)
                raise
            if blocked:
                ev("block.end", qid, None, site, {"op": "queue.put", "outcome": "ok"})
                t0 = _mono() - _T0
                _append((t0,) + rec[1:])
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
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, get_cache, queue_own)
        if site is None:
            obj = orig_get(self, block, timeout)
            return obj[2] if is_wrapped(obj) else obj
        try:
            qid = self._ipcviz_id  # stored in the instance by queue_id on first use
        except AttributeError:
            qid = queue_id(self)
        blocked = False
        obj = None
        got = False  # the fast path below took the message
        if block and timeout is None and NOWAIT[0] and not self._closed:
            # Queue.get(block=True) as the library does it, reading the header without waiting
            # (see nowait.header_nowait): a message there is taken with no extra system call.
            rl = self._rlock
            if rl.acquire(False):
                res = b""
                try:
                    fd = self._reader._handle
                    b = bytearray(4)
                    n = header_nowait(fd, b)
                    if n == 4:
                        size = unpack_i(b)[0]
                        res = read_exact(fd, size, read(fd, size)) if size > 0 else read_rest(fd, b, 4)
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
                p = pollers.get(fd)
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
            # Recorded first, taken back if it fails (core.retract): a task_done() can release the
            # join() of a process that ends this one at once.
            rec = core.ev_first(kind, qid, None, site, None)
            try:
                r = orig(self, *a, **k)
            except BaseException as e:
                core.retract(rec)
                strip(e)
                raise
            core.ev_done(rec)
            return r

        op.__name__ = name
        setattr(cls, name, op)

    wrap_simple(JQ, "task_done", "queue.task_done")
    wrap_simple(JQ, "join", "queue.join")
    wrap_simple(Queue, "close", "queue.close")
    if "close" in SQ.__dict__:
        wrap_simple(SQ, "close", "queue.close")

    # Feeder-thread pickling errors: recorded with the message they lost; the user's handler sees the object.
    orig_start_thread = Queue._start_thread  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: starts the feeder thread
    ours = weakref.WeakSet()  # the error handlers made here (never wrapped twice)
    absent = object()

    def _start_thread(self):
        # Looked up on the instance: a subclass may define it as a method (concurrent.futures'
        # _SafeQueue does), Queue as a staticmethod; either way this is what the feeder would call.
        onerror = self._on_queue_feeder_error
        if onerror in ours:
            return orig_start_thread(self)
        qid = queue_id(self)

        def on_feeder_error(e, obj):
            if is_wrapped(obj):
                try:
                    ev_flush("queue.feeder_error", qid, obj[1], None, {"error": "%s: %s" % (type(e).__name__, e)})
                except Exception:
                    pass
                obj = obj[2]
            return onerror(e, obj)

        ours.add(on_feeder_error)
        # On the instance only while the feeder thread is made (it reads the handler once, into its
        # arguments, which the thread drops when it ends): left there, the wrapper would hold the
        # queue's bound method, a cycle that keeps the queue and its semaphores alive until a
        # collection, whose finalizers then run wherever it happens (3.12 spawn: inside the resource
        # tracker's ensure_running, "ResourceTracker called reentrantly" on stderr).
        d = self.__dict__
        before = d.get("_on_queue_feeder_error", absent)
        d["_on_queue_feeder_error"] = on_feeder_error
        try:
            return orig_start_thread(self)
        finally:
            if before is absent:
                d.pop("_on_queue_feeder_error", None)
            else:
                d["_on_queue_feeder_error"] = before

    Queue._start_thread = _start_thread  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    # SimpleQueue: user traffic, and a Pool worker's tasks and results (pools.py).
    orig_sq_get = SQ.get
    orig_sq_put = SQ.put
    _simple_originals["get"] = orig_sq_get
    _simple_originals["put"] = orig_sq_put

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
        # Recorded before the write, taken back if it fails (core.retract): the receiver may end this process at once.
        rec = core.ev_first("queue.put", qid, mid, site, {"preview": preview(obj)})
        try:
            orig_sq_put(self, wrap(mid, obj))
        except BaseException as e:
            core.retract(rec)
            strip(e)
            raise
        core.ev_done(rec)

    SQ.get = sq_get
    SQ.put = sq_put
