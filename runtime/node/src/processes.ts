/**
 * Processes and threads: this thread's start and exit, child processes (`child_process` spawn,
 * fork, exec*, and their `*Sync` forms; `cluster` workers are forks), worker threads
 * (`worker_threads.Worker`), `terminate()`/`kill()`, exit codes and uncaught errors.
 *
 * Every child process gets the run's variables and the preload in NODE_OPTIONS even when the
 * program replaces its `env`; every worker thread gets them in its `env` when the program gives
 * one, and the run's settings through worker_threads' environment data.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess: typeof import("node:child_process") = require("node:child_process");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const wt: typeof import("node:worker_threads") = require("node:worker_threads");
import * as core from "./core";
import { cachedSite, FAST, siteCache, directUserSite, userSite } from "./site";

/** Call sites of sends, by sending end (site.ts cachedSite). */
const sendSites = siteCache();
import { registerPort, noteWorkerData } from "./ports";

/** Environment data a thread sets just before starting a worker: the worker's parent lane and name. */
export const SPAWN_KEY = "ipcviz:spawn";

/** NODE_OPTIONS with the preload (and the run's other options) put first, once. */
function withPreload(existing: string | undefined): string {
  const pre = `--require ${quote(core.settings.preload)}`;
  let v = existing ?? "";
  if (!v.includes(core.settings.preload)) v = v ? `${pre} ${v}` : pre;
  if (core.settings.nodeOptions && !v.includes(core.settings.nodeOptions)) v = `${v} ${core.settings.nodeOptions}`;
  return v;
}

function quote(p: string): string {
  return /[\s"'\\]/.test(p) ? `"${p.replace(/(["\\])/g, "\\$1")}"` : p;
}

/** The run's variables for a process this thread starts. */
function runVars(): Record<string, string> {
  const s = core.settings;
  return {
    IPCVIZ_SOCK: s.sock,
    IPCVIZ_TOKEN: s.token,
    IPCVIZ_T0: s.t0.toString(),
    IPCVIZ_PREVIEW: String(s.preview),
    IPCVIZ_NODE_PRELOAD: s.preload,
    IPCVIZ_NODE_OPTIONS: s.nodeOptions,
    IPCVIZ_PARENT: String(core.lane),
  };
}

/** Announce this thread: process.start, and process.exit when it ends. */
export function announce(): void {
  let role: string;
  let name: string;
  let ppid: number;
  const extra: Record<string, unknown> = {};
  if (!wt.isMainThread) {
    const sp = (wt.getEnvironmentData(SPAWN_KEY) ?? {}) as { parent?: number; name?: string };
    // The note is for this thread only: a thread Node itself starts from here later (the
    // loader-hooks thread of `--import tsx`) inherits the environment data and must not find it.
    wt.setEnvironmentData(SPAWN_KEY, undefined);
    role = "worker";
    name = sp.name || `Worker ${wt.threadId}`;
    ppid = typeof sp.parent === "number" ? sp.parent : process.pid;
    extra.thread = wt.threadId;
    extra.hostPid = process.pid;
  } else if (process.env.IPCVIZ_PARENT) {
    const parent = Number(process.env.IPCVIZ_PARENT);
    ppid = Number.isSafeInteger(parent) && parent > 0 ? parent : process.ppid;
    // Node has already set up a cluster worker (and removed NODE_UNIQUE_ID) when the preload runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only in a cluster worker's preload, not in every process
    const cluster = require("node:cluster") as { isWorker: boolean; worker?: { id: number } };
    if (cluster.isWorker) {
      role = "cluster-worker";
      name = `cluster worker ${cluster.worker?.id ?? "?"}`;
    } else {
      role = "child";
      name = shortName(process.argv[1] ?? "node");
    }
  } else {
    role = "main";
    name = "main";
    ppid = process.ppid;
    extra.argv = process.argv.slice(1);
  }
  core.ev("process.start", null, null, null, { name, ppid, role, startMethod: role === "worker" ? "worker" : null, ...extra });
  core.flush();
  let ended = false;
  let uncaught: string | null = null;
  process.on("uncaughtExceptionMonitor", (err) => {
    try {
      uncaught = err instanceof Error ? `${err.name}: ${err.message}` : `uncaught ${core.preview(err)}`;
    } catch {
      uncaught = "uncaught error";
    }
  });
  process.on("exit", (code) => {
    if (ended) return;
    ended = true;
    const x: Record<string, unknown> = { exitCode: typeof code === "number" ? code : null };
    if (uncaught) x.error = uncaught.slice(0, core.settings.preview * 2);
    core.ev("process.exit", null, null, null, x);
    core.close();
  });
  if (wt.isMainThread) {
    // SIGTERM with Node's default action: send what is buffered and the exit, then die of it as before.
    const onTerm = (sig: NodeJS.Signals) => {
      if (process.listenerCount(sig) > 1) return; // the program handles it
      if (!ended) {
        ended = true;
        core.abandonIdle();
        core.ev("process.exit", null, null, null, { exitCode: null, signal: sig === "SIGTERM" ? 15 : 2 });
        core.close();
      }
      process.removeListener(sig, onTerm);
      process.kill(process.pid, sig);
    };
    process.on("SIGTERM", onTerm);
    core.addOwnSignal();
  }
}

function shortName(p: string): string {
  const i = p.lastIndexOf("/");
  return i >= 0 ? p.slice(i + 1) : p;
}

// ------------------------------------------------------------------ child processes

type SpawnOptions = { file?: string; args?: string[]; envPairs?: string[]; [k: string]: unknown };

/** Put the run's variables and the preload into a child's environment pairs. */
function patchEnvPairs(pairs: string[]): string[] {
  const vars = runVars();
  const out: string[] = [];
  let nodeOptions: string | undefined;
  for (const p of pairs) {
    const eq = p.indexOf("=");
    const k = eq < 0 ? p : p.slice(0, eq);
    if (k in vars) continue;
    if (k === "NODE_OPTIONS") {
      nodeOptions = p.slice(eq + 1);
      continue;
    }
    out.push(p);
  }
  for (const [k, v] of Object.entries(vars)) out.push(`${k}=${v}`);
  out.push(`NODE_OPTIONS=${withPreload(nodeOptions)}`);
  return out;
}

function patchEnvObject(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...(env ?? process.env) };
  Object.assign(e, runVars());
  e.NODE_OPTIONS = withPreload(e.NODE_OPTIONS);
  return e;
}

export function installChildProcess(): void {
  const CP = (childProcess as unknown as { ChildProcess: { prototype: Record<string, unknown> } }).ChildProcess;
  const proto = CP.prototype as { spawn: (o: SpawnOptions) => unknown; kill: (sig?: unknown) => boolean; emit: (...a: unknown[]) => boolean };
  const origSpawn = proto.spawn;
  proto.spawn = function (this: import("node:child_process").ChildProcess, options: SpawnOptions) {
    if (options && Array.isArray(options.envPairs)) options.envPairs = patchEnvPairs(options.envPairs);
    const site = userSite();
    const r = origSpawn.call(this, options);
    if (this.pid !== undefined) {
      const pid = this.pid;
      const file = String(options?.file ?? "?");
      const args = Array.isArray(options?.args) ? options.args : [];
      core.ev("process.spawn", `proc:${pid}`, null, site, { child: pid, name: childName(file, args), daemon: false, target: [file, ...args.slice(1)].join(" ").slice(0, 200), startMethod: "spawn" });
      const ipc = (this as unknown as { channel?: unknown }).channel;
      if (ipc) {
        const id = `ipc${pid}`;
        core.ev("pipe.create", `pipe:${id}`, null, site, { ends: [`${id}:p`, `${id}:c`], duplex: true });
        channelEnds.set(this, { end: `${id}:p`, peer: `${id}:c`, sent: 0, recv: 0 });
      }
      this.once("exit", (code: number | null, signal: NodeJS.Signals | null) => {
        core.ev("process.join", `proc:${pid}`, null, null, { child: pid, exitCode: code !== null ? code : signal ? -(signalNumber(signal) ?? 0) : null });
      });
      core.flush();
    }
    return r;
  };
  const origKill = proto.kill;
  proto.kill = function (this: import("node:child_process").ChildProcess, sig?: unknown) {
    if (this.pid !== undefined && this.exitCode === null && this.signalCode === null) {
      const s = sig === undefined ? "SIGTERM" : sig;
      const kind = s === "SIGKILL" || s === 9 ? "process.kill" : "process.terminate";
      core.ev(kind, `proc:${this.pid}`, null, userSite(), { child: this.pid });
      core.flush();
    }
    return origKill.call(this, sig);
  };
  // The *Sync forms build their own options: give them the environment.
  const cpAny = childProcess as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ["spawnSync", "execSync", "execFileSync"]) {
    const orig = cpAny[name];
    if (typeof orig !== "function") continue;
    const wrapped = function (this: unknown, ...a: unknown[]) {
      // The options object is the last plain-object argument (or none).
      let i = a.length - 1;
      while (i >= 0 && (a[i] === undefined || typeof a[i] === "function")) i--;
      const last = a[i];
      if (i >= 1 && last && typeof last === "object" && !Array.isArray(last)) a[i] = { ...(last as object), env: patchEnvObject((last as { env?: NodeJS.ProcessEnv }).env) };
      else if (name === "execSync" && a.length <= 1) a.push({ env: patchEnvObject(undefined) });
      else if (i === 0 || (i === 1 && Array.isArray(a[1]))) a.splice(i + 1, 0, { env: patchEnvObject(undefined) });
      return orig.apply(this, a);
    };
    Object.defineProperty(wrapped, "name", { value: name });
    cpAny[name] = wrapped as never;
  }
  installProcessSend();
  // Where the program listens for messages from a child, a worker or the parent (see core.setListenSite).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the prototype is patched in place; an import would be hoisted above the install order
  const EE = require("node:events").EventEmitter.prototype as Record<string, (...a: unknown[]) => unknown>;
  const listenOn = (target: Record<string, unknown>) => {
    for (const m of ["on", "once", "addListener"]) {
      const orig = (target[m] ?? EE[m]) as (this: unknown, ...a: unknown[]) => unknown;
      const wrapped = function (this: unknown, ...a: unknown[]) {
        if (a[0] === "message") core.setListenSite(directUserSite(wrapped));
        return orig.apply(this, a);
      };
      target[m] = wrapped;
    }
  };
  listenOn((childProcess as unknown as { ChildProcess: { prototype: Record<string, unknown> } }).ChildProcess.prototype);
  listenOn(wt.Worker.prototype as unknown as Record<string, unknown>);
  if (typeof process.send === "function") listenOn(process as unknown as Record<string, unknown>);
}

function childName(file: string, args: string[]): string {
  const base = shortName(file);
  if ((base === "node" || base.startsWith("node")) && args.length > 1) {
    const script = args.slice(1).find((a) => !a.startsWith("-"));
    if (script) return shortName(script);
  }
  return base;
}

function signalNumber(sig: string): number | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const n = (require("node:os").constants.signals as Record<string, number>)[sig];
  return typeof n === "number" ? n : null;
}

// ------------------------------------------------------------------ process.send / 'message'

interface IpcEnd {
  end: string;
  peer: string;
  sent: number;
  recv: number;
}

/** The parent's side of each child's IPC channel. */
const channelEnds = new WeakMap<object, IpcEnd>();
/** The child's side of its IPC channel with the parent. */
let ownEnd: IpcEnd | null = null;

/** Node's own messages on the channel (cluster, handles): `cmd` starting with NODE_. */
function isInternal(m: unknown): boolean {
  if (m === null || typeof m !== "object") return false;
  const cmd = (m as { cmd?: unknown }).cmd;
  return typeof cmd === "string" && cmd.length > 5 && cmd.startsWith("NODE_");
}

function sendHook(orig: (...a: unknown[]) => boolean, endOf: (t: object) => IpcEnd | null) {
  const send = function (this: object, ...a: unknown[]): boolean {
    const e = endOf(this);
    if (!e || isInternal(a[0])) return orig.apply(this, a);
    const r = orig.apply(this, a);
    // A send that threw (closed channel, not serialisable) sent nothing. The call site is found
    // after the message is on its way (the receiver does not wait for it).
    const t = core.now();
    const site = FAST ? cachedSite(sendSites, e.end, send) : userSite(send);
    const n = ++e.sent;
    core.evAt(t, "pipe.send", e.end, `${e.end}#${n}`, site, core.preview(a[0]));
    if (core.isWorkerThread) core.flush(); // as a port's send in a worker (ports.ts)
    return r;
  };
  return send;
}

function recvHook(orig: (...a: unknown[]) => boolean, endOf: (t: object) => IpcEnd | null) {
  return function (this: object, name: unknown, ...a: unknown[]): boolean {
    if (name === "message") {
      const e = endOf(this);
      if (e && !isInternal(a[0])) {
        const n = ++e.recv;
        core.ev("pipe.recv", e.end, `${e.peer}#${n}`, null, core.preview(a[0]));
      }
    } else if (name === "disconnect") {
      const e = endOf(this);
      if (e) core.ev("pipe.eof", e.end, null, null, null);
    }
    return orig.call(this, name, ...a);
  };
}

function installProcessSend(): void {
  const CP = (childProcess as unknown as { ChildProcess: { prototype: Record<string, unknown> } }).ChildProcess.prototype as Record<string, unknown>;
  // ChildProcess#send is set per instance by Node (setupChannel): hook the emit and the send after spawn.
  const protoEmit = CP.emit as (...a: unknown[]) => boolean;
  CP.emit = recvHook(protoEmit, (t) => channelEnds.get(t) ?? null);
  const origSpawn = CP.spawn as (...a: unknown[]) => unknown;
  CP.spawn = function (this: { send?: unknown }, ...a: unknown[]) {
    const r = origSpawn.apply(this, a);
    if (typeof this.send === "function" && channelEnds.has(this)) this.send = sendHook(this.send as (...a: unknown[]) => boolean, (t) => channelEnds.get(t) ?? null);
    return r;
  };
  if (typeof process.send === "function" && process.channel) {
    ownEnd = { end: `ipc${process.pid}:c`, peer: `ipc${process.pid}:p`, sent: 0, recv: 0 };
    process.send = sendHook(process.send as unknown as (...a: unknown[]) => boolean, () => ownEnd) as typeof process.send;
    const pEmit = process.emit as unknown as (...a: unknown[]) => boolean;
    process.emit = recvHook(pEmit, (t) => (t === process ? ownEnd : null)) as unknown as typeof process.emit;
  }
}

// ------------------------------------------------------------------ worker threads

/** A worker started from the TypeScript runner's packages (tsx, ts-node, esbuild). */
const RUNNER_FILE = /[\\/]node_modules[\\/](?:tsx|ts-node|esbuild|@esbuild[\\/][^\\/]+)[\\/]/;
function isRunnerWorker(filename: string | URL): boolean {
  try {
    return RUNNER_FILE.test(filename instanceof URL ? decodeURIComponent(filename.pathname) : String(filename));
  } catch {
    return false;
  }
}

export function installWorkers(): void {
  const Orig = wt.Worker;
  const kPublicPort = (w: object): import("node:worker_threads").MessagePort | null => {
    for (const s of Object.getOwnPropertySymbols(w)) if (s.description === "kPublicPort") return (w as Record<symbol, import("node:worker_threads").MessagePort>)[s];
    return null;
  };
  class Worker extends Orig {
    constructor(filename: string | URL, options?: import("node:worker_threads").WorkerOptions) {
      if (isRunnerWorker(filename)) {
        // The TypeScript runner's own thread (tsx transforms through esbuild's worker): not the program's.
        wt.setEnvironmentData(SPAWN_KEY, undefined);
        super(filename, options);
        return;
      }
      const site = userSite(Worker);
      const o: import("node:worker_threads").WorkerOptions & { name?: string } = { ...(options ?? {}) };
      if (o.env && o.env !== wt.SHARE_ENV) o.env = patchEnvObject(o.env as NodeJS.ProcessEnv);
      const name = typeof o.name === "string" && o.name ? o.name : "";
      const wrapped = noteWorkerData(o.workerData, o.transferList as readonly unknown[] | undefined);
      if (wrapped !== undefined) o.workerData = wrapped;
      // The claim lets exactly one thread take this note: the worker, whose preload runs first.
      // Threads that Node starts inside it later (a loader's hooks thread) inherit a copy of the
      // note but find it claimed, so they are never taken for the program's worker.
      const claim = new Int32Array(new SharedArrayBuffer(4));
      wt.setEnvironmentData(SPAWN_KEY, { parent: core.lane, name, claim });
      try {
        super(filename, o);
      } finally {
        wt.setEnvironmentData(SPAWN_KEY, undefined);
      }
      const threadId = this.threadId;
      const child = core.laneOf(process.pid, threadId);
      const target = filename instanceof URL ? filename.href : o.eval ? "<eval>" : String(filename);
      core.ev("process.spawn", `proc:${child}`, null, site, { child, name: name || `Worker ${threadId}`, daemon: false, target: target.slice(0, 200), startMethod: "worker", thread: threadId });
      const id = `w${child}`;
      core.ev("pipe.create", `pipe:${id}`, null, site, { ends: [`${id}:p`, `${id}:c`], duplex: true });
      const port = kPublicPort(this);
      if (port) registerPort(port, `${id}:p`, `${id}:c`);
      this.once("exit", (code: number) => {
        core.ev("process.join", `proc:${child}`, null, null, { child, exitCode: code });
      });
      core.flush();
    }
    override terminate(): Promise<number> {
      const child = core.laneOf(process.pid, this.threadId);
      if (this.threadId >= 0) {
        core.ev("process.terminate", `proc:${child}`, null, userSite(), { child });
        core.flush();
        core.awaitSendsOf(this.threadId); // a message it sent and has not written yet (ports.ts)
      }
      return super.terminate();
    }
  }
  Object.defineProperty(Worker, "name", { value: "Worker" });
  (wt as { Worker: typeof Orig }).Worker = Worker;
  if (!wt.isMainThread && wt.parentPort) {
    const id = `w${core.lane}`;
    registerPort(wt.parentPort, `${id}:c`, `${id}:p`);
  }
}
