/**
 * Reading a trace in the runtime tests: {@link TraceView} answers questions about a trace
 * (processes, events of a kind, who sent what to whom), and {@link checkTraceInvariants} checks
 * what must hold in every trace of every program (trace/format.ts is the contract): contiguous
 * sequence numbers starting with process.start, receipts paired with sends, blocks that end,
 * lock ownership that alternates, call sites in user code, a summary that agrees.
 *
 * Checks collect readable problems instead of stopping at the first one ({@link Problems}).
 */

import type {
  CollectorEvent,
  LockAcquire,
  LockRelease,
  ProcessStart,
  RuntimeEvent,
  TraceEvent,
} from "../../trace/format";
import { PROCESS_ROLES, RECEIPT_OF, RECV_KINDS, SEND_KINDS, isCollectorEvent } from "../../trace/format";
import type { ParsedTrace } from "../../trace/reader";
import type { RunSummary } from "./helpers";

/** The runtime event type(s) whose `kind` can be K. */
export type EventOf<K extends string> = RuntimeEvent extends infer E
  ? E extends { kind: infer EK }
    ? K extends EK
      ? E & { kind: K }
      : never
    : never
  : never;

/** A list of problems found by checks, each one readable sentence. */
export class Problems {
  readonly list: string[] = [];

  /** Record `message` unless `ok`. Returns ok. */
  check(ok: boolean, message: string | (() => string)): boolean {
    if (!ok) this.list.push(typeof message === "function" ? message() : message);
    return ok;
  }

  add(message: string): void {
    this.list.push(message);
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  /** All problems, one per line, or "" when there are none. */
  toString(): string {
    return this.list.map((p) => "- " + p).join("\n");
  }
}


const CREATE_KINDS = new Set([
  "queue.create",
  "pipe.create",
  "sync.create",
  "value.create",
  "proxy.create",
  "pool.create",
  "manager.start",
]);

/** One readable line for an event (for messages). */
/** The fork server's process.spawn: the library starts it (no site), not the program. */
export function isForkServerSpawn(e: object): boolean {
  return (e as { target?: string }).target === "multiprocessing.forkserver.main";
}

export function describeEvent(e: TraceEvent): string {
  const { pid, t: _t, kind, ...rest } = e as unknown as Record<string, unknown>;
  const r = rest as Record<string, unknown>;
  const seq = r.seq;
  delete r.seq;
  delete r.tid;
  delete r.src;
  const site = r.site as { file: string; line: number; fn: string } | undefined;
  delete r.site;
  const extra = Object.entries(r)
    .map(([k, v]) => `${k}=${typeof v === "string" ? (v.length > 60 ? JSON.stringify(v.slice(0, 60)) + "…" : v) : JSON.stringify(v)}`)
    .join(" ");
  const where = site ? ` @${site.file.split("/").pop()}:${site.line}` : "";
  return `[pid ${pid}${seq !== undefined ? " #" + seq : ""}] ${kind} ${extra}${where}`.trim();
}

/** A parsed trace with indexes for the questions tests ask. */
export class TraceView {
  /** Runtime events in file order. */
  readonly events: RuntimeEvent[];
  /** Collector events in file order. */
  readonly collector: CollectorEvent[];
  /** process.start per pid (the first one if there are several). */
  readonly starts = new Map<number, ProcessStart>();
  /** Creation event per object id (queue.create, pipe.create for the pipe and each end, sync.create, …). */
  readonly created = new Map<string, RuntimeEvent>();
  private readonly perPid = new Map<number, RuntimeEvent[]>();

  constructor(readonly trace: ParsedTrace) {
    this.events = [];
    this.collector = [];
    for (const e of trace.events) {
      if (isCollectorEvent(e)) this.collector.push(e);
      else this.events.push(e as RuntimeEvent);
    }
    for (const e of this.events) {
      let list = this.perPid.get(e.pid);
      if (!list) this.perPid.set(e.pid, (list = []));
      list.push(e);
      if (e.kind === "process.start" && !this.starts.has(e.pid)) this.starts.set(e.pid, e);
      if (CREATE_KINDS.has(e.kind) && e.obj !== undefined && !this.created.has(e.obj)) {
        this.created.set(e.obj, e);
        if (e.kind === "pipe.create") for (const end of e.ends) if (!this.created.has(end)) this.created.set(end, e);
      }
    }
    for (const list of this.perPid.values()) list.sort((a, b) => a.seq - b.seq);
  }

  /** Runtime events of one kind (optionally filtered), in file order. */
  of<K extends RuntimeEvent["kind"]>(kind: K, where?: (e: EventOf<K>) => boolean): EventOf<K>[] {
    const out: EventOf<K>[] = [];
    for (const e of this.events) if (e.kind === kind && (!where || where(e as EventOf<K>))) out.push(e as EventOf<K>);
    return out;
  }

  /** Events of a process in sequence order. */
  byPid(pid: number): RuntimeEvent[] {
    return this.perPid.get(pid) ?? [];
  }

  /** Pids that emitted runtime events. */
  get pids(): number[] {
    return [...this.perPid.keys()];
  }

  /** Processes (process.start events) with this role. */
  role(role: string): ProcessStart[] {
    return [...this.starts.values()].filter((s) => s.role === role);
  }

  /** The main process's start event (undefined when missing). */
  get main(): ProcessStart | undefined {
    return this.role("main")[0];
  }

  /** Processes started by user code (role "child"), in order of their process.spawn in the parent when known. */
  children(): ProcessStart[] {
    return this.role("child");
  }

  /** The child whose process.spawn had this name, or whose process.start has it. */
  processNamed(name: string): ProcessStart | undefined {
    return [...this.starts.values()].find((s) => s.name === name);
  }

  /** The pid of the process that ran a user function (its process.spawn target ends with `.fn`). */
  pidOfTarget(fn: string): number[] {
    return this.of("process.spawn", (e) => e.target !== undefined && (e.target === fn || e.target.endsWith("." + fn))).map((e) => e.child);
  }

  /** Object type of an object (objType of its creation event), or the creation kind. */
  typeOf(obj: string | undefined): string | undefined {
    if (obj === undefined) return undefined;
    const c = this.created.get(obj) as (RuntimeEvent & { objType?: string }) | undefined;
    return c?.objType ?? c?.kind;
  }

  /** Objects created with this objType (by any create kind). */
  objectsOfType(objType: string): string[] {
    const out: string[] = [];
    for (const [id, e] of this.created) if ((e as { objType?: string }).objType === objType && e.obj === id) out.push(id);
    return out;
  }

  /** The send event with this msg, of a kind that pairs with `recvKind`. */
  sendFor(recvKind: string, msg: string): RuntimeEvent | undefined {
    const sendKind = RECEIPT_OF[recvKind];
    return this.events.find((e) => e.kind === sendKind && e.msg === msg);
  }

  /** The receipts of a send (same msg, the matching receipt kind). */
  receiptsOf(send: RuntimeEvent): RuntimeEvent[] {
    const recvKind = Object.keys(RECEIPT_OF).find((k) => RECEIPT_OF[k] === send.kind);
    return this.events.filter((e) => e.kind === recvKind && e.msg === send.msg);
  }

  /** The ends [end0, end1] of the pipe an end belongs to, or undefined. */
  pipeEnds(end: string): [string, string] | undefined {
    const c = this.created.get(end);
    return c && c.kind === "pipe.create" ? c.ends : undefined;
  }

  /** The other end of a pipe end. */
  otherEnd(end: string): string | undefined {
    const ends = this.pipeEnds(end);
    if (!ends) return undefined;
    return ends[0] === end ? ends[1] : ends[1] === end ? ends[0] : undefined;
  }

  /** block.begin events that have no matching block.end in the same thread. */
  openBlocks(): EventOf<"block.begin">[] {
    const open: EventOf<"block.begin">[] = [];
    for (const pid of this.pids) {
      const stacks = new Map<number, EventOf<"block.begin">[]>();
      for (const e of this.byPid(pid)) {
        if (e.kind === "block.begin") {
          let s = stacks.get(e.tid);
          if (!s) stacks.set(e.tid, (s = []));
          s.push(e);
        } else if (e.kind === "block.end") {
          const s = stacks.get(e.tid);
          const i = s ? s.map((b) => b.op === e.op && b.obj === e.obj).lastIndexOf(true) : -1;
          if (s && i >= 0) s.splice(i, 1);
        }
      }
      for (const s of stacks.values()) open.push(...s);
    }
    return open;
  }

  /** The process.exit of a pid, if any. */
  exitOf(pid: number): EventOf<"process.exit"> | undefined {
    return this.byPid(pid).find((e): e is EventOf<"process.exit"> => e.kind === "process.exit");
  }

  /** The collector's process.disconnect events of a pid. */
  disconnectsOf(pid: number): Extract<CollectorEvent, { kind: "process.disconnect" }>[] {
    return this.collector.filter(
      (e): e is Extract<CollectorEvent, { kind: "process.disconnect" }> => e.kind === "process.disconnect" && e.pid === pid,
    );
  }

  /** Events of a pid as readable lines (for messages). */
  dumpPid(pid: number, max = 60): string {
    const list = this.byPid(pid);
    const lines = list.slice(0, max).map(describeEvent);
    if (list.length > max) lines.push(`… ${list.length - max} more`);
    return lines.join("\n");
  }

  /** Every process: pid, role, name. */
  describeProcesses(): string {
    return [...this.starts.values()].map((s) => `${s.pid} ${s.role} ${s.name} (ppid ${s.ppid})`).join("; ");
  }
}

/** What the invariant checks need to know about the run. */
export interface InvariantContext {
  /** Absolute path of the program (or the module name for -m). */
  program: string;
  /** Start method asked for with --start-method, or null. */
  method: string | null;
  /** The program was expected to hang (the CLI diagnoses it and stops it, exit status 3). */
  hangs: boolean;
  /** Hazard kinds the summary must report (exactly these); default none. */
  hazards?: string[];
  /** Files user code may be in (call sites must point into one of them); default [program]. */
  userFiles?: string[];
  /** The exit status the launcher reported (CLI exit status). */
  cliStatus: number | null;
  summary: RunSummary | null;
}

/** Lock types whose acquire/release must alternate (one holder at a time). */
const EXCLUSIVE = new Set(["Lock", "ManagerLock"]);
const REENTRANT = new Set(["RLock", "ManagerRLock"]);
const COUNTING = new Set(["Semaphore", "BoundedSemaphore", "ManagerSemaphore", "ManagerBoundedSemaphore"]);

/** Order events by time across processes; within one process by sequence number. */
function byTime(a: RuntimeEvent, b: RuntimeEvent): number {
  if (a.pid === b.pid) return a.seq - b.seq;
  return a.t - b.t;
}

/**
 * Check lock ownership over time for every lock-like object with a known type: exclusive locks
 * alternate acquire/release, re-entrant ones have one owner at a time with depth going up and
 * down by one, counting semaphores never go below zero.
 */
export function checkLockOrder(view: TraceView, p: Problems): void {
  const byObj = new Map<string, (LockAcquire | LockRelease)[]>();
  for (const e of view.events) {
    if ((e.kind === "lock.acquire" && e.ok) || e.kind === "lock.release") {
      let list = byObj.get(e.obj);
      if (!list) byObj.set(e.obj, (list = []));
      list.push(e);
    }
  }
  for (const [obj, list] of byObj) {
    const created = view.created.get(obj);
    let type = created && created.kind === "sync.create" ? created.objType : view.typeOf(obj);
    // A Value/Array's implicit lock is an RLock; a Condition's own lock is re-entrant unless given.
    if (created && created.kind === "sync.create" && created.owner !== undefined) type = "RLock";
    if (type === "Condition" || type === "ManagerCondition") type = created && created.kind === "sync.create" && created.lock ? view.typeOf(created.lock) : "RLock";
    if (!type) continue;
    list.sort(byTime);
    const where = (e: RuntimeEvent) => `${describeEvent(e)} (t=${e.t})`;
    if (EXCLUSIVE.has(type)) {
      let held: RuntimeEvent | null = null;
      for (const e of list) {
        if (e.kind === "lock.acquire") {
          if (held) {
            p.add(`${type} ${obj}: acquired while still held: ${where(e)} after ${where(held)} without a release between (by time)`);
            break;
          }
          held = e;
        } else {
          if (!held) {
            p.add(`${type} ${obj}: released while not held: ${where(e)}`);
            break;
          }
          held = null;
        }
      }
    } else if (REENTRANT.has(type)) {
      let owner: number | null = null;
      let depth = 0;
      for (const e of list) {
        if (e.kind === "lock.acquire") {
          if (owner !== null && owner !== e.pid) {
            p.add(`${type} ${obj}: acquired by pid ${e.pid} while pid ${owner} holds it (depth ${depth}): ${where(e)}`);
            break;
          }
          if (e.depth !== undefined && e.via === undefined && e.depth !== depth + 1) {
            p.add(`${type} ${obj}: acquire reports depth ${e.depth}, expected ${depth + 1}: ${where(e)}`);
            break;
          }
          owner = e.pid;
          depth = e.depth ?? depth + 1;
        } else {
          if (owner !== e.pid) {
            p.add(`${type} ${obj}: released by pid ${e.pid} while ${owner === null ? "nobody" : "pid " + owner} holds it: ${where(e)}`);
            break;
          }
          depth = e.depth ?? (e.via !== undefined ? 0 : depth - 1);
          if (depth <= 0) {
            owner = null;
            depth = 0;
          }
        }
      }
    } else if (COUNTING.has(type)) {
      const v = (created as { value?: unknown } | undefined)?.value;
      const init = typeof v === "number" ? v : null;
      if (init === null) continue;
      let count = init;
      for (const e of list) {
        count += e.kind === "lock.acquire" ? -1 : 1;
        if (count < 0) {
          p.add(`${type} ${obj} (value ${init}): more acquires than it allows at ${where(e)}`);
          break;
        }
      }
    }
  }
}

/** Check what must hold in every trace; problems go into `p`. */
export function checkTraceInvariants(view: TraceView, ctx: InvariantContext, p: Problems): void {
  const { trace } = view;
  const h = trace.header;
  p.check(h.format === "ipcviz-trace" && h.version === 1, `header: format/version ${h.format}/${h.version}`);
  p.check(h.program === ctx.program, `header.program is ${JSON.stringify(h.program)}, expected ${JSON.stringify(ctx.program)}`);
  p.check(h.interpreter?.language === "python", `header.interpreter.language is ${h.interpreter?.language}`);
  if (ctx.method) p.check(h.startMethod === ctx.method, `header.startMethod is ${h.startMethod}, expected ${ctx.method}`);
  p.check(trace.problems.length === 0, () => `reader problems: ${trace.problems.join("; ")}`);
  p.check(trace.footer !== null, "the trace has no footer");
  if (trace.footer) p.check(trace.footer.lostEvents === 0, `footer.lostEvents is ${trace.footer.lostEvents}`);
  if (trace.footer) p.check(trace.footer.badLines === 0, `footer.badLines is ${trace.footer.badLines}`);
  const lost = view.collector.filter((e) => e.kind === "events.lost");
  p.check(lost.length === 0, () => `events.lost: ${lost.map(describeEvent).join("; ")}`);

  // processes: sequence numbers, first and last events
  const mains = view.role("main");
  p.check(mains.length === 1, `expected exactly one main process, got ${mains.length}: ${view.describeProcesses()}`);
  for (const pid of view.pids) {
    const list = view.byPid(pid);
    const starts = list.filter((e) => e.kind === "process.start");
    if (!p.check(starts.length === 1, `pid ${pid}: ${starts.length} process.start events (expected 1)`)) continue;
    p.check(list[0].kind === "process.start" && list[0].seq === 0, () => `pid ${pid}: first event is ${describeEvent(list[0])}, expected process.start with seq 0`);
    const gaps: string[] = [];
    for (let i = 0; i < list.length; i++) if (list[i].seq !== i) {
      gaps.push(`position ${i} has seq ${list[i].seq}`);
      break;
    }
    p.check(gaps.length === 0, () => `pid ${pid}: sequence numbers not contiguous from 0 (${gaps[0]})`);
    const start = starts[0];
    p.check((PROCESS_ROLES as readonly string[]).includes(start.role), `pid ${pid}: unknown role ${start.role}`);
    if (start.role === "forkserver") p.check(ctx.method === "forkserver" || ctx.method === null, `pid ${pid}: a forkserver process under start method ${ctx.method}`);
    const exits = list.filter((e) => e.kind === "process.exit");
    p.check(exits.length <= 1, `pid ${pid}: ${exits.length} process.exit events`);
    if (exits.length === 1) p.check(list[list.length - 1] === exits[0], () => `pid ${pid}: events after process.exit: ${describeEvent(list[list.length - 1])}`);
    const disc = view.disconnectsOf(pid);
    if (p.check(disc.length === 1, `pid ${pid} (${start.role} ${start.name}): ${disc.length} process.disconnect events (expected 1)`)) {
      p.check(disc[0].clean === exits.length > 0, `pid ${pid} (${start.role} ${start.name}): disconnect clean=${disc[0].clean} but process.exit ${exits.length ? "was" : "was not"} sent`);
    }
    for (const e of list) {
      if (e.site) {
        const files = ctx.userFiles ?? [ctx.program];
        const s = e.site;
        if (!p.check(files.includes(s.file) && Number.isInteger(s.line) && s.line > 0 && typeof s.fn === "string", () => `call site not in user code: ${describeEvent(e)} (file ${s.file}, line ${s.line})`)) break;
      }
    }
  }
  const main = mains[0];
  if (main) p.check(Array.isArray(main.argv), "main's process.start has no argv");

  // process.spawn ↔ the child's process.start
  for (const sp of view.of("process.spawn")) {
    const st = view.starts.get(sp.child);
    if (st === undefined) {
      // Only a child ended by a signal before its runtime started may be missing.
      const ended =
        sp.daemon ||
        view.of("process.terminate", (e) => e.child === sp.child).length > 0 ||
        view.of("process.kill", (e) => e.child === sp.child).length > 0 ||
        view.of("process.join", (e) => e.child === sp.child && e.exitCode !== null && e.exitCode < 0).length > 0;
      p.check(ended || ctx.hangs, `process.spawn of pid ${sp.child} (${sp.name}) but that process has no process.start`);
      continue;
    }
    p.check(st.ppid === sp.pid, `pid ${sp.child} (${sp.name}): process.start ppid ${st.ppid}, but pid ${sp.pid} spawned it`);
    p.check(st.name === sp.name, `pid ${sp.child}: process.spawn name ${sp.name} but process.start name ${st.name}`);
  }

  // messages: every receipt with a msg pairs with exactly one send of the matching kind
  const sends = new Map<string, RuntimeEvent>();
  for (const e of view.events) {
    if (SEND_KINDS.has(e.kind) && e.msg !== undefined) {
      const key = e.kind + " " + e.msg;
      p.check(!sends.has(key), () => `two ${e.kind} events with msg ${e.msg}: ${describeEvent(sends.get(key)!)} and ${describeEvent(e)}`);
      sends.set(key, e);
    }
  }
  const receipts = new Map<string, RuntimeEvent>();
  for (const e of view.events) {
    if (!RECV_KINDS.has(e.kind) || e.msg === undefined) continue;
    const send = sends.get(RECEIPT_OF[e.kind] + " " + e.msg);
    if (!p.check(send !== undefined, () => `${describeEvent(e)}: no ${RECEIPT_OF[e.kind]} with msg ${e.msg}`)) continue;
    const key = e.kind + " " + e.msg;
    // A queue item or a pipe message is received once.
    if (e.kind === "queue.get" || e.kind === "pipe.recv") p.check(!receipts.has(key), () => `msg ${e.msg} received twice: ${describeEvent(receipts.get(key)!)} and ${describeEvent(e)}`);
    receipts.set(key, e);
    if (e.kind === "queue.get") p.check(send!.obj === e.obj, () => `queue.get on ${e.obj} took msg ${e.msg} put on ${send!.obj}`);
    if (e.kind === "pipe.recv") {
      const other = view.otherEnd(send!.obj!);
      p.check(other === undefined || other === e.obj, () => `pipe.recv on end ${e.obj} took msg ${e.msg} sent on ${send!.obj} (whose other end is ${other})`);
    }
  }

  // blocks: begin/end pair per thread; an unended block only in a process that did not end normally
  for (const b of view.openBlocks()) {
    const exit = view.exitOf(b.pid);
    p.check(exit === undefined || exit.signal !== undefined, () => `block never ended in pid ${b.pid}, which exited normally: ${describeEvent(b)}`);
  }
  for (const pid of view.pids) {
    const stacks = new Map<number, number>();
    for (const e of view.byPid(pid)) {
      if (e.kind === "block.begin") stacks.set(e.tid, (stacks.get(e.tid) ?? 0) + 1);
      if (e.kind === "block.end") {
        const n = stacks.get(e.tid) ?? 0;
        if (!p.check(n > 0, () => `block.end without block.begin: ${describeEvent(e)}`)) break;
        stacks.set(e.tid, n - 1);
      }
    }
  }

  // coalesced polls stand for at least one call (their own)
  for (const e of view.events) {
    if (e.kind === "queue.poll" || e.kind === "pipe.poll" || e.kind === "event.poll") {
      if (!p.check(Number.isInteger(e.repeats) && e.repeats >= 0, () => `${e.kind} with repeats=${e.repeats} (the number of calls that returned the previous result: a whole number): ${describeEvent(e)}`)) break;
    }
  }

  checkLockOrder(view, p);

  // collector run.exit and the summary
  const runExits = view.collector.filter((e): e is Extract<CollectorEvent, { kind: "run.exit" }> => e.kind === "run.exit");
  if (p.check(runExits.length === 1, `${runExits.length} run.exit events (expected 1)`)) {
    // A program that hangs is diagnosed and stopped before the CLI's --timeout.
    p.check(runExits[0].timedOut === false, `run.exit timedOut=${runExits[0].timedOut}: ${ctx.hangs ? "the hang was not diagnosed before the timeout" : "the program should end by itself"}`);
  }
  const s = ctx.summary;
  if (p.check(s !== null, "no summary file")) {
    p.check(s!.timedOut === false, `summary.timedOut=${s!.timedOut}, expected false`);
    p.check(s!.stoppedForDeadlock === ctx.hangs, `summary.stoppedForDeadlock=${s!.stoppedForDeadlock}, expected ${ctx.hangs}`);
    const dl = s!.deadlocks ?? [];
    const np = s!.noProgress ?? null;
    if (ctx.hangs) {
      p.check(dl.length > 0 || np !== null, "neither summary.deadlocks nor summary.noProgress for a program that hangs");
      // The hang was reported with every process's stacks attached.
      p.check(s!.stacks !== null && s!.stacks !== undefined && s!.stacks.processes.length > 0, "summary.stacks is empty for a program that hangs");
    } else {
      p.check(dl.length === 0, () => `false alarm: summary.deadlocks = ${JSON.stringify(dl.map((d) => [d.kind, d.explanation]))}`);
      p.check(np === null, () => `false alarm: summary.noProgress = ${np!.text}`);
    }
    p.check((s!.potentialDeadlocks ?? []).length === 0 || ctx.hangs, () => `false alarm: summary.potentialDeadlocks = ${JSON.stringify(s!.potentialDeadlocks)}`);
    const hz = (s!.hazards ?? []).map((h) => h.kind).sort();
    const wantHz = [...(ctx.hazards ?? [])].sort();
    p.check(JSON.stringify(hz) === JSON.stringify(wantHz), () => `summary.hazards = ${JSON.stringify(s!.hazards)}, expected kinds ${JSON.stringify(wantHz)}`);
    p.check(s!.lostEvents === 0, `summary.lostEvents=${s!.lostEvents}`);
    if (trace.footer) p.check(s!.events === trace.footer.events, `summary.events=${s!.events} but footer.events=${trace.footer.events}`);
    if (!ctx.hangs && ctx.cliStatus !== null && s!.exitCode !== null) p.check(s!.exitCode === ctx.cliStatus, `summary.exitCode=${s!.exitCode} but the CLI exited with ${ctx.cliStatus}`);
    const sp = new Map((s!.processes ?? []).map((x) => [x.pid, x]));
    for (const st of view.starts.values()) {
      const x = sp.get(st.pid);
      if (p.check(x !== undefined, `summary.processes lacks pid ${st.pid} (${st.role} ${st.name})`)) {
        p.check(x!.role === st.role && x!.name === st.name, `summary.processes: pid ${st.pid} is ${x!.role} ${x!.name}, trace says ${st.role} ${st.name}`);
      }
    }
    const m = s!.messages;
    if (p.check(m !== undefined && typeof m.sent === "number", "summary.messages missing")) {
      p.check(m.matched <= m.sent && m.matched <= m.received, `summary.messages inconsistent: ${JSON.stringify(m)}`);
    }
  }
  if (ctx.hangs) p.check(ctx.cliStatus === 3, `the CLI exited with ${ctx.cliStatus}, expected 3 (stopped for a deadlock)`);
}

/** Pairs (send, receipt) of one send kind, by msg. */
export function pairs(view: TraceView, sendKind: string): { send: RuntimeEvent; recv: RuntimeEvent | undefined }[] {
  return view.events.filter((e) => e.kind === sendKind).map((send) => ({ send, recv: view.receiptsOf(send)[0] }));
}
