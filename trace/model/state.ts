/**
 * The state of a traced program at one event: processes and threads (running, blocked on what
 * since when, exited), and every IPC object (queues with their items, pipes with messages in
 * flight per direction, locks with owner and waiters, semaphores, events, conditions, barriers,
 * shared values, Manager objects, pools).
 *
 * {@link ModelState.apply} is the fold: it applies one event, in causal order. Big, growing
 * collections (the items ever put on a queue, the messages ever sent on a pipe, the tasks sent to
 * a pool) live in append-only logs shared by every state of a model: a state keeps only counters
 * into them, so a checkpoint (a {@link ModelState.clone}) costs O(number of objects), not
 * O(number of items). A state returned by the model is a snapshot: read it, do not change it.
 */

import { isCollectorEvent, type CallSite, type TraceEvent } from "../format";
import { INT, NON_NEG_INT, NUM, STR_PAIR } from "../kinds/fields";
import { HANDLER_BY_CODE } from "./fold";
import { declOf, KIND_NAMES, kindCode } from "./kinds";
import { addNames, copyChannel } from "./stateTypes";
import type { BlockInfo, CallInfo, Channel, ExitInfo, JobState, ModelRefs, ObjBase, ObjState, PoolState, ProcessStatus, ProcState, ThreadState, WorkerState } from "./stateTypes";

export * from "./stateTypes";


let generation = 0;

const NO_NAMES: Map<string, string> = new Map();

/** The state of the program after the events 0..index (see the file comment). */
export class ModelState {
  /** Causal index of the last event applied (-1: none). */
  index = -1;
  /** Trace time of the last event applied. */
  t = 0;
  readonly processes = new Map<number, ProcState>();
  readonly objects = new Map<string, ObjState>();
  /** Pipe end id → pipe id. */
  readonly ends = new Map<string, string>();
  /** Object (or pipe end) id → the program's name for it, from its creation event (`q`, `forks[0]`). */
  readonly names = new Map<string, string>();
  /** Manager calls in progress, by causal index of the mgr.call. */
  readonly calls = new Map<number, CallInfo>();
  /** Copy-on-write generation of this state. */
  gen = ++generation;

  constructor(readonly refs: ModelRefs) {}

  // ------------------------------------------------------------ reading

  /** A process by pid. */
  process(pid: number): ProcState | undefined {
    return this.processes.get(pid);
  }

  /** An object by id (pipe end ids resolve to their pipe). */
  object(id: string): ObjState | undefined {
    return this.objects.get(id) ?? this.objects.get(this.ends.get(id) ?? "");
  }

  /** Every open wait, oldest first. */
  blocks(): BlockInfo[] {
    const out: BlockInfo[] = [];
    for (const p of this.processes.values()) for (const th of p.threads.values()) if (th.block) out.push(th.block);
    return out.sort((a, b) => a.since - b.since);
  }

  /** Threads waiting on an object (in the order they began waiting). */
  waitersOf(obj: string): BlockInfo[] {
    const out: BlockInfo[] = [];
    for (const p of this.processes.values()) {
      if (p.exit) continue;
      for (const th of p.threads.values()) if (th.block && th.block.obj === obj) out.push(th.block);
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /** Status of a process at this state. */
  status(p: ProcState): ProcessStatus {
    if (p.exit) return "exited";
    if (p.startedAt < 0) return "starting";
    const main = p.threads.get(p.pid);
    if (main) return main.block ? "blocked" : "running";
    let any = false;
    for (const th of p.threads.values()) {
      if (th.internal) continue;
      if (!th.block) return "running";
      any = true;
    }
    return any ? "blocked" : "running";
  }

  /** Is the process alive (not known to have exited or died)? */
  alive(pid: number): boolean {
    const p = this.processes.get(pid);
    return p !== undefined && p.exit === null;
  }

  /** Messages present on a channel (sent, not taken), oldest first, as causal indices of their sends. */
  channelItems(c: Channel): number[] {
    const out: number[] = [];
    const sent = c.log.sent.data;
    const taken = c.log.taken.data;
    const i = this.index;
    for (let k = c.head; k < c.count; k++) {
      const tk = taken[k];
      if (tk < 0 || tk > i) out.push(sent[k]);
    }
    return out;
  }

  /** Items in a queue, oldest first: causal indices of their queue.put events. */
  queueItems(id: string): number[] {
    const q = this.objects.get(id);
    return q && q.cls === "queue" ? this.channelItems(q.items) : [];
  }

  /** Messages in flight on a pipe: [sent on ends[0] towards ends[1], sent on ends[1] towards ends[0]] (causal indices of the sends). */
  pipeInFlight(id: string): [number[], number[]] {
    const p = this.object(id);
    return p && p.cls === "pipe" ? [this.channelItems(p.dirs[0]), this.channelItems(p.dirs[1])] : [[], []];
  }

  /** Tasks sent to a pool's workers and not taken yet (causal indices of pool.task.send). */
  poolPending(id: string): number[] {
    const p = this.objects.get(id);
    return p && p.cls === "pool" ? this.channelItems(p.tasks) : [];
  }

  // ------------------------------------------------------------ snapshots

  /** An independent copy (shares only the append-only logs and copy-on-write maps). */
  clone(): ModelState {
    const s = new ModelState(this.refs);
    this.gen = ++generation; // both sides must copy a shared map before changing it
    s.index = this.index;
    s.t = this.t;
    for (const [pid, p] of this.processes) {
      const threads = new Map<number, ThreadState>();
      for (const [tid, th] of p.threads) threads.set(tid, { ...th, block: th.block ? { ...th.block } : null });
      s.processes.set(pid, { ...p, threads });
    }
    for (const [id, o] of this.objects) s.objects.set(id, cloneObj(o));
    for (const [k, v] of this.ends) s.ends.set(k, v);
    for (const [k, v] of this.names) s.names.set(k, v);
    for (const [k, v] of this.calls) s.calls.set(k, { ...v });
    return s;
  }

  // ------------------------------------------------------------ the fold

  /** Process record for a pid, created on first sight. */
  proc(pid: number, at: number): ProcState {
    let p = this.processes.get(pid);
    if (!p) {
      p = {
        pid,
        name: `pid ${pid}`,
        role: "unknown",
        ppid: null,
        target: null,
        daemon: false,
        birth: -1,
        startedAt: -1,
        spawnedAt: -1,
        threads: new Map(),
        exit: null,
        disconnect: null,
        terminated: null,
        firstIndex: at,
        lastIndex: at,
        lost: 0,
        names: NO_NAMES,
      };
      this.processes.set(pid, p);
    }
    return p;
  }

  private thread(p: ProcState, tid: number, internal: boolean): ThreadState {
    let th = p.threads.get(tid);
    if (!th) {
      th = { tid, block: null, call: -1, serving: -1, lastIndex: -1, internal };
      p.threads.set(tid, th);
    } else if (!internal) th.internal = false;
    return th;
  }

  base(id: string, objType: string, at: number, creator: number | null, manager: string | null): ObjBase {
    return { id, objType, createdAt: at, creator, users: new Set(creator === null ? [] : [creator]), manager, site: null };
  }

  /** A placeholder made by a use before the creation event: it now has its type and creator. */
  adoptPlaceholder(prev: ObjBase, objType: string, at: number, creator: number | null): void {
    prev.objType = objType;
    prev.creator = creator;
    prev.createdAt = at;
    if (creator !== null) prev.users.add(creator);
  }

  /** The object `id` if it exists and is of class `cls`; else a new one from `make` (given what was there), stored. */
  obtain<C extends ObjState["cls"]>(
    id: string,
    cls: C,
    make: (prev: ObjState | undefined) => Extract<ObjState, { cls: C }>,
  ): Extract<ObjState, { cls: C }> {
    const o = this.objects.get(id);
    if (o && o.cls === cls) return o as Extract<ObjState, { cls: C }>;
    const n = make(o);
    this.objects.set(id, n);
    return n;
  }

  use(obj: unknown, pid: number): void {
    if (typeof obj !== "string") return;
    const o = this.objects.get(obj) ?? this.objects.get(this.ends.get(obj) ?? "");
    if (o) o.users.add(pid);
  }

  /** Append a message to a channel (the log entry already exists when replaying from a checkpoint). */
  chanPut(c: Channel, i: number): void {
    const log = c.log;
    if (c.count < log.sent.length) {
      // Replaying: the entry was written by the first fold.
    } else {
      log.sent.push(i);
      log.taken.push(-1);
    }
    c.count++;
    c.size++;
  }

  /** Take a message from a channel: the one sent at causal index `send` (or the oldest, when unknown). */
  chanTake(c: Channel, send: number, i: number): number {
    const log = c.log;
    let k = -1;
    if (send >= 0) k = log.positionOf(send);
    if (k < 0 || k >= c.count) {
      // Unpaired receipt: the one the first fold chose, else the oldest present.
      k = -1;
      for (let j = c.head; j < c.count; j++) {
        if (log.taken.data[j] === i) {
          k = j;
          break;
        }
      }
      if (k < 0) {
        for (let j = c.head; j < c.count; j++) {
          if (log.taken.data[j] === -1) {
            k = j;
            break;
          }
        }
      }
      if (k < 0) return -1;
    }
    const tk = log.taken.data[k];
    if (tk === -1 || tk === i) {
      log.taken.data[k] = i;
      if (c.size > 0) c.size--;
    } else if (tk > i) {
      // A replay reached a take the first fold already recorded later: cannot happen in order; ignore.
    }
    while (c.head < c.count) {
      const t = log.taken.data[c.head];
      if (t >= 0 && t <= i) c.head++;
      else break;
    }
    return k;
  }

  endProcess(p: ProcState, exit: ExitInfo): void {
    p.exit = exit;
    for (const th of p.threads.values()) {
      th.block = null;
      if (th.call >= 0) this.calls.delete(th.call);
      th.call = -1;
    }
  }

  /** Events that could not be applied (malformed: a field missing or of the wrong type). */
  malformed = 0;

  /**
   * Apply one event (the next in causal order, at causal index i; `code`: its kind code when the
   * caller has it). Never throws: a malformed event is counted and skipped.
   */
  apply(ev: TraceEvent, i: number, code = kindCode(ev.kind)): void {
    try {
      this.applyEvent(ev, i, code);
    } catch {
      this.malformed++;
    }
  }

  private applyEvent(e: TraceEvent, i: number, code: number): void {
    this.index = i;
    if (typeof e.t === "number") this.t = e.t;
    if (typeof e.pid !== "number" || typeof e.kind !== "string" || !wellFormed(e, code)) {
      this.malformed++;
      return;
    }
    const p = this.proc(e.pid, i);
    p.lastIndex = i;
    if (isCollectorEvent(e)) {
      HANDLER_BY_CODE[code]?.(this, e, i, p, null, null);
      return;
    }
    const th = this.thread(p, e.tid, (FLAGS[code] & F_INTERNAL) !== 0);
    th.lastIndex = i;
    const site: CallSite | null = e.site && typeof e.site === "object" && typeof e.site.file === "string" ? e.site : null;
    HANDLER_BY_CODE[code]?.(this, e, i, p, th, site);
    if ((FLAGS[code] & F_CREATE) !== 0) {
      const x = e as { obj: string; name?: unknown; ends?: unknown; endNames?: unknown };
      if (site) {
        const o = this.objects.get(x.obj);
        if (o && o.site === null) o.site = site;
      }
      // A proxy's id is its object's address in the Manager's server, which a later object can reuse
      // once the first is freed: its creation names it from then on.
      if (typeof x.name === "string" && (!this.names.has(x.obj) || e.kind === "proxy.create")) this.names.set(x.obj, x.name);
      if (Array.isArray(x.endNames) && Array.isArray(x.ends)) {
        for (let k = 0; k < 2; k++) {
          if (typeof x.endNames[k] === "string" && typeof x.ends[k] === "string" && !this.names.has(x.ends[k])) this.names.set(x.ends[k], x.endNames[k]);
        }
      }
    }
    if ((FLAGS[code] & F_NAMES) !== 0) {
      // The recording process's own names for objects made elsewhere (a connection it accepted or
      // made, a block it attached, a Manager it connected to): its names, and the object's where
      // nobody named it at creation.
      const m = (e as { names?: unknown }).names;
      if (m && typeof m === "object") {
        p.names = addNames(p.names, m as Record<string, string>);
        for (const [k, v] of Object.entries(m)) if (typeof v === "string" && !this.names.has(k)) this.names.set(k, v);
      }
    }
  }

  /** The pool that has a job (Pool.get waits name the job), if known. */
  jobPool(job: string): PoolState | null {
    for (const o of this.objects.values()) if (o.cls === "pool" && o.jobs.has(job)) return o;
    return null;
  }

  /** The pool a worker belongs to, if known. */
  workerPool(pid: number): PoolState | null {
    for (const o of this.objects.values()) if (o.cls === "pool" && o.workers.has(pid)) return o;
    return null;
  }

}

const F_NO_OBJ = 1;
const F_CREATE = 2;
const F_INTERNAL = 4;
const F_NAMES = 8;

/** Per kind code: the kind's `obj` is optional, it creates an object, library threads emit it (from the table of kinds). */
const FLAGS: Uint8Array = (() => {
  const f = new Uint8Array(KIND_NAMES.length);
  f[0] = F_NO_OBJ; // kinds this version does not know
  for (let code = 1; code < KIND_NAMES.length; code++) {
    const d = declOf(code)!;
    if (!d.fields.obj?.required) f[code] |= F_NO_OBJ;
    if (d.class === "create") f[code] |= F_CREATE;
    if (d.internal) f[code] |= F_INTERNAL;
    // `names` of a child's start or a Pool task are the process's names only (its fold handler).
    if (d.fields.names && KIND_NAMES[code] !== "process.start" && KIND_NAMES[code] !== "pool.task.recv") f[code] |= F_NAMES;
  }
  return f;
})();

/** Per kind code: the fields the fold relies on besides `obj` (the table's `relies`) and the JavaScript type each must have. */
const RELIES: ReadonlyArray<ReadonlyArray<readonly [name: string, type: string]>> = KIND_NAMES.map((_, code) => {
  const d = declOf(code);
  if (!d || !d.relies) return [];
  return d.relies.map((name) => {
    const types = d.fields[name].types;
    return [name, types & STR_PAIR ? "pair" : types & (INT | NUM | NON_NEG_INT) ? "number" : "string"] as const;
  });
});

/** The fields the fold relies on are there and of the right type. */
function wellFormed(e: TraceEvent, code: number): boolean {
  const x = e as unknown as Record<string, unknown>;
  if (x.src !== "collector" && typeof x.tid !== "number") return false;
  if ((FLAGS[code] & F_NO_OBJ) === 0 && typeof x.obj !== "string") return false;
  const need = RELIES[code];
  for (let k = 0; k < need.length; k++) {
    const v = x[need[k][0]];
    const type = need[k][1];
    if (type === "pair") {
      if (!(Array.isArray(v) && typeof v[0] === "string" && typeof v[1] === "string")) return false;
    } else if (typeof v !== type) return false;
  }
  return true;
}

function cloneObj(o: ObjState): ObjState {
  const users = new Set(o.users);
  switch (o.cls) {
    case "queue":
      return { ...o, users, items: copyChannel(o.items) };
    case "pipe":
      return {
        ...o,
        users,
        dirs: [copyChannel(o.dirs[0]), copyChannel(o.dirs[1])],
        holders: [new Set(o.holders[0]), new Set(o.holders[1])],
        closedBy: [new Set(o.closedBy[0]), new Set(o.closedBy[1])],
      };
    case "lock":
      return { ...o, users }; // owner and holders are replaced, never mutated
    case "pool": {
      const workers = new Map<number, WorkerState>();
      for (const [k, w] of o.workers) workers.set(k, { ...w });
      const jobs = new Map<string, JobState>();
      for (const [k, j] of o.jobs) jobs.set(k, { ...j });
      return { ...o, users, workers, jobs, tasks: copyChannel(o.tasks) };
    }
    default:
      return { ...o, users };
  }
}
