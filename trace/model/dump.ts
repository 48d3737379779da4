/**
 * A readable text dump of a model state: one line per process and per object, stable from run
 * to run, for snapshot tests and for `ipcviz analyse --state`.
 */

import type { CallSite, TraceEvent } from "../format";
import { nodeObjectLabel } from "./nodeWords";
import type { BlockInfo, ModelState, ObjState, PipeState, ProcState } from "./state";

/** "file.py:12" from a call site (file base name). */
export function shortSite(site: CallSite | null | undefined): string {
  if (!site || typeof site.file !== "string") return "?";
  const base = site.file.split(/[\\/]/).pop() ?? site.file;
  return `${base}:${site.line}`;
}

/** "file:line" with the full file path, as in the summary's `sites`. */
export function fullSite(site: CallSite | null | undefined): string {
  return site && typeof site.file === "string" ? `${site.file}:${site.line}` : "?";
}

/** Milliseconds with 3 decimals from ns. */
export function ms(ns: number): string {
  return (ns / 1e6).toFixed(3) + " ms";
}

function clip(s: string, max = 40): string {
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

/** multiprocessing's default process names (`Process-3`, `SpawnProcess-1:2`), which say nothing of what the process does. */
const DEFAULT_PROCESS_NAME = /^(Process|ForkProcess|SpawnProcess|ForkServerProcess)-\d+(:\d+)*$/;

/** Label of a process: its name; a default name gets its target function ("Process-3 · consumer"). */
export function processLabel(s: ModelState, pid: number): string {
  const p = s.processes.get(pid);
  if (!p) return `pid ${pid}`;
  if (typeof p.target === "string" && typeof p.name === "string" && DEFAULT_PROCESS_NAME.test(p.name)) return `${p.name} · ${p.target.split(".").pop()}`;
  return p.name;
}

/**
 * An object's name as process `pid` knows it: "left (forks[0])" where the process has its own
 * name for it (a parameter of its target), else the program's name at creation ("forks[0]");
 * null when the trace has no name for it.
 */
export function nameIn(s: ModelState, id: string, pid?: number): string | null {
  const own = s.names.get(id) ?? null;
  const local = pid !== undefined ? (s.processes.get(pid)?.names.get(id) ?? null) : null;
  if (local !== null && own !== null && local !== own) return `${local} (${own})`;
  return local ?? own;
}

/** The shortest name of an object in process `pid`: its own name for it ("left"), else the program's; null when none. */
export function shortNameIn(s: ModelState, id: string, pid?: number): string | null {
  const local = pid !== undefined ? (s.processes.get(pid)?.names.get(id) ?? null) : null;
  return local ?? s.names.get(id) ?? null;
}

/**
 * Label of an object by kind and name (or id), e.g. "Queue q", "Lock left (forks[0])" (in a
 * process that knows it as `left`), "Pipe end a", "Queue Q123.1" (no name in the trace),
 * "Lock L2 (of Condition c1)".
 */
export function objectLabel(s: ModelState, id: string, pid?: number): string {
  const node = nodeObjectLabel(id);
  if (node !== null) return node;
  if (id.startsWith("proc:")) {
    const p = Number(id.slice(5));
    return `process ${processLabel(s, p)}`;
  }
  const name = nameIn(s, id, pid);
  const pipeId = s.ends.get(id);
  if (pipeId !== undefined) return `Pipe end ${name ?? id}`;
  const o = s.objects.get(id);
  if (!o) {
    const pool = s.jobPool(id);
    return pool ? `job ${name ?? id} of Pool ${nameIn(s, pool.id, pid) ?? pool.id}` : (name ?? id);
  }
  const type = o.objType === "?" ? o.cls : o.objType;
  if (name !== null) return `${type} ${name}`;
  if (o.cls === "lock" && o.condOf) return `${type} ${id} (of Condition ${nameIn(s, o.condOf, pid) ?? o.condOf})`;
  if (o.cls === "lock" && o.ownerOf) {
    const owner = nameIn(s, o.ownerOf, pid);
    return owner !== null ? `the lock of ${owner}` : `${type} ${id} (of ${objectLabel(s, o.ownerOf, pid)})`;
  }
  return `${type} ${id}`;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"];

/**
 * An object as explanations name it: like {@link objectLabel} (by its name in process `pid` when the
 * trace names it), but an unnamed object whose id is long (Manager objects: "Mlistener-…/7f…") is
 * named by where it was created instead.
 */
export function objectText(s: ModelState, id: string, pid?: number): string {
  if (nameIn(s, id, pid) !== null) return objectLabel(s, id, pid);
  const o = s.objects.get(id) ?? s.objects.get(s.ends.get(id) ?? "");
  if (o && id.length > 14 && o.site) {
    if (s.ends.has(id)) return `an end of the Pipe created at ${shortSite(o.site)}`;
    const type = o.objType === "?" ? o.cls : o.objType;
    // Several made on the same line (a, b = m.Lock(), m.Lock()): say which one.
    const site = o.site;
    const same = [...s.objects.values()]
      .filter((x) => x.objType === o.objType && x.site && x.site.file === site.file && x.site.line === site.line)
      .sort((a, b) => a.createdAt - b.createdAt);
    const k = same.indexOf(o);
    const nth = same.length > 1 ? ` ${ORDINALS[k] ?? `number ${k + 1}`}` : "";
    return `the ${type} created${nth} at ${shortSite(site)}`;
  }
  return objectLabel(s, id, pid);
}

function holderText(s: ModelState, pid: number, tid: number): string {
  return tid === pid ? processLabel(s, pid) : `${processLabel(s, pid)} (thread ${tid})`;
}

function blockText(s: ModelState, b: BlockInfo): string {
  let op = b.op;
  if (op === "mgr.call") {
    const th = s.processes.get(b.pid)?.threads.get(b.tid);
    const c = th && th.call >= 0 ? s.calls.get(th.call) : undefined;
    op = c ? `Manager call ${c.method}()` : "a Manager call";
  }
  let t = `blocked in ${op} on ${objectLabel(s, b.obj)} since #${b.since} (${shortSite(b.site)})`;
  if (b.timeout !== null) t += ` timeout ${b.timeout}s`;
  if (b.notified) t += " [notified, waiting for the lock]";
  return t;
}

function procLine(s: ModelState, p: ProcState): string {
  let head = `${p.name} pid ${p.pid} ${p.role}`;
  if (p.target) head += ` (${p.target})`;
  if (p.exit) {
    const x = p.exit;
    let how = x.how === "disconnect" ? "died (connection lost)" : `exited code ${x.code === null ? "?" : x.code}`;
    if (x.signal !== null && x.how !== "disconnect") how += ` signal ${x.signal}`;
    if (x.how === "join") how += " (seen by join)";
    if (x.how === "run.exit") how += " (seen by launcher)";
    if (x.how === "orphaned") how += " (ended by the watchdog: the recorder died)";
    return `${head}: ${how} at #${x.at}`;
  }
  let status: string = s.status(p);
  if (status === "running" && p.role === "pool-worker") {
    const pool = s.workerPool(p.pid);
    const w = pool?.workers.get(p.pid);
    if (pool && w && !w.running) status = "idle";
  }
  const parts: string[] = [];
  const threads = [...p.threads.values()].filter((th) => !th.internal).sort((a, b) => a.tid - b.tid);
  for (const th of threads) {
    const who = th.tid === p.pid ? "" : `thread ${th.tid} `;
    if (th.block) parts.push(who + blockText(s, th.block));
    else if (th.call >= 0) {
      const c = s.calls.get(th.call);
      if (c) parts.push(`${who}waiting for the Manager's reply to ${c.method}() on ${objectLabel(s, c.obj)} (#${c.index})`);
    }
  }
  if (p.terminated) parts.push(`${p.terminated.how} requested by ${processLabel(s, p.terminated.by)} at #${p.terminated.at}`);
  if (p.lost) parts.push(`${p.lost} events lost`);
  if (status === "blocked" && parts.length) return `${head}: ${parts.join("; ")}`;
  return `${head}: ${status}${parts.length ? "; " + parts.join("; ") : ""}`;
}

function itemsText(s: ModelState, items: number[], max = 8): string {
  const shown = items.slice(0, max).map((i) => {
    const e = s.refs.event(i) as TraceEvent & { msg?: string; preview?: string };
    return `${e.msg ?? "#" + i} ${clip(e.preview ?? "")} from ${processLabel(s, e.pid)}`;
  });
  if (items.length > max) shown.push(`… ${items.length - max} more`);
  return `[${shown.join(", ")}]`;
}

/** Who holds one end of a pipe; an end nobody in the run holds, of a connection to a peer outside: that peer. */
function endHolders(s: ModelState, o: PipeState, side: 0 | 1): string {
  if (o.outside === true && o.holders[side].size === 0) return o.peerPid !== undefined ? `a process outside the run (pid ${o.peerPid})` : "a process outside the run";
  return pids(s, o.holders[side]);
}

function pids(s: ModelState, set: Iterable<number>): string {
  const a = [...set].sort((x, y) => x - y).map((p) => processLabel(s, p));
  return a.length ? a.join(", ") : "nobody";
}

function waitersText(s: ModelState, id: string): string {
  const w = s.waitersOf(id);
  if (!w.length) return "";
  return "; waiting: " + w.map((b) => `${holderText(s, b.pid, b.tid)} since #${b.since} (${shortSite(b.site)})${b.notified ? " notified" : ""}`).join(", ");
}

function objLine(s: ModelState, o: ObjState): string | null {
  const label = objectLabel(s, o.id);
  switch (o.cls) {
    case "queue": {
      const items = s.channelItems(o.items);
      let t = `${label}${o.maxsize !== null ? ` (maxsize ${o.maxsize})` : ""}: ${items.length} item${items.length === 1 ? "" : "s"} ${itemsText(s, items)}`;
      if (o.objType.includes("Joinable")) t += `; unfinished ${o.unfinished}`;
      if (o.dropped) t += `; ${o.dropped} dropped by feeder errors`;
      if (o.copyOf) t += `; copy of ${o.copyOf}`;
      return t + waitersText(s, o.id);
    }
    case "pipe": {
      const [a, b] = o.ends.map((e) => s.names.get(e) ?? e);
      const d0 = s.channelItems(o.dirs[0]);
      const d1 = s.channelItems(o.dirs[1]);
      const title = s.names.has(o.ends[0]) || s.names.has(o.ends[1]) ? `${a} ${o.duplex ? "⇄" : "←"} ${b}` : o.id;
      return (
        `Pipe ${title} (${o.duplex ? "duplex" : "one-way"}): ${a}→${b} ${itemsText(s, d0)}; ${b}→${a} ${itemsText(s, d1)}` +
        `; ${a} held by ${endHolders(s, o, 0)}; ${b} held by ${endHolders(s, o, 1)}` +
        waitersText(s, o.ends[0]) +
        waitersText(s, o.ends[1])
      );
    }
    case "lock": {
      let t = label + ": ";
      if (o.kind === "semaphore") {
        t += o.initialKnown ? `value ${o.value} (initial ${o.initial})` : `value unknown (${o.holders.length} held)`;
        if (o.holders.length) t += "; held by " + o.holders.map((h) => `${holderText(s, h.pid, h.tid)} since #${h.since} (${shortSite(h.site)})`).join(", ");
      } else if (o.owner) {
        t += `held by ${holderText(s, o.owner.pid, o.owner.tid)} since #${o.owner.since} (${shortSite(o.owner.site)})`;
        if (o.kind === "rlock") t += ` depth ${o.owner.depth}`;
      } else t += "free";
      const w = waitersText(s, o.id) + (o.condOf ? "" : "");
      return t + w;
    }
    case "condition": {
      const w = s.waitersOf(o.id);
      return `${label} (lock ${o.lock}): ${w.length ? "waiting: " + w.map((b) => `${holderText(s, b.pid, b.tid)} since #${b.since} (${shortSite(b.site)})${b.notified ? " notified" : ""}`).join(", ") : "no waiters"}; notifies ${o.notifies}`;
    }
    case "event":
      return `${label}: ${o.flag ? "set" : "clear"}${o.changedBy !== null ? ` (by ${processLabel(s, o.changedBy)} at #${o.changedAt})` : ""}${waitersText(s, o.id)}`;
    case "barrier": {
      const w = s.waitersOf(o.id);
      return `${label}: ${w.length} of ${o.parties} arrived${w.length ? " (" + w.map((b) => processLabel(s, b.pid)).join(", ") + ")" : ""}; passed ${o.passed}${o.broken ? "; broken" : ""}`;
    }
    case "value": {
      let t = `${label} (${o.ctype}${o.length !== null ? `[${o.length}]` : ""}): ${clip(o.value, 60)}`;
      if (o.elements.size) {
        const keys = [...o.elements.keys()].sort(indexOrder);
        t += " with " + keys.map((k) => `[${k}]=${clip(o.elements.get(k)!, 20)}`).join(" ");
      }
      if (o.lastWrite) t += `; last written by ${processLabel(s, o.lastWrite.pid)} at #${o.lastWrite.at}`;
      return t;
    }
    case "proxy": {
      let t = `${label}`;
      if (o.list) t += `: [${o.list.map((x) => clip(x, 20)).join(", ")}]`;
      else if (o.entries.size || o.objType === "dict" || o.objType === "Namespace") {
        const keys = [...o.entries.keys()].sort();
        const sep = o.objType === "Namespace" ? "=" : ": ";
        const body = keys.map((k) => `${k}${sep}${clip(o.entries.get(k)!, 30)}`).join(", ");
        t += o.objType === "Namespace" ? `: ${body || "(no attributes)"}` : `: {${body}}`;
      }
      if (!o.complete) t += " (partly known)";
      if (o.lastView) t += `; last seen as ${clip(o.lastView, 40)}`;
      if (o.localChanges) t += `; ${o.localChanges} lost in-place change${o.localChanges > 1 ? "s" : ""}`;
      return t;
    }
    case "manager":
      return `Manager ${nameIn(s, o.id) ?? o.id}: server ${processLabel(s, o.serverPid)} pid ${o.serverPid} at ${o.address}`;
    case "pool": {
      const pending = s.channelItems(o.tasks);
      let t = `Pool ${nameIn(s, o.id) ?? o.id} (${o.processes} processes, owner ${o.creator !== null ? processLabel(s, o.creator) : "?"})${o.closed ? " closed" : ""}${o.terminated ? " terminated" : ""}: ${pending.length} pending`;
      const ws = [...o.workers.values()].sort((a, b) => a.pid - b.pid);
      for (const w of ws) {
        const st = s.alive(w.pid) ? (w.running ? `running ${w.running.job}#${w.running.index} since #${w.running.since}` : "idle") : "exited";
        t += `; ${processLabel(s, w.pid)}: ${st}, done ${w.done}${w.failed ? `, failed ${w.failed}` : ""}`;
      }
      const jobs = [...o.jobs.values()];
      if (jobs.length) {
        t += "; jobs " + jobs.map((j) => `${s.names.get(j.job) ?? j.job} ${j.method}(${j.func}) ${j.resultsReceived}/${j.tasks ?? j.sent}${j.got ? " got" : ""}`).join(", ");
      }
      return t;
    }
    default: {
      const never: never = o;
      return String(never);
    }
  }
}

function indexOrder(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One line of the state: a process, an object or a Manager call, with what the views mark on it. */
export interface StateRow {
  /** The readable line (as in {@link dumpState}). */
  text: string;
  /** What the row is about: `proc:<pid>`, an object id, or `call:<causal index>`. */
  key: string;
  /** A process with a thread blocked, or an object someone waits on. */
  blocked: boolean;
  /** A lock or semaphore someone holds. */
  held: boolean;
  /** A process that died, was killed by a signal, or exited with a code other than 0. */
  bad: boolean;
}

/** A group of rows: "processes", "queues", "pipes", …, "manager calls in progress". */
export interface StateSection {
  name: string;
  rows: StateRow[];
}

/** A state as the inspector shows it: a title and sections of rows (the same lines {@link dumpState} prints). */
export interface StateView {
  title: string;
  sections: StateSection[];
}

function procRow(s: ModelState, p: ProcState): StateRow {
  const x = p.exit;
  const bad = x !== null && (x.how === "disconnect" || x.signal !== null || x.code !== 0);
  let blocked = false;
  if (!x) for (const th of p.threads.values()) if (!th.internal && th.block) blocked = true;
  return { text: procLine(s, p), key: `proc:${p.pid}`, blocked, held: false, bad };
}

function objRow(s: ModelState, o: ObjState, text: string): StateRow {
  let blocked = s.waitersOf(o.id).length > 0;
  if (o.cls === "pipe") blocked = s.waitersOf(o.ends[0]).length > 0 || s.waitersOf(o.ends[1]).length > 0;
  const held = o.cls === "lock" && (o.owner !== null || o.holders.length > 0);
  return { text, key: o.id, blocked, held, bad: false };
}

/** The state as sections of rows (see {@link StateView}); processes first, then objects by class, then Manager calls. */
export function inspectState(s: ModelState): StateView {
  let title: string;
  if (s.index < 0) title = "state before any event";
  else {
    const e = s.refs.event(s.index);
    title = `state at #${s.index} t=${ms(s.t)} after ${e.kind} by ${processLabel(s, e.pid)}`;
  }
  const sections: StateSection[] = [];
  sections.push({ name: "processes", rows: [...s.processes.values()].sort((a, b) => a.pid - b.pid).map((p) => procRow(s, p)) });
  const groups: Array<[string, ObjState["cls"][]]> = [
    ["queues", ["queue"]],
    ["pipes", ["pipe"]],
    ["locks", ["lock"]],
    ["conditions", ["condition"]],
    ["events", ["event"]],
    ["barriers", ["barrier"]],
    ["values", ["value"]],
    ["managers", ["manager", "proxy"]],
    ["pools", ["pool"]],
  ];
  const objs = [...s.objects.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const [name, classes] of groups) {
    const sel = objs.filter((o) => classes.includes(o.cls));
    if (!sel.length) continue;
    const rows: StateRow[] = [];
    for (const o of sel) {
      const l = objLine(s, o);
      if (l) rows.push(objRow(s, o, l));
    }
    sections.push({ name, rows });
  }
  if (s.calls.size) {
    const rows = [...s.calls.values()]
      .sort((a, b) => a.index - b.index)
      .map((c) => ({
        text: `#${c.index} ${holderText(s, c.pid, c.tid)} ${c.method}() on ${objectLabel(s, c.obj)}: ${c.phase}${c.server !== null ? ` by ${processLabel(s, c.server)}` : ""}`,
        key: `call:${c.index}`,
        blocked: false,
        held: false,
        bad: false,
      }));
    sections.push({ name: "manager calls in progress", rows });
  }
  return { title, sections };
}

/** A readable, stable dump of a state (see the file comment): {@link inspectState} as text. */
export function dumpState(s: ModelState): string {
  const v = inspectState(s);
  const lines = [v.title];
  for (const sec of v.sections) {
    lines.push(`${sec.name}:`);
    for (const r of sec.rows) lines.push("  " + r.text);
  }
  return lines.join("\n") + "\n";
}
