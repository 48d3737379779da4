/**
 * Runs: "Visualise IPC" starts a program under the runtime and shows it live; at most one run is
 * live (starting another asks to stop it); the hang notification; "Stop the IPC Run"; "Show All
 * IPC Stacks". A debug run (extension/debug/) is adopted here too and handled as a normal run.
 */

import * as vscode from "vscode";
import { basename, dirname, join } from "node:path";
import { LaunchError } from "../runtime/launch/launcher";
import type { LiveRun } from "./debug/debugRun";
import { Disposable } from "./dispose";
import type { FeatureContext } from "./featureContext";
import { interpreterFromPythonExtension, pickInterpreter } from "./interpreter";
import { RunSession, type RunInfo } from "./runSession";
import { INTERPRETER_ERRORS, chooseInterpreter, isNodeProgramFile, isRunnableProgram, launchErrorText, type InterpreterChoice, type IpcvizSettings } from "./settings";
import type { Traces } from "./traces";
import { guardRun } from "./trust";
import type { ViewPanel } from "./viewPanel";
import type { Views } from "./views";

/** The workspace-trust guard (trust.ts) with VS Code's own messages and trust editor. */
export function guardRunInWorkspace(): Promise<boolean> {
  return guardRun(vscode.workspace, {
    showWarningMessage: (m, ...items) => vscode.window.showWarningMessage(m, ...items),
    manageTrust: () => vscode.commands.executeCommand("workbench.trust.manage"),
  });
}

/** See the file comment. */
export class Runs extends Disposable {
  private session: LiveRun | null = null;

  constructor(
    private readonly fc: FeatureContext,
    private readonly views: Views,
    private readonly traces: Traces,
  ) {
    super();
  }

  /** Whether the current run is running. */
  get isRunning(): boolean {
    return this.session?.isRunning ?? false;
  }

  /** The current (or last) run's info, or null. */
  info(): RunInfo | null {
    return this.session?.info() ?? null;
  }

  /** The interpreter for a Python program at `resource`: the Python extension's, else the setting's, else python3. */
  async interpreter(resource: vscode.Uri | undefined): Promise<InterpreterChoice> {
    return chooseInterpreter(await interpreterFromPythonExtension(resource, (l) => this.fc.log(l)), this.fc.settings(resource).python);
  }

  /** "Visualise IPC": save the file, run it under the runtime, open the live view beside it. Returns the run's info, or null when nothing started. */
  async visualise(uri?: vscode.Uri): Promise<RunInfo | null> {
    if (!(await guardRunInWorkspace())) return null;
    // From the palette: the active Python editor, or, when the active editor is a run's view (it
    // takes the keyboard when it loads), the program that view shows.
    const target = uri ?? vscode.window.activeTextEditor?.document.uri ?? this.views.programOfActiveRunView();
    if (!target || target.scheme !== "file" || !isRunnableProgram(target.fsPath)) {
      void vscode.window.showErrorMessage(
        target && target.scheme === "untitled"
          ? "IPC Visualiser: save this file as a .py, .js or .ts file first; then run Visualise IPC again."
          : "IPC Visualiser: open a Python (.py), JavaScript (.js, .mjs, .cjs) or TypeScript (.ts) file to visualise, or right-click one in the Explorer and choose Visualise IPC.",
      );
      return null;
    }
    const program = target.fsPath;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (doc?.isDirty && !(await doc.save())) {
      void vscode.window.showErrorMessage(`IPC Visualiser: could not save ${basename(program)}; save it and try again.`);
      return null;
    }
    if (!(await this.confirmReplaceRun(program))) return null;
    const settings = this.fc.settings(target);
    const folder = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath;
    const node = isNodeProgramFile(program);
    const fromExt = node ? undefined : await interpreterFromPythonExtension(target, (l) => this.fc.log(l));
    const choice = chooseInterpreter(fromExt, settings.python);
    const traceFile = this.traces.newRunTraceFile(program);
    let session: RunSession;
    try {
      session = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `IPC Visualiser: starting ${basename(program)}…` },
        () =>
          RunSession.start({
            program,
            cwd: folder ?? dirname(program),
            python: choice.python,
            node: settings.node || undefined,
            tsRunner: settings.typescriptRunner,
            settings,
            traceFile,
            runtimeDir: join(this.fc.extension.extensionPath, "runtime", "python"),
            log: (l) => this.fc.log(l),
          }),
      );
    } catch (err) {
      this.reportLaunchError(err, choice);
      return null;
    }
    this.fc.log(node ? `node: ${session.header?.interpreter.path ?? settings.node ?? "node"} ${session.header?.interpreter.version ?? ""}` : `interpreter: ${choice.description}`);
    this.adoptRun(session, settings);
    return session.info();
  }

  /** A run is live: ask to stop it before starting `program`. True when nothing runs any more. */
  async confirmReplaceRun(program: string): Promise<boolean> {
    if (!this.session?.isRunning) return true;
    const old = this.session;
    const choice = await vscode.window.showWarningMessage(
      `${basename(old.program)} is still running under IPC Visualiser. Stop it and visualise ${basename(program)}?`,
      { modal: true },
      "Stop and Run",
    );
    if (choice !== "Stop and Run") return false;
    await old.stop("stopped: another run started");
    return true;
  }

  /** Make `session` (a normal or a debug run) the current run: shown live, hang notification, saving when it ends. */
  adoptRun(session: LiveRun, settings: IpcvizSettings): void {
    if (this.session !== session) this.session?.dispose();
    this.session = session;
    this.views.record(session.title, session.traceFile);
    session.onDidHang(() => this.onHang(session));
    void session.done.then(
      () => this.traces.onRunFinished(session, settings),
      () => this.traces.onRunFinished(session, settings),
    );
    this.views.showRun(session);
    this.fc.updateContextKeys();
  }

  /** A launch failed: say why, with the action that fixes it (Pick Interpreter, Open Settings, Show Log). */
  reportLaunchError(err: unknown, choice: InterpreterChoice): void {
    if (err instanceof LaunchError) {
      const text = launchErrorText(err.code, err.message, choice);
      this.fc.log(text);
      if (err.code === "no-node" || err.code === "old-node" || err.code === "no-ts-runner") {
        void vscode.window.showErrorMessage(text, "Open Settings").then((c) => {
          if (c) void vscode.commands.executeCommand("workbench.action.openSettings", err.code === "no-ts-runner" ? "ipcviz.typescriptRunner" : "ipcviz.node");
        });
        return;
      }
      if (INTERPRETER_ERRORS.has(err.code)) {
        void vscode.window.showErrorMessage(text, "Pick Interpreter", "Open Settings").then((c) => {
          if (c === "Pick Interpreter") void pickInterpreter();
          else if (c === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "ipcviz.python");
        });
      } else void vscode.window.showErrorMessage(text);
      return;
    }
    const msg = (err as Error)?.message ?? String(err);
    this.fc.log(`could not start: ${(err as Error)?.stack ?? msg}`);
    void vscode.window.showErrorMessage(`IPC Visualiser could not start the program: ${msg}`, "Show Log").then((c) => {
      if (c) this.fc.showLog();
    });
  }

  /**
   * "Show All Stacks": a live run's processes are asked where every thread is (the answers reach
   * the view as events); the view opens its Stacks panel (a saved trace: its last snapshot).
   */
  async showAllStacks(view: ViewPanel | null): Promise<void> {
    const v = view ?? this.views.runPanel ?? this.views.active;
    const s = this.session;
    const live = s?.isRunning && (!v || v.currentSource === s);
    if (!v && !live) {
      void vscode.window.showInformationMessage("IPC Visualiser: no view is open; run a program with Visualise IPC first.");
      return;
    }
    if (live) {
      if (!v) this.views.showRun(s!);
      await s!.requestStacks("request");
    }
    const target = v ?? this.views.runPanel;
    if (target) await target.reveal({ kind: "stacks" });
  }

  /** "Stop": end the whole process tree of the current run. */
  async stop(): Promise<RunInfo | null> {
    const s = this.session;
    if (!s?.isRunning) {
      void vscode.window.showInformationMessage("IPC Visualiser: no program is running.");
      return s?.info() ?? null;
    }
    await s.stop();
    return s.info();
  }

  /** Stop the run (the whole tree) and wait until it is gone. */
  async shutdown(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.shutdown();
  }

  override dispose(): void {
    this.session?.dispose();
    this.session = null;
    super.dispose();
  }

  private onHang(session: LiveRun): void {
    const text = session.hangText();
    this.fc.log(`hang found: ${session.hang?.text ?? text}`);
    void vscode.window.showWarningMessage(`IPC Visualiser: ${text}`, "Show", "Stop").then((c) => {
      if (c === "Show") {
        const run = this.views.runPanel;
        const view = run && run.currentSource === session ? run : null;
        if (view) void view.reveal({ kind: session.hang?.noProgress ? "stacks" : "diagnosis" }).catch((e) => this.fc.log(`reveal: ${(e as Error).message}`));
        else this.views.showRun(session);
      } else if (c === "Stop") void session.stop(session.hang?.noProgress ? "stopped: no progress" : session.hang?.deadlocks[0]?.kind === "stall" ? "stopped: stalled" : "stopped: deadlock");
    });
  }
}
