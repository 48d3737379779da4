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
}

/** See the file comment. */
export class LiveHangDetector {
  readonly model: TraceModel;
  readonly graceNs: number;
  private lastLength = -1;
  private lastResult: Deadlock[] = [];
  private paused: ReadonlySet<number> = new Set();

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
    if (arrivalNs !== undefined) this.model.lastArrivalT = arrivalNs;
    else {
      let t = this.model.lastArrivalT;
      for (const e of events) if (e.t > t) t = e.t;
      this.model.lastArrivalT = t;
    }
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
