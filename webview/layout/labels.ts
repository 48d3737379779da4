/**
 * Words for what the view shows: what a blocked process waits on, a one-line summary of an
 * event, the fields of an event for the details panel, a process's lane title and exit. Pure: no
 * DOM (uses the model's state for names).
 */

import type { TraceEvent } from "../../trace/format";
import type { KindDecl } from "../../trace/kinds/fields";
import { KINDS, KIND_LIST } from "../../trace/kinds/table";
import type { ModelState, ProcState } from "../../trace/model/state";
import { nameIn, objectLabel, objectText, processLabel, shortNameIn, shortSite } from "../../trace/model/dump";

/** Verb of a blocking operation, as the lane labels say it (from the table of kinds). */
const OP_VERB: Readonly<Record<string, string>> = Object.fromEntries(
  KIND_LIST.flatMap((k) => {
    const verb = (KINDS[k] as KindDecl).waitVerb;
    return verb ? [[k, verb]] : [];
  }),
);

/** Clip text to n characters with an ellipsis. */
export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, Math.max(1, n - 1)) + "…" : s;
}

/**
 * Short name of an object for labels, as process `pid` knows it: "Queue q", "Lock left (forks[0])",
 * "process Worker-1"; by id where the trace has no name ("Queue Q1.1").
 */
export function shortObject(s: ModelState, id: string, pid?: number): string {
  if (nameIn(s, id, pid) !== null) return clip(objectLabel(s, id, pid), 48);
  // Long ids (Manager objects) are named by where they were created.
  return clip(id.length > 14 ? objectText(s, id).replace(/^the /, "") : objectLabel(s, id), 48);
}

/** A message channel as the legend names it: "Queue q", "Pipe a ⇄ b", "Manager m", "Pool pool". */
export function channelLabel(s: ModelState, id: string): string {
  const o = s.objects.get(id);
  if (o && o.cls === "pipe") {
    const [a, b] = o.ends.map((e) => s.names.get(e) ?? e);
    return `Pipe ${a} ${o.duplex ? "⇄" : "←"} ${b}`;
  }
  return objectLabel(s, id);
}

/** A lock as the label of a hold bar in process `pid`'s lane says it: the process's name for it ("left"), else its id. */
export function lockName(s: ModelState, id: string, pid: number): string {
  return shortNameIn(s, id, pid) ?? id;
}

/** "waits: get from Queue q1" for a block.begin event. */
export function blockLabel(s: ModelState, ev: TraceEvent): string {
  const e = ev as TraceEvent & { op?: string; obj?: string; timeout?: number };
  if (e.op === "message.wait") return "idle: waiting for a message";
  const verb = OP_VERB[e.op ?? ""] ?? e.op ?? "wait";
  const obj = e.obj ? shortObject(s, e.obj, ev.pid) : "?";
  return `${verb} ${obj}${e.timeout !== undefined ? ` (timeout ${e.timeout}s)` : ""}`;
}

/** Role as lane headers show it. */
export function roleLabel(role: string): string {
  switch (role) {
    case "manager-server":
      return "Manager server";
    case "pool-worker":
      return "Pool worker";
    case "resource-tracker":
      return "resource tracker";
    case "worker":
      return "worker thread";
    case "cluster-worker":
      return "cluster worker";
    default:
      return role;
  }
}

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM" };

/** "exit 0", "exit 3", "killed by SIGTERM", "died (connection lost)", or null while running. */
export function exitLabel(p: ProcState | undefined): string | null {
  if (!p || !p.exit) return null;
  const x = p.exit;
  if (x.how === "disconnect") return "died (connection lost)";
  if (x.how === "orphaned") return "ended by the watchdog (the recorder died)";
  const sig = x.signal ?? (x.code !== null && x.code < 0 ? -x.code : null);
  if (sig !== null) return `killed by ${SIGNALS[sig] ?? "signal " + sig}`;
  return `exit ${x.code === null ? "?" : x.code}`;
}

/** One line about an event: "queue.put on Queue q1: 'item 3'". */
export function eventSummary(s: ModelState, ev: TraceEvent): string {
  const r = ev as unknown as Record<string, unknown>;
  let t = ev.kind;
  if (ev.kind === "block.begin") return `blocked: ${blockLabel(s, ev)}`;
  if (ev.kind === "block.end") return `wait ended (${String(r.outcome)}) on ${shortObject(s, String(r.obj), ev.pid)}`;
  if (typeof r.obj === "string") t += ` ${shortObject(s, r.obj, ev.pid)}`;
  if (typeof r.method === "string") t += ` .${r.method}()`;
  if (typeof r.preview === "string" && r.preview) t += `: ${clip(r.preview, 60)}`;
  else if (typeof r.value === "string") t += ` = ${clip(r.value, 60)}`;
  if (ev.kind === "process.spawn") t += ` ${String(r.name)} (pid ${String(r.child)})`;
  if (ev.kind === "process.exit") t += ` code ${String(r.exitCode)}`;
  return t;
}

/** The fields of an event for the details panel, as [label, value] rows (no duplicates of the headline). */
export function eventFields(s: ModelState, ev: TraceEvent): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  const r = ev as unknown as Record<string, unknown>;
  const p = s.processes.get(ev.pid);
  rows.push(["process", `${p ? processLabel(s, ev.pid) : "pid " + ev.pid} (pid ${ev.pid}${typeof r.tid === "number" && r.tid !== ev.pid ? `, thread ${r.tid}` : ""})`]);
  rows.push(["time", `${(ev.t / 1e6).toFixed(3)} ms`]);
  if (typeof r.obj === "string") {
    rows.push(["object", objectLabel(s, r.obj, ev.pid)]);
    if (nameIn(s, r.obj, ev.pid) !== null) rows.push(["object id", r.obj]);
  }
  const skip = new Set(["pid", "tid", "seq", "t", "kind", "obj", "site", "src"]);
  for (const [k, v] of Object.entries(r)) {
    if (skip.has(k) || v === undefined) continue;
    rows.push([k === "preview" ? "payload" : k, typeof v === "string" ? v : JSON.stringify(v)]);
  }
  const site = r.site as { file: string; line: number; fn: string } | undefined;
  if (site) rows.push(["call site", `${shortSite(site)} in ${site.fn}()`]);
  return rows;
}
