/**
 * What the launcher's modules share: the error a run that cannot start throws, and the
 * environment without another run's IPCVIZ_* variables.
 *
 * Plain Node: no `vscode` import.
 */

/** Why a run could not start; `message` is one line that says what to do. */
export type LaunchErrorCode = "no-node" | "old-node" | "no-ts-runner" | "no-python" | "bad-python" | "old-python" | "no-program" | "no-runtime" | "bad-output" | "bad-option" | "spawn-failed";

/** A run could not be started. The message is meant for the user as is. */
export class LaunchError extends Error {
  constructor(
    readonly code: LaunchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LaunchError";
  }
}

/** A copy of env without IPCVIZ_* variables (but those in keep): a process ipcviz starts never inherits another run's. */
export function withoutIpcvizEnv(env: NodeJS.ProcessEnv, keep: ReadonlySet<string> = new Set()): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const k of Object.keys(out)) if (k.startsWith("IPCVIZ_") && !keep.has(k)) delete out[k];
  return out;
}
