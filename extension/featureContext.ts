/**
 * What the extension's features (runs.ts, views.ts, traces.ts, exports.ts, examples.ts) share:
 * the extension's context, the output channel, the settings, the folder of run traces and the
 * context keys the menus read. controller.ts makes one and hands it to each feature.
 */

import type * as vscode from "vscode";
import type { IpcvizSettings } from "./settings";

/** Run traces kept in the extension's storage, and run views remembered for restoring (newest first). */
export const KEEP_RUN_TRACES = 20;

export interface FeatureContext {
  readonly extension: vscode.ExtensionContext;
  /** Where run traces are written: `runs/` in the extension's global storage. */
  readonly runsDir: string;
  /** A line in the "IPC Visualiser" output channel. */
  log(line: string): void;
  /** Show the output channel. */
  showLog(): void;
  /** The `ipcviz.*` settings for a resource (settings.ts: resolveSettings). */
  settings(resource?: vscode.Uri): IpcvizSettings;
  /** Update the `ipcviz.running` and `ipcviz.hasView` context keys. */
  updateContextKeys(): void;
}
