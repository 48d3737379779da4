/**
 * The collector: receives every process's events over a Unix socket (wire protocol v1,
 * docs/wire-protocol.md: a hello, then batches: JSON lines, binary marshal ones, or base64 marshal
 * lines), turns them into trace events (trace/format.ts), writes the trace file and emits the
 * events as they arrive (for live views and live analyses).
 *
 * Security: the socket lives in a fresh directory only the user can enter (mode 0700) and a
 * connection must present the run's random token in its hello line.
 *
 * About 630 lines in one file: the socket, its connections, the input queue and the per-process
 * sequence bookkeeping share one run's state; decoding lives in wireDecoder.ts and pyMarshal.ts.
 *
 * Robustness: a line that is not valid (not JSON or marshal, not a batch, a record of the wrong
 * shape, an event that fails validation, a line over {@link CollectorOptions.maxLineChars}) is counted
 * (`badLines`), reported (`problem`) and dropped; the connection goes on. A dropped record's
 * sequence number then shows up as a gap, reported like any gap as `events.lost`.
 *
 * Here: the socket, the connections, the input queue (decoding in slices, or when the input is
 * quiet), stack requests, the trace file and the events emitted. The wire protocol's decoding
 * (lines, batches, records → events) is the base class, wireDecoder.ts; the trace lines' bytes
 * are written by jsonOut.ts.
 *
 * Plain Node: no `vscode` import (the CLI and the extension both use it).
 */

import { chmodSync, closeSync, createWriteStream, mkdtempSync, openSync, rmSync, type WriteStream } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { CollectorEvent, TraceFooter, TraceHeader } from "../../trace/format";
import { OutBuffer, WRITE_CHUNK } from "./jsonOut";
import { SpareCpu } from "./spareCpu";
import { readProcStat } from "./procTree";
import { Connection, WireDecoder } from "./wireDecoder";

export { expandBareExtra, intMessageId, type CollectorEventMap, type CollectorStats } from "./wireDecoder";

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

/** Longest line (characters) or binary batch (bytes) accepted by default. */
const DEFAULT_MAX_LINE = 64 * 1024 * 1024;
/** Longest stretch of decoding before the collector yields to the event loop (ms). */
const SLICE_MS = 8;
/** Undecoded input beyond which the collector stops reading (bytes). */
const MAX_BACKLOG = 512 * 1024 * 1024;

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
  /** Still starting: started by the run, alive, not connected yet (not asked; the request's `starting`). */
  starting: number[];
}

/** A running collector. Create with {@link Collector.start}; end with {@link Collector.close}. */
export class Collector extends WireDecoder {
  /** Path of the Unix socket (IPCVIZ_SOCK). */
  readonly socketPath: string;
  /** The run's token (IPCVIZ_TOKEN), hex. */
  readonly token: string;
  /** The private directory holding the socket (removed by close()). */
  readonly dir: string;

  private readonly server: Server;
  private readonly conns = new Set<Connection>();
  private readonly t0: bigint;
  private stream: WriteStream | null = null;
  /** Trace bytes not yet handed to the stream. */
  private readonly pending = new OutBuffer();
  private flushTimer: NodeJS.Timeout | null = null;
  private paused = false;
  private writeFailed = false;
  /** While a batch line is expanded: where its events start in `pending`. */
  private batchStart = 0;
  private idleWaiters: Array<() => void> = [];
  /** Input not yet decoded: connection and chunk (null: the connection closed), from qHead on. */
  private readonly qConn: Connection[] = [];
  private readonly qData: (Buffer | null)[] = [];
  private qHead = 0;
  /** Entries removed from the front of the queue so far (qBase + qHead: entries decoded in all). */
  private qBase = 0;
  private caughtUpWaiters: { target: number; resolve: () => void }[] = [];
  private queuedBytes = 0;
  private pumpScheduled = false;
  /** The pump's timer while it waits for quiet input (cleared on close: it would keep a command-line run alive up to QUIET_DECODE_MS). */
  private pumpTimer: NodeJS.Timeout | null = null;
  private readonly quietMs: number;
  private lastArrival = 0;
  private readonly spareCpu: () => number = () => 0;
  private backlogPaused = false;
  private nextStacksRequest = 1;

  private constructor(options: CollectorOptions, dir: string, fd: number | null, token: string) {
    super(token, options.maxLineChars ?? DEFAULT_MAX_LINE, options.maxProblems ?? 200);
    this.dir = dir;
    this.socketPath = join(dir, "sock");
    this.token = token;
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
    const c = new Collector(options, dir, fd, randomBytes(16).toString("hex"));
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
  requestStacks(reason: "hang" | "request", mainPid: number, timeoutMs = 1000, graceNs?: number): Promise<StacksRequestResult> {
    const request = this.nextStacksRequest++;
    // Only runtimes that answer stack requests are asked (the Python runtime; docs/wire-protocol.md).
    const conns = [...this.conns].filter((c) => c.hello && !c.finished && STACKS_LANGS.has(c.lang));
    const pids = conns.map((c) => c.pid);
    if (this.closing || pids.length === 0) return Promise.resolve({ request, pids, answered: [], missing: [], starting: [] });
    const starting = this.startingPids(mainPid);
    // How each still-starting child is doing: CPU time used so far, and whether the OS has it
    // running or in a disk wait. One that uses no CPU while it starts for long is stuck (a start-up
    // that blocks forever; trace/analysis/stacks.ts noProgress).
    const stats = starting.map((pid) => readProcStat(pid));
    const startingInfo =
      starting.length > 0
        ? { starting, startingCpu: stats.map((st) => st?.cpuTicks ?? -1), startingBusy: starting.filter((_, i) => stats[i]?.state === "R" || stats[i]?.state === "D") }
        : {};
    this.writeCollectorEvent({ src: "collector", pid: mainPid, t: this.now(), kind: "stacks.request", request, reason, pids, ...startingInfo, ...(graceNs !== undefined ? { graceNs: Math.round(graceNs) } : {}) });
    const pending = new Set(pids);
    // Every process of the run: a process tells from them whether a socket's peer is in the run
    // (or whether the child it waits for is one of the run's, still starting).
    const line = `${JSON.stringify({ stacks: request, pids: [...new Set([...this.connectedPids(), ...pids, ...starting])] })}\n`;
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
        resolve({ request, pids, answered: pids.filter((p) => !pending.has(p)), missing, starting });
      };
      setTimeout(tick, 25);
    });
  }

  /**
   * Children the run started (their parent's `process.spawn`) that are alive and have never
   * connected: still starting (a spawned interpreter importing, a child running the main
   * module's top level before its bootstrap). A pid counts only while it is the run's: its
   * parent is the process that started it or another process of the run, or it is in the main
   * process's session (a reused pid is neither).
   */
  private startingPids(mainPid: number): number[] {
    const out: number[] = [];
    let session: number | null | undefined;
    for (const [pid, parent] of this.spawned) {
      if (this.pids.has(pid)) continue;
      const st = readProcStat(pid);
      if (st === null || st.state === "Z" || st.state === "X") continue;
      if (st.ppid !== parent && !this.pids.has(st.ppid)) {
        if (session === undefined) session = readProcStat(mainPid)?.session ?? null;
        if (session === null || st.session !== session) continue;
      }
      out.push(pid);
    }
    return out.sort((a, b) => a - b);
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
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
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
    // A pump may be waiting on a timer for quiet input: schedule one now instead (waiters make quietWait() 0).
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
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
    if (wait > 0) this.pumpTimer = setTimeout(this.pump, Math.ceil(wait));
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
    this.pumpTimer = null;
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
  protected startBatch(): void {
    this.batchEvents = [];
    this.batchOut = this.stream && !this.writeFailed ? this.pending : null;
    this.batchStart = this.pending.len;
  }

  /** The batch line's events: counted, flushed to the file if enough is pending, emitted. */
  protected outputBatch(): void {
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
