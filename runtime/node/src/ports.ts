/**
 * Messages between threads: `MessagePort` (a `MessageChannel`'s ports, a worker's `parentPort`
 * and the `Worker` object's side of it), `BroadcastChannel`, and the identity of
 * `SharedArrayBuffer`s that travel in them.
 *
 * A port pair is ordered and reliable, so each send is paired with its receipt by counters:
 * the n-th message sent on an end is the n-th received on the other, and both compute the same
 * message id `<sending end>#<n>` without touching the payload. What cannot travel that way (the
 * identity of a port or a SharedArrayBuffer moved to another thread, a broadcast's id) travels in
 * an envelope `{[MARK]: …, d: data}` that the receiving thread's runtime opens before the program
 * sees the message: the program receives exactly what was sent.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const wt: typeof import("node:worker_threads") = require("node:worker_threads");
import * as core from "./core";
import { cachedSite, FAST, siteCache, directUserSite, runnerCall, userSite } from "./site";

/** Call sites of sends, by sending end (site.ts cachedSite). */
const postSites = siteCache();

const MARK = "\u0000ipcviz";
const HYBRID = Symbol.for("nodejs.internal.kHybridDispatch");

interface PortInfo {
  end: string;
  peer: string;
  sent: number;
  recv: number;
}

const ports = new WeakMap<object, PortInfo>();
const sabIds = new WeakMap<SharedArrayBuffer, string>();

export function registerPort(port: object, end: string, peer: string, sent = 0, recv = 0): void {
  ports.set(port, { end, peer, sent, recv });
}

/** The id of a SharedArrayBuffer, announcing it (value.create) the first time this thread meets it. */
export function sabId(sab: SharedArrayBuffer, site: number | null = null): string {
  let id = sabIds.get(sab);
  if (id === undefined) {
    id = core.newId("sab");
    sabIds.set(sab, id);
    core.ev("value.create", id, null, site, { objType: "SharedArrayBuffer", ctype: "bytes", length: sab.byteLength, preview: `SharedArrayBuffer(${sab.byteLength})` });
  }
  return id;
}

/** SharedArrayBuffers and ports inside a payload (a bounded walk: depth 4, 256 values). */
function findShared(v: unknown, transfer: readonly unknown[] | undefined): { sabs: SharedArrayBuffer[]; ports: object[] } | null {
  let sabs: SharedArrayBuffer[] | null = null;
  const found: object[] = [];
  if (transfer) for (const t of transfer) if (t instanceof wt.MessagePort && ports.has(t)) found.push(t);
  if (v !== null && typeof v === "object") {
    let budget = 256;
    const seen = new Set<object>();
    const walk = (x: unknown, depth: number): void => {
      if (budget-- <= 0 || x === null || typeof x !== "object" || seen.has(x)) return;
      seen.add(x);
      if (x instanceof SharedArrayBuffer) {
        (sabs ??= []).push(x);
        return;
      }
      if (ArrayBuffer.isView(x)) {
        if (x.buffer instanceof SharedArrayBuffer) (sabs ??= []).push(x.buffer);
        return;
      }
      if (depth >= 4) return;
      try {
        if (Array.isArray(x)) for (const y of x) walk(y, depth + 1);
        else if (x instanceof Map)
          for (const [k, y] of x) {
            walk(k, depth + 1);
            walk(y, depth + 1);
          }
        else if (x instanceof Set) for (const y of x) walk(y, depth + 1);
        else if (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null) for (const k of Object.keys(x)) walk((x as Record<string, unknown>)[k], depth + 1);
      } catch {
        /* a getter threw: the message would not clone either */
      }
    };
    walk(v, 0);
  } else if (v instanceof SharedArrayBuffer) sabs = [v];
  if (!sabs && found.length === 0) return null;
  return { sabs: sabs ?? [], ports: found };
}

interface Envelope {
  [MARK]: 1;
  d: unknown;
  s?: [SharedArrayBuffer, string][];
  p?: [object, string, string, number, number][];
  b?: [string, string];
}

function isEnvelope(v: unknown): v is Envelope {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[MARK] === 1;
}

/** The envelope for a payload that carries SharedArrayBuffers or known ports, else undefined. */
function envelope(data: unknown, transfer: readonly unknown[] | undefined, site: number | null): Envelope | undefined {
  const sh = findShared(data, transfer);
  return sh ? wrap(data, sh, site) : undefined;
}

/** The envelope around `data` for what findShared found in it. */
function wrap(data: unknown, sh: { sabs: SharedArrayBuffer[]; ports: object[] }, site: number | null): Envelope {
  const e: Envelope = { [MARK]: 1, d: data };
  if (sh.sabs.length) e.s = sh.sabs.map((b) => [b, sabId(b, site)]);
  if (sh.ports.length) {
    e.p = sh.ports.map((p) => {
      const i = ports.get(p)!;
      return [p, i.end, i.peer, i.sent, i.recv];
    });
  }
  return e;
}

/** Open an envelope: learn the ids it carries; returns the program's payload. */
function open(e: Envelope): unknown {
  if (e.s) for (const [b, id] of e.s) if (!sabIds.has(b)) sabIds.set(b, id);
  if (e.p) for (const [p, end, peer, sent, recv] of e.p) ports.set(p, { end, peer, sent, recv });
  return e.d;
}

/** workerData for a new Worker: an envelope when it carries SharedArrayBuffers, else undefined (unchanged). */
export function noteWorkerData(data: unknown, transfer: readonly unknown[] | undefined): unknown {
  return envelope(data, transfer, null);
}

/** In a worker: open the envelope around workerData before the program reads it. */
function openWorkerData(): void {
  if (wt.isMainThread) return;
  const d = wt.workerData as unknown;
  if (isEnvelope(d)) (wt as { workerData: unknown }).workerData = open(d);
}

/** A send's extra: its preview, and what moved with it (ports, shared memory, transferred buffers). */
function sendExtra(value: unknown, env: ReturnType<typeof wrap> | undefined, list: unknown[] | undefined): Record<string, unknown> | string | number {
  const extra: Record<string, unknown> | string | number = env || list ? { preview: core.previewText(value), bytes: false } : core.preview(value);
  if (typeof extra === "object") {
    const moved: string[] = [];
    if (env?.p) for (const p of env.p) moved.push(`port ${p[1]}`);
    if (env?.s) for (const s of env.s) moved.push(`shared ${s[1]}`);
    if (list) for (const t of list) if (t instanceof ArrayBuffer) moved.push(`ArrayBuffer(${t.byteLength})`);
    if (moved.length) extra.transfer = moved;
  }
  return extra;
}

export function installPorts(): void {
  const MP = wt.MessagePort.prototype as unknown as Record<string | symbol, unknown>;
  const origPost = MP.postMessage as (this: import("node:worker_threads").MessagePort, v: unknown, t?: unknown) => void;
  /** The program's message (or its envelope) sent as the program asked, with or without a transfer argument. */
  const post = (port: import("node:worker_threads").MessagePort, data: unknown, transfer: unknown, withTransfer: boolean): void => {
    if (withTransfer) origPost.call(port, data, transfer);
    else origPost.call(port, data);
  };
  MP.postMessage = function postMessage(this: import("node:worker_threads").MessagePort, value: unknown, transfer?: unknown) {
    const info = ports.get(this);
    if (!info) return arguments.length > 1 ? origPost.call(this, value, transfer) : origPost.call(this, value);
    const list = Array.isArray(transfer) ? transfer : transfer && typeof transfer === "object" && Array.isArray((transfer as { transfer?: unknown[] }).transfer) ? (transfer as { transfer: unknown[] }).transfer : undefined;
    const sh = findShared(value, list);
    // In the main thread the call site is found after the message is on its way (the receiver does
    // not wait for it), unless the envelope needs it first (a SharedArrayBuffer announced with this
    // send's line). In a worker everything is made before, and the send is written right after the
    // message went: the receiver may terminate() the worker as soon as it has the message, and a
    // terminated worker runs no more code (not even the end of its callback). Between the two, the
    // worker's slot in core's sending table is set, and terminate() waits for it (core.awaitSendsOf).
    const early = sh || core.isWorkerThread;
    let site: number | null | undefined = early ? (FAST ? cachedSite(postSites, info.end, postMessage) : userSite(postMessage)) : undefined;
    // Ports moving with the message stop being this thread's.
    const env = sh ? wrap(value, sh, site!) : undefined;
    const data = env ?? value;
    const withTransfer = arguments.length > 1;
    if (core.isWorkerThread) {
      const t = core.now();
      const extra = sendExtra(value, env, list);
      core.sendBegins();
      try {
        post(this, data, transfer, withTransfer);
        core.evAt(t, "pipe.send", info.end, `${info.end}#${++info.sent}`, site!, extra);
        core.flush();
      } finally {
        core.sendEnds();
      }
      return;
    }
    // A transferred ArrayBuffer is detached once sent (its byteLength 0): with a transfer list, the
    // extra is made before.
    const before = list ? sendExtra(value, env, list) : undefined;
    post(this, data, transfer, withTransfer);
    const t = core.now();
    if (site === undefined) site = FAST ? cachedSite(postSites, info.end, postMessage) : userSite(postMessage);
    core.evAt(t, "pipe.send", info.end, `${info.end}#${++info.sent}`, site, before ?? sendExtra(value, env, list));
  };
  const origDispatch = MP[HYBRID] as ((this: object, data: unknown, type: string, ev: unknown) => unknown) | undefined;
  if (typeof origDispatch === "function") {
    MP[HYBRID] = function (this: object, data: unknown, type: string, event: unknown) {
      if (type === "message") data = received(this, data);
      return origDispatch.call(this, data, type, event);
    };
  }
  // Where the program listens for messages: the line an idle wait for a message points at.
  for (const m of ["on", "once", "addListener", "addEventListener"]) {
    const orig = (MP[m] ?? (wt.MessagePort.prototype as unknown as Record<string, unknown>)[m]) as ((this: unknown, ...a: unknown[]) => unknown) | undefined;
    if (typeof orig !== "function") continue;
    const wrapped = function (this: unknown, ...a: unknown[]) {
      if (a[0] === "message") core.setListenSite(directUserSite(wrapped));
      return orig.apply(this, a);
    };
    MP[m] = wrapped;
  }
  const onmessage = Object.getOwnPropertyDescriptor(wt.MessagePort.prototype, "onmessage");
  if (onmessage?.set && onmessage.configurable) {
    const set = onmessage.set;
    Object.defineProperty(wt.MessagePort.prototype, "onmessage", {
      ...onmessage,
      set(this: unknown, v: unknown) {
        if (typeof v === "function") core.setListenSite(directUserSite(set));
        set.call(this, v);
      },
    });
  }
  const origClose = MP.close as (this: import("node:worker_threads").MessagePort) => void;
  MP.close = function close(this: import("node:worker_threads").MessagePort) {
    const info = ports.get(this);
    if (info) core.ev("pipe.close", info.end, null, userSite(close), null);
    return origClose.call(this);
  };
  const origReceive = wt.receiveMessageOnPort;
  (wt as { receiveMessageOnPort: typeof origReceive }).receiveMessageOnPort = function receiveMessageOnPort(port: import("node:worker_threads").MessagePort) {
    const r = origReceive(port);
    if (r) r.message = received(port, r.message, userSite(receiveMessageOnPort));
    return r;
  };
  // MessageChannel: both ends get ids at creation.
  const OrigMC = wt.MessageChannel;
  class MessageChannel extends OrigMC {
    constructor() {
      super();
      // A channel of the TypeScript runner's own (esbuild's synchronous transform) is not the
      // program's: neither end is recorded, so no receipt appears without its send.
      if (runnerCall(MessageChannel)) return;
      const id = core.newId("mc");
      core.ev("pipe.create", `pipe:${id}`, null, userSite(MessageChannel), { ends: [`${id}:1`, `${id}:2`], duplex: true });
      registerPort(this.port1, `${id}:1`, `${id}:2`);
      registerPort(this.port2, `${id}:2`, `${id}:1`);
    }
  }
  Object.defineProperty(MessageChannel, "name", { value: "MessageChannel" });
  (wt as { MessageChannel: unknown }).MessageChannel = MessageChannel;
  if (globalThis.MessageChannel === OrigMC) (globalThis as { MessageChannel: unknown }).MessageChannel = MessageChannel;
  // BroadcastChannel: one send, a receipt in every other channel of that name.
  const BC = wt.BroadcastChannel as unknown as { prototype: Record<string, unknown> };
  const origBC = BC.prototype.postMessage as (this: import("node:worker_threads").BroadcastChannel, v: unknown) => void;
  let bcount = 0;
  BC.prototype.postMessage = function postMessage(this: import("node:worker_threads").BroadcastChannel, value: unknown) {
    if (arguments.length === 0) return origBC.apply(this, arguments as unknown as [unknown]);
    const site = userSite(postMessage);
    const name = `bc:${String(this.name)}`;
    const msg = `${core.lane}.b${++bcount}`;
    const env = envelope(value, undefined, site) ?? ({ [MARK]: 1, d: value } as Envelope);
    env.b = [name, msg];
    const preview = core.previewText(value);
    if (!core.isWorkerThread) {
      origBC.call(this, env);
      core.ev("queue.put", name, msg, site, { preview, broadcast: true });
      return;
    }
    // In a worker, as a port's send (above).
    core.sendBegins();
    try {
      origBC.call(this, env);
      core.ev("queue.put", name, msg, site, { preview, broadcast: true });
      core.flush();
    } finally {
      core.sendEnds();
    }
  };
  openWorkerData();
}

/** A message arrived at a port: count it, open its envelope. Returns what the program gets. */
function received(port: object, data: unknown, site: number | null = null): unknown {
  let bc: [string, string] | undefined;
  if (isEnvelope(data)) {
    bc = data.b;
    data = open(data);
  }
  if (bc) {
    core.ev("queue.get", bc[0], bc[1], site, core.preview(data));
    return data;
  }
  const info = ports.get(port);
  if (info) {
    const n = ++info.recv;
    core.ev("pipe.recv", info.end, `${info.peer}#${n}`, site, core.preview(data));
  }
  return data;
}
