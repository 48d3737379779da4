/**
 * Traces: where a run's trace is written (the extension's storage, newest 20 kept), "Keep This
 * IPC Trace", "Save IPC Trace…", the question asked when a run ends (setting ipcviz.traces.save),
 * and "Open a Recent IPC Run…".
 */

import * as vscode from "vscode";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { LiveRun } from "./debug/debugRun";
import { chooseTarget, defaultName, type ExportContext } from "./exports";
import { KEEP_RUN_TRACES, type FeatureContext } from "./featureContext";
import { resolveTraceFolder, traceFileName, uniquePath, type IpcvizSettings } from "./settings";
import { makeFooter, traceToJsonl } from "./traceText";
import type { ViewPanel, ViewSource } from "./viewPanel";
import type { Views } from "./views";

/** The run traces in `dir`, newest first. */
function runTraces(dir: string): { f: string; t: number }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipcviz.jsonl"))
    .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
}

/** See the file comment. */
export class Traces {
  /** The run whose trace the pending "Save its trace?" question is about (at most one question is shown). */
  private askingAbout: LiveRun | null = null;

  constructor(
    private readonly fc: FeatureContext,
    private readonly views: Views,
    private readonly exportContext: ExportContext,
  ) {
    this.pruneRunTraces();
  }

  /** A new file in the extension's storage for the trace of a run of `program`. */
  newRunTraceFile(program: string): string {
    mkdirSync(this.fc.runsDir, { recursive: true });
    return uniquePath(this.fc.runsDir, traceFileName(program), existsSync);
  }

  /** A run ended: save its trace, or ask, as ipcviz.traces.save says. */
  async onRunFinished(session: LiveRun, settings: IpcvizSettings): Promise<void> {
    this.fc.updateContextKeys();
    if (!session.result || session.events.length === 0) return;
    const folder = this.tracesFolder(session.program, settings);
    if (settings.saveTraces === "always") {
      const path = uniquePath(folder, basename(session.traceFile), existsSync);
      this.copyTrace(session, path);
      this.fc.log(`trace saved to ${path}`);
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
          if (o) void this.views.openTrace(vscode.Uri.file(path));
        });
      }
    } else if (c === "Save As…") {
      await this.saveTrace(this.views.showing(target), undefined, target);
    } else if (c === "Never Ask") {
      await vscode.workspace.getConfiguration("ipcviz").update("traces.save", "recent", vscode.ConfigurationTarget.Global);
    }
  }

  /** "Keep This IPC Trace": copy the view's trace into the traces folder (no dialog). Returns the path written. */
  async keepTrace(view: ViewPanel | null, target?: vscode.Uri, sourceOverride?: ViewSource): Promise<string | undefined> {
    const source = sourceOverride ?? this.views.require(view)?.currentSource;
    if (!source) return undefined;
    const program = source.header?.program ?? source.title;
    const path = target?.fsPath ?? uniquePath(this.tracesFolder(program), source.traceFile ? basename(source.traceFile) : traceFileName(program), existsSync);
    this.copyTrace(source, path);
    this.fc.log(`trace kept in ${path}`);
    if (!target && !sourceOverride) {
      void vscode.window.showInformationMessage(`IPC Visualiser: trace kept in ${path}`, "Open").then((o) => {
        if (o) void this.views.openTrace(vscode.Uri.file(path));
      });
    }
    return path;
  }

  /** "Save Trace": the view's trace as a .ipcviz.jsonl file. Returns the path written. */
  async saveTrace(view: ViewPanel | null, target?: vscode.Uri, sourceOverride?: ViewSource): Promise<string | undefined> {
    const source = sourceOverride ?? this.views.require(view)?.currentSource;
    if (!source) return undefined;
    const { dir, name } = defaultName(this.exportContext, source, ".ipcviz.jsonl");
    const uri = await chooseTarget(target, join(dir, name), { "IPC Visualiser trace": ["jsonl"] }, "Save the trace");
    if (!uri) return undefined;
    this.copyTrace(source, uri.fsPath);
    this.fc.log(`trace saved to ${uri.fsPath}${source.live ? " (the run is still going: the trace has no footer)" : ""}`);
    if (!target) void vscode.window.showInformationMessage(`Trace saved to ${uri.fsPath}`);
    return uri.fsPath;
  }

  /** "Open a Recent IPC Run…": a quick pick of the runs kept in the extension's storage (newest first). */
  async openRecentRun(): Promise<boolean> {
    let files: { f: string; t: number }[] = [];
    try {
      files = runTraces(this.fc.runsDir);
    } catch {
      files = [];
    }
    if (files.length === 0) {
      void vscode.window.showInformationMessage("IPC Visualiser: no recent runs yet. Open a Python program and run Visualise IPC (F1, Visualise IPC).", "Open an Example").then((c) => {
        if (c) void vscode.commands.executeCommand("ipcviz.openExample");
      });
      return false;
    }
    const picked = await vscode.window.showQuickPick(
      files.map(({ f, t }) => ({ label: f.replace(/\.ipcviz\.jsonl$/, ""), description: new Date(t).toLocaleString(), path: join(this.fc.runsDir, f) })),
      { title: "Open a recent IPC Visualiser run", placeHolder: "the newest runs' traces, newest first" },
    );
    if (!picked) return false;
    return this.views.openTrace(vscode.Uri.file(picked.path));
  }

  /** The traces folder for a run of `program`. */
  private tracesFolder(program: string, settings: IpcvizSettings = this.fc.settings(vscode.Uri.file(program))): string {
    return resolveTraceFolder(settings.tracesFolder, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program))?.uri.fsPath, program);
  }

  /** Write a source's trace to `path`: a copy of its file when complete, else from the host's events. */
  private copyTrace(source: ViewSource, path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    if (source.traceFile && !source.live && existsSync(source.traceFile) && source.footer) copyFileSync(source.traceFile, path);
    else if (source.header) writeFileSync(path, traceToJsonl(source.header, source.events, source.live ? null : (source.footer ?? makeFooter(source.events.length))));
    else throw new Error("this view has no trace to save");
  }

  /** Keep the newest {@link KEEP_RUN_TRACES} run traces in the extension's storage. */
  private pruneRunTraces(): void {
    try {
      for (const { f } of runTraces(this.fc.runsDir).slice(KEEP_RUN_TRACES)) rmSync(join(this.fc.runsDir, f), { force: true });
    } catch {
      /* no runs yet */
    }
  }
}
