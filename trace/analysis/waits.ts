/**
 * The wait-for graph at one state, and the stuck set.
 *
 * For every open wait, {@link analyseWait} says whether something already in flight will end it
 * (an item in the queue, a message towards the pipe end, a free lock, a set event, an exited
 * child, a timeout, …) and, if not, which processes could end it: the lock's owner, the joined
 * child, the processes that hold the other pipe end, or every process that has (or may have
 * inherited) the queue, event, condition, semaphore or barrier.
 *
 * {@link findStuck} then computes the greatest set of waiting processes none of whose waits can
 * be ended by anyone outside the set (a fixpoint): dead processes can never act, idle Pool workers
 * act only when tasks are pending or their pool's owner can act, Manager servers and other service
 * processes are not participants, and a process with any thread not waiting can act.
 */

import type { BlockOp } from "../format";
import type { KindDecl } from "../kinds/fields";
import { KINDS, KIND_LIST } from "../kinds/table";
import { atomicsSyncOf } from "../model/nodeWords";
import type { BlockInfo, Holder, LockState, ModelState, ObjState, PipeState, ProcState, QueueState } from "../model/state";

export type WaitKind =
  | "join"
  | "queue-get"
  | "queue-put"
  | "queue-join"
  | "pipe-recv"
  | "pipe-send"
  | "lock"
  | "semaphore"
  | "condition"
  | "event"
  | "barrier"
  | "pool-get"
  | "pool-join"
  | "atomics"
  | "message"
  | "wait-any"
  | "unknown";

/** One open wait, analysed. */
export interface WaitAnalysis {
  block: BlockInfo;
  kind: WaitKind;
  /** Object the wait is really about (the lock of a notified Condition wait, the pipe end, …). */
  objId: string;
  /** Something in flight ends it (or it has a timeout): not stuck. */
  satisfiable: boolean;
  /** Processes that could end it (may include the waiter's own pid); null: unknown (never stuck). */
  wakers: number[] | null;
  /** Lock owner / semaphore holders. */
  heldBy: Holder[];
  /** The edge is "held by" (a lock owner): cycles through these are lock cycles. */
  ownership: boolean;
  /** Pipe recv: the waiter sent on this same end (the seed's s03 mistake); the index of its last send there. */
  sentOnSameEnd: number;
  /** Pipe: the other end. */
  otherEnd: string | null;
}

const SERVICE_ROLES = new Set(["manager-server", "forkserver", "resource-tracker"]);

/** Is this a service process (not a participant, never a waker)? */
export function isService(p: ProcState | undefined): boolean {
  return p !== undefined && SERVICE_ROLES.has(p.role);
}

/**
 * The wait of a thread: its open block (block.begin … block.end). A Manager call in progress
 * without a block.begin is not a wait: the runtime emits block.begin for every Manager call that
 * can block (get, join, acquire, wait), so a call without one is just waiting for its reply.
 */
export function threadWait(s: ModelState, p: ProcState, tid: number): BlockInfo | null {
  const th = p.threads.get(tid);
  if (!th || th.internal) return null;
  void s;
  return th.block;
}

/** Per-analysis caches. */
export class WaitContext {
  private readonly holderCache = new Map<string, Set<number>>();
  private readonly byBirth: ProcState[];

  constructor(readonly s: ModelState) {
    this.byBirth = [...s.processes.values()].filter((p) => p.birth >= 0).sort((a, b) => a.birth - b.birth);
  }

  /** `base` plus the processes born after `createdAt` to a parent in the set (they may have inherited the object). */
  private inherit(base: Set<number>, createdAt: number): Set<number> {
    const out = new Set(base);
    for (const p of this.byBirth) {
      if (p.birth > createdAt && p.ppid !== null && out.has(p.ppid)) out.add(p.pid);
    }
    return out;
  }

  /** Processes that have, or may have, an object: its users and creator, and children born after it to one of them. */
  holders(o: ObjState): Set<number> {
    let h = this.holderCache.get(o.id);
    if (h) return h;
    const base = new Set(o.users);
    if (o.creator !== null) base.add(o.creator);
    if (o.cls === "queue" && o.objType === "ThreadQueue") h = base; // a private copy per process
    else h = this.inherit(base, o.createdAt);
    for (const pid of [...h]) if (isService(this.s.processes.get(pid))) h.delete(pid);
    this.holderCache.set(o.id, h);
    return h;
  }

  /** Processes that hold (or inherited and did not close) one end of a pipe. */
  endHolders(pipe: PipeState, side: 0 | 1): Set<number> {
    const key = pipe.ends[side];
    let h = this.holderCache.get(key);
    if (h) return h;
    const base = new Set<number>([...pipe.holders[side], ...pipe.closedBy[side]]);
    if (pipe.creator !== null && !(side === 1 && pipe.accepted)) base.add(pipe.creator);
    h = this.inherit(base, pipe.createdAt);
    for (const pid of pipe.closedBy[side]) h.delete(pid);
    // a process that used the end after closing it still holds it
    for (const pid of pipe.holders[side]) h.add(pid);
    for (const pid of [...h]) if (isService(this.s.processes.get(pid))) h.delete(pid);
    this.holderCache.set(key, h);
    return h;
  }

  alive(pid: number): boolean {
    const p = this.s.processes.get(pid);
    return p === undefined || p.exit === null;
  }
}

function mk(block: BlockInfo, kind: WaitKind, objId: string): WaitAnalysis {
  return { block, kind, objId, satisfiable: false, wakers: null, heldBy: [], ownership: false, sentOnSameEnd: -1, otherEnd: null };
}

/** Analyse a wait in one kind of blocking call (or in a Manager call that stands for one). */
type WaitHandler = (ctx: WaitContext, block: BlockInfo) => WaitAnalysis;

/** A wait on a queue: `ready` says whether the queue's state ends it. */
function queueWait(ctx: WaitContext, block: BlockInfo, kind: WaitKind, ready: (q: QueueState) => boolean): WaitAnalysis {
  const w = mk(block, kind, block.obj);
  const q = ctx.s.object(block.obj);
  if (!q || q.cls !== "queue") return w;
  w.satisfiable = ready(q) || block.timeout !== null;
  w.wakers = [...ctx.holders(q)];
  return w;
}

/** A wait in a send or a receive on a pipe end. */
function pipeWait(ctx: WaitContext, block: BlockInfo, recv: boolean): WaitAnalysis {
  const s = ctx.s;
  const obj = block.obj;
  const timed = block.timeout !== null;
  const w = mk(block, recv ? "pipe-recv" : "pipe-send", obj);
  const pipeId = s.ends.get(obj);
  const pipe = pipeId !== undefined ? s.objects.get(pipeId) : undefined;
  if (!pipe || pipe.cls !== "pipe") return w;
  const side: 0 | 1 = pipe.ends[0] === obj ? 0 : 1;
  const other = (1 - side) as 0 | 1;
  w.otherEnd = pipe.ends[other];
  const holders = ctx.endHolders(pipe, other);
  const live = [...holders].filter((p) => ctx.alive(p));
  if (recv) {
    // Messages travelling towards this end were sent on the other end: dirs[other].
    w.satisfiable = pipe.dirs[other].size > 0;
    // The waiter sent on this very end: what it sent goes the other way.
    const mine = pipe.dirs[side];
    for (let k = mine.count - 1; k >= 0; k--) {
      const idx = mine.log.sent.data[k];
      if (s.refs.event(idx).pid === block.pid) {
        w.sentOnSameEnd = idx;
        break;
      }
    }
  }
  // Nobody holds the other end any more: recv raises EOFError, send raises BrokenPipeError.
  if (live.length === 0) w.satisfiable = true;
  // The other end is a process outside the run: it may always send, or read.
  if (pipe.outside === true) w.satisfiable = true;
  w.satisfiable ||= timed;
  w.wakers = [...holders];
  return w;
}

/** A wait for a lock, or in a Condition's wait() (`cond`), which waits for the lock once notified. */
function lockOrConditionWait(ctx: WaitContext, block: BlockInfo, cond: boolean): WaitAnalysis {
  const s = ctx.s;
  const obj = block.obj;
  const timed = block.timeout !== null;
  let o = s.object(obj);
  if (cond && o && o.cls === "condition" && !block.notified) {
    const w = mk(block, "condition", obj);
    w.satisfiable = timed;
    w.wakers = [...ctx.holders(o)];
    return w;
  }
  // A lock wait (or a notified Condition wait, which now waits for the lock).
  if (o && o.cls === "condition") o = s.objects.get(o.lock);
  if (!o || o.cls !== "lock") return mk(block, "lock", obj);
  return lockWait(ctx, block, o, timed);
}

/** A Manager call that waits: what it waits for depends on the method and the object (the table's `managerCall`). */
const waitMgrCall: WaitHandler = (ctx, block) => {
  const s = ctx.s;
  const th = s.processes.get(block.pid)?.threads.get(block.tid);
  const c = th && th.call >= 0 ? s.calls.get(th.call) : undefined;
  const o = s.object(block.obj);
  if (!o || !c) return mk(block, "unknown", block.obj);
  for (const k of MANAGER_WAITS) {
    const via = (KINDS[k] as KindDecl).managerCall!;
    if (via.on.includes(o.cls) && via.methods.includes(c.method)) return WAITS[k](ctx, block);
  }
  return mk(block, "unknown", block.obj);
};

/** One analysis per blocking kind: the compiler checks every kind that can block has one. */
const WAITS: Record<BlockOp, WaitHandler> = {
  "process.join": (ctx, block) => {
    const w = mk(block, "join", block.obj);
    const pid = Number(block.obj.startsWith("proc:") ? block.obj.slice(5) : NaN);
    const c = ctx.s.processes.get(pid);
    if (!Number.isFinite(pid) || !c) return w; // unknown child: never stuck
    w.satisfiable = block.timeout !== null || c.exit !== null;
    w.wakers = [pid];
    w.ownership = true;
    return w;
  },
  "queue.put": (ctx, block) => queueWait(ctx, block, "queue-put", (q) => q.maxsize !== null && q.items.size < q.maxsize),
  "queue.get": (ctx, block) => queueWait(ctx, block, "queue-get", (q) => q.items.size > 0),
  "queue.join": (ctx, block) => queueWait(ctx, block, "queue-join", (q) => q.unfinished <= 0),
  "pipe.send": (ctx, block) => pipeWait(ctx, block, false),
  "pipe.recv": (ctx, block) => pipeWait(ctx, block, true),
  "lock.acquire": (ctx, block) => lockOrConditionWait(ctx, block, false),
  "cond.wait": (ctx, block) => lockOrConditionWait(ctx, block, true),
  "event.wait": (ctx, block) => {
    const w = mk(block, "event", block.obj);
    const o = ctx.s.object(block.obj);
    if (!o || o.cls !== "event") return w;
    w.satisfiable = o.flag || block.timeout !== null;
    w.wakers = [...ctx.holders(o)];
    return w;
  },
  "barrier.wait": (ctx, block) => {
    const s = ctx.s;
    const obj = block.obj;
    const w = mk(block, "barrier", obj);
    const o = s.object(obj);
    if (!o || o.cls !== "barrier") return w;
    const waiting = new Set(s.waitersOf(obj).map((b) => b.pid));
    // A wait() that returned after this one began: the barrier tripped and releases this waiter too.
    w.satisfiable = o.broken || block.timeout !== null || o.lastPassAt > block.since || (o.parties > 0 && s.waitersOf(obj).length >= o.parties);
    // Those not waiting at the barrier could still arrive (or abort it).
    w.wakers = [...ctx.holders(o)].filter((p) => !waiting.has(p));
    return w;
  },
  "pool.get": (ctx, block) => poolWait(ctx, block, true),
  "pool.join": (ctx, block) => poolWait(ctx, block, false),
  "mgr.call": waitMgrCall,
  "atomics.wait": (ctx, block) => atomicsWait(ctx, block),
  "atomics.waitAsync": (ctx, block) => atomicsWait(ctx, block),
  "message.wait": (ctx, block) => messageWait(ctx, block),
  "conn.wait": (ctx, block) => waitAny(ctx, block),
};

/**
 * `connection.wait()` on several objects: it ends when any of them is ready, so it can be ended if
 * any of them can (each analysed as a receive on a connection end or a join of a process); an
 * object the trace cannot follow (a socket, a descriptor) may become ready at any time: never stuck.
 */
function waitAny(ctx: WaitContext, block: BlockInfo): WaitAnalysis {
  const w = mk(block, "wait-any", block.obj);
  const wakers = new Set<number>();
  let unknown = false;
  for (const obj of block.objects ?? [block.obj]) {
    const one: BlockInfo = { ...block, obj, objects: undefined };
    let a: WaitAnalysis | null = null;
    if (obj.startsWith("proc:")) a = WAITS["process.join"](ctx, { ...one, op: "process.join" });
    else if (ctx.s.ends.has(obj)) a = pipeWait(ctx, { ...one, op: "pipe.recv" }, true);
    if (a === null || a.wakers === null) {
      unknown = true;
      continue;
    }
    w.satisfiable ||= a.satisfiable;
    for (const p of a.wakers) wakers.add(p);
  }
  w.satisfiable ||= block.timeout !== null;
  w.wakers = unknown ? null : [...wakers];
  return w;
}

/** Node lanes of one OS process: a worker thread's lane is threadId·2^22 + the process's pid. */
const LANE_SHIFT = 4194304;
function hostOf(lane: number): number {
  return lane % LANE_SHIFT;
}

/** The other live lanes of lane `pid`'s process (Node: the threads that share its memory). */
function sameHostLanes(ctx: WaitContext, pid: number): number[] {
  const host = hostOf(pid);
  const lanes: number[] = [];
  for (const p of ctx.s.processes.values()) if (hostOf(p.pid) === host && p.exit === null && p.pid !== pid) lanes.push(p.pid);
  return lanes;
}

/** Node: only threads of the same process share memory; any of them may store and notify the cell. */
function atomicsWait(ctx: WaitContext, block: BlockInfo): WaitAnalysis {
  const w = mk(block, "atomics", block.obj);
  w.satisfiable = block.timeout !== null;
  w.wakers = sameHostLanes(ctx, block.pid);
  return w;
}

/**
 * A Node thread whose event loop has nothing left but the program's own resources (ports,
 * workers, child processes): it waits for a message or an exit from another lane. It can be woken
 * by a message in flight towards a port end it holds, by the lanes holding the other ends, by its
 * parent and by its children.
 */
function messageWait(ctx: WaitContext, block: BlockInfo): WaitAnalysis {
  const s = ctx.s;
  const w = mk(block, "message", block.obj);
  const me = block.pid;
  const wakers = new Set<number>();
  const self = s.processes.get(me);
  if (self && self.ppid !== null && s.processes.has(self.ppid)) wakers.add(self.ppid);
  for (const p of s.processes.values()) if (p.ppid === me) wakers.add(p.pid);
  for (const o of s.objects.values()) {
    if (o.cls !== "pipe") continue;
    for (const side of [0, 1] as const) {
      if (!o.holders[side].has(me)) continue;
      const other = (1 - side) as 0 | 1;
      if (o.dirs[other].size > 0) w.satisfiable = true;
      for (const p of o.holders[other]) wakers.add(p);
      if (o.creator !== null) wakers.add(o.creator);
    }
  }
  wakers.delete(me);
  w.wakers = [...wakers];
  return w;
}

/** Blocking kinds a Manager proxy call can stand for, in table order. */
const MANAGER_WAITS = KIND_LIST.filter((k) => (KINDS[k] as KindDecl).managerCall !== undefined) as BlockOp[];

/** Analyse one open wait (see the file comment). */
export function analyseWait(ctx: WaitContext, block: BlockInfo): WaitAnalysis {
  const handler = (WAITS as Record<string, WaitHandler | undefined>)[block.op];
  return handler ? handler(ctx, block) : mk(block, "unknown", block.obj);
}

function lockWait(ctx: WaitContext, block: BlockInfo, l: LockState, timed: boolean): WaitAnalysis {
  const s = ctx.s;
  const w = mk(block, l.kind === "semaphore" ? "semaphore" : "lock", l.id);
  // The waiter itself took it after it began waiting (a Manager acquire() returned True before its block.end arrived): the wait is over.
  const mine = (h: { pid: number; tid: number; since: number }) => h.pid === block.pid && h.tid === block.tid && h.since > block.since;
  if (l.kind === "semaphore") {
    w.heldBy = l.holders;
    w.satisfiable = timed || (l.initialKnown ? l.value > 0 : false) || l.lastReleaseAt > block.since || l.holders.some(mine);
    // Anyone with the semaphore can release it; its holders first.
    const set = new Set<number>(l.holders.map((h) => h.pid));
    for (const p of ctx.holders(l)) set.add(p);
    // A Node semaphore on a shared cell: any thread of the process may give a permit back.
    if (atomicsSyncOf(l.id) === "semaphore") for (const p of sameHostLanes(ctx, block.pid)) set.add(p);
    w.wakers = [...set];
    return w;
  }
  // An RLock's owner thread takes it again at once (Manager acquire() calls always open a wait).
  const reentrant = l.kind === "rlock" && l.owner !== null && l.owner.pid === block.pid && l.owner.tid === block.tid;
  w.satisfiable = timed || l.owner === null || mine(l.owner) || reentrant;
  if (l.owner) {
    w.heldBy = [l.owner];
    w.wakers = [l.owner.pid];
    w.ownership = true;
  } else w.wakers = [];
  void s;
  return w;
}

/** A wait for a Pool job's result (`get`) or in a Pool's join(). */
function poolWait(ctx: WaitContext, block: BlockInfo, get: boolean): WaitAnalysis {
  const s = ctx.s;
  // pool.get waits name the job (the runtime's job id); pool.join waits name the pool.
  const direct = s.object(block.obj);
  const pool = direct && direct.cls === "pool" ? direct : s.jobPool(block.obj);
  const w = mk(block, get ? "pool-get" : "pool-join", pool ? pool.id : block.obj);
  if (!pool) return w;
  const onlyJob = pool.jobs.get(block.obj);
  let inFlight = false;
  let unfinished = 0;
  for (const j of onlyJob ? [onlyJob] : pool.jobs.values()) {
    if (j.resultsSent > j.resultsReceived) inFlight = true; // a result is on its way
    if (j.tasks !== null && j.sent < j.tasks) inFlight = true; // the task handler still has tasks to send
    unfinished += j.sent - j.resultsSent;
  }
  const pending = pool.tasks.size;
  const busy: number[] = [];
  const live: number[] = [];
  for (const wk of pool.workers.values()) {
    if (!ctx.alive(wk.pid)) continue;
    live.push(wk.pid);
    if (wk.running) busy.push(wk.pid);
  }
  if (!get && busy.length === 0 && pending === 0) inFlight = true; // idle workers exit after close()
  w.satisfiable = inFlight || block.timeout !== null;
  if (get && unfinished === 0 && !inFlight) return w; // waits for something the trace does not show
  if (live.length === 0) return w; // the pool starts new workers: unknown
  w.wakers = pending > 0 ? live : busy;
  return w;
}

/** A stuck process and its analysed waits. */
export interface StuckProcess {
  pid: number;
  waits: WaitAnalysis[];
}

export interface StuckResult {
  /** Stuck processes (greatest fixpoint), by pid. */
  stuck: Map<number, StuckProcess>;
  /** Live participants that can still act (not waiting, or waiting on something that can end). */
  runnable: number[];
  /** Every live participant is stuck (none can act). */
  allStuck: boolean;
}

export interface FindStuckOptions {
  /** Pids to treat as able to act (e.g. events of theirs are held back, so they moved on). */
  active?: ReadonlySet<number>;
}

/** Waits of a process if every (user) thread of it waits; null if some thread can run. */
export function processWaits(s: ModelState, p: ProcState): BlockInfo[] | null {
  const out: BlockInfo[] = [];
  for (const th of p.threads.values()) {
    if (th.internal) continue;
    const b = threadWait(s, p, th.tid);
    if (!b) return null;
    out.push(b);
  }
  return out.length ? out : null;
}

/** The stuck set at a state (see the file comment). */
export function findStuck(s: ModelState, opts: FindStuckOptions = {}, ctx = new WaitContext(s)): StuckResult {
  const active = opts.active ?? new Set<number>();
  const candidates = new Map<number, StuckProcess>();
  const participants: number[] = [];
  for (const p of s.processes.values()) {
    // A process that has been sent terminate()/kill() is ending, not waiting (its exit may arrive after the sender's).
    if (p.exit || isService(p) || p.terminated) continue;
    const idle = p.role === "pool-worker" && isIdleWorker(s, p.pid);
    const waits = p.startedAt >= 0 && !active.has(p.pid) ? processWaits(s, p) : null;
    if (idle && !waits) continue;
    participants.push(p.pid);
    if (waits) candidates.set(p.pid, { pid: p.pid, waits: waits.map((b) => analyseWait(ctx, b)) });
  }
  const stuck = new Map(candidates);
  const canAct = (pid: number, depth = 0): boolean => {
    const p = s.processes.get(pid);
    if (!p) return true; // never seen: may well be running
    if (p.exit) return false;
    if (isService(p)) return false;
    if (active.has(pid)) return true;
    if (candidates.has(pid)) return !stuck.has(pid);
    if (p.role === "pool-worker" && isIdleWorker(s, pid)) {
      const pool = s.workerPool(pid);
      if (!pool) return true;
      if (pool.tasks.size > 0) return true;
      if (depth > 4 || pool.creator === null || pool.creator === pid) return false;
      return canAct(pool.creator, depth + 1);
    }
    return true; // running (or not started yet)
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (const [pid, sp] of stuck) {
      let free = false;
      for (const w of sp.waits) {
        if (w.satisfiable || w.wakers === null || w.wakers.some((x) => canAct(x))) {
          free = true;
          break;
        }
      }
      if (free) {
        stuck.delete(pid);
        changed = true;
      }
    }
  }
  const runnable = participants.filter((p) => !stuck.has(p));
  return { stuck, runnable, allStuck: runnable.length === 0 && stuck.size > 0 };
}

/** A Pool worker with no task running (not a participant). */
export function isIdleWorker(s: ModelState, pid: number): boolean {
  const pool = s.workerPool(pid);
  if (!pool) return true;
  const w = pool.workers.get(pid);
  return !w || w.running === null;
}

/**
 * Cheap pre-check for a new wait: could this waiter be stuck at all? False when the wait can end
 * by something in flight or when one of its wakers is plainly running.
 */
export function mayBeStuck(s: ModelState, block: BlockInfo, ctx = new WaitContext(s)): boolean {
  const w = analyseWait(ctx, block);
  if (w.satisfiable || w.wakers === null) return false;
  for (const pid of w.wakers) {
    if (pid === block.pid) continue;
    const p = s.processes.get(pid);
    if (!p) return false;
    if (p.exit || isService(p)) continue;
    if (p.role === "pool-worker" && isIdleWorker(s, pid)) continue;
    if (p.startedAt < 0) return false;
    if (!processWaits(s, p)) return false;
  }
  return true;
}
