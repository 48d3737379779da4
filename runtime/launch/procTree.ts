/**
 * Finding and ending every process of a run, on Linux, from /proc.
 *
 * A run's processes are: the main process's session and process group (the launcher starts it
 * as a session leader), descendants of the main process and of every process that connected
 * to the collector, and any process whose initial environment carries the run's token (this
 * catches processes that left the session and were re-parented after their parent died).
 * A pid is only signalled while its start time is the one recorded for it, so a reused pid
 * is never hit.
 */

import { readdirSync, readFileSync } from "node:fs";

/** What /proc/<pid>/stat says about a process. */
export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process. */
  startTime: number;
  /** CPU time used so far (user + system), in clock ticks. */
  cpuTicks: number;
}

/** Read /proc/<pid>/stat; null when the process is gone (or /proc is not there). */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime …"
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const f = text.slice(close + 2).split(" ");
  return { pid, state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), startTime: Number(f[19]), cpuTicks: Number(f[11]) + Number(f[12]) };
}

/** Every process visible in /proc. */
export function listProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const s = readProcStat(Number(name));
    if (s) out.push(s);
  }
  return out;
}

/** True when the process's initial environment has `name=value`. */
function environHas(pid: number, entry: Buffer): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`);
    let i = env.indexOf(entry);
    while (i >= 0) {
      if ((i === 0 || env[i - 1] === 0) && (i + entry.length === env.length || env[i + entry.length] === 0)) return true;
      i = env.indexOf(entry, i + 1);
    }
  } catch {
    /* gone, or not ours */
  }
  return false;
}

/** True when the process exists and is not a zombie (a zombie has ended, only not reaped yet). */
export function isAlive(pid: number, startTime?: number): boolean {
  const s = readProcStat(pid);
  if (!s || s.state === "Z" || s.state === "X") return false;
  return startTime === undefined || s.startTime === startTime;
}

/** Processes of one run, as found by {@link findRunProcesses}. */
export interface RunProcessQuery {
  /** The main process: leader of its own session and group. */
  mainPid: number;
  /** The main process's start time (ProcStat.startTime), so a reused pid is never mistaken for it. */
  mainStartTime: number | null;
  /** Pids known to belong to the run (e.g. from collector hellos), with their start time when known. */
  knownPids: Map<number, number | null>;
  /** `IPCVIZ_TOKEN=<token>`: processes whose environment has it belong to the run. */
  tokenEntry: string | null;
}

/** The run's live processes (pid → start time), never including this process or its ancestors. */
export function findRunProcesses(q: RunProcessQuery): Map<number, number> {
  const all = listProcesses();
  const byPid = new Map<number, ProcStat>();
  for (const p of all) byPid.set(p.pid, p);
  const protectedPids = new Set<number>();
  for (let pid = process.pid; pid > 1 && !protectedPids.has(pid); ) {
    protectedPids.add(pid);
    pid = byPid.get(pid)?.ppid ?? 0;
  }
  protectedPids.add(1);
  const found = new Map<number, number>();
  // Once the main process has ended, its pid may be reused by an unrelated process (even a new
  // session leader): then neither the pid nor the session/group id of that value is ours.
  const mainOurs = mainStillOurs(q, byPid.get(q.mainPid));
  const roots = new Set<number>(mainOurs ? [q.mainPid] : []);
  for (const [pid, start] of q.knownPids) {
    const s = byPid.get(pid);
    if (s && (start === null || s.startTime === start)) roots.add(pid);
  }
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const entry = q.tokenEntry ? Buffer.from(q.tokenEntry) : null;
  const add = (pid: number) => {
    const s = byPid.get(pid);
    if (!s || protectedPids.has(pid) || found.has(pid) || s.state === "Z") return false;
    found.set(pid, s.startTime);
    return true;
  };
  for (const p of all) {
    if (protectedPids.has(p.pid)) continue;
    if (mainOurs && (p.session === q.mainPid || p.pgrp === q.mainPid)) add(p.pid);
    // A process that started before the main process cannot carry the run's token: its
    // environment is not read (most of the machine's processes, and the costly part of a scan).
    else if (entry && (q.mainStartTime === null || p.startTime >= q.mainStartTime) && environHas(p.pid, entry)) add(p.pid);
  }
  // Descendants of the roots and of everything found so far.
  const stack = [...roots, ...found.keys()];
  for (const r of roots) add(r);
  while (stack.length > 0) {
    const pid = stack.pop()!;
    for (const child of children.get(pid) ?? []) if (add(child)) stack.push(child);
  }
  return found;
}

/** False when a process other than the run's main process now has the main process's pid. */
function mainStillOurs(q: RunProcessQuery, now: ProcStat | null | undefined): boolean {
  return now === undefined || now === null || q.mainStartTime === null || now.startTime === q.mainStartTime;
}

/** Signal the main process's group, unless its pid now belongs to another process. */
function signalGroup(q: RunProcessQuery, sig: NodeJS.Signals): void {
  if (mainStillOurs(q, readProcStat(q.mainPid))) signal(-q.mainPid, sig);
}

/** Send a signal, ignoring a process that is already gone. Returns whether it was delivered. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * End every process of a run: SIGTERM to the main process group and each process found, then,
 * after `graceMs`, SIGKILL to whatever is left (found again, as processes may have started
 * meanwhile). Resolves with the number of processes signalled, once all are gone (or after a
 * last second of waiting).
 */
export async function killRunTree(q: RunProcessQuery, graceMs: number): Promise<number> {
  const targets = findRunProcesses(q);
  signalGroup(q, "SIGTERM");
  for (const pid of targets.keys()) signal(pid, "SIGTERM");
  const allGone = (m: Map<number, number>) => [...m].every(([pid, start]) => !isAlive(pid, start));
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && !allGone(targets)) await sleep(25);
  const left = findRunProcesses(q);
  for (const [pid, start] of targets) if (isAlive(pid, start)) left.set(pid, start);
  if (left.size > 0 || isAlive(q.mainPid, q.mainStartTime ?? undefined)) {
    signalGroup(q, "SIGKILL");
    for (const [pid, start] of left) if (isAlive(pid, start)) signal(pid, "SIGKILL");
    const end = Date.now() + 1000;
    while (Date.now() < end && !allGone(left)) await sleep(20);
  }
  const seen = new Set([...targets.keys(), ...left.keys()]);
  return seen.size;
}

/** Synchronous last resort (process exit): SIGKILL the run's processes. */
export function killRunTreeSync(q: RunProcessQuery): void {
  signalGroup(q, "SIGKILL");
  for (const [pid] of findRunProcesses(q)) signal(pid, "SIGKILL");
}
