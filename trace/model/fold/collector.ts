/**
 * The fold of the collector's own events: a process's connection closing, lost events, the
 * run's exit as the launcher saw it, the run ended by its watchdog when the recorder died.
 */

import type { Handlers } from "./types";

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

/** Handlers of the collector kinds. */
export const collectorFold = {
  "process.disconnect": (s, e, i, p) => {
    p.disconnect = { clean: e.clean, at: i };
    if (!e.clean && !p.exit) s.endProcess(p, { code: null, signal: null, at: i, t: e.t, how: "disconnect" });
  },
  "events.lost": (s, e, i, p) => {
    p.lost += e.count;
  },
  "run.exit": (s, e, i, p) => {
    const sig = typeof e.signal === "string" ? SIGNALS[e.signal] ?? null : null;
    if (!p.exit) s.endProcess(p, { code: e.exitCode, signal: sig, at: i, t: e.t, how: "run.exit" });
    else if (p.exit.code === null && p.exit.signal === null) {
      // The main process records its exit before its status is known: the launcher saw it.
      // (A new object: exits are shared with checkpoints, which must not change.)
      p.exit = { ...p.exit, code: e.exitCode, signal: sig };
    }
  },
  // Stack snapshots are not the program's activity: the model leaves them to trace/analysis/stacks.ts.
  "stacks.request": () => {},
  "stacks.missing": () => {},
  "run.orphaned": (s, e, i) => {
    // The recorder died and the watchdog ended the run: every process still running ended here.
    for (const q of s.processes.values()) {
      if (!q.exit) s.endProcess(q, { code: null, signal: SIGNALS.SIGKILL, at: i, t: e.t, how: "orphaned" });
    }
  },
} satisfies Partial<Handlers>;
