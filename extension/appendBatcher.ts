/**
 * Batching of live events for a webview: events are collected and posted as one `append` at most
 * every `intervalMs`, split into messages of at most `maxBatch` events. Pure (the timer functions
 * are passed in, so tests drive time).
 */

import type { TraceEvent } from "../trace/format";
import { APPEND_INTERVAL_MS, MAX_APPEND_BATCH } from "../webview/protocol";

export interface AppendBatcherOptions {
  intervalMs?: number;
  maxBatch?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** See the file comment. */
export class AppendBatcher {
  private pending: TraceEvent[] = [];
  private timer: unknown = null;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly post: (events: TraceEvent[]) => void,
    options: AppendBatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? APPEND_INTERVAL_MS;
    this.maxBatch = Math.max(1, options.maxBatch ?? MAX_APPEND_BATCH);
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** Events waiting to be posted. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Queue events; they are posted within intervalMs. */
  push(events: readonly TraceEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.pending.push(e);
    if (this.timer === null) this.timer = this.setTimer(() => this.flush(), this.intervalMs);
  }

  /** Post everything pending now (in messages of at most maxBatch events). */
  flush(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.maxBatch) this.post(all.slice(i, i + this.maxBatch));
  }

  /** Drop what is pending (e.g. a new snapshot replaces it) and stop the timer. */
  clear(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.pending = [];
  }

  dispose(): void {
    this.clear();
  }
}
