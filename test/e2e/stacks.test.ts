/**
 * Tier "e2e": stacks in the real VS Code workbench (code-server, headless Chromium). A program
 * that hangs outside the recorded primitives (examples/hang_socket_recv.py: two processes each in
 * socket.recv) is visualised; the "no progress" notification appears; its Show opens the view's
 * Stacks panel (every process, the innermost user frame marked); a frame clicked puts the editor
 * on its line; "Show All Stacks" in the view header asks again; Stop ends every process.
 * Screenshots: out/screenshots/e2e-stacks/.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  activeTabTitle,
  buildVsix,
  openFile,
  realVSCodeSkipReason,
  runCommand,
  runProcesses,
  statusBarLine,
  waitForNotification,
  waitNoRunProcesses,
  waitUntil,
  webviewFrame,
  type Workbench,
  workbenchSuite,
} from "./workbench";

const PROGRAM = "hang_socket_recv.py";
const skip = realVSCodeSkipReason();

describe("e2e: stacks of a hang outside the recorded primitives", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  const { shot, context } = workbenchSuite(
    () => ({
      vsix: buildVsix(),
      files: [`examples/${PROGRAM}`],
      screenshots: "e2e-stacks",
      settings: { "ipcviz.traces.save": "never", "ipcviz.deadlockGrace": 1 },
    }),
    { setup: (w) => (wb = w) },
  );

  test("notification → Show → Stacks panel; a frame goes to its line; Show All Stacks asks again; Stop ends the run", { timeout: 240_000 }, async () => {
    await openFile(wb.page, PROGRAM);
    const program = wb.fileInWorkspace(PROGRAM);
    const mainLine = readFileSync(join(__dirname, "..", "..", "..", "examples", PROGRAM), "utf8").split("\n").findIndex((l) => l.includes("# HANGS HERE (main)")) + 1;
    await runCommand(wb.page, "Visualise IPC");
    const toast = await waitForNotification(wb.page, /no progress/i, 60_000).catch(async (e) => {
      await shot("no-notification");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot("notification");
    const text = await toast.innerText();
    assert.match(text, new RegExp(`socket\\.recv.*${PROGRAM.replace(".", "\\.")}:${mainLine}`), `the notification names main's call and line: ${text}`);
    await toast.getByRole("button", { name: /^show$/i }).click();
    const frame = webviewFrame(wb.page);
    const procs = frame.locator("[data-stacks-pid]");
    await waitUntil(async () => ((await procs.count()) >= 2 ? true : null), 30_000, () => "the Stacks panel does not show both processes").catch(async (e) => {
      await shot("no-stacks-panel");
      throw e;
    });
    assert.ok((await frame.locator("[data-no-progress]").count()) >= 1, "the panel starts with the no-progress report");
    assert.ok((await frame.locator("text.no-progress-label").count()) >= 1, "the stuck lanes are labelled NO PROGRESS");
    await shot("stacks-panel");
    // The innermost user frame of main: click it, the editor lands on the recv line.
    const current = frame.locator(`li.current button[data-frame$="${PROGRAM}:${mainLine}"]`).first();
    await current.click();
    await waitUntil(
      async () => {
        const title = await activeTabTitle(wb.page);
        const ln = await statusBarLine(wb.page);
        return title.includes(PROGRAM) && ln === mainLine ? true : null;
      },
      15_000,
      () => `the editor did not land on ${PROGRAM}:${mainLine}`,
    ).catch(async (e) => {
      await shot("frame-click-wrong");
      throw e;
    });
    await shot("frame-clicked-editor");
    // Show All Stacks in the view header: a new snapshot (asked for) replaces the shown one.
    const before = Number(await frame.locator(".ipcviz").getAttribute("data-stacks"));
    await frame.locator("button.show-stacks").click();
    await waitUntil(async () => (Number(await frame.locator(".ipcviz").getAttribute("data-stacks")) > before ? true : null), 30_000, () => "Show All Stacks took no new snapshot");
    await shot("show-all-stacks");
    assert.ok(runProcesses(wb.server, program).length > 0, "the program still runs (the notification does not stop it)");
    await runCommand(wb.page, "Stop the IPC Run");
    await waitNoRunProcesses(wb.server, program, 15_000);
  });
});
