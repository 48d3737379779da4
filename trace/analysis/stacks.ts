/**
 * Stack snapshots (docs/trace-format.md, "Stacks"): every process's threads at one moment,
 * assembled from a `stacks.request`, the `process.stacks` answers and the `stacks.missing`
 * events; the "no progress" judgement made on one; and their text for the CLI and notifications.
 * Pure: no vscode, no DOM.
 */

import type { StackFrame, StackThread, TraceEvent } from "../format";
import { objectLabel } from "../model/dump";
import type { TraceModel } from "../model/model";

/** Event kinds of stack snapshots: never activity of the program. */
export const STACK_KINDS: ReadonlySet<string> = new Set(["stacks.request", "process.stacks", "stacks.missing"]);

/** One process in a snapshot. */
export interface ProcessSnapshot {
  pid: number;
  name: string;
  role: string;
  /** Its answer (null: it did not answer, see missing). */
  threads: StackThread[] | null;
  missing: { state: string | null; cpuTicks: number | null; waitedMs: number } | null;
  /** Its last recorded event before the request (kind, site "file:line", t), when known. */
  lastEvent: { kind: string; site: string | null; t: number } | null;
  error?: string;
}

/** Every process's stacks at one moment. */
export interface StackSnapshot {
  request: number;
  reason: "hang" | "request";
  /** Trace time of the request. */
  t: number;
  processes: ProcessSnapshot[];
  /**
   * Processes the run started that were alive and not connected yet (the request's `starting`):
   * still starting, so they could not be asked.
   */
  starting: StartingProcess[];
  /** How long nothing of the program had been recorded at the request (ns; from the trace's times). */
  idleNs: number;
  /** Every process asked has answered or is known missing. */
  complete: boolean;
  /** The grace period of the hang check that asked (ns; the request's `graceNs`), or null (not recorded). */
  graceNs: number | null;
}

/** A clock tick of /proc CPU times (USER_HZ 100). */
const TICK_NS = 10e6;
/** A starting child using less than this share of one CPU counts as still. */
const STILL_CPU_SHARE = 0.02;

/** A child of the run that had not connected at a snapshot: it cannot answer. */
export interface StartingProcess {
  pid: number;
  name: string;
  /** The process that started it (its `process.spawn`), and the line that did ("file:line", full path). */
  parent: number | null;
  parentName: string | null;
  site: string | null;
  /** The OS had it running or in a disk wait at the request. */
  busy: boolean;
  /** Its CPU time (clock ticks) at the request, or null when not known. */
  cpu: number | null;
  /** CPU time it used over stillNs (ms), or null when not known. */
  stillCpuMs: number | null;
  /**
   * How long it had been starting using (almost) no CPU, as far as the snapshots tell (ns): since
   * the first snapshot that found it starting, or the last one at which it had used more than
   * STILL_CPU_SHARE of one CPU since the one before. (A
   * trace without CPU times: since the first snapshot that found it starting.)
   */
  stillNs: number;
}

type LastEvent = ProcessSnapshot["lastEvent"];

/** Snapshots assembled from events fed in arrival order (a trace, or a live run). */
export class StackLog {
  private readonly byRequest = new Map<number, StackSnapshot>();
  private readonly waiting = new Map<number, Set<number>>();
  private readonly names = new Map<number, { name: string; role: string }>();
  /** Each child's process.spawn: who started it and where. */
  private readonly spawns = new Map<number, { parent: number; site: string | null }>();
  /** Each starting child's CPU time when last seen, and since when it has not moved (trace time). */
  private readonly still = new Map<number, { cpu: number; since: number }>();
  /** Time of the last event of the program (not a snapshot's). */
  private lastActivityT = Number.NEGATIVE_INFINITY;
  /** Each process's last event that is not a snapshot's. */
  private readonly last = new Map<number, TraceEvent>();
  /** Newest first is last. */
  readonly snapshots: StackSnapshot[] = [];

  add(events: readonly TraceEvent[]): void {
    for (const e of events) this.addOne(e);
  }

  private proc(s: StackSnapshot, pid: number): ProcessSnapshot {
    let p = s.processes.find((x) => x.pid === pid);
    if (!p) {
      const n = this.names.get(pid);
      p = { pid, name: n?.name ?? `pid ${pid}`, role: n?.role ?? "unknown", threads: null, missing: null, lastEvent: lastEventOf(this.last.get(pid)) };
      s.processes.push(p);
    }
    return p;
  }

  /** One event (the same as add([e])). */
  add1(e: TraceEvent): void {
    this.addOne(e);
  }

  private addOne(e: TraceEvent): void {
    const x = e as unknown as Record<string, unknown>;
    switch (e.kind) {
      case "process.start":
        this.names.set(e.pid, { name: String(x.name), role: String(x.role) });
        break;
      case "process.spawn":
        // A child's name before its own process.start arrives (it may still be starting).
        if (typeof x.child === "number" && x.thread === undefined) {
          if (!this.names.has(x.child)) this.names.set(x.child, { name: String(x.name), role: "child" });
          const site = (e as { site?: { file: string; line: number } }).site;
          this.spawns.set(x.child, { parent: e.pid, site: site ? `${site.file}:${site.line}` : null });
        }
        break;
      case "stacks.request": {
        const starting = this.startingOf(x, e.t);
        const idleNs = Number.isFinite(this.lastActivityT) ? Math.max(0, e.t - this.lastActivityT) : 0;
        const graceNs = typeof x.graceNs === "number" && x.graceNs > 0 ? x.graceNs : null;
        const s: StackSnapshot = { request: x.request as number, reason: x.reason as "hang" | "request", t: e.t, processes: [], starting, idleNs, complete: false, graceNs };
        const pids = (x.pids as number[]) ?? [];
        for (const pid of pids) this.proc(s, pid);
        this.byRequest.set(s.request, s);
        this.waiting.set(s.request, new Set(pids));
        s.complete = pids.length === 0;
        this.snapshots.push(s);
        return;
      }
      case "process.stacks":
      case "stacks.missing": {
        const s = this.byRequest.get(x.request as number);
        if (!s) return;
        const p = this.proc(s, e.pid);
        if (e.kind === "process.stacks") {
          p.threads = (x.threads as StackThread[]) ?? [];
          if (typeof x.error === "string") p.error = x.error;
        } else {
          p.missing = { state: (x.state as string | null) ?? null, cpuTicks: (x.cpuTicks as number | null) ?? null, waitedMs: (x.waitedMs as number) ?? 0 };
        }
        const w = this.waiting.get(s.request);
        w?.delete(e.pid);
        if (w && w.size === 0) s.complete = true;
        return;
      }
      default:
        break;
    }
    this.last.set(e.pid, e);
    this.lastActivityT = Math.max(this.lastActivityT, e.t);
  }

  /** The starting children a stacks.request names, with how long each has not moved. */
  private startingOf(x: Record<string, unknown>, t: number): StartingProcess[] {
    const pids = (x.starting as number[] | undefined) ?? [];
    const cpu = (x.startingCpu as number[] | undefined) ?? [];
    const busy = new Set((x.startingBusy as number[] | undefined) ?? []);
    const out: StartingProcess[] = [];
    for (let i = 0; i < pids.length; i++) {
      const pid = pids[i];
      const ticks = cpu[i] ?? -1;
      const prev = this.still.get(pid);
      // It used more than a trace of CPU since it was last found still (or it is seen for the first
      // time, or the OS has it running): it has been still since now. (A process blocked for good
      // may still be charged a clock tick now and then, e.g. for a signal it wakes up for.)
      const moved = prev !== undefined && ticks >= 0 && prev.cpu >= 0 && (ticks - prev.cpu) * TICK_NS > STILL_CPU_SHARE * (t - prev.since);
      const first = prev === undefined || (prev.cpu < 0 && ticks >= 0);
      if (first || moved || busy.has(pid)) this.still.set(pid, { cpu: ticks, since: t });
      const spawn = this.spawns.get(pid);
      out.push({
        pid,
        name: this.names.get(pid)?.name ?? `pid ${pid}`,
        parent: spawn?.parent ?? null,
        parentName: spawn ? (this.names.get(spawn.parent)?.name ?? `pid ${spawn.parent}`) : null,
        site: spawn?.site ?? null,
        busy: busy.has(pid),
        cpu: ticks >= 0 ? ticks : null,
        stillNs: t - this.still.get(pid)!.since,
        stillCpuMs: ticks >= 0 && this.still.get(pid)!.cpu >= 0 ? (ticks - this.still.get(pid)!.cpu) * (TICK_NS / 1e6) : null,
      });
    }
    return out;
  }

  get(request: number): StackSnapshot | null {
    return this.byRequest.get(request) ?? null;
  }

  /** The newest snapshot (complete or not), or null. */
  latest(): StackSnapshot | null {
    return this.snapshots.length > 0 ? this.snapshots[this.snapshots.length - 1] : null;
  }
}

/** The snapshots of a whole trace. */
export function snapshotsOf(events: readonly TraceEvent[]): StackSnapshot[] {
  const log = new StackLog();
  log.add(events);
  return log.snapshots;
}

// ---------------------------------------------------------------- no progress

const NOT_PARTICIPANTS = new Set(["manager-server", "forkserver", "resource-tracker"]);

/** One process's place in a "no progress" report. */
export interface StuckProcess {
  pid: number;
  process: string;
  /** What it waits in: a recorded operation ("queue.get"), an unrecorded call ("socket.recv"), or null. */
  call: string | null;
  recorded: boolean;
  how: "waiting" | "spinning" | "unanswered" | "not-connected";
  /** The innermost user frame (or the innermost frame), full path. */
  frame: StackFrame | null;
  /** "file:line" (full path) or null. */
  site: string | null;
  text: string;
}

/** Nothing moved: every live process waits, spins or cannot answer, outside any deadlock the model finds. */
export interface NoProgress {
  request: number;
  processes: StuckProcess[];
  /** A short signature of where everyone is (two equal ones in a row: still stuck there). */
  signature: string;
  text: string;
}

function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i >= 0 ? p.slice(i + 1) : p;
}

function lastEventOf(e: TraceEvent | undefined): LastEvent {
  if (e === undefined) return null;
  const site = (e as { site?: { file: string; line: number } }).site;
  return { kind: e.kind, site: site ? `${site.file}:${site.line}` : null, t: e.t };
}

function short(site: string | null): string {
  if (site === null) return "an unknown place";
  const i = site.lastIndexOf(":");
  return i > 0 ? `${basename(site.slice(0, i))}${site.slice(i)}` : site;
}

/** The thread a process's report is about: the main thread, else the first thread in user code. */
function keyThread(threads: StackThread[]): StackThread | null {
  return threads.find((t) => t.main) ?? threads.find((t) => t.userFrame !== null) ?? threads[0] ?? null;
}

/** Threads whose activity counts: the main thread and every thread running the program's code. */
function countedThreads(threads: StackThread[]): StackThread[] {
  return threads.filter((t) => t.main || t.userFrame !== null);
}

/**
 * How long a child may start using (almost) no CPU, while nothing of the program is recorded, before
 * it counts as stuck (ns), in grace periods: a start-up on a loaded machine takes seconds, but it
 * uses CPU or waits on the disk meanwhile; only one that waits forever stays still this long.
 */
export const STARTING_BUDGET_GRACES = 10;

export interface NoProgressOptions {
  /** See {@link STARTING_BUDGET_GRACES} (default: ten of the snapshot's grace periods, else 10 s). */
  startingBudgetNs?: number;
}

function seconds(ns: number): string {
  return (ns / 1e9).toFixed(1);
}

/** The "not connected" part of a report about a child that never finished starting. */
function notConnectedText(p: StartingProcess): string {
  const by = p.parentName !== null ? `, started by ${p.parentName}${p.site ? ` at ${short(p.site)}` : ""}` : "";
  const still = p.stillCpuMs !== null ? `for ${seconds(p.stillNs)} s using ${p.stillCpuMs} ms of CPU` : `for ${seconds(p.stillNs)} s`;
  return `${p.name} (pid ${p.pid}${by}) cannot answer (not connected): it has been starting ${still} while nothing was recorded (its start-up waits: an import, an at-fork hook, unpickling its arguments)`;
}

/**
 * Judge a complete snapshot: null when some live participant is making progress (running,
 * sleeping, a timed recorded wait, a paused process, one that did not answer but used CPU, one
 * still starting within its budget), else the report. `paused`: pids a debugger has paused.
 */
export function noProgress(snapshot: StackSnapshot, model: TraceModel, paused: ReadonlySet<number> = new Set(), options: NoProgressOptions = {}): NoProgress | null {
  if (!snapshot.complete) return null;
  const head = model.head;
  const budget = options.startingBudgetNs ?? STARTING_BUDGET_GRACES * (snapshot.graceNs ?? 1e9);
  const out: StuckProcess[] = [];
  // A process of the run that is still starting (alive, not connected yet, so it could not be
  // asked: a spawned interpreter importing, a child running the main module's top level) is
  // making progress, and whoever waits for it is not stuck — unless it has used no CPU, the OS
  // has not had it running, and nothing was recorded, for the whole budget: then its start-up
  // waits for something that is not coming, and it is reported as not connected.
  for (const p of snapshot.starting) {
    const st = head.processes.get(p.pid);
    if (st && (st.exit !== null || st.disconnect !== null)) continue;
    if (p.busy || p.stillNs < budget || snapshot.idleNs < budget) return null;
    out.push({ pid: p.pid, process: p.name, call: null, recorded: false, how: "not-connected", frame: null, site: p.site, text: notConnectedText(p) });
  }
  for (const p of snapshot.processes) {
    const st = head.processes.get(p.pid);
    if (st && (st.exit !== null || st.disconnect !== null)) continue;
    const role = st?.role ?? p.role;
    if (NOT_PARTICIPANTS.has(role)) continue;
    if (paused.has(p.pid)) return null;
    const name = st?.name ?? p.name;
    if (p.threads === null) {
      if (p.missing === null) return null;
      if (p.missing.state === null) continue; // gone
      if ((p.missing.cpuTicks ?? 1) > 0 || p.missing.state === "R") return null; // busy holding the GIL: computing
      const last = p.lastEvent;
      out.push({
        pid: p.pid,
        process: name,
        call: null,
        recorded: false,
        how: "unanswered",
        frame: null,
        site: last?.site ?? null,
        text: `${name} did not answer within ${(p.missing.waitedMs / 1000).toFixed(1)} s and used no CPU meanwhile (a call that holds the GIL, e.g. in a C extension); its last recorded event: ${last ? `${last.kind}${last.site ? ` at ${short(last.site)}` : ""}` : "none"}`,
      });
      continue;
    }
    const counted = countedThreads(p.threads);
    if (role === "pool-worker" && !p.threads.some((t) => t.userFrame !== null)) continue; // an idle worker
    if (counted.length === 0) continue;
    for (const t of counted) {
      if (t.state === "running" || t.state === "sleeping") return null;
      // A timer, a command at work, or something outside the run can end the wait (see outsideWaits).
      if (t.waitsOn && (t.waitsOn.progress || t.waitsOn.outside)) return null;
      const b = st?.threads.get(t.tid)?.block;
      if (b && b.timeout !== null && t.state !== "spinning") return null; // a timed wait ends by itself
    }
    const t = keyThread(counted)!;
    const b = st?.threads.get(t.tid)?.block ?? null;
    const frame = t.userFrame !== null ? t.frames[t.userFrame] : (t.frames[0] ?? null);
    const site = b?.site ? `${b.site.file}:${b.site.line}` : frame ? `${frame.file}:${frame.line}` : null;
    const thread = t.main ? "" : ` (thread ${t.name})`;
    let text: string;
    let call: string | null;
    let recorded = false;
    if (t.state === "spinning" && t.spin) {
      call = t.call ?? t.spin.method;
      text = `${name}${thread} spins at ${short(site)}: \`${call}\` returned ${t.spin.result ?? "the same result"} ${t.spin.repeats} times in 0.1 s with nothing arriving (busy polling, not progress)`;
    } else if (b) {
      call = b.op;
      recorded = true;
      text = `${name}${thread} waits in \`${b.op}\` on ${objectLabel(head, b.obj, p.pid)} at ${short(site)}`;
    } else {
      call = t.call ?? (frame && t.userFrame === null ? frame.fn : null);
      text = call
        ? `${name}${thread} waits in \`${call}\` at ${short(site)} — not an IPC primitive the runtime records`
        : `${name}${thread} waits at ${short(site)}${frame ? ` (in ${frame.fn})` : ""}`;
    }
    out.push({ pid: p.pid, process: name, call, recorded, how: t.state === "spinning" ? "spinning" : "waiting", frame, site, text });
  }
  if (out.length === 0) return null;
  const signature = out.map((s) => `${s.pid}@${s.site}/${s.call}/${s.how}`).join("|");
  const text =
    `no progress: nothing was recorded and no process is running, sleeping or computing:\n` +
    out.map((s) => `  ${s.text}`).join("\n");
  return { request: snapshot.request, processes: out, signature, text };
}

// ---------------------------------------------------------------- waits outside the run

/** A thread that waits on something outside the run (a listening socket, a peer outside, a terminal): not a hang. */
export interface OutsideWait {
  pid: number;
  process: string;
  thread: string;
  /** What it waits on (StackThread.waitsOn.what). */
  what: string;
  call: string | null;
  site: string | null;
  /** "MainProcess is waiting on a listening socket 127.0.0.1:8000 (outside the run) in `socket.accept` at server.py:12". */
  text: string;
}

/** Every live thread of a complete snapshot that waits on something outside the run ([] when none). */
export function outsideWaits(snapshot: StackSnapshot, model: TraceModel): OutsideWait[] {
  if (!snapshot.complete) return [];
  const out: OutsideWait[] = [];
  for (const p of snapshot.processes) {
    const st = model.head.processes.get(p.pid);
    if (st && (st.exit !== null || st.disconnect !== null)) continue;
    if (NOT_PARTICIPANTS.has(st?.role ?? p.role)) continue; // the machinery's own listeners (a forkserver, a Manager's server)
    const name = st?.name ?? p.name;
    for (const t of countedThreads(p.threads ?? [])) {
      if (!t.waitsOn?.outside || t.state === "running" || t.state === "spinning") continue;
      const frame = t.userFrame !== null ? t.frames[t.userFrame] : (t.frames[0] ?? null);
      const site = frame ? `${frame.file}:${frame.line}` : null;
      const thread = t.main ? "" : ` (thread ${t.name})`;
      const call = t.call ?? null;
      out.push({
        pid: p.pid,
        process: name,
        thread: t.name,
        what: t.waitsOn.what,
        call,
        site,
        text: `${name}${thread} is waiting on ${t.waitsOn.what} (outside the run)${call ? ` in \`${call}\`` : ""}${site ? ` at ${short(site)}` : ""}`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- text

export interface SnapshotTextOptions {
  /** Library frames shown per thread after its user frames (default 3). */
  libraryFrames?: number;
  /** Show threads that run no user code (default true). */
  allThreads?: boolean;
}

/** A starting child in a snapshot's text: it cannot answer; who started it, where; how long it has been still. */
export function startingLine(p: StartingProcess): string {
  const by = p.parentName !== null ? `; started by ${p.parentName}${p.site ? ` at ${short(p.site)}` : ""}` : "";
  const still = p.busy ? "; the OS has it running" : p.stillCpuMs !== null && p.stillNs >= 1e9 ? `; ${p.stillCpuMs} ms of CPU in ${seconds(p.stillNs)} s` : "";
  return `${p.name} (pid ${p.pid}): still starting, cannot answer (not connected)${by}${still}`;
}

/** A compact text of a snapshot: per process, per thread, user frames first (innermost first). */
export function formatSnapshot(s: StackSnapshot, options: SnapshotTextOptions = {}): string {
  const lib = options.libraryFrames ?? 3;
  const lines: string[] = [];
  lines.push(`stacks of ${s.processes.length} process(es) (request ${s.request}, ${s.reason === "hang" ? "taken because nothing was recorded" : "asked for"}):`);
  for (const p of s.starting ?? []) lines.push(startingLine(p));
  for (const p of s.processes) {
    if (p.threads === null) {
      const m = p.missing;
      const why = !m ? "no answer yet" : m.state === null ? "it had ended" : `no answer within ${(m.waitedMs / 1000).toFixed(1)} s (state ${m.state}, ${m.cpuTicks ?? "?"} CPU ticks meanwhile)`;
      lines.push(`${p.name} (pid ${p.pid}): ${why}; last recorded event: ${p.lastEvent ? `${p.lastEvent.kind}${p.lastEvent.site ? ` at ${short(p.lastEvent.site)}` : ""}` : "none"}`);
      continue;
    }
    lines.push(`${p.name} (pid ${p.pid}, ${p.role}):`);
    for (const t of p.threads) {
      if (options.allThreads === false && !t.main && t.userFrame === null) continue;
      const call = t.call ? ` in \`${t.call}\`` : "";
      const on = t.waitsOn ? ` on ${t.waitsOn.what}${t.waitsOn.outside ? " (outside the run)" : ""}` : "";
      lines.push(`  thread ${t.name} (tid ${t.tid}) ${t.state}${call}${on}${t.spin ? ` (${t.spin.method} → ${t.spin.result} ×${t.spin.repeats})` : ""}`);
      const user = t.frames.filter((f) => f.user);
      for (const f of user) lines.push(`    ${f === t.frames[t.userFrame ?? -1] ? "→" : " "} ${short(`${f.file}:${f.line}`)} in ${f.fn}`);
      const libFrames = t.frames.filter((f) => !f.user).slice(0, lib);
      for (const f of libFrames) lines.push(`      ${short(`${f.file}:${f.line}`)} in ${f.fn} (library)`);
      const more = t.frames.length - user.length - libFrames.length;
      if (more > 0) lines.push(`      … ${more} more library frame(s)`);
    }
  }
  return lines.join("\n");
}

/** The `stacks` field of a run summary (docs/cli.md): the last snapshot, compact. */
export interface SummaryStacks {
  request: number;
  reason: "hang" | "request";
  t: number;
  processes: Array<{
    pid: number;
    name: string;
    answered: boolean;
    threads: Array<{ tid: number; name: string; state: string; call: string | null; userFrame: StackFrame | null }>;
    lastEvent: LastEvent;
  }>;
  /** Children still starting (not connected, so not asked); left out when none. */
  starting?: Array<{ pid: number; name: string; parent: number | null; site: string | null; busy: boolean; stillMs: number }>;
}

export function summaryStacks(s: StackSnapshot | null): SummaryStacks | null {
  if (s === null) return null;
  return {
    request: s.request,
    reason: s.reason,
    t: s.t,
    processes: s.processes.map((p) => ({
      pid: p.pid,
      name: p.name,
      answered: p.threads !== null,
      threads: (p.threads ?? []).map((t) => ({ tid: t.tid, name: t.name, state: t.state, call: t.call ?? null, userFrame: t.userFrame !== null ? t.frames[t.userFrame] : null })),
      lastEvent: p.lastEvent,
    })),
    ...(s.starting.length > 0
      ? { starting: s.starting.map((p) => ({ pid: p.pid, name: p.name, parent: p.parent, site: p.site, busy: p.busy, stillMs: Math.round(p.stillNs / 1e6) })) }
      : {}),
  };
}
