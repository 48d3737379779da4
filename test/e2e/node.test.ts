/**
 * Tier "e2e" (issue 16): a Node user in code-server. A TypeScript program with two worker threads
 * (examples/node/ts) visualised from the palette as a person does it (F1, type, Enter): one lane
 * per thread, an arrow per message, no Python words on the view. A hanging Atomics program (two
 * workers take two Atomics locks in opposite orders): the deadlock notification, Stop, and no
 * process or thread of the run left (checked in /proc). "Start Debugging with Process Lanes" on
 * JavaScript programs: VS Code's built-in JavaScript debugger (js-debug, shipped with VS Code)
 * runs a program that forks two children, and one with a worker thread, with the runtime in every
 * process and thread; the view shows their lanes and arrows live, the program's output in the
 * Debug Console is what a plain run prints, and the run ends by itself with exit code 0; the same
 * for the TypeScript program, which js-debug runs through the workspace's tsx. The CodeLens above
 * a JavaScript program's `worker_threads` import runs it as the palette does.
 * Screenshots: out/screenshots/e2e-node/.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import {
  buildVsix,
  describeProcesses,
  openFile,
  paletteEnter,
  realVSCodeSkipReason,
  REPO_ROOT,
  rootHooks,
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

const TS_MAIN = "squares_main.ts";
const HANGING = "hang_atomics_lock_cycle.js";
const FORKS = "fork_messages.js";
const WORKER = "worker_ping_pong.js";
const DEBUG_COMMAND = "Start Debugging with Process Lanes";
const skip = realVSCodeSkipReason();

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
  const { shot, context } = workbenchSuite(
    () => ({
      vsix: buildVsix(),
      files: ["examples/node/ts/squares_main.ts", "examples/node/ts/squares_worker.ts", "examples/node/ts/squares_types.ts", `examples/node/${HANGING}`, `examples/node/${FORKS}`, `examples/node/${WORKER}`],
      screenshots: "e2e-node",
      settings: { "ipcviz.traces.save": process.env.E2E_KEEP_TRACES ? "always" : "never", "ipcviz.deadlockGrace": 1 },
    }),
    {
      setup: (w) => {
        wb = w;
        // The workspace has tsx installed, as a TypeScript project has (its node_modules).
        symlinkSync(join(REPO_ROOT, "node_modules"), join(wb.workspace, "node_modules"));
      },
      beforeClose: (w) => {
        if (process.env.E2E_KEEP_TRACES) cpSync(w.workspace, process.env.E2E_KEEP_TRACES, { recursive: true, dereference: false, filter: (f) => !f.includes("node_modules") });
      },
    },
  );

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

  test("the CodeLens above a .js program's worker_threads import runs it: two lanes, the ping-pong arrows", { timeout: 180_000 }, async () => {
    await openFile(wb.page, WORKER);
    const lens = wb.page.locator(".codelens-decoration a", { hasText: "Visualise IPC" }).first();
    await lens.waitFor({ timeout: 30_000 }).catch(async (e) => {
      await shot("js-no-codelens");
      throw new Error(`no "Visualise IPC" CodeLens on ${WORKER}: ${(e as Error).message}${await context()}`);
    });
    await shot("js-codelens");
    await lens.click();
    const frame = webviewFrame(wb.page);
    // ping 0..2, pong 0..2, stop.
    const seen = await waitForView(frame, { lanes: 2, arrows: 7 }, 120_000).catch(async (e) => {
      await shot("js-codelens-no-view");
      throw new Error(`${(e as Error).message}${await context()}`);
    });
    await waitNoRunProcesses(wb.server, wb.fileInWorkspace(WORKER), 60_000);
    let body = "";
    await waitUntil(async () => /exited with 0/.test((body = await frame.locator("body").innerText())), 60_000, () => `the view does not say the run exited with 0: ${body.slice(0, 500)}`);
    await shot("js-codelens-view");
    assert.doesNotMatch(body, PYTHON_WORDS, "no Python words on a Node trace");
    const { lanes } = await rootHooks(frame);
    assert.equal(lanes, 2, `lanes: ${body.slice(0, 400)}`);
    assert.ok(seen.arrows >= 7, JSON.stringify(seen));
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

describe("e2e: a Node program under VS Code's JavaScript debugger", { skip, timeout: 600_000 }, () => {
  let wb: Workbench;
  const { shot, context } = workbenchSuite(
    () => ({
      vsix: buildVsix(),
      files: [`examples/node/${FORKS}`, `examples/node/${WORKER}`, "examples/node/ts/squares_main.ts", "examples/node/ts/squares_worker.ts", "examples/node/ts/squares_types.ts"],
      screenshots: "e2e-node-debug",
      settings: { "ipcviz.traces.save": "always", "debug.internalConsoleOptions": "openOnSessionStart" },
    }),
    {
      setup: (w) => {
        wb = w;
        // tsx in the workspace's node_modules, as a TypeScript project has it.
        symlinkSync(join(REPO_ROOT, "node_modules"), join(wb.workspace, "node_modules"));
      },
    },
  );

  /** The Debug Console's text (the program's output goes there: console "internalConsole"). */
  async function debugConsole(page: Page): Promise<string> {
    return (await page.locator(".repl .monaco-list-rows").first().innerText().catch(() => "")).replace(/\s+/g, " ");
  }

  async function debugRun(file: string, min: { lanes: number; arrows: number }, output: RegExp[], tag: string): Promise<void> {
    await openFile(wb.page, file);
    const program = wb.fileInWorkspace(file);
    await runCommand(wb.page, DEBUG_COMMAND);
    const frame = webviewFrame(wb.page);
    const seen = await waitForView(frame, min, 120_000).catch(async (e) => {
      await shot(`${tag}-no-view`);
      throw new Error(`${(e as Error).message}${await context()}\ndebug console: ${await debugConsole(wb.page)}`);
    });
    await waitNoRunProcesses(wb.server, program, 60_000);
    // The run ends by itself (the debug session ends with the program): the view says it exited with 0.
    let body = "";
    await waitUntil(async () => /exited with 0/.test((body = await frame.locator("body").innerText())), 60_000, () => `the view does not say the run exited with 0: ${body.slice(0, 500)}`);
    await waitUntil(async () => !(await wb.page.locator(".debug-toolbar").isVisible()), 30_000, () => "the debug session did not end with the program");
    await shot(`${tag}-view`);
    const out = await debugConsole(wb.page);
    for (const re of output) assert.match(out, re, `the program's output in the Debug Console: ${out.slice(0, 600)}`);
    assert.doesNotMatch(out, /ipcviz:/, "the runtime printed no problem");
    const text = await frame.locator("body").innerText();
    assert.doesNotMatch(text, PYTHON_WORDS, "no Python words on a Node trace");
    const { lanes } = await rootHooks(frame);
    assert.equal(lanes, min.lanes, `exactly the program's lanes (js-debug's own processes get none): ${text.slice(0, 400)}`);
    assert.ok(seen.arrows >= min.arrows, JSON.stringify(seen));
  }

  test("a program that forks two children: js-debug attaches, the view shows three lanes and the messages", { timeout: 240_000 }, async () => {
    // main + 2 children; 2 requests, 2 replies, 2 byes.
    await debugRun(FORKS, { lanes: 3, arrows: 6 }, [/child 3 says 9/, /child 4 says 16/, /a child exited with 0.*a child exited with 0/], "forks");
  });

  test("a program with a worker thread: two lanes and the ping-pong arrows", { timeout: 240_000 }, async () => {
    // ping 0..2, pong 0..2, stop.
    await debugRun(WORKER, { lanes: 2, arrows: 7 }, [/main got pong 0/, /main got pong 2/, /worker exited with 0/], "worker");
  });

  test("a TypeScript program with worker threads: js-debug runs it through tsx, three lanes and the messages", { timeout: 240_000 }, async () => {
    // main + squarer-0 + squarer-1; 4 tasks out, 4 answers back, 2 stop messages.
    await debugRun(TS_MAIN, { lanes: 3, arrows: 8 }, [/sum of squares: 30/], "ts-debug");
  });
});
