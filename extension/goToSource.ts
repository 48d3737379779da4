/**
 * "Go to source" from the view: open the file at the line, select it, and highlight it briefly
 * with a decoration, in an editor column other than the view's.
 */

import * as vscode from "vscode";
import { existsSync } from "node:fs";

let flash: vscode.TextEditorDecorationType | null = null;

function flashDecoration(): vscode.TextEditorDecorationType {
  flash ??= vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor("editor.findMatchHighlightBackground"),
    borderColor: new vscode.ThemeColor("editor.findMatchBorder"),
    borderStyle: "solid",
    borderWidth: "1px 0",
  });
  return flash;
}

/** Open `file` at 1-based `line` beside the view in `viewColumn`, and highlight the line for a moment. */
export async function goToSource(file: string, line: number, viewColumn: vscode.ViewColumn | undefined): Promise<vscode.TextEditor | undefined> {
  if (!existsSync(file)) {
    void vscode.window.showWarningMessage(`IPC Visualiser: cannot open ${file}:${line}: the file is not there (was it moved, or recorded on another machine?).`);
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const l = Math.min(Math.max(0, line - 1), Math.max(0, doc.lineCount - 1));
  const range = doc.lineAt(l).range;
  const column = viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, selection: new vscode.Selection(range.start, range.end), preserveFocus: false });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  const deco = flashDecoration();
  editor.setDecorations(deco, [range]);
  setTimeout(() => editor.setDecorations(deco, []), 1500);
  return editor;
}

/** Release the decoration type (on deactivate). */
export function disposeGoToSource(): void {
  flash?.dispose();
  flash = null;
}
