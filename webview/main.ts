/**
 * Entry of the view's script (bundled to out/webview/main.js). In VS Code it posts `ready` and
 * waits for the host's snapshot; in the standalone report it reads the snapshot embedded in
 * `#ipcviz-data`. Either way, protocol messages posted to the window are handled (tests
 * simulate a host that way).
 */

import { App } from "./app";
import { detectHost } from "./host";
import { PROTOCOL_VERSION, type SnapshotMessage, type ViewOptions } from "./protocol";
import { TraceLineParser } from "../trace/reader";

/**
 * The trace embedded by `ipcviz report` (`#ipcviz-trace`: the trace file, gzip, base64; see
 * webview/html.ts), read as a trace file is read, into the snapshot a host would send.
 */
async function embeddedTrace(data: HTMLElement, meta: { title: string; options: ViewOptions }): Promise<SnapshotMessage> {
  const text = atob(data.textContent ?? "");
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const parser = new TraceLineParser(meta.title);
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    parser.push(r.value);
  }
  const t = parser.end();
  return { type: "snapshot", protocol: PROTOCOL_VERSION, title: meta.title, header: t.header, events: t.events, live: false, footer: t.footer, options: meta.options };
}

function start(): void {
  const root = document.getElementById("ipcviz-root");
  if (!root) return;
  const host = detectHost();
  let app: App;
  try {
    app = new App(root, host);
  } catch (e) {
    root.textContent = `The view could not start: ${(e as Error).message}`;
    host.post({ type: "error", message: `The view could not start: ${(e as Error).message}` });
    return;
  }
  // Test hook (stable): tests and benchmarks drive the view through it.
  (window as unknown as { __ipcviz: unknown }).__ipcviz = {
    app,
    store: app.store,
    host,
    receive: (m: unknown) => app.onMessage(m),
    renderNow: () => app.renderNow(),
    renderInfo: () => app.plot.info,
  };
  window.addEventListener("error", (e) => host.post({ type: "error", message: `${e.message} (${e.filename}:${e.lineno})` }));
  const data = document.getElementById("ipcviz-data");
  const trace = document.getElementById("ipcviz-trace");
  const meta = document.getElementById("ipcviz-meta");
  if (trace && meta) {
    embeddedTrace(trace, JSON.parse(meta.textContent ?? "{}") as { title: string; options: ViewOptions })
      .then((snapshot) => app.onMessage(snapshot))
      .catch((e: unknown) => {
        root.textContent = `The embedded trace could not be read: ${(e as Error).message}`;
      });
  } else if (data && data.textContent) {
    try {
      app.onMessage(JSON.parse(data.textContent) as SnapshotMessage);
    } catch (e) {
      root.textContent = `The embedded trace could not be read: ${(e as Error).message}`;
    }
  } else app.ready();
  // The standalone page takes the keys at once; inside VS Code the editor keeps the focus (a run
  // view opening beside it must not interrupt typing): a click in the view gives it the keys.
  if (host.kind !== "vscode") root.focus();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
