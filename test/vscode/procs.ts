/**
 * Processes seen through /proc (Linux): who started whom, which program they run, and what is in
 * their environment. The vscode and e2e tiers use it to end code-server's whole process tree and to
 * check that no program of a run (Python started by the extension host) is left behind.
 */

import { readFileSync } from "node:fs";
import { listProcesses as listProcStats } from "../../runtime/launch/procTree";

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** argv joined with spaces ("" for kernel threads and processes that are gone). */
  cmdline: string;
}

/** Every live (non-zombie) process, but this one (from procTree's /proc reading, plus the command line). */
export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const st of listProcStats()) {
    if (st.pid === process.pid || st.state === "Z") continue; // a zombie is gone; only its parent's wait() is missing
    try {
      const cmdline = readFileSync(`/proc/${st.pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
      out.push({ pid: st.pid, ppid: st.ppid, cmdline });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** The environment of a process ({} when it cannot be read or is gone). */
export function environOf(pid: number): Record<string, string> {
  try {
    const env: Record<string, string> = {};
    for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const i = kv.indexOf("=");
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return env;
  } catch {
    return {};
  }
}

/** The processes below pid (children, grandchildren, …), not pid itself. */
export function descendantsOf(pid: number, procs: ProcInfo[] = listProcesses()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Processes whose command line contains text. */
export function processesWithCmdline(text: string): ProcInfo[] {
  return listProcesses().filter((p) => p.cmdline.includes(text));
}

/** A live, non-zombie process (procTree's check). */
export { isAlive } from "../../runtime/launch/procTree";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Ends the processes that `find()` returns: SIGTERM, then SIGKILL after graceMs, until find()
 * returns none or timeoutMs passes. Resolves with the processes still there at the end (an empty
 * list when all are gone).
 */
export async function endProcesses(find: () => ProcInfo[], opts: { graceMs?: number; timeoutMs?: number } = {}): Promise<ProcInfo[]> {
  const graceMs = opts.graceMs ?? 3000;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const start = Date.now();
  let signal: NodeJS.Signals = "SIGTERM";
  for (;;) {
    const left = find();
    if (left.length === 0) return [];
    if (Date.now() - start > timeoutMs) return left;
    if (Date.now() - start > graceMs) signal = "SIGKILL";
    for (const p of left) {
      try {
        process.kill(p.pid, signal);
      } catch {
        /* gone already */
      }
    }
    await sleep(signal === "SIGTERM" ? 200 : 100);
  }
}

/** A short readable list for assertion messages. */
export function describeProcesses(procs: ProcInfo[]): string {
  return procs.map((p) => `  pid ${p.pid} (ppid ${p.ppid}): ${p.cmdline.slice(0, 200)}`).join("\n");
}
