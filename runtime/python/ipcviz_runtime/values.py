"""Shared values: multiprocessing Value and Array (typecode or ctypes, with their lock).

A Value or Array the program makes is announced with its lock (which becomes a traced lock,
sync.py); reads and writes of `.value`, `.raw` and items are recorded, a write with its old and new
value. `.value` read and write are hot paths: they inline core.ev and the call-site cache (one
frame per operation), take the lock as the original does without its extra frames, and inside the
program's `with v.get_lock():` leave the batch for the release (core.FLUSH_HARD).

RawValue, RawArray and lock=False make plain ctypes objects from shared memory: the one the
program gets is switched to a subclass of its ctypes type (same name, module and repr) whose
`.value`, `.raw`, items and Structure fields record reads and writes as a locked one's do. Its id
(`V<pid>.<n>`) is kept in the object's shared-memory wrapper (`_wrapper`), which pickles with it,
so a spawn child rebuilding it (sharedctypes.rebuild_ctype) gets the same id and a traced object.
Writes through a pointer, `ctypes.memmove`, `memoryview(obj)` or `from_buffer` on it are plain
memory stores that no hook sees.
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


def index_text(i):
    """An item's index as recorded: an int as itself, a slice as "start:stop", anything else as text."""
    if type(i) is int:
        return i
    if isinstance(i, slice):
        return "%s:%s" % ("" if i.start is None else i.start, "" if i.stop is None else i.stop)
    return str(i)


def item_access(orig_get, orig_set, id_of, on_read=None):
    """`__getitem__`/`__setitem__` recording `value.read`/`value.write` with the index.

    One shape for every shared sequence: an Array (with its lock or raw) and a ShareableList
    (sharedmem.py). A factory, so the hook is the one frame between the program and the original.
    `id_of(obj)` is the object id; `on_read(value, id, index)`, if given, runs after a recorded read.
    """

    def getitem(self, i):
        try:
            v = orig_get(self, i)
        except BaseException as e:
            strip(e)
            raise
        site = user_site(1)
        if site is not None:
            vid = id_of(self)
            ev("value.read", vid, None, site, {"index": index_text(i), "value": preview(v)})
            if on_read is not None:
                on_read(v, vid, i)
        return v

    def setitem(self, i, value):
        site = user_site(1)
        if site is None:
            return orig_set(self, i, value)
        try:
            old = preview(orig_get(self, i))
        except Exception:
            old = "?"
        t0 = now()
        try:
            orig_set(self, i, value)
        except BaseException as e:
            strip(e)
            raise
        ev("value.write", id_of(self), None, site, {"index": index_text(i), "old": old, "value": preview(value)}, t0)

    return getitem, setitem


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
            # lock=False: the raw ctypes object, traced by RawValue/RawArray below (made inside this call).
            if site is not None:
                raw_created(obj, kind, type_, site, length)
            return obj
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
            n = len(obj._obj) if lock is not False else len(obj)
        except Exception:
            n = None
        return created(obj, "Array", typecode_or_type, lock, site, n)

    sharedctypes.Value = Value
    sharedctypes.Array = Array
    raw_created = _install_raw(sharedctypes, shared_files, ctype_name)

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
        index = name if ref[1] is None else "%s.%s" % (ref[1], name)
        ev("value.write", ref[0], None, site, {"index": index, "old": old, "value": preview(getattr(self, name))}, t0)

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

    __getitem__ = item_access(orig_getitem, orig_setitem, vid_of, _struct_read)[0]
    # A write's old value is read from the ctypes array itself (no lock taken, nothing recorded).
    __setitem__ = item_access(lambda o, i: o._obj[i], orig_setitem, vid_of)[1]

    SA.__getitem__ = __getitem__
    SA.__setitem__ = __setitem__
    global _trace_element, _Structure
    _trace_element = trace_element
    _Structure = ctypes.Structure


_trace_element = None  # install(): makes an Array element's (or a raw Structure's) field writes recorded
_Structure = None  # ctypes.Structure, once installed (ctypes is imported by install, not at import time)


def _struct_read(v, vid, i):
    """An element of an Array of Structures taken with a[i]: its field writes are recorded."""
    if type(i) is int and _trace_element is not None:
        if isinstance(v, _Structure) and getattr(type(v), "_fields_", None):  # pyright: ignore[reportArgumentType] -- set with _trace_element
            try:
                _trace_element(v, vid, i)
            except Exception:
                pass


def _install_raw(sharedctypes, shared_files, ctype_name):
    """RawValue, RawArray and the lock=False forms: traced subclasses of their ctypes types."""
    import ctypes

    from multiprocessing.reduction import ForkingPickler

    orig_raw_value = sharedctypes.RawValue
    orig_raw_array = sharedctypes.RawArray
    orig_rebuild = sharedctypes.rebuild_ctype
    orig_reduce = sharedctypes.reduce_ctype
    simple_value = ctypes._SimpleCData.__dict__["value"]  # pyright: ignore[reportAttributeAccessIssue] -- ctypes internal base
    traced = {}  # a ctypes type -> its traced subclass

    def reduce_traced(obj):
        if "_wrapper" not in obj.__dict__:
            # Not in shared memory (an element taken from an Array of Structures): by value, as ctypes does.
            fn, args = obj.__reduce__()
            return fn, (type(obj).__bases__[0],) + tuple(args[1:])
        fn, args = orig_reduce(obj)  # asserts spawning, as the original does
        if not isinstance(obj, ctypes.Array):
            args = (type(obj).__bases__[0],) + tuple(args[1:])
        return fn, args

    def accessors(desc, index_label):
        """A `.value`/`.raw` property recording reads and writes (core.ev and the site cache inlined, as wrap_prop)."""
        get_cache = site_cache()
        set_cache = site_cache()
        vget = desc.__get__
        vset = desc.__set__

        def getter(self):
            f = _getframe(1)
            e = get_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, get_cache)
            v = vget(self)
            if site is None:
                return v
            pv = v if type(v) is int and _NSAFE <= v <= _SAFE else preview(v)
            extra = {"value": pv if type(pv) is str else repr(pv), "index": index_label} if index_label else pv
            t = _mono() - _T0
            _append((t, _tids_get(_get_ident()) or _tid(), "value.read", self._ipcviz_id, None, site, extra))
            if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
                _flush()
            return v

        def setter(self, value):
            f = _getframe(1)
            e = set_cache[0]
            site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, set_cache)
            if site is None:
                return vset(self, value)
            old = vget(self)
            t = _mono() - _T0
            try:
                vset(self, value)
            except BaseException as e:
                strip(e)
                raise
            new = vget(self)
            extra = (
                old if type(old) is int and _NSAFE <= old <= _SAFE else preview(old),
                new if type(new) is int and _NSAFE <= new <= _SAFE else preview(new),
            )
            if index_label:
                extra = {"old": str(extra[0]), "value": str(extra[1]), "index": index_label}
            _append((t, _tids_get(_get_ident()) or _tid(), "value.write", self._ipcviz_id, None, site, extra))
            if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
                _flush()

        return property(getter, setter, None, getattr(desc, "__doc__", None))

    def traced_class(cls):
        t = traced.get(cls)
        if t is not None:
            return t
        body = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        props = {}
        if issubclass(cls, ctypes.Array):
            getitem, setitem = item_access(cls.__getitem__, cls.__setitem__, lambda o: o._ipcviz_id, _struct_read)
            body["__getitem__"] = getitem
            body["__setitem__"] = setitem
            props = {name: accessors(cls.__dict__[name], name if name == "raw" else None) for name in ("value", "raw") if name in cls.__dict__}
        elif issubclass(cls, ctypes._SimpleCData):  # pyright: ignore[reportAttributeAccessIssue] -- ctypes internal base
            body["value"] = accessors(simple_value, None)
            # A subclass of a simple type would repr as <c_int object at …>: keep the type's own form.
            body["__repr__"] = lambda self: "%s(%r)" % (cls.__name__, simple_value.__get__(self))
        else:
            return None  # a Structure: its fields are traced as an Array element's (trace_element)
        t = type(cls)(cls.__name__, (cls,), body)  # pyright: ignore[reportCallIssue] -- ctypes' metaclass
        for name, prop in props.items():
            setattr(t, name, prop)  # after: ctypes' metaclass puts a char array's own getsets in its dict
        traced[cls] = t
        traced[t] = t
        ForkingPickler.register(t, reduce_traced)
        return t

    def trace_raw(obj, vid):
        """Switch the program's raw object to its traced class; its id goes with its wrapper."""
        try:
            obj.__dict__["_ipcviz_id"] = vid
            w = obj.__dict__.get("_wrapper")
            if w is not None:
                w.__dict__["_ipcviz_id"] = vid
            if isinstance(obj, ctypes.Structure):
                if getattr(type(obj), "_fields_", None) and _trace_element is not None:
                    _trace_element(obj, vid, None)
                    ForkingPickler.register(type(obj), reduce_traced)
                return
            t = traced_class(type(obj))
            if t is not None:
                obj.__class__ = t
        except Exception:
            pass

    def raw_created(obj, kind, type_, site, length=None):
        vid = core.new_id("V")
        trace_raw(obj, vid)
        extra = {"objType": kind, "ctype": ctype_name(type_), "name": naming.name(kind)}
        if length is not None:
            extra["length"] = length
        try:
            extra["preview"] = preview(obj.value if length is None and hasattr(obj, "value") else (obj if length is None else list(obj[:8])))
        except Exception:
            extra["preview"] = "?"
        ev("value.create", vid, None, site, extra)

    # Values made inside Value(lock=False)/Array(lock=False) are announced by those (kind Value/Array).
    def RawValue(typecode_or_type, *args):
        site = None if creating() else user_site(1, shared_files)
        obj = orig_raw_value(typecode_or_type, *args)
        if site is not None:
            raw_created(obj, "RawValue", typecode_or_type, site)
        return obj

    def RawArray(typecode_or_type, size_or_initializer):
        site = None if creating() else user_site(1, shared_files)
        obj = orig_raw_array(typecode_or_type, size_or_initializer)
        if site is not None:
            raw_created(obj, "RawArray", typecode_or_type, site, len(obj))
        return obj

    def rebuild_ctype(type_, wrapper, length):
        obj = orig_rebuild(type_, wrapper, length)
        vid = wrapper.__dict__.get("_ipcviz_id")
        if vid is not None:
            trace_raw(obj, vid)
        return obj

    # Pickled by name, as the original: the child's own (traced or not) rebuilds it.
    rebuild_ctype.__module__ = orig_rebuild.__module__
    rebuild_ctype.__qualname__ = orig_rebuild.__qualname__
    RawValue.__doc__ = orig_raw_value.__doc__
    RawArray.__doc__ = orig_raw_array.__doc__
    sharedctypes.RawValue = RawValue
    sharedctypes.RawArray = RawArray
    sharedctypes.rebuild_ctype = rebuild_ctype
    return raw_created
