"""concurrent.futures.ProcessPoolExecutor: its workers, tasks and results, recorded as a Pool's.

In the program: the executor's creation (`pool.create`), each submit and each chunk of a map
(`pool.submit`), a future's result (`pool.get`, blocking when it is not done), `as_completed` and
`wait` (blocking on the executor), shutdown (`pool.close`, and with `wait` a blocking
`pool.join`). Between the processes, from the library's own threads and workers: each work item
put on the call queue (`pool.task.send`, by the executor's manager thread), taken by a worker
(`pool.task.recv`), its result or exception sent back (`pool.result.send`) and handed to the
future (`pool.result.recv`). Workers are `pool-worker` processes; the owner records each start
(`process.spawn`) and each exit status it learns (`process.join`), so a worker ended by
`terminate_broken` or `max_tasks_per_child` is accounted for.

Nothing the library sends is changed: a task's and a result's message ids are worked out on both
sides from the executor's id and the work item's id (no envelope), so the executor's data flow,
its pickling and its error paths are the library's own.

`concurrent.futures.process` is hooked when it is imported by the time the runtime installs, or
else when its first executor makes its call queue (queues.on_subclass_queue, registered by
__init__), so a program that never uses it pays nothing: not even this module's import.
"""

import functools
import sys
import weakref

from . import core, naming, pools, queues
from .callsite import files_of, is_user, site_of
from .core import clip, ev, ev_flush, now, preview, qualname
from .frames import strip

WORKER_POOL = None  # executor id, in one of its workers
_hooked = False


def reset_after_fork():
    """In a fork child: not an executor's worker (yet)."""
    global WORKER_POOL
    WORKER_POOL = None


def executor_id(call_queue):
    """Id of an executor: its call queue's, as a Pool's is its task queue's (the same in every process)."""
    return "P" + queues.queue_id(call_queue)[1:]


def job_of(pool_id, work_id):
    return "J%s.%d" % (pool_id[1:], work_id)


def task_msg(pool_id, work_id):
    return "%s.t%d" % (pool_id[1:], work_id)


def result_msg(pool_id, work_id):
    return "%s.r%d" % (pool_id[1:], work_id)


def job_index(pid_, wid, fn):
    """(job, index) of a work item: a submit is its own job; a map's chunks carry theirs (see map)."""
    if type(fn) is functools.partial:
        m = fn.__dict__.get("_ipcviz_job")
        if m is not None:
            return m[0], wid - m[1]
    return job_of(pid_, wid), 0


def func_name(fn):
    """The user's function of a work item (a map chunk runs `partial(_process_chunk, fn)`)."""
    if isinstance(fn, functools.partial) and getattr(fn.func, "__name__", "") == "_process_chunk" and fn.args:
        return qualname(fn.args[0])
    return qualname(fn)


def task_preview(fn, args):
    """A task's arguments; a map chunk's as the list of its items (one argument each: the argument)."""
    try:
        if isinstance(fn, functools.partial) and getattr(fn.func, "__name__", "") == "_process_chunk" and len(args) == 1:
            return preview([a[0] if type(a) is tuple and len(a) == 1 else a for a in args[0]])
    except Exception:
        pass
    return preview(args)


def error_text(exc):
    """'Type: message' of a task's exception (a worker sends it wrapped with its traceback text)."""
    e = getattr(exc, "exc", exc)
    try:
        return clip("%s: %s" % (type(e).__name__, e))
    except Exception:
        return type(e).__name__


def install():
    """concurrent.futures.process is imported: hook it (__init__ calls this then, or maybe_hook)."""
    hook()


def maybe_hook(q):
    """A Queue subclass was made: the first executor's call queue hooks the module (see the file comment)."""
    if _hooked or type(q).__module__ != "concurrent.futures.process":
        return
    import concurrent.futures.process as cfp

    init_code = cfp.ProcessPoolExecutor.__init__.__code__  # the library's own, running now
    hook()
    # The executor making this queue is in its __init__, which ran unhooked: its creation is
    # recorded now, from its frame (its call queue is being made, so it is finished at its first use).
    try:
        f = sys._getframe(1)
        while f is not None and f.f_code is not init_code:
            f = f.f_back
        if f is not None:
            ex = f.f_locals.get("self")
            site = _site_from(f.f_back)[0]
            if ex is not None:
                ex.__dict__["_ipcviz_pending"] = (site, naming.name("ProcessPoolExecutor", frame=f.f_back))
    except Exception:
        pass


_cf_files = frozenset()


def _site_from(f):
    """(site, outermost library function) of the first user frame from f, looking past concurrent.futures."""
    name = None
    while f is not None and (f.f_code.co_filename in _cf_files or f.f_code.co_filename[:1] == "<"):
        name = f.f_code.co_name
        f = f.f_back
    if f is None or not is_user(f.f_code):
        return None, name
    return site_of(f), name


def user_site(depth):
    return _site_from(sys._getframe(depth + 1))


def hook():
    """Hook concurrent.futures.process (once)."""
    global _hooked, _cf_files
    if _hooked:
        return
    _hooked = True
    import concurrent.futures as cf
    import concurrent.futures._base as base
    import concurrent.futures.process as cfp

    _cf_files = files_of(base.Future.result, base.as_completed, cfp.ProcessPoolExecutor.submit)
    PPE = cfp.ProcessPoolExecutor
    orig_init = PPE.__init__
    orig_submit = PPE.submit
    orig_shutdown = PPE.shutdown
    orig_spawn = PPE.__dict__.get("_spawn_process")

    def record_created(ex, site, name=None):
        """Recorded once, when the executor has its call queue: its id, the tasks put on that queue."""
        d = ex.__dict__
        if "_ipcviz_id" in d:
            return d["_ipcviz_id"]
        cq = d.get("_call_queue")
        if cq is None:
            return None
        pid_ = executor_id(cq)
        d["_ipcviz_id"] = pid_
        extra = {"processes": getattr(ex, "_max_workers", 0)}
        if name is not None:
            extra["name"] = name
        ev("pool.create", pid_, None, site, extra)
        qput = type(cq).put
        # The queue is held weakly: the instance attribute below would otherwise make a cycle
        # (queue -> put -> queue) that keeps the queue and its semaphores alive until a collection.
        cq_ref = weakref.ref(cq)

        def put(obj, block=True, timeout=None):
            wid = getattr(obj, "work_id", None)
            if type(wid) is int and hasattr(obj, "fn"):
                try:
                    job, index = job_index(pid_, wid, obj.fn)
                    ev(
                        "pool.task.send",
                        pid_,
                        task_msg(pid_, wid),
                        None,
                        {"job": job, "index": index, "func": func_name(obj.fn), "preview": task_preview(obj.fn, obj.args)},
                    )
                except Exception:
                    pass
            return qput(cq_ref(), obj, block, timeout)

        cq.put = put  # an instance attribute: a Queue pickles its own state only
        cq.__dict__["_ipcviz_pool"] = pid_
        return pid_

    def ensure(ex):
        d = ex.__dict__
        pid_ = d.get("_ipcviz_id")
        if pid_ is None:
            pending = d.pop("_ipcviz_pending", None)
            pid_ = record_created(ex, pending[0] if pending else None, pending[1] if pending else None)
        return pid_

    def __init__(self, *a, **k):
        site = user_site(1)[0]
        name = naming.name("ProcessPoolExecutor") if site is not None else None
        with core.CREATING:
            orig_init(self, *a, **k)
        try:
            record_created(self, site, name)
        except Exception:
            pass

    def submit(self, fn, /, *args, **kwargs):
        site, outer = user_site(1)
        pid_ = ensure(self)
        if pid_ is None:
            return orig_submit(self, fn, *args, **kwargs)
        wid = getattr(self, "_queue_count", None)
        job = None
        if type(wid) is int:
            m = getattr(core.tls, "ppe_map", None) if outer == "map" else None
            if m is not None and type(fn) is functools.partial:
                # A chunk of the program's map (below): its job, and its index from the first chunk's work id.
                if m[1] is None:
                    m[1] = wid
                    fn.__dict__["_ipcviz_job"] = (m[0], wid)
                job = m[0]
            else:
                job = job_of(pid_, wid)
                if site is not None:
                    extra = {"job": job, "method": "submit", "func": func_name(fn), "tasks": 1}
                    n = naming.name("Future", fallback=False)
                    if n is not None:
                        extra["name"] = n  # fut = ex.submit(…): the job's name
                    ev("pool.submit", pid_, None, site, extra)
        try:
            fut = orig_submit(self, fn, *args, **kwargs)
        except BaseException as e:
            strip(e)
            raise
        if job is not None:
            d = fut.__dict__
            d["_ipcviz_job"] = job
            d["_ipcviz_pool"] = pid_
        return fut

    # A map is one job, as a Pool's map is: one `pool.submit` (method `map`), and each chunk a task
    # of it (`index` its chunk). The library submits each chunk with one partial(_process_chunk, fn);
    # the partial carries (job, first chunk's work id) in its __dict__, so the worker and the
    # owner's threads work out the same job and index from the work item. multiprocessing pickles
    # a partial without its __dict__ (reduction._reduce_partial): a marked one is pickled the way
    # pickle itself does (functools.partial and its state, which an uninstrumented worker reads too).
    from multiprocessing.reduction import ForkingPickler

    reducers = getattr(ForkingPickler, "_extra_reducers", None)
    orig_reduce_partial = reducers.get(functools.partial) if reducers is not None else None
    if orig_reduce_partial is not None:

        def reduce_partial(p):
            if "_ipcviz_job" in p.__dict__:
                return p.__reduce__()
            return orig_reduce_partial(p)

        ForkingPickler.register(functools.partial, reduce_partial)

    orig_map = PPE.map
    map_count = [0]

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        site = user_site(1)[0]
        pid_ = ensure(self) if site is not None else None
        if pid_ is None:
            return orig_map(self, fn, *iterables, timeout=timeout, chunksize=chunksize)
        map_count[0] += 1
        job = "J%s.m%d" % (pid_[1:], map_count[0])
        ev("pool.submit", pid_, None, site, {"job": job, "method": "map", "func": qualname(fn)})
        tl = core.tls
        prev = getattr(tl, "ppe_map", None)
        tl.ppe_map = [job, None]
        try:
            return orig_map(self, fn, *iterables, timeout=timeout, chunksize=chunksize)
        except BaseException as e:
            strip(e)
            raise
        finally:
            tl.ppe_map = prev

    map.__doc__ = orig_map.__doc__

    def shutdown(self, wait=True, *a, **k):
        site = user_site(1)[0]
        pid_ = self.__dict__.get("_ipcviz_id")
        if site is None or pid_ is None:
            return orig_shutdown(self, wait, *a, **k)
        ev_flush("pool.close", pid_, None, site, None)
        if wait:
            ev_flush("block.begin", pid_, None, site, {"op": "pool.join"})
        try:
            r = orig_shutdown(self, wait, *a, **k)
        except BaseException as e:
            if wait:
                ev("block.end", pid_, None, site, {"op": "pool.join", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        if wait:
            ev("block.end", pid_, None, site, {"op": "pool.join", "outcome": "ok"})
            ev("pool.join", pid_, None, site, None)
        return r

    PPE.__init__ = __init__
    PPE.submit = submit
    PPE.map = map
    PPE.shutdown = shutdown

    if orig_spawn is not None:

        def _spawn_process(self):
            n0 = set(self._processes)
            r = orig_spawn(self)
            for p_id, p in list(self._processes.items()):
                if p_id not in n0:
                    pools.record_worker_start(p, "concurrent.futures.process._process_worker")
            return r

        PPE._spawn_process = _spawn_process  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    # A work item the call queue's feeder thread could not pickle: the library fails its future
    # (no worker ever sees it); the owner records that result, with no message.
    SQ = getattr(cfp, "_SafeQueue", None)
    if SQ is not None and "_on_queue_feeder_error" in SQ.__dict__:
        orig_fe = SQ._on_queue_feeder_error

        def _on_queue_feeder_error(self, e, obj):
            pid_ = self.__dict__.get("_ipcviz_pool")
            wid = getattr(obj, "work_id", None)
            if pid_ is not None and type(wid) is int:
                try:
                    job, index = job_index(pid_, wid, getattr(obj, "fn", None))
                    ev_flush("pool.result.recv", pid_, None, None, {"job": job, "index": index, "ok": False})
                except Exception:
                    pass
            return orig_fe(self, e, obj)

        SQ._on_queue_feeder_error = _on_queue_feeder_error  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal

    # The manager thread hands each result to its future.
    EMT = getattr(cfp, "_ExecutorManagerThread", None)
    if EMT is not None and "process_result_item" in EMT.__dict__:
        orig_pri = EMT.process_result_item

        def process_result_item(self, result_item):
            wid = getattr(result_item, "work_id", None)
            if type(wid) is int:
                try:
                    ex = self.executor_reference()
                    pid_ = ex.__dict__.get("_ipcviz_id") if ex is not None else None
                    if pid_ is None:
                        pid_ = executor_id(self.call_queue)
                    ok = result_item.exception is None
                    wi = self.pending_work_items.get(wid)
                    job, index = job_index(pid_, wid, getattr(wi, "fn", None))
                    ev("pool.result.recv", pid_, result_msg(pid_, wid), None, {"job": job, "index": index, "ok": ok})
                except Exception:
                    pass
            return orig_pri(self, result_item)

        EMT.process_result_item = process_result_item

    # Futures of this executor: their result, as_completed and wait.
    Future = base.Future

    def future_where(self, f):
        d = self.__dict__
        job = d.get("_ipcviz_job")
        if job is None:
            return None
        site = _site_from(f)[0]
        if site is None:
            return None
        return site, d["_ipcviz_pool"], job

    Future.result = pools.recorded_get(Future.result, future_where, lambda f: f.done(), lambda f, e: not f.done(), error_text)

    def waited_pool(fs):
        """The executor whose futures a wait is for (the first traced one), and whether any is not done."""
        pid_ = None
        pending = False
        try:
            for f in fs:
                p = f.__dict__.get("_ipcviz_pool")
                if p is not None and pid_ is None:
                    pid_ = p
                if not f.done():
                    pending = True
        except Exception:
            return None, False
        return pid_, pending

    orig_wait = base.wait

    def wait(fs, timeout=None, return_when=base.ALL_COMPLETED):
        site = user_site(1)[0]
        fs = list(fs) if not isinstance(fs, (set, frozenset, list, tuple)) else fs
        pid_, pending = waited_pool(fs) if site is not None else (None, False)
        if pid_ is None or not pending:
            return orig_wait(fs, timeout, return_when)
        extra = {"op": "pool.get"}
        if timeout is not None:
            extra["timeout"] = timeout
        ev_flush("block.begin", pid_, None, site, extra)
        try:
            r = orig_wait(fs, timeout, return_when)
        except BaseException as e:
            ev("block.end", pid_, None, site, {"op": "pool.get", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        ev("block.end", pid_, None, site, {"op": "pool.get", "outcome": "ok" if r.done else "timeout"})
        return r

    wait.__doc__ = orig_wait.__doc__
    base.wait = wait
    cf.wait = wait

    orig_as_completed = base.as_completed

    def as_completed(fs, timeout=None):
        site = user_site(1)[0]
        if site is None:
            return orig_as_completed(fs, timeout)
        fs = set(fs)
        pid_, _pending = waited_pool(fs)
        it = orig_as_completed(fs, timeout)
        if pid_ is None:
            return it
        return _as_completed(it, fs, pid_, site)

    def _as_completed(it, fs, pid_, site):
        done = set()
        while True:
            blocked = any(not f.done() for f in fs if f not in done)
            if blocked:
                ev_flush("block.begin", pid_, None, site, {"op": "pool.get"})
            try:
                f = next(it)
            except StopIteration:
                if blocked:
                    ev("block.end", pid_, None, site, {"op": "pool.get", "outcome": "ok"})
                return
            except BaseException as e:
                if blocked:
                    to = type(e).__name__ == "TimeoutError"
                    ev("block.end", pid_, None, site, {"op": "pool.get", "outcome": "timeout" if to else "error", "error": type(e).__name__})
                strip(e)
                raise
            if blocked:
                ev("block.end", pid_, None, site, {"op": "pool.get", "outcome": "ok"})
            done.add(f)
            yield f

    as_completed.__doc__ = orig_as_completed.__doc__
    base.as_completed = as_completed
    cf.as_completed = as_completed


def enter_worker(proc):
    """In an executor's worker, before its loop: the tasks it takes and the results it sends."""
    global WORKER_POOL
    try:
        hook()
        cq, rq = proc._args[0], proc._args[1]
        pid_ = executor_id(cq)
        WORKER_POOL = pid_
    except Exception:
        WORKER_POOL = None
        return
    qget = type(cq).get
    sput = type(rq).put
    running = {}  # work id -> (job, index) of the task this worker runs

    def get(block=True, timeout=None):
        item = qget(cq, block, timeout)
        wid = getattr(item, "work_id", None)
        if type(wid) is int:
            try:
                job, index = running[wid] = job_index(pid_, wid, item.fn)
                # Sent at once: a worker keeps the default SIGTERM action (see pools.py).
                extra = {"job": job, "index": index, "func": func_name(item.fn)}
                ev_flush("pool.task.recv", pid_, task_msg(pid_, wid), None, naming.task_fields(extra, item.fn, item.args, item.kwargs))
            except Exception:
                pass
        return item

    from multiprocessing.reduction import ForkingPickler

    dumps = ForkingPickler.dumps
    writer = getattr(rq, "_writer", None)
    wlock = getattr(rq, "_wlock", None)
    layout = writer is not None and hasattr(rq, "_wlock")

    def put(obj):
        wid = getattr(obj, "work_id", None)
        if type(wid) is not int:
            return sput(rq, obj)
        t0 = now()
        if not layout:
            # Not SimpleQueue's layout: send, then record (a worker killed between loses the record).
            r = sput(rq, obj)
            record_result(wid, obj, t0)
            return r
        # SimpleQueue.put's own steps, with the record between them: pickled first (an unpicklable
        # result raises here, nothing is recorded, and the library sends the error instead), recorded
        # and flushed, then written. A worker ended right after its write (a broken pool's SIGTERM)
        # has already sent the record of what it sent.
        data = dumps(obj)
        record_result(wid, obj, t0)
        if wlock is None:
            writer.send_bytes(data)  # pyright: ignore[reportOptionalMemberAccess] -- layout checked
        else:
            with wlock:
                writer.send_bytes(data)  # pyright: ignore[reportOptionalMemberAccess] -- layout checked

    def record_result(wid, obj, t0):
        try:
            job, index = running.pop(wid, None) or (job_of(pid_, wid), 0)
            exc = obj.exception
            ok = exc is None
            ev_flush(
                "pool.result.send",
                pid_,
                result_msg(pid_, wid),
                None,
                {"job": job, "index": index, "ok": ok, "preview": preview(obj.result) if ok else error_text(exc)},
                t0,
            )
        except Exception:
            pass

    cq.get = get
    rq.put = put


def is_worker_target(target):
    return getattr(target, "__name__", "") == "_process_worker" and getattr(target, "__module__", "") == "concurrent.futures.process"
