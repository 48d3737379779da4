"""multiprocessing.shared_memory: SharedMemory blocks and ShareableLists, one object per block.

A block is named by the system (`shm.name`, the same in every process), so its object id is
`Vshm:<name>` everywhere. In the program: a block's creation (`value.create`, objType
`SharedMemory`, or `ShareableList` for a list and the block under it), attaching to it by name,
`close()` and `unlink()` (`proxy.op` on that object, method `attach`/`close`/`unlink`), and a
ShareableList's item reads and writes (`value.read`/`value.write` with the index). Writes through
`shm.buf` (a memoryview) are plain memory stores that no hook sees. SharedMemoryManager is a
Manager: its start is recorded as one; the blocks it makes are recorded as the program's.
"""

import os

from . import naming
from .callsite import files_of, user_site
from .core import CREATING, creating, ev, now, preview
from .frames import strip


def reset_after_fork():
    """Nothing per process."""


def shm_id(name):
    return "Vshm:%s" % (name or "?")


def install():
    import multiprocessing.shared_memory as shared_memory

    # Looked past to the user's call: the module itself (ShareableList makes its block) and
    # SharedMemoryManager's methods (managers.py, maybe still being imported: named by its path).
    own = files_of(shared_memory.SharedMemory.__init__)
    skip = own | frozenset(os.path.join(os.path.dirname(f), "managers.py") for f in own)
    SM = shared_memory.SharedMemory
    SL = shared_memory.ShareableList
    orig_sm_init = SM.__init__
    orig_close = SM.close
    orig_unlink = SM.unlink
    orig_sl_init = SL.__init__
    orig_get = SL.__getitem__
    orig_set = SL.__setitem__

    naming.register(SM, lambda x: shm_id(x.name))
    naming.register(SL, lambda x: shm_id(x.shm.name))

    def op(obj, method, args, result, site, kind=None):
        extra = {"method": method, "args": args, "result": result, "ok": True}
        if kind is not None:  # attach: this process's name for the block
            n = naming.name(kind, fallback=False)
            if n is not None:
                extra["names"] = {obj: n}
        ev("proxy.op", obj, None, site, extra)

    def sm_init(self, name=None, create=False, size=0, *a, **k):
        site = None if creating() else user_site(1, skip)
        try:
            orig_sm_init(self, name, create, size, *a, **k)
        except BaseException as e:
            strip(e)
            raise
        if site is not None:
            oid = shm_id(self.name)
            if create:
                ev("value.create", oid, None, site, {"objType": "SharedMemory", "ctype": "bytes", "length": self.size, "preview": "<%d bytes>" % self.size, "name": naming.name("SharedMemory")})
            else:
                op(oid, "attach", preview((self.name,)), "<%d bytes>" % self.size, site, "SharedMemory")

    def close(self):
        site = user_site(1)
        r = orig_close(self)
        if site is not None:
            op(shm_id(self.name), "close", "()", "None", site)
        return r

    def unlink(self):
        site = user_site(1)
        try:
            r = orig_unlink(self)
        except BaseException as e:
            strip(e)
            raise
        if site is not None:
            op(shm_id(self.name), "unlink", "()", "None", site)
        return r

    def sl_init(self, sequence=None, *, name=None):
        site = None if creating() else user_site(1, skip)
        with CREATING:
            try:
                orig_sl_init(self, sequence, name=name)
            except BaseException as e:
                strip(e)
                raise
        if site is not None:
            oid = shm_id(self.shm.name)
            if sequence is not None:
                try:
                    pv = preview(list(self))
                except Exception:
                    pv = "?"
                ev("value.create", oid, None, site, {"objType": "ShareableList", "ctype": "list", "length": len(self), "preview": pv, "name": naming.name("ShareableList")})
            else:
                op(oid, "attach", preview((self.shm.name,)), "<%d items>" % len(self), site, "ShareableList")

    def sl_get(self, position):
        v = orig_get(self, position)
        site = user_site(1)
        if site is not None:
            ev("value.read", shm_id(self.shm.name), None, site, {"index": position if type(position) is int else str(position), "value": preview(v)})
        return v

    def sl_set(self, position, value):
        site = user_site(1)
        if site is None:
            return orig_set(self, position, value)
        try:
            old = preview(orig_get(self, position))
        except Exception:
            old = "?"
        t0 = now()
        try:
            orig_set(self, position, value)
        except BaseException as e:
            strip(e)
            raise
        ev("value.write", shm_id(self.shm.name), None, site, {"index": position if type(position) is int else str(position), "old": old, "value": preview(value)}, t0)

    SM.__init__ = sm_init
    SM.close = close
    SM.unlink = unlink
    SL.__init__ = sl_init
    SL.__getitem__ = sl_get
    SL.__setitem__ = sl_set
