/**
 * Driving the real VS Code workbench (code-server 4.100.3 in headless Chromium) as a person would,
 * for the e2e tier: a fresh profile with the packaged extension installed, a temp workspace holding
 * copies of example programs, and helpers to open a file (Ctrl+P), run a command (F1), reach the
 * view's webview, wait for its test hooks, read the editor's line, handle notifications, take
 * screenshots, and find the processes of a run.
 *
 * About 630 lines in one file: every e2e test file imports this one driver of the workbench; its
 * parts (start, palette, webview, notifications, processes) share the page and its profile.
 */

import { spawnSync } from "node:child_process";
import { after, before } from "node:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { launchChromium, type Chromium } from "../chromium";
import { REPO_ROOT, startCodeServer, type CodeServer } from "../vscode/codeServer";
import { describeProcesses, endProcesses, environOf, listProcesses, type ProcInfo } from "../vscode/procs";

export { REPO_ROOT, realVSCodeSkipReason } from "../vscode/codeServer";
export { describeProcesses } from "../vscode/procs";

/** Where screenshots go (one folder per suite). */
export const SCREENSHOT_ROOT = join(REPO_ROOT, "out", "screenshots");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The .vsix

/** Newest mtime of the files under p (a file or a folder), 0 when absent. */
function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const n of readdirSync(p)) t = Math.max(t, newestMtime(join(p, n)));
  return t;
}

/**
 * Package the extension as a user gets it: `npm run package` when package.json has that script
 * (it builds too), else `npm run build` and `vsce package --no-dependencies`. The .vsix is kept in
 * out/e2e/ and reused while nothing it is made from changed. Returns its path.
 */
export function buildVsix(): string {
  const outDir = join(REPO_ROOT, "out", "e2e");
  mkdirSync(outDir, { recursive: true });
  const vsix = join(outDir, "ipcviz-e2e.vsix");
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const inputs = ["package.json", "extension", "webview", "trace", "runtime", "esbuild.mjs", ".vscodeignore"].map((p) => newestMtime(join(REPO_ROOT, p)));
  if (existsSync(vsix) && statSync(vsix).mtimeMs > Math.max(...inputs)) return vsix;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: "utf8", timeout: 180_000, stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  };
  rmSync(vsix, { force: true });
  if (pkg.scripts?.package) {
    // The project's own packaging (it builds too); take the .vsix it made, wherever it put it.
    const before = Date.now() - 1000;
    run("npm", ["run", "package"]);
    const made = [REPO_ROOT, join(REPO_ROOT, "out")]
      .flatMap((d) => readdirSync(d).filter((f) => f.endsWith(".vsix")).map((f) => join(d, f)))
      .filter((f) => statSync(f).mtimeMs >= before);
    if (made.length !== 1) throw new Error(`npm run package made no single .vsix in the repo root or out/ (found: ${made.join(", ") || "none"})`);
    copyFileSync(made[0], vsix);
  } else {
    run("npm", ["run", "build"]);
    const ignore = existsSync(join(REPO_ROOT, ".vscodeignore")) ? [] : ["--ignoreFile", join(REPO_ROOT, "test", "e2e", "vscodeignore.txt")];
    run("npx", ["vsce", "package", "--no-dependencies", "--allow-missing-repository", "--skip-license", ...ignore, "--out", vsix]);
  }
  const mb = statSync(vsix).size / (1 << 20);
  if (mb > 50) throw new Error(`the .vsix is ${mb.toFixed(0)} MB: .vscodeignore lets in too much (e.g. .tools/, node_modules/)`);
  return vsix;
}

// ---------------------------------------------------------------------------------------------
// The workbench

export interface WorkbenchOptions {
  /** The .vsix to install (buildVsix()). */
  vsix: string;
  /** Files copied into the workspace: paths relative to the repo root (kept under their base name in examples/) or absolute. */
  files: string[];
  /** User settings over the quiet defaults. */
  settings?: Record<string, unknown>;
  /** Screenshot folder name under out/screenshots/. */
  screenshots: string;
  env?: Record<string, string>;
  /** Workspace trust on, as a user has it (startCodeServer's `workspaceTrust`): the folder starts untrusted. */
  workspaceTrust?: boolean;
}

export interface Workbench {
  page: Page;
  server: CodeServer;
  browser: Chromium;
  /** The temp workspace folder. */
  workspace: string;
  /** The path of a copied file inside the workspace. */
  fileInWorkspace(name: string): string;
  /** Save a PNG of the page as out/screenshots/<suite>/<NN>-<name>.png; returns its path. */
  screenshot(name: string): Promise<string>;
  /** Messages from the page's console and page errors (for failure reports). */
  consoleLines: string[];
  close(): Promise<void>;
}

/** Start code-server with the .vsix installed, open the workspace in Chromium, wait for the workbench. */
export async function openWorkbench(opts: WorkbenchOptions): Promise<Workbench> {
  const workspace = mkdtempSync(join(tmpdir(), "ipcviz-e2e-ws-"));
  mkdirSync(join(workspace, "examples"));
  for (const f of opts.files) {
    const src = f.startsWith("/") ? f : join(REPO_ROOT, f);
    copyFileSync(src, join(workspace, "examples", basename(f)));
  }
  const shotDir = join(SCREENSHOT_ROOT, opts.screenshots);
  rmSync(shotDir, { recursive: true, force: true });
  mkdirSync(shotDir, { recursive: true });
  let server: CodeServer | undefined;
  let browser: Chromium | undefined;
  try {
    server = await startCodeServer({ folder: workspace, vsix: opts.vsix, settings: opts.settings, env: opts.env, workspaceTrust: opts.workspaceTrust });
    browser = await launchChromium({ width: 1600, height: 1000 });
    const page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
    const consoleLines: string[] = [];
    page.on("console", (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));
    await page.goto(server.folderUrl(workspace));
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    await page.locator(".statusbar").waitFor({ timeout: 30_000 });
    // The explorer shows the folder once the remote file system answers.
    await page.locator(".explorer-folders-view .monaco-list-row").first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    // What a person sees first is the workbench once it has started: no "Activating Extensions…".
    await waitForStartupActivation(page, 120_000);
    let shot = 0;
    const s = server;
    const b = browser;
    return {
      page,
      server: s,
      browser: b,
      workspace,
      consoleLines,
      fileInWorkspace: (name) => join(workspace, "examples", name),
      async screenshot(name) {
        const p = join(shotDir, `${String(++shot).padStart(2, "0")}-${name}.png`);
        // Park the pointer on the explorer's empty lower part, so that no hover tooltip hides
        // what the screenshot is about.
        const size = page.viewportSize();
        if (size) await page.mouse.move(100, size.height - 200).catch(() => undefined);
        await page.screenshot({ path: p });
        return p;
      },
      async close() {
        try {
          await b.close().catch(() => undefined);
          await s.stop();
          // Programs of the workspace that lost the marker on the way (a launcher that cleans
          // the environment) still name their file: end them, and say so.
          const inWorkspace = () => listProcesses().filter((p) => p.cmdline.includes(workspace));
          const stray = inWorkspace();
          if (stray.length) {
            const left = await endProcesses(inWorkspace, { graceMs: 2000, timeoutMs: 5000 });
            throw new Error(`processes of the workspace were left after code-server stopped (ended now${left.length ? `, but for ${left.length}` : ""}):\n${describeProcesses(stray)}`);
          }
        } finally {
          rmSync(workspace, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(workspace, { recursive: true, force: true });
    throw e;
  }
}

/** What a describe block of the e2e tier holds: its workbench, screenshots, failure context. */
export interface WorkbenchSuite {
  /** The workbench (once the suite's before() has run). */
  readonly wb: Workbench;
  /** Save a screenshot (listed at the end of the suite); returns its path. */
  shot(name: string): Promise<string>;
  /** The visible notifications and the page console's tail, to end a failure message with. */
  context(): Promise<string>;
}

/**
 * The workbench of one describe block, as every e2e suite uses it: opened in before() (the
 * options are made there, since packaging and temp files take time), then `setup` runs on it;
 * in after(), a last screenshot, `beforeClose`, the workbench closed, then `cleanup`, and the
 * screenshots taken are listed. Call it inside the describe block.
 */
export function workbenchSuite(
  options: () => WorkbenchOptions | Promise<WorkbenchOptions>,
  hooks: { setup?: (wb: Workbench) => unknown; beforeClose?: (wb: Workbench) => unknown; cleanup?: () => unknown } = {},
): WorkbenchSuite {
  let wb: Workbench | undefined;
  const shots: string[] = [];
  const suite: WorkbenchSuite = {
    get wb(): Workbench {
      if (!wb) throw new Error("the workbench is not open (its before() failed or has not run)");
      return wb;
    },
    async shot(name) {
      const p = await suite.wb.screenshot(name);
      shots.push(p);
      return p;
    },
    async context() {
      if (!wb) return "";
      return `\nnotifications: ${JSON.stringify(await notificationTexts(wb.page))}\npage console (tail):\n${wb.consoleLines.slice(-15).join("\n")}`;
    },
  };
  before(async () => {
    wb = await openWorkbench(await options());
    await hooks.setup?.(wb);
  });
  after(async () => {
    try {
      if (wb) {
        await suite.shot("final").catch(() => undefined);
        await hooks.beforeClose?.(wb);
        await wb.close();
      }
    } finally {
      await hooks.cleanup?.();
      if (shots.length) console.log(`screenshots:\n  ${shots.join("\n  ")}`);
    }
  });
  return suite;
}

/**
 * F1, type `text` as a person types, press Enter on whatever row VS Code made active (never a
 * row picked by the test). Returns that row's label; `shot`, when given, saves the palette first.
 */
export async function paletteEnter(page: Page, text: string, shot?: (name: string) => Promise<string>): Promise<string> {
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
  // The palette filters as the text grows.
  await page.keyboard.type(text, { delay: 30 });
  const active = page.locator(".quick-input-list .monaco-list-row.focused .label-name").first();
  await active.waitFor({ timeout: 15_000 });
  // The list settles once the filter has run for the whole text.
  await page.waitForTimeout(500);
  const label = (await active.innerText()).replace(/\s+/g, " ").trim();
  await shot?.(`palette-${text.replace(/\W+/g, "-")}`);
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden", timeout: 10_000 }).catch(() => undefined);
  return label;
}

/**
 * Wait until the workbench has finished activating the extensions it activates at start-up: the
 * status bar's "Activating Extensions…" entry has been absent for 6 looks in a row (0.25 s
 * apart; it may appear a moment after the status bar does). Throws after timeoutMs.
 */
export async function waitForStartupActivation(page: Page, timeoutMs: number): Promise<void> {
  let quiet = 0;
  await waitUntil(
    async () => {
      const text = await page.locator(".statusbar").innerText({ timeout: 5000 }).catch(() => "Activating Extensions");
      quiet = /Activating Extensions/i.test(text) ? 0 : quiet + 1;
      return quiet >= 6;
    },
    timeoutMs,
    () => `the status bar still says "Activating Extensions…" after ${timeoutMs / 1000} s`,
    250,
  );
}

/** Wait until fn returns a truthy value (polling); throws with message() after timeoutMs. */
export async function waitUntil<T>(fn: () => Promise<T> | T, timeoutMs: number, message: () => string, intervalMs = 200): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${message()}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await sleep(intervalMs);
  }
}

/**
 * Give the workbench the keyboard. A webview that has the focus keeps F1 and Ctrl+P to itself
 * (as when a person has just clicked into the view); take the focus back to the workbench window,
 * which keeps the active editor group as it is.
 */
export async function focusWorkbench(page: Page): Promise<void> {
  await page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
    const doc = (globalThis as any).document;
    if (doc.activeElement && doc.activeElement.tagName === "IFRAME") doc.activeElement.blur();
  });
}

/** Quick Open (Ctrl+P): type the file's name, pick it; waits for its editor tab to be active. */
export async function openFile(page: Page, name: string): Promise<void> {
  const input = page.locator(".quick-input-widget .quick-input-box input");
  // (Several editor groups may each show the file in their active tab.)
  const tab = page.locator(".tabs-container .tab.active", { hasText: name }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await focusWorkbench(page);
      await page.keyboard.press("Control+P");
      await input.waitFor({ state: "visible", timeout: 5000 });
      await input.fill(name);
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first();
      await row.waitFor({ timeout: 10_000 });
      await row.click();
      await tab.waitFor({ timeout: 10_000 });
      break;
    } catch (e) {
      // A key that went to a just-closing editor or dialog: close Quick Open and try again.
      await page.keyboard.press("Escape").catch(() => undefined);
      if (attempt >= 3) throw new Error(`could not open ${name} with Quick Open (3 attempts): ${(e as Error).message}`);
    }
  }
  await page.locator(".editor-instance .monaco-editor .view-lines").first().waitFor({ timeout: 15_000 });
}

/**
 * The command palette (F1): type the title, wait for its row, pick it. The palette lists commands
 * as they were when it opened, so it is closed and opened again until the row appears.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const input = page.locator(".quick-input-widget .quick-input-box input");
  for (;;) {
    await focusWorkbench(page);
    await page.keyboard.press("F1");
    try {
      await input.waitFor({ state: "visible", timeout: 5000 });
    } catch (e) {
      // The key went to a webview or a closing widget: try again.
      if (Date.now() > end) throw new Error(`F1 did not open the command palette within ${timeoutMs} ms: ${(e as Error).message}`);
      await page.keyboard.press("Escape");
      continue;
    }
    await input.fill(`>${title}`);
    // The row whose label is the title (after its category), not one that merely contains it
    // ("Visualise IPC" must not pick "Debug and Visualise IPC").
    const exact = new RegExp(`(^|: )${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    const row = page
      .locator(".quick-input-list .monaco-list-row")
      .filter({ has: page.locator(".label-name", { hasText: exact }) })
      .first();
    try {
      await row.waitFor({ timeout: 2000 });
      await row.click();
      await input.waitFor({ state: "hidden", timeout: 5000 }).catch(() => undefined);
      return;
    } catch {
      await page.keyboard.press("Escape");
      if (Date.now() > end) throw new Error(`no command "${title}" in the palette after ${timeoutMs} ms`);
      await sleep(500);
    }
  }
}

/**
 * The document of a webview (the view's own HTML): two nested iframes outside the editor DOM.
 * index picks among several open webviews (last = the newest).
 */
export function webviewFrame(page: Page, index: number | "last" = "last"): FrameLocator {
  const outer = page.locator("iframe.webview.ready").filter({ visible: true });
  const one = index === "last" ? outer.last() : outer.nth(index);
  return one.contentFrame().frameLocator("iframe#active-frame");
}

/** The element carrying the view's root hooks (data-cursor, data-events, data-lanes, data-arrows). */
export function viewRoot(frame: FrameLocator): Locator {
  return frame.locator("[data-events]").first();
}

/** Wait until the view's event count (data-events) is non-zero and unchanged for a second (the run has ended). */
export async function waitForEventsToSettle(frame: FrameLocator, timeoutMs: number): Promise<number> {
  let last = -1;
  await waitUntil(
    async () => {
      const { events } = await rootHooks(frame);
      const settled = events > 0 && events === last;
      last = events;
      return settled;
    },
    timeoutMs,
    () => `data-events did not settle (last ${last})`,
    1000,
  );
  return last;
}

/** The view's root hooks as numbers (NaN when absent). */
export async function rootHooks(frame: FrameLocator): Promise<{ cursor: number; events: number; lanes: number; arrows: number }> {
  const root = viewRoot(frame);
  const n = async (a: string) => Number(await root.getAttribute(a, { timeout: 10_000 }));
  return { cursor: await n("data-cursor"), events: await n("data-events"), lanes: await n("data-lanes"), arrows: await n("data-arrows") };
}

/** Wait for the view to show at least these many lanes / arrows / events (from the DOM hooks). */
export async function waitForView(frame: FrameLocator, min: { lanes?: number; arrows?: number; events?: number }, timeoutMs = 60_000): Promise<{ lanes: number; arrows: number }> {
  let seen = "";
  return waitUntil(
    async () => {
      const lanes = await frame.locator("[data-lane]").count();
      const arrows = await frame.locator("[data-arrow]").count();
      const hooks = await rootHooks(frame).catch(() => null);
      seen = `lanes ${lanes}, arrows ${arrows}, root hooks ${JSON.stringify(hooks)}`;
      const ok = lanes >= (min.lanes ?? 0) && arrows >= (min.arrows ?? 0) && (min.events === undefined || (hooks !== null && hooks.events >= min.events));
      return ok ? { lanes, arrows } : null;
    },
    timeoutMs,
    () => `the view did not show ${JSON.stringify(min)} within ${timeoutMs} ms; saw ${seen || "no webview"}`,
    300,
  );
}

/**
 * Click where an arrow starts (its send event), as a person clicks the dot a message leaves from.
 * The view finds the event under the pointer (hit test on the lane), so the exact point matters.
 */
export async function clickArrowStart(arrow: Locator): Promise<void> {
  const line = arrow.locator("path.arrow-line").first();
  // Runs in the page: DOM types are not in this project's lib, hence the loose typing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
  const pos = await line.evaluate((el: any) => {
    const p = el.getPointAtLength(0);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
    const pt = new (globalThis as any).DOMPoint(p.x, p.y).matrixTransform(el.getScreenCTM());
    const r = el.getBoundingClientRect();
    return { x: Math.max(0, pt.x - r.left), y: Math.max(0, pt.y - r.top) };
  });
  await line.click({ position: pos, force: true });
}

/** The editor's line from the status bar ("Ln 12, Col 5"), or null when it shows none. */
export async function statusBarLine(page: Page): Promise<number | null> {
  const item = page.locator('[id="status.editor.selection"]');
  if ((await item.count()) === 0) return null;
  const m = /Ln (\d+)/.exec((await item.innerText({ timeout: 10_000 })) ?? "");
  return m ? Number(m[1]) : null;
}

/** Click the editor tab whose label contains text (e.g. the view's "IPC: file.py"). */
export async function activateTab(page: Page, text: string): Promise<void> {
  await page.locator(".tabs-container .tab", { hasText: text }).first().click();
}

/** The title of the active editor tab. */
export async function activeTabTitle(page: Page): Promise<string> {
  const tab = page.locator(".tabs-container .tab.active").first();
  return ((await tab.getAttribute("aria-label")) ?? (await tab.innerText())).trim();
}

/** A notification toast whose text matches, once it is visible. */
export async function waitForNotification(page: Page, text: RegExp, timeoutMs = 60_000): Promise<Locator> {
  const toast = page.locator(".notifications-toasts .notification-toast", { hasText: text }).first();
  await toast.waitFor({ state: "visible", timeout: timeoutMs });
  return toast;
}

/** The texts of all visible notifications (for failure messages). */
export async function notificationTexts(page: Page): Promise<string[]> {
  return page.locator(".notifications-toasts .notification-toast").allInnerTexts().catch(() => []);
}

// ---------------------------------------------------------------------------------------------
// Processes of a run

/**
 * The processes of a program run by this code-server: those carrying its marker and the
 * collector's IPCVIZ_SOCK in their environment, or whose command line names the program.
 * (Other people's runs on the same machine have IPCVIZ_SOCK too, but not this marker.)
 */
export function runProcesses(server: CodeServer, programPath?: string): ProcInfo[] {
  return listProcesses().filter((p) => {
    if (programPath && p.cmdline.includes(programPath)) return true;
    const env = environOf(p.pid);
    return env.E2E_CODE_SERVER_MARKER === server.marker && "IPCVIZ_SOCK" in env;
  });
}

/** Wait until no process of the run is left; throws listing them. */
export async function waitNoRunProcesses(server: CodeServer, programPath: string | undefined, timeoutMs = 30_000): Promise<void> {
  let left: ProcInfo[] = [];
  await waitUntil(
    () => (left = runProcesses(server, programPath)).length === 0,
    timeoutMs,
    () => `processes of the run still there after ${timeoutMs} ms:\n${describeProcesses(left)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Notifications that come and go, dialogs, settings

/**
 * Record the text of every notification toast the page shows from now on (also ones that are
 * gone before a test could look, like a short progress notification). Call again after a reload.
 */
export async function recordNotifications(page: Page): Promise<void> {
  await page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
    const g = globalThis as any;
    g.__ipcvizToasts ??= [];
    g.__ipcvizToastObserver?.disconnect();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
    const seen = (n: any) => {
      for (const t of n.querySelectorAll?.(".notification-toast") ?? []) {
        const text = (t.textContent ?? "").trim();
        if (text && !g.__ipcvizToasts.includes(text)) g.__ipcvizToasts.push(text);
      }
    };
    g.__ipcvizToastObserver = new g.MutationObserver(() => seen(g.document));
    g.__ipcvizToastObserver.observe(g.document.body, { childList: true, subtree: true, characterData: true });
    seen(g.document);
  });
}

/** The texts recorded since recordNotifications(). */
export async function recordedNotifications(page: Page): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- runs in the page: this project compiles without the DOM lib
  return page.evaluate(() => ((globalThis as any).__ipcvizToasts ?? []).slice());
}

/** The workbench's modal dialog (e.g. a modal showWarningMessage), once it is visible. */
export async function waitForDialog(page: Page, text: RegExp, timeoutMs = 15_000): Promise<Locator> {
  const box = page.locator(".monaco-dialog-box", { hasText: text }).first();
  await box.waitFor({ state: "visible", timeout: timeoutMs });
  return box;
}

/** The quick input (palette, pickers, the simple file dialog) input box. */
export function quickInput(page: Page): Locator {
  return page.locator(".quick-input-widget .quick-input-box input");
}

/**
 * Answer the workbench's own file dialog (in the browser, showSaveDialog/showOpenDialog are the
 * "simple file dialog", a quick input holding a path): type the path, press Enter.
 */
export async function answerFileDialog(page: Page, path: string, title?: RegExp): Promise<void> {
  const input = quickInput(page);
  await input.waitFor({ state: "visible", timeout: 10_000 });
  if (title) await page.locator(".quick-input-widget .quick-input-title", { hasText: title }).waitFor({ timeout: 15_000 });
  // The dialog completes paths as one types (and fills its own value in when it opens): type
  // until the box holds exactly the path, then accept.
  await waitUntil(
    async () => {
      await input.fill(path);
      await page.waitForTimeout(300);
      return (await input.inputValue()) === path;
    },
    10_000,
    () => `the file dialog does not keep the path ${path}`,
    100,
  );
  await input.press("Enter");
  await input.waitFor({ state: "hidden", timeout: 10_000 }).catch(async (e) => {
    const message = await page.locator(".quick-input-widget .quick-input-message").innerText().catch(() => "");
    throw new Error(`the file dialog did not accept ${path} (it holds "${await input.inputValue().catch(() => "?")}", says "${message}"): ${(e as Error).message}`);
  });
}

/** Give the keyboard to the text editor showing `name` (its editor group's tab, then its text). */
export async function focusEditor(page: Page, name: string): Promise<void> {
  await focusWorkbench(page);
  const group = page.locator(".editor-group-container", { has: page.locator(".tab", { hasText: new RegExp(`^\\s*${name.replace(/\./g, "\\.")}`) }) }).first();
  await group.locator(".tab", { hasText: new RegExp(`^\\s*${name.replace(/\./g, "\\.")}`) }).first().click();
  await group.locator(".monaco-editor .view-lines").first().click({ position: { x: 200, y: 5 } });
  await page.locator('[id="status.editor.selection"]').waitFor({ timeout: 15_000 });
}

/** Quick Open (Ctrl+P) a file that opens in a custom editor or webview (no text editor to wait for). */
export async function quickOpen(page: Page, name: string): Promise<void> {
  await focusWorkbench(page);
  const input = quickInput(page);
  await page.keyboard.press("Control+P");
  await input.waitFor({ state: "visible", timeout: 5000 });
  await input.fill(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
  await page.locator(".tabs-container .tab.active", { hasText: name }).first().waitFor({ timeout: 30_000 });
}

/**
 * Set a string setting as a person does: the Settings editor (UI), search for the key, type into
 * its box, close the editor. `text` identifies the setting's row (a part of its description). A
 * `machine`/`machine-overridable` setting (ipcviz.python) is only shown, and only applies, in the
 * Remote tab of a remote window such as code-server's: pass tab "Remote".
 */
export async function setStringSettingInUi(page: Page, key: string, text: string | RegExp, value: string, tab: "User" | "Remote" = "User"): Promise<void> {
  await runCommand(page, "Preferences: Open Settings (UI)");
  const editor = page.locator(".settings-editor");
  await editor.waitFor({ timeout: 15_000 });
  if (tab === "Remote") {
    // Machine-scoped settings live in the remote's settings in a remote window (code-server is one).
    await editor.locator(".settings-tabs-widget .action-label", { hasText: /^Remote/ }).first().click();
  }
  await editor.locator(".suggest-input-container").first().click();
  await page.waitForTimeout(300);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(key);
  const row = editor.locator(".setting-item-contents", { hasText: text }).first();
  await row.waitFor({ timeout: 15_000 });
  const box = row.locator(".setting-item-control input").first();
  await box.fill(value);
  await box.press("Tab");
  // The Settings editor writes after a short debounce.
  await page.waitForTimeout(1200);
  const settingsTab = page.locator(".tabs-container .tab", { hasText: /^\s*Settings\s*$/ }).first();
  await settingsTab.hover();
  await settingsTab.locator(".tab-actions .action-label").first().click();
  await editor.waitFor({ state: "hidden", timeout: 10_000 });
}
