/**
 * What the diagnosis reports: deadlocks (cycles and stalls), potential deadlocks (lock-order
 * inversions), and hazards the multiprocessing documentation warns about. Every report carries
 * plain-language text naming processes by name, objects by kind and id, and sites as "file:line".
 */

/** One waiting thread in a deadlock. */
export interface WaitReport {
  pid: number;
  tid: number;
  /** Process name. */
  process: string;
  /** Blocking operation (format BlockOp), e.g. "pipe.recv". */
  op: string;
  /** Object id waited on (`proc:<pid>` for a join). */
  obj: string;
  /** Object by kind and name as this process knows it, e.g. "Lock left (forks[0])", or by id where the trace names none ("Lock L1"). */
  object: string;
  /** This process's name for the object ("left"), when the trace has one. */
  name?: string;
  /** "file:line" of the waiting call (full path), or null. */
  site: string | null;
  /** Causal index of the block.begin (or of the Manager call). */
  since: number;
  /** For a lock: who holds it (process names) and where they took it ("file:line"). */
  heldBy: Array<{ process: string; pid: number; site: string | null }>;
  /** Processes that could end the wait but cannot (exited, or waiting themselves). */
  owedBy: string[];
  /** The waiting process is one of the deadlock's members (false: it only waits on them, see `alsoBlocked`). */
  member: boolean;
  /** The sentence about this wait. */
  text: string;
}

/** An actual deadlock: processes that wait forever. */
export interface Deadlock {
  /** "cycle": each waits for a lock (or a process) the next one holds, around a loop; "stall": waiting with nothing in flight that could wake them. */
  kind: "cycle" | "stall";
  /** Causal index of the event that completed it. */
  at: number;
  /** Trace time (ns) of that event. */
  t: number;
  /** Names of the deadlock's members: a cycle's processes in wait order; for a stall, every waiting process. */
  processes: string[];
  pids: number[];
  /** Processes that are blocked because they wait on the members (main joining one of them), but are not part of the cycle. */
  alsoBlocked: string[];
  alsoBlockedPids: number[];
  /** The smallest cycle, as process names in wait order (kind "cycle" only). */
  cycle: string[];
  /** Ids of the objects the members wait on. */
  objects: string[];
  /** "file:line" of the waiting calls and of the acquires of the locks held (full paths). */
  sites: string[];
  waits: WaitReport[];
  /** What happened, in plain words, and what usually fixes it (then what else is blocked on it). */
  explanation: string;
  /** One sentence for a notification, naming processes and objects by the program's names. */
  short: string;
  /** Just the advice. */
  fix: string;
}

/** A lock-order inversion: could deadlock even if this run did not. */
export interface PotentialDeadlock {
  /** Lock ids around the cycle, in order (each is held while the next is taken). */
  locks: string[];
  /** "file:line" of each acquire that made an edge (hold site, then acquire site, per edge). */
  sites: string[];
  /** Process names that took the locks in the conflicting orders. */
  processes: string[];
  /** Causal index of the acquire that closed the cycle. */
  at: number;
  edges: Array<{ from: string; to: string; process: string; pid: number; holdSite: string | null; site: string | null; at: number }>;
  explanation: string;
}

export type HazardKind = "join-before-drain" | "terminate-holding-lock" | "terminate-during-put" | "lost-in-place-change" | "feeder-error";

/** A pattern the multiprocessing documentation warns about. */
export interface Hazard {
  kind: HazardKind;
  at: number;
  processes: string[];
  objects: string[];
  sites: string[];
  explanation: string;
}

/** Everything the diagnosis found. */
export interface Diagnosis {
  deadlocks: Deadlock[];
  potentialDeadlocks: PotentialDeadlock[];
  hazards: Hazard[];
  /** Events analysed (causal indices 0 .. analysedUpTo). */
  analysedUpTo: number;
}
