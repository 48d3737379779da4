"""Traced subclasses of the synchronisation objects and Pipe connections the user creates.

A user-created Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier or Pipe end is
switched to the subclass of the same name defined here (created at install time), so its operations
are recorded; objects made inside the library keep their class and cost nothing. Subclasses travel
through pickling by reference to this module, which every process of the run has loaded.
"""


from . import core, hooks
from .core import ev, ev_flush, user_site, now, new_msg, preview, site_cache, site_miss

# The names the inlined hot paths use, bound once in hooks (module globals here too: no lookups).
from .hooks import _getframe, _append, _buf, _tids_get, _get_ident, _tid, _mono, _T0, _FLUSH_EVERY, _FLUSH_HARD, _flush, _SAFE, _NSAFE  # noqa: E402

# Shared extras of the commonest lock events (never mutated; the wire encodes a repeat as a reference).
_ACQ_OK = {"ok": True}
_ACQ_DEPTH = tuple({"ok": True, "depth": d} for d in range(16))
_REL_DEPTH = tuple({"depth": d} for d in range(16))

_LOCK_CLASSES = {}  # original class -> traced subclass
_OTHER = {}


def _make(name, base, body):
    body = dict(body)
    body["__module__"] = __name__
    body["__qualname__"] = name
    cls = type(name, (base,), body)
    globals()[name] = cls
    return cls


# ------------------------------------------------------------------ locks and semaphores


def do_acquire(lock, sl, site, block, timeout, rlock, via=None, tried=False):
    """Acquire and record (tried: a non-blocking attempt has just failed)."""
    lid = hooks.lock_id(lock)
    if not tried and sl.acquire(False):
        ok = True
    elif not block:
        ok = False
    else:
        extra = {"op": "lock.acquire"}
        if timeout is not None:
            extra["timeout"] = timeout
        ev("block.begin", lid, None, site, extra)
        try:
            # A short wait is recorded without a flush; a longer one sends the buffer first.
            if timeout is None or timeout > hooks.GRACE_S:
                ok = sl.acquire(True, hooks.GRACE_S)
                if not ok:
                    core.flush()
                    ok = sl.acquire(True, None if timeout is None else timeout - hooks.GRACE_S)
            else:
                core.flush()
                ok = sl.acquire(True, timeout)
        except BaseException as e:
            ev("block.end", lid, None, site, {"op": "lock.acquire", "outcome": "error", "error": type(e).__name__})
            hooks.strip(e)
            raise
        ev("block.end", lid, None, site, {"op": "lock.acquire", "outcome": "ok" if ok else "timeout"})
    if rlock:
        ev("lock.acquire", lid, None, site, {"ok": ok, "depth": sl._count()})
    else:
        ev("lock.acquire", lid, None, site, {"ok": ok})
    return ok


def do_release(lock, sl, site, rlock):
    lid = hooks.lock_id(lock)
    t0 = now()
    try:
        sl.release()
    except BaseException as e:
        hooks.strip(e)
        raise
    ev("lock.release", lid, None, site, {"depth": sl._count()} if rlock else None, t0)


def _lock_body(rlock):
    """Methods of a traced lock class. The uncontended acquire and the release are do_acquire's and
    do_release's fast paths inlined (one frame per operation): keep them in step."""
    enter_cache = site_cache()
    exit_cache = site_cache()
    acq_cache = site_cache()
    rel_cache = site_cache()

    def _make_methods(self):
        sl = self._semlock
        lock = self
        sl_acquire = sl.acquire
        sl_release = sl.release
        sl_count = sl._count

        def acquire(block=True, timeout=None):
            f = _getframe(1)
            e = acq_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, acq_cache)
            if site is None:
                return sl_acquire(block, timeout)
            try:
                lid = lock._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
            except AttributeError:
                lid = hooks.lock_id(lock)
            tid = _tids_get(_get_ident()) or _tid()  # worked out before the critical section
            if not sl_acquire(False):
                return do_acquire(lock, sl, site, block, timeout, rlock, None, True)
            t = _mono() - _T0
            if rlock:
                d = sl_count()
                x = _ACQ_DEPTH[d] if d < 16 else {"ok": True, "depth": d}
            else:
                x = _ACQ_OK
            _append((t, tid, "lock.acquire", lid, None, site, x))
            if len(_buf) >= _FLUSH_HARD:  # held now: the batch waits for the release
                _flush()
            return True

        def release():
            # Released first, looked at after: the caller's site is not worked out inside the
            # critical section, which other processes may be waiting to enter.
            t = _mono() - _T0
            try:
                sl_release()
            except BaseException as e:
                hooks.strip(e)
                raise
            f = _getframe(1)
            e = rel_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, rel_cache)
            if site is None:
                return
            try:
                lid = lock._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
            except AttributeError:
                lid = hooks.lock_id(lock)
            if rlock:
                d = sl_count()
                x = _REL_DEPTH[d] if d < 16 else {"depth": d}
            else:
                d = 0
                x = None
            _append((t, _tids_get(_get_ident()) or _tid(), "lock.release", lid, None, site, x))
            if (t > core.flush_due or len(_buf) >= _FLUSH_EVERY) and (not d or len(_buf) >= _FLUSH_HARD):
                _flush()

        self.acquire = acquire
        self.release = release

    def __enter__(self):
        f = _getframe(1)
        e = enter_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, enter_cache)
        sl = self._semlock
        if site is None:
            return sl.__enter__()
        try:
            lid = self._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
        except AttributeError:
            lid = hooks.lock_id(self)
        tid = _tids_get(_get_ident()) or _tid()  # worked out before the critical section
        if not sl.acquire(False):
            return do_acquire(self, sl, site, True, None, rlock, None, True)
        t = _mono() - _T0
        if rlock:
            d = sl._count()
            x = _ACQ_DEPTH[d] if d < 16 else {"ok": True, "depth": d}
        else:
            x = _ACQ_OK
        _append((t, tid, "lock.acquire", lid, None, site, x))
        if len(_buf) >= _FLUSH_HARD:  # held now: the batch waits for the release
            _flush()
        return True

    def __exit__(self, exc_type=None, exc=None, tb=None):
        # Released first, looked at after (as in release()); SemLock.__exit__ is its release().
        # Named parameters, not *args: `with` passes three, and a tuple per exit costs.
        sl = self._semlock
        t = _mono() - _T0
        try:
            sl.release()
        except BaseException as e:
            hooks.strip(e)
            raise
        f = _getframe(1)
        e = exit_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, exit_cache)
        if site is None:
            return None
        try:
            lid = self._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
        except AttributeError:
            lid = hooks.lock_id(self)
        if rlock:
            d = sl._count()
            x = _REL_DEPTH[d] if d < 16 else {"depth": d}
        else:
            d = 0
            x = None
        _append((t, _tids_get(_get_ident()) or _tid(), "lock.release", lid, None, site, x))
        if (t > core.flush_due or len(_buf) >= _FLUSH_EVERY) and (not d or len(_buf) >= _FLUSH_HARD):
            _flush()

    return {"_make_methods": _make_methods, "__enter__": __enter__, "__exit__": __exit__, "_ipcviz_rlock": rlock}


def trace_semlock(lock):
    """Switch a lock/semaphore to its traced class (idempotent)."""
    cls = _LOCK_CLASSES.get(type(lock))
    if cls is not None:
        lock.__class__ = cls
        lock._make_methods()


def _sync_init(cls, type_name, after):
    """Wrap a sync class's __init__: a user-made instance becomes traced and is announced."""
    orig = cls.__dict__["__init__"]

    def __init__(self, *args, **kwds):
        site = None if hooks.creating() else hooks.user_site(1, hooks.SYNC_FILES)
        with hooks.CREATING:
            orig(self, *args, **kwds)
        if site is not None:
            try:
                after(self, site, args, kwds)
            except Exception:
                pass

    cls.__init__ = __init__


def install(synchronize, connection):
    from multiprocessing import reduction

    for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore"):
        base = getattr(synchronize, name)
        _LOCK_CLASSES[base] = _make(name, base, _lock_body(name == "RLock"))

        def after(self, site, args, kwds, name=name):
            trace_semlock(self)
            extra = {"objType": name}
            if name in ("Semaphore", "BoundedSemaphore"):
                extra["value"] = kwds.get("value", args[0] if args else 1)
            ev("sync.create", hooks.lock_id(self), None, site, extra)

        _sync_init(base, name, after)

    # ---------------------------------------------------------- Condition
    Cond = synchronize.Condition

    def c_make_methods(self):
        lk = self._lock
        rlock = isinstance(lk, synchronize.RLock)

        def acquire(block=True, timeout=None):
            site = user_site(1)
            if site is None:
                return lk.acquire(block, timeout)
            return do_acquire(lk, lk._semlock, site, block, timeout, rlock)

        def release():
            site = user_site(1)
            if site is None:
                return lk.release()
            return do_release(lk, lk._semlock, site, rlock)

        self.acquire = acquire
        self.release = release

    def c_enter(self):
        site = user_site(1)
        if site is None:
            return self._lock.__enter__()
        lk = self._lock
        return do_acquire(lk, lk._semlock, site, True, None, isinstance(lk, synchronize.RLock))

    def c_exit(self, *args):
        site = user_site(1)
        if site is None:
            return self._lock.__exit__(*args)
        lk = self._lock
        do_release(lk, lk._semlock, site, isinstance(lk, synchronize.RLock))

    def c_wait(self, timeout=None):
        site = user_site(1) or getattr(core.tls, "waitfor", None)
        if site is None:
            return Cond.wait(self, timeout)
        lk = self._lock
        lid = hooks.lock_id(lk)
        cid = hooks.cond_id(self)
        try:
            depth = lk._semlock._count()
        except Exception:
            depth = 1
        ev("lock.release", lid, None, site, {"via": "cond.wait", "depth": 0})
        extra = {"op": "cond.wait"}
        if timeout is not None:
            extra["timeout"] = timeout
        ev_flush("block.begin", cid, None, site, extra)
        try:
            r = Cond.wait(self, timeout)
        except BaseException as e:
            ev("block.end", cid, None, site, {"op": "cond.wait", "outcome": "error", "error": type(e).__name__})
            hooks.strip(e)
            raise
        ev("block.end", cid, None, site, {"op": "cond.wait", "outcome": "ok" if r else "timeout"})
        extra = {"ok": True, "via": "cond.wait"}
        if isinstance(lk, synchronize.RLock):
            extra["depth"] = depth
        ev("lock.acquire", lid, None, site, extra)
        ev("cond.wait", cid, None, site, {"ok": bool(r)})
        return r

    def c_wait_for(self, predicate, timeout=None):
        site = user_site(1)
        if site is None:
            return Cond.wait_for(self, predicate, timeout)
        t = core.tls
        prev = getattr(t, "waitfor", None)
        t.waitfor = site
        try:
            return Cond.wait_for(self, predicate, timeout)
        except BaseException as e:
            hooks.strip(e)
            raise
        finally:
            t.waitfor = prev

    def c_notify(self, n=1):
        site = user_site(1)
        if site is None:
            return Cond.notify(self, n)
        try:
            Cond.notify(self, n)
        except BaseException as e:
            hooks.strip(e)
            raise
        ev("cond.notify", hooks.cond_id(self), None, site, {"n": n})

    def c_notify_all(self):
        site = user_site(1)
        if site is None:
            return Cond.notify_all(self)
        try:
            Cond.notify_all(self)
        except BaseException as e:
            hooks.strip(e)
            raise
        ev("cond.notify", hooks.cond_id(self), None, site, {"n": "all"})

    TCond = _make(
        "Condition",
        Cond,
        {
            "_make_methods": c_make_methods,
            "__enter__": c_enter,
            "__exit__": c_exit,
            "wait": c_wait,
            "wait_for": c_wait_for,
            "notify": c_notify,
            "notify_all": c_notify_all,
        },
    )

    def cond_after(self, site, args, kwds):
        self.__class__ = TCond
        self._make_methods()
        lk = self._lock
        lid = hooks.lock_id(lk)
        cid = hooks.cond_id(self)
        user_lock = kwds.get("lock", args[0] if args else None)
        if user_lock is None:
            ev("sync.create", lid, None, site, {"objType": type(lk).__name__, "owner": cid})
        ev("sync.create", cid, None, site, {"objType": "Condition", "lock": lid})

    _sync_init(Cond, "Condition", cond_after)

    # ---------------------------------------------------------- Event
    Event = synchronize.Event

    def e_wait(self, timeout=None):
        site = user_site(1)
        if site is None:
            return Event.wait(self, timeout)
        eid = hooks.event_id(self)
        blocked = not Event.is_set(self) and timeout != 0
        if blocked:
            extra = {"op": "event.wait"}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", eid, None, site, extra)
        try:
            r = Event.wait(self, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", eid, None, site, {"op": "event.wait", "outcome": "error", "error": type(e).__name__})
            hooks.strip(e)
            raise
        if blocked:
            ev("block.end", eid, None, site, {"op": "event.wait", "outcome": "ok" if r else "timeout"})
        ev("event.wait", eid, None, site, {"ok": bool(r)})
        return r

    def e_simple(name, kind):
        orig = Event.__dict__[name]

        def op(self):
            site = user_site(1)
            if site is None:
                return orig(self)
            t0 = now()
            r = orig(self)
            ev_flush(kind, hooks.event_id(self), None, site, None, t0)
            return r

        return op

    def e_is_set(self):
        r = Event.is_set(self)
        site = user_site(1)
        if site is not None:
            hooks.poll_event("event.poll", hooks.event_id(self), "is_set", repr(r), site)
        return r

    TEvent = _make(
        "Event",
        Event,
        {"wait": e_wait, "set": e_simple("set", "event.set"), "clear": e_simple("clear", "event.clear"), "is_set": e_is_set},
    )

    def event_after(self, site, args, kwds):
        self.__class__ = TEvent
        ev("sync.create", hooks.event_id(self), None, site, {"objType": "Event"})

    _sync_init(Event, "Event", event_after)

    # ---------------------------------------------------------- Barrier
    Barrier = synchronize.Barrier
    import threading

    def b_wait(self, timeout=None):
        site = user_site(1)
        if site is None:
            return Barrier.wait(self, timeout)
        bid = hooks.barrier_id(self)
        try:
            last = self.n_waiting + 1 >= self.parties
        except Exception:
            last = False
        if not last:
            extra = {"op": "barrier.wait"}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", bid, None, site, extra)
        try:
            r = Barrier.wait(self, timeout)
        except BaseException as e:
            if not last:
                ev("block.end", bid, None, site, {"op": "barrier.wait", "outcome": "error", "error": type(e).__name__})
            ev("barrier.wait", bid, None, site, {"index": None})
            hooks.strip(e)
            raise
        if not last:
            ev("block.end", bid, None, site, {"op": "barrier.wait", "outcome": "ok"})
        ev("barrier.wait", bid, None, site, {"index": r})
        return r

    def b_simple(name, kind):
        orig = getattr(threading.Barrier, name)

        def op(self):
            site = user_site(1)
            if site is None:
                return orig(self)
            r = orig(self)
            ev_flush(kind, hooks.barrier_id(self), None, site, None)
            return r

        return op

    TBarrier = _make(
        "Barrier",
        Barrier,
        {"wait": b_wait, "abort": b_simple("abort", "barrier.abort"), "reset": b_simple("reset", "barrier.reset")},
    )

    def barrier_after(self, site, args, kwds):
        self.__class__ = TBarrier
        parties = kwds.get("parties", args[0] if args else None)
        ev("sync.create", hooks.barrier_id(self), None, site, {"objType": "Barrier", "value": parties})

    _sync_init(Barrier, "Barrier", barrier_after)

    # ---------------------------------------------------------- Pipe ends
    Conn = connection.Connection
    Base = connection._ConnectionBase
    b_send, b_recv = Base.send, Base.recv
    b_send_bytes, b_recv_bytes, b_recv_into = Base.send_bytes, Base.recv_bytes, Base.recv_bytes_into
    b_poll, b_close = Base.poll, Base.close

    def recv_common(self, site, call, args, is_bytes):
        cid = hooks.conn_id(self)
        blocked = hooks.begin_read_wait(self._handle, cid, site, "pipe.recv")
        try:
            r = call(self, *args)
        except EOFError as e:
            if blocked:
                ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "error", "error": "EOFError"})
            ev_flush("pipe.eof", cid, None, site, None)
            hooks.strip(e)
            raise
        except BaseException as e:
            if blocked:
                ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "error", "error": type(e).__name__})
            hooks.strip(e)
            raise
        if blocked:
            ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "ok"})
        if is_bytes:
            ev("pipe.recv", cid, None, site, {"preview": preview(r if call is not b_recv_into else args[0]), "bytes": True})
        else:
            mid = None
            if hooks.is_wrapped(r):
                mid = r[1]
                r = r[2]
            ev("pipe.recv", cid, mid, site, {"preview": preview(r), "bytes": False})
        return r

    send_cache = site_cache()
    recv_cache = site_cache()
    MARK = hooks.MARK
    _MSG_INT_LIMIT = core.MSG_INT_LIMIT
    nowait = hooks.NOWAIT
    header_nowait = hooks.header_nowait
    read_exact = hooks.read_exact
    read_rest = hooks.read_rest
    _read = hooks._read
    _unpack_i = hooks._unpack_i
    _loads = reduction.ForkingPickler.loads

    def send(self, obj):
        f = _getframe(1)
        e = send_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, send_cache)
        if site is None:
            return b_send(self, obj)
        n = next(core._msgs)
        mid = core.mid_base + n if n < _MSG_INT_LIMIT else core._msg_prefix + str(n)
        t = _mono() - _T0
        try:
            b_send(self, (MARK, mid, obj))
        except BaseException as e:
            hooks.strip(e)
            raise
        try:
            cid = self._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
        except AttributeError:
            cid = hooks.conn_id(self)
        # A message event's extra is its preview alone: the int itself or a string (wire protocol).
        _append((t, _tids_get(_get_ident()) or _tid(), "pipe.send", cid, mid, site, obj if type(obj) is int and _NSAFE <= obj <= _SAFE else preview(obj)))
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()

    def send_bytes(self, buf, offset=0, size=None):
        site = user_site(1)
        if site is None:
            return b_send_bytes(self, buf, offset, size)
        mid = new_msg()
        t0 = now()
        try:
            b_send_bytes(self, buf, offset, size)
        except BaseException as e:
            hooks.strip(e)
            raise
        try:
            m = memoryview(buf)
            end = len(m) if size is None else offset + size
            pv = preview(bytes(m[offset : min(end, offset + core.PREVIEW_LEN + 1)]))
            if end - offset > core.PREVIEW_LEN:
                pv += "…(%d bytes)" % (end - offset)
        except Exception:
            pv = "?"
        ev("pipe.send", hooks.conn_id(self), mid, site, {"preview": pv, "bytes": True}, t0)

    def recv(self):
        f = _getframe(1)
        e = recv_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, recv_cache)
        if site is None:
            r = b_recv(self)
            return r[2] if hooks.is_wrapped(r) else r
        # recv() with a message already there: Connection.recv as the library does it, with the
        # header read without waiting (hooks.header_nowait); anything else goes to recv_common.
        fd = self._handle
        if fd is None or not self._readable or not nowait[0]:
            return recv_common(self, site, b_recv, (), False)
        b = bytearray(4)
        n = header_nowait(fd, b)
        if n <= 0:
            return recv_common(self, site, b_recv, (), False)
        try:
            cid = self._ipcviz_id  # stored in the instance by its hooks.*_id helper on first use
        except AttributeError:
            cid = hooks.conn_id(self)
        try:
            if n == 4:
                size = _unpack_i(b)[0]
                r = _loads(read_exact(fd, size, _read(fd, size)) if size > 0 else read_rest(fd, b, 4))
            else:
                r = _loads(read_rest(fd, b, n))
        except EOFError as e:
            ev_flush("pipe.eof", cid, None, site, None)
            hooks.strip(e)
            raise
        except BaseException as e:
            hooks.strip(e)
            raise
        mid = None
        if type(r) is tuple and len(r) == 3 and type(r[0]) is str and r[0] == MARK:
            mid = r[1]
            r = r[2]
        t = _mono() - _T0
        _append((t, _tids_get(_get_ident()) or _tid(), "pipe.recv", cid, mid, site, r if type(r) is int and _NSAFE <= r <= _SAFE else preview(r)))
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()
        return r

    def recv_bytes(self, maxlength=None):
        site = user_site(1)
        if site is None:
            return b_recv_bytes(self, maxlength)
        return recv_common(self, site, b_recv_bytes, (maxlength,), True)

    def recv_bytes_into(self, buf, offset=0):
        site = user_site(1)
        if site is None:
            return b_recv_into(self, buf, offset)
        return recv_common(self, site, b_recv_into, (buf, offset), True)

    def poll(self, timeout=0.0):
        site = user_site(1)
        if site is None:
            return b_poll(self, timeout)
        try:
            r = b_poll(self, timeout)
        except BaseException as e:
            hooks.strip(e)
            raise
        hooks.poll_event("pipe.poll", hooks.conn_id(self), "poll", repr(r), site)
        return r

    def close(self):
        site = user_site(1)
        if site is not None and not self.closed:
            ev_flush("pipe.close", hooks.conn_id(self), None, site, None)
        return b_close(self)

    TConn = _make(
        "Connection",
        Conn,
        {
            "send": send,
            "send_bytes": send_bytes,
            "recv": recv,
            "recv_bytes": recv_bytes,
            "recv_bytes_into": recv_bytes_into,
            "poll": poll,
            "close": close,
        },
    )
    TConn.__module__ = Conn.__module__  # repr() stays as before; pickling goes through our reducer
    _OTHER["Connection"] = (Conn, TConn)
    reduction.register(TConn, reduce_conn)


def trace_conn(c):
    pair = _OTHER.get("Connection")
    if pair is not None and type(c) is pair[0]:
        c.__class__ = pair[1]


def reduce_conn(conn):
    from multiprocessing import reduction

    df = reduction.DupFd(conn.fileno())
    return rebuild_conn, (df, conn.readable, conn.writable, hooks.conn_id(conn))


def rebuild_conn(df, readable, writable, cid=None):
    import multiprocessing.connection as connection

    c = connection.rebuild_connection(df, readable, writable)
    trace_conn(c)
    return c
