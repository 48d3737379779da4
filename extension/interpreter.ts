/**
 * The interpreter a run uses: the one chosen in the Python extension (ms-python.python) through
 * its public API when that extension is installed, else the `ipcviz.python` setting, else
 * python3 (settings.ts: chooseInterpreter). Also the "Pick Interpreter" action of the
 * missing/old Python message.
 */

import * as vscode from "vscode";
import { existsSync } from "node:fs";
import { dirname } from "node:path";

const PYTHON_EXTENSION = "ms-python.python";

/** The parts of the Python extension's API used here (both its current and its older shape). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string } | undefined;
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
  };
}

function withTimeout<T>(p: PromiseLike<T>, ms: number): Promise<T | undefined> {
  return Promise.race([Promise.resolve(p), new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);
}

/** The Python extension's interpreter for `resource`, or undefined (not installed, no choice, or an error). */
export async function interpreterFromPythonExtension(resource: vscode.Uri | undefined, log: (line: string) => void): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await withTimeout(ext.activate(), 10_000);
    if (!api) {
      log("the Python extension did not activate within 10 s; using the ipcviz.python setting or python3");
      return undefined;
    }
    if (api.environments) {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      if (envPath) {
        const env = await withTimeout(api.environments.resolveEnvironment(envPath), 10_000);
        const exe = env?.executable?.uri?.fsPath;
        if (exe) return exe;
        if (envPath.path) return envPath.path;
      }
    }
    const cmd = api.settings?.getExecutionDetails?.(resource)?.execCommand;
    if (cmd && cmd.length === 1 && cmd[0]) return cmd[0];
  } catch (err) {
    log(`could not ask the Python extension for its interpreter: ${(err as Error).message}`);
  }
  return undefined;
}

/** "Pick Interpreter": the Python extension's picker when installed, else a file dialog that sets ipcviz.python. */
export async function pickInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension(PYTHON_EXTENSION)) {
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
