/**
 * Recording a program that someone else starts (the Python debugger): {@link startCollectOnly}
 * starts a collector (collector.ts) and returns the environment the program must be started with
 * (docs/wire-protocol.md: IPCVIZ_SOCK, IPCVIZ_TOKEN, IPCVIZ_T0, …, PYTHONPATH with the runtime's
 * boot folder first), the live event stream, and a whole-tree stop.
 *
 * Differences from {@link startRun}: nobody here knows the main process's pid before it says
 * hello; the program's main process is the first process whose `process.start` has role "main"
 * (its parent is the debugger's launcher). IPCVIZ_LAUNCHER_PID is not set, so role detection in
 * the runtime takes a process without multiprocessing's markers as the main process. The owner
 * ends the recording: {@link CollectOnlyRun.finish} when the program has ended (the debugger's
 * `exited`/`terminated`), or {@link CollectOnlyRun.stop} to end every process of the program
 * (found from /proc: descendants of the processes that connected, and any process whose
 * environment carries the run's token).
 *
 * Plain Node: no `vscode` import.
 */

import { resolve } from "node:path";
import type { TraceHeader } from "../../trace/format";
import type { CollectorEventMap, StacksRequestResult } from "./collector";
import { LaunchError, locateRuntime, planNodeRun, probeInterpreter, pythonTraceHeader, runtimeEnv, startCollector, startWatchdog, whichExecutable, type RunOptions } from "./launcher";
import { isNodeProgram, nodeRuntimeEnv } from "./node";
import { findRunProcesses, killRunTree, readProcStat, type RunProcessQuery } from "./procTree";
import type { EventEmitter } from "node:events";

/**
 * A main pid no process can have (above Linux's pid_max limit of 2^22): used for the process
 * tree query before the program's main process has connected, so that only the token scan and
 * the connected processes count (procTree signals `-mainPid`, which must never be a real group).
 */
const NO_MAIN_PID = 2 ** 31 - 1;

/**
 * Options of {@link startCollectOnly}: those of startRun (the program, interpreter, args and cwd
 * are checked and recorded in the header; the debugger starts the program), without the ones
 * about starting it.
 */
export type CollectOnlyOptions = Omit<RunOptions, "env" | "stdio" | "timeoutSec"> & {
  /** The environment the program would otherwise get: PYTHONPATH is taken from it. Default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
};

/** How a collect-only recording ended. */
export interface CollectOnlyResult {
  /** The main process's exit code as the owner reported it (finish), or null. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Ended by {@link CollectOnlyRun.stop}. */
  stopped: boolean;
  events: number;
  lostEvents: number;
  badLines: number;
  /** Processes of the program still running at the end, which were ended. */
  leftovers: number;
  problems: string[];
  out: string | null;
  header: TraceHeader;
  /** The program's main process, once it connected. */
  mainPid: number | null;
}

/** A recording waiting for (or receiving) a program started elsewhere. */
export interface CollectOnlyRun {
  readonly header: TraceHeader;
  /** Variables to add to the program's environment (PYTHONPATH already includes the base one). */
  readonly env: Readonly<Record<string, string>>;
  /** Trace events as they arrive, hellos, disconnects, problems. */
  readonly events: EventEmitter<CollectorEventMap>;
  readonly socketPath: string;
  readonly token: string;
  /** Bytes received from the program and not yet decoded (0: the events are up to date). */
  readonly backlogBytes: number;
  /** The program's main process (first process.start with role "main"), once known. */
  readonly mainPid: number | null;
  /** Pids that connected so far. */
  readonly pids: ReadonlySet<number>;
  /** Ask every connected process for its stacks (Collector.requestStacks); the events arrive as usual. `graceNs`: the hang check's grace period, recorded with the request. */
  requestStacks(reason: "hang" | "request", graceNs?: number): Promise<StacksRequestResult>;
  /** The program has ended (as far as the owner knows): record run.exit, let the last events in, end leftovers, close. */
  finish(exit?: { exitCode?: number | null; signal?: NodeJS.Signals | null }): Promise<CollectOnlyResult>;
  /** End every process of the program (SIGTERM, then SIGKILL), then close. */
  stop(): Promise<CollectOnlyResult>;
  /** The program's processes still running now (pid → start time). */
  liveProcesses(): Map<number, number>;
  /** Settles once finish() or stop() has completed. */
  readonly done: Promise<CollectOnlyResult>;
  dispose(): Promise<void>;
}

/** Start a collector for a program someone else starts; see the file comment. Throws LaunchError like startRun. */
export async function startCollectOnly(options: CollectOnlyOptions): Promise<CollectOnlyRun> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const baseEnv = options.baseEnv ?? process.env;
  if ((options.program === undefined) === (options.module === undefined)) {
    throw new LaunchError("bad-option", "ipcviz: give either a program file or -m module (exactly one)");
  }
  const { runtimeDir, bootDir, runtimeVersion } = locateRuntime(options);
  const program = options.program !== undefined ? resolve(cwd, options.program) : options.module!;
  const isNode = options.program !== undefined && isNodeProgram(program);
  const plan = isNode ? await planNodeRun(options, program, cwd, baseEnv) : null;
  const interp = plan ? null : await probeInterpreter(options.python, baseEnv, cwd);
  const out = options.out === null ? null : resolve(cwd, options.out);

  const t0 = process.hrtime.bigint();
  const header = plan ? plan.header() : pythonTraceHeader({ program, args: options.args ?? [], cwd, interp: interp!, startMethod: options.startMethod, runtimeVersion });
  const collector = await startCollector(out, header, t0, "choose another trace path");
  let mainPid: number | null = null;
  // Before the listeners the owner gave, so mainPid is set when they see the first events.
  collector.on("events", (events) => {
    if (mainPid !== null) return;
    for (const e of events) {
      if (e.kind === "process.start" && (e as { role?: string }).role === "main" && !("src" in e)) {
        mainPid = e.pid;
        query.mainPid = e.pid;
        query.mainStartTime = knownPids.get(e.pid) ?? readProcStat(e.pid)?.startTime ?? null;
        break;
      }
    }
  });
  if (options.onEvents) collector.on("events", options.onEvents);
  if (options.onProblem) collector.on("problem", options.onProblem);
  const knownPids = new Map<number, number | null>();
  // The run's watchdog ends the program if this process dies first (as for a launched run).
  // (A Node run's watchdog is the same stdlib Python script: it has one when a python3 is on PATH.)
  const watchdogPython = plan ? whichExecutable("python3", baseEnv, cwd) : interp!.path;
  const watchdog = watchdogPython ? startWatchdog({ python: watchdogPython, runtimeDir, token: collector.token, t0, trace: out }) : null;
  collector.on("hello", ({ pid }) => {
    const start = readProcStat(pid)?.startTime ?? null;
    knownPids.set(pid, start);
    if (start !== null) watchdog?.tell(`pid ${pid} ${start}`);
  });
  const query: RunProcessQuery = { mainPid: NO_MAIN_PID, mainStartTime: null, knownPids, tokenEntry: `IPCVIZ_TOKEN=${collector.token}` };

  const env = plan
    ? nodeRuntimeEnv({ socketPath: collector.socketPath, token: collector.token, t0, preload: plan.preload, tsOptions: plan.tsOptions, baseNodeOptions: baseEnv.NODE_OPTIONS, previewLength: options.previewLength })
    : runtimeEnv({
        socketPath: collector.socketPath,
        token: collector.token,
        t0,
        runtimeDir,
        bootDir,
        basePythonPath: baseEnv.PYTHONPATH,
        previewLength: options.previewLength,
        startMethod: options.startMethod,
      });
  const graceMs = options.graceMs ?? 1000;
  const drainMs = options.drainMs ?? 2000;
  let stopped = false;
  let killing: Promise<number> | null = null;
  const killAll = () => (killing ??= killRunTree(query, graceMs));
  let ending: Promise<CollectOnlyResult> | null = null;
  let resolveDone!: (r: CollectOnlyResult) => void;
  const done = new Promise<CollectOnlyResult>((r) => (resolveDone = r));

  async function end(exit: { exitCode?: number | null; signal?: NodeJS.Signals | null }, stopFirst: boolean): Promise<CollectOnlyResult> {
    const startedAt = Date.now();
    let leftovers = 0;
    if (stopFirst) {
      leftovers = await killAll();
    } else if (mainPid !== null) {
      // The main process's last events are still in its socket: let them in before run.exit
      // (what has arrived is decoded first: the drain time is for what has not).
      await collector.caughtUp();
      await collector.waitForDisconnect(mainPid, drainMs);
    }
    if (mainPid !== null) {
      collector.addCollectorEvent({ src: "collector", pid: mainPid, t: collector.now(), kind: "run.exit", exitCode: exit.exitCode ?? null, signal: exit.signal ?? null, timedOut: false });
    }
    if (!stopFirst) {
      const decodeStart = Date.now();
      await collector.caughtUp();
      const idle = await collector.waitForIdle(Math.max(0, drainMs - (Date.now() - startedAt - (Date.now() - decodeStart))));
      while (!killing && Date.now() - startedAt < drainMs && findRunProcesses(query).size > 0) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (killing) await killing;
      else {
        leftovers = findRunProcesses(query).size > 0 ? await killAll() : 0;
        if (leftovers > 0) collector.reportProblem(`${leftovers} process(es) of the program were still running ${drainMs} ms after it ended; ipcviz ended them`);
        if (!idle) await collector.waitForIdle(1000);
      }
    } else {
      await collector.waitForIdle(500);
    }
    const footer = await collector.close();
    await watchdog?.finish();
    const result: CollectOnlyResult = {
      exitCode: exit.exitCode ?? null,
      signal: exit.signal ?? null,
      stopped,
      events: footer.events,
      lostEvents: footer.lostEvents,
      badLines: footer.badLines,
      leftovers,
      problems: [...collector.problems],
      out,
      header,
      mainPid,
    };
    resolveDone(result);
    return result;
  }

  const run: CollectOnlyRun = {
    header,
    env,
    events: collector,
    socketPath: collector.socketPath,
    token: collector.token,
    get backlogBytes() {
      return collector.backlogBytes;
    },
    get mainPid() {
      return mainPid;
    },
    pids: collector.pids,
    requestStacks(reason: "hang" | "request", graceNs?: number) {
      return collector.requestStacks(reason, mainPid ?? [...collector.pids][0] ?? 0, undefined, graceNs);
    },
    finish(exit = {}) {
      return (ending ??= end(exit, false));
    },
    stop() {
      if (!ending) stopped = true;
      return (ending ??= end({}, true));
    },
    liveProcesses() {
      return findRunProcesses(query);
    },
    done,
    async dispose() {
      await run.stop();
    },
  };
  return run;
}

