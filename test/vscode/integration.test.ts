/**
 * Tier "vscode" (`npm run build && node test/run.mjs vscode`): the extension's integration suite
 * (test/vscode/suite/, bundled to out/test/vscode/suite/index.js) run in the real extension host of
 * VS Code 1.100.3 (code-server), on a workspace holding copies of some examples/ programs, with
 * a fake Python extension (test/vscode/fixtures/fake-python/) loaded beside it.
 *
 * Needs the tools from scripts/setup-test-tools.sh; skips with that hint when they are missing.
 * IPCVIZ_VSCODE_EXTENSION_PATH / IPCVIZ_VSCODE_TESTS_PATH point it at another extension and suite
 * (used to check this harness itself).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, realVSCodeSkipReason } from "./codeServer";
import { fakePythonExtensionPath, otherPython } from "./fixtures/fakePython";
import { parseResults, runExtensionTests } from "./extensionTests";
import { describeProcesses, processesWithCmdline } from "./procs";

/** Example programs copied into the suite's workspace folder. */
export const WORKSPACE_EXAMPLES = ["queue_producer_consumer.py", "pipe_duplex.py", "locks.py", "pipe_same_end_hangs.py", "hang_lock_cycle_2.py"];

const extensionPath = process.env.IPCVIZ_VSCODE_EXTENSION_PATH ?? REPO_ROOT;
const testsPath = process.env.IPCVIZ_VSCODE_TESTS_PATH ?? join(REPO_ROOT, "out", "test", "vscode", "suite", "index.js");

test("integration suite passes in the real VS Code extension host", { skip: realVSCodeSkipReason(), timeout: 1_200_000 }, async () => {
  assert.ok(existsSync(testsPath), `no suite bundle at ${testsPath}: run "npm run build" first`);
  if (extensionPath === REPO_ROOT) {
    const main = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).main as string | undefined;
    assert.ok(main, 'package.json has no "main": the extension manifest is not there yet');
    const mainFile = join(REPO_ROOT, main);
    assert.ok(existsSync(mainFile) || existsSync(`${mainFile}.js`), `no extension bundle at ${main}: run "npm run build" first`);
  }
  const workspace = mkdtempSync(join(tmpdir(), "ipcviz-ws-"));
  try {
    mkdirSync(join(workspace, "examples"));
    for (const f of WORKSPACE_EXAMPLES) copyFileSync(join(REPO_ROOT, "examples", f), join(workspace, "examples", f));
    mkdirSync(join(REPO_ROOT, "out", "screenshots", "vscode"), { recursive: true });
    // A fake ms-python.python runs beside the extension (it reports no interpreter until the
    // suite asks it to report IPCVIZ_TEST_OTHER_PYTHON).
    const other = otherPython();
    const r = await runExtensionTests({
      extensionDevelopmentPath: extensionPath,
      extensions: [fakePythonExtensionPath(REPO_ROOT)],
      extensionTestsPath: testsPath,
      workspace,
      env: { IPCVIZ_TEST_WORKSPACE: workspace, ...(other ? { IPCVIZ_TEST_OTHER_PYTHON: other } : {}) },
      timeoutMs: 1_080_000,
      screenshot: join(REPO_ROOT, "out", "screenshots", "vscode", "integration-end.png"),
    });
    console.log(`--- extension host output (${r.log.length} lines, ${r.elapsedMs} ms) ---\n${r.log.join("\n")}\n--- end ---`);
    if (r.results !== null) console.log(`--- results file ---\n${r.results.slice(0, 4000)}\n--- end ---`);
    const where = `\ncode-server log (tail):\n${r.serverLog.split("\n").slice(-40).join("\n")}`;
    assert.notEqual(r.exitCode, null, `the suite did not end in time (no codeAutomationExit)${where}`);
    assert.ok(r.results !== null, `the suite wrote no results file to $IPCVIZ_TEST_RESULTS${where}`);
    const counts = parseResults(r.results);
    if (counts?.failures !== undefined) assert.equal(counts.failures, 0, `${counts.failures} test(s) failed in the extension host`);
    if (counts?.passes !== undefined) assert.ok(counts.passes > 0, "the suite ran no test");
    assert.equal(r.exitCode, 0, `the extension host reported exit code ${r.exitCode}${where}`);
    // stop() has ended code-server's tree and all that carried its marker; programs of the
    // workspace started some other way would still show here.
    const leftovers = processesWithCmdline(workspace);
    assert.deepEqual(leftovers, [], `processes of the run left behind:\n${describeProcesses(leftovers)}`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
});
