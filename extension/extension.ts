/**
 * The extension's entry point (bundled to out/extension/extension.js with everything but
 * `vscode`). activate() creates the {@link Controller}, which registers the commands, the
 * CodeLens, the trace editor and the panel serializer; it returns a small API whose `testing`
 * part the integration tests read (docs/extension.md, "Test API"). deactivate() stops a live run
 * and waits until its whole process tree is gone.
 */

import type * as vscode from "vscode";
import { Controller, type IpcvizApi } from "./controller";

let controller: Controller | null = null;

export function activate(context: vscode.ExtensionContext): IpcvizApi {
  controller = new Controller(context);
  context.subscriptions.push(controller);
  return controller.api;
}

export async function deactivate(): Promise<void> {
  const c = controller;
  controller = null;
  await c?.shutdown();
}
