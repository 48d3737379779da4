/**
 * View benchmark, in headless Chromium (test/chromium.ts): the standalone page of the view is
 * given synthetic traces (valid trace v1: 8 processes, producers and consumers on two queues with
 * waits, contended locks with a Value written under one, a pipe) through its test hook, as the
 * host's snapshot/append messages would be.
 *
 * - first paint: from handing the snapshot to the view until its first frame is drawn (the model
 *   is built, the view data derived, lanes/arrows/spans drawn), at 100k and 1M events;
 * - pan/zoom frame time: one redraw after a pan or zoom step, p50/p95 over 120 steps at several
 *   zoom levels from the whole run down (the whole run is the worst case: every event in view);
 * - memory: JS heap used after a full GC with the 1M-event trace loaded;
 * - live append latency: events posted with window.postMessage in batches every 20 ms at 50k
 *   events/s for 5 s; latency = from posting a batch to the view's root reporting it drawn.
 *
 * Targets (issue 4): first paint < 3 s at 1M; frame p95 < 16 ms at 100k, < 33 ms at 1M;
 * heap < 1 GB at 1M; live latency < 100 ms at 50k events/s.
 * Run alone: `npm run build && node out/bench/view.bench.js`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium } from "../test/chromium";
import { makeNonce, renderPage } from "../webview/html";
import { SYNTHETIC_HEADER } from "./model.bench";
import { record } from "./table";

const ROOT = join(__dirname, "..", "..");

/** Self-contained event generator, evaluated in the page: returns n events in arrival order. */
export const GENERATOR = `(n) => {
  const out = [];
  const seq = new Map();
  let t = 1000000;
  let s = 42;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
  const site = { file: "/bench/program.py", line: 10, fn: "work" };
  const ev = (pid, kind, f) => {
    const q = seq.get(pid) ?? 0;
    seq.set(pid, q + 1);
    t += 200 + Math.floor(rand() * 800);
    out.push(Object.assign({ pid, tid: pid, seq: q, t, kind, site }, f));
  };
  const MAIN = 1000, PRODUCERS = [1001, 1002, 1003], CONSUMERS = [1004, 1005, 1006], LOCKER = 1007;
  const pids = [MAIN, ...PRODUCERS, ...CONSUMERS, LOCKER];
  ev(MAIN, "process.start", { name: "MainProcess", ppid: 1, role: "main", startMethod: "fork" });
  const queues = ["q1000.1", "q1000.2"];
  for (const q of queues) ev(MAIN, "queue.create", { obj: q, objType: "Queue", maxsize: 0 });
  ev(MAIN, "pipe.create", { obj: "p1000.3", ends: ["c1000.3", "c1000.4"], duplex: true });
  const locks = ["L1000.5", "L1000.6", "L1000.7"];
  for (const l of locks) ev(MAIN, "sync.create", { obj: l, objType: "Lock" });
  ev(MAIN, "value.create", { obj: "v1000.8", objType: "Value", ctype: "i", lock: "L1000.5", preview: "0" });
  for (const p of pids.slice(1)) {
    ev(MAIN, "process.spawn", { child: p, name: "Process-" + (p - MAIN), daemon: false, target: "__main__.work" });
    ev(p, "process.start", { name: "Process-" + (p - MAIN), ppid: MAIN, role: "child", startMethod: "fork" });
  }
  ev(MAIN, "block.begin", { op: "process.join", obj: "proc:1001" });
  const backlog = [[], []];
  let m = 0, value = 0;
  while (out.length < n - 30) {
    const r = rand();
    if (r < 0.3) {
      const p = PRODUCERS[Math.floor(rand() * 3)], qi = Math.floor(rand() * 2), msg = "m" + p + "." + ++m;
      ev(p, "queue.put", { obj: queues[qi], msg, preview: String(m) });
      backlog[qi].push(msg);
    } else if (r < 0.6) {
      const c = CONSUMERS[Math.floor(rand() * 3)], qi = Math.floor(rand() * 2);
      const item = backlog[qi].shift();
      if (!item) {
        ev(c, "block.begin", { op: "queue.get", obj: queues[qi] });
        const p = PRODUCERS[Math.floor(rand() * 3)], msg = "m" + p + "." + ++m;
        ev(p, "queue.put", { obj: queues[qi], msg, preview: "late" });
        ev(c, "block.end", { op: "queue.get", obj: queues[qi], outcome: "ok" });
        ev(c, "queue.get", { obj: queues[qi], msg, preview: "late" });
      } else ev(c, "queue.get", { obj: queues[qi], msg: item, preview: "x" });
    } else if (r < 0.85) {
      const who = rand() < 0.5 ? LOCKER : CONSUMERS[Math.floor(rand() * 3)];
      const l = locks[Math.floor(rand() * 3)];
      if (rand() < 0.2) {
        const holder = who === LOCKER ? CONSUMERS[0] : LOCKER;
        ev(holder, "lock.acquire", { obj: l, ok: true });
        ev(who, "block.begin", { op: "lock.acquire", obj: l });
        ev(holder, "lock.release", { obj: l });
        ev(who, "block.end", { op: "lock.acquire", obj: l, outcome: "ok" });
      }
      ev(who, "lock.acquire", { obj: l, ok: true });
      if (l === "L1000.5") { ev(who, "value.write", { obj: "v1000.8", old: String(value), value: String(value + 1) }); value++; }
      ev(who, "lock.release", { obj: l });
    } else {
      const msg = "m1000." + ++m;
      ev(MAIN, "pipe.send", { obj: "c1000.3", msg, preview: "'cmd'", bytes: false });
      ev(LOCKER, "pipe.recv", { obj: "c1000.4", msg, preview: "'cmd'", bytes: false });
    }
  }
  for (const p of pids.slice(1)) ev(p, "process.exit", { exitCode: 0 });
  ev(MAIN, "block.end", { op: "process.join", obj: "proc:1001", outcome: "ok" });
  ev(MAIN, "process.exit", { exitCode: 0 });
  return out;
}`;

export const HEADER = SYNTHETIC_HEADER;

function pct(a: number[], p: number): number {
  const s = a.slice().sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export async function openPage(dir: string, page: Page): Promise<void> {
  const html = renderPage({
    assets: {
      kind: "inline",
      script: readFileSync(join(ROOT, "out", "webview", "main.js"), "utf8"),
      style: readFileSync(join(ROOT, "out", "webview", "view.css"), "utf8"),
    },
    nonce: makeNonce(),
    title: "bench",
  });
  const file = join(dir, `bench-${Math.random().toString(36).slice(2)}.html`);
  writeFileSync(file, html);
  await page.goto("file://" + file);
  await page.waitForSelector("#ipcviz-root[data-cursor]");
}

/** First paint, frame times and (optionally) heap for a trace of n events. */
async function measureStatic(page: Page, n: number, heap: boolean): Promise<{ events: number; firstPaintMs: number; p50: number; p95: number; render: string; heapMB: number | null }> {
  await page.evaluate(`window.__benchEvents = (${GENERATOR})(${n}); 0`);
  const firstPaintMs = (await page.evaluate(`new Promise((resolve) => {
    const t0 = performance.now();
    window.__ipcviz.receive({ type: "snapshot", protocol: 1, title: "bench", header: ${JSON.stringify(HEADER)}, events: window.__benchEvents, live: false, footer: null, options: {} });
    window.__ipcviz.renderNow();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  })`)) as number;
  const frames = (await page.evaluate(`(() => {
    const app = window.__ipcviz.app;
    const times = [];
    window.__phases = [];
    const frame = (fn) => { const t0 = performance.now(); fn(); app.renderNow(); times.push(performance.now() - t0); window.__phases.push(JSON.stringify(app.plot.info.phases) + " total " + (performance.now() - t0).toFixed(1)); };
    // Pan at the whole run, then at 4×, 64× and 1024× zoom; zoom in and out.
    for (const zoom of [1, 4, 64, 1024]) {
      app.plot.fit();
      if (zoom > 1) app.plot.zoomBy(zoom, app.plot.plotWidth / 2);
      app.renderNow();
      for (let k = 0; k < 20; k++) frame(() => app.plot.panBy(k % 2 ? -37 : 41));
    }
    app.plot.fit(); app.renderNow();
    for (let k = 0; k < 20; k++) frame(() => app.plot.zoomBy(1.25, 300));
    for (let k = 0; k < 20; k++) frame(() => app.plot.zoomBy(0.8, 300));
    return times;
  })()`)) as number[];
  if (process.env.IPCVIZ_BENCH_PHASES) {
    const ph = (await page.evaluate("window.__phases")) as string[];
    const idx = frames.map((t, k) => [t, k]).sort((x, y) => y[0] - x[0]).slice(0, 8);
    for (const [, k] of idx) console.log(`  frame ${k}: ${ph[k]}`);
  }
  const render = (await page.evaluate("document.getElementById('ipcviz-root').dataset.render")) as string;
  const events = Number(await page.evaluate("document.getElementById('ipcviz-root').dataset.events"));
  let heapMB: number | null = null;
  if (heap) {
    await page.evaluate("window.__benchEvents = null; 0");
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("HeapProfiler.collectGarbage");
    const u = (await cdp.send("Runtime.getHeapUsage")) as { usedSize: number; backingStorageSize?: number; embedderHeapUsedSize?: number };
    // JS heap plus ArrayBuffer backing stores (the model's and the view's typed-array columns).
    heapMB = (u.usedSize + (u.backingStorageSize ?? 0)) / 1048576;
    if (process.env.IPCVIZ_BENCH_PHASES) console.log("  heap usage", JSON.stringify(u));
    await cdp.detach();
  }
  return { events, firstPaintMs, p50: pct(frames, 50), p95: pct(frames, 95), render, heapMB };
}

/** Live append latency at `rate` events/s for `seconds`. */
async function measureLive(page: Page, rate: number, seconds: number): Promise<{ events: number; p50: number; p95: number; max: number }> {
  const total = rate * seconds + 200;
  await page.evaluate(`window.__benchEvents = (${GENERATOR})(${total}); 0`);
  const r = (await page.evaluate(`new Promise((resolve) => {
    const evs = window.__benchEvents;
    const root = document.getElementById("ipcviz-root");
    window.postMessage({ type: "snapshot", protocol: 1, title: "live", header: ${JSON.stringify(HEADER)}, events: evs.slice(0, 200), live: true, footer: null, options: {} }, "*");
    const posted = []; // [arrival count after the batch, time posted]
    const lat = [];
    let k = 0;
    const obs = new MutationObserver(() => {
      const now = performance.now();
      const n = window.__ipcviz.store.model.length + window.__ipcviz.store.model.held;
      while (k < posted.length && posted[k][0] <= n) { lat.push(now - posted[k][1]); k++; }
    });
    obs.observe(root, { attributes: true, attributeFilter: ["data-events"] });
    let at = 200;
    const batch = ${Math.round(rate / 50)};
    const timer = setInterval(() => {
      if (at >= evs.length) {
        clearInterval(timer);
        setTimeout(() => { obs.disconnect(); resolve({ lat, events: window.__ipcviz.store.model.length }); }, 500);
        return;
      }
      const b = evs.slice(at, at + batch);
      at += b.length;
      posted.push([at, performance.now()]);
      window.postMessage({ type: "append", events: b }, "*");
    }, 20);
  })`)) as { lat: number[]; events: number };
  return { events: r.events, p50: pct(r.lat, 50), p95: pct(r.lat, 95), max: Math.max(...r.lat) };
}

/** Run the view benchmark and print its figures. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-viewbench-"));
  const browser = await launchChromium({ width: 1400, height: 900, extraArgs: ["--js-flags=--max-old-space-size=4096"] });
  try {
    for (const [n, heap] of [
      [100_000, false],
      [1_000_000, true],
    ] as const) {
      const page = await browser.context.newPage();
      await openPage(dir, page);
      const r = await measureStatic(page, n, heap);
      console.log(
        `view ${r.events.toLocaleString("en")} events (${r.render} at the whole run): first paint ${r.firstPaintMs.toFixed(0)} ms; pan/zoom frame p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms` +
          (r.heapMB !== null ? `; memory after GC ${r.heapMB.toFixed(0)} MB (JS heap + ArrayBuffers)` : ""),
      );
      const label = n === 1_000_000 ? "1M" : "100k";
      if (n === 1_000_000) record({ row: "view first paint 1M events", value: r.firstPaintMs / 1000, unit: "s", target: 1.5 });
      record({ row: `view pan/zoom frame p95 at ${label}`, value: r.p95, unit: "ms", target: n === 1_000_000 ? 16 : 12 });
      await page.close();
    }
    const page = await browser.context.newPage();
    await openPage(dir, page);
    const l = await measureLive(page, 50_000, 5);
    console.log(`view live append at 50,000 events/s for 5 s (${l.events.toLocaleString("en")} events): latency event → drawn p50 ${l.p50.toFixed(0)} ms, p95 ${l.p95.toFixed(0)} ms, max ${l.max.toFixed(0)} ms`);
    record({ row: "view live latency p95 at 50k events/s", value: l.p95, unit: "ms", target: 50 });
    record({ row: "view live latency max at 50k events/s", value: l.max, unit: "ms", target: 100 });
    await page.close();
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[1]?.endsWith("view.bench.js")) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
