/**
 * The read-only custom editor for saved traces (`*.ipcviz.jsonl`): the document is the parsed
 * trace; each editor is a {@link ViewPanel} over it. Opening a trace runs no code, so it works
 * in untrusted workspaces. Big traces load under a progress notification.
 */

import * as vscode from "vscode";
import { basename } from "node:path";
import { statSync } from "node:fs";
import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";
import { readTraceFile } from "../trace/readFile";
import { readTraceText, type ParsedTrace } from "../trace/reader";
import type { ViewSource } from "./viewPanel";

/** Files above this size load with a progress notification. */
const BIG_TRACE_BYTES = 4 << 20;

/** A saved trace, loaded. */
export class TraceDocument implements vscode.CustomDocument, ViewSource {
  readonly live = false;
  readonly title: string;
  constructor(
    readonly uri: vscode.Uri,
    private readonly trace: ParsedTrace,
    title?: string,
  ) {
    this.title = title ?? basename(uri.path);
  }
  get header(): TraceHeader {
    return this.trace.header;
  }
  get events(): readonly TraceEvent[] {
    return this.trace.events;
  }
  get footer(): TraceFooter | null {
    return this.trace.footer;
  }
  get traceFile(): string | null {
    return this.uri.scheme === "file" ? this.uri.fsPath : null;
  }
  /** Damage the reader tolerated (one sentence each). */
  get problems(): readonly string[] {
    return this.trace.problems;
  }
  dispose(): void {
    // Nothing held: the events are garbage once no editor shows them.
  }
}

/** Load a trace from disk (or any file system VS Code knows), with progress when it is big. */
export async function loadTrace(uri: vscode.Uri, title?: string): Promise<TraceDocument> {
  const read = async (): Promise<ParsedTrace> => {
    if (uri.scheme === "file") return readTraceFile(uri.fsPath);
    const bytes = await vscode.workspace.fs.readFile(uri);
    return readTraceText(new TextDecoder().decode(bytes), uri.path);
  };
  let size = 0;
  try {
    if (uri.scheme === "file") size = statSync(uri.fsPath).size;
  } catch {
    size = 0;
  }
  const trace =
    size > BIG_TRACE_BYTES
      ? await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `IPC Visualiser: loading ${basename(uri.path)} (${Math.round(size / (1 << 20))} MB)…` },
          read,
        )
      : await read();
  return new TraceDocument(uri, trace, title);
}
