/**
 * The one HTML page of the view, for both places it runs: the VS Code webview (script and style
 * from the extension's build folder through `asWebviewUri`) and the standalone report (script,
 * style and trace inlined into one file). Security in one place: `default-src 'none'`, scripts
 * only with the per-load nonce, styles from the given source (or inline with the nonce), images
 * from data:/blob: only. Nothing remote is ever loaded.
 *
 * Pure string building: no `vscode`, no DOM, no Node APIs.
 */

/** Where the page's script and style come from. */
export type PageAssets =
  /** VS Code webview: URIs made by `webview.asWebviewUri`, and `webview.cspSource`. */
  | { kind: "webview"; scriptUri: string; styleUri: string; cspSource: string }
  /** Standalone report: everything inline. */
  | { kind: "inline"; script: string; style: string };

export interface PageOptions {
  assets: PageAssets;
  /** A fresh random nonce per load (base64 or hex, at least 128 bits). */
  nonce: string;
  /** Page title. */
  title: string;
  /**
   * Standalone report only: the trace embedded in the page as the JSON of a `SnapshotMessage`
   * (read by the webview's script from `<script type="application/json" id="ipcviz-data">`).
   */
  embeddedSnapshotJson?: string;
  /**
   * Standalone report only, instead of `embeddedSnapshotJson`: the trace file itself, gzip
   * compressed and base64 encoded (`<script type="application/gzip" id="ipcviz-trace">`), with
   * the rest of the snapshot (`title`, `options`) as JSON in `<script type="application/json"
   * id="ipcviz-meta">`. The view decompresses it with `DecompressionStream` and reads it as a trace
   * file is read.
   */
  embeddedTrace?: { gzipBase64: string; metaJson: string };
}

/** A nonce: 128 random bits as hex (uses the global Web Crypto, present in Node 20 and browsers). */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Escape text for an HTML text node or attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * JSON that is safe inside a `<script type="application/json">` element: `<`, `>`, `&` and the
 * line/paragraph separators are escaped, so no payload text can close the element.
 */
export function jsonForScriptElement(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/** Text that is safe inside an inline `<script>`/`<style>` element (cannot close it early). */
function inlineSafe(code: string, tag: "script" | "style"): string {
  return code.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

/** The Content-Security-Policy of the page. */
export function contentSecurityPolicy(options: PageOptions): string {
  const { assets, nonce } = options;
  const style = assets.kind === "webview" ? `${assets.cspSource} 'nonce-${nonce}'` : `'nonce-${nonce}'`;
  const script = assets.kind === "webview" ? `'nonce-${nonce}'` : `'nonce-${nonce}'`;
  return [
    "default-src 'none'",
    `script-src ${script}`,
    `style-src ${style}`,
    "img-src data: blob:",
    "font-src data:",
  ].join("; ");
}

/** The page. The view's script finds its root at `#ipcviz-root`. */
export function renderPage(options: PageOptions): string {
  const { assets, nonce, title } = options;
  const csp = contentSecurityPolicy(options);
  const styleTag =
    assets.kind === "webview"
      ? `<link rel="stylesheet" href="${escapeHtml(assets.styleUri)}">`
      : `<style nonce="${nonce}">${inlineSafe(assets.style, "style")}</style>`;
  const scriptTag =
    assets.kind === "webview"
      ? `<script nonce="${nonce}" src="${escapeHtml(assets.scriptUri)}"></script>`
      : `<script nonce="${nonce}">${inlineSafe(assets.script, "script")}</script>`;
  const data =
    options.embeddedSnapshotJson !== undefined
      ? `<script type="application/json" id="ipcviz-data">${jsonForScriptElement(options.embeddedSnapshotJson)}</script>\n`
      : options.embeddedTrace !== undefined
        ? `<script type="application/json" id="ipcviz-meta">${jsonForScriptElement(options.embeddedTrace.metaJson)}</script>\n` +
          `<script type="application/gzip" id="ipcviz-trace">${options.embeddedTrace.gzipBase64.replace(/[^A-Za-z0-9+/=]/g, "")}</script>\n`
        : "";
  return `<!DOCTYPE html>
<html lang="en" data-host="${assets.kind === "webview" ? "vscode" : "standalone"}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
${styleTag}
</head>
<body>
<div id="ipcviz-root"></div>
${data}${scriptTag}
</body>
</html>
`;
}
