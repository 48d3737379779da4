"""Managers: BaseManager servers and the proxies of their objects.

Every call through a proxy is recorded in both processes: `mgr.call` in the caller, `mgr.recv` and
`mgr.reply` in the server (the request's arguments travel as a CallArgs, which records its arrival
when the server unpickles it), `mgr.return` back in the caller; plus the call's meaning for the
known types (queue.put/get, lock.acquire/release, event.*, barrier.*, value.*, ns.*; proxy.op for
the rest). A Manager queue stores a put's item wrapped with its message id, so a get in another
process pairs with it. Values read from a Namespace or dict and changed in place without being
written back are reported as ns.local_change.
"""

import functools
import os
import weakref

from . import core, naming, peers
from .callsite import files_of, user_site
from .core import clip, creating, ev, ev_flush, is_wrapped, new_msg, now, poll_event, preview, wrap
from .frames import strip

SERVER = False  # this process is a Manager server (set by process.identify_child)
_watch = []  # [obj, attr, value, snapshot, site]: mutable values read from a proxy (see check_watch)
_mgr_depth = {}  # (proxy id, thread) -> depth of a Manager RLock held by this thread


def enter_server():
    """In a Manager server's process, before it serves: its replies are recorded."""
    global SERVER
    SERVER = True


def reset_after_fork():
    """In a fork child: not a server (yet), nothing watched, no lock depths."""
    global SERVER
    SERVER = False
    del _watch[:]
    _mgr_depth.clear()


def _send_weakly(conn_ref, send, msg):
    send(conn_ref(), msg)


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


_LOCK_TYPES = {"Lock", "RLock", "Semaphore", "BoundedSemaphore"}
_QUEUE_TYPES = {"Queue", "JoinableQueue"}
_MUTABLE = (list, dict, set, bytearray)


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
                {"attr": w[1], "before": clip(w[3]), "after": clip(now_repr)},
            )
        else:
            keep.append(w)
    _watch[:] = keep


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


def install():
    import multiprocessing.context as context
    import multiprocessing.managers as managers

    mgr_files = files_of(context.BaseContext.Queue, managers.BaseProxy._callmethod)  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: every proxy call goes through it
    naming.register(managers.BaseProxy, lambda p: proxy_id(p._token))
    BM = managers.BaseManager
    BP = managers.BaseProxy
    orig_start = BM.start
    orig_init = BM.__init__
    orig_create = BM._create  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: makes a shared object in the server
    orig_call = BP.__dict__["_callmethod"]  # the function itself (typeshed declares it "-> None"; it returns the call's result)
    orig_serve = managers.Server.serve_client

    def __init__(self, *a, **k):
        orig_init(self, *a, **k)
        if not creating() and user_site(1, mgr_files) is not None:
            # m = Manager(), smm = SharedMemoryManager(), m = BaseManager(address=…): named here, for
            # its start, or (a Manager this process connects to) its proxies' `names`
            self.__dict__["_ipcviz_name"] = naming.name("Manager")

    def start(self, *a, **k):
        site = None if creating() else user_site(1, mgr_files)
        r = orig_start(self, *a, **k)
        try:
            peers.known(self._address, self._process.pid)  # its proxies' server is in the run
        except Exception:
            pass
        if site is not None:
            self.__dict__["_ipcviz_started"] = True
            try:
                ev(
                    "manager.start",
                    manager_id(self._address),
                    None,
                    site,
                    {"serverPid": self._process.pid, "address": str(self._address), "name": self.__dict__.get("_ipcviz_name") or naming.name("Manager")},
                )
            except Exception:
                pass
        return r

    def _create(self, typeid, *args, **kwds):
        site = user_site(1, mgr_files)
        try:
            r = orig_create(self, typeid, *args, **kwds)
        except BaseException as e:
            strip(e)
            raise
        if site is not None:
            try:
                token = r[0]
                mid = manager_id(self._address)
                extra = {"manager": mid, "objType": typeid, "name": naming.name(typeid)}
                d = self.__dict__
                if "_ipcviz_started" not in d and "_ipcviz_name" in d:
                    extra["names"] = {mid: d["_ipcviz_name"]}  # a Manager reached with connect()
                if args and typeid in ("Semaphore", "BoundedSemaphore", "Barrier") and isinstance(args[0], int):
                    extra["value"] = args[0]
                if typeid == "Value" and len(args) > 1:
                    extra["preview"] = preview(args[1])
                ev("proxy.create", proxy_id(token), None, site, extra)
            except Exception:
                pass
        return r

    def _callmethod(self, methodname, args=(), kwds={}):
        site = user_site(1, mgr_files)
        if site is None:
            r = orig_call(self, methodname, args, kwds)
            return r[2] if is_wrapped(r) else r
        token = self._token
        oid = proxy_id(token)
        typeid = token.typeid
        cid = new_msg()
        args = tuple(args)
        outside = _server_outside(self)
        pre = _mgr_pre(typeid, methodname, args, kwds, oid, site, outside)
        check_watch(oid)  # values from this object only: the rest are checked at their next use or at exit
        send_args = args
        if pre is not None and pre[1] is not None:
            send_args = pre[1]
        t_call = now()
        # A call that may wait (its block.begin is out) is sent at once too: the server's mgr.recv
        # of it must not arrive long before the call it pairs with.
        extra = {"method": methodname, "preview": preview(args) if args else "()"}
        if outside:
            # A server outside the run: it gets the arguments themselves and records nothing.
            extra["outside"] = True
        (ev_flush if pre is not None and pre[0] is not None else ev)("mgr.call", oid, cid, site, extra, t_call)
        rcid = None if outside else cid + "r"
        try:
            r = orig_call(self, methodname, send_args if outside else CallArgs(cid, oid, methodname, send_args), kwds)
        except BaseException as e:
            ev("mgr.return", oid, rcid, site, {"ok": False, "preview": "%s: %s" % (type(e).__name__, clip(str(e)))})
            _mgr_post(typeid, methodname, args, kwds, oid, site, pre, False, e, None, t_call, outside)
            strip(e)
            raise
        rmid = None
        if is_wrapped(r):
            rmid = r[1]
            r = r[2]
        ev("mgr.return", oid, rcid, site, {"ok": True, "preview": preview(r)})
        _mgr_post(typeid, methodname, args, kwds, oid, site, pre, True, r, rmid, t_call, outside)
        return r

    def serve_client(self, conn):
        send0 = conn.send
        if "send" not in getattr(conn, "__dict__", {}):
            # The class's send on a weak reference: a bound method in the instance attribute below
            # would make a cycle (conn -> send -> conn) that keeps the connection, and its socket,
            # open after the client has gone, until a collection.
            try:
                send0 = functools.partial(_send_weakly, weakref.ref(conn), type(conn).send)
            except TypeError:
                pass

        def send(msg):
            t = core.tls
            cid = getattr(t, "call", None)
            if cid is None:
                # A request that came without CallArgs: from a client outside the run, which must get
                # an item some client of the run put (wrapped with its message id) as it was put.
                if type(msg) is tuple and len(msg) == 2 and is_wrapped(msg[1]):
                    msg = (msg[0], msg[1][2])
            else:
                t.call = None
                ok = type(msg) is tuple and len(msg) == 2 and msg[0] in ("#RETURN", "#PROXY")
                # Recorded and sent to the collector before the reply itself: once the caller has
                # its answer it may terminate this server at once (a SIGTERM does not wait for a
                # buffered event), and its mgr.return must never be left without this reply.
                ev_flush("mgr.reply", None, cid + "r", None, {"ok": ok})
            send0(msg)

        # Every server records its replies: a manager's own server process, and one the program
        # runs itself (get_server().serve_forever(), in any process).
        conn.send = send
        return orig_serve(self, conn)

    BM.__init__ = __init__
    BM.start = start
    BM._create = _create  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal
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


def _server_outside(proxy):
    """True if the proxy's server is a process outside the run (peers.py), asked once per connection."""
    try:
        try:
            conn = proxy._tls.connection
        except AttributeError:
            proxy._connect()  # what the call itself would do first
            conn = proxy._tls.connection
        return peers.outside(conn, True)
    except Exception:
        return False  # no connection: the call itself raises


def _mgr_pre(typeid, m, args, kwds, oid, site, outside=False):
    """Before a Manager call: (block op or None, replacement args or None, extra state)."""
    if typeid in _QUEUE_TYPES:
        if m in ("put", "put_nowait"):
            mid = new_msg()
            if outside:
                return (None, None, mid)  # the item as it is: the server outside cannot unwrap it
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


def _mgr_post(typeid, m, args, kwds, oid, site, pre, ok, r, rmid=None, t_call=None, outside=False):
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
                put_extra: "dict[str, object]" = {"preview": preview(args[0]) if args else ""}
                if outside:
                    put_extra["outside"] = True
                ev("queue.put", oid, pre[2] if pre is not None else None, site, put_extra, t_call)
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
            "result": preview(r) if ok else "%s: %s" % (type(r).__name__, clip(str(r))),
            "ok": bool(ok),
        },
    )
