/**
 * The fold of processes: start, spawn, join, terminate/kill, exit.
 */

import type { Handler, Handlers } from "./types";
import { attachWorker } from "./pools";
import { addNames } from "../stateTypes";

/** process.terminate, process.kill. */
const onProcessTerminate: Handler<"process.terminate" | "process.kill"> = (s, e, i) => {
  const c = s.proc(e.child, i);
  c.terminated = { by: e.pid, at: i, how: e.kind === "process.kill" ? "kill" : "terminate" };
};

/** Handlers of the process kinds (trace/kinds/table.ts family "processes"). */
export const processFold = {
  // A stack snapshot (trace/analysis/stacks.ts): not the program's activity.
  "process.stacks": () => {},
  "process.start": (s, e, i, p, th) => {
    if (p.exit && e.seq === 0) {
      // A reused pid: a new process.
      p.exit = null;
      p.disconnect = null;
      p.terminated = null;
      p.threads = new Map([[e.tid, th]]);
    }
    p.name = e.name;
    p.role = e.role;
    p.ppid = e.ppid;
    p.startedAt = i;
    if (typeof e.target === "string") p.target = e.target;
    if (e.names && typeof e.names === "object") p.names = addNames(p.names, e.names);
    if (p.birth < 0) p.birth = i;
    if (e.role === "pool-worker") attachWorker(s, p, i);
  },
  "process.spawn": (s, e, i) => {
    const c = s.proc(e.child, i);
    if (c.name.startsWith("pid ")) c.name = e.name;
    c.target = e.target ?? c.target;
    c.daemon = e.daemon;
    c.spawnedAt = i;
    if (c.ppid === null) c.ppid = e.pid;
    if (c.birth < 0) c.birth = i;
  },
  "process.join": (s, e, i) => {
    if (e.exitCode !== null) {
      const c = s.proc(e.child, i);
      const signal = e.exitCode < 0 ? -e.exitCode : null;
      if (!c.exit) s.endProcess(c, { code: e.exitCode, signal, at: i, t: e.t, how: "join" });
      // It died without a word (connection lost, e.g. a Pool worker ended by terminate()): the
      // joiner knows its status; it ended when its connection did. (A new object: exits are
      // shared with checkpoints.)
      else if (c.exit.how === "disconnect") c.exit = { ...c.exit, code: e.exitCode, signal, how: "join" };
    }
  },
  "process.terminate": onProcessTerminate,
  "process.kill": onProcessTerminate,
  "process.exit": (s, e, i, p) => {
    s.endProcess(p, { code: e.exitCode, signal: e.signal ?? null, at: i, t: e.t, how: "exit" });
  },
} satisfies Partial<Handlers>;
