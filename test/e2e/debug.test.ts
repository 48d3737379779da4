/**
 * Tier "e2e" (issue 6): "Start Debugging with Process Lanes" in the real VS Code workbench (code-server), as a
 * person uses it. Without the Python Debugger extension (code-server has no gallery here) the
 * extension runs debugpy's adapter from the chosen interpreter: `ipcviz.python` in the workspace's
 * settings, Debian's /usr/bin/python3 with python3-debugpy (scripts/setup-test-tools.sh installs it).
 *
 * 1. A breakpoint (F9) in a child process's function of a corpus program (s01's consumer; the
 *    project's own queue example when the corpus is absent), "Start Debugging with Process Lanes" from F1:
 *    the breakpoint is hit in the child (VS Code's Call Stack says "Paused on breakpoint"), that
 *    child's lane in the view is marked paused (`[data-lane=PID].paused`, "paused at file:line"),
 *    Continue, the run finishes with no process left.
 * 2. The hanging seed program s03 (recv() on the end that sent; examples/pipe_same_end_hangs.py
 *    when the corpus is absent) under the debugger: the stall notification and the view's
 *    diagnosis appear as in a normal run; clicking the blocked process's lane header pauses it
 *    (its lane shows paused, the Call Stack shows it); stopping the debug session ends every
 *    process of the program.
 *
 * Screenshots: out/screenshots/e2e-debug/. Skips with a hint when the tools or debugpy are missing.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Page } from "playwright-core";
import {
  buildVsix,
  focusWorkbench,
  openFile,
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

const COMMAND = "Start Debugging with Process Lanes";
const SYSTEM_PYTHON = "/usr/bin/python3";
const CORPUS_DIR = "/work/shared/corpus/seed";

/** The program with a breakpoint in a child's function, and the line (1-based). */
const CHILD_BREAK = existsSync(join(CORPUS_DIR, "s01_queue_producer_consumer.py"))
  ? { file: join(CORPUS_DIR, "s01_queue_producer_consumer.py"), line: 14, fn: "consumer" } // item = queue.get()
  : { file: "examples/queue_producer_consumer.py", line: 32, fn: "consumer" }; // print("consumer: sentinel …")
/** The hanging program. */
const HANGING = existsSync(join(CORPUS_DIR, "s03_pipe_same_end_blocks.py")) ? join(CORPUS_DIR, "s03_pipe_same_end_blocks.py") : "examples/pipe_same_end_hangs.py";

function debugpyMissing(): string | undefined {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} is not installed`;
  const r = spawnSync(SYSTEM_PYTHON, ["-c", "import debugpy"], { timeout: 20_000 });
  return r.status === 0 ? undefined : `${SYSTEM_PYTHON} has no debugpy: run \`bash scripts/setup-test-tools.sh\` (installs python3-debugpy)`;
}

const skip = realVSCodeSkipReason() ?? debugpyMissing();

/** Put the editor's cursor on `line` (Ctrl+G) and toggle a breakpoint there (F9). */
async function toggleBreakpoint(page: Page, line: number): Promise<void> {
  await focusWorkbench(page);
  await page.locator(".editor-instance .monaco-editor .view-lines").first().click();
  await page.keyboard.press("Control+G");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible", timeout: 5000 });
  await input.fill(`:${line}`);
  await page.keyboard.press("Enter");
  await page.keyboard.press("F9");
}

/** The Call Stack's state label ("Paused on breakpoint", "Paused on pause"), on a session row or in the view's header. */
function callStackState(page: Page, text: RegExp) {
  return page.getByText(text).first();
}

describe("e2e: Debug and Visualise IPC in the real VS Code workbench", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  const { shot, context } = workbenchSuite(
    () => ({
      vsix: buildVsix(),
      files: [CHILD_BREAK.file, HANGING],
      screenshots: "e2e-debug",
      settings: {
        "ipcviz.traces.save": "never",
        "ipcviz.deadlockGrace": 1,
        "debug.internalConsoleOptions": "neverOpen",
      },
    }),
    {
      setup: (w) => {
        wb = w;
        // The interpreter, as a person sets it for the project: ipcviz.python is machine-scoped, so in
        // a remote window (code-server) user settings do not reach it; the workspace's do.
        mkdirSync(join(wb.workspace, ".vscode"), { recursive: true });
        writeFileSync(join(wb.workspace, ".vscode", "settings.json"), JSON.stringify({ "ipcviz.python": SYSTEM_PYTHON }, null, 2));
      },
    },
  );

  /**
   * F1 "Start Debugging with Process Lanes", until the debugger starts. The workspace settings written just
   * now reach the extension host a moment later: until then the command says that python3 on the
   * PATH has no debugger (as it should); a person would run it again, and so does this.
   */
  async function debugVisualise(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await runCommand(wb.page, COMMAND);
      const started = await waitUntil(
        async () => {
          if (await wb.page.locator(".debug-toolbar").isVisible()) return "started";
          const toast = wb.page.locator(".notifications-toasts .notification-toast", { hasText: /no Python debugger for/ });
          if (await toast.first().isVisible()) {
            await toast.first().hover();
            await toast.first().locator(".codicon-notifications-clear").first().click().catch(() => undefined);
            return "no-debugger";
          }
          return null;
        },
        30_000,
        () => "the debug session did not start",
      );
      if (started === "started") return;
      if (attempt >= 5) throw new Error(`"${COMMAND}" kept saying that no debugger is available${await context()}`);
      await wb.page.waitForTimeout(2000);
    }
  }

  test("a breakpoint in a child's function is hit in that child, its lane shows paused; Continue; the run finishes", { timeout: 120_000 }, async () => {
    const name = basename(CHILD_BREAK.file);
    const program = wb.fileInWorkspace(name);
    await openFile(wb.page, name);
    await toggleBreakpoint(wb.page, CHILD_BREAK.line);
    await shot("breakpoint-set");
    await debugVisualise();
    // VS Code stops in the child: its Call Stack says so.
    await callStackState(wb.page, /paused on breakpoint/i)
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        await shot("breakpoint-not-hit");
        throw new Error(`the breakpoint was not hit: ${(e as Error).message}${await context()}`);
      });
    const frame = webviewFrame(wb.page);
    await waitForView(frame, { lanes: 3 }, 30_000);
    // The paused lane: the view marks it and says where.
    const pausedLane = frame.locator("[data-lane].paused").first();
    await pausedLane.waitFor({ timeout: 20_000 }).catch(async (e) => {
      await shot("lane-not-paused");
      throw new Error(`no lane is shown paused ([data-lane].paused): ${(e as Error).message}${await context()}`);
    });
    await shot("child-paused");
    const pid = Number(await pausedLane.getAttribute("data-lane"));
    const label = await pausedLane.locator("text.lane-paused").textContent();
    assert.match(label ?? "", new RegExp(`paused at ${name.replace(/\./g, "\\.")}:${CHILD_BREAK.line}\\b`));
    const header = (await frame.locator(`[data-lane-header="${pid}"]`).first().innerText().catch(() => "")) ?? "";
    assert.doesNotMatch(header, /MainProcess/, `the paused lane is a child's, not main's: header "${header}"`);
    assert.equal(await frame.locator("[data-lane].paused").count(), 1, "only the child at the breakpoint is paused");
    // Remove the breakpoint (F9 again: it would be hit for the next item) and continue (F5).
    await toggleBreakpoint(wb.page, CHILD_BREAK.line);
    await wb.page.keyboard.press("F5");
    await waitUntil(async () => (await frame.locator("[data-lane].paused").count()) === 0, 15_000, () => "the lane is still shown paused after Continue");
    await waitNoRunProcesses(wb.server, program, 45_000).catch(async (e) => {
      await shot("child-run-not-finished");
      throw e;
    });
    // The view says the run ended by itself (its Stop button goes away with the live run).
    await frame.getByText(/exited with 0/).first().waitFor({ timeout: 15_000 });
    await frame.getByRole("button", { name: /^stop$/i }).waitFor({ state: "hidden", timeout: 15_000 });
    await shot("child-run-finished");
  });

  test("the hanging seed program under the debugger: stall diagnosis; clicking the blocked lane pauses it; stopping the session leaves no process", { timeout: 120_000 }, async () => {
    const name = basename(HANGING);
    const program = wb.fileInWorkspace(name);
    await openFile(wb.page, name);
    await debugVisualise();
    const toast = await waitForNotification(wb.page, /\b(deadlock|stalled|stall)\b/i, 60_000).catch(async (e) => {
      await shot("hang-no-notification");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot("hang-notification");
    assert.ok(runProcesses(wb.server, program).length > 0, "the hanging program runs under the debugger");
    const frame = webviewFrame(wb.page);
    const deadlocks = await waitUntil(async () => frame.locator("[data-deadlock]").count(), 30_000, () => "the view shows no diagnosis ([data-deadlock])");
    assert.ok(deadlocks >= 1);
    assert.ok((await frame.locator("[data-blocked]:not([data-events])").count()) > 0, "the blocked span is shown");
    void toast;
    // Click the blocked process (its lane header): the debugger pauses it, the lane says so.
    const lane = frame.locator("[data-lane-header]").first();
    await lane.click();
    await frame
      .locator("[data-lane].paused")
      .first()
      .waitFor({ timeout: 20_000 })
      .catch(async (e) => {
        await shot("blocked-not-paused");
        throw new Error(`clicking the blocked lane did not pause it: ${(e as Error).message}${await context()}`);
      });
    await callStackState(wb.page, /paused on pause/i).waitFor({ timeout: 15_000 });
    // VS Code shows the paused process's own frame (the runtime's frames are folded as library code).
    await wb.page.locator(".debug-call-stack .monaco-list-row", { hasText: /<module>/ }).first().waitFor({ timeout: 10_000 });
    await shot("blocked-paused-call-stack");
    // Stop the debug session (the debug toolbar's Stop button): every process of the program ends.
    await wb.page.locator(".debug-toolbar .action-item .codicon-debug-stop").first().click();
    await waitNoRunProcesses(wb.server, program, 15_000).catch(async (e) => {
      await shot("hang-processes-left");
      throw e;
    });
    await frame.getByText(/stopped: the debug session was stopped/).first().waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator("[data-lane].paused").count(), 0, "nothing is shown paused once the session ended");
    await shot("hang-after-stop");
  });
});
