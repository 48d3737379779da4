/**
 * Which Python a run uses: the interpreter the Python extension reports through its public API
 * (environments.getActiveEnvironmentPath + resolveEnvironment) wins over the ipcviz.python
 * setting. The Python extension here is the fake in test/vscode/fixtures/fake-python/ (id
 * ms-python.python), loaded beside ours by the harness; it reports no interpreter until a test
 * calls its `testing.setActive(path)`.
 */

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vscode from "vscode";
import { extensionApi, waitFor, withSettings, type TestApi } from "./helpers";

interface FakePythonApi {
  testing: {
    setActive(path: string | undefined): void;
    calls(): { getActiveEnvironmentPath: number; resolveEnvironment: number; setInterpreter: number };
  };
}

function pythonVersion(python: string): string {
  const r = spawnSync(python, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8", timeout: 10_000 });
  assert.equal(r.status, 0, `${python} runs: ${r.stderr}`);
  return r.stdout.trim();
}

export function registerInterpreterTests(): void {
  describe("interpreter", function () {
    let api: TestApi;
    let examples: string;
    let restore: () => Promise<void> = async () => undefined;
    let fake: FakePythonApi | undefined;

    before(async () => {
      const e = await extensionApi();
      api = e.api;
      examples = join(e.ext.extensionPath, "examples");
      const ext = vscode.extensions.getExtension<FakePythonApi>("ms-python.python");
      fake = ext ? (ext.isActive ? ext.exports : await ext.activate()) : undefined;
    });

    after(async () => {
      fake?.testing.setActive(undefined);
      await restore();
    });

    it("runs the program with the interpreter the Python extension reports, not ipcviz.python", async function () {
      const other = process.env.IPCVIZ_TEST_OTHER_PYTHON;
      if (!fake || !other) this.skip(); // no fake Python extension loaded, or no second interpreter on this machine
      const want = pythonVersion(other!);
      assert.notEqual(want, pythonVersion("python3"), "the reported interpreter can be told apart from python3 on PATH");
      // A setting that would fail if it were used: the Python extension's choice comes first.
      restore = await withSettings({ "traces.save": "never", python: "/nonexistent/python-from-setting" });
      fake!.testing.setActive(other);
      const before = fake!.testing.calls();
      const info = await vscode.commands.executeCommand<{ traceFile: string } | null>("ipcviz.visualise", vscode.Uri.file(join(examples, "pipe_one_way.py")));
      assert.ok(info, "the run started (see the IPC Visualiser output channel if not)");
      const done = await waitFor("the run to finish", () => (api.run()?.state === "finished" ? api.run() : null), 60_000);
      assert.equal(done.exitCode, 0);
      const header = JSON.parse(readFileSync(done.traceFile, "utf8").split("\n", 1)[0]) as { interpreter: { path: string; version: string } };
      assert.equal(header.interpreter.version, want, `the trace header names the Python extension's interpreter (${other}): ${JSON.stringify(header.interpreter)}`);
      const after = fake!.testing.calls();
      assert.ok(after.getActiveEnvironmentPath > before.getActiveEnvironmentPath, "asked getActiveEnvironmentPath");
      assert.ok(after.resolveEnvironment > before.resolveEnvironment, "asked resolveEnvironment");
    });
  });
}
