/**
 * Runs an extension's integration suite in the real extension host of code-server, the way
 * `@vscode/test-electron` does in desktop VS Code: the workbench is opened in headless Chromium with
 * a `payload` naming extensionDevelopmentPath and extensionTestsPath (vscode-remote:// URIs; plain
 * paths leave the workbench waiting for a host that can run tests), the host loads the tests
 * module and calls its `run()`, and the workbench reports the end through
 * `window.codeAutomationExit(code)` and the suite's output through `window.codeAutomationLog`.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "../chromium";
import { startCodeServer, type CodeServer } from "./codeServer";

export interface ExtensionTestsOptions {
  /** Absolute path of the extension under development (its package.json folder). */
  extensionDevelopmentPath: string;
  /** Unpacked extensions installed into the profile beside it (startCodeServer's `extensions`). */
  extensions?: string[];
  /** Absolute path of the tests module (CommonJS, exports `run(): Promise<void>`). */
  extensionTestsPath: string;
  /** Folder opened as the workspace. */
  workspace: string;
  /** Extra environment for code-server (the extension host inherits it). */
  env?: Record<string, string>;
  /** User settings for the fresh profile. */
  settings?: Record<string, unknown>;
  /** How long the whole suite may take (ms). */
  timeoutMs?: number;
  /** Where to save a screenshot of the workbench when the suite ends (optional). */
  screenshot?: string;
}

export interface ExtensionTestsResult {
  /** The code the workbench gave codeAutomationExit (0 = all passed), or null on timeout. */
  exitCode: number | null;
  /** Lines logged by the extension host through codeAutomationLog (the suite's console output). */
  log: string[];
  /** The text of the results file the suite wrote to $IPCVIZ_TEST_RESULTS (null when absent). */
  results: string | null;
  /** code-server's own log. */
  serverLog: string;
  /** Wall time of the whole run, start of code-server to its stop (ms). */
  elapsedMs: number;
}

function formatLogArgs(args: unknown): string {
  if (Array.isArray(args)) return args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return typeof args === "string" ? args : JSON.stringify(args);
}

/** Start code-server and Chromium, run the suite, stop both; never leaves a process behind. */
export async function runExtensionTests(opts: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  const started = Date.now();
  const resultsDir = mkdtempSync(join(tmpdir(), "ipcviz-results-"));
  const resultsFile = join(resultsDir, "results.json");
  let server: CodeServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const log: string[] = [];
  try {
    server = await startCodeServer({ folder: opts.workspace, env: { IPCVIZ_TEST_RESULTS: resultsFile, ...opts.env }, settings: opts.settings, extensions: opts.extensions });
    browser = await launchChromium();
    const page = await browser.context.newPage();
    let onExit: (code: number) => void = () => undefined;
    const exited = new Promise<number>((r) => (onExit = r));
    await page.exposeFunction("codeAutomationLog", (level: unknown, args: unknown) => {
      log.push(formatLogArgs(args));
      void level;
    });
    await page.exposeFunction("codeAutomationExit", (code: unknown) => {
      onExit(typeof code === "number" ? code : Number(code));
    });
    const payload = JSON.stringify([
      ["extensionDevelopmentPath", server.remoteUri(opts.extensionDevelopmentPath)],
      ["extensionTestsPath", server.remoteUri(opts.extensionTestsPath)],
      ["skipWelcome", "true"],
    ]);
    await page.goto(server.folderUrl(opts.workspace, { payload }));
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const exitCode = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)))]);
    clearTimeout(timer);
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot }).catch(() => undefined);
    const results = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8") : null;
    return { exitCode, log, results, serverLog: server.log(), elapsedMs: Date.now() - started };
  } finally {
    await browser?.close().catch(() => undefined);
    try {
      await server?.stop();
    } finally {
      rmSync(resultsDir, { recursive: true, force: true });
    }
  }
}

/** Counts read from a results file: JSON with numeric passes/failures (mocha's stats shape), if any. */
export function parseResults(text: string | null): { passes?: number; failures?: number; pending?: number; raw: unknown } | null {
  if (text === null) return null;
  try {
    const raw = JSON.parse(text);
    const stats = raw && typeof raw === "object" && "stats" in raw ? (raw as { stats: unknown }).stats : raw;
    const num = (k: string) => (stats && typeof (stats as Record<string, unknown>)[k] === "number" ? ((stats as Record<string, number>)[k]) : undefined);
    return { passes: num("passes"), failures: num("failures"), pending: num("pending"), raw };
  } catch {
    return { raw: text };
  }
}
