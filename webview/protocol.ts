/**
 * The one protocol between the extension host (or the standalone report page) and the webview.
 * Every message is an interface with a literal `type`; `ToWebview` and `FromWebview` collect them
 * and both ends dispatch on `type` with an exhaustive `never` check.
 *
 * Handshake: the webview posts `ready` once its script runs; the host answers with `snapshot`
 * (everything so far: header, events, whether the run is live), then streams `append` batches,
 * `status` and finally `finished`. A webview that is hidden and shown again is a new document: it
 * posts `ready` again and gets a fresh snapshot from the host's copy of the events (no
 * `retainContextWhenHidden`). The webview's own UI state (cursor, zoom, filters) is kept with
 * `vscode.setState` and restored from there.
 *
 * Pure types and tiny helpers: no `vscode`, no DOM.
 */

import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";

/** Bumped on any incompatible change to these messages. */
export const PROTOCOL_VERSION = 1;

// ------------------------------------------------------------------ host -> webview

/** All events so far; replaces whatever the webview had. */
export interface SnapshotMessage {
  type: "snapshot";
  protocol: typeof PROTOCOL_VERSION;
  /** Title shown above the view (usually the program's file name). */
  title: string;
  header: TraceHeader | null;
  events: TraceEvent[];
  /** True while the program is still running (more `append` messages will follow). */
  live: boolean;
  footer: TraceFooter | null;
  /** Options the host passes on (from the extension's settings). */
  options: ViewOptions;
}

/** Events that arrived since the last snapshot/append, in arrival order. */
export interface AppendMessage {
  type: "append";
  events: TraceEvent[];
}

/** The run has ended (normally, crashed, stopped or killed); no more events. */
export interface FinishedMessage {
  type: "finished";
  footer: TraceFooter | null;
  /** Plain words: "exited with 0", "stopped by the user", "stopped: deadlock". */
  reason: string;
}

/** Run status for the view's header line (sent at most a few times a second). */
export interface StatusMessage {
  type: "status";
  /** e.g. "running", "stopping", "finished", "paused in the debugger". */
  state: string;
  processes: number;
  events: number;
  /** What the run waits on outside itself, e.g. "MainProcess is waiting on a listening socket 127.0.0.1:8000 (outside the run) …" (not a hang). */
  note?: string;
}

/** Move the cursor / selection (e.g. the notification's "Show" button). */
export interface RevealMessage {
  type: "reveal";
  target:
    | { kind: "diagnosis" } /** the first deadlock/stall found */
    | { kind: "event"; index: number } /** causal index */
    | { kind: "process"; pid: number }
    | { kind: "stacks" } /** open the stacks panel (the newest snapshot) */;
}

/** Debugger state of processes (issue 6): which are paused, at which site. Replaces the previous set. */
export interface DebugStateMessage {
  type: "debugState";
  paused: Array<{ pid: number; file: string | null; line: number | null; reason: string }>;
}

/** Ask the webview to render an image of the current view for export. */
export interface ExportRequestMessage {
  type: "exportRequest";
  /** Correlates the reply. */
  id: number;
  format: "svg" | "png";
}

export type ToWebview =
  | SnapshotMessage
  | AppendMessage
  | FinishedMessage
  | StatusMessage
  | RevealMessage
  | DebugStateMessage
  | ExportRequestMessage;

/** Options from the host (extension settings); all optional with the view's defaults. */
export interface ViewOptions {
  /** Characters of payload preview shown (the trace keeps what the runtime recorded). */
  previewLength?: number;
  /** Initial layout: by wall time or by event order. */
  layout?: "time" | "logical";
  /** True when the view shows a saved trace (read-only editor): no run controls. */
  readOnly?: boolean;
}

// ------------------------------------------------------------------ webview -> host

/** The webview's script is running and wants the initial state. */
export interface ReadyMessage {
  type: "ready";
  protocol: typeof PROTOCOL_VERSION;
}

/** "Go to source": open this file at this line (1-based) in the editor. */
export interface GoToSourceMessage {
  type: "goToSource";
  file: string;
  line: number;
}

/** The user pressed Stop in the view. */
export interface StopMessage {
  type: "stop";
}

/** The user selected a process lane (the debugger integration selects its thread). */
export interface SelectProcessMessage {
  type: "selectProcess";
  pid: number;
}

/** Reply to `exportRequest`: the image as text (SVG markup) or a data: URL (PNG). */
export interface ExportReplyMessage {
  type: "exportReply";
  id: number;
  format: "svg" | "png";
  data: string;
}

/** The user asked to export/save from inside the view (toolbar). */
export interface CommandMessage {
  type: "command";
  /** Save/export the shown run, or (from the empty state) start Visualise IPC / Open a Recent IPC Run…. */
  command: "saveTrace" | "exportHtml" | "exportSvg" | "exportPng" | "exportPerfetto" | "visualise" | "openRecentRun" | "showStacks";
}

/** Something went wrong inside the webview (shown to the user by the host, logged). */
export interface ErrorMessage {
  type: "error";
  message: string;
}

export type FromWebview =
  | ReadyMessage
  | GoToSourceMessage
  | StopMessage
  | SelectProcessMessage
  | ExportReplyMessage
  | CommandMessage
  | ErrorMessage;

/** Events per `append` message the host sends at most (bigger batches are split). */
export const MAX_APPEND_BATCH = 20000;

/** Milliseconds the host waits to batch events before posting an `append`. */
export const APPEND_INTERVAL_MS = 50;

/** Is `value` a message the webview understands? (Cheap shape check on `type`.) */
export function isToWebview(value: unknown): value is ToWebview {
  if (typeof value !== "object" || value === null) return false;
  switch ((value as { type?: unknown }).type) {
    case "snapshot":
    case "append":
    case "finished":
    case "status":
    case "reveal":
    case "debugState":
    case "exportRequest":
      return true;
    default:
      return false;
  }
}

/** Is `value` a message the host understands? */
export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== "object" || value === null) return false;
  switch ((value as { type?: unknown }).type) {
    case "ready":
    case "goToSource":
    case "stop":
    case "selectProcess":
    case "exportReply":
    case "command":
    case "error":
      return true;
    default:
      return false;
  }
}
