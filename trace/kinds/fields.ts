/**
 * The vocabulary of the event-kind table (trace/kinds/table.ts): field types as bits (so the
 * validator checks them without allocating), the builders the table is written with, and the
 * type-level mapping from a field declaration to its TypeScript type.
 *
 * Imports nothing of the project: format.ts, validate.ts and the model import this.
 */

// ---------------------------------------------------------------- field types

/** Field type bits. A field may accept several (e.g. INT | NULL). */
export const STR = 1;
export const INT = 2;
export const NUM = 4;
export const BOOL = 8;
export const NULL = 16;
export const STR_ARRAY = 32;
export const STR_PAIR = 64;
/** The string "all" (cond.notify n). */
export const ALL_LITERAL = 128;
/** One of {@link PROCESS_ROLES}. */
export const ROLE = 256;
/** A kind that can block (a kind declared with `blocks: true`). */
export const BLOCK_OP = 512;
/** One of ok, timeout, error. */
export const OUTCOME = 1024;
/** A call site {file, line, fn}. */
export const SITE = 2048;
/** The literal "collector". */
export const COLLECTOR = 4096;
export const NON_NEG_INT = 8192;
/** An object whose values are strings (e.g. object id -> name). */
export const STR_MAP = 16384;
/** The threads of a process.stacks answer (trace/format.ts StackThread). */
export const THREADS = 131072;
export const INT_ARRAY = 32768;
/** A stacks.request reason: "hang" or "request". */
export const REASON = 65536;

/** One frame of a thread's stack (docs/trace-format.md, "Stacks"). */
export interface StackFrame {
  file: string;
  line: number;
  fn: string;
  /** The program's own code (not the standard library, site-packages or the runtime). */
  user: boolean;
}
/** What a thread was doing over the snapshot's two looks. */
export type ThreadActivity = "running" | "spinning" | "sleeping" | "waiting";
export const THREAD_ACTIVITIES: readonly ThreadActivity[] = ["running", "spinning", "sleeping", "waiting"];
/** One thread in a process.stacks answer. */
export interface StackThread {
  tid: number;
  name: string;
  main: boolean;
  state: ThreadActivity;
  /** Innermost first. */
  frames: StackFrame[];
  /** Index in frames of the innermost user frame, or null. */
  userFrame: number | null;
  /** The call the innermost user frame is making, e.g. "socket.recv", "Thread.join". */
  call?: string;
  /** A busy poll that kept returning the same result (state "spinning"). */
  spin?: { obj: string; method: string; result: string | null; repeats: number };
  /** The OS's state letter of the thread (Linux: R running, S sleeping, D disk, …). */
  os?: string;
  /** What the system call the thread is blocked in waits on (docs/trace-format.md, "Stacks"). */
  waitsOn?: WaitsOn;
}

/** What a blocked thread's system call waits on. */
export interface WaitsOn {
  /** E.g. "a listening socket 127.0.0.1:8000", "the terminal /dev/pts/3 (stdin)", "poll with a 0.5 s timeout". */
  what: string;
  /** The wait can end without the run (a listening socket, a peer outside the run, a terminal): not a hang. */
  outside: boolean;
  /** The wait ends by itself (a timer, a command that runs or sleeps): progress. */
  progress?: boolean;
  /** The processes holding the other end of the socket, when known. */
  peerPids?: number[];
}

/** Role of a process in the program. */
export type ProcessRole = "main" | "child" | "pool-worker" | "manager-server" | "forkserver" | "resource-tracker" | "worker" | "cluster-worker";

/** Node: `worker` is a worker thread (a lane of its own, see `thread`), `cluster-worker` a `cluster` worker process. */
export const PROCESS_ROLES: readonly ProcessRole[] = ["main", "child", "pool-worker", "manager-server", "forkserver", "resource-tracker", "worker", "cluster-worker"];

/** How a wait ended (block.end `outcome`). */
export type Outcome = "ok" | "timeout" | "error";
export const OUTCOMES: readonly Outcome[] = ["ok", "timeout", "error"];

/** Stands for the BlockOp type inside the table (the table defines which kinds block). */
export interface BlockOpRef {
  readonly __blockOp: true;
}

// ---------------------------------------------------------------- field declarations

/** One field of a kind: accepted types (bits), required or not, its doc text; `T` is its TypeScript type. */
export interface Field<T = unknown, R extends boolean = boolean> {
  readonly types: number;
  readonly required: R;
  /** Shown after the field's name in docs/trace-format.md, in parentheses. */
  readonly doc: string;
  /** Type carrier only (never set). */
  readonly __type?: T;
}

function field<T>(types: number, doc = ""): Field<T, true> {
  return { types, required: true, doc };
}

/** Field builders: `f.str("doc")` is a required string, `opt(f.str())` an optional one. */
export const f = {
  str: (doc?: string) => field<string>(STR, doc),
  strOrNull: (doc?: string) => field<string | null>(STR | NULL, doc),
  int: (doc?: string) => field<number>(INT, doc),
  intOrNull: (doc?: string) => field<number | null>(INT | NULL, doc),
  intOrStr: (doc?: string) => field<number | string>(INT | STR, doc),
  intOrAll: (doc?: string) => field<number | "all">(INT | ALL_LITERAL, doc),
  count: (doc?: string) => field<number>(NON_NEG_INT, doc),
  num: (doc?: string) => field<number>(NUM, doc),
  bool: (doc?: string) => field<boolean>(BOOL, doc),
  strArray: (doc?: string) => field<string[]>(STR_ARRAY, doc),
  strPair: (doc?: string) => field<[string, string]>(STR_PAIR, doc),
  strMap: (doc?: string) => field<Record<string, string>>(STR_MAP, doc),
  role: (doc?: string) => field<ProcessRole>(ROLE, doc),
  blockOp: (doc?: string) => field<BlockOpRef>(BLOCK_OP, doc),
  outcome: (doc?: string) => field<Outcome>(OUTCOME, doc),
  collector: () => field<"collector">(COLLECTOR),
  threads: (doc?: string) => field<StackThread[]>(THREADS, doc),
  intArray: (doc?: string) => field<number[]>(INT_ARRAY, doc),
  reason: (doc?: string) => field<"hang" | "request">(REASON, doc),
};

/** The same field, optional. */
export function opt<T>(x: Field<T, true>): Field<T, false> {
  return { types: x.types, required: false, doc: x.doc };
}

export type Fields = Readonly<Record<string, Field>>;

/** TypeScript type of a field (BlockOpRef resolved by the caller). */
export type FieldType<F, BlockOp> = F extends Field<infer T, boolean> ? (T extends BlockOpRef ? BlockOp : T) : never;

type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, true> ? K : never }[keyof F];
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, true> ? never : K }[keyof F];

/** The object type a kind's fields describe. */
export type FieldsType<F extends Fields, BlockOp> = { -readonly [K in RequiredKeys<F>]: FieldType<F[K], BlockOp> } & {
  -readonly [K in OptionalKeys<F>]?: FieldType<F[K], BlockOp>;
};

// ---------------------------------------------------------------- kind declarations

/**
 * What an event of a kind is, for the model, the analyses and the views:
 * a process event, the creation of an object, the send or receipt of a message, a lock
 * operation, a shared-value read or write, a plain operation, a non-blocking query, the start
 * (block) or end (unblock) of a wait, or a note about the trace itself (meta).
 */
export type KindClass = "process" | "create" | "send" | "receipt" | "lock" | "value" | "op" | "poll" | "block" | "unblock" | "meta";

/** Families: the section of docs/trace-format.md and the fold file (trace/model/fold/) of a kind. */
export type Family = "processes" | "queues" | "pipes" | "sync" | "values" | "managers" | "pools" | "blocking" | "collector";

/** One event kind: its fields, its class, its flags. */
export interface KindDecl {
  family: Family;
  class: KindClass;
  fields: Fields;
  /** Text after the fields in the docs' table (after " — "). */
  note?: string;
  /** Receipts: the send kind they pair with by `msg`; other kinds that name a message (a dropped item): that message's send kind. */
  pairs?: string;
  /** The kind can block: it is a `block.begin` `op`. */
  blocks?: true;
  /** Emitted by library threads (a queue's feeder, a Pool's task and result handlers), not user threads. */
  internal?: true;
  /** Blocking kinds: the call as user code wrote it, for explanations ("put()"). */
  call?: string;
  /** Blocking kinds: what a wait in it does, for lane labels ("put on (full)"). */
  waitVerb?: string;
  /** Blocking kinds: a Manager proxy call of one of `methods` on an object of a model class in `on` waits as this kind does. */
  managerCall?: { readonly on: readonly string[]; readonly methods: readonly string[] };
  /** Sends: the class of arrow the views draw for their messages. */
  arrow?: "queue" | "pipe" | "mgr-call" | "mgr-reply" | "pool-task" | "pool-result";
  /**
   * The compact wire form (docs/wire-protocol.md): a record's bare extra stands for these fields
   * (one field: the bare value; several: an array of them, in order), plus `bareDefaults`.
   */
  bare?: readonly string[];
  bareDefaults?: Readonly<Record<string, unknown>>;
  /** Fields the fold relies on besides `obj` (checked before the fold applies the event). */
  relies?: readonly string[];
}

/** Declare one kind (keeps its literal types for the types derived from the table; `relies` must name its fields). */
export function kind<const D extends KindDecl>(d: D & { relies?: readonly (keyof D["fields"] & string)[] }): D {
  return d;
}
