/**
 * Live hang detection for `ipcviz run`: feed events as they arrive, call {@link
 * LiveHangDetector.check} now and then; it reports a deadlock or stall only once no event has
 * arrived for the grace period and the analysis holds at that moment (a lock cycle; or a stall
 * in which every live participant is stuck). A child that is merely slow to report its exit is
 * running, not stuck, and a join on a child whose connection closed is not waiting on anyone.
 * Pure: the caller supplies the clock (any ns clock, used consistently for feed and check).
 */

import type { TraceEvent, TraceHeader } from "../format";
import { TraceModel } from "../model/model";
import { liveDeadlocks } from "./diagnose";
import { noProgress, outsideWaits, StackLog, STACK_KINDS, STARTING_BUDGET_GRACES, type NoProgress, type OutsideWait, type StackSnapshot } from "./stacks";
import type { Deadlock } from "./types";

export interface LiveHangOptions {
  /** No progress for this long (ns) before a hang is reported. Default 1 s. */
  graceNs?: number;
  /** Trace header, when known. */
  header?: TraceHeader | null;
  /** Use this model (e.g. the one a live view shows) instead of making one. */
  model?: TraceModel;
}

/** A hang found live. */
export interface LiveHangReport {
  deadlocks: Deadlock[];
  /** How long nothing has arrived (ns). */
  idleNs: number;
  /** Causal index of the last event the diagnosis saw. */
  at: number;
  /** The whole diagnosis as text for stderr. */
  text: string;
  /** Every process's stacks when the hang was found (null: none could be taken). */
  stacks?: StackSnapshot | null;
  /** No deadlock in the recorded primitives, but nothing moves (see trace/analysis/stacks.ts). */
  noProgress?: NoProgress | null;
}

/** See the file comment. */
export class LiveHangDetector {
  readonly model: TraceModel;
  readonly graceNs: number;
  private lastLength = -1;
  private lastResult: Deadlock[] = [];
  private paused: ReadonlySet<number> = new Set();
  /** The stack snapshots seen so far. */
  readonly stacks = new StackLog();

  constructor(options: LiveHangOptions = {}) {
    this.model = options.model ?? new TraceModel(options.header ?? null);
    this.graceNs = options.graceNs ?? 1e9;
  }

  /**
   * Events just arrived (in arrival order). `arrivalNs`: the caller's clock now; when omitted,
   * the largest event time of the batch is used (then call check() with trace time too).
   */
  feed(events: readonly TraceEvent[], arrivalNs?: number): void {
    if (events.length === 0) return;
    this.model.append(events);
    this.stacks.add(events);
    // A stack snapshot is not the program's activity.
    let activity = false;
    for (const e of events) if (!STACK_KINDS.has(e.kind)) activity = true;
    if (!activity) return;
    if (arrivalNs !== undefined) this.model.lastArrivalT = arrivalNs;
    else {
      let t = this.model.lastArrivalT;
      for (const e of events) if (e.t > t && !STACK_KINDS.has(e.kind)) t = e.t;
      this.model.lastArrivalT = t;
    }
  }

  /** Processes a debugger has paused. */
  get pausedPids(): ReadonlySet<number> {
    return this.paused;
  }

  /** Time of the last arrival (caller's clock). */
  get lastArrivalNs(): number {
    return this.model.lastArrivalT;
  }

  /**
   * Processes a debugger has paused (pids). A paused process can act once it is continued: it is
   * never stuck, and a wait that it could end is not stuck either, so no deadlock involving it is
   * reported (a cycle among other processes still is). Replaces the previous set; a change counts
   * as activity (the grace period starts again). `nowNs`: the caller's clock, as for feed().
   */
  setPaused(pids: Iterable<number>, nowNs: number): void {
    this.paused = new Set(pids);
    this.lastLength = -1;
    if (nowNs > this.model.lastArrivalT) this.model.lastArrivalT = nowNs;
  }

  /** A report when the program has hung (see the file comment), else null. */
  check(nowNs: number): LiveHangReport | null {
    const m = this.model;
    if (m.length === 0) return null;
    const idle = nowNs - m.lastArrivalT;
    if (idle < this.graceNs) return null;
    // Nothing arrived for the grace period: what held events wait for is not coming; place them.
    if (m.held > 0) m.flushHeld();
    if (m.length !== this.lastLength) {
      this.lastLength = m.length;
      this.lastResult = liveDeadlocks(m, nowNs, this.graceNs, this.paused);
    }
    if (this.lastResult.length === 0) return null;
    const text = this.lastResult.map((d) => d.explanation).join("\n\n");
    return { deadlocks: this.lastResult, idleNs: idle, at: m.length - 1, text };
  }
}

/** What {@link HangWatch.tick} asks the caller to do. */
export type HangAction =
  | { kind: "request-stacks" }
  | { kind: "report"; report: LiveHangReport }
  /** Nothing recorded, but some thread waits on something outside the run (not a hang; the run goes on). Once per new set of waits. */
  | { kind: "outside"; waits: OutsideWait[]; text: string; stacks: StackSnapshot }
  | null;

/**
 * The live hang check with stack snapshots, for `ipcviz run` and the extension. Call tick() now
 * and then (events fed to the detector meanwhile). Once nothing was recorded for the grace period
 * it asks for a snapshot ("request-stacks": the caller asks the collector, whose events reach the
 * detector, and calls stacksDone()). With the snapshot in: a deadlock or stall the model finds is
 * reported with the stacks attached; otherwise, when every live process waits, spins or cannot
 * answer (trace/analysis/stacks.ts noProgress) at the same places in two snapshots a grace period
 * apart, "no progress" is reported. While something runs, sleeps or computes, snapshots are
 * taken again less and less often (up to every 8 grace periods) until events arrive again. A
 * thread that waits on something outside the run (a listening socket, a peer that is no process
 * of the run, a terminal) or on a timer is not stuck: "outside" tells the caller once per new set
 * of such waits, and the run goes on.
 */
export class HangWatch {
  private pending = false;
  private pendingSince = 0;
  private nextAt = 0;
  private backoff: number;
  private seenActivity = Number.NaN;
  private lastSignature: string | null = null;
  private evaluated = -1;
  private answered = false;
  private lastOutside: string | null = null;

  constructor(
    readonly detector: LiveHangDetector,
    /** False when stacks cannot be asked for (the check is then the detector's alone). */
    private readonly stacksAvailable = true,
  ) {
    this.backoff = detector.graceNs;
  }

  /** The caller's request has ended (answers and stacks.missing events have been fed). */
  stacksDone(): void {
    if (this.pending) {
      this.pending = false;
      this.answered = true;
    }
  }

  tick(nowNs: number): HangAction {
    const d = this.detector;
    const m = d.model;
    if (m.length === 0) return null;
    const last = d.lastArrivalNs;
    if (last !== this.seenActivity) {
      // Something happened: start over.
      this.seenActivity = last;
      this.lastSignature = null;
      this.backoff = d.graceNs;
      this.nextAt = last + d.graceNs;
      this.answered = false;
    }
    if (nowNs - last < d.graceNs) return null;
    if (!this.stacksAvailable) {
      const r = d.check(nowNs);
      return r ? { kind: "report", report: r } : null;
    }
    if (this.pending) {
      if (nowNs - this.pendingSince < 5e9) return null;
      this.pending = false; // the request never ended: go on without it
      this.answered = true;
    }
    if (this.answered) {
      this.answered = false;
      const latest = d.stacks.latest();
      const snap = latest && latest.complete && latest.request > this.evaluated ? latest : null;
      if (snap) this.evaluated = snap.request;
      const r = d.check(nowNs);
      if (r) return { kind: "report", report: { ...r, stacks: snap, noProgress: null } };
      const np = snap ? noProgress(snap, m, d.pausedPids, { startingBudgetNs: STARTING_BUDGET_GRACES * d.graceNs }) : null;
      if (np) {
        if (this.lastSignature === np.signature) {
          return { kind: "report", report: { deadlocks: [], idleNs: nowNs - last, at: m.length - 1, text: np.text, stacks: snap, noProgress: np } };
        }
        this.lastSignature = np.signature;
        this.nextAt = nowNs + d.graceNs;
      } else {
        this.lastSignature = null;
        this.backoff = Math.min(this.backoff * 2, 8 * d.graceNs);
        this.nextAt = nowNs + this.backoff;
        const waits = snap ? outsideWaits(snap, m) : [];
        const sig = waits.map((w) => `${w.pid}/${w.thread}@${w.site}/${w.what}`).join("|");
        if (snap && waits.length > 0 && sig !== this.lastOutside) {
          this.lastOutside = sig;
          return { kind: "outside", waits, stacks: snap, text: waits.map((w) => w.text).join("\n") };
        }
      }
      return null;
    }
    if (nowNs >= this.nextAt) {
      this.pending = true;
      this.pendingSince = nowNs;
      this.nextAt = nowNs + this.backoff;
      return { kind: "request-stacks" };
    }
    return null;
  }
}
