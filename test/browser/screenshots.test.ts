// Screenshots of real programs in the standalone view at 1400×900, dark and light (and one high
// contrast), into out/screenshots/view/ (kept as CI artifacts; look at them). Each is also a
// smoke test: the page draws without errors or CSP violations.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { OWN, REAL, ROOT, rootData, settle, synthetic, violations, ViewBrowser } from "./viewPage";

const OUT = join(ROOT, "out", "screenshots", "view");

/** [screenshot name, trace, what to do before the shot]. */
const SHOTS: Array<[string, string, string | null]> = [
  ["queue_producer_consumer", join(REAL, "queue_producer_consumer.ipcviz.jsonl"), null],
  ["pipe_duplex", join(REAL, "pipe_duplex.ipcviz.jsonl"), null],
  ["manager_sync_objects", join(REAL, "s09_manager_sync_objects.ipcviz.jsonl"), null],
  ["pool_map", join(REAL, "pool_map.ipcviz.jsonl"), "zoom-first-messages"],
  ["lock_contention", join(REAL, "locks.ipcviz.jsonl"), null],
  ["lock_cycle_hang", join(REAL, "hang_lock_cycle_2.ipcviz.jsonl"), null],
  ["s03_pipe_same_end_hang", join(REAL, "s03_pipe_same_end_blocks.ipcviz.jsonl"), null],
  ["twelve_processes", join(OWN, "twelve_processes.ipcviz.jsonl"), null],
  ["twelve_processes_zoomed", join(OWN, "twelve_processes.ipcviz.jsonl"), "zoom-first-messages"],
];

let vb: ViewBrowser;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  vb = await ViewBrowser.start();
});

after(async () => {
  await vb.close();
  assert.deepEqual(vb.errors, []);
});

for (const [name, trace, action] of SHOTS) {
  for (const scheme of ["dark", "light"] as const) {
    test(`screenshot ${name} (${scheme})`, async () => {
      const page = await vb.openReport(trace, { colorScheme: scheme });
      if (action === "zoom-first-messages") {
        // Select the first message and zoom in around it, as a user looking at it would.
        await page.focus("#ipcviz-root");
        await page.keyboard.press("Home");
        await page.keyboard.press("Shift+ArrowRight");
        await page.keyboard.press("Shift+ArrowRight");
        for (let k = 0; k < 3; k++) await page.keyboard.press("+");
        await page.keyboard.press("Shift+ArrowRight");
      }
      await settle(page);
      await page.screenshot({ path: join(OUT, `${name}-${scheme}.png`) });
      assert.deepEqual(await violations(page), []);
      assert.ok(Number((await rootData(page)).lanes) > 0);
      await page.close();
    });
  }
}

test("screenshot in high contrast (body class as VS Code sets it)", async () => {
  const page = await vb.openReport(join(REAL, "hang_lock_cycle_2.ipcviz.jsonl"));
  await page.evaluate("document.body.classList.add('vscode-high-contrast')");
  await settle(page);
  assert.equal((await rootData(page)).theme, "high-contrast", "the view notices the theme change");
  await page.screenshot({ path: join(OUT, "lock_cycle_hang-high-contrast.png") });
  await page.close();
});

test("screenshot of a 100k-event trace (canvas) and zoomed in (SVG)", async () => {
  const page = await vb.openEvents(synthetic(100_000), "synthetic 100k");
  assert.equal((await rootData(page)).render, "canvas");
  await page.screenshot({ path: join(OUT, "synthetic_100k-canvas-dark.png") });
  await page.focus("#ipcviz-root");
  for (let k = 0; k < 9; k++) await page.keyboard.press("+");
  await settle(page);
  await page.screenshot({ path: join(OUT, "synthetic_100k-zoomed-dark.png") });
  await page.close();
});

/** Pairs of labels of the plot whose boxes overlap: [a's class: text, b's class: text]. */
async function overlappingLabels(page: import("playwright-core").Page): Promise<string[]> {
  // A string: the page's DOM types are not this file's.
  return page.evaluate(`(() => {
    const els = [...document.querySelectorAll("svg text.lane-exit, svg text.blocked-label, svg text.deadlock-label, svg text.no-progress-label")].filter(
      (e) => e.textContent && e.getAttribute("display") !== "none",
    );
    const out = [];
    const boxes = els.map((e) => e.getBoundingClientRect());
    for (let i = 0; i < els.length; i++)
      for (let j = i + 1; j < els.length; j++) {
        const a = boxes[i], b = boxes[j];
        if (a.width > 0 && b.width > 0 && a.left < b.right && b.left < a.right && a.top + 2 < b.bottom && b.top + 2 < a.bottom)
          out.push(els[i].getAttribute("class") + ": " + els[i].textContent + " / " + els[j].getAttribute("class") + ": " + els[j].textContent);
      }
    return out;
  })()`);
}

// A hanging run whose recorder died (`ipcviz run` killed with SIGKILL; the extension restores such
// a run's view from its trace): its lane ends at the plot's right edge with "ended by the watchdog
// (the recorder died)", where the STALL label goes too.
for (const [width, height] of [
  [1400, 900],
  [900, 700],
  [700, 600],
] as const) {
  test(`screenshot orphaned_hang at ${width}x${height}: no lane label overlaps another`, async () => {
    const page = await vb.openReport(join(OWN, "orphaned_hang.ipcviz.jsonl"));
    await page.setViewportSize({ width, height });
    await settle(page);
    await settle(page);
    await page.screenshot({ path: join(OUT, `orphaned_hang-${width}.png`) });
    assert.ok(await page.locator("svg text.deadlock-label").count(), "the stall is drawn");
    assert.match((await page.locator("svg text.lane-exit").first().textContent()) ?? "", /watchdog/);
    assert.deepEqual(await overlappingLabels(page), []);
    await page.close();
  });
}

// The dining philosophers' deadlock label ("DEADLOCK: phil-0 → … · also blocked: MainProcess") is
// wider than the plot of a narrow view (the view beside an editor): it is cut to fit inside the plot
// (where the lanes leave no free row it lies over a lane label, on its halo), and its tooltip keeps
// the whole text. A wide view shows it whole, over no lane label.
for (const [width, height] of [
  [1400, 900],
  [520, 600],
] as const) {
  test(`screenshot names_dining at ${width}x${height}: the deadlock label stays inside the plot`, async () => {
    const page = await vb.openReport(join(OWN, "names_dining.ipcviz.jsonl"));
    await page.setViewportSize({ width, height });
    await settle(page);
    await settle(page);
    await page.screenshot({ path: join(OUT, `names_dining-${width}.png`) });
    const box = await page.evaluate(`(() => {
      const el = document.querySelector("[data-deadlock] text.deadlock-label");
      const svg = el && el.ownerSVGElement;
      if (!el || !svg) return null;
      const a = el.getBoundingClientRect(), p = svg.getBoundingClientRect();
      return { left: a.left - p.left, right: a.right - p.left, plot: p.width,
        shown: [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(""),
        title: (el.querySelector("title") || {}).textContent || "" };
    })()`) as { left: number; right: number; plot: number; shown: string; title: string } | null;
    assert.ok(box, "the deadlock label is drawn");
    assert.ok(box.left >= 0 && box.right <= box.plot + 0.5, `label [${box.left}, ${box.right}] inside the plot [0, ${box.plot}]: ${box.shown}`);
    assert.match(box.shown, /^DEADLOCK: phil-\d/);
    assert.match(box.title, /DEADLOCK: phil-\d → phil-\d → phil-\d → phil-\d · also blocked: MainProcess/);
    if (width === 1400) {
      assert.ok(!box.shown.endsWith("…"), `a wide view shows it whole: ${box.shown}`);
      assert.deepEqual(await overlappingLabels(page), []);
    } else assert.ok(box.shown.endsWith("…"), `a narrow view cuts it: ${box.shown}`);
    await page.close();
  });
}
