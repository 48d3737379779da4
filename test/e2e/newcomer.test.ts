/**
 * Tier "e2e" (issue 11): what a newcomer meets. A fresh code-server profile with the packaged
 * extension: open a program, F1, type `Visualise IPC` (then `visualize`, then `ipc`) and press
 * Enter without picking a row: the row VS Code puts first must be Visualise IPC and the view must
 * show lanes, also after the debug variant ("Debug: Start Debugging with Process Lanes") was used
 * once, which puts it in the palette's "recently used". The debug variant without debugpy offers
 * the plain run in its message. Then no run outlives its extension host: a hanging run and
 * "Developer: Reload Window", and a hanging run and SIGKILL of the extension host: within 15 s no
 * process of the run is left. Screenshots: out/screenshots/e2e-newcomer/.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  buildVsix,
  describeProcesses,
  notificationTexts,
  openFile,
  paletteEnter,
  realVSCodeSkipReason,
  runCommand,
  runProcesses,
  waitForNotification,
  waitForView,
  waitNoRunProcesses,
  waitUntil,
  webviewFrame,
  type Workbench,
  workbenchSuite,
} from "./workbench";
import { listProcesses } from "../vscode/procs";

const PROGRAM = "queue_producer_consumer.py";
const HANGING = "pipe_same_end_hangs.py";
const skip = realVSCodeSkipReason();

describe("e2e: a newcomer's first minutes", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  // Defaults as a user has them: no traces.save setting (no question after a run), python3 on PATH.
  const { shot, context } = workbenchSuite(
    () => ({ vsix: buildVsix(), files: [`examples/${PROGRAM}`, `examples/${HANGING}`], screenshots: "e2e-newcomer", settings: { "ipcviz.deadlockGrace": 1 } }),
    { setup: (w) => (wb = w) },
  );

  /** Enter on `text` ran Visualise IPC: the active row was it, and the view shows the run's lanes. */
  async function enterRunsVisualise(text: string, expected: RegExp): Promise<void> {
    await openFile(wb.page, PROGRAM);
    const label = await paletteEnter(wb.page, text, shot);
    assert.match(label, expected, `the row Enter picks for "${text}"`);
    const frame = webviewFrame(wb.page);
    await waitForView(frame, { lanes: 3, arrows: 2 }, 60_000).catch(async (e) => {
      await shot(`no-view-${text}`);
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot(`view-after-${text.replace(/\W+/g, "-")}`);
    // The "starting …" progress notification is gone once the run has started.
    await waitUntil(async () => !(await notificationTexts(wb.page)).some((t) => /starting /.test(t)), 15_000, () => `the "starting …" notification is still on screen`).catch(async (e) => {
      await shot(`starting-notification-stays-${text}`);
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    // The run ends by itself; no process of it is left.
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(PROGRAM), 60_000);
  }

  test("fresh profile: F1, `Visualise IPC`, Enter runs Visualise IPC and shows lanes", { timeout: 180_000 }, async () => {
    await shot("fresh-workbench");
    await enterRunsVisualise("Visualise IPC", /^IPC Visualiser: Visualise IPC$/);
    // No question after the run (traces are kept among the recent runs).
    await new Promise((r) => setTimeout(r, 3000));
    const toasts = await notificationTexts(wb.page);
    assert.ok(!toasts.some((t) => /Save its trace/.test(t)), `no save question: ${JSON.stringify(toasts)}`);
  });

  test("the debug variant without debugpy offers Visualise IPC in its message", { timeout: 120_000 }, async () => {
    await openFile(wb.page, PROGRAM);
    await runCommand(wb.page, "Start Debugging with Process Lanes");
    const toast = await waitForNotification(wb.page, /no Python debugger for/, 60_000).catch(async (e) => {
      await shot("no-debugger-missing");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot("no-debugger-message");
    assert.equal(await toast.getByRole("button", { name: "Visualise IPC" }).count(), 1, "the message offers Visualise IPC");
    assert.equal(await toast.getByRole("button", { name: "Install Python Debugger" }).count(), 1);
    await runCommand(wb.page, "Notifications: Clear All Notifications").catch(() => undefined);
  });

  test("after the debug variant was used once: `Visualise IPC`, `visualize` and `ipc` + Enter still run Visualise IPC", { timeout: 400_000 }, async () => {
    await enterRunsVisualise("Visualise IPC", /^IPC Visualiser: Visualise IPC$/);
    await enterRunsVisualise("ipc", /^IPC Visualiser: Visualise IPC$/);
    await enterRunsVisualise("visualise", /^IPC Visualiser: Visualise IPC$/);
    await enterRunsVisualise("visualize", /^IPC Visualizer: Visualize IPC$/);
    // Now the American row is the most recently used: for `ipc` it comes first, and it is the same command.
    await enterRunsVisualise("ipc", /^IPC Visuali[sz]er: Visuali[sz]e IPC$/);
  });

  test("a hanging run, then Developer: Reload Window: within 15 s no process of the run exists", { timeout: 180_000 }, async () => {
    await openFile(wb.page, HANGING);
    await runCommand(wb.page, "Visualise IPC");
    await waitUntil(() => runProcesses(wb.server).length >= 1, 60_000, () => `the hanging run did not start: ${describeProcesses(runProcesses(wb.server))}`);
    // The "starting …" progress notification is gone once the run has started, also while it hangs.
    await waitUntil(async () => !(await notificationTexts(wb.page)).some((t) => /starting /.test(t)), 15_000, () => `the "starting …" notification is still on screen: ${wb.consoleLines.slice(-5).join("\n")}`);
    await shot("hanging-before-reload");
    await runCommand(wb.page, "Developer: Reload Window");
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(HANGING), 15_000);
    await wb.page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await wb.page.locator(".statusbar").waitFor({ timeout: 60_000 });
  });

  test("a hanging run, then SIGKILL of the extension host: within 15 s no process of the run exists", { timeout: 180_000 }, async () => {
    await openFile(wb.page, HANGING);
    await runCommand(wb.page, "Visualise IPC");
    await waitUntil(() => runProcesses(wb.server).length >= 1, 60_000, () => `the hanging run did not start: ${describeProcesses(runProcesses(wb.server))}`);
    // The run is under way in its view (main has sent twice and waits in recv()) when the host dies.
    await waitForView(webviewFrame(wb.page), { lanes: 1, events: 5 }, 60_000);
    // The view the reload above restored was the run view: this run shows in it, as without a
    // reload, not in a second tab of the same title.
    const tabs = await wb.page.locator(".tabs-container .tab", { hasText: `IPC: ${HANGING}` }).count();
    await shot("hanging-before-extension-host-killed");
    assert.equal(tabs, 1, `one tab "IPC: ${HANGING}" after the reload and a new run, not ${tabs}`);
    const hosts = wb.server.processes().filter((p) => /--type=extensionHost/.test(p.cmdline));
    assert.equal(hosts.length, 1, `one extension host: ${describeProcesses(hosts)}`);
    const run = runProcesses(wb.server);
    const parents = new Set(listProcesses().filter((p) => run.some((r) => r.pid === p.pid)).map((p) => p.ppid));
    assert.ok(parents.has(hosts[0].pid), `the run's main process is a child of the extension host ${hosts[0].pid}: ${describeProcesses(run)}`);
    process.kill(hosts[0].pid, "SIGKILL");
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(HANGING), 15_000);
    await shot("after-extension-host-killed");
    // The extension host restarts; the run view is never blank: it shows the run's trace, which
    // the watchdog ended with run.orphaned, and says what happened.
    const frame = webviewFrame(wb.page);
    await waitUntil(
      async () => /the recorder \(pid \d+\) died; its watchdog ended \d+ process/.test(await frame.locator("body").innerText({ timeout: 2000 }).catch(() => "")),
      90_000,
      () => "the restored run view does not say that the recorder died",
    ).catch(async (e) => {
      await shot("restored-view-after-kill-missing");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await waitForView(frame, { lanes: 1, events: 5 }, 30_000);
    await shot("restored-view-after-extension-host-killed");
  });
});
