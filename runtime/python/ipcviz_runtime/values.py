"""Shared values: multiprocessing Value and Array (typecode or ctypes, with their lock).

A Value or Array the program makes is announced with its lock (which becomes a traced lock,
sync.py); reads and writes of `.value`, `.raw` and items are recorded, a write with its old and new
value. `.value` read and write are hot paths: they inline core.ev and the call-site cache (one
frame per operation), take the lock as the original does without its extra frames, and inside the
program's `with v.get_lock():` leave the batch for the release (core.FLUSH_HARD). RawValue,
RawArray and lock=False make plain ctypes objects that no hook can see.
"""

import sys

from . import core, naming
from .callsite import files_of, site_cache, site_miss, user_site
from .core import CREATING, creating, derived_id, ev, lock_id, now, preview
from .frames import strip
from .sync import trace_semlock

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


def reset_after_fork():
    """Nothing per process."""


def install():
    import multiprocessing.context as context
    import multiprocessing.sharedctypes as sharedctypes

    # multiprocessing.Value() calls through context.py into sharedctypes.Value, which calls synchronized().
    shared_files = files_of(context.BaseContext.Queue, sharedctypes.synchronized)
    naming.register(sharedctypes.SynchronizedBase, lambda o: o.__dict__.get("_ipcviz_id") or derived_id(o, "V", o._lock))
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
                trace_semlock(base)
                ev("sync.create", lid, None, site, {"objType": type(base).__name__, "owner": vid})
            extra = {"objType": kind, "ctype": ctype_name(type_), "name": naming.name(kind)}
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
        site = None if creating() else user_site(1, shared_files)
        with CREATING:
            obj = orig_value(typecode_or_type, *args, lock=lock, ctx=ctx)
        return created(obj, "Value", typecode_or_type, lock, site)

    def Array(typecode_or_type, size_or_initializer, *, lock=True, ctx=None):
        site = None if creating() else user_site(1, shared_files)
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
                vid = self._ipcviz_id  # stored in the instance by core.derived_id on first use
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
                vid = self._ipcviz_id  # stored in the instance by core.derived_id on first use
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

    traced_structs = {}  # a Structure class -> its traced subclass (same name, module, layout)

    def struct_setattr(self, name, value):
        ref = self.__dict__.get("_ipcviz_elem")
        site = user_site(1) if ref is not None else None
        if ref is None or site is None or name not in self._ipcviz_fields:
            return Structure_setattr(self, name, value)
        try:
            old = preview(getattr(self, name))
        except Exception:
            old = "?"
        t0 = now()
        Structure_setattr(self, name, value)
        ev("value.write", ref[0], None, site, {"index": "%s.%s" % (ref[1], name), "old": old, "value": preview(getattr(self, name))}, t0)

    import ctypes

    Structure_setattr = ctypes.Structure.__setattr__

    def trace_element(el, vid, index):
        """An element of a shared Array of Structures: writes to its fields are recorded (a[i].x = …)."""
        cls = type(el)
        t = traced_structs.get(cls)
        if t is None:
            if cls in traced_structs.values():
                t = cls
            else:
                body = {
                    "__setattr__": struct_setattr,
                    "__module__": cls.__module__,
                    "__qualname__": cls.__qualname__,
                    "_ipcviz_fields": frozenset(f[0] for f in cls._fields_),
                }
                meta = type(cls)  # ctypes' Structure metaclass: the subclass keeps the layout
                t = meta(cls.__name__, (cls,), body)  # pyright: ignore[reportCallIssue] -- a metaclass call
                traced_structs[cls] = t
        el.__class__ = t
        el.__dict__["_ipcviz_elem"] = (vid, index)

    def __getitem__(self, i):
        v = orig_getitem(self, i)
        site = user_site(1)
        if site is not None:
            vid = vid_of(self)
            ev("value.read", vid, None, site, {"index": index_of(i), "value": preview(v)})
            if type(i) is int and isinstance(v, ctypes.Structure) and getattr(type(v), "_fields_", None):
                try:
                    trace_element(v, vid, i)
                except Exception:
                    pass
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
