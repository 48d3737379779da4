/**
 * Tier "e2e" (`node test/run.mjs e2e`): the packaged extension (.vsix) installed into a real VS Code
 * (code-server 4.100.3) and used through the workbench in headless Chromium as a person would:
 * open an example with Ctrl+P, run "Visualise IPC" from F1, watch lanes and arrows appear, step
 * the timeline with the keyboard, jump from an event to its source line, run the hanging example,
 * get the deadlock notification, press Stop, and check that no process of the run is left.
 * Screenshots of every step: out/screenshots/e2e/.
 *
 * Needs the tools from scripts/setup-test-tools.sh; skips with that hint when they are missing.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  activateTab,
  activeTabTitle,
  buildVsix,
  clickArrowStart,
  openFile,
  realVSCodeSkipReason,
  rootHooks,
  runCommand,
  runProcesses,
  statusBarLine,
  viewRoot,
  waitForEventsToSettle,
  waitForNotification,
  waitForView,
  waitNoRunProcesses,
  waitUntil,
  webviewFrame,
  type Workbench,
  workbenchSuite,
} from "./workbench";

const COMMAND = "Visualise IPC";
const PRODUCER_CONSUMER = "queue_producer_consumer.py";
/** recv() on the end of a Pipe that sent: the project's own version of the seed's s03. */
const HANGING = "pipe_same_end_hangs.py";
const LOCK_CYCLE = "hang_lock_cycle_2.py";
const CORPUS_DIR = "/work/shared/corpus/seed";
const CORPUS_PROGRAM = "s04_pipe_producer_consumer.py";

const skip = realVSCodeSkipReason();
const corpusSkip = skip ?? (existsSync(join(CORPUS_DIR, CORPUS_PROGRAM)) ? undefined : `no corpus program at ${join(CORPUS_DIR, CORPUS_PROGRAM)}`);

describe("e2e: Visualise IPC in the real VS Code workbench", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  const { shot, context } = workbenchSuite(
    () => {
      const files = [`examples/${PRODUCER_CONSUMER}`, `examples/${HANGING}`, `examples/${LOCK_CYCLE}`];
      if (!corpusSkip) files.push(join(CORPUS_DIR, CORPUS_PROGRAM));
      return { vsix: buildVsix(), files, screenshots: "e2e", settings: { "ipcviz.traces.save": "never", "ipcviz.deadlockGrace": 1 } };
    },
    { setup: (w) => (wb = w) },
  );

  test("opens an example with Ctrl+P and runs Visualise IPC from F1: lanes and arrows appear", { timeout: 60_000 }, async () => {
    await openFile(wb.page, PRODUCER_CONSUMER);
    await shot("example-open");
    await runCommand(wb.page, COMMAND);
    const frame = webviewFrame(wb.page);
    // main, producer, consumer; the queue carries items and a None sentinel.
    const seen = await waitForView(frame, { lanes: 3, arrows: 2 }, 30_000).catch(async (e) => {
      await shot("view-missing");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    // The run ends by itself; wait for the event count to settle, then look at it.
    await waitForEventsToSettle(frame, 20_000);
    const hooks = await rootHooks(frame);
    await shot("view-producer-consumer");
    assert.ok(seen.lanes >= 3, `lanes: ${seen.lanes}`);
    assert.equal(hooks.lanes, await frame.locator("[data-lane]").count(), "data-lanes is the number of [data-lane]");
    assert.ok(hooks.arrows >= 2, `data-arrows ${hooks.arrows}`);
  });

  test("← and → step the timeline (data-cursor)", { timeout: 90_000 }, async () => {
    const frame = webviewFrame(wb.page);
    const root = viewRoot(frame);
    await root.click({ position: { x: 5, y: 5 } });
    const start = (await rootHooks(frame)).cursor;
    assert.ok(Number.isFinite(start), "data-cursor is a number");
    // One key at a time, each waited for: on a busy machine the view may take a while per key, and
    // a second key still on its way would make the next reading wrong.
    const step = async (key: "ArrowLeft" | "ArrowRight", from: number) => {
      await wb.page.keyboard.press(key);
      return waitUntil(async () => {
        const c = (await rootHooks(frame)).cursor;
        return c !== from ? { c } : null;
      }, 20_000, () => `${key} did not move data-cursor from ${from}`);
    };
    const back = await step("ArrowLeft", (await step("ArrowLeft", start)).c);
    await shot("cursor-back");
    const fwd = await step("ArrowRight", back.c);
    await shot("cursor-forward");
    assert.ok(back.c < start, `← moves back: ${start} → ${back.c}`);
    assert.ok(fwd.c > back.c, `→ moves forward: ${back.c} → ${fwd.c}`);
  });

  test('"Go to source" in the event details puts the editor on that line', { timeout: 30_000 }, async () => {
    const frame = webviewFrame(wb.page);
    // A person gives the narrow view the room it needs: maximize its editor group, and lay the
    // events out one step apart (logical order) so that each can be clicked on its own.
    await activateTab(wb.page, `IPC: ${PRODUCER_CONSUMER}`);
    await runCommand(wb.page, "Toggle Maximize Editor Group");
    await frame.locator("select", { has: frame.locator("option[value=logical]") }).first().selectOption("logical");
    await shot("view-maximized-logical");
    // Select a message's send (click where its arrow starts): the details name its call site.
    await clickArrowStart(frame.locator("[data-arrow]").first());
    const goTo = frame.locator("[data-goto]").first();
    await goTo.waitFor({ timeout: 15_000 }).catch(async (e) => {
      await shot("details-missing");
      throw e;
    });
    await shot("event-details");
    // The line it names: its tooltip is "file:line".
    const title = (await goTo.getAttribute("title")) ?? "";
    const m = /([^/\\]+\.py):(\d+)$/.exec(title);
    assert.ok(m, `cannot tell which line "Go to source" names: title "${title}", text "${await goTo.innerText()}"`);
    assert.equal(m[1], PRODUCER_CONSUMER, `the message was sent from the program: ${title}`);
    const line = Number(m[2]);
    await goTo.click();
    const landed = await waitUntil(
      async () => {
        const title = await activeTabTitle(wb.page);
        const ln = await statusBarLine(wb.page);
        return title.includes(PRODUCER_CONSUMER) && ln === line ? { title, ln } : null;
      },
      10_000,
      () => `the editor did not land on ${PRODUCER_CONSUMER}:${line}`,
    ).catch(async (e) => {
      await shot("go-to-source-wrong");
      const title = await activeTabTitle(wb.page).catch(() => "?");
      throw new Error(`${(e as Error).message}; active tab "${title}", status bar line ${await statusBarLine(wb.page).catch(() => null)}`);
    });
    await shot("go-to-source");
    assert.equal(landed.ln, line);
  });

  /**
   * Open a program that hangs, visualise it, wait for the notification; check the view shows the
   * wait; press the notification's Stop; check nothing of the run is left. Returns the hooks seen.
   */
  async function hangAndStop(name: string, notification: RegExp, tag: string): Promise<{ blocked: number; deadlocks: number; holds: number }> {
    await openFile(wb.page, name);
    const program = wb.fileInWorkspace(name);
    await runCommand(wb.page, COMMAND);
    const toast = await waitForNotification(wb.page, notification, 30_000).catch(async (e) => {
      await shot(`${tag}-no-notification`);
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot(`${tag}-notification`);
    await waitUntil(() => runProcesses(wb.server, program).length > 0, 20_000, () => "the hanging program is not running before Stop");
    const frame = webviewFrame(wb.page);
    // The view, looked at right after the notification, tells the same story.
    const deadlocks = await waitUntil(async () => frame.locator("[data-deadlock]").count(), 20_000, () => "the view shows no diagnosis ([data-deadlock]) while the notification reports a hang").catch(
      async (e) => {
        await shot(`${tag}-view-without-diagnosis`);
        throw e;
      },
    );
    const blocked = await frame.locator("[data-blocked]:not([data-events])").count();
    const holds = await frame.locator("[data-lock-hold]").count();
    assert.ok(blocked > 0, "the view shows the blocked span ([data-blocked])");
    await toast.getByRole("button", { name: /^stop$/i }).click();
    await waitNoRunProcesses(wb.server, program, 10_000).catch(async (e) => {
      await shot(`${tag}-processes-left`);
      throw e;
    });
    await shot(`${tag}-after-stop`);
    return { blocked, deadlocks, holds };
  }

  test("the hanging Pipe example (recv on the end that sent) raises the hang notification; Stop ends every process of the run", { timeout: 60_000 }, async () => {
    const seen = await hangAndStop(HANGING, /\b(deadlock|stalled)\b/i, "pipe-hang");
    assert.ok(seen.deadlocks >= 1, `diagnosis entries: ${seen.deadlocks}`);
  });

  test("a lock-order deadlock: notification, lock spans, blocked spans, diagnosis; Stop ends it", { timeout: 60_000 }, async () => {
    const seen = await hangAndStop(LOCK_CYCLE, /\bdeadlock\b/i, "lock-cycle");
    assert.ok(seen.holds >= 2, `lock spans ([data-lock-hold]): ${seen.holds}`);
    assert.ok(seen.blocked >= 2, `blocked spans: ${seen.blocked}`);
  });

  test(`corpus program ${CORPUS_PROGRAM}: lanes and arrows for every message`, { skip: corpusSkip, timeout: 60_000 }, async () => {
    await openFile(wb.page, CORPUS_PROGRAM);
    await runCommand(wb.page, COMMAND);
    const frame = webviewFrame(wb.page);
    // main, producer, consumer; ten messages through the Pipe.
    const seen = await waitForView(frame, { lanes: 3, arrows: 10 }, 30_000).catch(async (e) => {
      await shot("corpus-view-missing");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot("corpus-view");
    assert.ok(seen.arrows >= 10, `arrows ${seen.arrows}`);
    // It ends by itself (main terminates the consumer after 2 s).
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(CORPUS_PROGRAM), 15_000);
    await wb.page.waitForTimeout(500);
    await shot("corpus-view-ended");
  });
});
