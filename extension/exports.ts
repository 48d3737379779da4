/**
 * Exports of what a view shows: an HTML report (one self-contained page), an SVG or PNG image
 * (rendered by the webview, written here), a Perfetto/Chrome trace; and the file names and save
 * dialog they share with "Save Trace".
 */

import * as vscode from "vscode";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { toPerfettoJson } from "../trace/export/perfetto";
import { buildHtmlReport } from "./htmlReport";
import { resolveTraceFolder, traceFileName, type IpcvizSettings } from "./settings";
import type { ViewPanel, ViewSource } from "./viewPanel";

/** What exports need from the extension. */
export interface ExportContext {
  /** The view, if it is still open (else says so to the user and returns null). */
  requireView(view: ViewPanel | null): ViewPanel | null;
  settings(): IpcvizSettings;
  /** Where run traces are kept in the extension's storage (not a place to offer for saving). */
  runsDir(): string;
  extensionPath(): string;
}

/** A file to write: `target` when given (tests, automation), else a save dialog. */
export async function chooseTarget(target: vscode.Uri | undefined, defaultPath: string, filters: Record<string, string[]>, title: string): Promise<vscode.Uri | undefined> {
  if (target) return target;
  return vscode.window.showSaveDialog({ title, defaultUri: vscode.Uri.file(defaultPath), filters });
}

export function defaultName(c: ExportContext, source: ViewSource, ext: string): { dir: string; name: string } {
  const program = source.header?.program ?? source.title;
  const settings = c.settings();
  const wsFolder = source.header ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(program))?.uri.fsPath : undefined;
  const dir = source.traceFile && !source.traceFile.startsWith(c.runsDir()) ? dirname(source.traceFile) : resolveTraceFolder(settings.tracesFolder, wsFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, program);
  const base = source.traceFile ? basename(source.traceFile).replace(/\.ipcviz\.jsonl$/, "") : traceFileName(program).replace(/\.ipcviz\.jsonl$/, "");
  // A save dialog opened in a folder that does not exist yet (the traces folder before the
  // first save) asks to create it, or starts elsewhere: offer the workspace folder then.
  const fallback = wsFolder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return { dir: existsSync(dir) || !fallback ? dir : fallback, name: base + ext };
}

/** "Export as HTML Report": one self-contained page. */
export async function exportHtml(c: ExportContext, view: ViewPanel | null, target?: vscode.Uri): Promise<string | undefined> {
  const source = c.requireView(view)?.currentSource;
  if (!source) return undefined;
  const { dir, name } = defaultName(c, source, ".html");
  const uri = await chooseTarget(target, join(dir, name), { "HTML report": ["html"] }, "Export the view as an HTML report");
  if (!uri) return undefined;
  const html = buildHtmlReport(join(c.extensionPath(), "out", "webview"), { title: source.title, header: source.header, events: source.events, footer: source.footer }, { previewLength: c.settings().previewLength });
  writeFileSync(uri.fsPath, html);
  if (!target) void vscode.window.showInformationMessage(`HTML report written to ${uri.fsPath}`);
  return uri.fsPath;
}

/** "Export as SVG/PNG": the webview renders what it shows; the host writes it. */
export async function exportImage(c: ExportContext, view: ViewPanel | null, format: "svg" | "png", target?: vscode.Uri): Promise<string | undefined> {
  const v = c.requireView(view);
  if (!v) return undefined;
  const { dir, name } = defaultName(c, v.currentSource, `.${format}`);
  const uri = await chooseTarget(target, join(dir, name), format === "svg" ? { "SVG image": ["svg"] } : { "PNG image": ["png"] }, `Export the view as ${format.toUpperCase()}`);
  if (!uri) return undefined;
  const data = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Rendering ${format.toUpperCase()}…` }, () => v.requestImage(format));
  let bytes: Buffer;
  if (format === "png") {
    const m = /^data:image\/png;base64,(.*)$/s.exec(data);
    if (!m) throw new Error("the view's PNG export is not a PNG data: URL");
    bytes = Buffer.from(m[1], "base64");
  } else bytes = Buffer.from(data, "utf8");
  writeFileSync(uri.fsPath, bytes);
  if (!target) void vscode.window.showInformationMessage(`${format.toUpperCase()} written to ${uri.fsPath}`);
  return uri.fsPath;
}

/** "Export as Perfetto Trace": Chrome/Perfetto trace event JSON (trace/export/perfetto.ts). */
export async function exportPerfetto(c: ExportContext, view: ViewPanel | null, target?: vscode.Uri): Promise<string | undefined> {
  const source = c.requireView(view)?.currentSource;
  if (!source) return undefined;
  const { dir, name } = defaultName(c, source, ".perfetto.json");
  const uri = await chooseTarget(target, join(dir, name), { "Chrome/Perfetto trace": ["json"] }, "Export as a Perfetto/Chrome trace");
  if (!uri) return undefined;
  mkdirSync(dirname(uri.fsPath), { recursive: true });
  writeFileSync(uri.fsPath, toPerfettoJson(source.header, source.events, source.footer));
  if (!target) void vscode.window.showInformationMessage(`Perfetto trace written to ${uri.fsPath} (open it at ui.perfetto.dev or chrome://tracing)`);
  return uri.fsPath;
}

