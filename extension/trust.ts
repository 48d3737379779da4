/**
 * The workspace-trust guard of "Visualise IPC": running a program executes code, so in an
 * untrusted workspace the command explains why it will not run and offers to manage trust.
 * Opening saved traces does not run code and is not guarded. Pure: the trust state and the UI
 * are passed in (the extension passes `vscode.workspace` and `vscode.window`; tests pass fakes).
 */

/** Shown when a run is refused. */
export const UNTRUSTED_MESSAGE =
  "IPC Visualiser will not run code in an untrusted workspace: visualising a program runs it (and every process it starts). Trust this workspace to visualise programs; opening saved traces (*.ipcviz.jsonl) still works.";

/** The button that opens the trust editor. */
export const MANAGE_TRUST = "Manage Workspace Trust";

export interface TrustState {
  readonly isTrusted: boolean;
}

export interface TrustUi {
  showWarningMessage(message: string, ...items: string[]): PromiseLike<string | undefined>;
  /** Open the workspace trust editor. */
  manageTrust(): PromiseLike<unknown> | void;
}

/** True when a program may run; otherwise tells the user why not and returns false. */
export async function guardRun(trust: TrustState, ui: TrustUi): Promise<boolean> {
  if (trust.isTrusted) return true;
  const choice = await ui.showWarningMessage(UNTRUSTED_MESSAGE, MANAGE_TRUST);
  if (choice === MANAGE_TRUST) await ui.manageTrust();
  return false;
}
