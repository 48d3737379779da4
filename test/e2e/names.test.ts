/**
 * Tier "e2e" (issue 14): the live deadlock notification speaks the program's names. A fresh
 * code-server profile with the packaged extension runs examples/hang_dining_philosophers.py
 * (three Manager locks in `forks`, each philosopher's `left` and `right`) with Visualise IPC: the
 * notification is one sentence naming the philosophers and the forks as each knows them, no ids,
 * at most two lines; the view shows the deadlock with the same names. Then Stop leaves no process.
 * Screenshots: out/screenshots/e2e-names/.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  buildVsix,
  openFile,
  realVSCodeSkipReason,
  runCommand,
  waitForNotification,
  waitNoRunProcesses,
  waitUntil,
  webviewFrame,
  type Workbench,
  workbenchSuite,
} from "./workbench";

const PLAIN = "hang_dining_philosophers_locks.py";
const MANAGER = "hang_dining_philosophers.py";
const skip = realVSCodeSkipReason();

describe("e2e: the program's names in the live diagnosis", { skip, timeout: 300_000 }, () => {
  let wb: Workbench;
  const { shot, context } = workbenchSuite(
    () => ({ vsix: buildVsix(), files: [`examples/${PLAIN}`, `examples/${MANAGER}`], screenshots: "e2e-names", settings: { "ipcviz.deadlockGrace": 1 } }),
    { setup: (w) => (wb = w) },
  );

  async function dining(file: string, tag: string, lock: string): Promise<void> {
    await openFile(wb.page, file);
    await runCommand(wb.page, "Visualise IPC");
    try {
      await check(file, tag, lock);
    } finally {
      await runCommand(wb.page, "Stop the IPC Run").catch(() => undefined);
      await waitNoRunProcesses(wb.server, wb.fileInWorkspace(file), 30_000);
      await runCommand(wb.page, "Notifications: Clear All Notifications").catch(() => undefined);
    }
  }

  async function check(file: string, tag: string, lock: string): Promise<void> {
    const toast = await waitForNotification(wb.page, /Deadlock: phil-/, 90_000).catch(async (e) => {
      await shot(`${tag}-no-deadlock-notification`);
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await shot(`${tag}-deadlock-notification`);
    const message = toast.locator(".notification-list-item-message").first();
    const text = (await message.innerText()).replace(/\s+/g, " ").trim();
    assert.match(text, /^(IPC Visualiser: )?Deadlock: phil-\d holds left, waits for right \(held by phil-\d\)/, text);
    assert.doesNotMatch(text, /Mlistener|proc:|\/7f|\bL[\w-]{6,}/, "no ids in the notification");
    // At most two lines in a default window.
    const lines = await message.evaluate((el) => {
      const cs = (globalThis as unknown as { getComputedStyle(e: unknown): { lineHeight: string; fontSize: string } }).getComputedStyle(el);
      const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.4;
      return Math.round(el.getBoundingClientRect().height / lh);
    });
    assert.ok(lines <= 2, `the notification takes ${lines} lines: ${text}`);
    assert.ok((await toast.getByRole("button", { name: "Show" }).count()) >= 1, "it offers Show");
    // The view: the cycle and the names.
    const frame = webviewFrame(wb.page);
    await waitUntil(async () => frame.locator("[data-deadlock]").count(), 60_000, () => "the view shows no diagnosis");
    const label = (await frame.locator("[data-deadlock] .deadlock-label").first().textContent()) ?? "";
    assert.match(label, /DEADLOCK: phil-\d → phil-\d → phil-\d → phil-\d · also blocked: MainProcess/);
    const panel = (await frame.locator("[data-panel=diagnosis]").first().textContent()) ?? "";
    assert.ok(new RegExp(`${lock} right \\(forks\\[\\d\\]\\)`).test(panel), `the diagnosis panel names the forks: ${panel.slice(0, 400)}`);
    assert.ok(!panel.includes("Mlistener"), "no Manager ids in the diagnosis");
    await shot(`${tag}-deadlock-view`);
    void file;
  }

  test("dining philosophers with locks: one short sentence in the program's words, then the view with the same names", { timeout: 240_000 }, async () => {
    await dining(PLAIN, "locks", "Lock");
  });

  test("dining philosophers with Manager locks: the same", { timeout: 240_000 }, async () => {
    await dining(MANAGER, "manager", "ManagerLock");
  });
});
