/**
 * The wire protocol's decoding half of the collector (docs/wire-protocol.md): a connection's
 * bytes split into lines and binary batches, the hello and its token, JSON and marshal batches,
 * site definitions, and each record checked and turned into a trace event (trace/format.ts),
 * written as its trace line into the batch the {@link Collector} (collector.ts) started. The
 * collector owns the sockets, the input queue, the file and the events it emits; this class is
 * its base so the per-record path stays one method on one object.
 *
 * Plain Node: no `vscode` import.
 */

import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { timingSafeEqual } from "node:crypto";
import type { CallSite, CollectorEvent, TraceEvent, TraceFooter } from "../../trace/format";
import type { KindDecl } from "../../trace/kinds/fields";
import { KINDS, KIND_LIST } from "../../trace/kinds/table";
import { validateRuntimeKindFields } from "../../trace/validate";
import { B_FALSE, B_MSG, B_OBJ, B_SEQ, B_T, B_TRUE, NUM_ROOM, OutBuffer, putBytes, putNum, putStr, strRoom } from "./jsonOut";
import { unmarshal, type PyValue } from "./pyMarshal";

/** Counters of a collector. */
export interface CollectorStats {
  /** Events written/emitted (runtime and collector events). */
  events: number;
  /** Events known lost (sum of events.lost counts). */
  lostEvents: number;
  /** Lines and records dropped as invalid. */
  badLines: number;
  /** Connections that presented a valid hello. */
  connections: number;
}

/** Events a {@link Collector} emits. */
export interface CollectorEventMap {
  /** New trace events, in the order they were written (one array per batch line). */
  events: [events: TraceEvent[]];
  /** A process connected with a valid hello. */
  hello: [info: { pid: number; lang: string }];
  /** A process's connection closed; `clean` when it had sent process.exit. */
  disconnect: [info: { pid: number; clean: boolean }];
  /** Something was wrong with the input (bad line, wrong token, …): one readable sentence. */
  problem: [message: string];
}

/** A field of a wire event that `extra` must not override (pid, tid, seq, t, kind, obj, msg, site, src). */
function isReserved(k: string): boolean {
  switch (k.length) {
    case 1:
      return k === "t";
    case 3:
      return k === "pid" || k === "tid" || k === "seq" || k === "obj" || k === "msg" || k === "src";
    case 4:
      return k === "kind" || k === "site";
    default:
      return false;
  }
}

/** State of one process's connection (the collector owns its socket; the decoder, the rest). */
export class Connection {
  pid = -1;
  lang = "";
  hello = false;
  finished = false;
  nextSeq = 0;
  sawExit = false;
  /** `t` of its process.exit (-1: none yet), and when the socket was seen closed (-1: not yet). */
  exitT = -1;
  closedAt = -1;
  /** Site id → serialised `,"site":{…}` fragment (UTF-8), and the object for emitted events. */
  readonly siteText = new Map<number, Buffer>();
  readonly siteObj = new Map<number, CallSite>();
  readonly unknownSites = new Set<number>();
  /** `{"pid":N,"tid":` — the start of every line of this process (UTF-8). */
  prefix: Buffer = Buffer.alloc(0);

  /** Pieces of a line not yet ended by "\n". */
  parts: Buffer[] = [];
  partBytes = 0;
  /** Bytes of the binary batch being received still to come (0: reading lines), its pieces so far, and whether it is being dropped (too long). */
  frameLeft = 0;
  frameParts: Buffer[] = [];
  frameDiscard = false;
  /** Dropping the rest of an over-long line until its "\n". */
  discarding = false;
  constructor(readonly socket: Socket) {}
}

/** The text form of an int message id: (pid << 31) + n is "<pid>.<n>" (docs/wire-protocol.md). */
export function intMessageId(m: number): string {
  const n = m % 2147483648;
  return `${(m - n) / 2147483648}.${n}`;
}

/** Kinds with a compact form: the fields their bare extra stands for (trace/kinds/table.ts `bare`). */
const BARE = new Map<string, { fields: readonly string[]; defaults: Readonly<Record<string, unknown>> }>(
  KIND_LIST.flatMap((k) => {
    const d = KINDS[k] as KindDecl;
    return d.bare ? [[k, { fields: d.bare, defaults: d.bareDefaults ?? {} }] as const] : [];
  }),
);

function bareText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

/**
 * A bare extra (docs/wire-protocol.md) as the object it stands for, or undefined if it is not one:
 * P of a message event is {preview: P} (pipe events also bytes: false); V of value.read is
 * {value: V}; (O, V) of value.write is {old: O, value: V}. Each part is a string, or an int that
 * stands for its decimal form.
 */
export function expandBareExtra(kind: string, x: unknown): Record<string, unknown> | undefined {
  const form = BARE.get(kind);
  if (form === undefined) return undefined;
  const { fields, defaults } = form;
  if (fields.length === 1) {
    const v = bareText(x);
    return v === undefined ? undefined : { [fields[0]]: v, ...defaults };
  }
  if (!Array.isArray(x) || x.length !== fields.length) return undefined;
  const out: Record<string, unknown> = { ...defaults };
  for (let k = 0; k < fields.length; k++) {
    const v = bareText(x[k]);
    if (v === undefined) return undefined;
    out[fields[k]] = v;
  }
  return out;
}

/** See the file comment. */
export abstract class WireDecoder extends EventEmitter<CollectorEventMap> {
  readonly stats: CollectorStats = { events: 0, lostEvents: 0, badLines: 0, connections: 0 };
  /** Pids that connected with a valid hello. */
  readonly pids = new Set<number>();
  /**
   * Children the run's processes started (a `process.spawn`'s `child`, not a worker thread's
   * lane) → the pid that started them: a child that has not connected yet is still starting.
   */
  readonly spawned = new Map<number, number>();
  /** The first problems reported (see maxProblems). */
  readonly problems: string[] = [];

  /** Set once close() has begun. */
  protected closing: Promise<TraceFooter> | null = null;
  /** Stack requests still waiting for answers: request id → pids yet to answer. */
  protected readonly stacksPending = new Map<number, Set<number>>();
  /** While a batch line is expanded: where its events are written (null if no file). */
  protected batchOut: OutBuffer | null = null;
  /** The events of the batch line being expanded. */
  protected batchEvents: TraceEvent[] = [];
  private readonly tokenBuf: Buffer;
  private readonly kindText = new Map<string, Buffer>();
  /** The extra fields of the record being expanded, serialised. */
  private readonly extraOut = new OutBuffer();

  protected constructor(
    token: string,
    protected readonly maxLine: number,
    private readonly maxProblems: number,
  ) {
    super();
    this.tokenBuf = Buffer.from(token);
  }

  /** Start expanding a batch line (sets batchOut and batchEvents). */
  protected abstract startBatch(): void;
  /** The batch line is expanded: count, write and emit its events. */
  protected abstract outputBatch(): void;

  /**
   * Split incoming bytes into lines and binary batches ("B<length>\n" then that many bytes).
   * Lines are cut at the newline byte (never part of a multi-byte UTF-8 character), then decoded.
   * An unfinished line is kept up to 3 × maxLine bytes (a character is at most 3 bytes of
   * UTF-8); the limit itself is checked in characters once the line is whole.
   */
  protected onData(c: Connection, chunk: Buffer): void {
    if (c.finished || this.closing) return;
    let start = 0;
    const n = chunk.length;
    const maxBytes = 3 * this.maxLine;
    while (start < n) {
      if (c.frameLeft > 0) {
        const take = Math.min(c.frameLeft, n - start);
        if (!c.frameDiscard) c.frameParts.push(start === 0 && take === n ? chunk : chunk.subarray(start, start + take));
        c.frameLeft -= take;
        start += take;
        if (c.frameLeft === 0) {
          if (c.frameDiscard) c.frameDiscard = false;
          else {
            const parts = c.frameParts;
            c.frameParts = [];
            this.marshalBatch(c, parts.length === 1 ? parts[0] : Buffer.concat(parts)); // a binary batch
            if (c.finished) return;
          }
        }
        continue;
      }
      const nl = chunk.indexOf(10, start);
      if (c.discarding) {
        if (nl < 0) return;
        c.discarding = false;
        start = nl + 1;
        continue;
      }
      if (nl < 0) {
        const rest = n - start;
        if (c.partBytes + rest > maxBytes) this.overLong(c);
        else {
          c.parts.push(start === 0 ? chunk : chunk.subarray(start));
          c.partBytes += rest;
        }
        return;
      }
      let line: Buffer;
      if (c.parts.length > 0) {
        if (c.partBytes + (nl - start) > maxBytes) {
          this.overLong(c);
          c.discarding = false;
          start = nl + 1;
          continue;
        }
        c.parts.push(chunk.subarray(start, nl));
        line = Buffer.concat(c.parts);
        c.parts = [];
        c.partBytes = 0;
      } else {
        if (nl - start > maxBytes) {
          this.overLong(c);
          c.discarding = false;
          start = nl + 1;
          continue;
        }
        line = chunk.subarray(start, nl);
      }
      start = nl + 1;
      this.line(c, line);
      if (c.finished) return;
    }
  }

  private overLong(c: Connection): void {
    c.parts = [];
    c.partBytes = 0;
    c.discarding = true;
    this.bad(c, `a line longer than ${this.maxLine} characters was dropped`);
  }

  /** Report a problem (kept in {@link problems} and emitted as "problem"). */
  reportProblem(message: string): void {
    this.problem(message);
  }

  protected problem(message: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push(message);
    this.emit("problem", message);
  }

  protected bad(c: Connection, what: string): void {
    this.stats.badLines++;
    this.problem(c.hello ? `pid ${c.pid}: ${what}` : what);
  }

  // ------------------------------------------------------------ lines and records

  /** One line's bytes: a binary batch header, or a text line (over maxLine characters: dropped). */
  private line(c: Connection, bytes: Buffer): void {
    if (c.hello && bytes.length > 1 && bytes[0] === 66 /* "B" */) {
      this.frameHeader(c, bytes);
      return;
    }
    const line = bytes.toString("utf8");
    if (line.length > this.maxLine) {
      this.bad(c, `a line longer than ${this.maxLine} characters was dropped`);
      return;
    }
    this.textLine(c, line);
  }

  /** "B<length>": the next <length> bytes are a binary batch (marshal, as in a compact line, not base64). */
  private frameHeader(c: Connection, bytes: Buffer): void {
    let len = 0;
    let i = 1;
    for (; i < bytes.length && i <= 16; i++) {
      const d = bytes[i] - 48;
      if (d < 0 || d > 9) break;
      len = len * 10 + d;
    }
    if (i !== bytes.length || len === 0) {
      this.bad(c, `a line is not JSON (it starts ${JSON.stringify(bytes.subarray(0, 40).toString("utf8"))}); dropped`);
      return;
    }
    c.frameLeft = len;
    c.frameParts = [];
    if (len > this.maxLine) {
      c.frameDiscard = true;
      this.bad(c, `a binary batch longer than ${this.maxLine} bytes was dropped`);
    }
  }

  protected textLine(c: Connection, line: string): void {
    if (!c.hello) {
      this.hello(c, line);
      return;
    }
    if (line.length === 0 || (line.length < 3 && line.trim() === "")) return;
    if (line.charCodeAt(0) === 77 /* "M" */) {
      this.compactLine(c, line);
      return;
    }
    let batch: unknown;
    try {
      batch = JSON.parse(line);
    } catch {
      this.bad(c, `a line is not JSON (it starts ${JSON.stringify(line.slice(0, 40))}); dropped`);
      return;
    }
    if (!Array.isArray(batch)) {
      this.bad(c, "a line is not a batch (a JSON array of records); dropped");
      return;
    }
    this.startBatch();
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i];
      if (!Array.isArray(r)) {
        this.bad(c, `record ${i} of a batch is not an array; dropped`);
        continue;
      }
      if (r[0] === "site") {
        this.site(c, r);
        continue;
      }
      this.record(c, r[0], r, 1);
    }
    this.outputBatch();
  }

  /** A compact batch: "M" + base64(marshal((seq0, sites, records))), see docs/wire-protocol.md. */
  private compactLine(c: Connection, line: string): void {
    this.marshalBatch(c, Buffer.from(line.slice(1), "base64"));
  }

  private marshalBatch(c: Connection, bytes: Buffer): void {
    let decoded: PyValue;
    try {
      decoded = unmarshal(bytes);
    } catch (e) {
      this.bad(c, `a compact batch could not be decoded (${(e as Error).message}); dropped`);
      return;
    }
    if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== "number" || !Array.isArray(decoded[1]) || !Array.isArray(decoded[2])) {
      this.bad(c, "a compact batch is not (seq0, sites, records); dropped");
      return;
    }
    const seq0 = decoded[0];
    const sites = decoded[1];
    const records = decoded[2];
    for (const sd of sites) {
      if (Array.isArray(sd)) this.site(c, ["site", ...sd]);
      else this.bad(c, "a compact batch's site definition is not (id, file, line, fn); dropped");
    }
    this.startBatch();
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!Array.isArray(r)) {
        this.bad(c, `record ${i} of a compact batch is not a tuple; dropped`);
        continue;
      }
      this.record(c, seq0 + i, r, 0);
    }
    this.outputBatch();
  }

  private hello(c: Connection, line: string): void {
    let h: { hello?: unknown; token?: unknown; pid?: unknown; lang?: unknown } | null = null;
    try {
      h = JSON.parse(line);
    } catch {
      /* reported below */
    }
    if (typeof h !== "object" || h === null || h.hello !== 1) {
      this.bad(c, "a connection's first line is not a hello; connection closed");
      this.refuse(c);
      return;
    }
    const token = typeof h.token === "string" ? Buffer.from(h.token) : Buffer.alloc(0);
    if (token.length !== this.tokenBuf.length || !timingSafeEqual(token, this.tokenBuf)) {
      this.bad(c, "a connection presented a wrong token; connection closed");
      this.refuse(c);
      return;
    }
    if (typeof h.pid !== "number" || !Number.isSafeInteger(h.pid) || h.pid <= 0) {
      this.bad(c, "a hello has no valid pid; connection closed");
      this.refuse(c);
      return;
    }
    c.hello = true;
    c.pid = h.pid;
    c.lang = typeof h.lang === "string" ? h.lang : "";
    c.prefix = Buffer.from(`{"pid":${c.pid},"tid":`);
    this.stats.connections++;
    this.pids.add(c.pid);
    this.spawned.delete(c.pid);
    this.emit("hello", { pid: c.pid, lang: c.lang });
  }

  private refuse(c: Connection): void {
    c.finished = true;
    c.socket.destroy();
  }

  /** ["site", id, file, line, fn] */
  private site(c: Connection, r: unknown[]): void {
    const [, id, file, line, fn] = r;
    if (r.length !== 5 || !Number.isSafeInteger(id) || typeof file !== "string" || !Number.isSafeInteger(line) || typeof fn !== "string") {
      this.bad(c, "a site record is not [\"site\", id, file, line, fn]; dropped");
      return;
    }
    const site: CallSite = { file, line: line as number, fn };
    c.siteObj.set(id as number, site);
    c.siteText.set(id as number, Buffer.from(',"site":' + JSON.stringify(site)));
  }

  /**
   * One record → one trace event, added to the batch being built (batchEvents, and serialised
   * to batchText), or dropped. `r[o…o+6]` are (t, tid, kind, obj, msg, site, extra): a JSON
   * record is [seq, …] (o = 1, seq = r[0]); a compact record has no seq (o = 0, seq from seq0).
   */
  private record(c: Connection, seq: unknown, r: unknown[], o: number): void {
    if (r.length !== o + 7) {
      this.bad(
        c,
        o === 1
          ? `a record has ${r.length} fields, not 8 ([seq, t, tid, kind, obj, msg, site, extra]); dropped`
          : `a compact record has ${r.length} fields, not 7 ((t, tid, kind, obj, msg, site, extra)); dropped`,
      );
      return;
    }
    const t = r[o];
    const tid = r[o + 1];
    const kind = r[o + 2];
    const obj = r[o + 3];
    let msg = r[o + 4];
    const siteId = r[o + 5];
    let extra = r[o + 6];
    // The compact forms of the wire protocol: an int message id, a bare extra.
    if (typeof msg === "number") msg = Number.isSafeInteger(msg) && msg >= 0 ? intMessageId(msg) : undefined;
    if (extra !== null && (typeof extra !== "object" || Array.isArray(extra)) && typeof kind === "string") extra = expandBareExtra(kind, extra);
    if (
      typeof seq !== "number" ||
      !Number.isSafeInteger(seq) ||
      seq < 0 ||
      typeof t !== "number" ||
      !Number.isSafeInteger(t) ||
      typeof tid !== "number" ||
      !Number.isSafeInteger(tid) ||
      typeof kind !== "string" ||
      (obj !== null && typeof obj !== "string") ||
      (msg !== null && typeof msg !== "string") ||
      extra === undefined ||
      (siteId !== null && typeof siteId !== "number") ||
      (extra !== null && (typeof extra !== "object" || Array.isArray(extra)))
    ) {
      this.bad(
        c,
        `a record does not have the shape [seq, t, tid, kind, obj, msg, site, extra] (seq, t, tid integers, seq ≥ 0; obj a string or null; msg a string, an int id or null; site an id or null; extra an object, null or the kind's bare form)${typeof kind === "string" ? `, kind ${kind}` : ""}; dropped`,
      );
      return;
    }
    // The event object is `extra` itself (already allocated by the decoder) with the common fields
    // added. Its line is written by hand: extra's fields are checked and serialised first (to
    // extraOut), the whole line is written once the event is accepted.
    let ev: Record<string, unknown>;
    const x = this.extraOut;
    x.len = 0;
    if (extra !== null) {
      ev = extra as Record<string, unknown>;
      const write = this.batchOut !== null;
      for (const k in ev) {
        if (isReserved(k)) {
          this.bad(c, `a ${kind} record's extra has the reserved field "${k}"; dropped`);
          return;
        }
        if (!write) continue;
        const v = ev[k];
        if (typeof v === "string") {
          x.ensure(strRoom(k.length) + 2 + strRoom(v.length));
          const b = x.buf;
          x.buf[x.len] = 44;
          let p = putStr(b, x.len + 1, k);
          b[p++] = 58;
          x.len = putStr(b, p, v);
        } else if (typeof v === "number" || typeof v === "boolean") {
          x.ensure(strRoom(k.length) + 2 + NUM_ROOM);
          const b = x.buf;
          b[x.len] = 44;
          let p = putStr(b, x.len + 1, k);
          b[p++] = 58;
          x.len = typeof v === "number" ? putNum(b, p, v) : putBytes(b, p, v ? B_TRUE : B_FALSE);
        } else {
          const vs = JSON.stringify(v);
          x.ensure(strRoom(k.length) + 2 + 3 * vs.length);
          const b = x.buf;
          b[x.len] = 44;
          let p = putStr(b, x.len + 1, k);
          b[p++] = 58;
          x.len = p + b.utf8Write(vs, p);
        }
      }
    } else {
      ev = {};
    }
    ev.pid = c.pid;
    ev.tid = tid;
    ev.seq = seq;
    ev.t = t;
    ev.kind = kind;
    if (obj !== null) ev.obj = obj;
    if (msg !== null) ev.msg = msg;
    let siteText: Buffer | undefined;
    if (siteId !== null) {
      const st = c.siteText.get(siteId);
      if (st !== undefined) {
        siteText = st;
        ev.site = c.siteObj.get(siteId);
      } else if (!c.unknownSites.has(siteId)) {
        c.unknownSites.add(siteId);
        this.problem(`pid ${c.pid}: site ${siteId} used before it was defined; events that use it have no site`);
      }
    }
    const problem = validateRuntimeKindFields(ev, kind);
    if (problem !== null) {
      this.bad(c, `${problem}; dropped`);
      return;
    }
    if (seq !== c.nextSeq) {
      if (seq < c.nextSeq) {
        this.bad(c, `seq ${seq} repeats or goes backwards (expected ${c.nextSeq}); dropped`);
        return;
      }
      this.lost(c, c.nextSeq, seq - c.nextSeq, t);
    }
    c.nextSeq = seq + 1;
    if (kind === "process.exit") {
      c.sawExit = true;
      c.exitT = t;
    } else if (kind === "process.stacks") this.stacksPending.get(ev.request as number)?.delete(c.pid);
    else if (kind === "process.spawn" && typeof ev.child === "number" && ev.thread === undefined && !this.pids.has(ev.child)) this.spawned.set(ev.child, c.pid);
    this.batchEvents.push(ev as unknown as TraceEvent);
    let kt = this.kindText.get(kind);
    if (kt === undefined) {
      kt = Buffer.from(',"kind":' + JSON.stringify(kind));
      this.kindText.set(kind, kt);
    }
    // The line: the common fields, the site, then extra's fields (serialised above).
    const w = this.batchOut;
    if (w === null) return;
    w.ensure(
      c.prefix.length + B_SEQ.length + 3 * NUM_ROOM + B_T.length + kt.length + (obj !== null ? B_OBJ.length + strRoom(obj.length) : 0) +
        (msg !== null ? B_MSG.length + strRoom(msg.length) : 0) + (siteText !== undefined ? siteText.length : 0) + x.len + 2,
    );
    const b = w.buf;
    let p = putBytes(b, w.len, c.prefix);
    p = putNum(b, p, tid);
    p = putBytes(b, p, B_SEQ);
    p = putNum(b, p, seq);
    p = putBytes(b, p, B_T);
    p = putNum(b, p, t);
    p = putBytes(b, p, kt);
    if (obj !== null) p = putStr(b, putBytes(b, p, B_OBJ), obj);
    if (msg !== null) p = putStr(b, putBytes(b, p, B_MSG), msg);
    if (siteText !== undefined) p = putBytes(b, p, siteText);
    const xb = x.buf;
    for (let i = 0, n = x.len; i < n; i++) b[p++] = xb[i];
    b[p++] = 125; // }
    b[p++] = 10; // newline
    w.len = p;
  }

  /** Report a gap, in the batch being built (so it is written just before the event after it). */
  private lost(c: Connection, fromSeq: number, count: number, t: number): void {
    this.stats.lostEvents += count;
    const e: CollectorEvent = { src: "collector", pid: c.pid, t, kind: "events.lost", fromSeq, count };
    this.batchEvents.push(e);
    if (this.batchOut !== null) this.batchOut.text(JSON.stringify(e) + "\n");
  }
}
