"""Shared values: multiprocessing Value and Array (typecode or ctypes, with their lock).

A Value or Array the program makes is announced with its lock (which becomes a traced lock,
sync.py); reads and writes of `.value`, `.raw` and items are recorded, a write with its old and new
value. `.value` read and write are hot paths: they inline core.ev and the call-site cache (one
frame per operation), take the lock as the original does without its extra frames, and inside the
program's `with v.get_lock():` leave the batch for the release (core.FLUSH_HARD).

RawValue, RawArray and lock=False make plain ctypes objects from shared memory. The program keeps
the object ctypes made, of the type ctypes made (`type(v) is ctypes.c_int`): the object is
registered by `id`, and its type gets, once, a `value`/`raw` descriptor, `__getitem__`/
`__setitem__` or a Structure's `__setattr__` that records for registered objects only (see "the
program's own ctypes objects" below). Its id (`V<pid>.<n>`) is kept in the object's shared-memory
wrapper (`_wrapper`), which pickles with it, so a spawn child rebuilding it
(sharedctypes.rebuild_ctype) registers it under the same id.
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
    `id_of(obj)` is the object id, or None for an object that is not recorded (then the hooks only
    call the originals); `on_read(value, id, index)`, if given, runs after a recorded read.
    """

    def getitem(self, i):
        vid = id_of(self)
        try:
            v = orig_get(self, i)
        except BaseException as e:
            strip(e)
            raise
        if vid is None:
            return v
        site = user_site(1)
        if site is not None:
            ev("value.read", vid, None, site, {"index": index_text(i), "value": preview(v)})
            if on_read is not None:
                on_read(v, vid, i)
        return v

    def setitem(self, i, value):
        vid = id_of(self)
        site = user_site(1) if vid is not None else None
        if site is None:
            try:
                return orig_set(self, i, value)
            except BaseException as e:
                strip(e)
                raise
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
        ev("value.write", vid, None, site, {"index": index_text(i), "old": old, "value": preview(value)}, t0)

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

    __getitem__ = item_access(orig_getitem, orig_setitem, vid_of, _struct_read)[0]
    # A write's old value is read from the ctypes array itself (no lock taken, nothing recorded).
    __setitem__ = item_access(lambda o, i: o._obj[i], orig_setitem, vid_of)[1]

    SA.__getitem__ = __getitem__
    SA.__setitem__ = __setitem__


# ------------------------------------------------------------------ the program's own ctypes objects
#
# A raw shared object (RawValue, RawArray, lock=False) and an element of an Array of Structures
# keep the type ctypes gave them: `type(v) is ctypes.c_int` holds as in a plain run. What records
# is installed on that type itself, once, the first time an object of it is shared: a `value`
# (and `raw`) data descriptor, `__getitem__`/`__setitem__`, or a Structure's `__setattr__`. It
# records only for the objects registered here (by `id`, removed by a weak reference's callback
# when the object dies, before its id can be reused); any other object of the type is served by
# the descriptor or method it inherits, one Python frame later.

_shared = {}  # id(obj) -> (value id, index or None, weak reference) of the shared ctypes objects
_shared_get = _shared.get
_id = id
_originals = {}  # a function or descriptor this module installed -> what it wraps
_traced_types = set()  # the ctypes types that have this module's accessors


def _forget(k):
    return lambda _ref: _shared.pop(k, None)


def _register(obj, vid, index=None):
    """Record the reads and writes of this ctypes object as those of the shared object `vid`."""
    import weakref

    k = _id(obj)
    _shared[k] = (vid, index, weakref.ref(obj, _forget(k)))
    t = type(obj)
    if t not in _traced_types:
        _trace_type(t)


def registered_id(obj):
    """The shared-object id of a registered ctypes object (naming.register), or None."""
    r = _shared_get(_id(obj))
    return r[0] if r is not None else None


def _inherited(cls, name):
    """What `cls` resolves `name` to, and the original under it if this module installed it."""
    for k in cls.__mro__:
        if name in k.__dict__:
            d = k.__dict__[name]
            return _originals.get(d, d)
    return None


def _trace_type(cls):
    import ctypes

    _traced_types.add(cls)
    try:
        if issubclass(cls, ctypes.Array):
            orig_get = _inherited(cls, "__getitem__")
            orig_set = _inherited(cls, "__setitem__")
            getitem, setitem = item_access(orig_get, orig_set, registered_id, _struct_read)
            _install(cls, "__getitem__", getitem, orig_get)
            _install(cls, "__setitem__", setitem, orig_set)
            for name in ("value", "raw"):  # a char array's own getsets
                if name in cls.__dict__:
                    desc = cls.__dict__[name]
                    _install(cls, name, _accessors(desc, name if name == "raw" else None), desc)
        elif issubclass(cls, ctypes._SimpleCData):  # pyright: ignore[reportAttributeAccessIssue] -- ctypes internal base
            desc = _inherited(cls, "value")
            _install(cls, "value", _accessors(desc, None), desc)
        elif issubclass(cls, ctypes.Structure) and _fields(cls):
            orig = _inherited(cls, "__setattr__")
            _install(cls, "__setattr__", _struct_setattr(orig, _fields(cls)), orig)
    except Exception:
        pass


def _install(cls, name, new, orig):
    _originals[new] = orig
    setattr(cls, name, new)


def _fields(cls):
    names = set()
    for k in cls.__mro__:
        for f in k.__dict__.get("_fields_", ()):
            names.add(f[0])
    return frozenset(names)


def _struct_setattr(orig, fields):
    """A Structure type's `__setattr__`: a registered object's field writes are `value.write`."""

    def __setattr__(self, name, value):
        r = _shared_get(_id(self))
        site = user_site(1) if r is not None and name in fields else None
        if r is None or site is None:
            try:
                return orig(self, name, value)
            except BaseException as e:
                strip(e)
                raise
        try:
            old = preview(getattr(self, name))
        except Exception:
            old = "?"
        t0 = now()
        try:
            orig(self, name, value)
        except BaseException as e:
            strip(e)
            raise
        index = name if r[1] is None else "%s.%s" % (r[1], name)
        ev("value.write", r[0], None, site, {"index": index, "old": old, "value": preview(getattr(self, name))}, t0)

    return __setattr__


def _struct_read(v, vid, i):
    """An element of an Array of Structures taken with a[i]: its field writes are recorded."""
    if type(i) is int and type(v) not in _PLAIN_ITEMS:
        try:
            import ctypes

            if isinstance(v, ctypes.Structure) and _fields(type(v)):
                _register(v, vid, i)
        except Exception:
            pass


_PLAIN_ITEMS = frozenset((int, float, bytes, str, bool, type(None)))


def _accessors(desc, index_label):
    """A `.value`/`.raw` data descriptor recording a registered object's reads and writes (core.ev
    and the site cache inlined, as wrap_prop); any other object goes to `desc` at once."""
    get_cache = site_cache()
    set_cache = site_cache()
    vget = desc.__get__
    vset = desc.__set__

    def getter(self):
        r = _shared_get(_id(self))
        if r is None:
            return vget(self)
        f = _getframe(1)
        e = get_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, get_cache)
        v = vget(self)
        if site is None:
            return v
        pv = v if type(v) is int and _NSAFE <= v <= _SAFE else preview(v)
        extra = {"value": pv if type(pv) is str else repr(pv), "index": index_label} if index_label else pv
        t = _mono() - _T0
        _append((t, _tids_get(_get_ident()) or _tid(), "value.read", r[0], None, site, extra))
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()
        return v

    def setter(self, value):
        r = _shared_get(_id(self))
        if r is None:
            try:
                return vset(self, value)
            except BaseException as e:
                strip(e)
                raise
        f = _getframe(1)
        e = set_cache[0]
        site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, set_cache)
        if site is None:
            try:
                return vset(self, value)
            except BaseException as e:
                strip(e)
                raise
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
        _append((t, _tids_get(_get_ident()) or _tid(), "value.write", r[0], None, site, extra))
        if t > core.flush_due or len(_buf) >= _FLUSH_EVERY:
            _flush()

    return property(getter, setter, None, getattr(desc, "__doc__", None))


def _install_raw(sharedctypes, shared_files, ctype_name):
    """RawValue, RawArray and the lock=False forms: the object ctypes made, registered (above)."""
    import ctypes

    orig_raw_value = sharedctypes.RawValue
    orig_raw_array = sharedctypes.RawArray
    orig_rebuild = sharedctypes.rebuild_ctype
    for base in (ctypes._SimpleCData, ctypes.Array, ctypes.Structure):  # pyright: ignore[reportAttributeAccessIssue] -- ctypes internal base
        naming.register(base, registered_id)

    def trace_raw(obj, vid):
        """Register the program's raw object; its id goes with its shared-memory wrapper."""
        try:
            w = obj.__dict__.get("_wrapper")
            if w is not None:
                w.__dict__["_ipcviz_id"] = vid
            _register(obj, vid)
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
