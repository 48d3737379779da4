"""The program's own names for the IPC objects it makes, read from the source at the creation site.

`name(kind)` is called by a family when the user's code has made an object (never on the hot path):
it finds the statement the creation call belongs to (linecache + ast of the caller's file, parsed
once per file; the binding rule cached per code location) and says what the object is bound to:
`q = Queue()` -> `q`; `a, b = Pipe()` -> `a`, `b`; `self.jobs = Queue()` -> `self.jobs`;
`forks = [m.Lock() for _ in range(3)]` -> `forks[0]`, `forks[1]`… (creation order);
`Process(kwargs={"q": Queue()})` -> `q`; `d = {"jobs": Queue()}` -> `d['jobs']`. Where no name can be
found: `Queue #2 (line 14)`. Never raises.

`process_names(proc)` (at a child's start) and `call_names(func, args, kwds)` (a Pool task) say which
of a function's parameters (or a Process subclass's attributes) hold which IPC object: `{id: "left"}`.
Families register how to find an object's id (`register`), so this leaf imports no family.

About 600 lines in one module: the two halves (names at creation, names per process) share the
id registry and the source cache, and each is one small reader of the program's source.
"""

import os
import sys

from .callsite import is_user
from .core import qualname

TYPE_CHECKING = False  # True for type checkers (typing's own import is not free in every process)
if TYPE_CHECKING:
    import ast
    import linecache
else:
    # Imported by _tree when a name is first read: ast and linecache (with tokenize) are about 2 ms
    # of the start of every process, and most processes (Pool workers) never make an object. Every
    # other use of them here is on what _tree returned.
    ast = linecache = None

_getframe = sys._getframe
# IPCVIZ_NAMES=0: no source is read; objects get their fallback names and processes and tasks no
# names (npm run bench compares, to show that naming costs nothing in the loops).
_reading = os.environ.get("IPCVIZ_NAMES") != "0"

_trees = {}  # filename -> (parents map, calls by line) or None (source unavailable or unparsable)
_rules = {}  # (id(code), lasti) -> rule; rule: None | ("fix", [names]) | ("seq", base) | ("app", base, receiver) | ("key", base, keyvar)
_keep = []  # code objects whose ids key _rules (kept alive so an id is never reused)
_counts = {}  # (id(code), lasti) -> [token, n]: creation order within one evaluation of a comprehension (see _index_of)
_kinds = {}  # kind -> objects of that kind made in this process (for fallback names)
_ids = []  # (class, id function) registered by the families
_id_of_type = {}  # type -> id function or None (a cache of _ids)


def reset_after_fork():
    """Nothing per process: rules hold for every process; fallback numbers continue the parent's."""


def register(cls, fn):
    """Families say how to find the id of their objects (for the per-process names)."""
    _ids.append((cls, fn))
    _id_of_type.clear()


# ------------------------------------------------------------------ names at creation


def name(kind, n=1, frame=None, fallback=True):
    """The names of the object(s) the user's code is creating here: a string, or a list of n strings
    for a call that makes n objects (Pipe). `frame`: where to start looking for the user's frame
    (default: the caller). Without `fallback`, None where the statement binds it to nothing (a name
    a process gives an object made elsewhere). Never raises."""
    f = None
    try:
        f = frame if frame is not None else _getframe(1)
        while f is not None and not is_user(f.f_code):
            f = f.f_back
        names = _names_at(f, n) if f is not None and _reading else None
    except Exception:
        names = None
    if not names and not fallback:
        return None
    c = _kinds[kind] = _kinds.get(kind, 0) + 1
    if not names:
        try:
            line = f.f_lineno if f is not None else 0
        except Exception:
            line = 0
        base = "%s #%d (line %d)" % (kind, c, line) if line else "%s #%d" % (kind, c)
        names = [base] if n == 1 else ["%s #%d[%d] (line %d)" % (kind, c, i, line) for i in range(n)]
    return names[0] if n == 1 else names


_COMPS = ("<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>")


def _names_at(f, n):
    code = f.f_code
    lasti = f.f_lasti
    key = (id(code), lasti)
    if key in _rules:
        rule = _rules[key]
    else:
        _keep.append(code)
        rule = _rules[key] = _rule(f)
    if rule is None:
        return None
    if rule[0] == "fix":
        names = rule[1]
    else:
        if _counts:
            _sweep()
        i = _index_of(f, key, rule)
        if rule[0] == "key":
            try:
                k = repr(f.f_locals[rule[2]])
            except Exception:
                k = str(i)
            names = ["%s[%s]" % (rule[1], k)]
        else:
            names = ["%s[%d]" % (rule[1], i)]
    if len(names) == n:
        return list(names)
    if len(names) == 1:
        return ["%s[%d]" % (names[0], i) for i in range(n)]
    return None


def _index_of(f, key, rule):
    """The creation's place in its sequence: `xs.append(…)` → len(xs); a comprehension → how many
    objects this evaluation of it made before. An evaluation is told apart by a token that lives as
    long as it does: the comprehension's own iterator (`.0`, where it has a frame of its own: 3.9–3.11,
    and generator expressions), or on 3.12+ (PEP 709: list/set/dict comprehensions run in their
    function's frame) its loop's end, seen through sys.monitoring (a BRANCH event at the loop's
    FOR_ITER, in that code object only, which restarts the count); else the frame."""
    if rule[0] == "app":
        xs = _resolve(f, rule[2])
        if type(xs) is list:
            return len(xs)
        token = xs if xs is not None else f
    else:
        token = None
        code = f.f_code
        if code.co_name in _COMPS:
            try:
                token = f.f_locals.get(".0")
            except Exception:
                token = None
        elif key not in _watched and not _watch_loop(code, f.f_lasti, key):
            _watched[key] = False
        if token is None and _watched.get(key) is not True:
            token = f
    e = _counts.get(key)
    if e is None or e[0] is not token:
        e = _counts[key] = [token, 0]
    i = e[1]
    e[1] = i + 1
    return i


def _sweep():
    """Forget the count of a sequence whose token (iterator, list, frame) only this module still holds:
    nothing is kept alive for naming's sake past the next creation."""
    try:
        getrc = sys.getrefcount
        for k, e in list(_counts.items()):
            tok = e[0]
            if tok is not None and getrc(tok) <= 3:  # e's slot, `tok`, getrefcount's argument
                del _counts[k]
    except Exception:
        pass


def _resolve(f, expr):
    """The value of `name` or `name.attr…` in frame f, read from locals, globals and instance __dict__s
    only (no property or __getattr__ of the program runs), or None."""
    try:
        parts = expr.split(".")
        loc = f.f_locals
        if parts[0] in loc:
            x = loc[parts[0]]
        elif parts[0] in f.f_globals:
            x = f.f_globals[parts[0]]
        else:
            return None
        for a in parts[1:]:
            x = vars(x)[a]
        return x
    except Exception:
        return None


_watched = {}  # key -> True: its comprehension's loop end restarts its count (sys.monitoring)
_loop_ends = {}  # code -> {FOR_ITER offset: (target offset, [keys])}
_tool = []  # [tool id] once sys.monitoring is set up; [None] when it cannot be
_DISABLE = [None]  # sys.monitoring.DISABLE, once set up


def _watch_loop(code, lasti, key):
    """3.12+: restart key's count each time the comprehension loop around lasti ends. True if set."""
    mon = getattr(sys, "monitoring", None)
    if mon is None:
        return False
    try:
        if not _tool:
            _tool.append(None)
            _DISABLE[0] = mon.DISABLE
            for t in (4, 3):
                if mon.get_tool(t) is None:
                    mon.use_tool_id(t, "ipcviz-naming")
                    mon.register_callback(t, mon.events.BRANCH, _on_branch)
                    _tool[0] = t
                    break
        tool = _tool[0]
        if tool is None:
            return False
        import dis

        best = None
        for ins in dis.get_instructions(code):
            if ins.opname == "FOR_ITER" and ins.offset < lasti < ins.argval:
                if best is None or ins.offset > best[0]:
                    best = (ins.offset, ins.argval)
        if best is None:
            return False
        loops = _loop_ends.setdefault(code, {})
        loops.setdefault(best[0], (best[1], []))[1].append(key)
        ev = mon.get_local_events(tool, code)
        if ev & mon.events.BRANCH:
            # Already watched for another loop, whose FOR_ITER may have been disabled (DISABLE):
            # set again, which instruments every branch of the code afresh.
            mon.set_local_events(tool, code, ev & ~mon.events.BRANCH)
        mon.set_local_events(tool, code, ev | mon.events.BRANCH)
        _watched[key] = True
        return True
    except Exception:
        return False


def _on_branch(code, offset, dest):
    loops = _loop_ends.get(code)
    w = loops.get(offset) if loops is not None else None
    if w is None:
        return _DISABLE[0]  # another branch of that code: never again
    if dest >= w[0]:  # the loop is done: the next evaluation counts from 0
        for key in w[1]:
            _counts.pop(key, None)
    return None


def _tree(filename, f):
    global ast, linecache
    if filename in _trees:
        return _trees[filename]
    r = None
    try:
        if ast is None:
            import ast
            import linecache
        lines = linecache.getlines(filename, f.f_globals)
        if lines:
            tree = ast.parse("".join(lines), filename)
            parents = {}
            calls = {}
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    parents[child] = node
                if isinstance(node, ast.Call):
                    calls.setdefault(node.lineno, []).append(node)
            r = (parents, calls)
    except Exception:
        r = None
    _trees[filename] = r
    return r


def _position(code, lasti):
    """(line, end line, column, end column) of the instruction at lasti (3.11+), else None."""
    try:
        pos = list(code.co_positions())[lasti // 2]
        return pos if None not in pos else None
    except Exception:
        return None


def _rule(f):
    code = f.f_code
    t = _tree(code.co_filename, f)
    if t is None:
        return None
    parents, calls = t
    line = f.f_lineno
    call = None
    pos = _position(code, f.f_lasti)
    if pos is not None:
        for c in calls.get(pos[0], ()):
            if (c.lineno, c.end_lineno, c.col_offset, c.end_col_offset) == pos:
                call = c
                break
    if call is None:
        cands = calls.get(line)
        if not cands:
            return None
        call = cands[0]
        if len(cands) > 1:
            # No column positions (3.9, 3.10): the k-th call instruction of this line in the code
            # is the k-th call of the line in evaluation order.
            k = _call_index(code, f.f_lasti, line)
            order = _eval_order(cands, parents)
            if k is not None and k < len(order):
                call = order[k]
    return _bind_up(call, parents)


_calls_by_code = {}  # id(code) -> [(offset, line)] of its call instructions (kept alive by _keep)


def _call_index(code, lasti, line):
    try:
        table = _calls_by_code.get(id(code))
        if table is None:
            import dis

            table = []
            cur = None
            for ins in dis.get_instructions(code):
                if ins.starts_line is not None:
                    cur = ins.starts_line
                if ins.opname.startswith("CALL"):
                    table.append((ins.offset, cur))
            _calls_by_code[id(code)] = table
        k = 0
        for off, ln in table:
            if off == lasti:
                return k
            if ln == line:
                k += 1
    except Exception:
        pass
    return None


def _eval_order(cands, parents):
    """The calls of one line in the order they run: arguments before the call that takes them."""
    top = cands[0]
    while True:
        p = parents.get(top)
        if p is None or isinstance(p, (ast.stmt, ast.Module)):
            break
        top = p
    wanted = set(map(id, cands))
    out = []

    def visit(n):
        for c in ast.iter_child_nodes(n):
            visit(c)
        if id(n) in wanted:
            out.append(n)

    visit(top)
    return out


def _src(node):
    try:
        return ast.unparse(node)
    except Exception:
        return None


def _target(node):
    """Names bound by an assignment target: [name] or, for a tuple target, one per element."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        out = []
        for e in node.elts:
            t = _target(e)
            if t is None or len(t) != 1:
                return None
            out.extend(t)
        return out
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        s = _src(node)
        return [s] if s else None
    return None


def _is_chain(node):
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _bind_up(node, parents):
    """The rule naming what `node`'s value is bound to, looking up through the expression."""
    p = parents.get(node)
    if p is None:
        return None
    if isinstance(p, ast.Assign) and node is p.value:
        t = _target(p.targets[0])
        return ("fix", t) if t else None
    if isinstance(p, (ast.AnnAssign, ast.NamedExpr)) and node is p.value:
        t = _target(p.target)
        return ("fix", t) if t else None
    if isinstance(p, ast.withitem) and node is p.context_expr and p.optional_vars is not None:
        t = _target(p.optional_vars)
        return ("fix", t) if t else None
    if isinstance(p, ast.keyword):
        return ("fix", [p.arg]) if p.arg else None
    if isinstance(p, (ast.IfExp, ast.BoolOp, ast.Await)):
        return _bind_up(p, parents)
    if isinstance(p, (ast.Tuple, ast.List)) and node in p.elts:
        i = p.elts.index(node)
        pp = parents.get(p)
        if isinstance(pp, ast.Assign) and p is pp.value:
            t = _target(pp.targets[0])
            if t and len(t) == len(p.elts):
                return ("fix", [t[i]])
        up = _bind_up(p, parents)
        if up is not None and up[0] == "fix" and len(up[1]) == 1:
            return ("fix", ["%s[%d]" % (up[1][0], i)])
        return None
    if isinstance(p, ast.Dict) and node in p.values:
        k = p.keys[p.values.index(node)]
        ks = _src(k) if k is not None else None
        if ks is None:
            return None
        key = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
        if key is not None and isinstance(parents.get(p), ast.keyword):
            return ("fix", [key])  # Process(kwargs={"done": Event()}): the child's parameter
        up = _bind_up(p, parents)
        if up is not None and up[0] == "fix" and len(up[1]) == 1:
            return ("fix", ["%s[%s]" % (up[1][0], ks)])
        return ("fix", [key]) if key is not None else None
    if isinstance(p, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and node is p.elt:
        up = _bind_up(p, parents)
        if up is not None and up[0] == "fix" and len(up[1]) == 1:
            return ("seq", up[1][0])
        return None
    if isinstance(p, ast.DictComp) and node is p.value:
        up = _bind_up(p, parents)
        if up is not None and up[0] == "fix" and len(up[1]) == 1:
            if isinstance(p.key, ast.Name):
                return ("key", up[1][0], p.key.id)
            return ("seq", up[1][0])
        return None
    if isinstance(p, ast.Call) and node in p.args:
        fn = p.func
        if isinstance(fn, ast.Attribute) and fn.attr in ("append", "add") and len(p.args) == 1:
            s = _src(fn.value)
            if not s:
                return None
            # `xs.append(…)`: the index is len(xs) when xs is a name or attribute chain
            return ("app", s, s if _is_chain(fn.value) else "")
        if isinstance(fn, ast.Name) and fn.id in ("list", "tuple") and isinstance(node, ast.GeneratorExp):
            return _bind_up(p, parents)
        return None
    if isinstance(p, ast.Call) and node is p.func:
        return None
    return None


# ------------------------------------------------------------------ names per process


def _id_fn(x):
    t = type(x)
    try:
        return _id_of_type[t]
    except KeyError:
        pass
    fn = None
    for cls, f in _ids:
        try:
            if issubclass(t, cls):
                fn = f
                break
        except Exception:
            pass
    _id_of_type[t] = fn
    return fn


def ipc_id(x):
    """The id of an IPC object, or None for anything else. Never raises."""
    try:
        fn = _id_fn(x)
        if fn is None:
            return None
        return fn(x)
    except Exception:
        return None


def _collect(x, label, out, depth):
    t = type(x)
    if t in _PLAIN:
        return
    i = ipc_id(x)
    if i is not None:
        out.setdefault(i, label)
        return
    if depth >= 2:
        return
    if t in (list, tuple):
        if len(x) <= 64:
            for k, v in enumerate(x):
                _collect(v, "%s[%d]" % (label, k), out, depth + 1)
    elif t is dict:
        if len(x) <= 64:
            for k, v in x.items():
                if type(k) in (str, int):
                    _collect(v, "%s[%r]" % (label, k), out, depth + 1)


_params = {}  # function -> its parameter names in order, or None (a builtin, a callable object…)


def _param_names(func):
    try:
        return _params[func]
    except (KeyError, TypeError):
        pass
    r = None
    try:
        code = getattr(func, "__code__", None)
        if code is None:
            code = getattr(getattr(func, "__func__", None), "__code__", None)
            skip = 1  # a bound method: self is given
        else:
            skip = 0
        if code is not None:
            n = code.co_argcount
            r = list(code.co_varnames[:n])[skip:]
            if code.co_flags & 0x04:  # *args: named after the keyword-only parameters
                r.append("*" + code.co_varnames[n + code.co_kwonlyargcount])
    except Exception:
        r = None
    try:
        _params[func] = r
    except TypeError:
        pass
    return r


def call_names(func, args, kwds):
    """{object id: parameter name} for the IPC objects among a call's arguments. Never raises."""
    out = {}
    if not _reading:
        return out
    try:
        params = _param_names(func)
        star = None
        if params and params[-1].startswith("*"):
            star = params[-1][1:]
            params = params[:-1]
        for k, a in enumerate(args or ()):
            if params is not None and k < len(params):
                label = params[k]
            elif star is not None:
                label = "%s[%d]" % (star, k - len(params or ()))
            else:
                label = "args[%d]" % k
            _collect(a, label, out, 0)
        for k, a in (kwds or {}).items():
            _collect(a, str(k), out, 0)
    except Exception:
        pass
    return out


def process_names(proc):
    """At a child's start: {object id: name} for the IPC objects its target's parameters (or, for a
    Process subclass, its own attributes) hold. Never raises."""
    out = {}
    if not _reading:
        return out
    try:
        target = getattr(proc, "_target", None)
        if target is not None:
            out = call_names(target, getattr(proc, "_args", ()), getattr(proc, "_kwargs", {}))
        for k, v in list(vars(proc).items()):
            if not k.startswith("_"):
                _collect(v, "self." + k, out, 0)
    except Exception:
        pass
    return out


def child_fields(proc):
    """The fields a child's process.start adds: its target and its names for the IPC objects it was given."""
    out = {}
    try:
        target = getattr(proc, "_target", None)
        if target is not None:
            out["target"] = qualname(target)
        names = process_names(proc)
        if names:
            out["names"] = names
    except Exception:
        pass
    return out


def task_fields(extra, func, args, kwds):
    """A Pool's or a ProcessPoolExecutor's task: its pool.task.recv fields, with `names` when its arguments hold IPC objects."""
    if not _reading:
        return extra
    try:
        n = getattr(func, "__name__", "")
        if n in ("mapstar", "starmapstar") and args and len(args) == 2:
            f, chunk = args[0], args[1]
            names = {}
            for item in list(chunk)[:64]:
                t = type(item)
                if t in _PLAIN:
                    continue
                for k, v in call_names(f, item if n == "starmapstar" else (item,), None).items():
                    names.setdefault(k, v)
        elif getattr(getattr(func, "func", None), "__name__", "") == "_process_chunk" and getattr(func, "args", None) and args:
            # a ProcessPoolExecutor.map chunk: partial(_process_chunk, fn), called with the chunk of argument tuples
            f = func.args[0]
            names = {}
            for item in list(args[0])[:64]:
                if type(item) is tuple:
                    for k, v in call_names(f, item, None).items():
                        names.setdefault(k, v)
        else:
            names = call_names(func, args, kwds) if args or kwds else None
        if names:
            extra["names"] = names
    except Exception:
        pass
    return extra


_PLAIN = (int, float, str, bytes, bool, type(None))
