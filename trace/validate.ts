/**
 * Validation of trace events and whole traces against trace format v1 (trace/format.ts).
 *
 * {@link validateEvent} checks one event: the common fields, then the fields its kind requires,
 * from the table of kinds (trace/kinds/table.ts) compiled once into a flat list of checks. It runs on the collector's hot
 * path for every event, so it allocates nothing when the event is valid.
 *
 * {@link validateTrace} checks a whole trace: the header, every event, per-process sequence
 * contiguity (gaps not reported by an `events.lost`), a `process.start` first for each process,
 * and message pairing (each receipt's `msg` names a send of the matching kind).
 *
 * Unknown extra fields are allowed (a newer runtime of the same major version may add some).
 */

import { RECEIPT_OF, TRACE_FORMAT, TRACE_VERSION } from "./format";
import { ALL_LITERAL, BLOCK_OP, BOOL, COLLECTOR, INT, INT_ARRAY, NON_NEG_INT, NULL, NUM, OUTCOME, OUTCOMES, PROCESS_ROLES, REASON, ROLE, SITE, STR, STR_ARRAY, STR_MAP, STR_PAIR, THREAD_ACTIVITIES, THREADS } from "./kinds/fields";
import type { KindDecl } from "./kinds/fields";
import { KINDS, KIND_LIST } from "./kinds/table";
import type { TraceEvent, TraceFooter, TraceHeader } from "./format";

/** Kinds a `block.begin`/`block.end` `op` may name: those the table declares `blocks`. */
const BLOCK_OPS: ReadonlySet<string> = new Set(KIND_LIST.filter((k) => (KINDS[k] as KindDecl).blocks));
const OUTCOME_SET: ReadonlySet<string> = new Set(OUTCOMES);
const ROLES: ReadonlySet<string> = new Set(PROCESS_ROLES);

function typeName(types: number): string {
  const names: string[] = [];
  if (types & STR) names.push("a string");
  if (types & INT) names.push("an integer");
  if (types & NON_NEG_INT) names.push("an integer ≥ 0");
  if (types & NUM) names.push("a number");
  if (types & BOOL) names.push("a boolean");
  if (types & STR_ARRAY) names.push("an array of strings");
  if (types & STR_PAIR) names.push("an array of two strings");
  if (types & STR_MAP) names.push("an object of strings");
  if (types & ALL_LITERAL) names.push('"all"');
  if (types & ROLE) names.push(`one of ${PROCESS_ROLES.join(", ")}`);
  if (types & BLOCK_OP) names.push(`one of ${[...BLOCK_OPS].join(", ")}`);
  if (types & OUTCOME) names.push("one of ok, timeout, error");
  if (types & SITE) names.push("a call site {file, line, fn}");
  if (types & COLLECTOR) names.push('"collector"');
  if (types & THREADS) names.push("an array of threads {tid, name, main, state, frames: [{file, line, fn, user}], userFrame, call?}");
  if (types & INT_ARRAY) names.push("an array of integers");
  if (types & REASON) names.push('"hang" or "request"');
  if (types & NULL) names.push("null");
  return names.join(" or ");
}

const ACTIVITIES: ReadonlySet<string> = new Set(THREAD_ACTIVITIES);

/** The `threads` of a process.stacks event (StackThread, trace/kinds/fields.ts). */
function validThreads(v: unknown[]): boolean {
  for (const t of v) {
    if (typeof t !== "object" || t === null) return false;
    const x = t as Record<string, unknown>;
    if (!Number.isSafeInteger(x.tid) || typeof x.name !== "string" || typeof x.main !== "boolean") return false;
    if (typeof x.state !== "string" || !ACTIVITIES.has(x.state)) return false;
    if (x.call !== undefined && typeof x.call !== "string") return false;
    if (x.waitsOn !== undefined) {
      const w = x.waitsOn as Record<string, unknown> | null;
      if (typeof w !== "object" || w === null || typeof w.what !== "string" || typeof w.outside !== "boolean") return false;
      if (w.progress !== undefined && typeof w.progress !== "boolean") return false;
      if (w.peerPids !== undefined && !(Array.isArray(w.peerPids) && w.peerPids.every((p) => Number.isSafeInteger(p)))) return false;
    }
    if (!Array.isArray(x.frames)) return false;
    for (const f of x.frames as unknown[]) {
      const fr = f as Record<string, unknown> | null;
      if (typeof fr !== "object" || fr === null || typeof fr.file !== "string" || !Number.isSafeInteger(fr.line) || typeof fr.fn !== "string" || typeof fr.user !== "boolean") return false;
    }
    const u = x.userFrame;
    if (!(u === null || (Number.isSafeInteger(u) && (u as number) >= 0 && (u as number) < (x.frames as unknown[]).length))) return false;
  }
  return true;
}

/** True when v has one of the types. Hot path: plain typeof checks first. */
function hasType(v: unknown, types: number): boolean {
  switch (typeof v) {
    case "string":
      if (types & STR) return true;
      if (types & ALL_LITERAL && v === "all") return true;
      if (types & ROLE) return ROLES.has(v);
      if (types & BLOCK_OP) return BLOCK_OPS.has(v);
      if (types & OUTCOME) return OUTCOME_SET.has(v);
      if (types & COLLECTOR) return v === "collector";
      if (types & REASON) return v === "hang" || v === "request";
      return false;
    case "number":
      if (types & NUM) return Number.isFinite(v);
      if (types & INT) return Number.isSafeInteger(v);
      if (types & NON_NEG_INT) return Number.isSafeInteger(v) && v >= 0;
      return false;
    case "boolean":
      return (types & BOOL) !== 0;
    case "object":
      if (v === null) return (types & NULL) !== 0;
      if (types & SITE) {
        const s = v as { file?: unknown; line?: unknown; fn?: unknown };
        return typeof s.file === "string" && Number.isSafeInteger(s.line) && typeof s.fn === "string";
      }
      if (Array.isArray(v)) {
        if (types & THREADS) return validThreads(v);
        if (types & INT_ARRAY) return v.every((x) => Number.isSafeInteger(x));
        if (types & STR_PAIR) return v.length === 2 && typeof v[0] === "string" && typeof v[1] === "string";
        if (types & STR_ARRAY) {
          for (let i = 0; i < v.length; i++) if (typeof v[i] !== "string") return false;
          return true;
        }
        return false;
      }
      if (types & STR_MAP) {
        for (const k in v) if (typeof (v as Record<string, unknown>)[k] !== "string") return false;
        return true;
      }
      return false;
    default:
      return false;
  }
}

/** One field of a kind: name, accepted types, required or not. */
type FieldSpec = readonly [name: string, types: number, required: boolean];

const req = (name: string, types: number): FieldSpec => [name, types, true];
const opt = (name: string, types: number): FieldSpec => [name, types, false];

/** Fields every runtime event carries (besides `kind`). */
const RUNTIME_BASE: readonly FieldSpec[] = [
  req("pid", INT),
  req("tid", INT),
  req("seq", NON_NEG_INT),
  req("t", INT),
  opt("obj", STR),
  opt("msg", STR),
  opt("site", SITE),
];
/** Fields every collector event carries (besides `kind`): `src: "collector"`, no seq. */
const COLLECTOR_BASE: readonly FieldSpec[] = [req("src", COLLECTOR), req("pid", INT), req("t", INT)];

/** Kind-specific fields of runtime and of collector events, from the table (trace/kinds/table.ts). */
const RUNTIME_KINDS: Record<string, readonly FieldSpec[]> = {};
const COLLECTOR_KINDS: Record<string, readonly FieldSpec[]> = {};
for (const k of KIND_LIST) {
  const d = KINDS[k] as KindDecl;
  const specs = Object.entries(d.fields).map(([name, x]): FieldSpec => [name, x.types, x.required]);
  (d.family === "collector" ? COLLECTOR_KINDS : RUNTIME_KINDS)[k] = specs;
}

/** Every runtime event kind of format v1. */
export const RUNTIME_EVENT_KINDS: readonly string[] = Object.keys(RUNTIME_KINDS);
/** Every collector event kind of format v1. */
export const COLLECTOR_EVENT_KINDS: readonly string[] = Object.keys(COLLECTOR_KINDS);

/**
 * The checks for one kind, flattened: base fields then kind fields; a kind field with the same
 * name as a base field replaces it (e.g. `obj` becomes required).
 */
interface CompiledKind {
  names: string[];
  types: number[];
  required: boolean[];
}

function compile(base: readonly FieldSpec[], own: readonly FieldSpec[]): CompiledKind {
  const merged = new Map<string, FieldSpec>();
  for (const f of base) merged.set(f[0], f);
  for (const f of own) merged.set(f[0], f);
  const c: CompiledKind = { names: [], types: [], required: [] };
  for (const [name, types, required] of merged.values()) {
    c.names.push(name);
    c.types.push(types);
    c.required.push(required);
  }
  return c;
}

const COMPILED_RUNTIME = new Map<string, CompiledKind>();
for (const [kind, fields] of Object.entries(RUNTIME_KINDS)) COMPILED_RUNTIME.set(kind, compile(RUNTIME_BASE, fields));
const COMPILED_COLLECTOR = new Map<string, CompiledKind>();
for (const [kind, fields] of Object.entries(COLLECTOR_KINDS)) COMPILED_COLLECTOR.set(kind, compile(COLLECTOR_BASE, fields));

/** Kind-specific checks only (no common fields): for callers that checked those themselves. */
const COMPILED_OWN = new Map<string, CompiledKind>();
for (const [kind, fields] of Object.entries(RUNTIME_KINDS)) COMPILED_OWN.set(kind, compile([], fields));

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? s.slice(0, 40) + "…" : s;
}

/**
 * Check one event against format v1. Returns null when it is valid, else one sentence naming
 * the kind and the field at fault.
 */
export function validateEvent(e: unknown): string | null {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "an event must be a JSON object";
  const ev = e as Record<string, unknown>;
  const kind = ev.kind;
  if (typeof kind !== "string") return `"kind" must be a string (it is ${describe(kind)})`;
  let spec: CompiledKind | undefined;
  if (ev.src !== undefined) {
    if (ev.src !== "collector") return `${kind}: "src" must be "collector" when present (it is ${describe(ev.src)})`;
    spec = COMPILED_COLLECTOR.get(kind);
    if (spec === undefined) return `${kind}: not a collector event kind (collector events: ${COLLECTOR_EVENT_KINDS.join(", ")})`;
    if (ev.seq !== undefined) return `${kind}: a collector event must not have "seq"`;
  } else {
    spec = COMPILED_RUNTIME.get(kind);
    if (spec === undefined) {
      if (COMPILED_COLLECTOR.has(kind)) return `${kind}: a collector event must have "src": "collector"`;
      return `unknown event kind ${JSON.stringify(kind)}`;
    }
  }
  return checkFields(kind, spec, ev);
}

/**
 * Hot-path variant of {@link validateEvent} for the collector, which has already checked the
 * common fields of a runtime event (pid, tid, seq, t integers; obj, msg strings when present;
 * site): checks only that the kind exists and the fields it requires. Null when valid.
 */
export function validateRuntimeKindFields(e: Record<string, unknown>, kind: string): string | null {
  const spec = COMPILED_OWN.get(kind);
  if (spec === undefined) {
    if (COMPILED_COLLECTOR.has(kind)) return `${kind}: a collector event must have "src": "collector"`;
    return `unknown event kind ${JSON.stringify(kind)}`;
  }
  return checkFields(kind, spec, e);
}

/** The kind's fields present with the right types, the required ones all there. Null when valid. */
function checkFields(kind: string, spec: { names: readonly string[]; types: readonly number[]; required: readonly boolean[] }, ev: Record<string, unknown>): string | null {
  const { names, types, required } = spec;
  for (let i = 0; i < names.length; i++) {
    const v = ev[names[i]];
    if (v === undefined) {
      if (required[i]) return `${kind}: required field "${names[i]}" is missing`;
      continue;
    }
    if (!hasType(v, types[i])) {
      return `${kind}: field "${names[i]}" must be ${typeName(types[i])} (it is ${describe(v)})`;
    }
  }
  return null;
}

/** Check a header's fields. Returns the problems found (empty when valid). */
export function validateHeader(h: unknown): string[] {
  const out: string[] = [];
  if (typeof h !== "object" || h === null || Array.isArray(h)) return ["header: must be a JSON object"];
  const x = h as Record<string, unknown>;
  const need = (name: string, ok: boolean, what: string) => {
    if (!ok) out.push(`header: field "${name}" must be ${what} (it is ${describe(x[name])})`);
  };
  need("format", x.format === TRACE_FORMAT, `"${TRACE_FORMAT}"`);
  need("version", x.version === TRACE_VERSION, String(TRACE_VERSION));
  need("program", typeof x.program === "string", "a string");
  need("args", hasType(x.args, STR_ARRAY), "an array of strings");
  need("cwd", typeof x.cwd === "string", "a string");
  const interp = x.interpreter as Record<string, unknown> | undefined;
  if (typeof interp !== "object" || interp === null) {
    need("interpreter", false, "an object {language, path, version, implementation}");
  } else {
    if (interp.language !== "python" && interp.language !== "node") {
      out.push(`header: field "interpreter.language" must be "python" or "node" (it is ${describe(interp.language)})`);
    }
    for (const f of ["path", "version", "implementation"]) {
      if (typeof interp[f] !== "string") out.push(`header: field "interpreter.${f}" must be a string (it is ${describe(interp[f])})`);
    }
  }
  need("startMethod", x.startMethod === null || typeof x.startMethod === "string", "a string or null");
  need("startedAt", typeof x.startedAt === "string" && !Number.isNaN(Date.parse(x.startedAt)), "an ISO 8601 date string");
  const clock = x.clock as Record<string, unknown> | undefined;
  need("clock", typeof clock === "object" && clock !== null && clock.kind === "monotonic" && clock.unit === "ns", '{"kind":"monotonic","unit":"ns"}');
  const rt = x.runtime as Record<string, unknown> | undefined;
  need("runtime", typeof rt === "object" && rt !== null && typeof rt.name === "string" && typeof rt.version === "string", "an object {name, version}");
  return out;
}

const SEND_OF_RECEIPT = new Set(Object.values(RECEIPT_OF));

/** Options for {@link validateTrace}. */
export interface ValidateTraceOptions {
  /** Stop listing after this many problems (a final line says how many more). Default 1000. */
  maxProblems?: number;
}

/**
 * Check a whole trace: the header, every event, per-process seq contiguity, `process.start`
 * first, and message pairing. Returns readable problems (empty when the trace is valid); each
 * event problem names its line in the file (the header is line 1, event i is line i + 2).
 */
export function validateTrace(header: TraceHeader | unknown, events: readonly TraceEvent[], options: ValidateTraceOptions = {}): string[] {
  const max = options.maxProblems ?? 1000;
  const problems: string[] = [];
  let dropped = 0;
  const report = (msg: string) => {
    if (problems.length < max) problems.push(msg);
    else dropped++;
  };
  for (const p of validateHeader(header)) report(p);

  interface ProcState {
    next: number;
    started: boolean;
    /** seq 0 was reported lost, so a missing process.start is excused. */
    startLost: boolean;
    reportedNoStart: boolean;
  }
  const procs = new Map<number, ProcState>();
  const proc = (pid: number): ProcState => {
    let p = procs.get(pid);
    if (!p) {
      p = { next: 0, started: false, startLost: false, reportedNoStart: false };
      procs.set(pid, p);
    }
    return p;
  };
  // msg id → line of the send, per send kind; receipts checked after the pass (they often arrive first).
  const sends = new Map<string, Map<string, number>>();
  for (const k of SEND_OF_RECEIPT) sends.set(k, new Map());
  const receipts: Array<{ kind: string; msg: string; line: number }> = [];
  /** Sends marked `broadcast: true`: every receiver gets them (kind + NUL + msg). */
  const broadcasts = new Set<string>();
  /** Notifications (cond.notify with a msg: Node's Atomics.notify) → line; waits they ended, checked after the pass. */
  const notifies = new Map<string, number>();
  const wakes: Array<{ msg: string; line: number }> = [];
  let anyLost = false;

  for (let i = 0; i < events.length; i++) {
    const e = events[i] as TraceEvent & Record<string, unknown>;
    const line = i + 2;
    const bad = validateEvent(e);
    if (bad !== null) {
      report(`line ${line}: ${bad}`);
      continue;
    }
    if (e.src === "collector") {
      if (e.kind === "events.lost") {
        anyLost = true;
        const p = proc(e.pid);
        const from = e.fromSeq as number;
        const count = e.count as number;
        if (count <= 0) report(`line ${line}: events.lost for pid ${e.pid}: count must be > 0 (it is ${count})`);
        if (from !== p.next) {
          report(`line ${line}: events.lost for pid ${e.pid} starts at seq ${from}, but the next expected seq is ${p.next}`);
        }
        if (from === 0) p.startLost = true;
        p.next = from + count;
      }
      continue;
    }
    const seq = e.seq as number;
    if (e.kind === "process.start" && seq === 0) {
      // A new process (possibly a reused pid): restart its numbering.
      const p = proc(e.pid);
      if (p.started || p.next !== 0) procs.set(e.pid, { next: 0, started: false, startLost: false, reportedNoStart: false });
    }
    const p = proc(e.pid);
    if (seq !== p.next) {
      if (seq > p.next) {
        report(`line ${line}: pid ${e.pid}: seq jumps from ${p.next - 1} to ${seq} (${seq - p.next} events missing, not reported by events.lost)`);
        if (p.next === 0) p.startLost = true;
      } else {
        report(`line ${line}: pid ${e.pid}: seq ${seq} repeats or goes backwards (expected ${p.next})`);
      }
    }
    p.next = Math.max(p.next, seq + 1);
    if (e.kind === "process.start") p.started = true;
    else if (!p.started && !p.startLost && !p.reportedNoStart) {
      p.reportedNoStart = true;
      report(`line ${line}: pid ${e.pid}: ${e.kind} before the process's process.start`);
    }
    const msg = e.msg;
    if (typeof msg === "string") {
      const sendMap = sends.get(e.kind);
      if (sendMap) {
        const prev = sendMap.get(msg);
        if (prev !== undefined) report(`line ${line}: ${e.kind} reuses message id ${JSON.stringify(msg)} of line ${prev} (message ids are unique per run)`);
        else sendMap.set(msg, line);
        if ((e as { broadcast?: unknown }).broadcast === true) broadcasts.add(e.kind + "\u0000" + msg);
      } else if (RECEIPT_OF[e.kind] !== undefined) {
        receipts.push({ kind: e.kind, msg, line });
      } else if (e.kind === "cond.notify") {
        const prev = notifies.get(msg);
        if (prev !== undefined) report(`line ${line}: cond.notify reuses notification id ${JSON.stringify(msg)} of line ${prev} (ids are unique per run)`);
        else notifies.set(msg, line);
      } else if (e.kind === "block.end") {
        if (!WOKEN_OPS.has(e.op as string)) report(`line ${line}: block.end of ${JSON.stringify(e.op)} names a notification (msg ${JSON.stringify(msg)}); only an Atomics wait or an Atomics lock wait is woken by one`);
        else if (e.outcome !== "ok") report(`line ${line}: block.end with outcome ${JSON.stringify(e.outcome)} names the notification ${JSON.stringify(msg)} that woke it; only outcome "ok" can`);
        else wakes.push({ msg, line });
      }
    }
  }
  for (const w of wakes) {
    if (!notifies.has(w.msg) && !anyLost) report(`line ${w.line}: block.end was woken by notification ${JSON.stringify(w.msg)}, but no cond.notify has that msg`);
  }

  const received = new Map<string, number>();
  for (const r of receipts) {
    const sendKind = RECEIPT_OF[r.kind];
    if (!sends.get(sendKind)!.has(r.msg)) {
      // When events were lost, the send may be among them: not a format problem.
      if (!anyLost) report(`line ${r.line}: ${r.kind} has message id ${JSON.stringify(r.msg)} but no ${sendKind} sent it`);
      continue;
    }
    const key = sendKind + "\u0000" + r.msg;
    const prev = received.get(key);
    // A broadcast (e.g. a Node BroadcastChannel message) is received once by every listener.
    if (prev !== undefined && !broadcasts.has(key)) report(`line ${r.line}: ${r.kind} receives message ${JSON.stringify(r.msg)} a second time (first on line ${prev})`);
    else received.set(key, r.line);
  }
  if (dropped > 0) problems.push(`… and ${dropped} more problems`);
  return problems;
}

/** Waits that a notification (Atomics.notify) can end: their block.end may carry its msg. */
const WOKEN_OPS: ReadonlySet<string> = new Set(["atomics.wait", "atomics.waitAsync", "lock.acquire"]);

/**
 * Check a footer against the events before it: its counts must match them (events, the sum
 * of events.lost counts) and its fields must have the right types. Returns the problems.
 */
export function validateFooter(footer: TraceFooter | unknown, events: readonly TraceEvent[]): string[] {
  const out: string[] = [];
  if (typeof footer !== "object" || footer === null) return ["footer: must be a JSON object"];
  const f = footer as Record<string, unknown>;
  for (const name of ["events", "lostEvents", "badLines"]) {
    if (!hasType(f[name], NON_NEG_INT)) out.push(`footer: field "${name}" must be an integer ≥ 0 (it is ${describe(f[name])})`);
  }
  if (typeof f.endedAt !== "string" || Number.isNaN(Date.parse(f.endedAt))) out.push(`footer: field "endedAt" must be an ISO 8601 date string (it is ${describe(f.endedAt)})`);
  if (typeof f.events === "number" && f.events !== events.length) {
    out.push(`footer: says ${f.events} events, but the trace has ${events.length}`);
  }
  let lost = 0;
  for (const e of events) if (e.kind === "events.lost" && "src" in e) lost += (e as { count: number }).count;
  if (typeof f.lostEvents === "number" && f.lostEvents !== lost) {
    out.push(`footer: says ${f.lostEvents} lost events, but the events.lost events add up to ${lost}`);
  }
  return out;
}
