/** Activation, commands and contributions; the workspace-trust guard. */

import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { MANAGE_TRUST, UNTRUSTED_MESSAGE, guardRun } from "../../../extension/trust";
import { EXTENSION_ID, extensionApi } from "./helpers";

const COMMANDS = [
  "ipcviz.visualise",
  "ipcviz.visualize",
  "ipcviz.keepTrace",
  "ipcviz.openRecentRun",
  "ipcviz.stop",
  "ipcviz.openTrace",
  "ipcviz.saveTrace",
  "ipcviz.exportHtml",
  "ipcviz.exportSvg",
  "ipcviz.exportPng",
  "ipcviz.exportPerfetto",
];

export function registerExtensionTests(): void {
  describe("extension", () => {
    it("activates and registers its commands", async () => {
      const { ext, api } = await extensionApi();
      assert.equal(ext.isActive, true);
      assert.equal(typeof api.run, "function");
      const all = await vscode.commands.getCommands(true);
      for (const c of COMMANDS) assert.ok(all.includes(c), `${c} is registered`);
    });

    it("registers exactly the commands package.json contributes (the table in extension/commands.ts)", async () => {
      await extensionApi();
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      const contributed = (pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command).sort();
      const registered = (await vscode.commands.getCommands(true)).filter((c) => c.startsWith("ipcviz.")).sort();
      assert.deepEqual(registered, contributed);
    });

    it("contributes the commands with category and icons, the trace editor and the settings", () => {
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      const cmds = pkg.contributes.commands as Array<{ command: string; title: string; category: string; icon?: string }>;
      const visualise = cmds.find((c) => c.command === "ipcviz.visualise")!;
      assert.equal(visualise.title, "Visualise IPC");
      assert.equal(visualise.category, "IPC Visualiser");
      for (const c of cmds) assert.ok(c.icon?.startsWith("$("), `${c.command} has a codicon`);
      assert.equal(pkg.contributes.customEditors[0].viewType, "ipcviz.trace");
      const cfg = vscode.workspace.getConfiguration("ipcviz");
      assert.equal(cfg.inspect("traces.save")?.defaultValue, "recent");
      assert.equal(cfg.inspect("deadlockGrace")?.defaultValue, 1);
      assert.equal(pkg.capabilities.untrustedWorkspaces.supported, "limited");
    });

    it("offers Visualise IPC as a CodeLens above the main guard", async () => {
      const doc = await vscode.workspace.openTextDocument({ language: "python", content: "import os\n\nif __name__ == '__main__':\n    print(1)\n" });
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", doc.uri);
      const ours = lenses.filter((l) => l.command?.command === "ipcviz.visualise");
      assert.equal(ours.length, 1);
      assert.equal(ours[0].range.start.line, 2);
    });
  });

  describe("workspace trust", () => {
    it("an untrusted workspace refuses to run code and says why", async () => {
      const shown: string[][] = [];
      const ok = await guardRun(
        { isTrusted: false },
        {
          showWarningMessage: async (m, ...items) => {
            shown.push([m, ...items]);
            return undefined;
          },
          manageTrust: () => undefined,
        },
      );
      assert.equal(ok, false);
      assert.deepEqual(shown, [[UNTRUSTED_MESSAGE, MANAGE_TRUST]]);
    });

    it("a trusted workspace runs (this host's real trust state passes when trusted)", async () => {
      const ok = await guardRun({ isTrusted: true }, { showWarningMessage: async () => assert.fail("no warning when trusted"), manageTrust: () => undefined });
      assert.equal(ok, true);
      if (vscode.workspace.isTrusted) {
        const real = await guardRun(vscode.workspace, { showWarningMessage: async () => assert.fail("no warning when trusted"), manageTrust: () => undefined });
        assert.equal(real, true);
      }
    });
  });
}
