/**
 * The interpreter a run uses: the one chosen in the Python extension (ms-python.python) through
 * its public API (`@vscode/python-extension`: PythonExtension.api(), read by pythonEnvironment.ts)
 * when that extension is installed, else the `ipcviz.python` setting, else python3 (settings.ts:
 * chooseInterpreter). Also the "Pick Interpreter" action of the missing/old Python message.
 */

import * as vscode from "vscode";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { PVSC_EXTENSION_ID, PythonExtension } from "@vscode/python-extension";
import { activeInterpreter, withTimeout } from "./pythonEnvironment";

/** Whether the Python extension is installed and enabled. */
export function pythonExtensionInstalled(): boolean {
  return vscode.extensions.getExtension(PVSC_EXTENSION_ID) !== undefined;
}

/** The Python extension's interpreter for `resource`, or undefined (not installed, no choice, or an error). */
export async function interpreterFromPythonExtension(resource: vscode.Uri | undefined, log: (line: string) => void): Promise<string | undefined> {
  if (!pythonExtensionInstalled()) return undefined;
  try {
    // PythonExtension.api() activates the extension when it is not active yet.
    const api = await withTimeout(PythonExtension.api(), 10_000);
    if (!api?.environments) {
      log(api ? "the Python extension gave no environments API; using the ipcviz.python setting or python3" : "the Python extension did not activate within 10 s; using the ipcviz.python setting or python3");
      return undefined;
    }
    return await activeInterpreter(api, resource);
  } catch (err) {
    log(`could not ask the Python extension for its interpreter: ${(err as Error).message}`);
  }
  return undefined;
}

/** "Pick Interpreter": the Python extension's picker when installed, else a file dialog that sets ipcviz.python. */
export async function pickInterpreter(): Promise<void> {
  if (pythonExtensionInstalled()) {
    await vscode.commands.executeCommand("python.setInterpreter");
    return;
  }
  // Start where interpreters live: the configured one's folder, else /usr/bin.
  const current = vscode.workspace.getConfiguration("ipcviz").get<string>("python", "").trim();
  const start = [current.includes("/") ? dirname(current) : "", "/usr/bin"].find((d) => d && existsSync(d));
  const picked = await vscode.window.showOpenDialog({
    title: "Pick a Python 3.9 or newer interpreter for IPC Visualiser",
    defaultUri: start ? vscode.Uri.file(start) : undefined,
    canSelectMany: false,
    canSelectFolders: false,
    openLabel: "Use this Python",
  });
  if (!picked?.[0]) return;
  await vscode.workspace.getConfiguration("ipcviz").update("python", picked[0].fsPath, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(`IPC Visualiser will run programs with ${picked[0].fsPath} (setting ipcviz.python).`);
}
