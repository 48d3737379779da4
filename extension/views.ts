/**
 * The views: every open run panel and trace editor, the active one (export commands act on it),
 * the run panel a live run streams to; the trace editor ("Open IPC Trace…"), the serializer that
 * restores run panels after a window reload, and the replacement of the panels a dead extension
 * host left behind. Also the {@link ViewHost} the panels call back.
 */

import * as vscode from "vscode";
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { TraceReadError } from "../trace/reader";
import type { CommandMessage, ViewOptions } from "../webview/protocol";
import { Disposable, toDisposable } from "./dispose";
import { KEEP_RUN_TRACES, type FeatureContext } from "./featureContext";
import { disposeGoToSource, goToSource } from "./goToSource";
import { RunSession } from "./runSession";
import { loadTrace, TraceDocument } from "./traceEditor";
import { LOAD_BUDGET_MS, ViewPanel, type ViewHost, type ViewInfo, type ViewSource } from "./viewPanel";

/** Webview panel type of run views (the serializer restores these). */
export const VIEW_TYPE = "ipcviz.view";
/** Custom editor type of saved traces. */
export const TRACE_EDITOR_TYPE = "ipcviz.trace";
/** workspaceState key: recent views (title → trace file), so a reload can restore them. */
const VIEW_RECORDS = "ipcviz.viewRecords";
/** workspaceState key: the pid of the extension host running this extension (cleared on shutdown). */
const HOST_PID_KEY = "ipcviz.extensionHostPid";
/** A view whose webview never started is opened again at most this many times (ViewHost.stalled). */
const MAX_REOPEN = 2;

interface ViewRecord {
  title: string;
  trace: string;
}

/** What a button of a view does, on that view (the table is in commands.ts). */
export type ViewCommandHandler = (command: CommandMessage["command"], view: ViewPanel) => Promise<unknown>;

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
export class Views extends Disposable implements ViewHost {
  private readonly open = new Set<ViewPanel>();
  private runView: ViewPanel | null = null;
  private activeView: ViewPanel | null = null;
  /** Trace editors closed to be opened again (stalled): their attempt, by document URI. */
  private readonly reopening = new Map<string, number>();

  constructor(
    private readonly fc: FeatureContext,
    private readonly onCommand: ViewCommandHandler,
  ) {
    super();
    this._register(
      vscode.window.registerCustomEditorProvider(
        TRACE_EDITOR_TYPE,
        {
          openCustomDocument: (uri) => this.openTraceDocument(uri),
          resolveCustomEditor: (document, panel) => {
            const key = document.uri.toString();
            const attempt = this.reopening.get(key) ?? 0;
            this.reopening.delete(key);
            this.add(new ViewPanel(panel, document as TraceDocument, "trace", this.fc.extension.extensionUri, this, attempt));
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
    const state = fc.extension.workspaceState;
    const previousHost = state.get<number>(HOST_PID_KEY);
    void state.update(HOST_PID_KEY, process.pid);
    if (previousHost !== undefined && previousHost !== process.pid && !processAlive(previousHost)) {
      const timer = setTimeout(() => void this.reviveOrphanedPanels().catch((err) => this.fc.log(`could not restore the run views: ${(err as Error).message}`)), 2000);
      this._register(toDisposable(() => clearTimeout(timer)));
    }
  }

  /** How many views are open. */
  get size(): number {
    return this.open.size;
  }

  /** The view export and save commands act on (the last one active), or null. */
  get active(): ViewPanel | null {
    return this.activeView;
  }

  /** The panel live runs stream to, while it is open. */
  get runPanel(): ViewPanel | null {
    return this.runView;
  }

  /** What the integration tests read of every view. */
  info(): ViewInfo[] {
    return [...this.open].map((v) => v.info());
  }

  /** An open view showing `source`, if any. */
  showing(source: ViewSource): ViewPanel | null {
    return [...this.open].find((v) => v.currentSource === source) ?? null;
  }

  /** The view, if it is still open; else says so to the user and returns null. */
  require(view: ViewPanel | null): ViewPanel | null {
    const v = view && this.open.has(view) ? view : null;
    if (!v) void vscode.window.showInformationMessage("IPC Visualiser: open a view first (Visualise IPC, or open a saved .ipcviz.jsonl trace).");
    return v;
  }

  /** The program shown by the run view that is the active editor, if any (and it still exists). */
  programOfActiveRunView(): vscode.Uri | undefined {
    const v = this.activeView;
    if (!v || v.kind !== "run" || !v.panel.active || !this.open.has(v)) return undefined;
    const src = v.currentSource;
    const program = src instanceof RunSession ? src.program : src.header?.program;
    return program && existsSync(program) ? vscode.Uri.file(program) : undefined;
  }

  /** Show a live run in the run panel (reused when open, else a new panel beside the editor). */
  showRun(source: ViewSource): void {
    if (this.runView && this.open.has(this.runView)) {
      this.runView.setSource(source);
      this.runView.panel.reveal(undefined, true);
      return;
    }
    const view = new ViewPanel(this.newPanel(source.title, vscode.ViewColumn.Beside), source, "run", this.fc.extension.extensionUri, this);
    this.setRunView(view);
    this.add(view);
  }

  private setRunView(view: ViewPanel): void {
    this.runView = view;
    view.onDidDispose(() => {
      if (this.runView === view) this.runView = null;
    });
  }

  /** A new run-view panel (scripts on, resources from out/webview only), focus left where it is. */
  private newPanel(title: string, column: vscode.ViewColumn): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(VIEW_TYPE, title, { viewColumn: column, preserveFocus: true }, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.fc.extension.extensionUri, "out", "webview")],
    });
  }

  /** Remember that `title`'s view shows `trace`, so a reload can restore it. */
  record(title: string, trace: string): void {
    const state = this.fc.extension.workspaceState;
    const list = state.get<ViewRecord[]>(VIEW_RECORDS, []).filter((x) => x.trace !== trace);
    list.unshift({ title, trace });
    void state.update(VIEW_RECORDS, list.slice(0, KEEP_RUN_TRACES));
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

  /** This host is going away normally: a later host must not take its views for orphans. */
  async forgetHost(): Promise<void> {
    await Promise.resolve(this.fc.extension.workspaceState.update(HOST_PID_KEY, undefined)).catch(() => undefined);
  }

  /** Close every view. */
  closeAll(): void {
    for (const v of [...this.open]) v.dispose();
  }

  private add(view: ViewPanel): void {
    this.open.add(view);
    this.activeView ??= view;
    view.onDidDispose(() => {
      this.open.delete(view);
      if (this.activeView === view) this.activeView = [...this.open].pop() ?? null;
      this.fc.updateContextKeys();
    });
    this.fc.updateContextKeys();
  }

  private async openTraceDocument(uri: vscode.Uri): Promise<TraceDocument> {
    try {
      const doc = await loadTrace(uri);
      if (doc.problems.length) this.fc.log(`${uri.fsPath}: ${doc.problems.join("; ")}`);
      return doc;
    } catch (err) {
      const msg = err instanceof TraceReadError ? err.message : `${basename(uri.path)}: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(`IPC Visualiser cannot open this trace: ${msg}`);
      throw err;
    }
  }

  /**
   * A run panel came back (window reload, or a replacement for a view the dead extension host
   * left behind): show the newest trace recorded under its title, or an empty state with actions.
   */
  private async restorePanel(panel: vscode.WebviewPanel): Promise<void> {
    const records = this.fc.extension.workspaceState.get<ViewRecord[]>(VIEW_RECORDS, []);
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
        this.fc.log(`could not restore ${panel.title} from ${rec.trace}: ${(err as Error).message}`);
      }
    }
    // It was the run panel before the reload: it is again (the first one restored), so the next run
    // shows in it, as it would have without the reload, instead of in a second tab of the same title.
    const asRun = this.runView === null || !this.open.has(this.runView);
    const view = new ViewPanel(panel, source, asRun ? "run" : "trace", this.fc.extension.extensionUri, this);
    if (asRun) this.setRunView(view);
    this.add(view);
  }

  /** Replace the run views a dead extension host left open (see the constructor) with restored ones. */
  private async reviveOrphanedPanels(): Promise<void> {
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (!(input instanceof vscode.TabInputWebview) || !(input.viewType === VIEW_TYPE || input.viewType.endsWith(`-${VIEW_TYPE}`))) continue;
        if ([...this.open].some((v) => v.panel.title === tab.label && v.panel.viewColumn === group.viewColumn)) continue;
        const title = tab.label;
        const column = group.viewColumn;
        this.fc.log(`restoring the run view "${title}" left by the extension host that died`);
        await vscode.window.tabGroups.close(tab, true);
        await this.restorePanel(this.newPanel(title, column));
      }
    }
  }

  // ------------------------------------------------------------------ ViewHost

  goToSource(file: string, line: number, view: ViewPanel): void {
    goToSource(file, line, view.panel.viewColumn).catch((err) => void vscode.window.showErrorMessage(`IPC Visualiser: cannot open ${file}:${line}: ${(err as Error).message}`));
  }

  runCommand(command: CommandMessage["command"], view: ViewPanel): void {
    this.onCommand(command, view).catch((err) => void vscode.window.showErrorMessage(`IPC Visualiser: ${(err as Error).message}`));
  }

  reportError(message: string, view: ViewPanel): void {
    this.fc.log(`view "${view.panel.title}": ${message}`);
    void vscode.window.showErrorMessage(`IPC Visualiser view: ${message}`, "Show Log").then((c) => {
      if (c) this.fc.showLog();
    });
  }

  activated(view: ViewPanel): void {
    this.activeView = view;
  }

  stalled(view: ViewPanel): void {
    if (!this.open.has(view)) return;
    const title = view.panel.title;
    const waited = (LOAD_BUDGET_MS * 2 ** view.attempt) / 1000;
    if (view.attempt >= MAX_REOPEN) {
      this.fc.log(`the view "${title}" did not load within ${waited} s, after ${view.attempt} new tries`);
      void vscode.window
        .showWarningMessage(`IPC Visualiser: the view "${title}" did not load: its webview did not start. Reloading the window usually mends it.`, "Reload Window")
        .then((c) => c && vscode.commands.executeCommand("workbench.action.reloadWindow"));
      return;
    }
    this.fc.log(`the view "${title}" did not load within ${waited} s (its webview did not start): opening it again`);
    this.reopen(view).catch((err) => this.fc.log(`could not open the view "${title}" again: ${(err as Error).message}`));
  }

  /** Replace a view by a new one on the same content, in the same place. */
  private async reopen(view: ViewPanel): Promise<void> {
    const column = view.panel.viewColumn ?? vscode.ViewColumn.Active;
    const source = view.currentSource;
    if (view.panel.viewType === TRACE_EDITOR_TYPE && source instanceof TraceDocument) {
      // A custom editor belongs to VS Code: close it and open its document again.
      this.reopening.set(source.uri.toString(), view.attempt + 1);
      view.dispose();
      await vscode.commands.executeCommand("vscode.openWith", source.uri, TRACE_EDITOR_TYPE, { viewColumn: column, preserveFocus: true });
      return;
    }
    const next = new ViewPanel(this.newPanel(view.panel.title, column), source, view.kind, this.fc.extension.extensionUri, this, view.attempt + 1);
    if (this.runView === view) this.setRunView(next);
    this.add(next);
    view.dispose();
  }

  viewOptions(readOnly: boolean): ViewOptions {
    return { previewLength: this.fc.settings().previewLength, readOnly };
  }
}
