/**
 * One run of a program under the runtime, as the extension host owns it: the launcher's
 * {@link Run} (stdio piped), the host's copy of the events (what every view's snapshot is made
 * from), a TraceModel + LiveHangDetector for the live deadlock notification, a pseudoterminal
 * that shows the program's output and feeds its stdin, and a status bar item with Stop.
 * Disposing the session stops the run and ends the whole process tree.
 */

import * as vscode from "vscode";
import { basename } from "node:path";
import { startRun, type Run, type RunResult } from "../runtime/launch/launcher";
import { LiveHangDetector } from "../trace/analysis/live";
import type { TraceEvent, TraceHeader } from "../trace/format";
import { LiveRunBase, type LiveRunState } from "./liveRunBase";
import { LineDiscipline, toTerminalText } from "./lineDiscipline";
import { statusBarText } from "./runStats";
import type { IpcvizSettings } from "./settings";
import { makeFooter } from "./traceText";
import type { ViewSource } from "./viewPanel";

/** What a session needs to start. */
export interface RunSessionOptions {
  program: string;
  cwd: string;
  /** Interpreter (undefined: python3, then python). */
  python: string | undefined;
  /** Node.js for a JavaScript/TypeScript program (undefined: node on PATH). */
  node?: string;
  /** How a TypeScript program runs (ipcviz.typescriptRunner; undefined: auto). */
  tsRunner?: string;
  settings: IpcvizSettings;
  /** Where the launcher writes the trace while the program runs. */
  traceFile: string;
  /** The Python runtime shipped with the extension (runtime/python). */
  runtimeDir: string;
  /** Shown in the output channel. */
  log: (line: string) => void;
}

/** The state the integration tests read (the Test API, docs/extension.md). */
export interface RunInfo {
  program: string;
  state: LiveRunState;
  events: number;
  processes: number;
  /** Main process id; it leads the run's process group and session. */
  pid: number;
  /** The collector's socket: every process of the run has IPCVIZ_SOCK=<this> in its environment. */
  socketPath: string;
  traceFile: string;
  exitCode: number | null;
  signal: string | null;
  stopped: boolean;
  /** The live deadlock notification was raised. */
  hangReported: boolean;
}

/** See the file comment. */
export class RunSession extends LiveRunBase<RunResult> implements ViewSource {
  private readonly statusItem: vscode.StatusBarItem;
  /** The program's terminal (output, and input for its stdin). */
  readonly terminal: vscode.Terminal;
  private termOpen = false;
  private termBuffer: string[] = [];
  private readonly discipline = new LineDiscipline();
  /** Settles when the run has ended and the trace is complete. */
  readonly done: Promise<RunResult>;

  private constructor(
    private readonly run: Run,
    private readonly options: RunSessionOptions,
    detector: LiveHangDetector,
    statusItem: vscode.StatusBarItem,
    terminal: vscode.Terminal,
  ) {
    super(`IPC: ${basename(options.program)}`, detector);
    this.statusItem = this._register(statusItem);
    this.terminal = this._register(terminal);
    this.done = run.done.then(
      (r) => {
        this.onDone(r);
        return r;
      },
      (err) => {
        this.onDone(null, err as Error);
        throw err;
      },
    );
    // Unhandled rejections of done are reported through onDone.
    this.done.catch(() => undefined);
  }

  /** Start the program. Throws LaunchError (from the launcher) when it cannot start. */
  static async start(options: RunSessionOptions): Promise<RunSession> {
    const { settings } = options;
    // Everything that must see the first events exists before the program starts.
    const detector = new LiveHangDetector({ graceNs: settings.deadlockGraceSec * 1e9 });
    const pending: TraceEvent[] = [];
    let session: RunSession | null = null;
    const onEvents = (events: TraceEvent[]) => {
      if (session) session.addEvents(events);
      else for (const e of events) pending.push(e);
    };
    const clock = () => Number(process.hrtime.bigint());
    const feed = (events: TraceEvent[]) => {
      detector.feed(events, clock());
      onEvents(events);
    };

    // The terminal: output is buffered until VS Code opens it.
    let termSession: RunSession | null = null;
    const early: string[] = [];
    const writeEmitter = new vscode.EventEmitter<string>();
    const closeEmitter = new vscode.EventEmitter<number | void>();
    const pty: vscode.Pseudoterminal = {
      onDidWrite: writeEmitter.event,
      onDidClose: closeEmitter.event,
      open: () => {
        if (termSession) termSession.openTerminal();
        else early.push("");
      },
      close: () => {
        // The user closed the terminal: the run goes on (Stop ends it).
      },
      handleInput: (data) => termSession?.handleInput(data),
    };
    const terminal = vscode.window.createTerminal({ name: `IPC: ${basename(options.program)}`, pty, iconPath: new vscode.ThemeIcon("type-hierarchy") });
    const statusItem = vscode.window.createStatusBarItem("ipcviz.run", vscode.StatusBarAlignment.Left, 100);
    statusItem.name = "IPC Visualiser run";
    statusItem.command = { command: "ipcviz.stop", title: "Stop" };
    statusItem.tooltip = "IPC Visualiser: click to stop the program (ends every process it started)";
    statusItem.text = statusBarText({ processesRunning: 0, events: 0 }, "starting");
    statusItem.show();

    let run: Run;
    try {
      run = await startRun({
        python: options.python,
        node: options.node,
        tsRunner: options.tsRunner,
        program: options.program,
        cwd: options.cwd,
        startMethod: settings.startMethod,
        out: options.traceFile,
        stdio: "pipe",
        previewLength: settings.previewLength,
        runtimeDir: options.runtimeDir,
        onEvents: feed,
        onProblem: (p) => options.log(`collector: ${p}`),
      });
    } catch (err) {
      statusItem.dispose();
      terminal.dispose();
      writeEmitter.dispose();
      closeEmitter.dispose();
      throw err;
    }
    session = termSession = new RunSession(run, options, detector, statusItem, terminal);
    session.adoptTerminal(writeEmitter, closeEmitter, early.length > 0);
    if (pending.length) session.addEvents(pending.splice(0));
    session.pipeOutput();
    terminal.show(true);
    options.log(`started ${options.program} (pid ${run.pid}) with ${run.header.interpreter.path} ${run.header.interpreter.version}; trace: ${options.traceFile}`);
    return session;
  }

  private termWrite!: vscode.EventEmitter<string>;
  private termClose!: vscode.EventEmitter<number | void>;

  private adoptTerminal(write: vscode.EventEmitter<string>, close: vscode.EventEmitter<number | void>, alreadyOpen: boolean): void {
    this.termWrite = this._register(write);
    this.termClose = this._register(close);
    if (alreadyOpen) this.openTerminal();
  }

  private openTerminal(): void {
    this.termOpen = true;
    for (const t of this.termBuffer.splice(0)) this.termWrite.fire(t);
  }

  private termOut(text: string): void {
    const t = toTerminalText(text);
    if (this.termOpen) this.termWrite.fire(t);
    else this.termBuffer.push(t);
  }

  private pipeOutput(): void {
    const child = this.run.child;
    const decode = (chunk: Buffer | string) => (typeof chunk === "string" ? chunk : chunk.toString("utf8"));
    child.stdout?.on("data", (c) => this.termOut(decode(c)));
    child.stderr?.on("data", (c) => this.termOut(`\x1b[31m${decode(c)}\x1b[0m`));
    child.stdin?.on("error", () => undefined); // EPIPE once the program has exited
  }

  private handleInput(data: string): void {
    const r = this.discipline.input(data);
    if (r.echo) this.termOut(r.echo);
    const stdin = this.run.child.stdin;
    for (const line of r.send) if (stdin && !stdin.destroyed) stdin.write(line);
    if (r.interrupt) this.run.signal("SIGINT");
    if (r.eof && stdin && !stdin.destroyed) stdin.end();
  }

  // ------------------------------------------------------------------ ViewSource

  get header(): TraceHeader {
    return this.run.header;
  }

  get traceFile(): string {
    return this.options.traceFile;
  }

  get program(): string {
    return this.options.program;
  }

  /** Stop the run: the whole process tree ends (SIGTERM, then SIGKILL after the grace period). */
  stop(reason = "stopped by the user"): Promise<RunResult> {
    if (this.state === "running") {
      this.state = "stopping";
      this.stopReason = reason;
      this.updateStatus();
      this.options.log(`stopping ${this.options.program} (${reason})`);
    }
    return this.run.stop();
  }

  protected backlogBytes(): number {
    return this.run.backlogBytes;
  }
  requestStacks(reason: "hang" | "request", graceNs?: number): Promise<unknown> {
    return this.state === "running" ? this.run.requestStacks(reason, graceNs) : Promise.resolve(null);
  }


  protected updateStatus(): void {
    if (this.state === "finished") return;
    this.statusItem.text = statusBarText({ processesRunning: this.stats.processesRunning, events: this.stats.events }, this.state);
    this._onDidStatus.fire({ state: this.state, processes: this.stats.processesRunning, events: this.stats.events, ...(this.waitingOutside ? { note: this.waitingOutside } : {}) });
  }

  private onDone(result: RunResult | null, error?: Error): void {
    this.state = "finished";
    this.result = result;
    this.statusItem.hide();
    let reason: string;
    if (!result) reason = `the run failed: ${error?.message ?? "unknown error"}`;
    else if (this.stopReason) reason = this.stopReason;
    else if (result.timedOut) reason = "stopped: timed out";
    else if (result.signal) reason = `killed by ${result.signal}`;
    else reason = `exited with ${result.exitCode}`;
    if (result) this.footer = makeFooter(result.events, result.lostEvents, result.badLines);
    this.announceFinished(reason);
    this.termOut(`\r\n\x1b[2m[IPC Visualiser: ${reason}; ${this.stats.events} events]\x1b[0m\r\n`);
    this.options.log(`${this.options.program}: ${reason}; ${this.stats.events} events${result?.leftovers ? `; ended ${result.leftovers} process(es) left running` : ""}`);
    for (const p of result?.problems ?? []) this.options.log(`problem: ${p}`);
  }

  info(): RunInfo {
    return {
      program: this.options.program,
      state: this.state,
      events: this.events.length,
      processes: this.stats.processesRunning,
      pid: this.run.pid,
      socketPath: this.run.socketPath,
      traceFile: this.options.traceFile,
      exitCode: this.result?.exitCode ?? null,
      signal: this.result?.signal ?? null,
      stopped: this.result?.stopped ?? this.state === "stopping",
      hangReported: this.hang !== null,
    };
  }

  /** Stop the run and wait for the tree to be gone, then release everything. */
  async shutdown(): Promise<void> {
    if (this.state !== "finished") await this.stop("stopped: the window closed").catch(() => undefined);
    this.dispose();
  }

  override dispose(): void {
    if (this.state !== "finished") void this.run.stop().catch(() => undefined);
    super.dispose();
  }
}
