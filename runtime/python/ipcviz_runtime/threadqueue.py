"""queue.Queue between the threads of one process.

A queue.Queue the program makes is announced (objType ThreadQueue) and its put/get recorded, each
get paired with its put first-in-first-out (a thread queue holds the object itself, so nothing can
travel with it). A copy inherited by a forked child is that child's own, unshared queue: it is
announced as a new object with `copyOf` the first time the child uses it.
"""

import os

from . import core, naming
from .callsite import user_site
from .core import creating, ev, new_msg, now, poll_event, preview
from .frames import strip


def reset_after_fork():
    """Nothing per process (an inherited queue notices the new pid when it is used)."""


def install():
    import queue as qmod

    Q = qmod.Queue
    orig_init = Q.__init__
    orig_put = Q.put
    orig_get = Q.get
    orig_qsize = Q.qsize
    orig_empty = Q.empty

    def __init__(self, maxsize=0):
        orig_init(self, maxsize)
        if type(self) is Q and not creating():
            site = user_site(1)
            if site is not None:
                i = core.new_id("T")
                self.__dict__["_ipcviz_tq"] = [i, os.getpid(), [], i]
                ev("queue.create", i, None, site, {"objType": "ThreadQueue", "name": naming.name("ThreadQueue")})

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
        site = None if st is None else user_site(1)
        if st is None or site is None:
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
        site = None if st is None else user_site(1)
        if st is None or site is None:
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
        r = orig_qsize(self)
        st = local(self)
        if st is not None:
            site = user_site(1)
            if site is not None:
                poll_event("queue.poll", st[0], "qsize", repr(r), site)
        return r

    def empty(self):
        r = orig_empty(self)
        st = local(self)
        if st is not None:
            site = user_site(1)
            if site is not None:
                poll_event("queue.poll", st[0], "empty", repr(r), site)
        return r

    Q.__init__ = __init__
    Q.put = put
    Q.get = get
    Q.qsize = qsize
    Q.empty = empty
