/**
 * Helpers of the browser tier: write the standalone page of a trace (or an empty page that waits
 * for a host) to a temporary file, open it in headless Chromium, watch for CSP violations and
 * errors, and read the view through its stable hooks (data-* attributes, window.__ipcviz).
 */

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type Chromium } from "../chromium";
import { readTraceFileSync } from "../../trace/readFile";
import { reportHtml, writeReport } from "../../cli/report";
import { makeNonce, renderPage } from "../../webview/html";
import type { TraceEvent, TraceFooter, TraceHeader } from "../../trace/format";
import { TraceModel } from "../../trace/model/model";

/** The repository root (tests run from it; out/test/browser is three levels down). */
export const ROOT = join(__dirname, "..", "..", "..");
export const REAL = join(ROOT, "test", "fixtures", "traces", "real");
export const OWN = join(ROOT, "test", "browser", "fixtures");
export const ASSETS = { script: join(ROOT, "out", "webview", "main.js"), style: join(ROOT, "out", "webview", "view.css") };

/** A trace file, parsed. */
export function readTrace(path: string): { header: TraceHeader; events: TraceEvent[]; footer: TraceFooter | null } {
  return readTraceFileSync(path);
}

/** One browser for a test file, its pages checked when the file ends. */
export interface ViewSuite {
  /** The browser (once before() has run). */
  readonly vb: ViewBrowser;
  /** Check this page for CSP violations when the file ends (pages opened by `report` are). */
  watch(page: Page): Page;
  /** Open the standalone report of a trace file; with its model and events. */
  report(path: string): Promise<{ page: Page; model: TraceModel; events: TraceEvent[] }>;
}

/**
 * The browser of a test file: started in before(); in after(), no CSP violation on any watched
 * page, the browser closed, and no page error or console error on any page.
 */
export function viewSuite(): ViewSuite {
  let vb: ViewBrowser | undefined;
  const pages: Page[] = [];
  const suite: ViewSuite = {
    get vb(): ViewBrowser {
      if (!vb) throw new Error("the browser is not started (its before() failed or has not run)");
      return vb;
    },
    watch(page) {
      pages.push(page);
      return page;
    },
    async report(path) {
      const t = readTrace(path);
      const page = suite.watch(await suite.vb.openReport(path));
      return { page, model: TraceModel.fromEvents(t.events, t.header), events: t.events };
    },
  };
  before(async () => {
    vb = await ViewBrowser.start();
  });
  after(async () => {
    if (!vb) return;
    try {
      for (const p of pages) assert.deepEqual(await violations(p).catch(() => []), [], "no CSP violation on any page");
    } finally {
      await vb.close();
    }
    assert.deepEqual(vb.errors, [], "no page errors");
  });
  return suite;
}

/** Script run in every page before its own: records CSP violations and errors. */
const WATCH = `
  window.__violations = [];
  document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(e.violatedDirective + " " + e.blockedURI));
`;

export class ViewBrowser {
  private dir = mkdtempSync(join(tmpdir(), "ipcviz-view-"));
  private n = 0;
  readonly errors: string[] = [];

  private constructor(readonly chromium: Chromium) {}

  static async start(): Promise<ViewBrowser> {
    return new ViewBrowser(await launchChromium({ width: 1400, height: 900 }));
  }

  async close(): Promise<void> {
    try {
      await this.chromium.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async open(html: string, colorScheme: "dark" | "light" = "dark"): Promise<Page> {
    const file = join(this.dir, `page${++this.n}.html`);
    writeFileSync(file, html);
    const page = await this.chromium.context.newPage();
    await page.emulateMedia({ colorScheme });
    await page.addInitScript(WATCH);
    page.on("pageerror", (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") this.errors.push(`console: ${m.text()}`);
    });
    await page.goto("file://" + file);
    await page.waitForSelector("#ipcviz-root[data-cursor]");
    return page;
  }

  /** The standalone report of a trace file. */
  async openReport(tracePath: string, options: { colorScheme?: "dark" | "light"; layout?: "time" | "logical" } = {}): Promise<Page> {
    const t = readTrace(tracePath);
    const title = tracePath.split("/").pop()!.replace(/\.ipcviz\.jsonl$/, "");
    const html = reportHtml(t, { title, assets: ASSETS, viewOptions: options.layout ? { layout: options.layout } : undefined });
    const page = await this.open(html, options.colorScheme);
    await settle(page);
    return page;
  }

  /** The page `ipcviz report` writes for a trace file (the file embedded, compressed), once its trace is read. */
  async openWrittenReport(tracePath: string, events: number): Promise<Page> {
    const file = join(this.dir, `written${++this.n}.html`);
    await writeReport(tracePath, file);
    const page = await this.open(readFileSync(file, "utf8"));
    await page.waitForFunction(`document.getElementById("ipcviz-root")?.dataset.events === "${events}"`);
    await settle(page);
    return page;
  }

  /** The report page of events held in memory. */
  async openEvents(events: TraceEvent[], title = "synthetic"): Promise<Page> {
    const page = await this.open(reportHtml({ header: null, events, footer: null }, { title, assets: ASSETS }));
    await settle(page);
    return page;
  }

  /** A page with no embedded trace: the view posts `ready` and waits for a host's messages. */
  async openEmpty(): Promise<Page> {
    const html = renderPage({
      assets: { kind: "inline", script: readFileSync(ASSETS.script, "utf8"), style: readFileSync(ASSETS.style, "utf8") },
      nonce: makeNonce(),
      title: "live",
    });
    return this.open(html);
  }
}

/** Let the view draw (two animation frames). */
export async function settle(page: Page): Promise<void> {
  await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))");
}

/** The root's data-* attributes. */
export async function rootData(page: Page): Promise<Record<string, string>> {
  return (await page.evaluate("Object.assign({}, document.getElementById('ipcviz-root').dataset)")) as Record<string, string>;
}

/** Attribute values of every element matching a selector. */
export async function attrs(page: Page, selector: string, attr: string): Promise<string[]> {
  return page.$$eval(selector, (els, a) => els.map((e) => e.getAttribute(a as string) ?? ""), attr);
}

/** CSP violations seen by the page. */
export async function violations(page: Page): Promise<string[]> {
  return (await page.evaluate("window.__violations")) as string[];
}

/** Post a protocol message to the page as a host would. */
export async function post(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, "*"), message as object);
  await page.waitForTimeout(30);
  await settle(page);
}

/** Messages the view posted to its (standalone) host. */
export async function sent(page: Page): Promise<Array<Record<string, unknown>>> {
  return (await page.evaluate("window.__ipcviz.host.sent.slice()")) as Array<Record<string, unknown>>;
}

/** A valid synthetic trace: main + 3 workers, queue put/get pairs and a lock. */
export function synthetic(n: number): TraceEvent[] {
  const out: TraceEvent[] = [];
  const seq = new Map<number, number>();
  let t = 1_000_000;
  const ev = (pid: number, kind: string, f: Record<string, unknown> = {}) => {
    const s = seq.get(pid) ?? 0;
    seq.set(pid, s + 1);
    t += 1000;
    out.push({ pid, tid: pid, seq: s, t, kind, ...f } as unknown as TraceEvent);
  };
  ev(1, "process.start", { name: "MainProcess", ppid: 0, role: "main", startMethod: "fork" });
  ev(1, "queue.create", { obj: "q1", objType: "Queue" });
  ev(1, "sync.create", { obj: "L1", objType: "Lock" });
  for (const p of [2, 3, 4]) {
    ev(1, "process.spawn", { child: p, name: `W${p}`, daemon: false });
    ev(p, "process.start", { name: `W${p}`, ppid: 1, role: "child", startMethod: "fork" });
  }
  let m = 0;
  while (out.length < n - 8) {
    const p = 2 + (m % 3);
    const msg = `m${++m}`;
    ev(1, "queue.put", { obj: "q1", msg, preview: String(m) });
    ev(p, "queue.get", { obj: "q1", msg, preview: String(m) });
    if (m % 5 === 0) {
      ev(p, "lock.acquire", { obj: "L1", ok: true });
      ev(p, "lock.release", { obj: "L1" });
    }
  }
  for (const p of [2, 3, 4]) ev(p, "process.exit", { exitCode: 0 });
  ev(1, "process.exit", { exitCode: 0 });
  return out;
}
