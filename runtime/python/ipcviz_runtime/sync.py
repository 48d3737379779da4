"""Synchronisation: Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier.

An object the program makes is switched to the traced subclass of the same name made here at
install (objects made inside the library keep their class and cost nothing). The traced classes
keep their base's name and module, and pickle by name through `traced_class` of this module
(their metaclass is registered with copyreg), so a traced object sent to a spawn child arrives
traced. A lock's uncontended acquire and its release are hot paths: they
inline core.ev and the call-site cache (one frame per operation); a release is recorded after it
happens, and no batch is sent while a recorded lock is held (see core.FLUSH_HARD).
"""

import copyreg
import sys
from weakref import ref as _weakref

from . import core, naming
from .callsite import files_of, site_cache, site_miss, user_site
from .core import CREATING, creating, derived_id, ev, ev_flush, lock_id, now, poll_event
from .frames import strip
from .nowait import GRACE_S

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

# Shared extras of the commonest lock events (never mutated; the wire encodes a repeat as a reference).
_ACQ_OK = {"ok": True}
_ACQ_DEPTH = tuple({"ok": True, "depth": d} for d in range(16))
_REL_DEPTH = tuple({"depth": d} for d in range(16))

_LOCK_CLASSES = {}  # original class -> traced subclass
_TRACED = {}  # name -> traced class: what pickle finds as ipcviz_runtime.sync.<name>


def __getattr__(name):
    """The traced classes, made at install (their bases are imported then), as module attributes."""
    try:
        return _TRACED[name]
    except KeyError:
        raise AttributeError("module %r has no attribute %r" % (__name__, name)) from None


class _TracedType(type):
    """Metaclass of the traced classes: lets pickle send a traced class by its name in this module
    (copyreg, below), while the class keeps its base's `__module__` (reprs name multiprocessing.synchronize)."""


def traced_class(name):
    """A traced class by name (what an unpickled reference to one calls)."""
    return _TRACED[name]


def _reduce_class(cls):
    return (traced_class, (cls.__name__,))


def _make(name, base, body):
    body = dict(body)
    body["__module__"] = base.__module__
    body["__qualname__"] = name
    cls = _TracedType(name, (base,), body)
    _TRACED[name] = cls
    return cls


copyreg.pickle(_TracedType, _reduce_class)


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


def reset_after_fork():
    """Nothing per process."""


# ------------------------------------------------------------------ locks and semaphores


def do_acquire(lock, sl, site, block, timeout, rlock, via=None, tried=False):
    """Acquire and record (tried: a non-blocking attempt has just failed)."""
    lid = lock_id(lock)
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
            if timeout is None or timeout > GRACE_S:
                ok = sl.acquire(True, GRACE_S)
                if not ok:
                    core.flush()
                    ok = sl.acquire(True, None if timeout is None else timeout - GRACE_S)
            else:
                core.flush()
                ok = sl.acquire(True, timeout)
        except BaseException as e:
            ev("block.end", lid, None, site, {"op": "lock.acquire", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        ev("block.end", lid, None, site, {"op": "lock.acquire", "outcome": "ok" if ok else "timeout"})
    if rlock:
        ev("lock.acquire", lid, None, site, {"ok": ok, "depth": sl._count()})
    else:
        ev("lock.acquire", lid, None, site, {"ok": ok})
    return ok


def do_release(lock, sl, site, rlock):
    lid = lock_id(lock)
    t0 = now()
    try:
        sl.release()
    except BaseException as e:
        strip(e)
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
        # The methods reach the lock through a weak reference: the instance holds them, and a
        # strong one would make every lock a reference cycle, freed by the cyclic GC at any
        # allocation instead of when its last reference goes (as in a plain run). Its finalizer
        # (SemLock._cleanup, which writes to the resource tracker) could then run inside a
        # resource-tracker call: 3.12+ warns "ResourceTracker called reentrantly".
        sl = self._semlock
        wlock = _weakref(self)
        ids: "list[str | None]" = [None]  # the lock's id (core.lock_id), once known
        sl_acquire = sl.acquire
        sl_release = sl.release
        sl_count = sl._count

        def lid_of():
            lid = ids[0]
            if lid is None:
                lock = wlock()
                if lock is None:  # only a method outlived it
                    return None
                lid = ids[0] = lock_id(lock)
            return lid

        def acquire(block=True, timeout=None):
            f = _getframe(1)
            e = acq_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, acq_cache)
            if site is None:
                return sl_acquire(block, timeout)
            lid = ids[0] or lid_of()
            if lid is None:
                return sl_acquire(block, timeout)
            tid = _tids_get(_get_ident()) or _tid()  # worked out before the critical section
            if not sl_acquire(False):
                lock = wlock()
                if lock is None:
                    return sl_acquire(block, timeout)
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
                strip(e)
                raise
            f = _getframe(1)
            e = rel_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, rel_cache)
            if site is None:
                return
            lid = ids[0] or lid_of()
            if lid is None:
                return
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
            lid = self._ipcviz_id  # stored in the instance by core.lock_id on first use
        except AttributeError:
            lid = lock_id(self)
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
            strip(e)
            raise
        f = _getframe(1)
        e = exit_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, exit_cache)
        if site is None:
            return None
        try:
            lid = self._ipcviz_id  # stored in the instance by core.lock_id on first use
        except AttributeError:
            lid = lock_id(self)
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


def _sync_init(cls, sync_files, after):
    """Wrap a sync class's __init__: a user-made instance becomes traced and is announced."""
    orig = cls.__dict__["__init__"]

    def __init__(self, *args, **kwds):
        site = None if creating() else user_site(1, sync_files)
        with CREATING:
            orig(self, *args, **kwds)
        if site is not None:
            try:
                after(self, site, args, kwds)
            except Exception:
                pass

    cls.__init__ = __init__


def install():
    import multiprocessing.context as context
    import multiprocessing.synchronize as synchronize
    import threading

    # multiprocessing.Lock() calls through context.py, Condition() makes its own lock and semaphores.
    sync_files = files_of(context.BaseContext.Queue, synchronize.Condition.__init__)
    naming.register(synchronize.SemLock, lock_id)
    naming.register(synchronize.Condition, cond_id)
    naming.register(synchronize.Event, event_id)
    naming.register(synchronize.Barrier, barrier_id)
    for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore"):
        base = getattr(synchronize, name)
        _LOCK_CLASSES[base] = _make(name, base, _lock_body(name == "RLock"))

        def after(self, site, args, kwds, name=name):
            trace_semlock(self)
            extra = {"objType": name, "name": naming.name(name)}
            if name in ("Semaphore", "BoundedSemaphore"):
                extra["value"] = kwds.get("value", args[0] if args else 1)
            ev("sync.create", lock_id(self), None, site, extra)

        _sync_init(base, sync_files, after)

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
        lid = lock_id(lk)
        cid = cond_id(self)
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
            strip(e)
            raise
        ev("block.end", cid, None, site, {"op": "cond.wait", "outcome": "ok" if r else "timeout"})
        if isinstance(lk, synchronize.RLock):
            ev("lock.acquire", lid, None, site, {"ok": True, "via": "cond.wait", "depth": depth})
        else:
            ev("lock.acquire", lid, None, site, {"ok": True, "via": "cond.wait"})
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
            strip(e)
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
            strip(e)
            raise
        ev("cond.notify", cond_id(self), None, site, {"n": n})

    def c_notify_all(self):
        site = user_site(1)
        if site is None:
            return Cond.notify_all(self)
        try:
            Cond.notify_all(self)
        except BaseException as e:
            strip(e)
            raise
        ev("cond.notify", cond_id(self), None, site, {"n": "all"})

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
        lid = lock_id(lk)
        cid = cond_id(self)
        user_lock = kwds.get("lock", args[0] if args else None)
        if user_lock is None:
            ev("sync.create", lid, None, site, {"objType": type(lk).__name__, "owner": cid})
        ev("sync.create", cid, None, site, {"objType": "Condition", "lock": lid, "name": naming.name("Condition")})

    _sync_init(Cond, sync_files, cond_after)

    # ---------------------------------------------------------- Event
    Event = synchronize.Event

    def e_wait(self, timeout=None):
        site = user_site(1)
        if site is None:
            return Event.wait(self, timeout)
        eid = event_id(self)
        blocked = not Event.is_set(self) and timeout != 0
        if blocked:
            extra = {"op": "event.wait"} if timeout is None else {"op": "event.wait", "timeout": timeout}
            ev_flush("block.begin", eid, None, site, extra)
        try:
            r = Event.wait(self, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", eid, None, site, {"op": "event.wait", "outcome": "error", "error": type(e).__name__})
            strip(e)
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
            ev_flush(kind, event_id(self), None, site, None, t0)
            return r

        return op

    def e_is_set(self):
        r = Event.is_set(self)
        site = user_site(1)
        if site is not None:
            poll_event("event.poll", event_id(self), "is_set", repr(r), site)
        return r

    TEvent = _make(
        "Event",
        Event,
        {"wait": e_wait, "set": e_simple("set", "event.set"), "clear": e_simple("clear", "event.clear"), "is_set": e_is_set},
    )

    def event_after(self, site, args, kwds):
        self.__class__ = TEvent
        ev("sync.create", event_id(self), None, site, {"objType": "Event", "name": naming.name("Event")})

    _sync_init(Event, sync_files, event_after)

    # ---------------------------------------------------------- Barrier
    Barrier = synchronize.Barrier

    def b_wait(self, timeout=None):
        site = user_site(1)
        if site is None:
            return Barrier.wait(self, timeout)
        bid = barrier_id(self)
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
            strip(e)
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
            ev_flush(kind, barrier_id(self), None, site, None)
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
        ev("sync.create", barrier_id(self), None, site, {"objType": "Barrier", "value": parties, "name": naming.name("Barrier")})

    _sync_init(Barrier, sync_files, barrier_after)
