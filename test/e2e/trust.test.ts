/**
 * Tier "e2e": workspace trust as a user has it. code-server runs with trust ENABLED (the harness
 * disables it elsewhere), the folder opens for the first time, the user answers the trust dialog
 * "No, I don't trust the authors" (Restricted Mode). Visualise IPC then explains why it will not
 * run and starts no Python process; a saved trace still opens and loads in the trace editor.
 * Screenshots: out/screenshots/e2e-trust/.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listProcesses } from "../vscode/procs";
import { UNTRUSTED_MESSAGE } from "../../extension/trust";
import { writeSyntheticTrace } from "./traces";
import {
  buildVsix,
  focusEditor,
  notificationTexts,
  openFile,
  quickOpen,
  realVSCodeSkipReason,
  rootHooks,
  runCommand,
  runProcesses,
  waitForNotification,
  waitForView,
  waitUntil,
  webviewFrame,
  type Workbench,
  workbenchSuite,
} from "./workbench";

const PROGRAM = "queue_producer_consumer.py";
const TRACE = "saved-run.ipcviz.jsonl";

const skip = realVSCodeSkipReason();

describe("e2e: an untrusted workspace (workspace trust enabled)", { skip, timeout: 400_000 }, () => {
  let wb: Workbench;
  let tmp: string;
  let traceEvents = 0;
  const { shot } = workbenchSuite(
    () => {
      const vsix = buildVsix();
      tmp = mkdtempSync(join(tmpdir(), "ipcviz-e2e-files-"));
      traceEvents = writeSyntheticTrace(join(tmp, TRACE), 2000);
      return { vsix, files: [`examples/${PROGRAM}`, join(tmp, TRACE)], screenshots: "e2e-trust", workspaceTrust: true, settings: { "ipcviz.traces.save": "never" } };
    },
    { setup: (w) => (wb = w), cleanup: () => tmp && rmSync(tmp, { recursive: true, force: true }) },
  );

  test("the folder opens untrusted: the user answers the trust dialog with No (Restricted Mode)", { timeout: 40_000 }, async () => {
    const dialog = wb.page.locator(".monaco-dialog-box", { hasText: /trust the authors/i }).first();
    await dialog.waitFor({ state: "visible", timeout: 30_000 });
    await shot("trust-dialog");
    await dialog.getByRole("button", { name: /No, I don.t trust the authors/ }).click();
    await dialog.waitFor({ state: "hidden" });
    await wb.page.locator(".statusbar", { hasText: /Restricted Mode/ }).waitFor({ timeout: 10_000 });
  });

  test("Visualise IPC explains why it will not run, and no Python process starts", { timeout: 40_000 }, async () => {
    await openFile(wb.page, PROGRAM);
    await focusEditor(wb.page, PROGRAM);
    const program = wb.fileInWorkspace(PROGRAM);
    await runCommand(wb.page, "Visualise IPC");
    const toast = await waitForNotification(wb.page, /will not run code in an untrusted workspace/, 20_000).catch(async (e) => {
      await shot("untrusted-no-message");
      throw new Error(`${(e as Error).message}; notifications: ${JSON.stringify(await notificationTexts(wb.page))}`);
    });
    await wb.page.waitForTimeout(800);
    await shot("untrusted-visualise-refused");
    assert.ok((await toast.innerText()).includes(UNTRUSTED_MESSAGE), `the explanation: ${await toast.innerText()}`);
    assert.equal(await toast.getByRole("button", { name: "Manage Workspace Trust" }).count(), 1);
    // Nothing of the program runs, now or a little later: no run process, no python naming it.
    for (let i = 0; i < 6; i++) {
      assert.deepEqual(runProcesses(wb.server, program), [], "no process of a run");
      assert.deepEqual(listProcesses().filter((p) => p.cmdline.includes(program)), [], "no process names the program");
      await wb.page.waitForTimeout(500);
    }
    assert.equal(await wb.page.locator(".tabs-container .tab", { hasText: `IPC: ${PROGRAM}` }).count(), 0, "no run view opened");
  });

  test("a saved trace opens and loads in the untrusted window", { timeout: 40_000 }, async () => {
    await quickOpen(wb.page, TRACE);
    const frame = webviewFrame(wb.page);
    await waitForView(frame, { lanes: 8, events: traceEvents }, 30_000).catch(async (e) => {
      await shot("untrusted-trace-not-loaded");
      throw e;
    });
    await waitUntil(async () => (await rootHooks(frame)).events === traceEvents, 30_000, () => `the trace editor shows all ${traceEvents} events`);
    await wb.page.waitForTimeout(500);
    await shot("untrusted-trace-loaded");
  });
});
