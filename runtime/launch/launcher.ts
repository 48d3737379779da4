/**
 * Starting a Python program under the ipcviz runtime and recording it.
 *
 * {@link startRun}: checks the interpreter (it must exist and be Python ≥ 3.9), the program
 * file, the runtime and the output path; starts a {@link Collector}; spawns the interpreter on
 * the program in its own session (so the whole tree can be ended) with the runtime's
 * environment (docs/wire-protocol.md); and, when the main process ends, records `run.exit`,
 * waits briefly for the other processes' connections to close, ends any process still left,
 * and writes the trace footer. Finding and probing the interpreter is python.ts; a Node
 * program's runner is node.ts; LaunchError is common.ts (all re-exported here).
 *
 * About 600 lines: one run's lifecycle (start, watch, end the tree, footer) shares the run's
 * state; its separable parts are already in python.ts, node.ts, procTree.ts and common.ts.
 *
 * Plain Node: no `vscode` import (the CLI and the extension both use it).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { getPriority, setPriority } from "node:os";
import type { TraceEvent, TraceHeader } from "../../trace/format";
import { TRACE_FORMAT, TRACE_VERSION } from "../../trace/format";
import { Collector, type CollectorEventMap, type StacksRequestResult } from "./collector";
import { findTsRunner, isNodeProgram, isTypeScript, nodePreload, nodeRuntimeEnv, nodeTraceHeader, probeNode } from "./node";
import { findRunProcesses, killRunTree, killRunTreeSync, readProcStat, signal as sendSignal, type RunProcessQuery } from "./procTree";
import { LaunchError, withoutIpcvizEnv } from "./common";
import { probeInterpreter, whichExecutable, type InterpreterInfo } from "./python";

export { LaunchError, withoutIpcvizEnv, type LaunchErrorCode } from "./common";
export { MIN_PYTHON, probeCacheKey, probeInterpreter, whichExecutable, type InterpreterInfo } from "./python";

/** Options of {@link startRun}. */
export interface RunOptions {
  /** Interpreter: a path or a command name looked up on PATH. Default: python3, then python. */
  python?: string;
  /** Node executable for JavaScript/TypeScript programs: a path or a command on PATH. Default: node. */
  node?: string;
  /** How a TypeScript program runs: "auto" (default: the workspace's tsx, else its ts-node), "tsx", "ts-node", or the path of a loader module given to Node with --import. */
  tsRunner?: string;
  /** Program file (relative to cwd). Exactly one of program and module. A .js/.mjs/.cjs/.ts/.mts/.cts file runs under Node. */
  program?: string;
  /** Module to run with `-m`. */
  module?: string;
  args?: string[];
  /** Working directory of the program. Default: process.cwd(). */
  cwd?: string;
  /** Environment of the program (the runtime's variables are added). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Start method the runtime makes the default (fork, spawn, forkserver). */
  startMethod?: string;
  /** Trace file to write (parent directories are made); null: no file. */
  out: string | null;
  /** The program's stdin/stdout/stderr: the caller's ("inherit", default) or pipes on {@link Run.child}. */
  stdio?: "inherit" | "pipe";
  /** Stop the whole run after this many seconds (the result says timedOut). */
  timeoutSec?: number;
  /** Maximum payload preview length (IPCVIZ_PREVIEW). Default 80. */
  /** The collector decodes once the input has been quiet this long (ms); 0 (default): as it arrives (see CollectorOptions). */
  decodeWhenQuietMs?: number;
  previewLength?: number;
  /** The Python runtime directory (IPCVIZ_RUNTIME_DIR). Default: <repo>/runtime/python. */
  runtimeDir?: string;
  /** Directory put first on PYTHONPATH (holds sitecustomize.py). Default: <runtimeDir>/boot. */
  runtimeBootDir?: string;
  /** How long processes get between SIGTERM and SIGKILL when stopping. Default 1000 ms. */
  graceMs?: number;
  /** After the main process ends, how long to wait for the others' connections to close. Default 2000 ms. */
  drainMs?: number;
  /** Called with each batch of events as they arrive (subscribed before the program starts). */
  onEvents?: (events: TraceEvent[]) => void;
  /** Called with each problem the collector reports. */
  onProblem?: (message: string) => void;
}

/** How a run ended. */
export interface RunResult {
  /** Main process exit status; null when it was killed by a signal. */
  exitCode: number | null;
  /** Signal that ended the main process ("SIGTERM"), or null. */
  signal: NodeJS.Signals | null;
  /** Stopped because it ran past timeoutSec. */
  timedOut: boolean;
  /** Stopped by {@link Run.stop} (including the timeout). */
  stopped: boolean;
  /** Events in the trace. */
  events: number;
  lostEvents: number;
  badLines: number;
  /** Processes still running after the main process had ended (and drainMs passed), which were ended. */
  leftovers: number;
  /** Problems the collector reported (first ones). */
  problems: string[];
  /** The trace file, or null. */
  out: string | null;
  header: TraceHeader;
}

/** A running program. */
export interface Run {
  readonly header: TraceHeader;
  /** The main process (stdin/stdout/stderr are set when stdio is "pipe"). */
  readonly child: ChildProcess;
  readonly pid: number;
  /** Trace events as they arrive, hellos, disconnects, problems. */
  readonly events: EventEmitter<CollectorEventMap>;
  /** The collector's socket path (for diagnostics). */
  readonly socketPath: string;
  /** Bytes received from the program and not yet decoded (0: the events are up to date). */
  readonly backlogBytes: number;
  /** Send a signal to the main process's group (e.g. forward a Ctrl-C as SIGINT). */
  signal(sig: NodeJS.Signals): void;
  /** Ask every connected process for its stacks (Collector.requestStacks); the events arrive as usual. `graceNs`: the hang check's grace period, recorded with the request. */
  requestStacks(reason: "hang" | "request", graceNs?: number): Promise<StacksRequestResult>;
  /** End the whole process tree (SIGTERM, then SIGKILL after the grace period). Resolves when done settles. */
  stop(): Promise<RunResult>;
  /** Settles once the program has ended and the trace is complete. Rejects only if the program could not be spawned. */
  readonly done: Promise<RunResult>;
  /** Stop (if running) and release everything. */
  dispose(): Promise<void>;
}

/**
 * Lower the CPU priority of the calling thread to `nice` (Linux keeps a nice value per thread;
 * processes started afterwards from this thread inherit it, so call it once the program runs).
 * `ipcviz run` does this so that the program comes first: its collector decodes, writes and
 * diagnoses when the program leaves it time (its input is still read at once). False if refused.
 */
export function lowerThreadPriority(nice: number): boolean {
  try {
    if (getPriority() < nice) setPriority(nice);
  } catch {
    return false;
  }
  return true;
}

/** The run's own IPCVIZ_ variables are set afresh; these diagnostic ones are passed on from the caller's environment. */
const PASSED_ON: ReadonlySet<string> = new Set(["IPCVIZ_NO_NOWAIT", "IPCVIZ_FAST_SITES"]);

/** Where the Python runtime is (options first, else the repository/extension folder), and its version. */
export function locateRuntime(o: { runtimeDir?: string; runtimeBootDir?: string }): { runtimeDir: string; bootDir: string; runtimeVersion: string } {
  let runtimeDir = o.runtimeDir;
  let runtimeVersion = "0.0.0";
  try {
    const root = findRepoRoot();
    runtimeVersion = packageVersion(root);
    runtimeDir ??= join(root, "runtime", "python");
  } catch (err) {
    if (!runtimeDir) throw err; // a custom runtime outside the repository needs no root
  }
  const bootDir = o.runtimeBootDir ?? join(runtimeDir, "boot");
  if (!existsSync(join(bootDir, "sitecustomize.py"))) {
    throw new LaunchError("no-runtime", `ipcviz: the Python runtime is missing (${join(bootDir, "sitecustomize.py")} not found); reinstall or rebuild ipcviz`);
  }
  return { runtimeDir, bootDir, runtimeVersion };
}

/** The trace header of a Python run. */
export function pythonTraceHeader(p: {
  program: string;
  args: string[];
  cwd: string;
  interp: InterpreterInfo;
  startMethod: string | undefined;
  runtimeVersion: string;
}): TraceHeader {
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    program: p.program,
    args: p.args,
    cwd: p.cwd,
    interpreter: { language: "python", path: p.interp.path, version: p.interp.version, implementation: p.interp.implementation },
    startMethod: p.startMethod ?? p.interp.defaultStartMethod,
    startedAt: new Date().toISOString(),
    clock: { kind: "monotonic", unit: "ns" },
    runtime: { name: "ipcviz-python", version: p.runtimeVersion },
  };
}

/** Start the run's collector; an unwritable trace path becomes a LaunchError ending with `hint`. */
export async function startCollector(out: string | null, header: TraceHeader, t0: bigint, hint: string, decodeWhenQuietMs = 0): Promise<Collector> {
  try {
    return await Collector.start({ out, header, t0, decodeWhenQuietMs });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (out !== null && (e.path === out || e.syscall === "open")) {
      throw new LaunchError("bad-output", `ipcviz: cannot write the trace to ${out} (${e.code ?? e.message}); ${hint}`);
    }
    throw err;
  }
}

/** The variables that load the runtime into a Python process and connect it to the collector (docs/wire-protocol.md). */
export function runtimeEnv(p: {
  socketPath: string;
  token: string;
  t0: bigint;
  runtimeDir: string;
  bootDir: string;
  basePythonPath: string | undefined;
  previewLength?: number;
  startMethod?: string;
}): Record<string, string> {
  const env: Record<string, string> = {
    IPCVIZ_SOCK: p.socketPath,
    IPCVIZ_TOKEN: p.token,
    IPCVIZ_T0: p.t0.toString(),
    IPCVIZ_PREVIEW: String(p.previewLength ?? 80),
    IPCVIZ_RUNTIME_DIR: p.runtimeDir,
    PYTHONPATH: p.basePythonPath ? `${p.bootDir}${delimiter}${p.basePythonPath}` : p.bootDir,
    PYTHONUNBUFFERED: "1",
  };
  if (p.startMethod) env.IPCVIZ_START_METHOD = p.startMethod;
  return env;
}

/** The repository root: the nearest directory at or above `from` holding runtime/python/boot. */
export function findRepoRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, "runtime", "python", "boot"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new LaunchError("no-runtime", `ipcviz: cannot find its runtime (runtime/python/boot) above ${from}; reinstall ipcviz`);
    dir = up;
  }
}

/** The project's version (package.json at the repo root), or "0.0.0". */
export function packageVersion(root: string): string {
  try {
    return String(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version ?? "0.0.0");
  } catch {
    return "0.0.0";
  }
}

/** Make the trace's directory; throws LaunchError bad-output when that is impossible. */
function prepareOutput(out: string): void {
  try {
    mkdirSync(dirname(out), { recursive: true });
  } catch (err) {
    throw new LaunchError("bad-output", `ipcviz: cannot create the directory for the trace ${out} (${(err as Error).message}); choose another path with --out`);
  }
}

/** The run's watchdog (runtime/python/watchdog/ipcviz_watchdog.py), as the launcher talks to it. */
export interface Watchdog {
  /** Tell it about a process of the run (the main process, or one that connected). */
  tell(line: string): void;
  /** The run is over: it ends quietly. Resolves once it has exited. */
  finish(): Promise<void>;
}

/**
 * Start the run's watchdog: a small Python process in a session of its own that ends the run's
 * whole process tree, and notes so in the trace (`run.orphaned`), when this process dies without
 * ending the run (its end of the watchdog's stdin pipe is then closed by the kernel). Null when
 * the runtime has no watchdog script or it cannot start (the run goes on without one).
 */
export function startWatchdog(p: { python: string; runtimeDir: string; token: string; t0: bigint; trace: string | null }): Watchdog | null {
  const script = join(p.runtimeDir, "watchdog", "ipcviz_watchdog.py");
  if (!existsSync(script)) return null;
  let child: ChildProcess;
  try {
    // -I: no PYTHONPATH (so no runtime), no user site; -S: no site at all. Not the run's environment.
    // Imported rather than run as a script, so that its bytecode is cached (-I also ignores
    // PYTHONDONTWRITEBYTECODE): it starts beside the program, and compiling it took 1.2 ms of CPU.
    const boot = "import sys; sys.path.insert(0, sys.argv[1]); import ipcviz_watchdog; ipcviz_watchdog.run()";
    child = spawn(p.python, ["-I", "-S", "-c", boot, dirname(script)], { env: withoutIpcvizEnv(process.env), detached: true, stdio: ["pipe", "ignore", "ignore"] });
  } catch {
    return null;
  }
  const exited = new Promise<void>((res) => {
    child.once("exit", () => res());
    child.once("error", () => res());
  });
  child.stdin?.on("error", () => undefined);
  // Neither the watchdog nor its pipe keeps this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const tell = (line: string) => {
    if (child.stdin && !child.stdin.destroyed) child.stdin.write(line + "\n");
  };
  tell(`run ${p.token} ${p.t0} ${process.pid} ${p.trace ?? "-"}`);
  let finishing: Promise<void> | null = null;
  return {
    tell,
    finish() {
      finishing ??= (async () => {
        child.ref();
        if (child.stdin && !child.stdin.destroyed) child.stdin.end("exit\n");
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(t);
      })();
      return finishing;
    },
  };
}

let exitHookRuns: Set<RunProcessQuery> | null = null;

/** Kill what is left of running runs if this Node process exits first (best effort, sync). */
function registerExitHook(q: RunProcessQuery): () => void {
  if (!exitHookRuns) {
    const runs = (exitHookRuns = new Set());
    process.on("exit", () => {
      for (const r of runs) killRunTreeSync(r);
    });
  }
  exitHookRuns.add(q);
  return () => exitHookRuns?.delete(q);
}

/**
 * Start a program under the runtime. Throws {@link LaunchError} before anything runs when the
 * interpreter, the program, the runtime or the output path is not usable.
 */
export async function startRun(options: RunOptions): Promise<Run> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const baseEnv = options.env ?? process.env;
  if ((options.program === undefined) === (options.module === undefined)) {
    throw new LaunchError("bad-option", "ipcviz: give either a program file or -m module (exactly one)");
  }
  if (options.timeoutSec !== undefined && !(options.timeoutSec > 0)) {
    throw new LaunchError("bad-option", `ipcviz: the timeout must be a positive number of seconds (got ${options.timeoutSec})`);
  }
  if (options.program !== undefined && isNodeProgram(options.program)) return startNodeRun(options, cwd, baseEnv);
  const { runtimeDir, bootDir, runtimeVersion } = locateRuntime(options);
  // Interpreter.
  const interp = await probeInterpreter(options.python, baseEnv, cwd);
  // Program.
  let program: string;
  let argv: string[];
  if (options.program !== undefined) {
    program = resolve(cwd, options.program);
    let ok = false;
    try {
      ok = statSync(program).isFile();
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new LaunchError("no-program", `ipcviz: program file not found: ${program}; check the path (a relative path is taken from ${cwd})`);
    }
    argv = [program, ...(options.args ?? [])];
  } else {
    program = options.module!;
    argv = ["-m", program, ...(options.args ?? [])];
  }
  // Output.
  const out = options.out === null ? null : resolve(cwd, options.out);
  if (out !== null) prepareOutput(out);

  const t0 = process.hrtime.bigint();
  const header = pythonTraceHeader({ program, args: options.args ?? [], cwd, interp, startMethod: options.startMethod, runtimeVersion });
  return launch(options, {
    cwd,
    out,
    t0,
    header,
    exe: interp.path,
    argv,
    watchdogPython: interp.path,
    runtimeDir,
    env: (collector) => {
      const env = withoutIpcvizEnv(baseEnv, PASSED_ON);
      Object.assign(
        env,
        runtimeEnv({
          socketPath: collector.socketPath,
          token: collector.token,
          t0,
          runtimeDir,
          bootDir,
          basePythonPath: baseEnv.PYTHONPATH,
          previewLength: options.previewLength,
          startMethod: options.startMethod,
        }),
      );
      return env;
    },
  });
}

/** What a Node run needs before it starts (see {@link planNodeRun}). */
export interface NodeRunPlan {
  preload: string;
  tsOptions: string;
  /** The Node executable, probed (Node 20+). */
  node: Exclude<Awaited<ReturnType<typeof probeNode>>, { code: string }>;
  header: () => TraceHeader;
}

/**
 * A JavaScript or TypeScript program's run, checked before anything starts: the runtime's preload,
 * the Node executable (`options.node`, else the `node` on PATH; Node 20+), the program file, and
 * the TypeScript runner's loader for a .ts program. Throws LaunchError naming what is missing and
 * what to do. Used by `ipcviz run` and by the JavaScript debugger's recording (collectOnly.ts).
 */
export async function planNodeRun(options: Pick<RunOptions, "node" | "args" | "tsRunner">, program: string, cwd: string, baseEnv: NodeJS.ProcessEnv): Promise<NodeRunPlan> {
  const root = findRepoRoot();
  const runtimeVersion = packageVersion(root);
  const preload = nodePreload(root);
  if (!preload) throw new LaunchError("no-runtime", `ipcviz: the Node runtime is missing (${join(root, "out", "runtime", "node", "ipcviz-node.js")} not found); rebuild ipcviz (npm run build)`);
  const exe = whichExecutable(options.node ?? "node", baseEnv, cwd);
  if (!exe) {
    throw new LaunchError("no-node", options.node ? `ipcviz: Node.js not found: ${options.node}; pass --node with the path of Node 20 or newer` : "ipcviz: no node found on PATH; install Node.js 20 or newer, or pass --node PATH");
  }
  const node = await probeNode(exe, baseEnv, cwd);
  if ("code" in node) throw new LaunchError(node.code, node.message);
  let ok = false;
  try {
    ok = statSync(program).isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new LaunchError("no-program", `ipcviz: program file not found: ${program}; check the path (a relative path is taken from ${cwd})`);
  let tsOptions = "";
  let tsName: string | null = null;
  if (isTypeScript(program)) {
    const ts = findTsRunner(program, cwd, options.tsRunner, node.version);
    if ("code" in ts) throw new LaunchError(ts.code, ts.message);
    tsOptions = ts.options;
    tsName = ts.name;
  }
  return { preload, tsOptions, node, header: () => nodeTraceHeader({ program, args: options.args ?? [], cwd, node, runtimeVersion, tsRunner: tsName }) };
}

/** Start a JavaScript or TypeScript program under the Node runtime (docs/node-runtime.md). */
async function startNodeRun(options: RunOptions, cwd: string, baseEnv: NodeJS.ProcessEnv): Promise<Run> {
  const program = resolve(cwd, options.program!);
  const { preload, tsOptions, node, header: makeHeader } = await planNodeRun(options, program, cwd, baseEnv);
  const out = options.out === null ? null : resolve(cwd, options.out);
  if (out !== null) prepareOutput(out);
  const t0 = process.hrtime.bigint();
  const header = makeHeader();
  return launch(options, {
    cwd,
    out,
    t0,
    header,
    exe: node.path,
    argv: [program, ...(options.args ?? [])],
    // The watchdog is a stdlib Python script: a Node run has one when a python3 is on PATH.
    watchdogPython: whichExecutable("python3", baseEnv, cwd),
    runtimeDir: locateRuntime(options).runtimeDir,
    env: (collector) => ({
      ...withoutIpcvizEnv(baseEnv, PASSED_ON),
      ...nodeRuntimeEnv({ socketPath: collector.socketPath, token: collector.token, t0, preload, tsOptions, baseNodeOptions: baseEnv.NODE_OPTIONS, previewLength: options.previewLength }),
    }),
  });
}

/** What {@link launch} starts: the checked interpreter, its arguments, the trace header, and the environment for a collector. */
interface LaunchPlan {
  cwd: string;
  out: string | null;
  t0: bigint;
  header: TraceHeader;
  exe: string;
  argv: string[];
  env: (collector: Collector) => NodeJS.ProcessEnv;
  /** The Python that runs the run's watchdog (null: none on this machine, the run goes without). */
  watchdogPython: string | null;
  /** The Python runtime's folder, which holds the watchdog. */
  runtimeDir: string;
}

/** Start the collector and the program (both languages), and follow the run to its end. */
async function launch(options: RunOptions, plan: LaunchPlan): Promise<Run> {
  const { cwd, out, t0, header } = plan;
  const collector = await startCollector(out, header, t0, "choose another path with --out", options.decodeWhenQuietMs);
  if (options.onEvents) collector.on("events", options.onEvents);
  if (options.onProblem) collector.on("problem", options.onProblem);
  // Start times of connected processes, so a stop never signals a reused pid.
  const knownPids = new Map<number, number | null>();
  const watchdog = plan.watchdogPython ? startWatchdog({ python: plan.watchdogPython, runtimeDir: plan.runtimeDir, token: collector.token, t0, trace: out }) : null;
  collector.on("hello", ({ pid }) => {
    const start = readProcStat(pid)?.startTime ?? null;
    knownPids.set(pid, start);
    if (start !== null) watchdog?.tell(`pid ${pid} ${start}`);
  });

  const env = plan.env(collector);

  let child: ChildProcess;
  try {
    child = spawn(plan.exe, plan.argv, { cwd, env, detached: true, stdio: options.stdio === "pipe" ? "pipe" : "inherit" });
  } catch (err) {
    await collector.close();
    await watchdog?.finish();
    throw new LaunchError("spawn-failed", `ipcviz: could not start ${plan.exe}: ${(err as Error).message}`);
  }
  const spawnError = await new Promise<Error | null>((resolveSpawn) => {
    child.once("spawn", () => resolveSpawn(null));
    child.once("error", (err) => resolveSpawn(err));
  });
  if (spawnError || child.pid === undefined) {
    await collector.close();
    await watchdog?.finish();
    throw new LaunchError("spawn-failed", `ipcviz: could not start ${plan.exe}: ${spawnError?.message ?? "no pid"}`);
  }
  const mainPid = child.pid;
  const query: RunProcessQuery = { mainPid, mainStartTime: readProcStat(mainPid)?.startTime ?? null, knownPids, tokenEntry: `IPCVIZ_TOKEN=${collector.token}` };
  if (query.mainStartTime !== null) watchdog?.tell(`main ${mainPid} ${query.mainStartTime}`);
  const unregister = registerExitHook(query);
  const graceMs = options.graceMs ?? 1000;
  const drainMs = options.drainMs ?? 2000;

  let timedOut = false;
  let stopped = false;
  let killing: Promise<number> | null = null;
  const killAll = () => (killing ??= killRunTree(query, graceMs));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once("exit", (code, signal) => res({ code, signal }));
  });
  let timer: NodeJS.Timeout | null = null;
  if (options.timeoutSec !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      void stop();
    }, options.timeoutSec * 1000);
  }

  const done = (async (): Promise<RunResult> => {
    const { code, signal } = await exited;
    if (timer) clearTimeout(timer);
    const exitedAt = Date.now();
    // The main process's last events are still in its socket: let them in before run.exit
    // (what has arrived is decoded first: the drain time is for what has not).
    await collector.caughtUp();
    const drainFrom = Date.now();
    await collector.waitForDisconnect(mainPid, drainMs);
    collector.addCollectorEvent({ src: "collector", pid: mainPid, t: collector.now(), kind: "run.exit", exitCode: code, signal, timedOut });
    let leftovers = 0;
    const decodeStart = Date.now();
    await collector.caughtUp();
    const decodeMs = Date.now() - decodeStart;
    const idle = await collector.waitForIdle(Math.max(0, drainMs - (Date.now() - drainFrom - decodeMs)));
    // Processes that have closed their connection may take a moment to be gone (the resource
    // tracker exits once main has): give them the rest of the drain time before ending them.
    let left = findRunProcesses(query).size;
    while (!killing && left > 0 && Date.now() - exitedAt < drainMs) {
      await new Promise((r) => setTimeout(r, 25));
      left = findRunProcesses(query).size;
    }
    if (killing) await killing;
    else {
      // Anything of the run still running now would be orphaned: end it.
      if (left > 0) leftovers = await killAll();
      if (leftovers > 0) {
        collector.reportProblem(`${leftovers} process(es) of the program were still running ${drainMs} ms after the main process ended; ipcviz ended them`);
      }
      if (!idle) await collector.waitForIdle(1000);
    }
    const footer = await collector.close();
    await watchdog?.finish();
    unregister();
    return {
      exitCode: code,
      signal,
      timedOut,
      stopped,
      events: footer.events,
      lostEvents: footer.lostEvents,
      badLines: footer.badLines,
      leftovers,
      problems: [...collector.problems],
      out,
      header,
    };
  })();

  async function stop(): Promise<RunResult> {
    if (!stopped) {
      stopped = true;
      await killAll();
    }
    return done;
  }

  return {
    header,
    child,
    pid: mainPid,
    events: collector,
    socketPath: collector.socketPath,
    get backlogBytes() {
      return collector.backlogBytes;
    },
    signal(sig: NodeJS.Signals) {
      if (child.exitCode === null && child.signalCode === null) sendSignal(-mainPid, sig);
    },
    requestStacks(reason: "hang" | "request", graceNs?: number) {
      return collector.requestStacks(reason, mainPid, undefined, graceNs);
    },
    stop,
    done,
    async dispose() {
      await stop();
    },
  };
}
