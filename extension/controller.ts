/**
 * The extension's commands and their state: the current {@link RunSession} (at most one live),
 * the views that show runs and traces, trace saving, exports, go-to-source, the deadlock
 * notification, the trace editor and the panel serializer. extension.ts only creates this.
 */

import * as vscode from "vscode";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { LaunchError } from "../runtime/launch/launcher";
import { TraceReadError } from "../trace/reader";
import type { CommandMessage, ViewOptions } from "../webview/protocol";
import { MainGuardCodeLensProvider } from "./codeLens";
import { Disposable, toDisposable } from "./dispose";
import { disposeGoToSource, goToSource } from "./goToSource";
import { chooseTarget, defaultName, exportHtml, exportImage, exportPerfetto, type ExportContext } from "./exports";
import { interpreterFromPythonExtension, pickInterpreter } from "./interpreter";
import { registerDebugSupport, type DebugSupport, type DebugSupportTesting } from "./debug/debugSupport";
import type { LiveRun } from "./debug/debugRun";
import { RunSession, type RunInfo } from "./runSession";
import { INTERPRETER_ERRORS, chooseInterpreter, isNodeProgramFile, isRunnableProgram, launchErrorText, resolveSettings, resolveTraceFolder, traceFileName, uniquePath, type IpcvizSettings } from "./settings";
import { loadTrace, TraceDocument } from "./traceEditor";
import { makeFooter, traceToJsonl } from "./traceText";
import { guardRun } from "./trust";
import { ViewPanel, type ViewHost, type ViewInfo, type ViewSource } from "./viewPanel";

/** Webview panel type of run views (the serializer restores these). */
export const VIEW_TYPE = "ipcviz.view";
/** Custom editor type of saved traces. */
export const TRACE_EDITOR_TYPE = "ipcviz.trace";
/** workspaceState key: recent views (title → trace file), so a reload can restore them. */
const VIEW_RECORDS = "ipcviz.viewRecords";
/** Traces of runs kept in the extension's storage (for restoring views), newest first. */
const KEEP_RUN_TRACES = 20;

interface ViewRecord {
  title: string;
  trace: string;
}

/** What the integration tests can read (documented in docs/extension.md, "Test API"). */
export interface IpcvizTestApi {
  /** The current (or last) run, or null. */
  run(): RunInfo | null;
  /** Every open view: run panels and trace editors. */
  views(): ViewInfo[];
  /** "Start Debugging with Process Lanes" (extension/debug/debugSupport.ts). */
  debug?: DebugSupportTesting;
}

/** The value activate() returns. */
export interface IpcvizApi {
  readonly testing: IpcvizTestApi;
}

/** workspaceState key: the pid of the extension host running this extension (cleared on deactivate). */
const HOST_PID_KEY = "ipcviz.extensionHostPid";

/** Whether a process with this pid exists. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A view that shows a source with no events (a restored panel whose trace is gone). */
function emptySource(title: string): ViewSource {
  return { title, header: null, events: [], live: false, footer: null, traceFile: null };
}

/** See the file comment. */
export class Controller extends Disposable implements ViewHost {
  private session: LiveRun | null = null;
  private runPanel: ViewPanel | null = null;
  private readonly views = new Set<ViewPanel>();
  private activeView: ViewPanel | null = null;
  private readonly output: vscode.OutputChannel;
  private readonly runsDir: string;
  private readonly debugSupport: DebugSupport;

  readonly api: IpcvizApi = {
    testing: {
      run: () => this.session?.info() ?? null,
      views: () => [...this.views].map((v) => v.info()),
    },
  };

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    this.output = this._register(vscode.window.createOutputChannel("IPC Visualiser"));
    this.runsDir = join(context.globalStorageUri.fsPath, "runs");
    this.pruneRunTraces();
    const reg = (id: string, fn: Parameters<typeof vscode.commands.registerCommand>[1]) => this._register(vscode.commands.registerCommand(id, fn));
    reg("ipcviz.visualise", (uri?: vscode.Uri) => this.visualise(uri));
    // The American spelling: its own palette row ("IPC Visualizer: Visualize IPC"), the same command.
    reg("ipcviz.visualize", (uri?: vscode.Uri) => this.visualise(uri));
    reg("ipcviz.keepTrace", (target?: vscode.Uri) => this.keepTrace(this.activeView, target));
    reg("ipcviz.openRecentRun", () => this.openRecentRun());
    reg("ipcviz.stop", () => this.stop());
    reg("ipcviz.showAllStacks", () => this.showAllStacks(this.activeView));
    reg("ipcviz.openTrace", (uri?: vscode.Uri) => this.openTrace(uri));
    reg("ipcviz.saveTrace", (target?: vscode.Uri) => this.saveTrace(this.activeView, target));
    reg("ipcviz.exportHtml", (target?: vscode.Uri) => this.exportHtml(this.activeView, target));
    reg("ipcviz.exportSvg", (target?: vscode.Uri) => this.exportImage(this.activeView, "svg", target));
    reg("ipcviz.exportPng", (target?: vscode.Uri) => this.exportImage(this.activeView, "png", target));
    reg("ipcviz.exportPerfetto", (target?: vscode.Uri) => this.exportPerfetto(this.activeView, target));
    reg("ipcviz.pickInterpreter", () => pickInterpreter());
    reg("ipcviz.openExample", (name?: string) => this.openExample(name));
    reg("ipcviz.showOutput", () => this.output.show());

    const lenses = this._register(new MainGuardCodeLensProvider());
    this._register(vscode.languages.registerCodeLensProvider({ language: "python" }, lenses));
    for (const language of ["javascript", "typescript"]) this._register(vscode.languages.registerCodeLensProvider({ language, scheme: "file" }, lenses));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("ipcviz.codeLens")) lenses.refresh();
      }),
    );
    this._register(
      vscode.window.registerCustomEditorProvider(
        TRACE_EDITOR_TYPE,
        {
          openCustomDocument: (uri) => this.openTraceDocument(uri),
          resolveCustomEditor: (document, panel) => {
            this.addView(new ViewPanel(panel, document as TraceDocument, "trace", this.context.extensionUri, this));
          },
        },
        { supportsMultipleEditorsPerDocument: true },
      ),
    );
    this._register(
      vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
        deserializeWebviewPanel: (panel) => this.restorePanel(panel),
      }),
    );
    this._register(toDisposable(disposeGoToSource));
    // The extension host that ran before this one died without deactivating (SIGKILL, crash, OOM):
    // VS Code keeps its run views open but never hands them to this host, so they would stay blank
    // or frozen. Replace each with a view restored from its run's trace.
    const previousHost = context.workspaceState.get<number>(HOST_PID_KEY);
    void context.workspaceState.update(HOST_PID_KEY, process.pid);
    if (previousHost !== undefined && previousHost !== process.pid && !processAlive(previousHost)) {
      const timer = setTimeout(() => void this.reviveOrphanedPanels().catch((err) => this.log(`could not restore the run views: ${(err as Error).message}`)), 2000);
      this._register(toDisposable(() => clearTimeout(timer)));
    }
    this.debugSupport = this._register(
      registerDebugSupport(context, {
        log: (l) => this.log(l),
        settings: (r) => this.settings(r),
        interpreter: async (r) => chooseInterpreter(await interpreterFromPythonExtension(r, (l) => this.log(l)), this.settings(r).python),
        runtimeDir: join(context.extensionPath, "runtime", "python"),
        newTraceFile: (program) => {
          mkdirSync(this.runsDir, { recursive: true });
          return uniquePath(this.runsDir, traceFileName(program), existsSync);
        },
        guardRun: () =>
          guardRun(vscode.workspace, {
            showWarningMessage: (m, ...items) => vscode.window.showWarningMessage(m, ...items),
            manageTrust: () => vscode.commands.executeCommand("workbench.trust.manage"),
          }),
        confirmReplaceRun: (program) => this.confirmReplaceRun(program),
        adoptRun: (run, settings) => this.adoptRun(run, settings),
        reportLaunchError: (err, python) => this.reportLaunchError(err, chooseInterpreter(python, "")),
      }),
    );
    this.api.testing.debug = this.debugSupport.testing;
    void this.setContext();
  }

  private log(line: string): void {
    this.output.appendLine(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
  }

  private settings(resource?: vscode.Uri): IpcvizSettings {
    const cfg = vscode.workspace.getConfiguration("ipcviz", resource);
    return resolveSettings((k) => cfg.get(k));
  }

  private async setContext(): Promise<void> {
    await vscode.commands.executeCommand("setContext", "ipcviz.running", this.session?.isRunning ?? false);
    await vscode.commands.executeCommand("setContext", "ipcviz.hasView", this.views.size > 0);
  }

  // ------------------------------------------------------------------ running

  /** "Visualise IPC": save the file, run it under the runtime, open the live view beside it. Returns the run's info, or null when nothing started. */
  async visualise(uri?: vscode.Uri): Promise<RunInfo | null> {
    const allowed = await guardRun(vscode.workspace, {
      showWarningMessage: (m, ...items) => vscode.window.showWarningMessage(m, ...items),
      manageTrust: () => vscode.commands.executeCommand("workbench.trust.manage"),
    });
    if (!allowed) return null;
    // From the palette: the active Python editor, or, when the active editor is a run's view (it
    // takes the keyboard when it loads), the program that view shows.
    const target = uri ?? vscode.window.activeTextEditor?.document.uri ?? this.programOfActiveRunView();
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
    const settings = this.settings(target);
    const folder = vscode.workspace.getWorkspaceFolder(target)?.uri.fsPath;
    const node = isNodeProgramFile(program);
    const fromExt = node ? undefined : await interpreterFromPythonExtension(target, (l) => this.log(l));
    const choice = chooseInterpreter(fromExt, settings.python);
    mkdirSync(this.runsDir, { recursive: true });
    const traceFile = uniquePath(this.runsDir, traceFileName(program), existsSync);
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
            runtimeDir: join(this.context.extensionPath, "runtime", "python"),
            log: (l) => this.log(l),
          }),
      );
    } catch (err) {
      this.reportLaunchError(err, choice);
      return null;
    }
    this.log(node ? `node: ${session.header?.interpreter.path ?? settings.node ?? "node"} ${session.header?.interpreter.version ?? ""}` : `interpreter: ${choice.description}`);
    this.adoptRun(session, settings);
    return session.info();
  }

  /** A run is live: ask to stop it before starting `program`. True when nothing runs any more. */
  private async confirmReplaceRun(program: string): Promise<boolean> {
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
  private adoptRun(session: LiveRun, settings: IpcvizSettings): void {
    if (this.session !== session) this.session?.dispose();
    this.session = session;
    this.recordView({ title: session.title, trace: session.traceFile });
    session.onDidHang(() => this.onHang(session));
    void session.done.then(
      () => this.onRunFinished(session, settings),
      () => this.onRunFinished(session, settings),
    );
    this.showRunPanel(session);
    void this.setContext();
  }

  /** The program shown by the run view that is the active editor, if any (and it still exists). */
  private programOfActiveRunView(): vscode.Uri | undefined {
    const v = this.activeView;
    if (!v || v.kind !== "run" || !v.panel.active || !this.views.has(v)) return undefined;
    const src = v.currentSource;
    const program = src instanceof RunSession ? src.program : src.header?.program;
    return program && existsSync(program) ? vscode.Uri.file(program) : undefined;
  }

  private reportLaunchError(err: unknown, choice: ReturnType<typeof chooseInterpreter>): void {
    if (err instanceof LaunchError) {
      const text = launchErrorText(err.code, err.message, choice);
      this.log(text);
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
    this.log(`could not start: ${(err as Error)?.stack ?? msg}`);
    void vscode.window.showErrorMessage(`IPC Visualiser could not start the program: ${msg}`, "Show Log").then((c) => {
      if (c) this.output.show();
    });
  }

  private showRunPanel(session: LiveRun): void {
    if (this.runPanel && this.views.has(this.runPanel)) {
      this.runPanel.setSource(session);
      this.runPanel.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, session.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, "out", "webview")],
    });
    const view = new ViewPanel(panel, session, "run", this.context.extensionUri, this);
    this.runPanel = view;
    this.addView(view);
    view.onDidDispose(() => {
      if (this.runPanel === view) this.runPanel = null;
    });
  }

  private addView(view: ViewPanel): void {
    this.views.add(view);
    this.activeView ??= view;
    view.onDidDispose(() => {
      this.views.delete(view);
      if (this.activeView === view) this.activeView = [...this.views].pop() ?? null;
      void this.setContext();
    });
    void this.setContext();
  }

  /**
   * "Show All Stacks": a live run's processes are asked where every thread is (the answers reach
   * the view as events); the view opens its Stacks panel (a saved trace: its last snapshot).
   */
  async showAllStacks(view: ViewPanel | null): Promise<void> {
    const v = view ?? this.runPanel ?? this.activeView;
    const s = this.session;
    const live = s?.isRunning && (!v || v.currentSource === s);
    if (!v && !live) {
      void vscode.window.showInformationMessage("IPC Visualiser: no view is open; run a program with Visualise IPC first.");
      return;
    }
    if (live) {
      if (!v) this.showRunPanel(s!);
      await s!.requestStacks("request");
    }
    const target = v ?? this.runPanel;
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

  private onHang(session: LiveRun): void {
    const text = session.hangText();
    this.log(`hang found: ${session.hang?.text ?? text}`);
    void vscode.window.showWarningMessage(`IPC Visualiser: ${text}`, "Show", "Stop").then((c) => {
      if (c === "Show") {
        const view = this.runPanel && this.runPanel.currentSource === session ? this.runPanel : null;
        if (view) void view.reveal({ kind: session.hang?.noProgress ? "stacks" : "diagnosis" }).catch((e) => this.log(`reveal: ${(e as Error).message}`));
        else this.showRunPanel(session);
      } else if (c === "Stop") void session.stop(session.hang?.noProgress ? "stopped: no progress" : session.hang?.deadlocks[0]?.kind === "stall" ? "stopped: stalled" : "stopped: deadlock");
    });
  }

  /** The traces folder for a run of `program`. */
  private tracesFolder(program: string, settings: IpcvizSettings = this.settings(vscode.Uri.file(program))): string {
    return resolveTraceFolder(settings.tracesFolder, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program))?.uri.fsPath, program);
  }

  /** The run whose trace the pending "Save its trace?" question is about (at most one question is shown). */
  private askingAbout: LiveRun | null = null;

  private async onRunFinished(session: LiveRun, settings: IpcvizSettings): Promise<void> {
    void this.setContext();
    if (!session.result || session.events.length === 0) return;
    const folder = this.tracesFolder(session.program, settings);
    if (settings.saveTraces === "always") {
      const path = uniquePath(folder, basename(session.traceFile), existsSync);
      this.copyTrace(session, path);
      this.log(`trace saved to ${path}`);
      return;
    }
    // "recent" (the default) and "never": the trace stays among the recent runs, no question.
    if (settings.saveTraces !== "ask") return;
    // One question at a time: a question still open is about the newest run from now on.
    const pending = this.askingAbout !== null;
    this.askingAbout = session;
    if (pending) return;
    const c = await vscode.window.showInformationMessage(
      `IPC Visualiser: ${basename(session.program)} ended (${session.events.length} events). Save its trace to ${folder}?`,
      "Save",
      "Save As…",
      "Never Ask",
    );
    const target = this.askingAbout ?? session;
    this.askingAbout = null;
    if (c === "Save") {
      const path = await this.keepTrace(null, undefined, target);
      if (path) {
        void vscode.window.showInformationMessage(`Trace saved to ${path}`, "Open").then((o) => {
          if (o) void this.openTrace(vscode.Uri.file(path));
        });
      }
    } else if (c === "Save As…") {
      const view = [...this.views].find((v) => v.currentSource === target) ?? null;
      await this.saveTrace(view, undefined, target);
    } else if (c === "Never Ask") {
      await vscode.workspace.getConfiguration("ipcviz").update("traces.save", "recent", vscode.ConfigurationTarget.Global);
    }
  }

  /** "Keep This IPC Trace": copy the view's trace into the traces folder (no dialog). Returns the path written. */
  async keepTrace(view: ViewPanel | null, target?: vscode.Uri, sourceOverride?: ViewSource): Promise<string | undefined> {
    const source = sourceOverride ?? this.requireView(view)?.currentSource;
    if (!source) return undefined;
    const program = source.header?.program ?? source.title;
    const path = target?.fsPath ?? uniquePath(this.tracesFolder(program), source.traceFile ? basename(source.traceFile) : traceFileName(program), existsSync);
    this.copyTrace(source, path);
    this.log(`trace kept in ${path}`);
    if (!target && !sourceOverride) {
      void vscode.window.showInformationMessage(`IPC Visualiser: trace kept in ${path}`, "Open").then((o) => {
        if (o) void this.openTrace(vscode.Uri.file(path));
      });
    }
    return path;
  }

  /** "Open a Recent IPC Run…": a quick pick of the runs kept in the extension's storage (newest first). */
  async openRecentRun(): Promise<boolean> {
    let files: { f: string; t: number }[] = [];
    try {
      files = readdirSync(this.runsDir)
        .filter((f) => f.endsWith(".ipcviz.jsonl"))
        .map((f) => ({ f, t: statSync(join(this.runsDir, f)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
    } catch {
      files = [];
    }
    if (files.length === 0) {
      void vscode.window.showInformationMessage("IPC Visualiser: no recent runs yet. Open a Python program and run Visualise IPC (F1, Visualise IPC).", "Open an Example").then((c) => {
        if (c) void this.openExample();
      });
      return false;
    }
    const picked = await vscode.window.showQuickPick(
      files.map(({ f, t }) => ({ label: f.replace(/\.ipcviz\.jsonl$/, ""), description: new Date(t).toLocaleString(), path: join(this.runsDir, f) })),
      { title: "Open a recent IPC Visualiser run", placeHolder: "the newest runs' traces, newest first" },
    );
    if (!picked) return false;
    return this.openTrace(vscode.Uri.file(picked.path));
  }

  /** Write a source's trace to `path`: a copy of its file when complete, else from the host's events. */
  private copyTrace(source: ViewSource, path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    if (source.traceFile && !source.live && existsSync(source.traceFile) && source.footer) copyFileSync(source.traceFile, path);
    else if (source.header) writeFileSync(path, traceToJsonl(source.header, source.events, source.live ? null : (source.footer ?? makeFooter(source.events.length))));
    else throw new Error("this view has no trace to save");
  }

  // ------------------------------------------------------------------ traces, views

  private async openTraceDocument(uri: vscode.Uri): Promise<TraceDocument> {
    try {
      const doc = await loadTrace(uri);
      if (doc.problems.length) this.log(`${uri.fsPath}: ${doc.problems.join("; ")}`);
      return doc;
    } catch (err) {
      const msg = err instanceof TraceReadError ? err.message : `${basename(uri.path)}: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(`IPC Visualiser cannot open this trace: ${msg}`);
      throw err;
    }
  }

  /** "Open Trace": a saved trace in the read-only trace editor. */
  async openTrace(uri?: vscode.Uri): Promise<boolean> {
    let target = uri;
    if (!target) {
      const picked = await vscode.window.showOpenDialog({
        title: "Open an IPC Visualiser trace",
        canSelectMany: false,
        filters: { "IPC Visualiser traces": ["jsonl"] },
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      });
      target = picked?.[0];
    }
    if (!target) return false;
    await vscode.commands.executeCommand("vscode.openWith", target, TRACE_EDITOR_TYPE, { viewColumn: vscode.ViewColumn.Active });
    return true;
  }

  private recordView(r: ViewRecord): void {
    const list = this.context.workspaceState.get<ViewRecord[]>(VIEW_RECORDS, []).filter((x) => x.trace !== r.trace);
    list.unshift(r);
    void this.context.workspaceState.update(VIEW_RECORDS, list.slice(0, KEEP_RUN_TRACES));
  }

  /**
   * A run panel came back (window reload, or a replacement for a view the dead extension host
   * left behind): show the newest trace recorded under its title, or an empty state with actions.
   */
  private async restorePanel(panel: vscode.WebviewPanel): Promise<void> {
    const records = this.context.workspaceState.get<ViewRecord[]>(VIEW_RECORDS, []);
    const rec = records.find((r) => r.title === panel.title && existsSync(r.trace));
    let source: ViewSource = emptySource(`${panel.title} (its trace is no longer available)`);
    if (rec) {
      try {
        let doc = await loadTrace(vscode.Uri.file(rec.trace), panel.title);
        // A run whose recorder died: its watchdog appends run.orphaned within a few seconds.
        for (let i = 0; i < 20 && !doc.footer && !doc.events.some((e) => e.kind === "run.orphaned" || e.kind === "run.exit"); i++) {
          await new Promise((r) => setTimeout(r, 500));
          doc = await loadTrace(vscode.Uri.file(rec.trace), panel.title);
        }
        source = doc;
      } catch (err) {
        this.log(`could not restore ${panel.title} from ${rec.trace}: ${(err as Error).message}`);
      }
    }
    this.addView(new ViewPanel(panel, source, "trace", this.context.extensionUri, this));
  }

  /** Replace the run views a dead extension host left open (see the constructor) with restored ones. */
  private async reviveOrphanedPanels(): Promise<void> {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (!(input instanceof vscode.TabInputWebview) || !(input.viewType === VIEW_TYPE || input.viewType.endsWith(`-${VIEW_TYPE}`))) continue;
        if ([...this.views].some((v) => v.panel.title === tab.label && v.panel.viewColumn === group.viewColumn)) continue;
        const title = tab.label;
        const column = group.viewColumn;
        this.log(`restoring the run view "${title}" left by the extension host that died`);
        await vscode.window.tabGroups.close(tab, true);
        const panel = vscode.window.createWebviewPanel(VIEW_TYPE, title, { viewColumn: column, preserveFocus: true }, {
          enableScripts: true,
          localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, "out", "webview")],
        });
        await this.restorePanel(panel);
      }
    }
  }

  private pruneRunTraces(): void {
    try {
      const files = readdirSync(this.runsDir)
        .filter((f) => f.endsWith(".ipcviz.jsonl"))
        .map((f) => ({ f, t: statSync(join(this.runsDir, f)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      for (const { f } of files.slice(KEEP_RUN_TRACES)) rmSync(join(this.runsDir, f), { force: true });
    } catch {
      /* no runs yet */
    }
  }

  // ------------------------------------------------------------------ ViewHost

  goToSource(file: string, line: number, view: ViewPanel): void {
    goToSource(file, line, view.panel.viewColumn).catch((err) => void vscode.window.showErrorMessage(`IPC Visualiser: cannot open ${file}:${line}: ${(err as Error).message}`));
  }

  runCommand(command: CommandMessage["command"], view: ViewPanel): void {
    const done = (p: Promise<unknown>) => p.catch((err) => void vscode.window.showErrorMessage(`IPC Visualiser: ${(err as Error).message}`));
    switch (command) {
      case "saveTrace":
        void done(this.saveTrace(view));
        break;
      case "exportHtml":
        void done(this.exportHtml(view));
        break;
      case "exportSvg":
        void done(this.exportImage(view, "svg"));
        break;
      case "exportPng":
        void done(this.exportImage(view, "png"));
        break;
      case "exportPerfetto":
        void done(this.exportPerfetto(view));
        break;
      case "visualise":
        void done(Promise.resolve(vscode.commands.executeCommand("ipcviz.visualise")));
        break;
      case "openRecentRun":
        void done(Promise.resolve(vscode.commands.executeCommand("ipcviz.openRecentRun")));
        break;
      case "showStacks":
        void done(this.showAllStacks(view));
        break;
      default: {
        const never: never = command;
        void never;
      }
    }
  }

  reportError(message: string, view: ViewPanel): void {
    this.log(`view "${view.panel.title}": ${message}`);
    void vscode.window.showErrorMessage(`IPC Visualiser view: ${message}`, "Show Log").then((c) => {
      if (c) this.output.show();
    });
  }

  activated(view: ViewPanel): void {
    this.activeView = view;
  }

  viewOptions(readOnly: boolean): ViewOptions {
    return { previewLength: this.settings().previewLength, readOnly };
  }

  // ------------------------------------------------------------------ saving and exports

  private requireView(view: ViewPanel | null): ViewPanel | null {
    const v = view && this.views.has(view) ? view : null;
    if (!v) void vscode.window.showInformationMessage("IPC Visualiser: open a view first (Visualise IPC, or open a saved .ipcviz.jsonl trace).");
    return v;
  }

  /** "Save Trace": the view's trace as a .ipcviz.jsonl file. Returns the path written. */
  async saveTrace(view: ViewPanel | null, target?: vscode.Uri, sourceOverride?: ViewSource): Promise<string | undefined> {
    const source = sourceOverride ?? this.requireView(view)?.currentSource;
    if (!source) return undefined;
    const { dir, name } = defaultName(this.exportContext, source, ".ipcviz.jsonl");
    const uri = await chooseTarget(target, join(dir, name), { "IPC Visualiser trace": ["jsonl"] }, "Save the trace");
    if (!uri) return undefined;
    this.copyTrace(source, uri.fsPath);
    this.log(`trace saved to ${uri.fsPath}${source.live ? " (the run is still going: the trace has no footer)" : ""}`);
    if (!target) void vscode.window.showInformationMessage(`Trace saved to ${uri.fsPath}`);
    return uri.fsPath;
  }

  /** "Export as HTML Report", "Export as SVG/PNG", "Export as Perfetto Trace" (extension/exports.ts). */
  exportHtml(view: ViewPanel | null, target?: vscode.Uri): Promise<string | undefined> {
    return exportHtml(this.exportContext, view, target);
  }

  exportImage(view: ViewPanel | null, format: "svg" | "png", target?: vscode.Uri): Promise<string | undefined> {
    return exportImage(this.exportContext, view, format, target);
  }

  exportPerfetto(view: ViewPanel | null, target?: vscode.Uri): Promise<string | undefined> {
    return exportPerfetto(this.exportContext, view, target);
  }

  /** What the export feature needs from the controller. */
  private readonly exportContext: ExportContext = {
    requireView: (v) => this.requireView(v),
    settings: () => this.settings(),
    runsDir: () => this.runsDir,
    extensionPath: () => this.context.extensionPath,
  };

  // ------------------------------------------------------------------ walkthrough

  /** Walkthrough: copy a small example program into the workspace (or storage) and open it. */
  async openExample(name = "queue"): Promise<vscode.Uri | undefined> {
    const file = name === "deadlock" ? "deadlock_demo.py" : "queue_demo.py";
    const src = join(this.context.extensionPath, "extension", "media", "examples", file);
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const dir = ws ? join(ws, "ipcviz-examples") : join(this.context.globalStorageUri.fsPath, "examples");
    const dest = join(dir, file);
    try {
      mkdirSync(dir, { recursive: true });
      if (!existsSync(dest)) copyFileSync(src, dest);
    } catch (err) {
      void vscode.window.showErrorMessage(`IPC Visualiser: cannot write the example to ${dest}: ${(err as Error).message}`);
      return undefined;
    }
    const uri = vscode.Uri.file(dest);
    await vscode.window.showTextDocument(uri, { preview: false });
    return uri;
  }

  // ------------------------------------------------------------------ shutdown

  /** Stop the run (the whole tree) and wait for it; then release everything. */
  async shutdown(): Promise<void> {
    await Promise.resolve(this.context.workspaceState.update(HOST_PID_KEY, undefined)).catch(() => undefined);
    const s = this.session;
    this.session = null;
    if (s) await s.shutdown();
    for (const v of [...this.views]) v.dispose();
    this.dispose();
  }

  override dispose(): void {
    this.session?.dispose();
    this.session = null;
    super.dispose();
  }
}
