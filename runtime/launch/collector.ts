/**
 * The collector: receives every process's events over a Unix socket (wire protocol v1,
 * docs/wire-protocol.md: a hello, then batches, JSON or compact marshal ones), turns them into
 * trace events (trace/format.ts), writes the trace file and emits the events as they arrive
 * (for live views and live analyses).
 *
 * Security: the socket lives in a fresh directory only the user can enter (mode 0700) and a
 * connection must present the run's random token in its hello line.
 *
 * Robustness: a line that is not valid (not JSON or marshal, not a batch, a record of the wrong
 * shape, an event that fails validation, a line over {@link CollectorOptions.maxLineChars}) is counted
 * (`badLines`), reported (`problem`) and dropped; the connection goes on. A dropped record's
 * sequence number then shows up as a gap, reported like any gap as `events.lost`.
 *
 * Plain Node: no `vscode` import (the CLI and the extension both use it).
 */

import { EventEmitter } from "node:events";
import { chmodSync, closeSync, createWriteStream, mkdtempSync, openSync, rmSync, type WriteStream } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { StringDecoder } from "node:string_decoder";
import type { CallSite, CollectorEvent, TraceEvent, TraceFooter, TraceHeader } from "../../trace/format";
import { validateRuntimeKindFields } from "../../trace/validate";
import { unmarshal, type PyValue } from "./pyMarshal";

/** Options of {@link Collector.start}. */
export interface CollectorOptions {
  /** Trace file to write (created or truncated); null: no file, events only reach listeners. */
  out: string | null;
  /** First line of the trace. */
  header: TraceHeader;
  /** process.hrtime.bigint() at the run's origin (IPCVIZ_T0): collector events' `t` is measured from it. */
  t0: bigint;
  /** A line longer than this (in characters) is dropped and counted as bad. Default 64 Mi. */
  maxLineChars?: number;
  /** Written events reach the file at least this often (ms), so a live trace can be tailed. Default 200. */
  flushIntervalMs?: number;
  /** Directory in which the private socket directory is made. Default os.tmpdir() (or /tmp if that path is too long for a socket). */
  socketParent?: string;
  /** Problems kept in {@link Collector.problems} (all are emitted). Default 200. */
  maxProblems?: number;
}

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

/** Fields of a wire event that `extra` must not override. */
const RESERVED: Record<string, true> = { pid: true, tid: true, seq: true, t: true, kind: true, obj: true, msg: true, site: true, src: true };

/** Characters that JSON must escape (and lone surrogates, which JSON.stringify escapes). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON: the common case (nothing to escape) without JSON.stringify. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const WRITE_CHUNK = 256 * 1024;

/** State of one process's connection. */
class Connection {
  pid = -1;
  lang = "";
  hello = false;
  finished = false;
  nextSeq = 0;
  sawExit = false;
  /** Site id → serialised `,"site":{…}` fragment, and the object for emitted events. */
  readonly siteText = new Map<number, string>();
  readonly siteObj = new Map<number, CallSite>();
  readonly unknownSites = new Set<number>();
  /** `{"pid":N,"tid":` — the start of every line of this process. */
  prefix = "";
  readonly decoder = new StringDecoder("utf8");
  /** Pieces of a line not yet ended by "\n". */
  parts: string[] = [];
  partChars = 0;
  /** Dropping the rest of an over-long line until its "\n". */
  discarding = false;
  constructor(readonly socket: Socket) {}
}

/** A running collector. Create with {@link Collector.start}; end with {@link Collector.close}. */
export class Collector extends EventEmitter<CollectorEventMap> {
  /** Path of the Unix socket (IPCVIZ_SOCK). */
  readonly socketPath: string;
  /** The run's token (IPCVIZ_TOKEN), hex. */
  readonly token: string;
  /** The private directory holding the socket (removed by close()). */
  readonly dir: string;
  readonly stats: CollectorStats = { events: 0, lostEvents: 0, badLines: 0, connections: 0 };
  /** Pids that connected with a valid hello. */
  readonly pids = new Set<number>();
  /** The first problems reported (see maxProblems). */
  readonly problems: string[] = [];

  private readonly tokenBuf: Buffer;
  private readonly server: Server;
  private readonly conns = new Set<Connection>();
  private readonly maxLine: number;
  private readonly maxProblems: number;
  private readonly t0: bigint;
  private stream: WriteStream | null = null;
  private pending = "";
  private flushTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private writeFailed = false;
  private closing: Promise<TraceFooter> | null = null;
  private readonly kindText = new Map<string, string>();
  private idleWaiters: Array<() => void> = [];
  /** The batch line being expanded: its serialised events and the events. */
  private batchText = "";
  private batchEvents: TraceEvent[] = [];

  private constructor(options: CollectorOptions, dir: string, fd: number | null) {
    super();
    this.dir = dir;
    this.socketPath = join(dir, "sock");
    this.token = randomBytes(16).toString("hex");
    this.tokenBuf = Buffer.from(this.token);
    this.maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE;
    this.maxProblems = options.maxProblems ?? 200;
    this.t0 = options.t0;
    if (fd !== null) {
      this.stream = createWriteStream("", { fd, highWaterMark: 4 * WRITE_CHUNK });
      this.stream.on("error", (err) => this.writeError(err));
      this.stream.on("drain", () => this.resumeAll());
      this.pending = JSON.stringify(options.header) + "\n";
      this.flush();
      this.flushTimer = setInterval(() => this.flush(), options.flushIntervalMs ?? 200);
      this.flushTimer.unref();
    }
    this.server = createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
  }

  /**
   * Make the private directory, open the trace file (errors here, before the program starts,
   * are the caller's to report: an unwritable `out` throws) and listen.
   */
  static async start(options: CollectorOptions): Promise<Collector> {
    let fd: number | null = null;
    if (options.out !== null) fd = openSync(options.out, "w");
    let parent = options.socketParent ?? tmpdir();
    // sun_path holds 107 bytes: "<parent>/ipcviz-XXXXXX/sock".
    if (Buffer.byteLength(parent) + 20 > 100) parent = "/tmp";
    let dir: string;
    try {
      dir = mkdtempSync(join(parent, "ipcviz-"));
      chmodSync(dir, 0o700);
    } catch (err) {
      if (fd !== null) closeSync(fd);
      throw err;
    }
    const c = new Collector(options, dir, fd);
    try {
      await new Promise<void>((resolve, reject) => {
        c.server.once("error", reject);
        c.server.listen(c.socketPath, () => {
          c.server.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      await c.close();
      throw err;
    }
    c.server.on("error", (err) => c.problem(`collector socket error: ${err.message}`));
    return c;
  }

  /** Nanoseconds since the run's origin (the `t` of collector events). */
  now(): number {
    return Number(process.hrtime.bigint() - this.t0);
  }

  /** Connections currently open (with or without a hello). */
  get openConnections(): number {
    return this.conns.size;
  }

  /** Pids whose connection is open now. */
  connectedPids(): number[] {
    const out: number[] = [];
    for (const c of this.conns) if (c.hello && !c.finished) out.push(c.pid);
    return out;
  }

  /** Resolves true when no connection is open, or false after timeoutMs. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.conns.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** Write and emit an event made by the launcher or the collector (src "collector"). */
  addCollectorEvent(e: CollectorEvent): void {
    if (this.closing) return;
    this.writeCollectorEvent(e);
  }

  /**
   * Stop: no new connections, end the open ones (recording their disconnects), write the footer,
   * close the file, remove the private directory. Idempotent; resolves with the footer.
   */
  close(): Promise<TraceFooter> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  /** Same as {@link close} (for owners that dispose). */
  dispose(): Promise<TraceFooter> {
    return this.close();
  }

  private async doClose(): Promise<TraceFooter> {
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.conns]) {
      this.finish(c);
      c.socket.destroy();
    }
    const footer: TraceFooter = {
      footer: true,
      events: this.stats.events,
      lostEvents: this.stats.lostEvents,
      badLines: this.stats.badLines,
      endedAt: new Date().toISOString(),
    };
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    if (this.stream) {
      const stream = this.stream;
      this.pending += JSON.stringify(footer) + "\n";
      this.flush();
      this.stream = null;
      await new Promise<void>((resolve) => {
        if (stream.destroyed) return resolve();
        stream.once("close", () => resolve());
        stream.end();
      });
    }
    await serverClosed;
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch (err) {
      this.problem(`could not remove ${this.dir}: ${(err as Error).message}`);
    }
    return footer;
  }

  // ------------------------------------------------------------ connections

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const c = new Connection(socket);
    this.conns.add(c);
    if (this.paused) socket.pause();
    socket.on("data", (chunk: Buffer) => this.onData(c, chunk));
    socket.on("error", () => {
      /* 'close' follows */
    });
    socket.on("close", () => {
      if (!this.closing) {
        // Whatever is left without a final "\n" is a last line.
        const tail = c.discarding ? "" : c.parts.join("") + c.decoder.end();
        c.parts = [];
        if (tail.trim() !== "" && !c.finished) this.line(c, tail);
        this.finish(c);
      }
      this.conns.delete(c);
      if (this.conns.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }

  /** Record the end of a connection (once). */
  private finish(c: Connection): void {
    if (c.finished) return;
    c.finished = true;
    if (!c.hello) return;
    this.writeCollectorEvent({ src: "collector", pid: c.pid, t: this.now(), kind: "process.disconnect", clean: c.sawExit });
    this.emit("disconnect", { pid: c.pid, clean: c.sawExit });
  }

  /** Split incoming bytes into lines, keeping at most maxLine characters of an unfinished line. */
  private onData(c: Connection, chunk: Buffer): void {
    if (c.finished || this.closing) return;
    const text = c.decoder.write(chunk);
    let start = 0;
    const n = text.length;
    while (start < n) {
      const nl = text.indexOf("\n", start);
      if (c.discarding) {
        if (nl < 0) return;
        c.discarding = false;
        start = nl + 1;
        continue;
      }
      if (nl < 0) {
        const rest = n - start;
        if (c.partChars + rest > this.maxLine) this.overLong(c);
        else {
          c.parts.push(start === 0 ? text : text.slice(start));
          c.partChars += rest;
        }
        return;
      }
      let line: string;
      if (c.parts.length > 0) {
        if (c.partChars + (nl - start) > this.maxLine) {
          this.overLong(c);
          c.discarding = false;
          start = nl + 1;
          continue;
        }
        c.parts.push(text.slice(start, nl));
        line = c.parts.join("");
        c.parts = [];
        c.partChars = 0;
      } else {
        if (nl - start > this.maxLine) {
          this.overLong(c);
          c.discarding = false;
          start = nl + 1;
          continue;
        }
        line = text.slice(start, nl);
      }
      start = nl + 1;
      this.line(c, line);
      if (c.finished) return;
    }
  }

  private overLong(c: Connection): void {
    c.parts = [];
    c.partChars = 0;
    c.discarding = true;
    this.bad(c, `a line longer than ${this.maxLine} characters was dropped`);
  }

  /** Report a problem (kept in {@link problems} and emitted as "problem"). */
  reportProblem(message: string): void {
    this.problem(message);
  }

  private problem(message: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push(message);
    this.emit("problem", message);
  }

  private bad(c: Connection, what: string): void {
    this.stats.badLines++;
    this.problem(c.hello ? `pid ${c.pid}: ${what}` : what);
  }

  // ------------------------------------------------------------ lines and records

  private line(c: Connection, line: string): void {
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
    this.batchText = "";
    this.batchEvents = [];
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
    if (this.batchText.length > 0) this.output(this.batchText, this.batchEvents);
    this.batchText = "";
    this.batchEvents = [];
  }

  /** A compact batch: "M" + base64(marshal((seq0, sites, records))), see docs/wire-protocol.md. */
  private compactLine(c: Connection, line: string): void {
    let decoded: PyValue;
    try {
      decoded = unmarshal(Buffer.from(line.slice(1), "base64"));
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
    this.batchText = "";
    this.batchEvents = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i];
      if (!Array.isArray(r)) {
        this.bad(c, `record ${i} of a compact batch is not a tuple; dropped`);
        continue;
      }
      this.record(c, seq0 + i, r, 0);
    }
    if (this.batchText.length > 0) this.output(this.batchText, this.batchEvents);
    this.batchText = "";
    this.batchEvents = [];
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
    c.prefix = `{"pid":${c.pid},"tid":`;
    this.stats.connections++;
    this.pids.add(c.pid);
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
    c.siteText.set(id as number, ',"site":' + JSON.stringify(site));
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
    const msg = r[o + 4];
    const siteId = r[o + 5];
    const extra = r[o + 6];
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
      (siteId !== null && typeof siteId !== "number") ||
      (extra !== null && (typeof extra !== "object" || Array.isArray(extra)))
    ) {
      this.bad(
        c,
        `a record does not have the shape [seq, t, tid, kind, obj, msg, site, extra] (seq, t, tid integers, seq ≥ 0; obj, msg strings or null; site an id or null; extra an object or null)${typeof kind === "string" ? `, kind ${kind}` : ""}; dropped`,
      );
      return;
    }
    // The event object is `extra` itself (already allocated by JSON.parse) with the common fields
    // added; its serialisation is built by hand, extra's fields first checked and written.
    let extraText = "";
    let ev: Record<string, unknown>;
    if (extra !== null) {
      ev = extra as Record<string, unknown>;
      for (const k in ev) {
        if (RESERVED[k] === true) {
          this.bad(c, `a ${kind} record's extra has the reserved field "${k}"; dropped`);
          return;
        }
        const v = ev[k];
        extraText += "," + quote(k) + ":" + (typeof v === "string" ? quote(v) : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v));
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
    let siteText = "";
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
    if (kind === "process.exit") c.sawExit = true;
    this.batchEvents.push(ev as unknown as TraceEvent);
    let kt = this.kindText.get(kind);
    if (kt === undefined) {
      kt = JSON.stringify(kind);
      this.kindText.set(kind, kt);
    }
    let s = c.prefix + tid + ',"seq":' + seq + ',"t":' + t + ',"kind":' + kt;
    if (obj !== null) s += ',"obj":' + quote(obj);
    if (msg !== null) s += ',"msg":' + quote(msg);
    this.batchText += s + siteText + extraText + "}\n";
  }

  /** Report a gap, in the batch being built (so it is written just before the event after it). */
  private lost(c: Connection, fromSeq: number, count: number, t: number): void {
    this.stats.lostEvents += count;
    const e: CollectorEvent = { src: "collector", pid: c.pid, t, kind: "events.lost", fromSeq, count };
    this.batchEvents.push(e);
    this.batchText += JSON.stringify(e) + "\n";
  }

  // ------------------------------------------------------------ output

  private writeCollectorEvent(e: CollectorEvent): void {
    this.output(JSON.stringify(e) + "\n", [e]);
  }

  private output(text: string, events: TraceEvent[]): void {
    this.stats.events += events.length;
    if (this.stream) {
      this.pending += text;
      if (this.pending.length >= WRITE_CHUNK) this.flush();
    }
    if (events.length > 0) this.emit("events", events);
  }

  private flush(): void {
    if (!this.stream || this.pending.length === 0 || this.writeFailed) {
      this.pending = "";
      return;
    }
    const ok = this.stream.write(this.pending);
    this.pending = "";
    if (!ok && !this.paused) {
      // The disk is slower than the program: stop reading until the file catches up.
      this.paused = true;
      for (const c of this.conns) c.socket.pause();
    }
  }

  private resumeAll(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const c of this.conns) c.socket.resume();
  }

  private writeError(err: Error): void {
    if (this.writeFailed) return;
    this.writeFailed = true;
    this.problem(`writing the trace failed: ${err.message}; events are no longer written`);
    this.resumeAll();
  }
}
