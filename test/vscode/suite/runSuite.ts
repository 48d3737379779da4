/**
 * Running programs in the real extension host: a run produces events in the panel, a deadlock is
 * reported live, and Stop leaves no process behind (a deadlocked program, and one ignoring
 * SIGTERM).
 */

import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { closeAll, extensionApi, runProcesses, waitFor, withSettings, type TestApi } from "./helpers";

type RunInfo = NonNullable<ReturnType<TestApi["run"]>>;

const IGNORES_SIGTERM = `
import multiprocessing as mp, signal, time

def stubborn():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(0.05)

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ps = [mp.Process(target=stubborn, name="stubborn-%d" % i) for i in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
`;

export function registerRunTests(): void {
  describe("runs", function () {
    let api: TestApi;
    let examples: string;
    let restore: () => Promise<void>;
    let tmp: string;

    before(async () => {
      const e = await extensionApi();
      api = e.api;
      examples = join(e.ext.extensionPath, "examples");
      restore = await withSettings({ "traces.save": "never" });
      tmp = mkdtempSync(join(tmpdir(), "ipcviz-suite-"));
    });

    after(async () => {
      const r = api.run();
      if (r && r.state !== "finished") await vscode.commands.executeCommand("ipcviz.stop");
      await restore();
      await closeAll();
      rmSync(tmp, { recursive: true, force: true });
    });

    async function visualise(file: string): Promise<RunInfo> {
      const info = await vscode.commands.executeCommand<RunInfo | null>("ipcviz.visualise", vscode.Uri.file(file));
      assert.ok(info, `ipcviz.visualise started ${file} (see the "IPC Visualiser" output channel if not)`);
      return info;
    }

    it("runs queue_producer_consumer.py and the panel receives its events", async () => {
      const started = await visualise(join(examples, "queue_producer_consumer.py"));
      assert.ok(started.pid > 0);
      const done = await waitFor("the run to finish", () => (api.run()?.state === "finished" ? api.run() : null), 60_000);
      assert.equal(done.exitCode, 0);
      assert.ok(done.events > 20, `the run recorded events (${done.events})`);
      const view = await waitFor(
        "the run panel to load and receive every event",
        () => api.views().find((v) => v.kind === "run" && v.ready && v.eventsPosted === v.sourceEvents && v.sourceEvents === done.events),
        60_000,
        () => ({ run: api.run(), views: api.views() }),
      );
      assert.equal(view.finished, true);
      assert.deepEqual(runProcesses(done.pid, done.socketPath), [], "no process of the run is left");
    });

    it("reports a live deadlock, and Stop ends every process of the deadlocked program", async () => {
      const started = await visualise(join(examples, "hang_lock_cycle_2.py"));
      await waitFor("the deadlock to be reported", () => api.run()?.hangReported, 60_000);
      assert.ok(runProcesses(started.pid, started.socketPath).length >= 3, "main and both children are running");
      const stopped = await vscode.commands.executeCommand<RunInfo>("ipcviz.stop");
      assert.equal(stopped.state, "finished");
      assert.equal(stopped.stopped, true);
      await waitFor("every process of the run to be gone", () => runProcesses(started.pid, started.socketPath).length === 0, 15_000);
    });

    it("Stop ends a program whose processes ignore SIGTERM", async () => {
      const file = join(tmp, "ignores_sigterm.py");
      writeFileSync(file, IGNORES_SIGTERM);
      const started = await visualise(file);
      await waitFor("three processes to run", () => runProcesses(started.pid, started.socketPath).length >= 3 && (api.run()?.processes ?? 0) >= 3, 60_000);
      const t0 = Date.now();
      const stopped = await vscode.commands.executeCommand<RunInfo>("ipcviz.stop");
      assert.equal(stopped.state, "finished");
      assert.ok(Date.now() - t0 < 15_000, "stop did not hang");
      await waitFor("every process of the run to be gone", () => runProcesses(started.pid, started.socketPath).length === 0, 15_000);
    });
  });
}
