/** Traces: save a run's trace, open it in the read-only trace editor, export it for Perfetto. */

import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { closeAll, extensionApi, waitFor, withSettings, type TestApi } from "./helpers";

export function registerTraceTests(): void {
  describe("traces", function () {
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
      await closeAll();
    });

    after(async () => {
      await restore();
      await closeAll();
      rmSync(tmp, { recursive: true, force: true });
    });

    it("saves a run's trace and opens it in the trace editor with the same events", async () => {
      const info = await vscode.commands.executeCommand<{ pid: number } | null>("ipcviz.visualise", vscode.Uri.file(join(examples, "pipe_one_way.py")));
      assert.ok(info, "the run started");
      const done = await waitFor("the run to finish", () => (api.run()?.state === "finished" ? api.run() : null), 60_000);
      await waitFor("the run panel", () => api.views().find((v) => v.kind === "run"), 60_000);

      const target = join(tmp, "saved.ipcviz.jsonl");
      const saved = await vscode.commands.executeCommand<string | undefined>("ipcviz.saveTrace", vscode.Uri.file(target));
      assert.equal(saved, target);
      const lines = readFileSync(target, "utf8").trim().split("\n");
      assert.equal(JSON.parse(lines[0]).format, "ipcviz-trace");
      assert.equal(JSON.parse(lines[lines.length - 1]).footer, true);
      assert.equal(lines.length - 2, done.events, "the file holds every event of the run");

      assert.equal(await vscode.commands.executeCommand("ipcviz.openTrace", vscode.Uri.file(target)), true);
      const view = await waitFor(
        "the trace editor to show every event",
        () => api.views().find((v) => v.kind === "trace" && v.title === "saved.ipcviz.jsonl" && v.sourceEvents === done.events && v.ready && v.eventsPosted === done.events),
        60_000,
        () => ({ run: api.run(), views: api.views() }),
      );
      assert.equal(view.finished, true);
    });

    it("a hidden run view shown again gets a fresh snapshot from the host's copy", async () => {
      const run = api.views().find((v) => v.kind === "run");
      assert.ok(run, "the run view is still open");
      if (run.visible) return; // the editors landed in different groups: nothing was hidden
      assert.equal(run.ready, false, "a hidden view has no page (no retainContextWhenHidden)");
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
      await waitFor(
        "the run view to reload and get every event again",
        () => api.views().find((v) => v.kind === "run" && v.visible && v.ready && v.eventsPosted === v.sourceEvents && v.sourceEvents > 0),
        60_000,
        () => api.views(),
      );
    });

    it("exports the active view as a standalone HTML report and as SVG (rendered by the view)", async () => {
      const html = join(tmp, "saved.html");
      assert.equal(await vscode.commands.executeCommand("ipcviz.exportHtml", vscode.Uri.file(html)), html);
      const page = readFileSync(html, "utf8");
      assert.match(page, /Content-Security-Policy/);
      assert.match(page, /id="ipcviz-data"/);
      assert.doesNotMatch(page, /<script[^>]+src=/, "nothing loaded from outside the file");
      const svg = join(tmp, "saved.svg");
      assert.equal(await vscode.commands.executeCommand("ipcviz.exportSvg", vscode.Uri.file(svg)), svg);
      assert.match(readFileSync(svg, "utf8"), /<svg[\s>]/);
    });

    it("exports the active view as PNG (rendered by the view): a PNG file with the view's size", async () => {
      const png = join(tmp, "saved.png");
      assert.equal(await vscode.commands.executeCommand("ipcviz.exportPng", vscode.Uri.file(png)), png);
      const bytes = readFileSync(png);
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
      assert.equal(bytes.toString("latin1", 12, 16), "IHDR");
      const [w, h] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      assert.ok(w > 100 && h > 50, `a real image: ${w}×${h}`);
    });

    it("exports the active view as a Perfetto trace", async () => {
      const target = join(tmp, "saved.perfetto.json");
      const written = await vscode.commands.executeCommand<string | undefined>("ipcviz.exportPerfetto", vscode.Uri.file(target));
      assert.equal(written, target);
      const json = JSON.parse(readFileSync(target, "utf8")) as { traceEvents: Array<{ ph: string; name: string }> };
      assert.ok(json.traceEvents.some((e) => e.ph === "M" && e.name === "process_name"));
      assert.ok(json.traceEvents.some((e) => e.ph === "s"), "messages become flow arrows");
    });
  });
}
