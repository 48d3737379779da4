"""Connections: the ends of a multiprocessing Pipe.

A Pipe made by the program has both ends switched to a traced subclass of Connection (same name,
same module, same repr); ends made inside the library keep their class and cost nothing. A traced
end pickles through `reduce_conn`, so the end a child receives is traced too. `send` wraps the
object with a message id, `recv` unwraps it (the library's receives too). `send` and `recv` with a
message waiting are hot paths: they inline core.ev and the call-site cache (one frame per
operation) and read the header without waiting (nowait.py) to learn whether the receive blocks.
"""

import os
import pickle
import stat
import sys

from . import core, naming, peers
from .callsite import files_of, site_cache, site_miss, user_site
from .core import MARK, ev, ev_flush, is_wrapped, new_msg, poll_event, preview
from .frames import strip
from .nowait import NOWAIT, begin_read_wait, header_nowait, read, read_exact, read_rest, unpack_i

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

_traced = {}  # Connection -> its traced subclass, once installed
_outside = {}  # Connection -> its traced subclass for a peer outside the run (sends the object as it is)


def conn_id(c):
    """Id of a connection end: its inode (the same in every process), r/w for the ends of a one-way pipe."""
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


def trace_conn(c, outside=False):
    """Switch a Connection to its traced class (idempotent); `outside`: its peer is not in the run."""
    cls = (_outside if outside else _traced).get(type(c))
    if cls is not None:
        c.__class__ = cls


def reduce_conn(conn):
    """A traced end's pickle: multiprocessing's own, rebuilt by rebuild_conn."""
    from multiprocessing import reduction

    df = reduction.DupFd(conn.fileno())
    return rebuild_conn, (df, conn.readable, conn.writable, conn_id(conn), conn.__dict__.get("_ipcviz_outside", False))


def rebuild_conn(df, readable, writable, cid=None, outside=False):
    import multiprocessing.connection as connection

    c = connection.rebuild_connection(df, readable, writable)  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: the Connection unpickler
    trace_conn(c, outside)
    if cid is not None:
        c.__dict__["_ipcviz_id"] = cid
    if outside:
        c.__dict__["_ipcviz_outside"] = True
    return c


def reset_after_fork():
    """Nothing per process."""


def install():
    import multiprocessing.connection as connection
    import multiprocessing.context as context
    from multiprocessing import reduction

    context_files = files_of(context.BaseContext.Queue)  # multiprocessing.Pipe() calls through context.py
    naming.register(connection.Connection, lambda c: None if c.closed else conn_id(c))
    _install_pipe(connection, context_files)
    _install_connection(connection, reduction)
    _install_listener(connection)


# ------------------------------------------------------------------ Listener, Client, wait
#
# A connection made by Listener.accept() or Client() is traced like a Pipe end. Its two ends are
# in different processes (possibly started separately), so each side works out the same pair id
# from what both can see: for TCP the two endpoints; for a Unix socket the listener's path, the
# client's pid (SO_PEERCRED on the accepting side) and the client's count of connections to that
# path. The accepting side records `pipe.create` (ends: its own, the client's; `listener`: the
# address); messages are paired by message id as on a Pipe. When the other end is a process outside
# the run (peers.py: one that does not run the runtime, or runs it for another run), the end is
# marked `outside` and sends the object itself, with no message id around it: the peer receives
# exactly what the program sent, and its end shows no events.

_client_counts = {}  # (path, pid) -> connections made by this process (Client) / accepted from that pid (Listener)


def _addr_text(a):
    if isinstance(a, tuple):
        return "%s:%s" % (a[0], a[1])
    if isinstance(a, bytes):
        a = a.decode("utf-8", "replace")
    return str(a) if a else ""


def _pair_id(conn, accepting):
    """(pair id, this end's id, the other end's id) of a Listener/Client connection."""
    import socket as _socket

    s = _socket.socket(fileno=os.dup(conn.fileno()))
    try:
        if s.family == _socket.AF_UNIX:
            import struct

            path = _addr_text(s.getsockname() if accepting else s.getpeername())
            if accepting:
                cred = s.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, struct.calcsize("3i"))
                peer = struct.unpack("3i", cred)[0]
            else:
                peer = os.getpid()
            key = (path, peer, accepting)
            n = _client_counts.get(key, 0) + 1
            _client_counts[key] = n
            pair = "L%s/%d.%d" % (os.path.basename(path) or path, peer, n)
        else:
            local, remote = _addr_text(s.getsockname()), _addr_text(s.getpeername())
            srv, cli = (local, remote) if accepting else (remote, local)
            pair = "L%s-%s" % (srv, cli)
    finally:
        s.close()
    server_end, client_end = pair + "s", pair + "c"
    return pair, (server_end if accepting else client_end), (client_end if accepting else server_end)


def _mark_outside(extra, c):
    """A connection whose other end is a process outside the run: `outside`, and `peerPid` when known."""
    extra["outside"] = True
    pid = c.__dict__.get("_ipcviz_peer")
    if pid is not None:
        extra["peerPid"] = pid


def wait_id(o):
    """Id of an object given to connection.wait(): a traced end's, a child's sentinel `proc:<pid>`, else `fd:<n>`."""
    try:
        if isinstance(o, _Conn[0]):
            return conn_id(o)
        fd = o if isinstance(o, int) else o.fileno()
        if isinstance(o, int):
            import multiprocessing.process as mpp

            for p in list(mpp._children):  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: this process's started children
                popen = getattr(p, "_popen", None)
                if popen is not None and getattr(popen, "sentinel", None) == o:
                    return "proc:%d" % p.pid
        return "fd:%d" % fd
    except Exception:
        return "fd:?"


def _install_listener(connection):
    L = connection.Listener
    orig_linit = L.__init__
    orig_accept = L.accept
    orig_client = connection.Client
    orig_wait = connection.wait
    ctx_files = files_of(orig_client)

    def linit(self, *a, **k):
        orig_linit(self, *a, **k)
        if user_site(1) is not None:  # `listener = Listener(address)`: named at its connections
            self.__dict__["_ipcviz_name"] = naming.name("Listener", fallback=False)

    def accept(self):
        site = user_site(1)
        if site is None:
            return orig_accept(self)
        try:
            c = orig_accept(self)
        except BaseException as e:
            if type(e).__name__ == "AuthenticationError":
                ev_flush("pipe.close", "listener:%s" % _addr_text(self.address), None, site, {"error": "%s: %s" % (type(e).__name__, e)})
            strip(e)
            raise
        try:
            pair, mine, other = _pair_id(c, True)
            outside = peers.outside(c)
            trace_conn(c, outside)
            c.__dict__["_ipcviz_id"] = mine
            addr = _addr_text(self.address)
            extra = {"ends": [mine, other], "duplex": True, "listener": addr}
            if outside:
                _mark_outside(extra, c)
            names = {}
            n = naming.name("Connection", fallback=False)  # conn = listener.accept()
            if n is not None:
                names[mine] = n
            n = self.__dict__.get("_ipcviz_name")
            if n is not None:
                names["listener:" + addr] = n
            if names:
                extra["names"] = names
            ev("pipe.create", pair, None, site, extra)
        except Exception:
            pass
        return c

    def Client(address, family=None, authkey=None):
        site = user_site(1, ctx_files)
        if site is None:
            return orig_client(address, family, authkey)
        try:
            c = orig_client(address, family, authkey)
        except BaseException as e:
            if type(e).__name__ == "AuthenticationError":
                ev_flush("pipe.close", "listener:%s" % _addr_text(address), None, site, {"error": "%s: %s" % (type(e).__name__, e)})
            strip(e)
            raise
        try:
            pair, mine, _other = _pair_id(c, False)
            outside = peers.outside(c, True)
            trace_conn(c, outside)
            c.__dict__["_ipcviz_id"] = mine
            extra: "dict[str, object]" = {"pipe": pair, "listener": _addr_text(address)}
            if outside:
                _mark_outside(extra, c)
            n = naming.name("Connection", fallback=False)  # conn = Client(address)
            if n is not None:
                extra["names"] = {mine: n}
            ev("pipe.connect", mine, None, site, extra)
        except Exception:
            pass
        return c

    def wait(object_list, timeout=None):
        site = user_site(1)
        if site is None:
            return orig_wait(object_list, timeout)
        objs = list(object_list)
        ends = [o for o in objs if isinstance(o, _Conn[0])]
        if len(ends) == 1 and len(objs) == 1 and timeout != 0:
            return wait_one(ends[0], objs, timeout, site)
        if not objs:
            return orig_wait(objs, timeout)
        return wait_any(objs, timeout, site)

    def wait_one(end, objs, timeout, site):
        """wait([conn]) on one traced end: a receive that has not taken its message yet."""
        cid = conn_id(end)
        blocked = not end.poll()
        if blocked:
            extra = {"op": "pipe.recv"}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", cid, None, site, extra)
        try:
            r = orig_wait(objs, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        if blocked:
            ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "ok" if r else "timeout"})
        return r

    def wait_any(objs, timeout, site):
        """wait() on several objects (or one that is not a traced end): `conn.wait`, blocking when none is ready."""
        ids = [wait_id(o) for o in objs]
        if timeout is not None and timeout <= 0:
            # A wait that never blocks is a look: recorded as a poll, once per change of its result.
            try:
                r = orig_wait(objs, timeout)
            except BaseException as e:
                strip(e)
                raise
            by_obj = {id(o): i for o, i in zip(objs, ids)}
            poll_event("pipe.poll", ids[0], "wait", repr([by_obj.get(id(o)) or wait_id(o) for o in r]), site)
            return r
        try:
            blocked = not orig_wait(objs, 0)  # would it block? (a look, as poll() is; nothing is read)
        except BaseException:
            blocked = False  # the program's own call below raises it
        if blocked:
            extra = {"op": "conn.wait", "objects": ids}
            if timeout is not None:
                extra["timeout"] = timeout
            ev_flush("block.begin", ids[0], None, site, extra)
        try:
            r = orig_wait(objs, timeout)
        except BaseException as e:
            if blocked:
                ev("block.end", ids[0], None, site, {"op": "conn.wait", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        if blocked:
            ev("block.end", ids[0], None, site, {"op": "conn.wait", "outcome": "ok" if r else "timeout"})
        try:
            by_obj = {id(o): i for o, i in zip(objs, ids)}
            ready = [by_obj.get(id(o)) or wait_id(o) for o in r]
        except Exception:
            ready = []
        ev("conn.wait", ids[0], None, site, {"objects": ids, "ready": ready})
        return r

    L.__init__ = linit
    L.accept = accept
    connection.Client = Client
    connection.wait = wait


_Conn: "list[tuple[type, ...]]" = [()]  # (the traced classes,): what isinstance() tells a traced end by


def _install_pipe(connection, context_files):
    orig_pipe = connection.Pipe

    def Pipe(duplex=True):
        a, b = orig_pipe(duplex)
        site = user_site(1, context_files)
        if site is not None:
            trace_conn(a)
            trace_conn(b)
            ia, ib = conn_id(a), conn_id(b)
            ev("pipe.create", "pipe:%s-%s" % (ia, ib), None, site, {"ends": [ia, ib], "duplex": bool(duplex), "endNames": naming.name("Pipe", 2)})
        return a, b

    connection.Pipe = Pipe


def _install_connection(connection, reduction):
    Conn = connection.Connection
    Base = connection._ConnectionBase  # pyright: ignore[reportAttributeAccessIssue] -- CPython internal: Connection's base
    b_send, b_recv = Base.send, Base.recv
    b_send_bytes, b_recv_bytes, b_recv_into = Base.send_bytes, Base.recv_bytes, Base.recv_bytes_into
    b_poll, b_close = Base.poll, Base.close

    def recv_common(self, site, call, args, is_bytes):
        cid = conn_id(self)
        blocked = begin_read_wait(self._handle, cid, site, "pipe.recv")
        try:
            r = call(self, *args)
        except EOFError as e:
            if blocked:
                ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "error", "error": "EOFError"})
            ev_flush("pipe.eof", cid, None, site, None)
            strip(e)
            raise
        except BaseException as e:
            if blocked:
                ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "error", "error": type(e).__name__})
            strip(e)
            raise
        if blocked:
            ev("block.end", cid, None, site, {"op": "pipe.recv", "outcome": "ok"})
        if is_bytes:
            ev("pipe.recv", cid, None, site, {"preview": preview(r if call is not b_recv_into else args[0]), "bytes": True})
        else:
            mid = None
            if is_wrapped(r):
                mid = r[1]
                r = r[2]
            ev("pipe.recv", cid, mid, site, {"preview": preview(r), "bytes": False})
        return r

    send_cache = site_cache()
    recv_cache = site_cache()
    _MSG_INT_LIMIT = core.MSG_INT_LIMIT
    _loads = pickle.loads  # what Connection.recv unpickles with (multiprocessing's ForkingPickler.loads is pickle.loads)

    def send(self, obj):
        f = _getframe(1)
        e = send_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, send_cache)
        if site is None:
            return b_send(self, obj)
        n = next(core._msgs)
        mid = core.mid_base + n if n < _MSG_INT_LIMIT else core._msg_prefix + str(n)
        try:
            cid = self._ipcviz_id  # stored in the instance by conn_id on first use
        except AttributeError:
            cid = conn_id(self)
        t = _mono() - _T0
        # Recorded before the write (core.retract): the receiver may end this process as soon as it has the message.
        # A message event's extra is its preview alone: the int itself or a string (wire protocol).
        rec = (t, _tids_get(_get_ident()) or _tid(), "pipe.send", cid, mid, site, obj if type(obj) is int and _NSAFE <= obj <= _SAFE else preview(obj))
        _append(rec)
        try:
            b_send(self, (MARK, mid, obj))
        except BaseException as e:
            core.retract(rec)
            strip(e)
            raise
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()

    def send_outside(self, obj):
        site = user_site(1)
        if site is None:
            return b_send(self, obj)
        rec = core.ev_first("pipe.send", conn_id(self), new_msg(), site, {"preview": preview(obj), "bytes": False, "outside": True})
        try:
            b_send(self, obj)
        except BaseException as e:
            core.retract(rec)
            strip(e)
            raise
        core.ev_done(rec)

    def send_bytes(self, buf, offset=0, size=None):
        site = user_site(1)
        if site is None:
            return b_send_bytes(self, buf, offset, size)
        mid = new_msg()
        try:
            m = memoryview(buf)
            end = len(m) if size is None else offset + size
            pv = preview(bytes(m[offset : min(end, offset + core.PREVIEW_LEN + 1)]))
            if end - offset > core.PREVIEW_LEN:
                pv += "…(%d bytes)" % (end - offset)
        except Exception:
            pv = "?"
        # Recorded before the write, taken back if it fails (core.retract).
        extra = {"preview": pv, "bytes": True}
        if self.__dict__.get("_ipcviz_outside"):
            extra["outside"] = True
        rec = core.ev_first("pipe.send", conn_id(self), mid, site, extra)
        try:
            b_send_bytes(self, buf, offset, size)
        except BaseException as e:
            core.retract(rec)
            strip(e)
            raise
        core.ev_done(rec)

    def recv(self):
        f = _getframe(1)
        e = recv_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, recv_cache)
        if site is None:
            r = b_recv(self)
            return r[2] if is_wrapped(r) else r
        # recv() with a message already there: Connection.recv as the library does it, with the
        # header read without waiting (nowait.header_nowait); anything else goes to recv_common.
        fd = self._handle
        if fd is None or not self._readable or not NOWAIT[0]:
            return recv_common(self, site, b_recv, (), False)
        b = bytearray(4)
        n = header_nowait(fd, b)
        if n <= 0:
            return recv_common(self, site, b_recv, (), False)
        try:
            cid = self._ipcviz_id  # stored in the instance by conn_id on first use
        except AttributeError:
            cid = conn_id(self)
        try:
            if n == 4:
                size = unpack_i(b)[0]
                r = _loads(read_exact(fd, size, read(fd, size)) if size > 0 else read_rest(fd, b, 4))
            else:
                r = _loads(read_rest(fd, b, n))
        except EOFError as e:
            ev_flush("pipe.eof", cid, None, site, None)
            strip(e)
            raise
        except BaseException as e:
            strip(e)
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
            strip(e)
            raise
        poll_event("pipe.poll", conn_id(self), "poll", repr(r), site)
        return r

    def close(self):
        site = user_site(1)
        if site is not None and not self.closed:
            ev_flush("pipe.close", conn_id(self), None, site, None)
        return b_close(self)

    body = {
        "send": send,
        "send_bytes": send_bytes,
        "recv": recv,
        "recv_bytes": recv_bytes,
        "recv_bytes_into": recv_bytes_into,
        "poll": poll,
        "close": close,
        "__module__": Conn.__module__,  # repr() stays as before; pickling goes through reduce_conn
        "__qualname__": Conn.__qualname__,
    }
    TConn = type(Conn.__name__, (Conn,), body)
    _traced[Conn] = TConn
    reduction.register(TConn, reduce_conn)
    # A connection to a process outside the run: the same, but what it sends is the object itself.
    OConn = type(Conn.__name__, (TConn,), {"send": send_outside, "__module__": Conn.__module__, "__qualname__": Conn.__qualname__})
    _outside[Conn] = OConn
    reduction.register(OConn, reduce_conn)
    _Conn[0] = (TConn,)
