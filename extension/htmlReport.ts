/**
 * The standalone HTML report of a view: the page `ipcviz report` writes (cli/report.ts), with the
 * events the view holds embedded as a snapshot's JSON (`ipcviz report` embeds the trace file,
 * compressed) and the view's script and style taken from this extension's out/webview. No `vscode`.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { reportHtml } from "../cli/report";
import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";
import type { ViewOptions } from "../webview/protocol";

/** The report page for a trace. `webviewDir` holds main.js and view.css (out/webview). */
export function buildHtmlReport(
  webviewDir: string,
  trace: { title: string; header: TraceHeader | null; events: readonly TraceEvent[]; footer: TraceFooter | null },
  options: ViewOptions = {},
): string {
  const assets = { script: join(webviewDir, "main.js"), style: join(webviewDir, "view.css") };
  if (!existsSync(assets.script) || !existsSync(assets.style)) {
    throw new Error(`the view's files are missing from ${webviewDir}; reinstall the extension (or run npm run build)`);
  }
  return reportHtml({ header: trace.header, events: trace.events as TraceEvent[], footer: trace.footer }, { title: trace.title, viewOptions: options, assets });
}
