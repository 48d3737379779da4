/**
 * What a normal run (RunSession) and a debug run (DebugRun) share as live view sources: the
 * host's copy of the events, the counters, the events views listen to (append, status,
 * finished, hang), the live hang check every 250 ms, and the status refresh.
 */

import * as vscode from "vscode";
import { HangWatch, type LiveHangDetector, type LiveHangReport } from "../trace/analysis/live";
import { STACK_KINDS } from "../trace/analysis/stacks";
import type { TraceEvent, TraceFooter } from "../trace/format";
import type { StatusMessage } from "../webview/protocol";
import { deadlockNotificationText } from "./deadlockMessage";
import { Disposable, toDisposable } from "./dispose";
import { RunStats } from "./runStats";

/** State of a live run. */
export type LiveRunState = "running" | "stopping" | "finished";

/** See the file comment. `R`: how the run ended (the launcher's or the collect-only result). */
export abstract class LiveRunBase<R> extends Disposable {
  readonly events: TraceEvent[] = [];
  footer: TraceFooter | null = null;
  result: R | null = null;
  hang: LiveHangReport | null = null;
  /** Nothing is recorded and some process waits on something outside the run (not a hang): the text, until events arrive again. */
  waitingOutside: string | null = null;
  protected state: LiveRunState = "running";
  protected stopReason: string | null = null;
  protected readonly stats = new RunStats();
  protected readonly _onDidAppend = this._register(new vscode.EventEmitter<readonly TraceEvent[]>());
  protected readonly _onDidFinish = this._register(new vscode.EventEmitter<{ footer: TraceFooter | null; reason: string }>());
  protected readonly _onDidStatus = this._register(new vscode.EventEmitter<Omit<StatusMessage, "type">>());
  private readonly _onDidHang = this._register(new vscode.EventEmitter<LiveHangReport>());
  readonly onDidAppend = this._onDidAppend.event;
  readonly onDidFinish = this._onDidFinish.event;
  readonly onDidStatus = this._onDidStatus.event;
  /** A deadlock or stall was found while the program runs (fires once per run). */
  readonly onDidHang = this._onDidHang.event;

  constructor(
    readonly title: string,
    protected readonly detector: LiveHangDetector,
  ) {
    super();
    const clock = () => Number(process.hrtime.bigint());
    // Once nothing is recorded for the grace period, every process's stacks are asked for: a
    // deadlock is reported with them, a hang outside the recorded primitives as "no progress".
    const hangWatch = new HangWatch(detector);
    const watch = setInterval(() => {
      // Nothing is diagnosed while received events wait to be decoded: the model is behind the program.
      if (this.hang || this.state !== "running" || this.backlogBytes() > 0) return;
      const act = hangWatch.tick(clock());
      if (act === null) return;
      if (act.kind === "request-stacks") {
        void this.requestStacks("hang", detector.graceNs).then(
          () => hangWatch.stacksDone(),
          () => hangWatch.stacksDone(),
        );
        return;
      }
      if (act.kind === "outside") {
        this.waitingOutside = act.text.split("\n").join("; ");
        this.updateStatus();
        return;
      }
      this.hang = act.report;
      this._onDidHang.fire(act.report);
    }, 250);
    this._register(toDisposable(() => clearInterval(watch)));
    const statusTimer = setInterval(() => this.updateStatus(), 250);
    this._register(toDisposable(() => clearInterval(statusTimer)));
  }

  /** Tell the views (and the status bar) how the run is doing. */
  protected abstract updateStatus(): void;

  /** Bytes the collector has received and not yet decoded. */
  protected abstract backlogBytes(): number;

  /** Ask every process of the run for its stacks ("Show All Stacks", or a hang check); the answers arrive as events. */
  abstract requestStacks(reason: "hang" | "request", graceNs?: number): Promise<unknown>;

  /** New events from the collector. */
  protected addEvents(events: TraceEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      if (this.waitingOutside !== null && !STACK_KINDS.has(e.kind)) this.waitingOutside = null;
    }
    this.stats.feed(events);
    this._onDidAppend.fire(events);
  }

  /** The run has ended: the views get the final status and the reason. */
  protected announceFinished(reason: string): void {
    this._onDidStatus.fire({ state: "finished", processes: 0, events: this.stats.events });
    this._onDidFinish.fire({ footer: this.footer, reason });
  }

  get live(): boolean {
    return this.state !== "finished";
  }

  get isRunning(): boolean {
    return this.state !== "finished";
  }

  /** The notification line for the hang found live. */
  hangText(): string {
    if (!this.hang) return "";
    const np = this.hang.noProgress;
    if (np) return `No progress: ${np.processes.map((p) => p.text).join("; ")}`;
    return deadlockNotificationText(this.hang.deadlocks);
  }
}
