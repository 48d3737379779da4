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

import type { CallSite, ProcessRole, TraceEvent } from "../format";
import { Int32Column } from "./growable";
import { KIND_NAMES, kindCode } from "./kinds";

/** What the state needs from its model: events by causal index and message pairing. */
export interface ModelRefs {
  /** Event at a causal index. */
  event(i: number): TraceEvent;
  /** Causal index of the other side of a message (send ↔ receipt), or -1. */
  partner(i: number): number;
  /** Causal index of a placed send (class "q", "p", …, see kinds.ts) with this msg not yet received, or -1. */
  findSend(cls: string, msg: string): number;
}

// ---------------------------------------------------------------- processes

/** An open wait: a thread between block.begin and block.end. */
export interface BlockInfo {
  pid: number;
  tid: number;
  /** The blocking operation (format BlockOp), e.g. "queue.get". */
  op: string;
  /** What it waits on: an object id or `proc:<pid>`. */
  obj: string;
  /** Causal index of the block.begin. */
  since: number;
  /** Trace time of the block.begin (ns). */
  t: number;
  site: CallSite | null;
  /** Timeout in seconds, when the call has one. */
  timeout: number | null;
  /** cond.wait only: a notify has reached this waiter (it now waits for the lock). */
  notified: boolean;
}

/** A Manager call a client made and has not had the reply of. */
export interface CallInfo {
  /** Causal index of the mgr.call. */
  index: number;
  pid: number;
  tid: number;
  obj: string;
  method: string;
  msg: string;
  site: CallSite | null;
  /** Server pid once it received the call. */
  server: number | null;
  phase: "sent" | "serving" | "replied";
}

export interface ThreadState {
  tid: number;
  block: BlockInfo | null;
  /** Causal index of this thread's pending mgr.call, or -1. */
  call: number;
  /** Server threads: causal index of the mgr.call being served, or -1. */
  serving: number;
  lastIndex: number;
  /** Only events of library threads so far (a queue's feeder, a Pool's task and result handlers): not a thread of the user's. */
  internal: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: number | null;
  at: number;
  t: number;
  /** How the model learnt it: the process's own exit event, the collector (connection lost), the launcher (run.exit), or a joiner's view. */
  how: "exit" | "disconnect" | "run.exit" | "join";
}

export interface ProcState {
  pid: number;
  name: string;
  role: ProcessRole | "unknown";
  ppid: number | null;
  /** The target function (from process.spawn), when known. */
  target: string | null;
  daemon: boolean;
  /** Causal index of the first of its spawn and its start (-1 when neither was seen). */
  birth: number;
  startedAt: number;
  spawnedAt: number;
  threads: Map<number, ThreadState>;
  exit: ExitInfo | null;
  disconnect: { clean: boolean; at: number } | null;
  terminated: { by: number; at: number; how: "terminate" | "kill" } | null;
  firstIndex: number;
  lastIndex: number;
  /** Events the collector reported lost for this process. */
  lost: number;
}

/** Process status for views. */
export type ProcessStatus = "starting" | "running" | "blocked" | "exited";

// ---------------------------------------------------------------- objects

/** Append-only log of messages on one channel (a queue, a pipe direction, a pool's task queue), shared by all states of a model. */
export class MsgLog {
  /** Causal index of each send, ascending. */
  readonly sent = new Int32Column(16);
  /** Causal index of the event that took each message (receipt, or a feeder error that dropped it), or -1. */
  readonly taken = new Int32Column(16);
  /** Position of the send at causal index i (binary search), or -1. */
  positionOf(i: number): number {
    const k = this.sent.floorIndex(i);
    return k >= 0 && this.sent.data[k] === i ? k : -1;
  }
}

/** Channel counters a state keeps into a shared {@link MsgLog}. */
export interface Channel {
  log: MsgLog;
  /** First position not yet taken (everything before it was taken). */
  head: number;
  /** Entries of the log that exist at this state. */
  count: number;
  /** Messages present (sent, not taken). */
  size: number;
}

interface ObjBase {
  id: string;
  objType: string;
  createdAt: number;
  creator: number | null;
  /** Pids that used the object (created it, called any method). */
  users: Set<number>;
  /** Manager id when the object lives in a Manager server. */
  manager: string | null;
  /** Where user code created it, when the trace shows it. */
  site: CallSite | null;
}

export interface QueueState extends ObjBase {
  cls: "queue";
  maxsize: number | null;
  copyOf: string | null;
  items: Channel;
  /** JoinableQueue: items put and not yet task_done()'d. */
  unfinished: number;
  /** Items dropped by a feeder error. */
  dropped: number;
  closed: boolean;
}

export interface PipeState extends ObjBase {
  cls: "pipe";
  ends: [string, string];
  duplex: boolean;
  /** dirs[0]: sent on ends[0], arriving at ends[1]; dirs[1]: sent on ends[1], arriving at ends[0]. */
  dirs: [Channel, Channel];
  /** Pids known to hold each end (created or used it and did not close it). */
  holders: [Set<number>, Set<number>];
  /** Pids that closed each end. */
  closedBy: [Set<number>, Set<number>];
}

/** One acquisition of a lock or semaphore. */
export interface Holder {
  pid: number;
  tid: number;
  /** Causal index of the acquire. */
  since: number;
  site: CallSite | null;
  /** RLock recursion depth. */
  depth: number;
}

export interface LockState extends ObjBase {
  cls: "lock";
  /** lock: Lock; rlock: RLock (re-entrant); semaphore: Semaphore/BoundedSemaphore (counted, no owner). */
  kind: "lock" | "rlock" | "semaphore";
  initial: number;
  /** False for a Manager Semaphore (its initial value is not in the trace). */
  initialKnown: boolean;
  /** Semaphore count (locks: 1 free, 0 held). */
  value: number;
  /** Lock/RLock owner. */
  owner: Holder | null;
  /** Semaphore acquisitions not yet released, oldest first. */
  holders: Holder[];
  /** The Condition this lock belongs to, if any. */
  condOf: string | null;
  /** The Value/Array whose implicit lock this is, if any. */
  ownerOf: string | null;
  /** lock.acquire/release events were seen for it (else Manager ownership is derived from acquire() calls). */
  native: boolean;
  derived: number;
  /** Causal index of the last release (-1: none). */
  lastReleaseAt: number;
}

export interface ConditionState extends ObjBase {
  cls: "condition";
  /** Id of its lock (lock ops on the condition's own id go to that lock). */
  lock: string;
  notifies: number;
}

export interface EventState extends ObjBase {
  cls: "event";
  flag: boolean;
  changedAt: number;
  changedBy: number | null;
  native: boolean;
}

export interface BarrierState extends ObjBase {
  cls: "barrier";
  parties: number;
  /** wait() calls that returned normally. */
  passed: number;
  /** Causal index of the last wait() that returned (the barrier tripped then), -1 if none. */
  lastPassAt: number;
  broken: boolean;
}

export interface ValueState extends ObjBase {
  cls: "value";
  ctype: string;
  length: number | null;
  lock: string | null;
  /** Whole value (a Value), or the preview of an Array as created. */
  value: string;
  /** Array elements (or slices) written or read since, by index text. Copy-on-write. */
  elements: Map<string, string>;
  elementsGen: number;
  lastWrite: { pid: number; at: number; site: CallSite | null } | null;
}

export interface ProxyState extends ObjBase {
  cls: "proxy";
  /** dict entries / Namespace attributes, by key (Python repr text), as far as the trace shows. Copy-on-write. */
  entries: Map<string, string>;
  /** list items, as far as the trace shows (null when not a list or not known). Copy-on-write. */
  list: string[] | null;
  contentGen: number;
  /** The trace showed every change since creation (false after an operation the model cannot follow). */
  complete: boolean;
  /** Last full view of the contents returned by the server (e.g. items()), if any. */
  lastView: string | null;
  /** ns.local_change events so far. */
  localChanges: number;
}

export interface ManagerState extends ObjBase {
  cls: "manager";
  serverPid: number;
  address: string;
}

export interface WorkerState {
  pid: number;
  /** The task it is running: job, chunk index, causal index of the pool.task.recv. */
  running: { job: string; index: number; since: number } | null;
  done: number;
  failed: number;
}

export interface JobState {
  job: string;
  method: string;
  func: string;
  tasks: number | null;
  submittedAt: number;
  submitter: number;
  sent: number;
  taken: number;
  resultsSent: number;
  resultsReceived: number;
  got: boolean;
}

export interface PoolState extends ObjBase {
  cls: "pool";
  processes: number;
  workers: Map<number, WorkerState>;
  jobs: Map<string, JobState>;
  /** Tasks sent to the workers and not yet taken. */
  tasks: Channel;
  closed: boolean;
  terminated: boolean;
  joined: boolean;
}

export type ObjState =
  | QueueState
  | PipeState
  | LockState
  | ConditionState
  | EventState
  | BarrierState
  | ValueState
  | ProxyState
  | ManagerState
  | PoolState;

type E = TraceEvent & Record<string, any>;

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

let generation = 0;



function newChannel(): Channel {
  return { log: new MsgLog(), head: 0, count: 0, size: 0 };
}

function copyChannel(c: Channel): Channel {
  return { log: c.log, head: c.head, count: c.count, size: c.size };
}

/** Class of an object type given to sync.create / proxy.create / queue.create. */
function baseType(objType: string): string {
  return objType.startsWith("Manager") && objType.length > 7 ? objType.slice(7) : objType;
}

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

  private base(id: string, objType: string, at: number, creator: number | null, manager: string | null): ObjBase {
    return { id, objType, createdAt: at, creator, users: new Set(creator === null ? [] : [creator]), manager, site: null };
  }

  /** A placeholder made by a use before the creation event: it now has its type and creator. */
  private adoptPlaceholder(prev: ObjBase, objType: string, at: number, creator: number | null): void {
    prev.objType = objType;
    prev.creator = creator;
    prev.createdAt = at;
    if (creator !== null) prev.users.add(creator);
  }

  private newQueue(id: string, objType: string, at: number, creator: number | null): QueueState {
    const prev = this.objects.get(id);
    if (prev && prev.cls === "queue" && prev.creator === null) {
      // Used before its creation event was placed: keep its items.
      this.adoptPlaceholder(prev, objType, at, creator);
      return prev;
    }
    const q: QueueState = {
      ...this.base(id, objType, at, creator, null),
      cls: "queue",
      maxsize: null,
      copyOf: null,
      items: newChannel(),
      unfinished: 0,
      dropped: 0,
      closed: false,
    };
    this.objects.set(id, q);
    return q;
  }

  private queue(id: string, at: number): QueueState {
    const o = this.objects.get(id);
    if (o && o.cls === "queue") return o;
    return this.newQueue(id, "Queue", at, null);
  }

  private newLock(id: string, objType: string, at: number, creator: number | null, value: number | undefined, manager: string | null): LockState {
    const kind = LOCK_TYPES[objType] ?? LOCK_TYPES[baseType(objType)] ?? "lock";
    const initial = kind === "semaphore" ? (value ?? 1) : 1;
    const prev = this.objects.get(id);
    if (prev && prev.cls === "lock" && prev.creator === null) {
      // Used before its creation event was placed (its creator flushed later): keep what it knows.
      this.adoptPlaceholder(prev, objType, at, creator);
      prev.kind = kind;
      prev.initial = initial;
      prev.initialKnown = kind !== "semaphore" || value !== undefined || manager === null;
      if (kind === "semaphore") prev.value = Math.max(0, initial - prev.holders.length);
      else if (prev.owner === null) prev.value = 1;
      prev.manager = manager;
      return prev;
    }
    const l: LockState = {
      ...this.base(id, objType, at, creator, manager),
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
    this.objects.set(id, l);
    return l;
  }

  /** The lock a lock operation on `id` is about (a Condition's id means its lock). */
  private lockFor(id: string, at: number, hintRecursive: boolean): LockState {
    const o = this.objects.get(id);
    if (o) {
      if (o.cls === "lock") return o;
      if (o.cls === "condition") {
        const l = this.objects.get(o.lock);
        if (l && l.cls === "lock") return l;
        const nl = this.newLock(o.lock, "RLock", at, o.creator, undefined, o.manager);
        nl.condOf = o.id;
        return nl;
      }
    }
    return this.newLock(id, hintRecursive ? "RLock" : "Lock", at, null, undefined, null);
  }

  private pipe(end: string, at: number): { pipe: PipeState; side: 0 | 1 } {
    const pid = this.ends.get(end);
    if (pid !== undefined) {
      const p = this.objects.get(pid);
      if (p && p.cls === "pipe") return { pipe: p, side: p.ends[0] === end ? 0 : 1 };
    }
    // A pipe end never created in the trace: invent a pipe for it.
    const other = end + "'";
    const p = this.newPipe("pipe:" + end, [end, other], true, at, null);
    return { pipe: p, side: 0 };
  }

  private newPipe(id: string, ends: [string, string], duplex: boolean, at: number, creator: number | null): PipeState {
    // Ends used before the pipe's creation event was placed got an invented pipe: take over what they sent.
    const early: Array<[PipeState, 0 | 1]> = [];
    for (const side of [0, 1] as const) {
      const old = this.objects.get(this.ends.get(ends[side]) ?? "");
      if (old && old.cls === "pipe" && old.id.startsWith("pipe:")) early.push([old, side]);
    }
    const p: PipeState = {
      ...this.base(id, "Pipe", at, creator, null),
      cls: "pipe",
      ends,
      duplex,
      dirs: [newChannel(), newChannel()],
      holders: [new Set(creator === null ? [] : [creator]), new Set(creator === null ? [] : [creator])],
      closedBy: [new Set(), new Set()],
    };
    for (const [old, side] of early) {
      p.dirs[side] = old.dirs[0];
      for (const pid of old.holders[0]) p.holders[side].add(pid);
      for (const pid of old.users) p.users.add(pid);
      this.objects.delete(old.id);
    }
    this.objects.set(id, p);
    this.ends.set(ends[0], id);
    this.ends.set(ends[1], id);
    return p;
  }

  private eventObj(id: string, at: number): EventState {
    return this.obtain(id, "event", () => ({ ...this.base(id, "Event", at, null, null), cls: "event", flag: false, changedAt: -1, changedBy: null, native: false }));
  }

  /** The object `id` if it exists and is of class `cls`; else a new one from `make` (given what was there), stored. */
  private obtain<C extends ObjState["cls"]>(
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

  private barrier(id: string, at: number): BarrierState {
    return this.obtain(id, "barrier", () => ({ ...this.base(id, "Barrier", at, null, null), cls: "barrier", parties: 0, passed: 0, lastPassAt: -1, broken: false }));
  }

  private value(id: string, at: number): ValueState {
    return this.obtain(id, "value", () => ({
      ...this.base(id, "Value", at, null, null),
      cls: "value",
      ctype: "?",
      length: null,
      lock: null,
      value: "?",
      elements: new Map(),
      elementsGen: this.gen,
      lastWrite: null,
    }));
  }

  private proxy(id: string, at: number, objType = "?"): ProxyState {
    return this.obtain(id, "proxy", (prev) => ({
      ...this.base(id, objType, at, null, null),
      cls: "proxy",
      entries: new Map(),
      list: objType === "list" ? [] : null,
      contentGen: this.gen,
      complete: prev === undefined && objType !== "?",
      lastView: null,
      localChanges: 0,
    }));
  }

  private pool(id: string, at: number): PoolState {
    return this.obtain(id, "pool", () => ({
      ...this.base(id, "Pool", at, null, null),
      cls: "pool",
      processes: 0,
      workers: new Map(),
      jobs: new Map(),
      tasks: newChannel(),
      closed: false,
      terminated: false,
      joined: false,
    }));
  }

  private worker(pool: PoolState, pid: number): WorkerState {
    let w = pool.workers.get(pid);
    if (!w) {
      w = { pid, running: null, done: 0, failed: 0 };
      pool.workers.set(pid, w);
    }
    return w;
  }

  private job(pool: PoolState, job: string, at: number, pid: number): JobState {
    let j = pool.jobs.get(job);
    if (!j) {
      j = { job, method: "?", func: "?", tasks: null, submittedAt: at, submitter: pid, sent: 0, taken: 0, resultsSent: 0, resultsReceived: 0, got: false };
      pool.jobs.set(job, j);
    }
    return j;
  }

  private use(obj: unknown, pid: number): void {
    if (typeof obj !== "string") return;
    const o = this.objects.get(obj) ?? this.objects.get(this.ends.get(obj) ?? "");
    if (o) o.users.add(pid);
  }

  /** Append a message to a channel (the log entry already exists when replaying from a checkpoint). */
  private chanPut(c: Channel, i: number): void {
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
  private chanTake(c: Channel, send: number, i: number): number {
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

  private acquire(l: LockState, pid: number, tid: number, at: number, site: CallSite | null, depth: number | undefined): void {
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

  private release(l: LockState, pid: number, tid: number, depth: number | undefined): void {
    l.lastReleaseAt = this.index;
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
  private goNative(l: LockState): void {
    if (l.native) return;
    l.native = true;
    if (l.derived > 0) {
      l.owner = null;
      l.holders = [];
      l.value = l.initial;
      l.derived = 0;
    }
  }

  private endProcess(p: ProcState, exit: ExitInfo): void {
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

  private applyEvent(ev: TraceEvent, i: number, code: number): void {
    const e = ev as E;
    this.index = i;
    if (typeof e.t === "number") this.t = e.t;
    if (typeof e.pid !== "number" || typeof e.kind !== "string") {
      this.malformed++;
      return;
    }
    if (!wellFormed(e, code)) {
      this.malformed++;
      return;
    }
    // The kind's own (internalized) name: the switch below then compares by identity.
    const kind = KIND_NAMES[code];
    const p = this.proc(e.pid, i);
    p.lastIndex = i;
    if (e.src === "collector") {
      this.applyCollector(e, p, i);
      return;
    }
    const th = this.thread(p, e.tid, (FLAGS[code] & F_INTERNAL) !== 0);
    th.lastIndex = i;
    const site: CallSite | null = e.site && typeof e.site === "object" && typeof e.site.file === "string" ? e.site : null;
    switch (kind) {
      // ------------------------------------------------ processes
      case "process.start": {
        if (p.exit && e.seq === 0) {
          // A reused pid: a new process.
          p.exit = null;
          p.disconnect = null;
          p.terminated = null;
          p.threads = new Map([[e.tid, th]]);
        }
        p.name = e.name;
        p.role = e.role;
        p.ppid = e.ppid;
        p.startedAt = i;
        if (p.birth < 0) p.birth = i;
        if (e.role === "pool-worker") this.attachWorker(p, i);
        break;
      }
      case "process.spawn": {
        const c = this.proc(e.child, i);
        if (c.name.startsWith("pid ")) c.name = e.name;
        c.target = e.target ?? c.target;
        c.daemon = e.daemon;
        c.spawnedAt = i;
        if (c.ppid === null) c.ppid = e.pid;
        if (c.birth < 0) c.birth = i;
        break;
      }
      case "process.join": {
        if (e.exitCode !== null) {
          const c = this.proc(e.child, i);
          const signal = e.exitCode < 0 ? -e.exitCode : null;
          if (!c.exit) this.endProcess(c, { code: e.exitCode, signal, at: i, t: e.t, how: "join" });
          // It died without a word (connection lost, e.g. a Pool worker ended by terminate()): the
          // joiner knows its status; it ended when its connection did. (A new object: exits are
          // shared with checkpoints.)
          else if (c.exit.how === "disconnect") c.exit = { ...c.exit, code: e.exitCode, signal, how: "join" };
        }
        break;
      }
      case "process.terminate":
      case "process.kill": {
        const c = this.proc(e.child, i);
        c.terminated = { by: e.pid, at: i, how: kind === "process.kill" ? "kill" : "terminate" };
        break;
      }
      case "process.exit":
        this.endProcess(p, { code: e.exitCode, signal: e.signal ?? null, at: i, t: e.t, how: "exit" });
        break;

      // ------------------------------------------------ queues
      case "queue.create": {
        const q = this.newQueue(e.obj, e.objType, i, e.pid);
        q.maxsize = typeof e.maxsize === "number" && e.maxsize > 0 ? e.maxsize : null;
        q.copyOf = e.copyOf ?? null;
        break;
      }
      case "queue.put": {
        const q = this.queue(e.obj, i);
        q.users.add(e.pid);
        this.chanPut(q.items, i);
        q.unfinished++;
        break;
      }
      case "queue.get": {
        const q = this.queue(e.obj, i);
        q.users.add(e.pid);
        this.chanTake(q.items, this.refs.partner(i), i);
        break;
      }
      case "queue.poll":
      case "queue.join":
        this.queue(e.obj, i).users.add(e.pid);
        break;
      case "queue.task_done": {
        const q = this.queue(e.obj, i);
        q.users.add(e.pid);
        if (q.unfinished > 0) q.unfinished--;
        break;
      }
      case "queue.close": {
        const q = this.queue(e.obj, i);
        q.closed = true;
        break;
      }
      case "queue.feeder_error": {
        const q = this.queue(e.obj, i);
        if (typeof e.msg === "string") {
          const put = this.refs.findSend("q", e.msg);
          if (put >= 0 && put < i && this.chanTake(q.items, put, i) >= 0) q.dropped++;
        }
        break;
      }

      // ------------------------------------------------ pipes
      case "pipe.create": {
        const ends = e.ends as [string, string];
        this.newPipe(e.obj, [ends[0], ends[1]], e.duplex, i, e.pid);
        break;
      }
      case "pipe.send": {
        const { pipe, side } = this.pipe(e.obj, i);
        pipe.users.add(e.pid);
        pipe.holders[side].add(e.pid);
        this.chanPut(pipe.dirs[side], i);
        break;
      }
      case "pipe.recv": {
        const { pipe, side } = this.pipe(e.obj, i);
        pipe.users.add(e.pid);
        pipe.holders[side].add(e.pid);
        this.chanTake(pipe.dirs[1 - side], this.refs.partner(i), i);
        break;
      }
      case "pipe.poll":
      case "pipe.eof": {
        const { pipe, side } = this.pipe(e.obj, i);
        pipe.users.add(e.pid);
        pipe.holders[side].add(e.pid);
        break;
      }
      case "pipe.close": {
        const { pipe, side } = this.pipe(e.obj, i);
        pipe.holders[side].delete(e.pid);
        pipe.closedBy[side].add(e.pid);
        break;
      }

      // ------------------------------------------------ synchronisation
      case "sync.create": {
        const t = baseType(e.objType);
        if (t === "Condition") {
          const lockId = typeof e.lock === "string" ? e.lock : e.obj;
          const early = this.objects.get(e.obj);
          if (early && early.cls === "lock" && early.creator === null && lockId !== e.obj && !this.objects.has(lockId)) {
            // Lock operations on the condition arrived before its creation: they were on its lock.
            early.id = lockId;
            this.objects.set(lockId, early);
          }
          const c: ConditionState = { ...this.base(e.obj, e.objType, i, e.pid, null), cls: "condition", lock: lockId, notifies: 0 };
          this.objects.set(e.obj, c);
          if (lockId !== e.obj) {
            const l = this.objects.get(lockId);
            if (l && l.cls === "lock") l.condOf = e.obj;
          } else {
            // The condition is its own lock id: keep the lock under a derived id.
            c.lock = e.obj + "#lock";
            const l = this.newLock(c.lock, "RLock", i, e.pid, undefined, null);
            l.condOf = e.obj;
          }
        } else if (t === "Event") {
          const ev2 = this.eventObj(e.obj, i);
          ev2.objType = e.objType;
          ev2.createdAt = i;
          ev2.creator = e.pid;
          ev2.users.add(e.pid);
        } else if (t === "Barrier") {
          const b = this.barrier(e.obj, i);
          b.objType = e.objType;
          b.parties = e.value ?? 0;
          b.createdAt = i;
          b.creator = e.pid;
          b.users.add(e.pid);
        } else {
          const l = this.newLock(e.obj, e.objType, i, e.pid, e.value, null);
          if (typeof e.owner === "string") l.ownerOf = e.owner;
          for (const o of this.objects.values()) if (o.cls === "condition" && o.lock === e.obj) l.condOf = o.id;
        }
        break;
      }
      case "lock.acquire": {
        const l = this.lockFor(e.obj, i, typeof e.depth === "number");
        this.goNative(l);
        l.users.add(e.pid);
        this.use(e.obj, e.pid);
        if (e.ok) this.acquire(l, e.pid, e.tid, i, site, e.depth);
        break;
      }
      case "lock.release": {
        const l = this.lockFor(e.obj, i, typeof e.depth === "number");
        this.goNative(l);
        l.users.add(e.pid);
        this.use(e.obj, e.pid);
        this.release(l, e.pid, e.tid, e.depth);
        break;
      }
      case "cond.wait":
        this.use(e.obj, e.pid);
        break;
      case "cond.notify": {
        const c = this.objects.get(e.obj);
        if (c && c.cls === "condition") c.notifies++;
        this.use(e.obj, e.pid);
        let n = e.n === "all" ? Infinity : Number(e.n);
        for (const w of this.waitersOf(e.obj)) {
          if (n <= 0) break;
          if (w.op !== "cond.wait" || w.notified) continue;
          w.notified = true;
          n--;
        }
        break;
      }
      case "event.set":
      case "event.clear": {
        const x = this.eventObj(e.obj, i);
        x.native = true;
        x.users.add(e.pid);
        x.flag = kind === "event.set";
        x.changedAt = i;
        x.changedBy = e.pid;
        break;
      }
      case "event.wait":
      case "event.poll":
        this.eventObj(e.obj, i).users.add(e.pid);
        break;
      case "barrier.wait": {
        const b = this.barrier(e.obj, i);
        b.users.add(e.pid);
        if (e.index === null) b.broken = true;
        else {
          b.passed++;
          b.lastPassAt = i;
        }
        break;
      }
      case "barrier.abort":
      case "barrier.reset": {
        const b = this.barrier(e.obj, i);
        b.users.add(e.pid);
        b.broken = kind === "barrier.abort";
        break;
      }

      // ------------------------------------------------ shared values
      case "value.create": {
        const v = this.value(e.obj, i);
        v.objType = e.objType;
        v.ctype = e.ctype;
        v.length = e.length ?? null;
        v.lock = e.lock ?? null;
        v.value = e.preview;
        v.createdAt = i;
        v.creator = e.pid;
        v.users.add(e.pid);
        break;
      }
      case "value.read": {
        // A read shows the current value: it is the best truth the trace has.
        const v = this.value(e.obj, i);
        v.users.add(e.pid);
        const k = e.index === undefined ? "" : String(e.index);
        if (k === "" || k === "raw" || (v.length !== null && k === `0:${v.length}`)) {
          if (v.value !== e.value) v.value = e.value;
          if (v.elements.size > 0) this.mutElements(v).clear();
        } else if (v.elements.get(k) !== e.value) this.mutElements(v).set(k, e.value);
        break;
      }
      case "value.write": {
        const v = this.value(e.obj, i);
        v.users.add(e.pid);
        if (e.index === undefined || e.index === "raw") {
          v.value = e.value;
          if (v.elements.size > 0) this.mutElements(v).clear();
        } else this.mutElements(v).set(String(e.index), e.value);
        v.lastWrite = { pid: e.pid, at: i, site };
        break;
      }

      // ------------------------------------------------ managers
      case "manager.start": {
        const m: ManagerState = { ...this.base(e.obj, "Manager", i, e.pid, null), cls: "manager", serverPid: e.serverPid, address: e.address };
        this.objects.set(e.obj, m);
        const sp = this.proc(e.serverPid, i);
        if (sp.role === "unknown") sp.role = "manager-server";
        if (sp.ppid === null) sp.ppid = e.pid;
        break;
      }
      case "proxy.create":
        this.createProxy(e, i);
        break;
      case "mgr.call": {
        th.call = i;
        this.calls.set(i, { index: i, pid: e.pid, tid: e.tid, obj: e.obj, method: e.method, msg: e.msg, site, server: null, phase: "sent" });
        this.use(e.obj, e.pid);
        break;
      }
      case "mgr.recv": {
        const call = this.refs.partner(i);
        const c = call >= 0 ? this.calls.get(call) : undefined;
        if (c) {
          c.server = e.pid;
          c.phase = "serving";
        }
        th.serving = call;
        if (p.role === "unknown") p.role = "manager-server";
        break;
      }
      case "mgr.reply": {
        const c = th.serving >= 0 ? this.calls.get(th.serving) : undefined;
        if (c) c.phase = "replied";
        th.serving = -1;
        break;
      }
      case "mgr.return": {
        const c = th.call >= 0 ? this.calls.get(th.call) : undefined;
        if (th.call >= 0) this.calls.delete(th.call);
        th.call = -1;
        if (c) this.derive(c, e, i);
        break;
      }
      case "ns.get":
      case "ns.set":
      case "ns.del": {
        const x = this.proxy(e.obj, i, "Namespace");
        x.users.add(e.pid);
        if (kind === "ns.set") this.mutContent(x).set(e.attr, e.value ?? "?");
        else if (kind === "ns.del") this.mutContent(x).delete(e.attr);
        else if (typeof e.value === "string" && x.entries.get(e.attr) !== e.value) this.mutContent(x).set(e.attr, e.value);
        break;
      }
      case "ns.local_change": {
        const x = this.proxy(e.obj, i, "Namespace");
        x.users.add(e.pid);
        x.localChanges++;
        break;
      }
      case "proxy.op":
        this.proxyOp(e, i);
        break;

      // ------------------------------------------------ pools
      case "pool.create": {
        const pl = this.pool(e.obj, i);
        pl.processes = e.processes;
        pl.createdAt = i;
        pl.creator = e.pid;
        pl.users.add(e.pid);
        // Workers that started before the pool.create was placed.
        for (const w of this.processes.values()) {
          if (w.role === "pool-worker" && w.ppid === e.pid && !w.exit && !this.workerPool(w.pid)) this.worker(pl, w.pid);
        }
        break;
      }
      case "pool.submit": {
        const pl = this.pool(e.obj, i);
        const j = this.job(pl, e.job, i, e.pid);
        j.method = e.method;
        j.func = e.func;
        j.tasks = e.tasks ?? null;
        j.submittedAt = i;
        j.submitter = e.pid;
        break;
      }
      case "pool.task.send": {
        const pl = this.pool(e.obj, i);
        this.job(pl, e.job, i, e.pid).sent++;
        this.chanPut(pl.tasks, i);
        break;
      }
      case "pool.task.recv": {
        const pl = this.pool(e.obj, i);
        const w = this.worker(pl, e.pid);
        w.running = { job: e.job, index: e.index, since: i };
        this.job(pl, e.job, i, e.pid).taken++;
        this.chanTake(pl.tasks, this.refs.partner(i), i);
        break;
      }
      case "pool.result.send": {
        const pl = this.pool(e.obj, i);
        const w = this.worker(pl, e.pid);
        w.running = null;
        if (e.ok) w.done++;
        else w.failed++;
        this.job(pl, e.job, i, e.pid).resultsSent++;
        break;
      }
      case "pool.result.recv": {
        const pl = this.pool(e.obj, i);
        this.job(pl, e.job, i, e.pid).resultsReceived++;
        break;
      }
      case "pool.get": {
        const pl = this.pool(e.obj, i);
        this.job(pl, e.job, i, e.pid).got = true;
        break;
      }
      case "pool.close":
        this.pool(e.obj, i).closed = true;
        break;
      case "pool.terminate":
        this.pool(e.obj, i).terminated = true;
        break;
      case "pool.join":
        this.pool(e.obj, i).joined = true;
        break;

      // ------------------------------------------------ blocking
      case "block.begin":
        th.block = {
          pid: e.pid,
          tid: e.tid,
          op: e.op,
          obj: e.obj,
          since: i,
          t: e.t,
          site,
          timeout: typeof e.timeout === "number" ? e.timeout : null,
          notified: false,
        };
        this.use(e.obj, e.pid);
        break;
      case "block.end":
        th.block = null;
        break;
      default:
        break;
    }
    if (site && (FLAGS[code] & F_CREATE) !== 0) {
      const o = this.objects.get(e.obj);
      if (o && o.site === null) o.site = site;
      if (e.kind === "sync.create" && o && o.cls === "condition") {
        const l = this.objects.get(o.lock);
        if (l && l.site === null) l.site = site;
      }
    }
  }

  private applyCollector(e: E, p: ProcState, i: number): void {
    switch (e.kind) {
      case "process.disconnect":
        p.disconnect = { clean: e.clean, at: i };
        if (!e.clean && !p.exit) this.endProcess(p, { code: null, signal: null, at: i, t: e.t, how: "disconnect" });
        break;
      case "events.lost":
        p.lost += e.count;
        break;
      case "run.exit": {
        const sig = typeof e.signal === "string" ? SIGNALS[e.signal] ?? null : null;
        if (!p.exit) this.endProcess(p, { code: e.exitCode, signal: sig, at: i, t: e.t, how: "run.exit" });
        else if (p.exit.code === null && p.exit.signal === null) {
          // The main process records its exit before its status is known: the launcher saw it.
          // (A new object: exits are shared with checkpoints, which must not change.)
          p.exit = { ...p.exit, code: e.exitCode, signal: sig };
        }
        break;
      }
      default:
        break;
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

  private attachWorker(p: ProcState, i: number): void {
    let best: PoolState | null = null;
    for (const o of this.objects.values()) {
      if (o.cls === "pool" && o.creator === p.ppid && !o.terminated && (!best || o.createdAt > best.createdAt)) best = o;
    }
    if (best) this.worker(best, p.pid);
    void i;
  }

  private createProxy(e: E, i: number): void {
    const t = baseType(e.objType);
    const kind = LOCK_TYPES[t];
    if (kind) {
      this.newLock(e.obj, "Manager" + t, i, e.pid, typeof e.value === "number" ? e.value : undefined, e.manager);
      return;
    }
    switch (t) {
      case "Queue":
      case "JoinableQueue": {
        const q = this.newQueue(e.obj, "Manager" + t, i, e.pid);
        q.manager = e.manager;
        return;
      }
      case "Event": {
        const x = this.eventObj(e.obj, i);
        x.objType = "ManagerEvent";
        x.creator = e.pid;
        x.createdAt = i;
        x.users.add(e.pid);
        x.manager = e.manager;
        return;
      }
      case "Condition": {
        const early = this.objects.get(e.obj);
        const c: ConditionState = { ...this.base(e.obj, "ManagerCondition", i, e.pid, e.manager), cls: "condition", lock: e.obj + "#lock", notifies: 0 };
        if (early && early.cls === "lock" && early.creator === null) {
          early.id = c.lock;
          this.objects.set(c.lock, early);
        }
        this.objects.set(e.obj, c);
        const l = this.newLock(c.lock, "ManagerRLock", i, e.pid, undefined, e.manager);
        l.condOf = e.obj;
        return;
      }
      case "Barrier": {
        const b = this.barrier(e.obj, i);
        b.objType = "ManagerBarrier";
        if (typeof e.value === "number") b.parties = e.value;
        b.creator = e.pid;
        b.users.add(e.pid);
        b.manager = e.manager;
        return;
      }
      case "Value":
      case "Array": {
        const v = this.value(e.obj, i);
        v.objType = "Manager" + t;
        if (typeof e.preview === "string") v.value = e.preview;
        v.creator = e.pid;
        v.users.add(e.pid);
        v.manager = e.manager;
        return;
      }
      default: {
        const x = this.proxy(e.obj, i, e.objType);
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
  private derive(c: CallInfo, ret: E, i: number): void {
    const o = this.objects.get(c.obj);
    if (!o || !ret.ok) return;
    if (o.cls === "lock" && !o.native) {
      if (c.method === "acquire" && ret.preview !== "False") {
        this.acquire(o, c.pid, c.tid, c.index, c.site, undefined);
        o.derived++;
      } else if (c.method === "release") {
        this.release(o, c.pid, c.tid, undefined);
        o.derived++;
      }
    } else if (o.cls === "condition") {
      const l = this.objects.get(o.lock);
      if (l && l.cls === "lock" && !l.native) {
        if (c.method === "acquire" && ret.preview !== "False") {
          this.acquire(l, c.pid, c.tid, c.index, c.site, undefined);
          l.derived++;
        } else if (c.method === "release") {
          this.release(l, c.pid, c.tid, undefined);
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

  private mutElements(v: ValueState): Map<string, string> {
    if (v.elementsGen !== this.gen) {
      v.elements = new Map(v.elements);
      v.elementsGen = this.gen;
    }
    return v.elements;
  }

  private mutContent(x: ProxyState): Map<string, string> {
    if (x.contentGen !== this.gen) {
      x.entries = new Map(x.entries);
      if (x.list) x.list = x.list.slice();
      x.contentGen = this.gen;
    }
    return x.entries;
  }

  private mutList(x: ProxyState): string[] | null {
    this.mutContent(x);
    return x.list;
  }

  private proxyOp(e: E, i: number): void {
    const o = this.objects.get(e.obj);
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
        if (a.length >= 2) this.mutElements(o).set(a[0], a[1]);
        o.lastWrite = { pid: e.pid, at: i, site: e.site ?? null };
      }
      return;
    }
    const x = o && o.cls === "proxy" ? o : this.proxy(e.obj, i);
    x.users.add(e.pid);
    if (!e.ok) return;
    const m: string = e.method;
    const a = splitArgs(e.args);
    const isList = x.objType === "list" || x.list !== null;
    if (isList) {
      const list = this.mutList(x);
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
        if (a.length >= 2) this.mutContent(x).set(a[0], a[1]);
        return;
      case "__delitem__":
      case "pop":
        if (a.length >= 1) this.mutContent(x).delete(a[0]);
        return;
      case "setdefault":
        if (a.length >= 1 && !x.entries.has(a[0])) this.mutContent(x).set(a[0], a[1] ?? "None");
        return;
      case "__getitem__":
      case "get":
        if (a.length >= 1 && e.result !== undefined && !x.entries.has(a[0]) && !(m === "get" && e.result === "None")) {
          this.mutContent(x).set(a[0], e.result);
        }
        return;
      case "update": {
        const d = parseDictLiteral(a[0] ?? "");
        if (d) for (const [k, v] of d) this.mutContent(x).set(k, v);
        else x.complete = false;
        return;
      }
      case "clear":
        this.mutContent(x).clear();
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
}

const F_NO_OBJ = 1;
const F_CHILD = 2;
const F_CREATE = 4;
const F_INTERNAL = 8;
const F_OBJTYPE = 16;
const F_JOB = 32;
const F_ATTR = 64;
const F_METHOD = 128;
const F_OP = 256;

/** Per kind code: which fields the fold relies on, and other facts about the kind. */
const FLAGS: Uint16Array = (() => {
  const f = new Uint16Array(KIND_NAMES.length);
  const mark = (kinds: string[], bit: number) => {
    for (const k of kinds) f[kindCode(k)] |= bit;
  };
  // Kinds whose events carry no `obj` (and code 0: kinds this version does not know).
  f[0] |= F_NO_OBJ;
  mark(["process.start", "process.spawn", "process.join", "process.terminate", "process.kill", "process.exit", "mgr.recv", "mgr.reply", "process.disconnect", "events.lost", "run.exit"], F_NO_OBJ);
  mark(["process.spawn", "process.join", "process.terminate", "process.kill"], F_CHILD);
  // Kinds that create an object (their site is where user code created it).
  mark(["queue.create", "pipe.create", "sync.create", "value.create", "proxy.create", "pool.create", "manager.start"], F_CREATE);
  // Kinds emitted by library threads (a Queue's feeder thread, a Pool's task and result handler threads).
  mark(["queue.feeder_error", "pool.task.send", "pool.result.recv"], F_INTERNAL);
  mark(["queue.create", "sync.create", "value.create", "proxy.create"], F_OBJTYPE);
  mark(["pool.submit", "pool.task.send", "pool.task.recv", "pool.result.send", "pool.result.recv", "pool.get"], F_JOB);
  mark(["ns.get", "ns.set", "ns.del", "ns.local_change"], F_ATTR);
  mark(["mgr.call", "proxy.op"], F_METHOD);
  mark(["block.begin", "block.end"], F_OP);
  return f;
})();

/** The fields the fold relies on are there and of the right type. */
function wellFormed(e: E, code: number): boolean {
  const f = FLAGS[code];
  if (e.src !== "collector" && typeof e.tid !== "number") return false;
  if ((f & F_NO_OBJ) === 0 && typeof e.obj !== "string") return false;
  if (f === 0) return true;
  if ((f & F_CHILD) !== 0 && typeof e.child !== "number") return false;
  if ((f & F_OBJTYPE) !== 0 && typeof e.objType !== "string") return false;
  if ((f & F_JOB) !== 0 && typeof e.job !== "string") return false;
  if ((f & F_ATTR) !== 0 && typeof e.attr !== "string") return false;
  if ((f & F_METHOD) !== 0 && typeof e.method !== "string") return false;
  if ((f & F_OP) !== 0 && typeof e.op !== "string") return false;
  if (e.kind === "pipe.create" && !(Array.isArray(e.ends) && typeof e.ends[0] === "string" && typeof e.ends[1] === "string")) return false;
  if (e.kind === "manager.start" && typeof e.serverPid !== "number") return false;
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

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

// ---------------------------------------------------------------- Python repr text

/**
 * Split a Python argument tuple's repr ("(1, 'a')", "1, 'a'", "[1, 2]") into its top-level
 * items, respecting brackets and string quotes.
 */
export function splitArgs(text: string): string[] {
  let s = text.trim();
  if (s.length >= 2 && ((s[0] === "(" && s[s.length - 1] === ")") || (s[0] === "[" && s[s.length - 1] === "]"))) {
    if (closingOf(s, 0) === s.length - 1) s = s.slice(1, -1);
  }
  const out = splitTop(s, ",").map((x) => x.trim());
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Index of the bracket closing the one at `open`, or -1. */
function closingOf(s: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let k = open; k < s.length; k++) {
    const ch = s[k];
    if (quote) {
      if (ch === "\\") k++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Parse "{k: v, …}" into entries (Python repr text), or null. */
export function parseDictLiteral(text: string): Array<[string, string]> | null {
  const s = text.trim();
  if (!s.startsWith("{") || closingOf(s, 0) !== s.length - 1) return null;
  const inner = s.slice(1, -1);
  const out: Array<[string, string]> = [];
  for (const item of splitArgs("(" + inner + ")")) {
    const parts = splitTop(item, ":");
    if (parts.length !== 2) return null;
    out.push([parts[0].trim(), parts[1].trim()]);
  }
  return out;
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = "";
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (quote) {
      if (ch === "\\") k++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === sep && depth === 0) {
      out.push(s.slice(start, k));
      start = k + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
