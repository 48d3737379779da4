"""Pools: multiprocessing.Pool, its tasks and results.

In the program: Pool creation, each submission (apply_async, map, imap…), each result's get and
the Pool's close/terminate/join. Between the processes: each task sent to the workers
(pool.task.send, wrapped with a message id in the Pool's task queue) and taken by a worker
(pool.task.recv), each result sent back (pool.result.send) and received (pool.result.recv). A
ThreadPool has no processes and no messages between them: only its use is recorded.
"""

import os
import sys

from . import core, naming
from .callsite import files_of, is_user, site_of, user_site
from .core import CREATING, clip, creating, ev, ev_flush, is_wrapped, new_msg, preview, qualname, wrap
from .frames import strip
from .queues import queue_id, simple_queue_original

WORKER_POOL = None  # pool id, in a Pool worker
WORKER_OWNER = 0  # pid of the process that owns that pool


def enter_worker(proc):
    """In a Pool worker's process, before its loop: its tasks and results are recorded."""
    global WORKER_POOL, WORKER_OWNER
    try:
        inq = proc._args[0]
        WORKER_POOL = "P" + queue_id(inq)[1:]
        WORKER_OWNER = proc._parent_pid
        _trace_worker_queues(inq, proc._args[1])
    except Exception:
        WORKER_POOL = None


def reset_after_fork():
    """In a fork child: not a Pool worker (yet)."""
    global WORKER_POOL
    WORKER_POOL = None


def take_mid():
    t = core.tls
    m = getattr(t, "mid", None)
    if m is not None:
        t.mid = None
    return m


def _trace_worker_queues(inq, outq):
    """In a Pool worker: record each task taken and each result sent (instance attributes, read by pool.worker)."""
    pool_id = WORKER_POOL
    owner = WORKER_OWNER
    get0 = simple_queue_original("get")
    put0 = simple_queue_original("put")

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
                    naming.task_fields({"job": "J%d.%d" % (owner, job), "index": i, "func": task_func_name(func, args)}, func, args, _k),
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


def record_worker_start(w, target_name="multiprocessing.pool.worker"):
    """The owner started a worker process (library code: no call site)."""
    try:
        if w.pid:
            w.__dict__["_ipcviz_worker"] = True  # its end is recorded when the library joins it
            record_library_spawn(w, target_name)
    except Exception:
        pass


def record_library_spawn(w, target_name):
    """process.spawn of a Process the library started (no call site of the program)."""
    try:
        record_spawn(w.pid, w.name, w.daemon, target_name, getattr(getattr(w, "_popen", None), "method", None))
    except Exception:
        pass


def record_spawn(pid, name, daemon, target_name, method=None):
    """process.spawn of a process the library started, from its parts (the fork server has no Process)."""
    if not pid:
        return
    extra = {"child": pid, "name": name, "daemon": bool(daemon), "target": target_name}
    if method:
        extra["startMethod"] = method
    ev("process.spawn", "proc:%d" % pid, None, None, extra)


def record_worker_end(w):
    """The owner's Pool has ended a worker and knows its exit status (once per worker)."""
    try:
        d = w.__dict__
        code = w.exitcode
        if code is None or d.get("_ipcviz_ended") or core.exited:  # (a library thread, after this process's own end)
            return
        d["_ipcviz_ended"] = True
        ev_flush("process.join", "proc:%d" % w.pid, None, None, {"child": w.pid, "exitCode": code})
    except Exception:
        pass


def recorded_get(orig, where, ready, timed_out, error_preview):
    """A result getter (`AsyncResult.get`, an executor's `Future.result`) that records the wait and the result.

    One function serves both: the hook it returns is the one frame between the program and the
    library's getter. `where(result, caller_frame)` gives (site, pool id, job), or None when the
    call is not recorded; `ready(result)` whether it would return at once; `timed_out(result, e)`
    whether an exception is its timeout; `error_preview(e)` the failed get's preview.
    """

    def get(self, timeout=None):
        w = where(self, sys._getframe(1))
        if w is None:
            return orig(self, timeout)
        site, pid_, job = w
        blocked = not ready(self)
        if blocked:
            extra = {"op": "pool.get"}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", job, None, site, extra)
        try:
            r = orig(self, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", job, None, site, {"op": "pool.get", "outcome": "timeout" if timed_out(self, e) else "error", "error": type(e).__name__})
            ev("pool.get", pid_, None, site, {"job": job, "ok": False, "preview": error_preview(e)})
            strip(e)
            raise
        if blocked:
            ev("block.end", job, None, site, {"op": "pool.get", "outcome": "ok"})
        ev("pool.get", pid_, None, site, {"job": job, "ok": True, "preview": preview(r)})
        return r

    get.__doc__ = getattr(orig, "__doc__", None)
    return get


def task_func_name(func, args):
    n = getattr(func, "__name__", "")
    if n in ("mapstar", "starmapstar") and args:
        return qualname(args[0])
    return qualname(func)


def install():
    import multiprocessing.context as context
    import multiprocessing.pool as pool

    pool_files = files_of(context.BaseContext.Queue, pool.Pool.__init__)  # looked past to the user's call
    Pool = pool.Pool
    orig_init = Pool.__init__
    orig_setup = Pool._setup_queues  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: makes the task and result queues
    counter = pool.job_counter  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: numbers the jobs

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

    def pool_site_from(f):
        """User site of a Pool call made from frame f (its library frames looked past)."""
        while f is not None and (f.f_code.co_filename in pool_files):
            f = f.f_back
        if f is None or not is_user(f.f_code):
            return None
        return site_of(f)

    def pool_site():
        """User site of a Pool call and the public method the user called."""
        f = sys._getframe(2)
        name = None
        while f is not None and (f.f_code.co_filename in pool_files):
            name = f.f_code.co_name
            f = f.f_back
        if f is None or not is_user(f.f_code):
            return None, name
        return site_of(f), name

    def __init__(self, *a, **k):
        site = None if creating() else user_site(1, pool_files)
        with CREATING:
            orig_init(self, *a, **k)
        if site is not None and type(self._inqueue).__module__.startswith("multiprocessing.queues"):
            ev("pool.create", pool_id(self), None, site, {"processes": self._processes, "name": naming.name("Pool")})

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

    # The Pool's workers, started and ended by the library: the owner records each one's start
    # (process.spawn) and, once the Pool has ended it, its exit status (process.join). A worker
    # ended by terminate() keeps the default SIGTERM action and records no process.exit of its
    # own; one killed before its runtime connected records nothing at all: both are known here.
    orig_repopulate = Pool.__dict__.get("_repopulate_pool_static")
    orig_terminate_pool = Pool.__dict__.get("_terminate_pool")

    def is_process_pool(inqueue):
        return type(inqueue).__module__.startswith("multiprocessing.queues")

    if isinstance(orig_repopulate, staticmethod):
        repop = orig_repopulate.__func__

        def _repopulate_pool_static(ctx, Process, processes, pool, inqueue, *rest):
            n0 = len(pool)
            r = repop(ctx, Process, processes, pool, inqueue, *rest)
            if is_process_pool(inqueue):
                for w in pool[n0:]:
                    record_worker_start(w)
            return r

        Pool._repopulate_pool_static = staticmethod(_repopulate_pool_static)  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    if isinstance(orig_terminate_pool, classmethod):
        term = orig_terminate_pool.__func__

        def _terminate_pool(cls, taskqueue, inqueue, outqueue, pool, *rest):
            try:
                return term(cls, taskqueue, inqueue, outqueue, pool, *rest)
            finally:
                if is_process_pool(inqueue):
                    for w in list(pool):
                        record_worker_end(w)

        Pool._terminate_pool = classmethod(_terminate_pool)  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    Pool.__init__ = __init__
    Pool._setup_queues = _setup_queues  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

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

    def ar_where(self, f):
        site = pool_site_from(f)
        pid_ = res_pool(self)
        if site is None or pid_ is None:
            return None
        return site, pid_, job_of(self)

    AR.get = recorded_get(
        AR.get,
        ar_where,
        lambda r: r.ready(),
        lambda r, e: type(e).__name__ == "TimeoutError" and not r.ready(),
        lambda e: "%s: %s" % (type(e).__name__, clip(str(e))),
    )

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
