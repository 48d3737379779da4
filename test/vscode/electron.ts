/**
 * Runs the same integration suite (out/test/vscode/suite/index.js) in desktop VS Code through
 * `@vscode/test-electron`'s runTests, where VS Code can be downloaded (it cannot on the project's
 * build machines: use the code-server tier there, `node test/run.mjs vscode`). `npm run
 * test:electron` builds first. VS Code version: IPCVIZ_VSCODE_VERSION (default 1.100.3, the
 * version the extension is tested on). Results also go to IPCVIZ_TEST_RESULTS when set.
 */

import { runTests } from "@vscode/test-electron";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fakePythonExtensionPath, otherPython } from "./fixtures/fakePython";

async function main(): Promise<number> {
  const root = resolve(__dirname, "../../..");
  const workspace = mkdtempSync(join(tmpdir(), "ipcviz-electron-ws-"));
  const other = otherPython();
  try {
    await runTests({
      version: process.env.IPCVIZ_VSCODE_VERSION ?? "1.100.3",
      extensionDevelopmentPath: [root, fakePythonExtensionPath(root)],
      extensionTestsPath: join(root, "out", "test", "vscode", "suite", "index.js"),
      launchArgs: [workspace, "--disable-extensions", "--disable-workspace-trust", "--skip-welcome", "--skip-release-notes"],
      extensionTestsEnv: { IPCVIZ_TEST_WORKSPACE: workspace, ...(other ? { IPCVIZ_TEST_OTHER_PYTHON: other } : {}) },
    });
    return 0;
  } catch (err) {
    process.stderr.write(`integration tests under @vscode/test-electron failed: ${(err as Error).message ?? err}\n`);
    return 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
