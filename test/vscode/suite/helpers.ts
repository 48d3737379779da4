/**
 * Helpers of the integration suite: the extension and its test API, waiting for conditions,
 * settings for the duration of a test, and the /proc scan that finds a run's processes.
 */

import * as vscode from "vscode";
import { readdirSync, readFileSync } from "node:fs";

/** The `testing` part of activate()'s return value (one definition: extension/controller.ts). */
import type { IpcvizTestApi } from "../../../extension/controller";
export type TestApi = IpcvizTestApi;

export const EXTENSION_ID = "ipcviz.ipc-visualiser";

/** The extension, activated; its test API. */
export async function extensionApi(): Promise<{ ext: vscode.Extension<{ testing: TestApi }>; api: TestApi }> {
  const ext = vscode.extensions.getExtension<{ testing: TestApi }>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  const exports = ext.isActive ? ext.exports : await ext.activate();
  return { ext, api: exports.testing };
}

/** Wait until `cond()` is truthy (polling); fails with `what` (and `state()`, for diagnosis) after timeoutMs. */
export async function waitFor<T>(what: string, cond: () => T | undefined | null | false, timeoutMs = 60_000, state?: () => unknown): Promise<T> {
  const end = Date.now() + timeoutMs;
  const stepMs = 100;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; state: ${JSON.stringify(state())}` : ""}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Set ipcviz settings globally for a test; returns a function that restores them. */
export async function withSettings(values: Record<string, unknown>): Promise<() => Promise<void>> {
  const cfg = vscode.workspace.getConfiguration("ipcviz");
  const old: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    old[k] = cfg.inspect(k)?.globalValue;
    await cfg.update(k, v, vscode.ConfigurationTarget.Global);
  }
  return async () => {
    for (const k of Object.keys(values)) await vscode.workspace.getConfiguration("ipcviz").update(k, old[k], vscode.ConfigurationTarget.Global);
  };
}

/**
 * Live (non-zombie) processes of a run: those in the main process's process group or session,
 * and any whose environment carries the run's collector socket (IPCVIZ_SOCK).
 */
export function runProcesses(mainPid: number, socketPath: string): number[] {
  const found: number[] = [];
  const mark = Buffer.from(`IPCVIZ_SOCK=${socketPath}\0`);
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const [state, , pgrp, session] = [f[0], f[1], Number(f[2]), Number(f[3])];
    if (state === "Z" || state === "X") continue;
    let hit = pid === mainPid || pgrp === mainPid || session === mainPid;
    if (!hit) {
      try {
        hit = readFileSync(`/proc/${pid}/environ`).includes(mark);
      } catch {
        /* not ours to read, or gone */
      }
    }
    if (hit) found.push(pid);
  }
  return found;
}

/** Close every editor (the views too) so tests start from a clean window. */
export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}
