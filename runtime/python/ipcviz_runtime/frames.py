"""The runtime's own frames, kept out of the tracebacks a program prints.

Every hook re-raises what the hooked operation raised. On 3.11+ `strip` removes the hook's frame
from the head of the exception's traceback; Python 3.9 and 3.10 keep the re-raising frame there,
so `install` filters the runtime's files where tracebacks are printed (`sys.excepthook`, the
`traceback` module). OWN_FILES is every source file of this package, so a new module is covered.
"""

import os
import sys

OWN_FILES = set()


def _register_own_files():
    # The folder is resolved once (a realpath per file would be about a hundred lstat calls in
    # every process of the run); its files are the package's own, never links.
    here = os.path.dirname(os.path.abspath(__file__))
    real = os.path.realpath(here)
    for name in os.listdir(here):
        if name.endswith(".py"):
            OWN_FILES.add(os.path.join(here, name))
            OWN_FILES.add(os.path.join(real, name))


_register_own_files()


def strip(e):
    """Remove the runtime's frames from the head of an exception's traceback (3.11+ re-raise keeps it so)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in OWN_FILES:
        tb = tb.tb_next
    e.__traceback__ = tb


def install():
    """Python < 3.11 keeps a wrapper's frame in tracebacks: leave it out where they are printed."""
    if sys.version_info >= (3, 11):
        return
    import traceback
    import types

    own = OWN_FILES
    orig_walk = traceback.walk_tb

    def walk_tb(tb):
        for f, lineno in orig_walk(tb):
            if f.f_code.co_filename not in own:
                yield f, lineno

    traceback.walk_tb = walk_tb

    def filtered(tb):
        keep = []
        while tb is not None:
            if tb.tb_frame.f_code.co_filename not in own:
                keep.append(tb)
            tb = tb.tb_next
        new = None
        for t in reversed(keep):
            new = types.TracebackType(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
        return new

    orig_hook = sys.excepthook

    def excepthook(etype, value, tb):
        try:
            seen = set()
            v = value
            while v is not None and id(v) not in seen:
                seen.add(id(v))
                v.__traceback__ = filtered(v.__traceback__)
                v = v.__cause__ or v.__context__
            tb = value.__traceback__  # value None: AttributeError, tb stays as given
        except Exception:
            pass
        return orig_hook(etype, value, tb)

    sys.excepthook = excepthook


def reset_after_fork():
    """Nothing per process."""
