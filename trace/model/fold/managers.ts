/**
 * The fold of Managers: servers, proxies, calls in progress, and the contents of Manager dicts, lists and Namespaces as far as the trace shows them.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";
import type { EventOf } from "../../format";
import { parseDictLiteral, splitArgs } from "../pyRepr";
import type { CallInfo, ConditionState, ManagerState, ProxyState } from "../stateTypes";
import { newQueue } from "./queues";
import { acquire, barrier, baseType, eventObj, lockKind, newLock, release } from "./sync";
import { mutElements, value } from "./values";

/** The Manager proxy object `id` (a dict, list, Namespace or custom proxy), created on first sight. */
export function proxy(s: ModelState, id: string, at: number, objType = "?"): ProxyState {
  return s.obtain(id, "proxy", (prev) => ({
    ...s.base(id, objType, at, null, null),
    cls: "proxy",
    entries: new Map(),
    list: objType === "list" ? [] : null,
    contentGen: s.gen,
    complete: prev === undefined && objType !== "?",
    lastView: null,
    localChanges: 0,
  }));
}

/** A shared object created in a Manager: a lock, queue, event, condition, barrier or value becomes its own kind of object; anything else a proxy. */
export function createProxy(s: ModelState, e: EventOf<"proxy.create">, i: number): void {
  const t = baseType(e.objType);
  const kind = lockKind(t);
  if (kind) {
    newLock(s, e.obj, "Manager" + t, i, e.pid, typeof e.value === "number" ? e.value : undefined, e.manager);
    return;
  }
  switch (t) {
    case "Queue":
    case "JoinableQueue": {
      const q = newQueue(s, e.obj, "Manager" + t, i, e.pid);
      q.manager = e.manager;
      return;
    }
    case "Event": {
      const x = eventObj(s, e.obj, i);
      x.objType = "ManagerEvent";
      x.creator = e.pid;
      x.createdAt = i;
      x.users.add(e.pid);
      x.manager = e.manager;
      return;
    }
    case "Condition": {
      const early = s.objects.get(e.obj);
      const c: ConditionState = { ...s.base(e.obj, "ManagerCondition", i, e.pid, e.manager), cls: "condition", lock: e.obj + "#lock", notifies: 0 };
      if (early && early.cls === "lock" && early.creator === null) {
        early.id = c.lock;
        s.objects.set(c.lock, early);
      }
      s.objects.set(e.obj, c);
      const l = newLock(s, c.lock, "ManagerRLock", i, e.pid, undefined, e.manager);
      l.condOf = e.obj;
      return;
    }
    case "Barrier": {
      const b = barrier(s, e.obj, i);
      b.objType = "ManagerBarrier";
      if (typeof e.value === "number") b.parties = e.value;
      b.creator = e.pid;
      b.users.add(e.pid);
      b.manager = e.manager;
      return;
    }
    case "Value":
    case "Array": {
      const v = value(s, e.obj, i);
      v.objType = "Manager" + t;
      if (typeof e.preview === "string") v.value = e.preview;
      v.creator = e.pid;
      v.users.add(e.pid);
      v.manager = e.manager;
      return;
    }
    default: {
      const x = proxy(s, e.obj, i, e.objType);
      x.objType = e.objType;
      x.creator = e.pid;
      x.createdAt = i;
      x.users.add(e.pid);
      x.manager = e.manager;
      x.complete = true;
      x.list = e.objType === "list" ? [] : null;
    }
  }
}

/** Effects of a Manager call that the trace shows only as the call (no lock/event events). */
export function derive(s: ModelState, c: CallInfo, ret: EventOf<"mgr.return">, i: number): void {
  const o = s.objects.get(c.obj);
  if (!o || !ret.ok) return;
  if (o.cls === "lock" && !o.native) {
    if (c.method === "acquire" && ret.preview !== "False") {
      acquire(s, o, c.pid, c.tid, c.index, c.site, undefined);
      o.derived++;
    } else if (c.method === "release") {
      release(s, o, c.pid, c.tid, undefined);
      o.derived++;
    }
  } else if (o.cls === "condition") {
    const l = s.objects.get(o.lock);
    if (l && l.cls === "lock" && !l.native) {
      if (c.method === "acquire" && ret.preview !== "False") {
        acquire(s, l, c.pid, c.tid, c.index, c.site, undefined);
        l.derived++;
      } else if (c.method === "release") {
        release(s, l, c.pid, c.tid, undefined);
        l.derived++;
      }
    }
  } else if (o.cls === "event" && !o.native) {
    if (c.method === "set" || c.method === "clear") {
      o.flag = c.method === "set";
      o.changedAt = i;
      o.changedBy = c.pid;
    }
  }
}

/** The proxy's entries, copied first when a checkpoint shares them (copy-on-write). */
export function mutContent(s: ModelState, x: ProxyState): Map<string, string> {
  if (x.contentGen !== s.gen) {
    x.entries = new Map(x.entries);
    if (x.list) x.list = x.list.slice();
    x.contentGen = s.gen;
  }
  return x.entries;
}

/** The proxy's list items, copied first when a checkpoint shares them (copy-on-write). */
export function mutList(s: ModelState, x: ProxyState): string[] | null {
  mutContent(s, x);
  return x.list;
}

/** Follow a proxy operation on a Manager dict, list or Value as far as its repr text allows. */
export function proxyOp(s: ModelState, e: EventOf<"proxy.op">, i: number): void {
  const o = s.objects.get(e.obj);
  if (o && o.cls === "value") {
    // A Manager Value/Array used through its proxy.
    o.users.add(e.pid);
    if (!e.ok) return;
    if (e.method === "set") {
      const a = splitArgs(e.args);
      o.value = a.length > 0 ? a[0] : e.args;
      o.lastWrite = { pid: e.pid, at: i, site: e.site ?? null };
    } else if (e.method === "get" && o.value === "?") o.value = e.result;
    else if (e.method === "__setitem__") {
      const a = splitArgs(e.args);
      if (a.length >= 2) mutElements(s, o).set(a[0], a[1]);
      o.lastWrite = { pid: e.pid, at: i, site: e.site ?? null };
    }
    return;
  }
  const x = o && o.cls === "proxy" ? o : proxy(s, e.obj, i);
  x.users.add(e.pid);
  if (!e.ok) return;
  const m: string = e.method;
  const a = splitArgs(e.args);
  const isList = x.objType === "list" || x.list !== null;
  if (isList) {
    const list = mutList(s, x);
    if (!list) return;
    switch (m) {
      case "append":
        list.push(a[0] ?? e.args);
        return;
      case "extend": {
        const items = splitArgs(a[0] ?? "");
        list.push(...items);
        return;
      }
      case "insert": {
        const k = Number(a[0]);
        if (Number.isInteger(k)) list.splice(k < 0 ? Math.max(0, list.length + k) : k, 0, a[1] ?? "?");
        else x.complete = false;
        return;
      }
      case "__setitem__": {
        const k = Number(a[0]);
        if (Number.isInteger(k) && Math.abs(k) <= list.length) list[k < 0 ? list.length + k : k] = a[1] ?? "?";
        else x.complete = false;
        return;
      }
      case "pop": {
        const k = a.length > 0 ? Number(a[0]) : -1;
        if (Number.isInteger(k) && list.length > 0) list.splice(k < 0 ? list.length + k : k, 1);
        return;
      }
      case "remove": {
        const k = list.indexOf(a[0]);
        if (k >= 0) list.splice(k, 1);
        else x.complete = false;
        return;
      }
      case "clear":
        list.length = 0;
        return;
      case "__getitem__":
      case "__len__":
      case "__contains__":
      case "index":
      case "count":
      case "__repr__":
      case "__str__":
      case "copy":
        if (m === "__repr__" || m === "__str__" || m === "copy") x.lastView = e.result;
        return;
      default:
        x.lastView = null;
        x.complete = false;
        return;
    }
  }
  // dict-like (dict, Namespace through proxy.op, custom)
  switch (m) {
    case "__setitem__":
      if (a.length >= 2) mutContent(s, x).set(a[0], a[1]);
      return;
    case "__delitem__":
    case "pop":
      if (a.length >= 1) mutContent(s, x).delete(a[0]);
      return;
    case "setdefault":
      if (a.length >= 1 && !x.entries.has(a[0])) mutContent(s, x).set(a[0], a[1] ?? "None");
      return;
    case "__getitem__":
    case "get":
      if (a.length >= 1 && e.result !== undefined && !x.entries.has(a[0]) && !(m === "get" && e.result === "None")) {
        mutContent(s, x).set(a[0], e.result);
      }
      return;
    case "update": {
      const d = parseDictLiteral(a[0] ?? "");
      if (d) for (const [k, v] of d) mutContent(s, x).set(k, v);
      else x.complete = false;
      return;
    }
    case "clear":
      mutContent(s, x).clear();
      return;
    case "items":
    case "copy":
    case "__repr__":
    case "__str__":
    case "keys":
    case "values":
    case "__len__":
    case "__contains__":
      if (m !== "__len__" && m !== "__contains__") x.lastView = e.result;
      return;
    default:
      if (x.objType === "dict") x.complete = false;
      return;
  }
}

/** ns.get, ns.set, ns.del. */
const onNsGet: Handler<"ns.get" | "ns.set" | "ns.del"> = (s, e, i) => {
  const x = proxy(s, e.obj, i, "Namespace");
  x.users.add(e.pid);
  if (e.kind === "ns.set") mutContent(s, x).set(e.attr, e.value ?? "?");
  else if (e.kind === "ns.del") mutContent(s, x).delete(e.attr);
  else if (typeof e.value === "string" && x.entries.get(e.attr) !== e.value) mutContent(s, x).set(e.attr, e.value);
};

/** Handlers of the managers kinds (trace/kinds/table.ts family "managers"). */
export const managerFold = {
  "manager.start": (s, e, i) => {
    const m: ManagerState = { ...s.base(e.obj, "Manager", i, e.pid, null), cls: "manager", serverPid: e.serverPid, address: e.address };
    s.objects.set(e.obj, m);
    const sp = s.proc(e.serverPid, i);
    if (sp.role === "unknown") sp.role = "manager-server";
    if (sp.ppid === null) sp.ppid = e.pid;
  },
  "proxy.create": (s, e, i) => {
    createProxy(s, e, i);
  },
  "mgr.call": (s, e, i, _p, th, site) => {
    th.call = i;
    s.calls.set(i, { index: i, pid: e.pid, tid: e.tid, obj: e.obj, method: e.method, msg: e.msg, site, server: null, phase: "sent" });
    s.use(e.obj, e.pid);
  },
  "mgr.recv": (s, e, i, p, th) => {
    const call = s.refs.partner(i);
    const c = call >= 0 ? s.calls.get(call) : undefined;
    if (c) {
      c.server = e.pid;
      c.phase = "serving";
    }
    th.serving = call;
    if (p.role === "unknown") p.role = "manager-server";
  },
  "mgr.reply": (s, _e, _i, _p, th) => {
    const c = th.serving >= 0 ? s.calls.get(th.serving) : undefined;
    if (c) c.phase = "replied";
    th.serving = -1;
  },
  "mgr.return": (s, e, i, _p, th) => {
    const c = th.call >= 0 ? s.calls.get(th.call) : undefined;
    if (th.call >= 0) s.calls.delete(th.call);
    th.call = -1;
    if (c) derive(s, c, e, i);
  },
  "ns.get": onNsGet,
  "ns.set": onNsGet,
  "ns.del": onNsGet,
  "ns.local_change": (s, e, i) => {
    const x = proxy(s, e.obj, i, "Namespace");
    x.users.add(e.pid);
    x.localChanges++;
  },
  "proxy.op": (s, e, i) => {
    proxyOp(s, e, i);
  },
} satisfies Partial<Handlers>;
