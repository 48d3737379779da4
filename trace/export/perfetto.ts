/**
 * Export a trace as Chrome/Perfetto trace event JSON (the "JSON Object Format" that
 * ui.perfetto.dev and chrome://tracing open).
 *
 * What it writes:
 * - one process track per process (metadata `process_name`, sorted by start), one thread track
 *   per thread that emitted events (`thread_name`);
 * - complete slices (`ph: "X"`) for blocked periods: `block.begin` → `block.end` on one thread
 *   (a wait still open when the trace ends lasts to the end and says so);
 * - async slices (`ph: "b"`/`"e"`) for lock holds: `lock.acquire` (ok) → `lock.release` of the
 *   same lock by the same thread (RLock depth respected), so holds may overlap waits freely;
 * - flow arrows (`ph: "s"`/`"f"`) from each message send to its receipt (paired by `msg`), bound
 *   to zero-length slices at both ends;
 * - instant events (`ph: "i"`, thread scope) for every other event, with its fields as args.
 *
 * Times: trace `t` is ns; the format wants µs (fractions allowed). Pure: no Node, no DOM.
 */

import type { BlockBegin, BlockEnd, LockAcquire, LockRelease, ProcessStart, TraceEvent, TraceFooter, TraceHeader } from "../format";
import { RECEIPT_OF, RECV_KINDS, SEND_KINDS, isCollectorEvent } from "../format";

/** One Chrome trace event (the fields this exporter uses). */
export interface ChromeTraceEvent {
  name: string;
  ph: "X" | "i" | "b" | "e" | "s" | "f" | "M";
  pid: number;
  tid: number;
  /** Microseconds. Absent on metadata events. */
  ts?: number;
  dur?: number;
  cat?: string;
  /** Instant scope. */
  s?: "t" | "p" | "g";
  /** Async slices and flows. */
  id?: string;
  /** Flow end binding: "e" binds to the enclosing slice. */
  bp?: "e";
  args?: Record<string, unknown>;
}

/** The exported document. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: "ms" | "ns";
  otherData: Record<string, string>;
}

const NS_PER_US = 1000;

/** Fields already shown as the event's name/time/track; everything else goes to args. */
const STRUCTURAL = new Set(["pid", "tid", "t", "kind", "seq", "src"]);

function us(t: number): number {
  return t / NS_PER_US;
}

function tidOf(e: TraceEvent): number {
  return isCollectorEvent(e) ? e.pid : e.tid;
}

function argsOf(e: TraceEvent): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (STRUCTURAL.has(k)) continue;
    if (k === "site" && v && typeof v === "object") {
      const s = v as { file: string; line: number; fn: string };
      args.site = `${s.file}:${s.line}`;
      args.fn = s.fn;
    } else args[k] = v;
  }
  return args;
}

/** The program's names for objects (creation events) and each process's own names (process.start, pool.task.recv). */
interface Names {
  own: Map<string, string>;
  local: Map<number, Map<string, string>>;
}

function collectNames(events: readonly TraceEvent[]): Names {
  const own = new Map<string, string>();
  const local = new Map<number, Map<string, string>>();
  for (const e of events) {
    const x = e as { obj?: unknown; name?: unknown; ends?: unknown; endNames?: unknown; names?: unknown };
    if (e.kind.endsWith(".create") || e.kind === "manager.start") {
      if (typeof x.obj === "string" && typeof x.name === "string" && !own.has(x.obj)) own.set(x.obj, x.name);
      if (Array.isArray(x.ends) && Array.isArray(x.endNames)) {
        x.ends.forEach((end, k) => {
          const n = (x.endNames as unknown[])[k];
          if (typeof end === "string" && typeof n === "string" && !own.has(end)) own.set(end, n);
        });
      }
    }
    if ((e.kind === "process.start" || e.kind === "pool.task.recv") && x.names && typeof x.names === "object") {
      let m = local.get(e.pid);
      if (!m) local.set(e.pid, (m = new Map()));
      for (const [id, n] of Object.entries(x.names as Record<string, unknown>)) if (typeof n === "string" && !m.has(id)) m.set(id, n);
    }
  }
  return { own, local };
}

/** An object as the event's process knows it: "left (forks[0])", "forks[0]", else its id. */
function objName(names: Names, obj: string, pid: number): string {
  const own = names.own.get(obj);
  const local = names.local.get(pid)?.get(obj);
  if (local !== undefined && own !== undefined && local !== own) return `${local} (${own})`;
  return local ?? own ?? obj;
}

/** A readable event name: the kind, plus the object (by the program's name for it) for the common ones. */
function nameOf(e: TraceEvent, names: Names): string {
  const obj = (e as { obj?: string }).obj;
  return typeof obj === "string" ? `${e.kind} ${objName(names, obj, e.pid)}` : e.kind;
}

const DEFAULT_PROCESS_NAME = /^(Process|ForkProcess|SpawnProcess|ForkServerProcess)-\d+(:\d+)*$/;

/**
 * Convert a trace (header, events in file order, footer) to Chrome/Perfetto trace JSON.
 * Events may be in any order: everything is sorted by time first.
 */
export function toPerfetto(header: TraceHeader | null, events: readonly TraceEvent[], footer: TraceFooter | null = null): ChromeTrace {
  const out: ChromeTraceEvent[] = [];
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.t - b.e.t || a.i - b.i);
  const names = collectNames(events);
  const endT = sorted.length ? sorted[sorted.length - 1].e.t : 0;

  // Tracks: processes in order of first appearance (start event or any event), threads per process.
  const procOrder: number[] = [];
  const procName = new Map<number, string>();
  const threads = new Map<number, Set<number>>();
  for (const { e } of sorted) {
    if (!threads.has(e.pid)) {
      threads.set(e.pid, new Set());
      procOrder.push(e.pid);
    }
    if (!isCollectorEvent(e)) threads.get(e.pid)!.add(e.tid);
    if (e.kind === "process.start") {
      const s = e as ProcessStart;
      const label = typeof s.target === "string" && DEFAULT_PROCESS_NAME.test(s.name) ? `${s.name} · ${s.target.split(".").pop()}` : s.name;
      procName.set(e.pid, `${label} (${s.role}, pid ${e.pid})`);
    }
  }
  procOrder.forEach((pid, index) => {
    out.push({ name: "process_name", ph: "M", pid, tid: pid, args: { name: procName.get(pid) ?? `pid ${pid}` } });
    out.push({ name: "process_sort_index", ph: "M", pid, tid: pid, args: { sort_index: index } });
    for (const tid of threads.get(pid)!) {
      out.push({ name: "thread_name", ph: "M", pid, tid, args: { name: tid === pid ? "main thread" : `thread ${tid}` } });
    }
  });

  // Which sends have a receipt (a flow is drawn only for matched pairs).
  const sendKeys = new Set<string>();
  const recvKeys = new Set<string>();
  for (const { e } of sorted) {
    const msg = (e as { msg?: string }).msg;
    if (msg === undefined) continue;
    if (SEND_KINDS.has(e.kind)) sendKeys.add(`${e.kind}|${msg}`);
    else if (RECV_KINDS.has(e.kind)) recvKeys.add(`${RECEIPT_OF[e.kind]}|${msg}`);
  }

  const openBlocks = new Map<string, BlockBegin>();
  const openHolds = new Map<string, { acquire: LockAcquire; id: string; depth: number }>();
  let holdSeq = 0;
  let flowSeq = 0;
  const flowIds = new Map<string, string>();

  for (const { e } of sorted) {
    const tid = tidOf(e);
    const ts = us(e.t);
    switch (e.kind) {
      case "block.begin": {
        openBlocks.set(`${e.pid}/${tid}`, e as BlockBegin);
        break;
      }
      case "block.end": {
        const key = `${e.pid}/${tid}`;
        const begin = openBlocks.get(key);
        const end = e as BlockEnd;
        if (begin) {
          openBlocks.delete(key);
          out.push({
            name: `blocked: ${begin.op}`,
            cat: "block",
            ph: "X",
            pid: e.pid,
            tid,
            ts: us(begin.t),
            dur: us(end.t - begin.t),
            args: { ...argsOf(begin), ...(typeof begin.obj === "string" ? { object: objName(names, begin.obj, e.pid) } : {}), outcome: end.outcome, ...(end.error ? { error: end.error } : {}) },
          });
        } else {
          out.push({ name: nameOf(e, names), cat: "event", ph: "i", s: "t", pid: e.pid, tid, ts, args: argsOf(e) });
        }
        break;
      }
      case "lock.acquire": {
        const a = e as LockAcquire;
        if (!a.ok) {
          out.push({ name: nameOf(e, names), cat: "event", ph: "i", s: "t", pid: e.pid, tid, ts, args: argsOf(e) });
          break;
        }
        const key = `${e.pid}/${tid}/${a.obj}`;
        const open = openHolds.get(key);
        if (open) {
          open.depth = a.depth ?? open.depth + 1;
          break;
        }
        const id = `hold${++holdSeq}`;
        openHolds.set(key, { acquire: a, id, depth: a.depth ?? 1 });
        out.push({ name: `holds ${objName(names, a.obj, e.pid)}`, cat: "lock", ph: "b", id, pid: e.pid, tid, ts, args: argsOf(e) });
        break;
      }
      case "lock.release": {
        const r = e as LockRelease;
        const key = `${e.pid}/${tid}/${r.obj}`;
        const open = openHolds.get(key);
        if (!open) {
          // A semaphore released by another thread/process than took it: just an instant.
          out.push({ name: nameOf(e, names), cat: "event", ph: "i", s: "t", pid: e.pid, tid, ts, args: argsOf(e) });
          break;
        }
        open.depth = r.depth ?? open.depth - 1;
        if (open.depth > 0) break;
        openHolds.delete(key);
        out.push({ name: `holds ${objName(names, r.obj, e.pid)}`, cat: "lock", ph: "e", id: open.id, pid: e.pid, tid, ts, args: argsOf(e) });
        break;
      }
      default: {
        const msg = (e as { msg?: string }).msg;
        const isSend = msg !== undefined && SEND_KINDS.has(e.kind) && recvKeys.has(`${e.kind}|${msg}`);
        const isRecv = msg !== undefined && RECV_KINDS.has(e.kind) && sendKeys.has(`${RECEIPT_OF[e.kind]}|${msg}`);
        if (!isSend && !isRecv) {
          out.push({ name: nameOf(e, names), cat: isCollectorEvent(e) ? "collector" : "event", ph: "i", s: "t", pid: e.pid, tid, ts, args: argsOf(e) });
          break;
        }
        const pairKey = isSend ? `${e.kind}|${msg}` : `${RECEIPT_OF[e.kind]}|${msg}`;
        let id = flowIds.get(pairKey);
        if (id === undefined) flowIds.set(pairKey, (id = `msg${++flowSeq}`));
        out.push({ name: nameOf(e, names), cat: "message", ph: "X", pid: e.pid, tid, ts, dur: 0, args: argsOf(e) });
        if (isSend) out.push({ name: "message", cat: "message", ph: "s", id, pid: e.pid, tid, ts });
        else out.push({ name: "message", cat: "message", ph: "f", bp: "e", id, pid: e.pid, tid, ts });
      }
    }
  }

  // Waits and holds still open at the end of the trace last until its last event.
  for (const begin of openBlocks.values()) {
    out.push({
      name: `blocked: ${begin.op}`,
      cat: "block",
      ph: "X",
      pid: begin.pid,
      tid: begin.tid,
      ts: us(begin.t),
      dur: us(endT - begin.t),
      args: { ...argsOf(begin), outcome: "still waiting when the trace ended" },
    });
  }
  for (const open of openHolds.values()) {
    const a = open.acquire;
    out.push({ name: `holds ${objName(names, a.obj, a.pid)}`, cat: "lock", ph: "e", id: open.id, pid: a.pid, tid: a.tid, ts: us(endT), args: { note: "still held when the trace ended" } });
  }

  const otherData: Record<string, string> = { source: "ipcviz" };
  if (header) {
    otherData.program = header.program;
    otherData.startedAt = header.startedAt;
    otherData.interpreter = `${header.interpreter.implementation} ${header.interpreter.version}`;
    if (header.startMethod) otherData.startMethod = header.startMethod;
  }
  if (footer) otherData.events = String(footer.events);
  return { traceEvents: out, displayTimeUnit: "ms", otherData };
}

/** The export as the text of a `.json` file. */
export function toPerfettoJson(header: TraceHeader | null, events: readonly TraceEvent[], footer: TraceFooter | null = null): string {
  return JSON.stringify(toPerfetto(header, events, footer));
}
