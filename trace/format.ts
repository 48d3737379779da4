/**
 * Trace format v1: the contract between runtimes, the collector, the model and the views.
 *
 * A trace is a JSON Lines file (`*.ipcviz.jsonl`): line 1 is a {@link TraceHeader}, every
 * following line is one {@link TraceEvent}, and the last line, when the run ended cleanly
 * enough for the collector to write it, is a {@link TraceFooter}. The same format is written
 * for Python and (later) Node programs: nothing here is Python-only; language-specific
 * details live in free-text fields (`objType`, `preview`, `fn`).
 *
 * docs/trace-format.md documents every field and shows an example of every event kind.
 */

export const TRACE_FORMAT = "ipcviz-trace";
export const TRACE_VERSION = 1;

/** First line of a trace. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  /** Absolute path of the program (or module name for `-m`). */
  program: string;
  args: string[];
  cwd: string;
  interpreter: {
    language: "python" | "node";
    path: string;
    /** e.g. "3.11.7" */
    version: string;
    implementation: string;
  };
  /** fork | spawn | forkserver (Python), or the runtime's own word. Null when unknown. */
  startMethod: string | null;
  /** Wall clock at t=0, ISO 8601 UTC. */
  startedAt: string;
  /** Event `t` is nanoseconds since this origin, on a clock shared by all processes (Linux CLOCK_MONOTONIC). */
  clock: { kind: "monotonic"; unit: "ns" };
  runtime: { name: string; version: string };
}

/** Role of a process in the program. */
export type ProcessRole =
  | "main"
  | "child"
  | "pool-worker"
  | "manager-server"
  | "forkserver"
  | "resource-tracker";

export const PROCESS_ROLES: readonly ProcessRole[] = [
  "main",
  "child",
  "pool-worker",
  "manager-server",
  "forkserver",
  "resource-tracker",
];

/** Where user code made a call: the first frame outside the runtime and the IPC library. */
export interface CallSite {
  file: string;
  line: number;
  fn: string;
}

/** Fields every event written by a runtime carries. */
export interface EventBase {
  /** Process that emitted the event. Its identity (name, role, parent) is in its `process.start`. */
  pid: number;
  /** OS thread id (Linux native id; equals pid for the main thread). */
  tid: number;
  /** Per-process sequence number, from 0, contiguous: a gap means lost events. */
  seq: number;
  /** Nanoseconds since the header's origin, comparable across processes. */
  t: number;
  kind: string;
  /** Object the event is about (same id in every process for the same object). */
  obj?: string;
  /** Message id: pairs a send/put with its receipt. */
  msg?: string;
  site?: CallSite;
}

/** Events the collector writes itself (not from a runtime): no `seq`, `src: "collector"`. */
export interface CollectorEventBase {
  src: "collector";
  pid: number;
  t: number;
  kind: string;
}

// ---------------------------------------------------------------- processes

/** A process began running under the runtime. Carries the process's identity. */
export interface ProcessStart extends EventBase {
  kind: "process.start";
  name: string;
  ppid: number;
  role: ProcessRole;
  startMethod: string | null;
  /** Main process only: argv as the program saw it. */
  argv?: string[];
}
/** A parent started a child (`Process.start()` returned). */
export interface ProcessSpawn extends EventBase {
  kind: "process.spawn";
  child: number;
  name: string;
  daemon: boolean;
  /** The child's target function, as `module.qualname`, when known. */
  target?: string;
  /** How the child was started (fork, spawn, forkserver), when known. */
  startMethod?: string;
}
/** `join()` returned (preceded by block.begin/end when it waited). */
export interface ProcessJoin extends EventBase {
  kind: "process.join";
  child: number;
  /** Exit code as seen by the joiner; null if the child is still alive (join timed out). Negative: killed by signal -code. */
  exitCode: number | null;
}
export interface ProcessTerminate extends EventBase {
  kind: "process.terminate" | "process.kill";
  child: number;
}
/** The process is ending: its last event. */
export interface ProcessExit extends EventBase {
  kind: "process.exit";
  exitCode: number | null;
  /** Signal that is ending the process (e.g. 15 for SIGTERM), if that is why. */
  signal?: number;
}

// ---------------------------------------------------------------- queues

/** A queue was created. Queue types: "Queue", "JoinableQueue", "SimpleQueue", "ManagerQueue", "ThreadQueue" (a thread-only queue such as Python's queue.Queue). */
export interface QueueCreate extends EventBase {
  kind: "queue.create";
  obj: string;
  objType: string;
  maxsize?: number;
  /** For a thread-only queue seen in a process other than its creator: the id of the original. This object is that process's private copy. */
  copyOf?: string;
}
/** An item was put (a message: `msg` pairs it with the `queue.get` that takes it). */
export interface QueuePut extends EventBase {
  kind: "queue.put";
  obj: string;
  msg: string;
  preview: string;
}
/** An item was taken. `msg` is absent only if the item was put by uninstrumented code. */
export interface QueueGet extends EventBase {
  kind: "queue.get";
  obj: string;
  msg?: string;
  preview: string;
}
/**
 * A non-blocking query or attempt (`empty()`, `qsize()`, `full()`, `get_nowait()` on an empty
 * queue, `get(timeout=…)` that timed out, `put_nowait` on a full one). Repeated identical results
 * by the same thread are coalesced: an event is written only when the result differs from that
 * thread's previous call of the same method on the same object; `repeats` is how many calls
 * returned the previous result (the run of identical results this event ends; 0 for the first).
 */
export interface QueuePoll extends EventBase {
  kind: "queue.poll";
  obj: string;
  method: string;
  result: string;
  repeats: number;
}
export interface QueueSimple extends EventBase {
  kind: "queue.task_done" | "queue.join" | "queue.close" | "queue.feeder_error";
  obj: string;
  /** queue.feeder_error: the item that could not be sent and why. */
  msg?: string;
  error?: string;
}

// ---------------------------------------------------------------- pipes

/** A pipe was created: two connection ends, each its own object id. */
export interface PipeCreate extends EventBase {
  kind: "pipe.create";
  /** Pipe id. */
  obj: string;
  /** [end0, end1]. One-way pipes: end0 receives, end1 sends. */
  ends: [string, string];
  duplex: boolean;
  /** A connection accepted by a multiprocessing.connection.Listener: its address (end0 is the accepting side, end1 the client's). */
  listener?: string;
}
/** A message sent on end `obj`; it arrives at the other end. */
export interface PipeSend extends EventBase {
  kind: "pipe.send";
  obj: string;
  msg: string;
  preview: string;
  /** true for raw bytes (send_bytes): raw bytes carry no id, see `pipe.recv`. */
  bytes: boolean;
}
/**
 * A message received on end `obj`. Object messages carry the sender's `msg`. Raw bytes carry
 * no id (`msg` absent): pair them first-in-first-out with the other end's `bytes` sends.
 */
export interface PipeRecv extends EventBase {
  kind: "pipe.recv";
  obj: string;
  msg?: string;
  preview: string;
  bytes: boolean;
}
export interface PipePoll extends EventBase {
  kind: "pipe.poll";
  obj: string;
  method?: string;
  result: string;
  repeats: number;
}
export interface PipeSimple extends EventBase {
  kind: "pipe.close" | "pipe.eof";
  obj: string;
  /** pipe.close of a connection refused while it was being made (obj `listener:<address>`): e.g. "AuthenticationError: digest received was wrong". */
  error?: string;
}

// ---------------------------------------------------------------- synchronisation

/** Sync object types: Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier (Manager ones prefixed "Manager"). */
export interface SyncCreate extends EventBase {
  kind: "sync.create";
  obj: string;
  objType: string;
  /** Semaphore initial value; Barrier parties. */
  value?: number;
  /** Condition: the id of its lock. */
  lock?: string;
  /** Implicit lock of a shared Value/Array: that object's id. */
  owner?: string;
}
/** A lock/semaphore was acquired (`ok: true`) or an attempt failed (timeout, non-blocking). */
export interface LockAcquire extends EventBase {
  kind: "lock.acquire";
  obj: string;
  ok: boolean;
  /** RLock recursion depth after the call. */
  depth?: number;
  /** "cond.wait" when the re-acquire ends a Condition wait. */
  via?: string;
}
export interface LockRelease extends EventBase {
  kind: "lock.release";
  obj: string;
  depth?: number;
  via?: string;
}
/** Condition.wait/wait_for returned: ok false = timed out / predicate still false. */
export interface CondWait extends EventBase {
  kind: "cond.wait";
  obj: string;
  ok: boolean;
}
export interface CondNotify extends EventBase {
  kind: "cond.notify";
  obj: string;
  /** Number asked to wake; "all" for notify_all. */
  n: number | "all";
}
export interface EventOp extends EventBase {
  kind: "event.set" | "event.clear";
  obj: string;
}
export interface EventWait extends EventBase {
  kind: "event.wait";
  obj: string;
  ok: boolean;
}
export interface EventPoll extends EventBase {
  kind: "event.poll";
  obj: string;
  result: string;
  repeats: number;
}
export interface BarrierWait extends EventBase {
  kind: "barrier.wait";
  obj: string;
  /** Arrival index returned by wait(); null if the barrier broke. */
  index: number | null;
}
export interface BarrierOp extends EventBase {
  kind: "barrier.abort" | "barrier.reset";
  obj: string;
}

// ---------------------------------------------------------------- shared values

/** A shared value or array was created. `length` is set for arrays. */
export interface ValueCreate extends EventBase {
  kind: "value.create";
  obj: string;
  /** "Value", "Array", "ManagerValue", "ManagerArray". */
  objType: string;
  /** Element type: typecode or ctype name, e.g. "i", "c_int". */
  ctype: string;
  length?: number;
  /** Id of its lock (sync.create with owner = this), or absent when created without one. */
  lock?: string;
  preview: string;
}
export interface ValueRead extends EventBase {
  kind: "value.read";
  obj: string;
  /** Element index or "start:stop" slice for arrays; absent for a Value; "raw" for whole-buffer reads. */
  index?: number | string;
  value: string;
}
export interface ValueWrite extends EventBase {
  kind: "value.write";
  obj: string;
  index?: number | string;
  /** The value before the write; absent where the writer cannot know it (a Manager Value). */
  old?: string;
  value: string;
}

// ---------------------------------------------------------------- managers

/** A manager (server process) was started by this process. */
export interface ManagerStart extends EventBase {
  kind: "manager.start";
  obj: string;
  serverPid: number;
  address: string;
}
/** A shared object was created in a manager; `obj` is the proxy referent's id. */
export interface ProxyCreate extends EventBase {
  kind: "proxy.create";
  obj: string;
  /** Manager id (manager.start obj). */
  manager: string;
  /** Registered type id: "dict", "list", "Namespace", "Queue", "Lock", … */
  objType: string;
  /** Semaphore initial value or Barrier parties, when given. */
  value?: number;
  /** Initial value of a Manager Value. */
  preview?: string;
}
/** Client sent a request to the manager server (`msg` pairs it with the server's mgr.recv). */
export interface MgrCall extends EventBase {
  kind: "mgr.call";
  obj: string;
  msg: string;
  method: string;
  preview: string;
}
/** Server received a request. */
export interface MgrRecv extends EventBase {
  kind: "mgr.recv";
  obj?: string;
  msg: string;
  method: string;
}
/** Server sent the reply (`msg` pairs it with the client's mgr.return). */
export interface MgrReply extends EventBase {
  kind: "mgr.reply";
  msg: string;
  ok: boolean;
}
/** Client received the reply. */
export interface MgrReturn extends EventBase {
  kind: "mgr.return";
  obj: string;
  msg: string;
  ok: boolean;
  preview: string;
}
/** Namespace attribute read/write/delete through a manager. */
export interface NsOp extends EventBase {
  kind: "ns.get" | "ns.set" | "ns.del";
  obj: string;
  attr: string;
  value?: string;
}
/**
 * A mutable value obtained with ns.get (or a dict/list item) was changed in this process
 * without being written back: the change is local and lost for everyone else.
 */
export interface NsLocalChange extends EventBase {
  kind: "ns.local_change";
  obj: string;
  attr: string;
  before: string;
  after: string;
}
/** Any other proxy operation (dict, list, Array and custom proxies). */
export interface ProxyOp extends EventBase {
  kind: "proxy.op";
  obj: string;
  method: string;
  args: string;
  result: string;
  ok: boolean;
}

// ---------------------------------------------------------------- pools

export interface PoolCreate extends EventBase {
  kind: "pool.create";
  obj: string;
  processes: number;
}
/** User submitted work: apply, apply_async, map, imap, starmap, … `job` identifies it. */
export interface PoolSubmit extends EventBase {
  kind: "pool.submit";
  obj: string;
  job: string;
  method: string;
  func: string;
  /** Number of tasks (chunks) the job is split into, when known. */
  tasks?: number;
}
/** A task (job, chunk index) sent to the workers (parent side); `msg` pairs it with pool.task.recv. */
export interface PoolTaskSend extends EventBase {
  kind: "pool.task.send";
  obj: string;
  job: string;
  index: number;
  msg: string;
  func: string;
  preview: string;
}
/** A worker took a task. */
export interface PoolTaskRecv extends EventBase {
  kind: "pool.task.recv";
  obj: string;
  job: string;
  index: number;
  msg?: string;
  func: string;
}
/** A worker sent a task's result; `msg` pairs it with pool.result.recv. */
export interface PoolResultSend extends EventBase {
  kind: "pool.result.send";
  obj: string;
  job: string;
  index: number;
  msg: string;
  ok: boolean;
  preview: string;
}
/** The pool's owner received a result. */
export interface PoolResultRecv extends EventBase {
  kind: "pool.result.recv";
  obj: string;
  job: string;
  index: number;
  msg?: string;
  ok: boolean;
}
/** User got a job's result (AsyncResult.get, or map/apply returned). */
export interface PoolGet extends EventBase {
  kind: "pool.get";
  obj: string;
  job: string;
  ok: boolean;
  preview: string;
}
export interface PoolOp extends EventBase {
  kind: "pool.close" | "pool.terminate" | "pool.join";
  obj: string;
}

// ---------------------------------------------------------------- blocking

/**
 * Operations that can block: process.join, queue.get, queue.put, queue.join, pipe.recv,
 * lock.acquire, cond.wait, event.wait, barrier.wait, pool.get, pool.join, mgr.call.
 */
export type BlockOp =
  | "process.join"
  | "queue.get"
  | "queue.put"
  | "queue.join"
  | "pipe.recv"
  | "pipe.send"
  | "lock.acquire"
  | "cond.wait"
  | "event.wait"
  | "barrier.wait"
  | "pool.get"
  | "pool.join"
  | "mgr.call";

/** The thread is about to wait: the call could not complete at once. Flushed before the wait starts. */
export interface BlockBegin extends EventBase {
  kind: "block.begin";
  op: BlockOp;
  /** What it waits on: an object id, or `proc:<pid>` for a join. */
  obj: string;
  /** Seconds, when the call has a timeout. */
  timeout?: number;
}
/** The wait ended. The result event of the operation (e.g. queue.get) follows. */
export interface BlockEnd extends EventBase {
  kind: "block.end";
  op: BlockOp;
  obj: string;
  /** ok: completed; timeout; error: raised (e.g. EOFError, BrokenBarrierError). */
  outcome: "ok" | "timeout" | "error";
  error?: string;
}

// ---------------------------------------------------------------- collector events

/** The collector saw a process's event connection close. */
export interface CollectorDisconnect extends CollectorEventBase {
  kind: "process.disconnect";
  /** Whether the process had sent process.exit first. */
  clean: boolean;
}
/** A process's sequence numbers had a gap: `count` events from `fromSeq` are lost. */
export interface CollectorLost extends CollectorEventBase {
  kind: "events.lost";
  fromSeq: number;
  count: number;
}
/** The run's main process ended (as seen by the launcher). */
export interface CollectorRunExit extends CollectorEventBase {
  kind: "run.exit";
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

export type RuntimeEvent =
  | ProcessStart
  | ProcessSpawn
  | ProcessJoin
  | ProcessTerminate
  | ProcessExit
  | QueueCreate
  | QueuePut
  | QueueGet
  | QueuePoll
  | QueueSimple
  | PipeCreate
  | PipeSend
  | PipeRecv
  | PipePoll
  | PipeSimple
  | SyncCreate
  | LockAcquire
  | LockRelease
  | CondWait
  | CondNotify
  | EventOp
  | EventWait
  | EventPoll
  | BarrierWait
  | BarrierOp
  | ValueCreate
  | ValueRead
  | ValueWrite
  | ManagerStart
  | ProxyCreate
  | MgrCall
  | MgrRecv
  | MgrReply
  | MgrReturn
  | NsOp
  | NsLocalChange
  | ProxyOp
  | PoolCreate
  | PoolSubmit
  | PoolTaskSend
  | PoolTaskRecv
  | PoolResultSend
  | PoolResultRecv
  | PoolGet
  | PoolOp
  | BlockBegin
  | BlockEnd;

export type CollectorEvent = CollectorDisconnect | CollectorLost | CollectorRunExit;

export type TraceEvent = RuntimeEvent | CollectorEvent;

/** Last line of a trace. */
export interface TraceFooter {
  footer: true;
  events: number;
  lostEvents: number;
  /** Lines on the event channel that were not valid events (counted, dropped, reported). */
  badLines: number;
  endedAt: string;
}

export type EventKind = TraceEvent["kind"];

/** Event kinds that send a message (their `msg` is the id receipts carry). */
export const SEND_KINDS: ReadonlySet<string> = new Set([
  "queue.put",
  "pipe.send",
  "mgr.call",
  "mgr.reply",
  "pool.task.send",
  "pool.result.send",
]);

/** Event kinds that receive a message. */
export const RECV_KINDS: ReadonlySet<string> = new Set([
  "queue.get",
  "pipe.recv",
  "mgr.recv",
  "mgr.return",
  "pool.task.recv",
  "pool.result.recv",
]);

/** Receipt kind → the send kind it pairs with (by `msg`). */
export const RECEIPT_OF: Readonly<Record<string, string>> = {
  "queue.get": "queue.put",
  "pipe.recv": "pipe.send",
  "mgr.recv": "mgr.call",
  "mgr.return": "mgr.reply",
  "pool.task.recv": "pool.task.send",
  "pool.result.recv": "pool.result.send",
};

export function isCollectorEvent(e: TraceEvent): e is CollectorEvent {
  return (e as CollectorEventBase).src === "collector";
}
