/**
 * Every command of the extension, one line each: its id and the feature that does it (runs.ts,
 * views.ts, traces.ts, exports.ts, examples.ts, interpreter.ts, debug/). Palette and menu
 * commands act on the active view; a view's own buttons (webview/protocol.ts CommandMessage) act
 * on that view. package.json's contributes.commands lists the same ids.
 */

import * as vscode from "vscode";
import type { CommandMessage } from "../webview/protocol";
import type { DebugSupport } from "./debug/debugSupport";
import { DEBUG_COMMAND } from "./debug/debugSupport";
import { openExample } from "./examples";
import { exportHtml, exportImage, exportPerfetto, type ExportContext } from "./exports";
import { pickInterpreter } from "./interpreter";
import type { Runs } from "./runs";
import type { Traces } from "./traces";
import type { ViewPanel } from "./viewPanel";
import type { Views } from "./views";

/** The features the commands hand off to. */
export interface Features {
  readonly extension: vscode.ExtensionContext;
  readonly runs: Runs;
  readonly views: Views;
  readonly traces: Traces;
  readonly exports: ExportContext;
  readonly debug: DebugSupport;
  showLog(): void;
}

/** A command's handler (arguments as VS Code passes them: a resource URI, a target URI for tests, a name). */
type Handler = (...args: never[]) => unknown;

/** The command table: id → handler. Palette and menu commands act on the active view. */
export function commandTable(f: Features): Record<string, Handler> {
  const view = () => f.views.active;
  return {
    "ipcviz.visualise": (uri?: vscode.Uri) => f.runs.visualise(uri),
    // The American spelling: its own palette row ("IPC Visualizer: Visualize IPC"), the same command.
    "ipcviz.visualize": (uri?: vscode.Uri) => f.runs.visualise(uri),
    [DEBUG_COMMAND]: (uri?: vscode.Uri) => f.debug.debugVisualise(uri),
    "ipcviz.stop": () => f.runs.stop(),
    "ipcviz.showAllStacks": () => f.runs.showAllStacks(view()),
    "ipcviz.openTrace": (uri?: vscode.Uri) => f.views.openTrace(uri),
    "ipcviz.openRecentRun": () => f.traces.openRecentRun(),
    "ipcviz.keepTrace": (target?: vscode.Uri) => f.traces.keepTrace(view(), target),
    "ipcviz.saveTrace": (target?: vscode.Uri) => f.traces.saveTrace(view(), target),
    "ipcviz.exportHtml": (target?: vscode.Uri) => exportHtml(f.exports, view(), target),
    "ipcviz.exportSvg": (target?: vscode.Uri) => exportImage(f.exports, view(), "svg", target),
    "ipcviz.exportPng": (target?: vscode.Uri) => exportImage(f.exports, view(), "png", target),
    "ipcviz.exportPerfetto": (target?: vscode.Uri) => exportPerfetto(f.exports, view(), target),
    "ipcviz.pickInterpreter": () => pickInterpreter(),
    "ipcviz.openExample": (name?: string) => openExample(f.extension, name),
    "ipcviz.showOutput": () => f.showLog(),
  };
}

/** What a view's buttons do, on that view (a compile error when the protocol gains a command not handled here). */
export function viewCommandTable(f: Features): Record<CommandMessage["command"], (view: ViewPanel) => Promise<unknown>> {
  return {
    saveTrace: (v) => f.traces.saveTrace(v),
    exportHtml: (v) => exportHtml(f.exports, v),
    exportSvg: (v) => exportImage(f.exports, v, "svg"),
    exportPng: (v) => exportImage(f.exports, v, "png"),
    exportPerfetto: (v) => exportPerfetto(f.exports, v),
    visualise: async () => vscode.commands.executeCommand("ipcviz.visualise"),
    openRecentRun: async () => vscode.commands.executeCommand("ipcviz.openRecentRun"),
    showStacks: (v) => f.runs.showAllStacks(v),
  };
}

/** Register every command of the table. */
export function registerCommands(table: Record<string, Handler>): vscode.Disposable[] {
  return Object.entries(table).map(([id, handler]) => vscode.commands.registerCommand(id, handler as (...args: unknown[]) => unknown));
}
