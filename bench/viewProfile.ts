/**
 * Profile the view in headless Chromium (Chrome DevTools protocol Profiler): first paint and the
 * pan/zoom frames of bench/view.bench.ts at n events; prints the functions with the most self
 * time. `npm run build && node out/bench/viewProfile.js [events] [first|frames|live]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium } from "../test/chromium";
import { GENERATOR, HEADER, openPage } from "./view.bench";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] }

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const what = process.argv[3] ?? "first";
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-viewprof-"));
  const browser = await launchChromium({ width: 1400, height: 900, extraArgs: ["--js-flags=--max-old-space-size=4096"] });
  try {
    const page = await browser.context.newPage();
    await openPage(dir, page);
    await page.evaluate(`window.__benchEvents = (${GENERATOR})(${n}); 0`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    const snap = `window.__ipcviz.receive({ type: "snapshot", protocol: 1, title: "bench", header: ${JSON.stringify(HEADER)}, events: window.__benchEvents, live: false, footer: null, options: {} }); window.__ipcviz.renderNow();`;
    if (what !== "first") await page.evaluate(`(() => { ${snap} })()`);
    await cdp.send("Profiler.start");
    const ms = await page.evaluate(
      what === "first"
        ? `(() => { const t0 = performance.now(); ${snap} return performance.now() - t0; })()`
        : `(() => { const app = window.__ipcviz.app; const t0 = performance.now();
      for (const zoom of [1, 4, 64, 1024]) { app.plot.fit(); if (zoom > 1) app.plot.zoomBy(zoom, app.plot.plotWidth / 2); app.renderNow();
        for (let k = 0; k < 20; k++) { app.plot.panBy(k % 2 ? -37 : 41); app.renderNow(); } }
      app.plot.fit(); app.renderNow();
      for (let k = 0; k < 20; k++) { app.plot.zoomBy(1.25, 300); app.renderNow(); }
      for (let k = 0; k < 20; k++) { app.plot.zoomBy(0.8, 300); app.renderNow(); }
      return performance.now() - t0; })()`,
    );
    const { profile } = (await cdp.send("Profiler.stop")) as { profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] } };
    console.log(`${what} at ${n}: ${(ms as number).toFixed(0)} ms`);
    const self = new Map<string, number>();
    const byId = new Map(profile.nodes.map((x) => [x.id, x]));
    for (let i = 0; i < profile.samples.length; i++) {
      const nd = byId.get(profile.samples[i])!;
      const f = nd.callFrame;
      const key = `${f.functionName || "(anon)"} ${f.url.split("/").pop()}:${f.lineNumber}:${f.columnNumber}`;
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    }
    const tot = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(`total sampled ${tot.toFixed(0)} ms`);
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${v.toFixed(1).padStart(8)} ms  ${k}`);
    await cdp.detach();
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
