/**
 * The diagnosis of a trace: deadlocks (cycles and stalls), potential deadlocks (lock order) and
 * hazards, for a finished trace, at an event index, or live while the program runs.
 *
 * A finished or growing trace is scanned once, in causal order (incrementally: a model that grew
 * since the last call is scanned only from where the last scan stopped). At each event that can
 * complete a deadlock (a new wait, a process ending, a pipe end closed, a Pool worker going idle)
 * the stuck set is computed (trace/analysis/waits.ts). A stuck set found in a trace is reported
 * only if its waits never end normally later in the trace: so a trace that continued (the model
 * missed what woke them) gives no false alarm, and a run that ipcviz stopped (processes killed
 * after the hang) still shows the hang. Live, a stuck set is reported once nothing has arrived
 * for the grace period; a stall (as opposed to a lock cycle) then also needs every live
 * participant to be stuck.
 */

import type { TraceEvent } from "../format";
import type { TraceModel } from "../model/model";
import { ModelState, type CallInfo } from "../model/state";
import { explainStuck, waitKeys } from "./explain";
import { HazardTracker } from "./hazards";
import { LockOrderTracker } from "./lockOrder";
import type { Deadlock, Diagnosis } from "./types";
import { findStuck, isService, mayBeStuck, processWaits, WaitContext } from "./waits";

export interface DiagnoseOptions {
  /** Diagnose the state at this event index: diagnoses established at or before it that still hold there. */
  atIndex?: number;
  /**
   * Live run: report deadlocks only when nothing has arrived for `graceNs` (compared with
   * `now`, in the clock of {@link TraceModel.lastArrivalT} when set, else trace time).
   */
  live?: { now: number; graceNs: number };
}


/** Incremental scan of a model (kept per model). */
class Scanner {
  readonly state: ModelState;
  readonly locks = new LockOrderTracker();
  readonly hazards: HazardTracker;
  /** Deadlocks found (not yet checked for persistence). */
  readonly candidates: Deadlock[] = [];
  private readonly keyOwner = new Map<string, Deadlock>();
  next = 0;

  constructor(readonly model: TraceModel) {
    this.state = new ModelState(model);
    this.hazards = new HazardTracker(model);
  }

  /** Scan events up to index `upTo` (inclusive). */
  advance(upTo: number): void {
    const s = this.state;
    const m = this.model;
    for (let i = this.next; i <= upTo; i++) {
      const ev = m.event(i);
      let call: CallInfo | null = null;
      if (ev.kind === "mgr.return") {
        const th = s.processes.get(ev.pid)?.threads.get(ev.tid);
        if (th && th.call >= 0) call = s.calls.get(th.call) ?? null;
      }
      s.apply(ev, i);
      this.locks.onEvent(s, ev, i, call);
      this.hazards.onEvent(s, ev, i);
      this.maybeDeadlock(ev, i);
    }
    if (upTo + 1 > this.next) this.next = upTo + 1;
  }

  private maybeDeadlock(ev: TraceEvent, i: number): void {
    const s = this.state;
    switch (ev.kind) {
      case "block.begin": {
        const p = s.processes.get(ev.pid);
        const b = p?.threads.get(ev.tid)?.block;
        if (!p || !b || isService(p)) return;
        if (!processWaits(s, p)) return; // another thread of it runs
        if (!mayBeStuck(s, b)) return;
        break;
      }
      case "mgr.call": {
        // A wait with op "mgr.call" is understood once its call (method) is known.
        const p = s.processes.get(ev.pid);
        const b = p?.threads.get(ev.tid)?.block;
        if (!p || !b || b.op !== "mgr.call" || isService(p) || !processWaits(s, p)) return;
        if (!mayBeStuck(s, b)) return;
        break;
      }
      case "process.exit":
      case "process.disconnect":
      case "run.exit":
      case "pipe.close":
      case "pool.result.send":
      case "process.join": {
        // Someone may now wait on nobody: only worth a look if some process waits entirely.
        let any = false;
        for (const p of s.processes.values()) {
          if (!p.exit && !isService(p) && processWaits(s, p)) {
            any = true;
            break;
          }
        }
        if (!any) return;
        break;
      }
      default:
        return;
    }
    const stuck = findStuck(s);
    if (stuck.stuck.size === 0) return;
    for (const d of explainStuck(s, stuck)) this.record(d);
  }

  private record(d: Deadlock): void {
    const keys = waitKeys(d);
    // The same deadlock seen again (or grown): keep one report, the latest wording, the first index.
    let prev: Deadlock | undefined;
    for (const k of keys) {
      prev = this.keyOwner.get(k);
      if (prev) break;
    }
    if (prev) {
      const prevKeys = new Set(waitKeys(prev));
      if (keys.length <= prevKeys.size && keys.every((k) => prevKeys.has(k))) return; // nothing new
      const at = prev.at;
      const t = prev.t;
      Object.assign(prev, d, { at: Math.min(at, d.at), t: Math.min(t, d.t) });
      for (const k of keys) this.keyOwner.set(k, prev);
      return;
    }
    this.candidates.push(d);
    for (const k of keys) this.keyOwner.set(k, d);
  }
}

const scanners = new WeakMap<TraceModel, Scanner>();

function scannerFor(model: TraceModel): Scanner {
  let sc = scanners.get(model);
  if (!sc) {
    sc = new Scanner(model);
    scanners.set(model, sc);
  }
  sc.advance(model.length - 1);
  return sc;
}

/** Did this wait end normally later in the trace (so it was not a deadlock)? */
function resolvedLater(model: TraceModel, pid: number, tid: number, since: number, until: number): boolean {
  const ev = model.event(since);
  if (ev.kind === "block.begin") {
    const end = model.partner(since);
    if (end < 0 || end > until) return false;
    const endEv = model.event(end);
    const outcome = endEv.kind === "block.end" ? endEv.outcome : undefined;
    return outcome === "ok" || outcome === "timeout";
  }
  // A Manager call that waits: resolved when the same thread got the reply.
  const lane = model.processLane(pid);
  if (!lane) return false;
  for (let k = model.localIndex(since) + 1; k < lane.events.length; k++) {
    const j = lane.events[k];
    if (j > until) break;
    const e = model.event(j);
    if (e.kind === "mgr.return" && e.tid === tid) return e.ok === true;
  }
  return false;
}

/** Did the process end (exit, lost connection, launcher saw main end) after `from` and at or before `i`? */
function endedBy(model: TraceModel, pid: number, from: number, i: number): boolean {
  const lane = model.processLane(pid);
  if (!lane) return false;
  for (let k = lane.events.length - 1; k >= 0; k--) {
    const j = lane.events[k];
    if (j > i) continue;
    if (j <= from) break;
    const e = model.event(j);
    if (e.kind === "process.exit" || e.kind === "run.exit" || (e.kind === "process.disconnect" && e.clean === false)) return true;
  }
  return false;
}

/** Is the deadlock still in force at index i (its processes alive and still waiting)? */
function holdsAt(model: TraceModel, d: Deadlock, i: number): boolean {
  for (const w of d.waits) {
    if (w.since > i) return false;
    const ev = model.event(w.since);
    if (ev.kind === "block.begin") {
      const end = model.partner(w.since);
      if (end >= 0 && end <= i) return false;
    }
    if (endedBy(model, w.pid, w.since, i)) return false;
  }
  return true;
}

/** Diagnose a model; see the file comment and {@link DiagnoseOptions}. */
export function diagnose(model: TraceModel, options: DiagnoseOptions = {}): Diagnosis {
  const n = model.length;
  if (n === 0) return { deadlocks: [], potentialDeadlocks: [], hazards: [], analysedUpTo: -1 };
  const sc = scannerFor(model);
  const upTo = options.atIndex === undefined ? n - 1 : Math.max(-1, Math.min(n - 1, options.atIndex));
  const last = n - 1;
  let deadlocks: Deadlock[];
  if (options.live) {
    deadlocks = liveDeadlocks(model, options.live.now, options.live.graceNs);
  } else {
    deadlocks = sc.candidates.filter((d) => d.at <= upTo && !d.waits.some((w) => resolvedLater(model, w.pid, w.tid, w.since, last)));
    if (options.atIndex !== undefined) deadlocks = deadlocks.filter((d) => holdsAt(model, d, upTo));
  }
  const lockedInDeadlock = new Set<string>();
  for (const d of deadlocks) for (const o of d.objects) lockedInDeadlock.add(o);
  const potentialDeadlocks = sc.locks.results(sc.state, lockedInDeadlock).filter((p) => p.at <= upTo);
  const hazards = sc.hazards.hazards.filter((h) => h.at <= upTo);
  return { deadlocks: deadlocks.map((d) => ({ ...d })), potentialDeadlocks, hazards: hazards.map((h) => ({ ...h })), analysedUpTo: upTo };
}

/** Time of the last activity: when the last event arrived (caller's clock), else the largest event time. */
export function lastActivity(model: TraceModel): number {
  if (Number.isFinite(model.lastArrivalT)) return model.lastArrivalT;
  return model.maxT;
}

/**
 * Deadlocks at the head of a live model, if it has been idle for the grace period. `paused`:
 * processes a debugger has paused, treated as able to act (never stuck, and they can end waits).
 */
export function liveDeadlocks(model: TraceModel, now: number, graceNs: number, paused: ReadonlySet<number> = new Set()): Deadlock[] {
  if (model.length === 0) return [];
  if (now - lastActivity(model) < graceNs) return [];
  const s = model.head;
  const stuck = findStuck(s, { active: new Set([...model.heldPids(), ...paused]) }, new WaitContext(s));
  if (stuck.stuck.size === 0) return [];
  return explainStuck(s, stuck).filter((d) => d.kind === "cycle" || stuck.allStuck);
}

/** Every index at which a diagnosis appears, ascending (for stepping to the next/previous diagnosis). */
export function diagnosisIndices(d: Diagnosis): number[] {
  const set = new Set<number>();
  for (const x of d.deadlocks) set.add(x.at);
  for (const x of d.potentialDeadlocks) set.add(x.at);
  for (const x of d.hazards) set.add(x.at);
  return [...set].sort((a, b) => a - b);
}
