"""The user's call site of a hooked operation: is the caller the program's code, and which site id.

An operation is recorded only when the program's own code called it (its file is not in the
standard library, site-packages, the runtime or generated `<…>` code). A site id names a code
location; it is defined on the channel (core.site_defs) the first time it is used. Hot hooks keep
a one-entry cache of their last caller (site_cache/site_miss), the others call user_site.
"""

import itertools
import os
import sys

from . import core

_getframe = sys._getframe
_RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def _library_prefixes():
    """Folders of the standard library, site-packages and the runtime: code there is not the program's.

    The standard library is where `os` is; site-packages are what `site` found (a virtualenv's
    included). `sysconfig`'s paths are added only when it is already imported: importing it (and
    its build data) would be a sixth of the runtime's start-up in every process, for folders that
    `os` and `site` give on CPython.
    """
    out = set()
    sc = sys.modules.get("sysconfig")
    if sc is not None:
        try:
            paths = sc.get_paths()
            for key in ("stdlib", "platstdlib", "purelib", "platlib"):
                p = paths.get(key)
                if p:
                    out.add(os.path.realpath(p))
                    out.add(os.path.abspath(p))
        except Exception:
            pass
    out.add(os.path.dirname(os.path.abspath(os.__file__)))
    out.add(os.path.dirname(os.path.realpath(os.__file__)))
    try:
        import site

        for p in site.getsitepackages() + [site.getusersitepackages()]:
            out.add(os.path.abspath(p))
            out.add(os.path.realpath(p))
    except Exception:
        pass
    out.add(_RUNTIME_DIR)
    out.add(os.path.dirname(_RUNTIME_DIR))
    return tuple(sorted(p.rstrip(os.sep) + os.sep for p in out if p))


_LIB_PREFIXES = _library_prefixes()
_user_files = {}  # co_filename -> bool (keyed by the string: a code object's hash is costly)

# State reset in a fork child (site ids restart there); the dicts are cleared in place.
_sites = {}  # (id(code), f_lasti) -> site id
_sites_by_line = {}  # (id(code), line) -> site id
_site_codes = []
_site_ids = itertools.count(1)


def reset_after_fork():
    """In a forked child: site ids restart, so every site map and hook cache is emptied."""
    global _site_ids
    _sites.clear()
    _sites_by_line.clear()
    for c in _site_caches:
        c[0] = NO_SITE
    _site_ids = itertools.count(1)


def files_of(*funcs):
    """The source files of these functions (a library's wrappers that a site lookup looks past)."""
    return frozenset(f.__code__.co_filename for f in funcs)


def classify(code):
    """True if a code object belongs to the user's program (not the stdlib, site-packages, the runtime, generated code)."""
    fn = code.co_filename
    if not fn or fn[0] == "<":
        r = False
    else:
        full = fn if os.path.isabs(fn) else os.path.abspath(fn)
        r = not full.startswith(_LIB_PREFIXES)
    _user_files[fn] = r
    return r


def is_user(code):
    r = _user_files.get(code.co_filename)
    if r is None:
        r = classify(code)
    return r


def site_of(frame):
    """Site id of a user frame, defining it on the channel the first time it is seen.

    Cached by (code, instruction offset): reading f_lineno walks the line table, f_lasti does not.
    """
    code = frame.f_code
    key = (id(code), frame.f_lasti)
    s = _sites.get(key)
    if s is None:
        line = frame.f_lineno
        lkey = (id(code), line)
        s = _sites_by_line.get(lkey)
        if s is None:
            _site_codes.append(code)  # keeps the code alive, so its id is never reused for another
            s = next(_site_ids)
            fn = code.co_filename
            try:
                fn = os.path.abspath(fn)
            except Exception:
                pass
            core.site_defs.append((s, fn, line or 0, getattr(code, "co_qualname", code.co_name)))
            _sites_by_line[lkey] = s
        _sites[key] = s
    return s


# One-entry call-site caches, one per hot hook: (code, f_lasti, site) of the hook's last caller
# (site None: not user code). A loop calls a hook from the same place, so the lookup is two
# attribute reads and two comparisons. Held in one tuple, so a thread never sees a torn entry.
# The hot hooks inline the lookup (a call would cost a frame):
#     f = _getframe(1); e = cache[0]
#     site = e[2] if (e[0] is f.f_code and e[1] == f.f_lasti) else site_miss(f, cache)
NO_SITE = (None, -1, None)
_site_caches = []


def site_cache():
    """A new one-entry call-site cache for a hook (emptied in a fork child: site ids restart there)."""
    c = [NO_SITE]
    _site_caches.append(c)
    return c


def site_miss(f, cache, skip_files=None):
    """Site of the caller frame f when its hook's cache does not hold it; fills the cache.

    A caller in skip_files (the library's own wrapper of the hooked method) is looked past and
    not cached."""
    code = f.f_code
    fn = code.co_filename
    if skip_files is not None and (fn in skip_files or fn[:1] == "<"):
        return user_site(0, skip_files, f)
    r = _user_files.get(fn)
    if r is None:
        r = classify(code)
    if r:
        s = _sites.get((id(code), f.f_lasti))
        if s is None:
            s = site_of(f)
    else:
        s = None
    cache[0] = (code, f.f_lasti, s)
    return s


def user_site(depth, skip_files=None, f=None):
    """Site of the user frame `depth` frames above the caller (or of frame f), skipping frames in
    skip_files.

    Returns None when the frame reached is not user code (the call came from a library).
    """
    if f is None:
        try:
            f = _getframe(depth + 1)
        except ValueError:
            return None
    if skip_files is not None:
        while f is not None and (f.f_code.co_filename in skip_files or f.f_code.co_filename[:1] == "<"):
            f = f.f_back
        if f is None:
            return None
    code = f.f_code
    r = _user_files.get(code.co_filename)
    if r is None:
        r = classify(code)
    if not r:
        return None
    s = _sites.get((id(code), f.f_lasti))
    return s if s is not None else site_of(f)
