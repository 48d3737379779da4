/**
 * One program run under the Python debugger with the runtime in every process: the collect-only
 * recording (runtime/launch/collectOnly.ts) the debugger's launch configuration points the
 * program at, the host's copy of the events, the live hang detector, and which processes the
 * debugger has paused. It is a live {@link ViewSource} like a normal run's RunSession (snapshot,
 * appends, status, finished), plus the debugger's paused set (`onDidDebugState`, posted to the
 * view as DebugStateMessage) and `selectProcess` (the view's click on a lane: pause that process
 * if it runs, and show its stack). It has the members of RunSession that runs.ts uses
 * ({@link LiveRun}), so the extension shows, stops and saves it as it does a normal run.
 *
 * Ends when the root debug session ends: with the program's exit code when debugpy reported one
 * (then the last events drain in and leftovers are ended), else (the user stopped the session)
 * by ending every process of the program at once.
 */

import * as vscode from "vscode";
import { basename } from "node:path";
import { startCollectOnly, type CollectOnlyResult, type CollectOnlyRun } from "../../runtime/launch/collectOnly";
import { LiveHangDetector, type LiveHangReport } from "../../trace/analysis/live";
import type { TraceEvent, TraceHeader } from "../../trace/format";
import type { DebugStateMessage } from "../../webview/protocol";
import { LiveRunBase } from "../liveRunBase";
import type { RunInfo } from "../runSession";
import type { IpcvizSettings } from "../settings";
import { makeFooter } from "../traceText";
import type { ViewSource } from "../viewPanel";
import { PausedState } from "./pausedState";
import { isRuntimeFile, wakeForPause } from "./wake";

/** The paused processes as the view gets them. */
export type PausedList = DebugStateMessage["paused"];

/** What runs.ts, views.ts and traces.ts use of a live run (RunSession has the same members). */
export interface LiveRun extends ViewSource {
  readonly program: string;
  readonly traceFile: string;
  readonly isRunning: boolean;
  readonly hang: LiveHangReport | null;
  /** Non-null once the run has ended with a complete trace. */
  readonly result: unknown;
  readonly done: Promise<unknown>;
  readonly onDidHang: vscode.Event<LiveHangReport>;
  hangText(): string;
  info(): RunInfo;
  stop(reason?: string): Promise<unknown>;
  /** Ask every process for its stacks (the answers arrive as events). */
  requestStacks(reason: "hang" | "request", graceNs?: number): Promise<unknown>;
  shutdown(): Promise<void>;
  dispose(): void;
}

/** What a debug run needs to start. */
export interface DebugRunOptions {
  program?: string;
  module?: string;
  args: string[];
  cwd: string;
  /** Interpreter the debugger runs the program with (recorded in the trace header). */
  python: string | undefined;
  /** The program's PYTHONPATH without the runtime (the configuration's, else the inherited one). */
  basePythonPath: string | undefined;
  /** A JavaScript/TypeScript program: the Node executable (setting), and the program's NODE_OPTIONS without the runtime. */
  node?: string;
  tsRunner?: string;
  baseNodeOptions?: string;
  settings: IpcvizSettings;
  traceFile: string;
  runtimeDir: string;
  log: (line: string) => void;
}

/** See the file comment. */
export class DebugRun extends LiveRunBase<CollectOnlyResult> implements LiveRun {
  /** Which processes the debugger has paused (fed by the debug adapter trackers). */
  readonly pausedState = new PausedState();
  /** Debug sessions of this run by id (root and children). */
  readonly sessions = new Map<string, vscode.DebugSession>();
  rootSession: vscode.DebugSession | null = null;
  /** Sessions paused from the view (selectProcess): their next stop takes the focus in the Call Stack. */
  readonly revealPending = new Set<string>();
  private exitCode: number | null | undefined = undefined;
  /** The main process's own `process.exit` (a Node program: the JavaScript debugger reports no exit code). */
  private mainExit: number | null | undefined = undefined;
  private lastPaused: PausedList = [];
  private readonly _onDidDebugState = this._register(new vscode.EventEmitter<PausedList>());
  /** The paused set changed (the whole set; DebugStateMessage replaces the previous one). */
  readonly onDidDebugState = this._onDidDebugState.event;
  readonly done: Promise<CollectOnlyResult>;
  private resolveDone!: (r: CollectOnlyResult) => void;

  private constructor(
    private readonly rec: CollectOnlyRun,
    private readonly options: DebugRunOptions,
    detector: LiveHangDetector,
  ) {
    super(`IPC (debug): ${basename(options.program ?? options.module ?? "program")}`, detector);
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  /** Start the recording (before the debugger starts the program). Throws LaunchError. */
  static async start(options: DebugRunOptions): Promise<DebugRun> {
    const { settings } = options;
    const detector = new LiveHangDetector({ graceNs: settings.deadlockGraceSec * 1e9 });
    const pending: TraceEvent[] = [];
    let run: DebugRun | null = null;
    const clock = () => Number(process.hrtime.bigint());
    const baseEnv: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: options.basePythonPath, NODE_OPTIONS: options.baseNodeOptions };
    if (!options.basePythonPath) delete baseEnv.PYTHONPATH;
    if (!options.baseNodeOptions) delete baseEnv.NODE_OPTIONS;
    const rec = await startCollectOnly({
      python: options.python,
      node: options.node,
      tsRunner: options.tsRunner,
      program: options.program,
      module: options.module,
      args: options.args,
      cwd: options.cwd,
      baseEnv,
      startMethod: settings.startMethod,
      out: options.traceFile,
      previewLength: settings.previewLength,
      runtimeDir: options.runtimeDir,
      onEvents: (events) => {
        detector.feed(events, clock());
        if (run) {
          run.noteMainExit(events);
          run.addEvents(events);
        } else pending.push(...events);
      },
      onProblem: (p) => options.log(`collector: ${p}`),
    });
    run = new DebugRun(rec, options, detector);
    if (pending.length) {
      run.noteMainExit(pending);
      run.addEvents(pending.splice(0));
    }
    options.log(`debug run of ${options.program ?? options.module}: collector at ${rec.socketPath}; trace: ${options.traceFile}`);
    return run;
  }

  /** Variables the debugger must add to the program's environment. */
  get env(): Readonly<Record<string, string>> {
    return this.rec.env;
  }

  // ------------------------------------------------------------------ debugger state

  /** A tracker changed the paused set: tell the view and the hang detector. */
  debugStateChanged(): void {
    const now = this.pausedState.paused();
    if (JSON.stringify(now) === JSON.stringify(this.lastPaused)) return;
    this.lastPaused = now;
    this.detector.setPaused(new Set(now.map((p) => p.pid)), Number(process.hrtime.bigint()));
    this._onDidDebugState.fire(now);
    this.updateStatus();
  }

  /** The paused processes now (for a view's snapshot). */
  get debugState(): PausedList {
    return this.lastPaused;
  }

  /** debugpy reported the main process's exit code. */
  setExitCode(code: number | null): void {
    this.exitCode = code;
  }

  /** True for a JavaScript/TypeScript program (the JavaScript debugger runs it). */
  get isNode(): boolean {
    return this.rec.header.interpreter.language === "node";
  }

  /**
   * A Node program's main process recorded its exit: its exit code stands for the debugger's
   * (js-debug sends no `exited` event), so the root session's end finishes the recording instead
   * of stopping it.
   */
  noteMainExit(events: readonly TraceEvent[]): void {
    if (!this.isNode || this.mainExit !== undefined) return;
    const main = this.rec.mainPid;
    if (main === null) return;
    for (const e of events) {
      if (e.kind === "process.exit" && e.pid === main && !("src" in e)) {
        this.mainExit = (e as { exitCode?: number | null }).exitCode ?? null;
        return;
      }
    }
  }

  /**
   * The debugger said the program ended (its `terminated` event came before any Stop): a Node
   * program's end is then its own, even before its last events (its `process.exit`) arrive.
   */
  private endedByItself = false;
  programEnded(): void {
    if (this.isNode && !this.stopReason) this.endedByItself = true;
  }

  /** The main process's `process.exit`, waited for at most `ms` (its last events may still be on their way). */
  private async mainExitWithin(ms: number): Promise<number | null | undefined> {
    const end = Date.now() + ms;
    while (this.mainExit === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
    return this.mainExit;
  }

  /** The exit code known for the main process: the debugger's, else (Node) the process's own. */
  private knownExit(): number | null | undefined {
    return this.exitCode !== undefined ? this.exitCode : this.mainExit;
  }

  /**
   * The view's click on a lane: pause the process if it runs (a process blocked in a system call
   * is woken so the pause reaches it, see wake.ts), so that its thread shows in the Call Stack,
   * and reveal the Call Stack. Resolves false when no debug session has that process.
   */
  async selectProcess(pid: number): Promise<boolean> {
    const id = this.pausedState.sessionOf(pid);
    const session = id ? this.sessions.get(id) : undefined;
    if (!id || !session) return false;
    try {
      if (!this.pausedState.isPaused(pid)) {
        let threadId = this.pausedState.threadOf(id);
        if (threadId === null) {
          const r = (await session.customRequest("threads")) as { threads?: Array<{ id: number; name?: string }> };
          threadId = r.threads?.find((t) => t.name === "MainThread")?.id ?? r.threads?.[0]?.id ?? null;
        }
        if (threadId !== null) {
          this.revealPending.add(id);
          await session.customRequest("pause", { threadId });
          // Not stopped soon: it waits in the kernel; wake it so that the pause takes effect.
          setTimeout(() => {
            if (!this.pausedState.isPaused(pid) && this.state === "running") wakeForPause(pid);
          }, 200);
        }
      }
      await vscode.commands.executeCommand("workbench.debug.action.focusCallStackView");
      return true;
    } catch (err) {
      this.revealPending.delete(id);
      this.options.log(`could not pause process ${pid}: ${(err as Error).message}`);
      return false;
    }
  }

  /** True for a file of the runtime (shown as library code in the Call Stack). */
  isRuntimeFile(path: string | undefined): boolean {
    return isRuntimeFile(path, this.options.runtimeDir);
  }

  // ------------------------------------------------------------------ ViewSource

  get header(): TraceHeader {
    return this.rec.header;
  }

  get traceFile(): string {
    return this.options.traceFile;
  }

  get program(): string {
    return this.options.program ?? this.options.module ?? "";
  }

  protected backlogBytes(): number {
    return this.rec.backlogBytes;
  }

  protected updateStatus(): void {
    if (this.state === "finished") return;
    const state = this.state === "running" && this.lastPaused.length > 0 ? "paused in the debugger" : this.state;
    this._onDidStatus.fire({ state, processes: this.stats.processesRunning, events: this.stats.events, ...(this.waitingOutside ? { note: this.waitingOutside } : {}) });
  }

  /** VS Code is restarting the root session (its next launch needs a fresh recording). */
  restartRequested = false;

  /** The user stopped (or restarted) the debug session: the program is being ended, not ending by itself. */
  sessionStopping(reason: string, restart = false): void {
    if (restart) this.restartRequested = true;
    // After debugpy reported the exit, VS Code's disconnect is only the session's own cleanup.
    if (this.state === "running" && !this.stopReason && this.knownExit() === undefined && !this.endedByItself) this.stopReason = reason;
  }

  /** The root debug session ended: finish the recording (see the file comment). */
  rootEnded(): Promise<CollectOnlyResult> {
    if (this.state === "finished") return this.done;
    const exit = this.knownExit();
    if (exit === undefined && this.endedByItself && !this.stopReason) {
      // A Node program that ended by itself: its exit code is its main process's process.exit.
      return this.end(this.mainExitWithin(3000).then((code) => this.rec.finish({ exitCode: code ?? null })));
    }
    if (exit === undefined || this.stopReason) {
      // Stopped from the debugger (its exit code is then the kill's): end whatever is left at once.
      this.stopReason ??= "stopped: the debug session ended";
      return this.end(this.rec.stop());
    }
    return this.end(this.rec.finish({ exitCode: exit }));
  }

  /**
   * Stop: end every process of the program and, unless `endSession` is false (the session is
   * being restarted and goes on), the debug session.
   */
  requestStacks(reason: "hang" | "request", graceNs?: number): Promise<unknown> {
    return this.state === "running" ? this.rec.requestStacks(reason, graceNs) : Promise.resolve(null);
  }

  stop(reason = "stopped by the user", endSession = true): Promise<CollectOnlyResult> {
    if (this.state === "running") {
      this.state = "stopping";
      this.stopReason = reason;
      this.updateStatus();
      this.options.log(`stopping ${this.program} (${reason})`);
      if (this.rootSession && endSession && !this.restartRequested) void Promise.resolve(vscode.debug.stopDebugging(this.rootSession)).catch(() => undefined);
    }
    return this.end(this.rec.stop());
  }

  private ending: Promise<CollectOnlyResult> | null = null;

  private end(p: Promise<CollectOnlyResult>): Promise<CollectOnlyResult> {
    this.ending ??= p.then((r) => {
      this.onDone(r);
      return r;
    });
    return this.ending;
  }

  private onDone(result: CollectOnlyResult): void {
    this.state = "finished";
    this.result = result;
    for (const id of this.sessions.keys()) this.pausedState.sessionEnded(id);
    this.debugStateChanged();
    const reason = this.stopReason ?? (result.exitCode !== null ? `exited with ${result.exitCode}` : "ended");
    this.footer = makeFooter(result.events, result.lostEvents, result.badLines);
    this.announceFinished(reason);
    this.options.log(`${this.program}: ${reason}; ${this.stats.events} events${result.leftovers ? `; ended ${result.leftovers} process(es) left running` : ""}`);
    for (const p of result.problems) this.options.log(`problem: ${p}`);
    this.resolveDone(result);
  }

  info(): RunInfo {
    return {
      program: this.program,
      state: this.state,
      events: this.events.length,
      processes: this.stats.processesRunning,
      pid: this.rec.mainPid ?? 0,
      socketPath: this.rec.socketPath,
      traceFile: this.options.traceFile,
      exitCode: this.result?.exitCode ?? null,
      signal: this.result?.signal ?? null,
      stopped: this.result?.stopped ?? this.state === "stopping",
      hangReported: this.hang !== null,
    };
  }

  /** Processes of the program still running (for tests: none after the end). */
  liveProcesses(): number[] {
    return [...this.rec.liveProcesses().keys()];
  }

  async shutdown(): Promise<void> {
    if (this.state !== "finished") await this.stop("stopped: the window closed").catch(() => undefined);
    this.dispose();
  }

  override dispose(): void {
    if (this.state !== "finished") void this.stop("stopped").catch(() => undefined);
    super.dispose();
  }
}
