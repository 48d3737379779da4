/**
 * Where the view runs: inside a VS Code webview (`acquireVsCodeApi()` exists: messages go to the
 * extension host, UI state is kept with `vscode.setState`) or in the standalone report (no host:
 * the trace is embedded in `#ipcviz-data`, UI state in sessionStorage when allowed, and a test or
 * an embedding page may still post protocol messages to the window).
 */

import type { FromWebview } from "./protocol";

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The host as the view sees it. */
export interface Host {
  readonly kind: "vscode" | "standalone";
  /** Post a message to the host (the standalone page has none: kept for tests in `sent`). */
  post(message: FromWebview): void;
  getState<T>(): T | undefined;
  setState(state: unknown): void;
  /** Messages posted, newest last (standalone only; tests read them). */
  readonly sent: FromWebview[];
}

/** The host of this page. */
export function detectHost(): Host {
  if (typeof acquireVsCodeApi === "function") {
    const api = acquireVsCodeApi();
    return {
      kind: "vscode",
      post: (m) => api.postMessage(m),
      getState: <T>() => (api.getState() as T | undefined) ?? undefined,
      setState: (s) => api.setState(s),
      sent: [],
    };
  }
  const sent: FromWebview[] = [];
  const key = "ipcviz-view-state:" + (typeof location !== "undefined" ? location.pathname : "");
  return {
    kind: "standalone",
    post: (m) => {
      sent.push(m);
      if (sent.length > 200) sent.shift();
    },
    getState: <T>() => {
      try {
        const s = sessionStorage.getItem(key);
        return s ? (JSON.parse(s) as T) : undefined;
      } catch {
        return undefined;
      }
    },
    setState: (s) => {
      try {
        sessionStorage.setItem(key, JSON.stringify(s));
      } catch {
        /* file:// pages may not have storage: state is then not kept */
      }
    },
    sent,
  };
}
