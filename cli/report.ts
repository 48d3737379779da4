/**
 * `ipcviz report TRACE -o report.html`: one self-contained HTML file with the same view as the
 * editor (no network, no external files): the page of webview/html.ts with the view's script and
 * style inlined and the trace embedded. {@link writeReport} (the command, and `ipcviz run --html
 * FILE` after the run) embeds the trace file itself, gzip compressed, read and compressed as a
 * stream (checked by the trace reader on the way): the page is about a ninth of the trace's size
 * and the trace is never held in memory as events. {@link reportHtml} (the extension's export,
 * from events in memory) embeds them as a snapshot's JSON.
 */

import { createReadStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { createGzip } from "node:zlib";
import { basename, dirname, join, resolve } from "node:path";
import { readTraceFile } from "../trace/readFile";
import { makeNonce, renderPage } from "../webview/html";
import { PROTOCOL_VERSION, type SnapshotMessage, type ViewOptions } from "../webview/protocol";
import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";
import { parseCommandArgs, stringOption } from "./args";

/** A report could not be written (missing build, unwritable path): printed as one line. */
export class ReportError extends Error {}

/** Where the built view (out/webview/main.js and view.css) is. */
export function findViewAssets(from: string = __dirname): { script: string; style: string } {
  const candidates = [join(from, "..", "webview"), join(from, "..", "..", "webview"), join(from, "..", "..", "out", "webview"), join(from, "out", "webview")];
  for (const dir of candidates) {
    const script = join(dir, "main.js");
    const style = join(dir, "view.css");
    if (existsSync(script) && existsSync(style)) return { script, style };
  }
  throw new ReportError(`the view is not built (no out/webview/main.js near ${from}): run "npm run build" first`);
}

/** The report page for a trace held in memory. */
export function reportHtml(
  trace: { header: TraceHeader | null; events: TraceEvent[]; footer: TraceFooter | null },
  options: { title: string; viewOptions?: ViewOptions; assets?: { script: string; style: string } } = { title: "trace" },
): string {
  const files = options.assets ?? findViewAssets();
  const snapshot: SnapshotMessage = {
    type: "snapshot",
    protocol: PROTOCOL_VERSION,
    title: options.title,
    header: trace.header,
    events: trace.events,
    live: false,
    footer: trace.footer,
    options: { readOnly: true, ...(options.viewOptions ?? {}) },
  };
  return renderPage({
    assets: { kind: "inline", script: readFileSync(files.script, "utf8"), style: readFileSync(files.style, "utf8") },
    nonce: makeNonce(),
    title: `${options.title} — IPC Visualiser`,
    embeddedSnapshotJson: JSON.stringify(snapshot),
  });
}

/** Read a trace file and write its report; returns the number of events. */
export async function writeReport(tracePath: string, htmlPath: string, viewOptions?: ViewOptions): Promise<number> {
  const files = findViewAssets();
  let events = 0;
  const compressed: Buffer[] = [];
  // Checked (a damaged trace is refused as `ipcviz validate` would read it) and compressed at once.
  const [t] = await Promise.all([
    readTraceFile(tracePath, { keepEvents: false, onEvent: () => events++ }),
    pipeline(
      createReadStream(tracePath, { highWaterMark: 1 << 20 }),
      createGzip({ level: 1 }),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          compressed.push(chunk);
          done();
        },
      }),
    ).catch(() => undefined), // a read error is the trace reader's to report
  ]);
  const title = t.header?.program ? basename(t.header.program) : basename(tracePath);
  const html = renderPage({
    assets: { kind: "inline", script: readFileSync(files.script, "utf8"), style: readFileSync(files.style, "utf8") },
    nonce: makeNonce(),
    title: `${title} — IPC Visualiser`,
    embeddedTrace: {
      gzipBase64: Buffer.concat(compressed).toString("base64"),
      metaJson: JSON.stringify({ title, options: { readOnly: true, ...(viewOptions ?? {}) } }),
    },
  });
  try {
    writeFileSync(htmlPath, html);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ReportError(`cannot write the report to ${htmlPath} (${code}); check that ${dirname(resolve(htmlPath))} exists and is writable`);
  }
  return events;
}

/** Parse `report`'s arguments: TRACE, -o/--out FILE, --layout time|logical. */
export function parseReportArgs(argv: string[]): { trace: string; out: string; layout?: "time" | "logical" } {
  const usage = "usage: ipcviz report TRACE -o report.html";
  const p = parseCommandArgs(argv, { out: { type: "string", short: "o" }, layout: { type: "string" } }, { command: "report", hint: usage });
  const layout = stringOption(p, "layout");
  if (layout !== undefined && layout !== "time" && layout !== "logical") throw new ReportError(`--layout must be "time" or "logical", not "${layout}"`);
  const [trace, extra] = p.positionals;
  if (trace === undefined) throw new ReportError(usage);
  if (extra !== undefined) throw new ReportError(`report takes one trace file (got "${trace}" and "${extra}")`);
  const out = stringOption(p, "out") ?? trace.replace(/(\.ipcviz)?\.jsonl$/, "") + ".html";
  return { trace, out, layout };
}

/** `ipcviz report TRACE [-o report.html] [--layout time|logical]`. */
export async function reportCommand(argv: string[]): Promise<number> {
  const a = parseReportArgs(argv);
  const n = await writeReport(a.trace, a.out, a.layout ? { layout: a.layout } : undefined);
  process.stderr.write(`ipcviz: report of ${n} events written to ${a.out}\n`);
  return 0;
}
