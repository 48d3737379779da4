/**
 * What every hook of the Node runtime uses: the run's settings, this thread's lane, the event
 * channel to the collector (docs/wire-protocol.md, JSON batches), the clock, ids and previews.
 *
 * One connection per thread: the main thread of each process and every worker thread connect
 * on their own. The socket is connected synchronously (a Unix socket's connect() completes at
 * once) and written with blocking-style `fs.writeSync` on its descriptor, so a thread that then
 * blocks for ever in `Atomics.wait`, or ends in `process.exit()`, has already sent its events.
 */

import * as fs from "node:fs";
import * as net from "node:net";
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const wt: typeof import("node:worker_threads") = require("node:worker_threads");

/** A lane's id for a worker thread: never a real pid (Linux pids are below 2^22). */
export const LANE_SHIFT = 4194304;

export interface RunSettings {
  sock: string;
  token: string;
  t0: bigint;
  preview: number;
  /** Absolute path of this preload (children and workers load it too). */
  preload: string;
  /** Extra NODE_OPTIONS the run needs in every process (e.g. a TypeScript loader). */
  nodeOptions: string;
}

/** Key of the worker_threads environment data that carries the run's settings to every worker. */
export const ENV_KEY = "ipcviz:run";

/** The run's settings: from the environment (IPCVIZ_*), or, in a worker whose env was replaced, from the environment data. */
export function readSettings(): RunSettings | null {
  const e = process.env;
  if (e.IPCVIZ_SOCK && e.IPCVIZ_TOKEN && e.IPCVIZ_T0) {
    return {
      sock: e.IPCVIZ_SOCK,
      token: e.IPCVIZ_TOKEN,
      t0: BigInt(e.IPCVIZ_T0),
      preview: Number(e.IPCVIZ_PREVIEW ?? 80) || 80,
      preload: e.IPCVIZ_NODE_PRELOAD ?? "",
      nodeOptions: e.IPCVIZ_NODE_OPTIONS ?? "",
    };
  }
  if (!wt.isMainThread) {
    const d = wt.getEnvironmentData(ENV_KEY) as Record<string, string> | undefined;
    if (d && d.sock) return { sock: d.sock, token: d.token, t0: BigInt(d.t0), preview: Number(d.preview) || 80, preload: d.preload, nodeOptions: d.nodeOptions };
  }
  return null;
}

export let settings: RunSettings;
/** This thread's lane: the pid on a process's main thread, threadId·2^22 + pid on a worker thread. */
export let lane = 0;
/** This thread's OS thread id. */
export let tid = 0;
/** The runtime's own file (frames in it are not the user's). */
export let runtimeFile = "";

let fd = -1;
let socket: net.Socket | null = null;
let dead = false;
let seq = 0;
let buf: unknown[] = [];
let events = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Atomics.wait as Node has it (the runtime's own waits are never recorded). */
const rawWait = Atomics.wait;

const rawStore = Atomics.store;
const rawLoad = Atomics.load;

/**
 * A worker's send is written just after its message leaves (ports.ts): the receiver could
 * terminate() the worker in between, and a terminated worker runs no more code. So each worker
 * marks its slot of a table shared by every thread of the process (by threadId) while a send is
 * between those two points, and terminate() waits, at most 100 ms, until the worker's slot is
 * clear. Made by the main thread, inherited by every worker (nested ones from their parent).
 */
const SENDING_KEY = "ipcviz:sending";
const SENDING_SLOTS = 4096;

/**
 * A table of `length` cells shared by every thread of the process, under environment data `key`:
 * the main thread makes it, every worker gets it (nested workers from their parent).
 */
export function processTable(key: string, length: number): Int32Array {
  const inherited = wt.isMainThread ? undefined : (wt.getEnvironmentData(key) as Int32Array | undefined);
  if (inherited instanceof Int32Array && inherited.buffer instanceof SharedArrayBuffer && inherited.length === length) return inherited;
  const t = new Int32Array(new SharedArrayBuffer(length * 4));
  wt.setEnvironmentData(key, t);
  return t;
}

const sending = processTable(SENDING_KEY, SENDING_SLOTS);
const sendingSlot = wt.threadId % SENDING_SLOTS;

/** This worker's message is about to leave; its record is not written yet. */
export function sendBegins(): void {
  rawStore(sending, sendingSlot, 1);
}

/** This worker's send is written (or its message did not leave). */
export function sendEnds(): void {
  rawStore(sending, sendingSlot, 0);
}

/** Before terminating worker `threadId`: wait (at most 100 ms) until no send of it is unwritten. */
export function awaitSendsOf(threadId: number): void {
  const k = threadId % SENDING_SLOTS;
  for (let i = 0; i < 100 && rawLoad(sending, k) !== 0; i++) rawWait(sleeper, 0, 0, 1);
}

/** Block this thread for `ms` milliseconds (the runtime's own wait, never recorded). */
export function sleepMs(ms: number): void {
  rawWait(sleeper, 0, 0, ms);
}

/** Native id of the calling thread (Linux), else the pid. */
function threadSelf(): number {
  try {
    const link = fs.readlinkSync("/proc/thread-self");
    const n = Number(link.slice(link.lastIndexOf("/") + 1));
    if (Number.isSafeInteger(n) && n > 0) return n;
  } catch {
    /* not Linux */
  }
  return process.pid;
}

export function laneOf(pid: number, threadId: number): number {
  return threadId === 0 ? pid : threadId * LANE_SHIFT + pid;
}

/** Connect this thread to the collector and say hello. False when the channel cannot be opened. */
export function connect(s: RunSettings, file: string): boolean {
  settings = s;
  runtimeFile = file;
  tid = wt.isMainThread ? process.pid : threadSelf();
  lane = laneOf(process.pid, wt.threadId);
  try {
    socket = net.connect(s.sock);
    socket.on("error", () => {
      dead = true;
    });
    socket.pause();
    socket.unref();
    const h = (socket as unknown as { _handle?: { fd?: number } })._handle;
    fd = h && typeof h.fd === "number" ? h.fd : -1;
  } catch {
    fd = -1;
  }
  if (fd < 0) {
    dead = true;
    return false;
  }
  writeAll(JSON.stringify({ hello: 1, token: s.token, pid: lane, lang: "node" }) + "\n");
  return !dead;
}

function writeAll(text: string): void {
  if (dead) return;
  const b = Buffer.from(text, "utf8");
  let off = 0;
  let waits = 0;
  while (off < b.length) {
    try {
      off += fs.writeSync(fd, b, off, b.length - off);
      waits = 0;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") {
        // The collector reads a little late: wait as a blocking send would (1 ms steps, at most 60 s).
        if (++waits > 60000) {
          dead = true;
          return;
        }
        rawWait(sleeper, 0, 0, 1);
        continue;
      }
      dead = true;
      return;
    }
  }
}

/** Nanoseconds since the run's origin. */
export function now(): number {
  return Number(process.hrtime.bigint() - settings.t0);
}

/** Record one event: [seq, t, tid, kind, obj, msg, site, extra] (docs/wire-protocol.md). */
export function ev(kind: string, obj: string | null, msg: string | null, site: number | null, extra: unknown): void {
  if (idle !== null) endIdle();
  buf.push([seq++, now(), tid, kind, obj, msg, site, extra]);
  if (++events >= 2048) flush();
}

/** Same, with a time measured before. */
export function evAt(t: number, kind: string, obj: string | null, msg: string | null, site: number | null, extra: unknown): void {
  if (idle !== null) endIdle(t);
  buf.push([seq++, t, tid, kind, obj, msg, site, extra]);
  if (++events >= 2048) flush();
}

/** A site definition, sent before the events that use it. */
export function defineSite(id: number, file: string, line: number, fn: string): void {
  buf.push(["site", id, file, line, fn]);
}

let flushing = false;
/** Send what is buffered. */
export function flush(): void {
  if (buf.length === 0 || flushing) return;
  const b = buf;
  buf = [];
  events = 0;
  if (dead) return;
  let line: string;
  try {
    line = JSON.stringify(b);
  } catch {
    return;
  }
  flushing = true;
  try {
    writeAll(line + "\n");
  } finally {
    flushing = false;
  }
}

// ------------------------------------------------------------------ an idle event loop

/**
 * Resources that only another thread or process of the program can make fire: a thread whose
 * event loop is kept alive by these alone waits for a message (or an exit) from the program.
 * Anything else (a timer, a socket, a file operation, the terminal) is progress or the outside world.
 */
const PROGRAM_RESOURCES = new Set(["MessagePort", "Worker", "ProcessWrap", "PipeWrap", "SignalWrap"]);
/** The open "message.wait" span: its obj, or null. */
let idle: string | null = null;
let quietTicks = 0;
let seenSeq = -1;
/** A worker thread writes each send as soon as its message went: terminate() stops a worker without running any more of its code (ports.ts). */
export const isWorkerThread = !wt.isMainThread;

/** Where the thread last started listening for messages (the site of an idle wait), or null. */
let listenSite: number | null = null;
export function setListenSite(site: number | null): void {
  if (site !== null) listenSite = site;
}
/** SignalWrap handles that are the runtime's own (its SIGTERM handler). */
export let ownSignals = 0;
export function addOwnSignal(): void {
  ownSignals++;
}

/** The thread is being ended while idle (a signal): its wait never ended, so no block.end. */
export function abandonIdle(): void {
  idle = null;
}

function endIdle(t = now()): void {
  const obj = idle!;
  idle = null;
  buf.push([seq++, t, tid, "block.end", obj, null, null, { op: "message.wait", outcome: "ok" }]);
  events++;
}

let lastElu: ReturnType<typeof performance.eventLoopUtilization> | null = null;

/**
 * Every 100 ms while the loop runs: has the thread been idle — nothing recorded, and its event
 * loop not working (a thread busy with messages on channels the runtime does not see is not idle) —
 * with only the program's resources left?
 */
function idleTick(): void {
  if (idle !== null || dead) return;
  const elu = performance.eventLoopUtilization();
  const busyMs = lastElu ? elu.active - lastElu.active : Infinity;
  lastElu = elu;
  if (seq !== seenSeq || busyMs > 2) {
    seenSeq = seq;
    quietTicks = 0;
    return;
  }
  if (++quietTicks < 2) return;
  let res: string[];
  try {
    res = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo();
  } catch {
    return;
  }
  let signals = 0;
  for (const r of res) {
    if (!PROGRAM_RESOURCES.has(r)) return;
    if (r === "SignalWrap") signals++;
  }
  if (signals > ownSignals) return; // waits for a signal from outside
  const waitingFor = [...new Set(res.filter((r) => r !== "SignalWrap"))];
  const obj = `lane:${lane}`;
  buf.push([seq++, now(), tid, "block.begin", obj, null, listenSite, { op: "message.wait", resources: waitingFor }]);
  seenSeq = seq;
  idle = obj;
  flush();
}

let timer: NodeJS.Timeout | null = null;
let idleTimer: NodeJS.Timeout | null = null;
/** Flush every 20 ms while the thread's event loop runs (the timers keep nothing alive). */
export function startFlushTimer(): void {
  timer = setInterval(flush, 20);
  timer.unref();
  idleTimer = setInterval(idleTick, 100);
  idleTimer.unref();
}

/** Close the channel (after the last event). */
export function close(): void {
  flush();
  dead = true;
  if (timer) clearInterval(timer);
  if (idleTimer) clearInterval(idleTimer);
  try {
    socket?.destroy();
  } catch {
    /* already closed */
  }
}

// ------------------------------------------------------------------ ids

let counter = 0;
/** A fresh id unique in the run: `<prefix><lane>.<n>`. */
export function newId(prefix: string): string {
  return `${prefix}${lane}.${++counter}`;
}

// ------------------------------------------------------------------ previews

/** A short text of a payload that never throws (getters and custom inspectors are not run). */
export function preview(v: unknown): string | number {
  switch (typeof v) {
    case "number":
      return Number.isSafeInteger(v) ? v : String(v);
    case "string": {
      const s = JSON.stringify(v.length > settings.preview ? v.slice(0, settings.preview) : v);
      return cut(s);
    }
    case "boolean":
    case "undefined":
      return String(v);
    case "bigint":
      return cut(`${v}n`);
    default:
      break;
  }
  try {
    return cut(inspect(v, { depth: 2, breakLength: Infinity, maxArrayLength: 8, maxStringLength: settings.preview, customInspect: false, getters: false, compact: true }));
  } catch {
    try {
      return cut(Object.prototype.toString.call(v));
    } catch {
      return "<?>";
    }
  }
}

/** The preview as text (for extras that are objects, where a preview is always a string). */
export function previewText(v: unknown): string {
  const p = preview(v);
  return typeof p === "number" ? String(p) : p;
}

function cut(s: string): string {
  const n = settings.preview;
  return s.length > n ? (n > 1 ? s.slice(0, n - 1) + "…" : s.slice(0, n)) : s;
}
