/**
 * The walkthrough's "Open an IPC Example Program": copy a small example program into the
 * workspace (or the extension's storage when no folder is open) and open it.
 */

import * as vscode from "vscode";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Copy the example `name` ("queue" or "deadlock") and open it; returns its URI (undefined when it could not be written). */
export async function openExample(extension: vscode.ExtensionContext, name = "queue"): Promise<vscode.Uri | undefined> {
  const file = name === "deadlock" ? "deadlock_demo.py" : "queue_demo.py";
  const src = join(extension.extensionPath, "extension", "media", "examples", file);
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const dir = ws ? join(ws, "ipcviz-examples") : join(extension.globalStorageUri.fsPath, "examples");
  const dest = join(dir, file);
  try {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(dest)) copyFileSync(src, dest);
  } catch (err) {
    void vscode.window.showErrorMessage(`IPC Visualiser: cannot write the example to ${dest}: ${(err as Error).message}`);
    return undefined;
  }
  const uri = vscode.Uri.file(dest);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}
