/**
 * Counters for the status bar and the view's status line: events so far, processes seen and
 * processes still running (started and not yet exited or disconnected). Pure.
 */

import type { TraceEvent } from "../trace/format";

/** See the file comment. */
export class RunStats {
  events = 0;
  private readonly seen = new Set<number>();
  private readonly ended = new Set<number>();

  feed(events: readonly TraceEvent[]): void {
    this.events += events.length;
    for (const e of events) {
      if (e.kind === "process.start") this.seen.add(e.pid);
      else if (e.kind === "process.exit" || e.kind === "process.disconnect") this.ended.add(e.pid);
    }
  }

  /** Processes that have started. */
  get processesSeen(): number {
    return this.seen.size;
  }

  /** Processes started and not yet ended. */
  get processesRunning(): number {
    let n = 0;
    for (const pid of this.seen) if (!this.ended.has(pid)) n++;
    return n;
  }
}

/** Status bar text, e.g. "$(pulse) IPC: 3 processes, 120 events". */
export function statusBarText(stats: { processesRunning: number; events: number }, state: "starting" | "running" | "stopping"): string {
  const p = stats.processesRunning;
  const head = state === "starting" ? "$(loading~spin) IPC: starting" : state === "stopping" ? "$(loading~spin) IPC: stopping" : "$(pulse) IPC";
  return `${head}: ${p} process${p === 1 ? "" : "es"}, ${stats.events} event${stats.events === 1 ? "" : "s"}`;
}
