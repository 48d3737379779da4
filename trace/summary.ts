/**
 * The run summary: what a trace says about a run at a glance (exit status, processes, objects,
 * message counts). The JSON shape ({@link RunSummary}) is a stable interface written by
 * `ipcviz run --summary` and printed by `ipcviz summary --json`; docs/cli.md documents it.
 * Add fields, never rename or remove them.
 *
 * Built incrementally ({@link SummaryBuilder}: feed events as they arrive, no event is kept
 * except what message pairing needs) or at once ({@link summarize}). Pure: no Node APIs.
 *
 * Message pairing: a receipt pairs with the send of the matching kind that has the same `msg`.
 * Raw-bytes pipe messages (`bytes: true`, the receipt has no `msg`) are paired first-in-first-out
 * per direction between a pipe's two ends, in order of `t`.
 */

import { isCollectorEvent, RECEIPT_OF, SEND_KINDS, TRACE_VERSION } from "./format";
import type { CallSite, ProcessRole, TraceEvent, TraceFooter, TraceHeader } from "./format";
import { StackLog, summaryStacks, type SummaryStacks } from "./analysis/stacks";

/** One process of the run. */
export interface SummaryProcess {
  pid: number;
  /** multiprocessing name (e.g. "MainProcess", "Process-1"); null if the process never reported one. */
  name: string | null;
  role: ProcessRole | null;
  parentPid: number | null;
  /** Exit status 0–255; null when killed by a signal (see `signal`) or unknown. */
  exitCode: number | null;
  /** Name of the signal that ended the process ("SIGTERM"), or null. */
  signal: string | null;
  /** Events this process emitted (runtime events only). */
  events: number;
  /** How its event connection ended: "clean" (after process.exit), "unclean", or null if not seen. */
  disconnect: "clean" | "unclean" | null;
  /** Its target function (`module.qualname`), when a multiprocessing child. */
  target?: string;
  /** How views name a process with a default name: the name and its target ("Process-3 · consumer"); absent otherwise (the name is the label). */
  label?: string;
  /** A Node worker thread (role "worker"): its threadId and the pid of the process it runs in (`pid` is its lane id). */
  thread?: number;
  hostPid?: number;
  /** The uncaught error that ended it, if that is why (Node). */
  error?: string;
}

/** One IPC object of the run. */
export interface SummaryObject {
  id: string;
  /** The object's type as the program named it (objType: "Queue", "Lock", "Value", "dict", …), or "Pipe", "PipeEnd", "Manager", "Pool"; "unknown" when never created in the trace. */
  kind: string;
  /** Event kind family: "queue", "pipe", "sync", "value", "manager", "proxy", "pool". */
  family: string;
  /** Pid of the process that created it; null when unknown. */
  pid: number | null;
  /** Where user code created it, when known. */
  site: CallSite | null;
  /** Events about this object. */
  events: number;
  /** Pipe: its two ends. */
  ends?: [string, string];
  /** PipeEnd: the pipe it belongs to. */
  pipe?: string;
  /** The program's name for it, from the statement that created it ("q", "forks[0]", "self.jobs", "Queue #2 (line 14)"). */
  name?: string;
  /** The names other processes know it by (a child's parameter or attribute holding it): "left" in phil-0. */
  names?: Array<{ pid: number; process: string | null; name: string }>;
}

/** multiprocessing's default process names, to which a label adds the target ("Process-3 · consumer"). */
const DEFAULT_PROCESS_NAME = /^(Process|ForkProcess|SpawnProcess|ForkServerProcess)-\d+(:\d+)*$/;

/** Message counts over the whole run. */
export interface SummaryMessages {
  /** Send events (queue.put, pipe.send, mgr.call, mgr.reply, pool.task.send, pool.result.send). */
  sent: number;
  /** Receipt events (queue.get, pipe.recv, mgr.recv, mgr.return, pool.task.recv, pool.result.recv). */
  received: number;
  /** Send/receipt pairs found. */
  matched: number;
  /** Sends never received (still in a queue or pipe when the run ended, or their receipt was lost); `outside` ones not counted. */
  inFlight: number;
  /** Sends to a process outside the run (`outside: true`: a peer or Manager server that records nothing), never paired. */
  outside: number;
  /** Receipts with no send in the trace (sent by uninstrumented code, or the send was lost). */
  unmatchedReceipts: number;
}

/** The run summary (stable JSON; see docs/cli.md). */
export interface RunSummary {
  /** Version of this summary shape (equals the trace format version it was made for). */
  summaryVersion: number;
  program: string;
  args: string[];
  startedAt: string;
  startMethod: string | null;
  /** Main process exit status (0–255), null when killed by a signal or unknown. */
  exitCode: number | null;
  /** Signal that ended the main process ("SIGKILL"), or null. */
  signal: string | null;
  /** The run was stopped because it ran longer than its timeout. */
  timedOut: boolean;
  /**
   * The process that recorded the run died while the run was not over, and the run's watchdog
   * ended `ended` of its processes (the trace's `run.orphaned` event); null otherwise.
   */
  orphaned: { recorderPid: number; ended: number } | null;
  /** Events in the trace (including collector events). */
  events: number;
  /** Events the collector knows were lost (sequence gaps). */
  lostEvents: number;
  /** Lines on the event channel that were not valid (dropped). */
  badLines: number;
  /** The trace has a footer (the collector finished writing it). */
  complete: boolean;
  /** Time of the last event, in ms since the run started. */
  durationMs: number;
  processes: SummaryProcess[];
  objects: SummaryObject[];
  messages: SummaryMessages;
  /** The last stack snapshot of the run (docs/trace-format.md, "Stacks"), compact; null when none was taken. */
  stacks: SummaryStacks | null;
}

/** Linux signal names by number (the summary is pure TypeScript, so not from node:os). */
const SIGNALS: Record<number, string> = {
  1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
  8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
  14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
  20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
  26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
};

/** Signal name for a number ("SIGTERM" for 15, "SIG40" for an unnamed one). */
export function signalName(n: number): string {
  return SIGNALS[n] ?? `SIG${n}`;
}

/** Signal number for a name ("SIGTERM" → 15), or null. */
export function signalNumber(name: string): number | null {
  for (const [n, s] of Object.entries(SIGNALS)) if (s === name) return Number(n);
  const m = /^SIG(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}


/** Object family from an event kind's prefix. */
const FAMILY_OF_PREFIX: Record<string, string> = {
  queue: "queue",
  pipe: "pipe",
  sync: "sync",
  lock: "sync",
  cond: "sync",
  event: "sync",
  barrier: "sync",
  value: "value",
  manager: "manager",
  proxy: "proxy",
  mgr: "proxy",
  ns: "proxy",
  pool: "pool",
};

interface ProcInfo extends Omit<SummaryProcess, "thread" | "hostPid" | "error"> {
  ownExit: { exitCode: number | null; signal: string | null } | null;
  joinExit: { exitCode: number | null; signal: string | null } | null;
  runExit: { exitCode: number | null; signal: string | null } | null;
  order: number;
  thread: number | null;
  hostPid: number | null;
  error: string | null;
}

/** A message end (send or receipt) as kept for pairing: its ordinal in the event stream. */
interface BytesEnd {
  t: number;
  seq: number;
  index: number;
}

function exitFromCode(code: number | null): { exitCode: number | null; signal: string | null } {
  if (code !== null && code < 0) return { exitCode: null, signal: signalName(-code) };
  return { exitCode: code, signal: null };
}

/** Builds a {@link RunSummary} from events fed one at a time (e.g. live, from the collector). */
export class SummaryBuilder {
  private readonly stackLog = new StackLog();
  private readonly procs = new Map<number, ProcInfo>();
  private readonly objects = new Map<string, SummaryObject>();
  private readonly pipes: Array<[string, string]> = [];
  private count = 0;
  private lost = 0;
  private maxT = 0;
  private runExit: { pid: number; exitCode: number | null; signal: string | null; timedOut: boolean } | null = null;
  private orphaned: { recorderPid: number; ended: number } | null = null;
  private mainPid: number | null = null;
  // Pairing state: send key → event index; receipts (key, index); raw bytes per pipe end.
  private readonly sendIndex = new Map<string, number>();
  private readonly receipts: Array<{ key: string; index: number }> = [];
  private readonly bytesSent = new Map<string, BytesEnd[]>();
  private readonly bytesReceived = new Map<string, BytesEnd[]>();
  private sent = 0;
  private outsideSent = 0;
  private received = 0;
  private readonly pairCache: { pairs: Map<number, number> | null } = { pairs: null };
  /** Start method reported by the main process's process.start. */
  private mainStartMethod: string | null = null;

  /** `header` may be null when only {@link pairs} is wanted, or given later with {@link setHeader}. */
  constructor(private header: TraceHeader | null = null) {}

  /** Set the header (when events started arriving before it was known). */
  setHeader(header: TraceHeader): void {
    this.header = header;
  }

  private proc(pid: number): ProcInfo {
    let p = this.procs.get(pid);
    if (!p) {
      p = {
        pid,
        name: null,
        role: null,
        parentPid: null,
        exitCode: null,
        signal: null,
        events: 0,
        disconnect: null,
        ownExit: null,
        joinExit: null,
        runExit: null,
        thread: null,
        hostPid: null,
        error: null,
        order: this.procs.size,
      };
      this.procs.set(pid, p);
    }
    return p;
  }

  private object(id: string, family: string): SummaryObject {
    let o = this.objects.get(id);
    if (!o) {
      o = { id, kind: "unknown", family, pid: null, site: null, events: 0 };
      this.objects.set(id, o);
    }
    return o;
  }

  private created(e: TraceEvent, id: string, family: string, kind: string, name?: unknown): SummaryObject {
    const o = this.object(id, family);
    if (o.kind === "unknown") {
      o.kind = kind;
      o.family = family;
      o.pid = e.pid;
      o.site = (e as { site?: CallSite }).site ?? null;
      const n = name === undefined ? (e as { name?: unknown }).name : name;
      if (typeof n === "string") o.name = n;
    }
    return o;
  }

  /** Per process: object id → its own name for it (process.start, pool.task.recv `names`). */
  private readonly localNames = new Map<number, Map<string, string>>();

  /** Object id → the first name a process bound it to where it was not made (see `names` of pipe.create, proxy.op, …). */
  private readonly boundNames = new Map<string, string>();

  private addLocalNames(pid: number, names: unknown): void {
    if (!names || typeof names !== "object") return;
    let m = this.localNames.get(pid);
    if (!m) this.localNames.set(pid, (m = new Map()));
    for (const [k, v] of Object.entries(names as Record<string, unknown>)) if (typeof v === "string" && !m.has(k)) m.set(k, v);
  }

  /** Feed the next event (in file order). */
  add(e: TraceEvent): void {
    const index = this.count++;
    this.stackLog.add1(e);
    if (e.t > this.maxT) this.maxT = e.t;
    this.pairCache.pairs = null;
    if (isCollectorEvent(e)) {
      switch (e.kind) {
        case "events.lost":
          this.lost += e.count;
          break;
        case "process.disconnect":
          this.proc(e.pid).disconnect = e.clean ? "clean" : "unclean";
          break;
        case "run.exit":
          this.runExit = { pid: e.pid, exitCode: e.exitCode, signal: e.signal, timedOut: e.timedOut };
          this.proc(e.pid).runExit = { exitCode: e.exitCode, signal: e.signal };
          if (this.mainPid === null) this.mainPid = e.pid;
          break;
        case "run.orphaned":
          this.orphaned = { recorderPid: e.recorderPid, ended: e.ended };
          if (this.mainPid === null) this.mainPid = e.pid;
          break;
      }
      return;
    }
    const p = this.proc(e.pid);
    p.events++;
    switch (e.kind) {
      case "process.start":
        p.name = e.name;
        p.role = e.role;
        p.parentPid = e.ppid;
        if (typeof e.target === "string") p.target = e.target;
        this.addLocalNames(e.pid, e.names);
        if (typeof e.thread === "number") p.thread = e.thread;
        if (typeof e.hostPid === "number") p.hostPid = e.hostPid;
        if (e.role === "main") {
          this.mainPid = e.pid;
          this.mainStartMethod = e.startMethod;
        }
        break;
      case "process.spawn": {
        const c = this.proc(e.child);
        if (c.name === null) c.name = e.name;
        if (c.parentPid === null) c.parentPid = e.pid;
        if (c.target === undefined && typeof e.target === "string") c.target = e.target;
        break;
      }
      case "process.join":
        if (e.exitCode !== null) this.proc(e.child).joinExit = exitFromCode(e.exitCode);
        break;
      case "process.exit":
        p.ownExit =
          e.signal !== undefined ? { exitCode: e.exitCode !== null && e.exitCode >= 0 ? e.exitCode : null, signal: signalName(e.signal) } : exitFromCode(e.exitCode);
        if (typeof e.error === "string") p.error = e.error;
        break;
      case "queue.create":
        this.created(e, e.obj, "queue", e.objType);
        break;
      case "pipe.create": {
        const o = this.created(e, e.obj, "pipe", "Pipe");
        o.ends = [e.ends[0], e.ends[1]];
        this.pipes.push([e.ends[0], e.ends[1]]);
        for (let k = 0; k < 2; k++) {
          const eo = this.created(e, e.ends[k], "pipe", "PipeEnd", e.endNames?.[k] ?? null);
          eo.pipe = e.obj;
        }
        break;
      }
      case "sync.create":
        this.created(e, e.obj, "sync", e.objType);
        break;
      case "value.create":
        this.created(e, e.obj, "value", e.objType);
        break;
      case "manager.start":
        this.created(e, e.obj, "manager", "Manager");
        break;
      case "proxy.create": {
        // A Manager's server names an object by its address (`id()`): once an object is freed, a
        // new one can get the same id. A later creation describes the object from then on.
        const o = this.objects.get(e.obj);
        if (o && o.kind !== "unknown") {
          o.kind = "unknown";
          delete o.name;
        }
        this.created(e, e.obj, "proxy", e.objType);
        break;
      }
      case "pool.create":
        this.created(e, e.obj, "pool", "Pool");
        break;
      case "pool.task.recv":
        this.addLocalNames(e.pid, e.names);
        break;
    }
    // A process's own names for objects made elsewhere (an accepted or Client connection, an attached
    // block, a remote Manager's proxies): its names, and the object's where it was not named at creation.
    if (e.kind === "pipe.create" || e.kind === "pipe.connect" || e.kind === "proxy.create" || e.kind === "proxy.op") {
      const names = (e as { names?: unknown }).names;
      if (names && typeof names === "object") {
        this.addLocalNames(e.pid, names);
        for (const [k, v] of Object.entries(names as Record<string, unknown>)) if (typeof v === "string" && !this.boundNames.has(k)) this.boundNames.set(k, v);
      }
    }
    const obj = e.obj;
    if (obj !== undefined && !e.kind.startsWith("block.") && !e.kind.startsWith("process.")) {
      const dot = e.kind.indexOf(".");
      const family = FAMILY_OF_PREFIX[e.kind.slice(0, dot)] ?? e.kind.slice(0, dot);
      this.object(obj, family).events++;
    }
    // Message pairing.
    if (SEND_KINDS.has(e.kind)) {
      this.sent++;
      if ((e as { outside?: boolean }).outside === true) this.outsideSent++;
      if (e.kind === "pipe.send" && e.bytes) {
        pushTo(this.bytesSent, e.obj, { t: e.t, seq: e.seq, index });
      } else if (e.msg !== undefined) {
        const key = e.kind + "\u0000" + e.msg;
        if (!this.sendIndex.has(key)) this.sendIndex.set(key, index);
      }
    } else {
      const sendKind = RECEIPT_OF[e.kind];
      if (sendKind !== undefined) {
        this.received++;
        if (e.msg !== undefined) this.receipts.push({ key: sendKind + "\u0000" + e.msg, index });
        else if (e.kind === "pipe.recv" && e.bytes) pushTo(this.bytesReceived, e.obj, { t: e.t, seq: e.seq, index });
        else this.receipts.push({ key: "", index });
      }
    }
  }

  /**
   * Message pairs found so far: receipt event index → send event index (indices count events
   * in the order they were fed, from 0).
   */
  pairs(): Map<number, number> {
    if (this.pairCache.pairs) return this.pairCache.pairs;
    const pairs = new Map<number, number>();
    const usedSends = new Set<number>();
    for (const r of this.receipts) {
      const s = r.key === "" ? undefined : this.sendIndex.get(r.key);
      if (s === undefined || usedSends.has(s)) continue;
      usedSends.add(s);
      pairs.set(r.index, s);
    }
    const byTime = (a: BytesEnd, b: BytesEnd) => a.t - b.t || a.seq - b.seq || a.index - b.index;
    for (const [a, b] of this.pipes) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ]) {
        const sends = (this.bytesSent.get(from) ?? []).slice().sort(byTime);
        const recvs = (this.bytesReceived.get(to) ?? []).slice().sort(byTime);
        const n = Math.min(sends.length, recvs.length);
        for (let i = 0; i < n; i++) pairs.set(recvs[i].index, sends[i].index);
      }
    }
    this.pairCache.pairs = pairs;
    return pairs;
  }

  /** The summary of everything fed so far. `footer` (when the trace has one) supplies badLines. */
  result(footer: TraceFooter | null = null): RunSummary {
    const matched = this.pairs().size;
    const processes: SummaryProcess[] = [...this.procs.values()]
      .sort((a, b) => a.order - b.order)
      .map((p) => {
        const isMain = p.pid === this.mainPid || p.role === "main";
        const exit = (isMain ? p.runExit ?? p.ownExit : p.joinExit ?? p.ownExit ?? p.runExit) ?? { exitCode: null, signal: null };
        return {
          pid: p.pid,
          name: p.name,
          role: p.role ?? (isMain ? "main" : null),
          parentPid: p.parentPid,
          exitCode: exit.exitCode,
          signal: exit.signal,
          events: p.events,
          disconnect: p.disconnect,
          ...(p.target !== undefined ? { target: p.target } : {}),
          ...(p.name !== null && p.target !== undefined && DEFAULT_PROCESS_NAME.test(p.name) ? { label: `${p.name} · ${p.target.split(".").pop()}` } : {}),
          ...(p.thread !== null ? { thread: p.thread } : {}),
          ...(p.hostPid !== null ? { hostPid: p.hostPid } : {}),
          ...(p.error !== null ? { error: p.error } : {}),
        };
      });
    const procName = new Map(processes.map((p) => [p.pid, p.label ?? p.name]));
    for (const [id, name] of this.boundNames) {
      const o = this.objects.get(id);
      if (o && o.name === undefined) o.name = name;
    }
    for (const [pid, m] of this.localNames) {
      for (const [id, name] of m) {
        const o = this.objects.get(id);
        if (!o) continue;
        if (!o.names) o.names = [];
        if (!o.names.some((x) => x.pid === pid)) o.names.push({ pid, process: procName.get(pid) ?? null, name });
      }
    }
    const main = processes.find((p) => p.pid === this.mainPid);
    return {
      summaryVersion: TRACE_VERSION,
      program: this.header?.program ?? "",
      args: this.header?.args ?? [],
      startedAt: this.header?.startedAt ?? "",
      startMethod: this.header?.startMethod ?? this.mainStartMethod,
      exitCode: this.runExit ? this.runExit.exitCode : main ? main.exitCode : null,
      signal: this.runExit ? this.runExit.signal : main ? main.signal : null,
      timedOut: this.runExit ? this.runExit.timedOut : false,
      orphaned: this.orphaned,
      events: this.count,
      lostEvents: footer ? footer.lostEvents : this.lost,
      badLines: footer ? footer.badLines : 0,
      complete: footer !== null,
      durationMs: Math.round(this.maxT / 1e3) / 1e3,
      processes,
      objects: [...this.objects.values()],
      messages: {
        sent: this.sent,
        received: this.received,
        matched,
        inFlight: this.sent - matched - this.outsideSent,
        outside: this.outsideSent,
        unmatchedReceipts: this.received - matched,
      },
      stacks: summaryStacks(this.stackLog.latest()),
    };
  }

}

function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** Summarise a whole trace. */
export function summarize(header: TraceHeader, events: Iterable<TraceEvent>, footer: TraceFooter | null = null): RunSummary {
  const b = new SummaryBuilder(header);
  for (const e of events) b.add(e);
  return b.result(footer);
}

/** Message pairs of a trace: receipt event index → send event index (indices into `events`). */
export function pairMessages(events: readonly TraceEvent[]): Map<number, number> {
  const b = new SummaryBuilder(null);
  for (const e of events) b.add(e);
  return b.pairs();
}
