/**
 * Tier "e2e" (issue 16): a Node user in code-server. A TypeScript program with two worker threads
 * (examples/node/ts) visualised from the palette as a person does it (F1, type, Enter): one lane
 * per thread, an arrow per message, no Python words on the view. A hanging Atomics program (two
 * workers take two Atomics locks in opposite orders): the deadlock notification, Stop, and no
 * process or thread of the run left (checked in /proc). Screenshots: out/screenshots/e2e-node/.
 */

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  REPO_ROOT,
  buildVsix,
  describeProcesses,
  focusWorkbench,
  notificationTexts,
  openFile,
  openWorkbench,
  quickInput,
  realVSCodeSkipReason,
  rootHooks,
  runProcesses,
  waitForNotification,
  waitForView,
  waitNoRunProcesses,
  waitUntil,
  webviewFrame,
  type Workbench,
} from "./workbench";

const TS_MAIN = "squares_main.ts";
const HANGING = "hang_atomics_lock_cycle.js";
const skip = realVSCodeSkipReason();

/** F1, type `text`, Enter on the row VS Code made active; returns that row's label. */
async function paletteEnter(page: Page, text: string): Promise<string> {
  const input = quickInput(page);
  await waitUntil(
    async () => {
      await focusWorkbench(page);
      await page.keyboard.press("F1");
      const ok = await input.waitFor({ state: "visible", timeout: 5000 }).then(() => true, () => false);
      if (!ok) await page.keyboard.press("Escape");
      return ok;
    },
    30_000,
    () => "F1 did not open the command palette",
  );
  await page.keyboard.type(text, { delay: 30 });
  const active = page.locator(".quick-input-list .monaco-list-row.focused .label-name").first();
  await active.waitFor({ timeout: 15_000 });
  await page.waitForTimeout(500);
  const label = (await active.innerText()).replace(/\s+/g, " ").trim();
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
  return label;
}

/** Thread count of each live process of the run (from /proc/<pid>/task). */
function threadsOf(pids: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const pid of pids) {
    try {
      out[pid] = readdirSync(`/proc/${pid}/task`).length;
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Python vocabulary that must not appear on a Node trace's view. */
const PYTHON_WORDS = /\b(multiprocessing|mp\.Queue|Queue\.get|Queue\.put|Pipe\(\)|conn\.recv|conn\.send|Condition|Semaphore\(|GIL|python)\b/i;

describe("e2e: a Node program, visualised", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  const shot = (name: string) => wb.screenshot(name);
  const context = async () => `\nnotifications: ${JSON.stringify(await notificationTexts(wb.page))}\npage console (tail):\n${wb.consoleLines.slice(-15).join("\n")}`;

  before(async () => {
    wb = await openWorkbench({
      vsix: buildVsix(),
      files: ["examples/node/ts/squares_main.ts", "examples/node/ts/squares_worker.ts", "examples/node/ts/squares_types.ts", `examples/node/${HANGING}`],
      screenshots: "e2e-node",
      settings: { "ipcviz.traces.save": process.env.E2E_KEEP_TRACES ? "always" : "never", "ipcviz.deadlockGrace": 1 },
    });
    // The workspace has tsx installed, as a TypeScript project has (its node_modules).
    symlinkSync(join(REPO_ROOT, "node_modules"), join(wb.workspace, "node_modules"));
  });

  after(async () => {
    if (wb) {
      await shot("final").catch(() => undefined);
      if (process.env.E2E_KEEP_TRACES) cpSync(wb.workspace, process.env.E2E_KEEP_TRACES, { recursive: true, dereference: false, filter: (f) => !f.includes("node_modules") });
      await wb.close();
    }
  });

  test("a .ts worker program from the palette: a lane per thread, arrows, Node words", { timeout: 240_000 }, async () => {
    await openFile(wb.page, TS_MAIN);
    await shot("ts-program-open");
    const label = await paletteEnter(wb.page, "Visualise IPC");
    assert.match(label, /^IPC Visuali[sz]er: Visuali[sz]e IPC$/, "the row Enter picks");
    const frame = webviewFrame(wb.page);
    // main + squarer-0 + squarer-1; 4 tasks out, 4 answers back, 2 stop messages.
    const seen = await waitForView(frame, { lanes: 3, arrows: 8 }, 120_000).catch(async (e) => {
      await shot("ts-no-view");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(TS_MAIN), 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    await shot("ts-view");
    const text = await frame.locator("body").innerText();
    assert.match(text, /squarer-0/, "the worker lane is named by its name option");
    assert.match(text, /squarer-1/);
    assert.doesNotMatch(text, PYTHON_WORDS, "no Python words on a Node trace");
    // Exactly the program's three threads: Node's own (tsx's loader-hooks threads) get no lane.
    const { lanes } = await rootHooks(frame);
    assert.equal(lanes, 3, `lanes: ${text.slice(0, 400)}`);
    assert.ok(seen.arrows >= 8, JSON.stringify(seen));
  });

  test("a hanging Atomics program: deadlock notification, Stop, no process or thread left", { timeout: 180_000 }, async () => {
    await openFile(wb.page, HANGING);
    const program = wb.fileInWorkspace(HANGING);
    await paletteEnter(wb.page, "Visualise IPC");
    const toast = await waitForNotification(wb.page, /\bdeadlock\b/i, 60_000).catch(async (e) => {
      await shot("hang-no-notification");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot("hang-notification");
    const run = await waitUntil(() => {
      const r = runProcesses(wb.server, program);
      return r.length ? r : null;
    }, 20_000, () => "the hanging program is not running before Stop");
    // The main process has its two worker threads (and Node's own) alive while it hangs.
    const threads = threadsOf(run.map((p) => p.pid));
    assert.ok(Object.values(threads).some((n) => n >= 3), `threads of the run: ${JSON.stringify(threads)}`);
    const frame = webviewFrame(wb.page);
    await waitUntil(async () => frame.locator("[data-deadlock]").count(), 20_000, () => "the view shows no diagnosis ([data-deadlock])");
    await shot("hang-view");
    const text = await frame.locator("body").innerText();
    assert.doesNotMatch(text, PYTHON_WORDS, "no Python words on a Node trace");
    await toast.getByRole("button", { name: /^stop$/i }).click();
    await waitNoRunProcesses(wb.server, program, 15_000).catch(async (e) => {
      await shot("hang-processes-left");
      throw e;
    });
    // Nothing of the run in /proc: each process ended and was reaped (no zombie), so none of its
    // threads is left either.
    let left: typeof run = [];
    await waitUntil(
      () =>
        (left = run.filter((p) => {
          try {
            readdirSync(`/proc/${p.pid}/task`);
            return true;
          } catch {
            return false;
          }
        })).length === 0,
      15_000,
      () => `left in /proc: ${describeProcesses(left)}`,
    );
    await shot("hang-after-stop");
  });
});
