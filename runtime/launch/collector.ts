/**
 * The collector: receives every process's events over a Unix socket (wire protocol v1,
 * docs/wire-protocol.md: a hello, then batches: JSON lines, binary marshal ones, or base64 marshal
 * lines), turns them into trace events (trace/format.ts), writes the trace file and emits the
 * events as they arrive (for live views and live analyses).
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
import type { CallSite, CollectorEvent, TraceEvent, TraceFooter, TraceHeader } from "../../trace/format";
import type { KindDecl } from "../../trace/kinds/fields";
import { KINDS, KIND_LIST } from "../../trace/kinds/table";
import { validateRuntimeKindFields } from "../../trace/validate";
import { unmarshal, type PyValue } from "./pyMarshal";
import { SpareCpu } from "./spareCpu";
import { readProcStat } from "./procTree";

/** Options of {@link Collector.start}. */
export interface CollectorOptions {
  /** Trace file to write (created or truncated); null: no file, events only reach listeners. */
  out: string | null;
  /** First line of the trace. */
  header: TraceHeader;
  /** process.hrtime.bigint() at the run's origin (IPCVIZ_T0): collector events' `t` is measured from it. */
  t0: bigint;
  /** A line longer than this (in characters), or a binary batch longer than this (in bytes), is dropped and counted as bad. Default 64 Mi. */
  maxLineChars?: number;
  /** Written events reach the file at least this often (ms), so a live trace can be tailed. Default 200. */
  flushIntervalMs?: number;
  /** Directory in which the private socket directory is made. Default os.tmpdir() (or /tmp if that path is too long for a socket). */
  socketParent?: string;
  /** Problems kept in {@link Collector.problems} (all are emitted). Default 200. */
  maxProblems?: number;
  /**
   * Decode only once the input has been quiet this long (ms), or when much is waiting, or when
   * {@link Collector.caughtUp} or close() asks: the program's processes then never share the CPU
   * with the decoding while they are busy sending. 0 (the default): decode as input arrives (the
   * live view needs this). `ipcviz run` uses {@link QUIET_DECODE_MS}. Input is also decoded while
   * it keeps coming if the machine has a whole core to spare ({@link spareCpu}).
   */
  decodeWhenQuietMs?: number;
  /** With decodeWhenQuietMs: spare CPU cores now (default: measured from /proc/stat, see spareCpu.ts). */
  spareCpu?: () => number;
}

/** Spare cores at which a quiet-decoding collector decodes anyway: its decoding takes one. */
const SPARE_CORES_TO_DECODE = 1;

/** The quiet time `ipcviz run`'s collector waits for before decoding (ms). */
export const QUIET_DECODE_MS = 50;
/** Undecoded input beyond which a quiet-decoding collector decodes anyway (bytes). */
const QUIET_MAX_BACKLOG = 256 * 1024 * 1024;

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

/** Characters that JSON must escape (and lone surrogates, which JSON.stringify escapes). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
const WRITE_CHUNK = 256 * 1024;
/** Longest stretch of decoding before the collector yields to the event loop (ms). */
const SLICE_MS = 8;
/** Undecoded input beyond which the collector stops reading (bytes). */
const MAX_BACKLOG = 512 * 1024 * 1024;

/** Buffer's unchecked UTF-8 writer (what Buffer#write calls after checking its arguments). */
type FastBuffer = Buffer & { utf8Write(s: string, offset: number): number };

/**
 * Trace text being built, as UTF-8 bytes: events are serialised straight into a Buffer (no
 * intermediate strings to concatenate, flatten and encode), with the bytes JSON.stringify would
 * give for the same values. Writers reserve room first (`ensure`), then use the put* functions.
 */
class OutBuffer {
  buf: FastBuffer = Buffer.allocUnsafe(64 * 1024) as FastBuffer;
  len = 0;

  /** Room for n more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap) as FastBuffer;
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  /** Any JS string, as UTF-8 (already JSON text). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.utf8Write(s, this.len);
  }

  /** The bytes so far (handed over, not copied); the buffer starts empty again. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(this.buf.length, 4 * WRITE_CHUNK))) as FastBuffer;
    this.len = 0;
    return out;
  }

  /** Put `text` (JSON text) at offset `at`, moving what follows. */
  insert(at: number, text: string): void {
    const bytes = Buffer.from(text);
    this.ensure(bytes.length);
    this.buf.copy(this.buf, at + bytes.length, at, this.len);
    bytes.copy(this.buf, at);
    this.len += bytes.length;
  }
}

/** Most bytes putStr writes for a string of n UTF-16 units (an escape is 6 bytes, a unit at most 3). */
function strRoom(n: number): number {
  return 6 * n + 2;
}

/** Most bytes putNum writes. */
const NUM_ROOM = 32;

/** Bytes src at b[p…]; returns the end. */
function putBytes(b: Buffer, p: number, src: Uint8Array): number {
  const n = src.length;
  for (let i = 0; i < n; i++) b[p++] = src[i];
  return p;
}

/** A string as a JSON string literal at b[p…]; returns the end. */
function putStr(b: FastBuffer, p: number, s: string): number {
  const n = s.length;
  const start = p;
  b[p++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || c >= 0x80) return start + b.utf8Write(NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"', start);
    b[p++] = c;
  }
  b[p++] = 34;
  return p;
}

/** A number as JSON.stringify/String writes it (safe integers digit by digit, in int32 steps); returns the end. */
function putNum(b: FastBuffer, p: number, v: number): number {
  if (!Number.isSafeInteger(v) || v <= -1e16 || v >= 1e16) return p + b.utf8Write(String(v), p);
  if (v < 0) {
    b[p++] = 45;
    v = -v;
  }
  if (v < 1e8) return writeDigits(b, p, v, 0);
  const hi = Math.floor(v / 1e8);
  return writeDigits(b, writeDigits(b, p, hi, 0), v - hi * 1e8, 8);
}

/** Decimal digits of an integer 0 ≤ v < 1e8 at b[p…], at least `width` of them (zero-padded); returns the end. */
function writeDigits(b: Buffer, p: number, v: number, width: number): number {
  let n = 1;
  for (let x = 10; x <= v && n < 8; x *= 10) n++;
  if (n < width) n = width;
  let e = p + n;
  const end = e;
  while (e > p) {
    const q = (v / 10) | 0;
    b[--e] = 48 + (v - q * 10);
    v = q;
  }
  return end;
}

const B_SEQ = Buffer.from(',"seq":');
const B_T = Buffer.from(',"t":');
const B_OBJ = Buffer.from(',"obj":');
const B_MSG = Buffer.from(',"msg":');
const B_TRUE = Buffer.from("true");
const B_FALSE = Buffer.from("false");

/** State of one process's connection. */
class Connection {
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

/** Runtimes (hello `lang`) that answer stack requests. */
const STACKS_LANGS: ReadonlySet<string> = new Set(["python"]);

/** What {@link Collector.requestStacks} got. */
export interface StacksRequestResult {
  request: number;
  /** The processes asked (connected at the time). */
  pids: number[];
  answered: number[];
  /** Asked, no answer in time (each has a `stacks.missing` event). */
  missing: number[];
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
  /** Trace bytes not yet handed to the stream. */
  private readonly pending = new OutBuffer();
  private flushTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private writeFailed = false;
  private closing: Promise<TraceFooter> | null = null;
  private readonly kindText = new Map<string, Buffer>();
  /** The extra fields of the record being expanded, serialised. */
  private readonly extraOut = new OutBuffer();
  /** While a batch line is expanded: where its events are written (pending; null if no file) and where they start. */
  private batchOut: OutBuffer | null = null;
  private batchStart = 0;
  private idleWaiters: Array<() => void> = [];
  /** The events of the batch line being expanded. */
  private batchEvents: TraceEvent[] = [];
  /** Input not yet decoded: connection and chunk (null: the connection closed), from qHead on. */
  private readonly qConn: Connection[] = [];
  private readonly qData: (Buffer | null)[] = [];
  private qHead = 0;
  /** Entries removed from the front of the queue so far (qBase + qHead: entries decoded in all). */
  private qBase = 0;
  private caughtUpWaiters: { target: number; resolve: () => void }[] = [];
  private queuedBytes = 0;
  private pumpScheduled = false;
  private readonly quietMs: number;
  private lastArrival = 0;
  private readonly spareCpu: () => number = () => 0;
  private backlogPaused = false;
  /** Stack requests still waiting for answers: request id → pids yet to answer. */
  private readonly stacksPending = new Map<number, Set<number>>();
  private nextStacksRequest = 1;

  private constructor(options: CollectorOptions, dir: string, fd: number | null) {
    super();
    this.dir = dir;
    this.socketPath = join(dir, "sock");
    this.token = randomBytes(16).toString("hex");
    this.tokenBuf = Buffer.from(this.token);
    this.maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE;
    this.maxProblems = options.maxProblems ?? 200;
    this.t0 = options.t0;
    this.quietMs = Math.max(0, options.decodeWhenQuietMs ?? 0);
    if (options.spareCpu) this.spareCpu = options.spareCpu;
    else if (this.quietMs > 0) {
      const sampler = new SpareCpu();
      this.spareCpu = () => sampler.spare();
    }
    if (fd !== null) {
      this.stream = createWriteStream("", { fd, highWaterMark: 4 * WRITE_CHUNK });
      this.stream.on("error", (err) => this.writeError(err));
      this.stream.on("drain", () => this.resumeAll());
      this.pending.text(JSON.stringify(options.header) + "\n");
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

  /** Resolves once pid's connection has closed and been handled (at once if it is not open), or after timeoutMs. */
  waitForDisconnect(pid: number, timeoutMs: number): Promise<void> {
    if (!this.connectedPids().includes(pid)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off("disconnect", onDisconnect);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const onDisconnect = (d: { pid: number }) => {
        if (d.pid === pid) done();
      };
      this.on("disconnect", onDisconnect);
    });
  }

  /**
   * Ask every connected process for a stack snapshot (docs/trace-format.md, "Stacks"): writes
   * `stacks.request`, sends each process the request line, and resolves once every one has
   * answered with its `process.stacks`, or after timeoutMs; each that did not answer (a process
   * holding the GIL, one that ended, a runtime that does not take requests) gets a
   * `stacks.missing` with its OS state and the CPU time it used meanwhile. Nothing is sent while
   * nobody asks.
   */
  requestStacks(reason: "hang" | "request", mainPid: number, timeoutMs = 1000): Promise<StacksRequestResult> {
    const request = this.nextStacksRequest++;
    // Only runtimes that answer stack requests are asked (the Python runtime; docs/wire-protocol.md).
    const conns = [...this.conns].filter((c) => c.hello && !c.finished && STACKS_LANGS.has(c.lang));
    const pids = conns.map((c) => c.pid);
    if (this.closing || pids.length === 0) return Promise.resolve({ request, pids, answered: [], missing: [] });
    this.writeCollectorEvent({ src: "collector", pid: mainPid, t: this.now(), kind: "stacks.request", request, reason, pids });
    const pending = new Set(pids);
    // Every process of the run: a process tells from them whether a socket's peer is in the run.
    const line = `${JSON.stringify({ stacks: request, pids: [...new Set([...this.connectedPids(), ...pids])] })}\n`;
    const cpu0 = new Map<number, number>();
    for (const c of conns) {
      cpu0.set(c.pid, readProcStat(c.pid)?.cpuTicks ?? -1);
      try {
        c.socket.write(line);
      } catch {
        /* closed meanwhile: it is reported missing */
      }
    }
    this.stacksPending.set(request, pending);
    const started = performance.now();
    let lastLook = false;
    return new Promise((resolve) => {
      const tick = () => {
        this.drainQueue();
        const open = new Set(this.connectedPids());
        const timedOut = performance.now() - started >= timeoutMs;
        if (pending.size > 0 && !timedOut && [...pending].some((p) => open.has(p))) {
          setTimeout(tick, 25);
          return;
        }
        if (pending.size > 0 && timedOut && !lastLook) {
          // This timer may fire late (the collector runs at a lower priority than the program,
          // and a busy machine may not run it for a second or more): answers that came in time
          // may still wait unread in the sockets. An immediate runs after the event loop's next
          // I/O phase, which reads them; only what is still missing then is missing.
          lastLook = true;
          setImmediate(tick);
          return;
        }
        this.stacksPending.delete(request);
        const missing = [...pending];
        for (const pid of missing) {
          const st = readProcStat(pid);
          const before = cpu0.get(pid) ?? -1;
          this.writeCollectorEvent({
            src: "collector",
            pid,
            t: this.now(),
            kind: "stacks.missing",
            request,
            state: st?.state ?? null,
            cpuTicks: st !== null && before >= 0 ? st.cpuTicks - before : null,
            waitedMs: Math.round(performance.now() - started),
          });
        }
        resolve({ request, pids, answered: pids.filter((p) => !pending.has(p)), missing });
      };
      setTimeout(tick, 25);
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
    this.drainQueue();
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
    if (this.batchOut !== null) {
      // Closed by a listener while a batch line is expanded: that batch is not written.
      this.pending.len = this.batchStart;
      this.batchOut = null;
    }
    if (this.stream) {
      const stream = this.stream;
      this.pending.text(JSON.stringify(footer) + "\n");
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
    if (this.paused || this.backlogPaused) socket.pause();
    socket.on("data", (chunk: Buffer) => this.enqueue(c, chunk));
    socket.on("error", () => {
      /* 'close' follows */
    });
    socket.on("close", () => {
      c.closedAt = this.now();
      this.enqueue(c, null);
    });
  }

  // ------------------------------------------------------------ the input queue
  //
  // What arrives is read at once and queued; it is decoded, written and emitted in slices of at
  // most SLICE_MS (setImmediate between them), in arrival order. A program's processes therefore
  // never wait for the decoding (only for the reading), and a collector given a lower CPU
  // priority than the program (`ipcviz run` does this) decodes when the program leaves it time.

  /** Bytes received and not yet decoded. */
  get backlogBytes(): number {
    return this.queuedBytes;
  }

  /** Resolves once everything received until now has been decoded (at once if nothing is queued). */
  caughtUp(): Promise<void> {
    if (this.qHead >= this.qConn.length) return Promise.resolve();
    const target = this.qBase + this.qConn.length;
    const p = new Promise<void>((resolve) => this.caughtUpWaiters.push({ target, resolve }));
    // A pump may be waiting on a timer for quiet input: schedule one now (waiters make quietWait() 0).
    this.pumpScheduled = false;
    this.schedulePump();
    return p;
  }

  private enqueue(c: Connection, chunk: Buffer | null): void {
    if (this.closing) {
      if (chunk === null) this.closed(c);
      return;
    }
    this.qConn.push(c);
    this.qData.push(chunk);
    if (chunk !== null) {
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > MAX_BACKLOG && !this.backlogPaused) {
        // The collector is far behind: stop reading until it catches up (the processes then wait in their sends).
        this.backlogPaused = true;
        for (const k of this.conns) k.socket.pause();
      }
    }
    if (this.quietMs > 0) this.lastArrival = performance.now();
    this.schedulePump();
  }

  /** Run the pump soon: at the next turn of the event loop, or once the input is quiet. */
  private schedulePump(): void {
    if (this.pumpScheduled || this.paused || this.qHead >= this.qConn.length) return;
    this.pumpScheduled = true;
    const wait = this.quietWait();
    if (wait > 0) setTimeout(this.pump, Math.ceil(wait));
    else setImmediate(this.pump);
  }

  /** How long decoding should still wait for quiet input (ms; 0: decode now). */
  private quietWait(): number {
    if (this.quietMs === 0 || this.caughtUpWaiters.length > 0 || this.queuedBytes > QUIET_MAX_BACKLOG) return 0;
    const wait = this.quietMs - (performance.now() - this.lastArrival);
    if (wait <= 0 || this.spareCpu() >= SPARE_CORES_TO_DECODE) return 0;
    return wait;
  }

  /** Decode queued input for up to SLICE_MS, then yield to the event loop. */
  private readonly pump = (): void => {
    this.pumpScheduled = false;
    if (this.paused) return; // the file is behind: resumeAll() restarts the pump
    if (this.quietWait() > 0) {
      this.schedulePump();
      return;
    }
    const deadline = performance.now() + SLICE_MS;
    while (this.qHead < this.qConn.length) {
      this.processQueued();
      if (performance.now() >= deadline) break;
    }
    this.afterQueueWork();
  };

  /** Decode everything queued now (before closing). */
  private drainQueue(): void {
    while (this.qHead < this.qConn.length) this.processQueued();
    this.afterQueueWork();
  }

  private processQueued(): void {
    const i = this.qHead++;
    const c = this.qConn[i];
    const chunk = this.qData[i];
    this.qConn[i] = undefined as unknown as Connection;
    this.qData[i] = null;
    if (chunk === null) this.closed(c);
    else {
      this.queuedBytes -= chunk.length;
      this.onData(c, chunk);
    }
  }

  private afterQueueWork(): void {
    if (this.caughtUpWaiters.length > 0) {
      const done = this.qBase + this.qHead;
      const ready = this.caughtUpWaiters.filter((w) => w.target <= done);
      if (ready.length > 0) {
        this.caughtUpWaiters = this.caughtUpWaiters.filter((w) => w.target > done);
        for (const w of ready) w.resolve();
      }
    }
    if (this.qHead >= this.qConn.length) {
      this.qBase += this.qHead;
      this.qConn.length = 0;
      this.qData.length = 0;
      this.qHead = 0;
    } else {
      if (this.qHead > 4096) {
        this.qBase += this.qHead;
        this.qConn.splice(0, this.qHead);
        this.qData.splice(0, this.qHead);
        this.qHead = 0;
      }
      this.schedulePump();
    }
    if (this.backlogPaused && this.queuedBytes < MAX_BACKLOG / 2) {
      this.backlogPaused = false;
      if (!this.paused) for (const k of this.conns) k.socket.resume();
    }
  }

  /** A connection's end, in arrival order. */
  private closed(c: Connection): void {
    if (!this.closing) {
      // Whatever is left without a final "\n" is a last line.
      if (c.frameLeft > 0 && !c.frameDiscard && !c.finished) this.bad(c, "a binary batch was cut short by the end of the connection; dropped");
      const tail = c.discarding || c.frameLeft > 0 ? "" : Buffer.concat(c.parts).toString("utf8");
      c.parts = [];
      c.frameParts = [];
      if (tail.trim() !== "" && !c.finished) this.textLine(c, tail);
      this.finish(c);
    }
    this.conns.delete(c);
    if (this.conns.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Record the end of a connection (once). */
  private finish(c: Connection): void {
    if (c.finished) return;
    c.finished = true;
    if (!c.hello) return;
    // When the process ended, not when this event is written (the collector may be behind): a
    // clean end closes the connection as it exits; otherwise when the socket was seen closed.
    const t = c.sawExit && c.exitT >= 0 ? c.exitT : c.closedAt >= 0 ? c.closedAt : this.now();
    this.writeCollectorEvent({ src: "collector", pid: c.pid, t, kind: "process.disconnect", clean: c.sawExit });
    this.emit("disconnect", { pid: c.pid, clean: c.sawExit });
  }

  /**
   * Split incoming bytes into lines and binary batches ("B<length>\n" then that many bytes).
   * Lines are cut at the newline byte (never part of a multi-byte UTF-8 character), then decoded.
   * An unfinished line is kept up to 3 × maxLine bytes (a character is at most 3 bytes of
   * UTF-8); the limit itself is checked in characters once the line is whole.
   */
  private onData(c: Connection, chunk: Buffer): void {
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

  private problem(message: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push(message);
    this.emit("problem", message);
  }

  private bad(c: Connection, what: string): void {
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

  private textLine(c: Connection, line: string): void {
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

  // ------------------------------------------------------------ output

  private writeCollectorEvent(e: CollectorEvent): void {
    this.stats.events += 1;
    if (this.stream) {
      if (this.batchOut !== null) {
        // Made while a batch line is expanded (by a listener): written before that batch's events.
        const before = this.pending.len;
        this.pending.insert(this.batchStart, JSON.stringify(e) + "\n");
        this.batchStart += this.pending.len - before;
      } else {
        this.pending.text(JSON.stringify(e) + "\n");
        if (this.pending.len >= WRITE_CHUNK) this.flush();
      }
    }
    this.emit("events", [e]);
  }

  /** Start expanding a batch line: its events are written straight to `pending` (when there is a file). */
  private startBatch(): void {
    this.batchEvents = [];
    this.batchOut = this.stream && !this.writeFailed ? this.pending : null;
    this.batchStart = this.pending.len;
  }

  /** The batch line's events: counted, flushed to the file if enough is pending, emitted. */
  private outputBatch(): void {
    const events = this.batchEvents;
    this.batchEvents = [];
    this.batchOut = null;
    if (events.length === 0) return;
    this.stats.events += events.length;
    if (this.stream && this.pending.len >= WRITE_CHUNK) this.flush();
    this.emit("events", events);
  }

  private flush(): void {
    if (!this.stream || this.pending.len === 0 || this.writeFailed) {
      this.pending.len = 0;
      return;
    }
    const ok = this.stream.write(this.pending.take());
    if (!ok && !this.paused) {
      // The disk is slower than the program: stop reading until the file catches up.
      this.paused = true;
      for (const c of this.conns) c.socket.pause();
    }
  }

  private resumeAll(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.backlogPaused) for (const c of this.conns) c.socket.resume();
    this.schedulePump();
  }


  private writeError(err: Error): void {
    if (this.writeFailed) return;
    this.writeFailed = true;
    this.problem(`writing the trace failed: ${err.message}; events are no longer written`);
    this.resumeAll();
  }
}
