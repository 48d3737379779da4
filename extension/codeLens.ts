/**
 * The "Visualise IPC" CodeLens above `if __name__ == "__main__":` in Python files, and above the
 * first import of `worker_threads`, `child_process` or `cluster` in JavaScript/TypeScript files.
 */

import * as vscode from "vscode";
import { findMainGuardLines, findNodeIpcImportLines } from "./codeLensLines";

/** See the file comment. */
export class MainGuardCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /** Settings changed (ipcviz.codeLens). */
  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration("ipcviz", document.uri).get<boolean>("codeLens", true)) return [];
    const lines = document.languageId === "python" ? findMainGuardLines(document.getText()) : findNodeIpcImportLines(document.getText());
    return lines.map(
      (line) =>
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: "$(type-hierarchy) Visualise IPC",
          tooltip: "Run this program and watch its processes, messages and locks live",
          command: "ipcviz.visualise",
          arguments: [document.uri],
        }),
    );
  }

  dispose(): void {
    this.changed.dispose();
  }
}
