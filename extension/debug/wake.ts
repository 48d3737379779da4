/**
 * Pausing a process that is blocked in a system call (recv() on a Pipe, a lock, join()): debugpy
 * pauses a thread only when it next runs Python code, so a pause request alone never reaches a
 * process blocked in the kernel. The runtime's boot installs a Python handler for
 * {@link WAKE_SIGNAL} in every process of a debug run (IPCVIZ_DEBUG_WAKE); sending that signal
 * interrupts the blocked call, the handler runs, the pending pause stops there (the frames below
 * show where the process waits), and on continue the call goes on. Linux /proc; no `vscode`.
 */

import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { WAKE_SIGNAL } from "./debugConfig";

/** True when the process has a handler for `signal` (its SigCgt mask in /proc/<pid>/status). */
export function catchesSignal(pid: number, signal: NodeJS.Signals = WAKE_SIGNAL): boolean {
  const num = constants.signals[signal];
  if (!num) return false;
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "latin1");
  } catch {
    return false;
  }
  const m = /^SigCgt:\s*([0-9a-f]+)$/im.exec(status);
  if (!m) return false;
  return (BigInt(`0x${m[1]}`) & (1n << BigInt(num - 1))) !== 0n;
}

/** Send the wake-up signal when the process handles it (never to one that does not). True when sent. */
export function wakeForPause(pid: number): boolean {
  if (!catchesSignal(pid)) return false;
  try {
    process.kill(pid, WAKE_SIGNAL);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` is a file of the runtime (its frames are shown as library code). */
export function isRuntimeFile(path: string | undefined, runtimeDir: string): boolean {
  if (!path) return false;
  const dir = runtimeDir.endsWith("/") ? runtimeDir : `${runtimeDir}/`;
  return path.startsWith(dir);
}
