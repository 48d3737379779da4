/**
 * The fold of synchronisation: locks, RLocks and semaphores (owners, holders), conditions, events, barriers.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";
import type { CallSite } from "../../format";
import type { BarrierState, ConditionState, EventState, LockState } from "../stateTypes";

const LOCK_TYPES: Record<string, "lock" | "rlock" | "semaphore"> = {
  Lock: "lock",
  RLock: "rlock",
  Semaphore: "semaphore",
  BoundedSemaphore: "semaphore",
  ManagerLock: "lock",
  ManagerRLock: "rlock",
  ManagerSemaphore: "semaphore",
  ManagerBoundedSemaphore: "semaphore",
};

/** Class of an object type given to sync.create / proxy.create / queue.create ("ManagerLock" → "Lock"). */
export function baseType(objType: string): string {
  return objType.startsWith("Manager") && objType.length > 7 ? objType.slice(7) : objType;
}

/** The kind of lock an object type is (Lock, RLock, Semaphore, Manager ones), if it is one. */
export function lockKind(objType: string): "lock" | "rlock" | "semaphore" | undefined {
  return LOCK_TYPES[objType] ?? LOCK_TYPES[baseType(objType)];
}

/** A lock, RLock or semaphore created by its creation event (or a placeholder adopted). */
export function newLock(s: ModelState, id: string, objType: string, at: number, creator: number | null, value: number | undefined, manager: string | null): LockState {
  const kind = lockKind(objType) ?? "lock";
  const initial = kind === "semaphore" ? (value ?? 1) : 1;
  const prev = s.objects.get(id);
  if (prev && prev.cls === "lock" && prev.creator === null) {
    // Used before its creation event was placed (its creator flushed later): keep what it knows.
    s.adoptPlaceholder(prev, objType, at, creator);
    prev.kind = kind;
    prev.initial = initial;
    prev.initialKnown = kind !== "semaphore" || value !== undefined || manager === null;
    if (kind === "semaphore") prev.value = Math.max(0, initial - prev.holders.length);
    else if (prev.owner === null) prev.value = 1;
    prev.manager = manager;
    return prev;
  }
  const l: LockState = {
    ...s.base(id, objType, at, creator, manager),
    cls: "lock",
    kind,
    initial,
    initialKnown: kind !== "semaphore" || value !== undefined || manager === null,
    value: initial,
    owner: null,
    holders: [],
    condOf: null,
    ownerOf: null,
    native: false,
    derived: 0,
    lastReleaseAt: -1,
  };
  s.objects.set(id, l);
  return l;
}

/** The lock a lock operation on `id` is about (a Condition's id means its lock). */
export function lockFor(s: ModelState, id: string, at: number, hintRecursive: boolean): LockState {
  const o = s.objects.get(id);
  if (o) {
    if (o.cls === "lock") return o;
    if (o.cls === "condition") {
      const l = s.objects.get(o.lock);
      if (l && l.cls === "lock") return l;
      const nl = newLock(s, o.lock, "RLock", at, o.creator, undefined, o.manager);
      nl.condOf = o.id;
      return nl;
    }
  }
  return newLock(s, id, hintRecursive ? "RLock" : "Lock", at, null, undefined, null);
}

/** The Event `id`, created on first sight. */
export function eventObj(s: ModelState, id: string, at: number): EventState {
  return s.obtain(id, "event", () => ({ ...s.base(id, "Event", at, null, null), cls: "event", flag: false, changedAt: -1, changedBy: null, native: false }));
}

/** The Barrier `id`, created on first sight. */
export function barrier(s: ModelState, id: string, at: number): BarrierState {
  return s.obtain(id, "barrier", () => ({ ...s.base(id, "Barrier", at, null, null), cls: "barrier", parties: 0, passed: 0, lastPassAt: -1, broken: false }));
}

/** Someone took the lock or semaphore. */
export function acquire(s: ModelState, l: LockState, pid: number, tid: number, at: number, site: CallSite | null, depth: number | undefined): void {
  if (l.kind === "semaphore") {
    l.value = Math.max(0, l.value - 1);
    l.holders = [...l.holders, { pid, tid, since: at, site, depth: 1 }];
    return;
  }
  if (l.owner && l.owner.pid === pid && l.owner.tid === tid) {
    l.owner = { ...l.owner, depth: depth ?? l.owner.depth + 1 };
  } else {
    l.owner = { pid, tid, since: at, site, depth: depth ?? 1 };
  }
  l.value = 0;
}

/** Someone released the lock or semaphore. */
export function release(s: ModelState, l: LockState, pid: number, tid: number, depth: number | undefined): void {
  l.lastReleaseAt = s.index;
  if (l.kind === "semaphore") {
    l.value++;
    let k = l.holders.findIndex((h) => h.pid === pid && h.tid === tid);
    if (k < 0) k = l.holders.findIndex((h) => h.pid === pid);
    if (k < 0 && l.holders.length > 0) k = 0;
    if (k >= 0) l.holders = l.holders.filter((_, j) => j !== k);
    return;
  }
  if (!l.owner) return;
  const d = depth ?? l.owner.depth - 1;
  if (d > 0 && l.owner.pid === pid && l.owner.tid === tid) l.owner = { ...l.owner, depth: d };
  else {
    l.owner = null;
    l.value = 1;
  }
}

/** Forget ownership derived from Manager calls once real lock events show up for the lock. */
export function goNative(s: ModelState, l: LockState): void {
  if (l.native) return;
  l.native = true;
  if (l.derived > 0) {
    l.owner = null;
    l.holders = [];
    l.value = l.initial;
    l.derived = 0;
  }
}

/** event.set, event.clear. */
const onEventSet: Handler<"event.set" | "event.clear"> = (s, e, i) => {
  const x = eventObj(s, e.obj, i);
  x.native = true;
  x.users.add(e.pid);
  x.flag = e.kind === "event.set";
  x.changedAt = i;
  x.changedBy = e.pid;
};

/** event.wait, event.poll. */
const onEventWait: Handler<"event.wait" | "event.poll"> = (s, e, i) => {
  eventObj(s, e.obj, i).users.add(e.pid);
};

/** barrier.abort, barrier.reset. */
const onBarrierAbort: Handler<"barrier.abort" | "barrier.reset"> = (s, e, i) => {
  const b = barrier(s, e.obj, i);
  b.users.add(e.pid);
  b.broken = e.kind === "barrier.abort";
};

/** Waits a Node Atomics.notify ends (on a cell, or on an Atomics lock's cell); a Condition's notify ends its wait()s. */
const ATOMICS_WAITS: ReadonlySet<string> = new Set(["atomics.wait", "atomics.waitAsync", "lock.acquire"]);

/** Handlers of the sync kinds (trace/kinds/table.ts family "sync"). */
export const syncFold = {
  "sync.create": (s, e, i, _p, _th, site) => {
    const t = baseType(e.objType);
    if (t === "Condition") {
      const lockId = typeof e.lock === "string" ? e.lock : e.obj;
      const early = s.objects.get(e.obj);
      if (early && early.cls === "lock" && early.creator === null && lockId !== e.obj && !s.objects.has(lockId)) {
        // Lock operations on the condition arrived before its creation: they were on its lock.
        early.id = lockId;
        s.objects.set(lockId, early);
      }
      const c: ConditionState = { ...s.base(e.obj, e.objType, i, e.pid, null), cls: "condition", lock: lockId, notifies: 0 };
      s.objects.set(e.obj, c);
      if (lockId !== e.obj) {
        const l = s.objects.get(lockId);
        if (l && l.cls === "lock") l.condOf = e.obj;
      } else {
        // The condition is its own lock id: keep the lock under a derived id.
        c.lock = e.obj + "#lock";
        const l = newLock(s, c.lock, "RLock", i, e.pid, undefined, null);
        l.condOf = e.obj;
      }
      // Where user code created the condition is where its lock was made too.
      const l = s.objects.get(c.lock);
      if (site && l && l.site === null) l.site = site;
    } else if (t === "Event") {
      const ev2 = eventObj(s, e.obj, i);
      ev2.objType = e.objType;
      ev2.createdAt = i;
      ev2.creator = e.pid;
      ev2.users.add(e.pid);
    } else if (t === "Barrier") {
      const b = barrier(s, e.obj, i);
      b.objType = e.objType;
      b.parties = e.value ?? 0;
      b.createdAt = i;
      b.creator = e.pid;
      b.users.add(e.pid);
    } else {
      const l = newLock(s, e.obj, e.objType, i, e.pid, e.value, null);
      if (typeof e.owner === "string") l.ownerOf = e.owner;
      for (const o of s.objects.values()) if (o.cls === "condition" && o.lock === e.obj) l.condOf = o.id;
    }
  },
  "lock.acquire": (s, e, i, _p, _th, site) => {
    const l = lockFor(s, e.obj, i, typeof e.depth === "number");
    goNative(s, l);
    l.users.add(e.pid);
    s.use(e.obj, e.pid);
    if (e.ok) acquire(s, l, e.pid, e.tid, i, site, e.depth);
  },
  "lock.release": (s, e, i) => {
    const l = lockFor(s, e.obj, i, typeof e.depth === "number");
    goNative(s, l);
    l.users.add(e.pid);
    s.use(e.obj, e.pid);
    release(s, l, e.pid, e.tid, e.depth);
  },
  "cond.wait": (s, e) => {
    s.use(e.obj, e.pid);
  },
  "cond.notify": (s, e) => {
    const c = s.objects.get(e.obj);
    if (c && c.cls === "condition") c.notifies++;
    s.use(e.obj, e.pid);
    let n = e.n === "all" ? Infinity : Number(e.n);
    // Node's Atomics.notify says how many it woke: the longest waiting first (Atomics' waiter lists are FIFO).
    const atomics = typeof e.woken === "number";
    if (atomics) n = Math.min(n, e.woken!);
    for (const w of s.waitersOf(e.obj)) {
      if (n <= 0) break;
      if (!(atomics ? ATOMICS_WAITS.has(w.op) : w.op === "cond.wait") || w.notified) continue;
      w.notified = true;
      n--;
    }
  },
  "event.set": onEventSet,
  "event.clear": onEventSet,
  "event.wait": onEventWait,
  "event.poll": onEventWait,
  "barrier.wait": (s, e, i) => {
    const b = barrier(s, e.obj, i);
    b.users.add(e.pid);
    if (e.index === null) b.broken = true;
    else {
      b.passed++;
      b.lastPassAt = i;
    }
  },
  "barrier.abort": onBarrierAbort,
  "barrier.reset": onBarrierAbort,
  // Node's waits are recorded as block.begin/end spans (blocking.ts); an event of these kinds only marks use.
  "atomics.wait": (s, e) => s.use(e.obj, e.pid),
  "atomics.waitAsync": (s, e) => s.use(e.obj, e.pid),
  "message.wait": () => undefined,
} satisfies Partial<Handlers>;
