/**
 * The types of the model's state (trace/model/state.ts): processes and threads, open waits,
 * Manager calls, and one state type per object class; plus the append-only message log the
 * states of one model share.
 */

import type { CallSite, ProcessRole, TraceEvent } from "../format";
import { Int32Column } from "./growable";

/** What the state needs from its model: events by causal index and message pairing. */
export interface ModelRefs {
  /** Event at a causal index. */
  event(i: number): TraceEvent;
  /** Causal index of the other side of a message (send ↔ receipt), or -1. */
  partner(i: number): number;
  /** Causal index of a placed send (class: its send kind, see kinds.ts) with this msg not yet received, or -1. */
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
  /** conn.wait only: every object waited on (it ends when any is ready). */
  objects?: string[];
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
  how: "exit" | "disconnect" | "run.exit" | "join" | "orphaned";
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
  /** Object id → this process's own name for it (its target's parameter, its attribute, a Pool task's parameter), from process.start / pool.task.recv. Replaced, never changed in place. */
  names: Map<string, string>;
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

/** A new, empty channel with its own log. */
export function newChannel(): Channel {
  return { log: new MsgLog(), head: 0, count: 0, size: 0 };
}

/** A channel's counters, copied (the log stays shared). */
export function copyChannel(c: Channel): Channel {
  return { log: c.log, head: c.head, count: c.count, size: c.size };
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

export interface ObjBase {
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
  /** A connection a Listener accepted: its creator (the accepting process) holds ends[0] only. */
  accepted?: boolean;
  /** A Listener/Client connection whose other end is a process outside the run (it records nothing). */
  outside?: boolean;
  /** That process's pid, when the runtime learnt it. */
  peerPid?: number;
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

/** A process's names with more added (a new map: states share the old one). */
export function addNames(old: Map<string, string>, more: Record<string, string>): Map<string, string> {
  let out: Map<string, string> | null = null;
  for (const k in more) {
    const v = more[k];
    if (typeof v !== "string" || old.get(k) === v) continue;
    if (!out) out = new Map(old);
    out.set(k, v);
  }
  return out ?? old;
}
