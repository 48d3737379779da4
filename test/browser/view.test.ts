// The view in headless Chromium: real traces rendered into the standalone report, checked
// through the stable test hooks — lanes, arrows, lock spans, keyboard stepping, the inspector at
// chosen cursors, the s03 diagnosis overlay, live appends from a simulated host, debugger pauses,
// messages to the host, canvas mode beyond the SVG limit, and no CSP violation anywhere.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { attrs, OWN, post, readTrace, REAL, rootData, sent, settle, synthetic, viewSuite } from "./viewPage";
import { TraceModel } from "../../trace/model/model";
import { step } from "../../trace/model/stepping";
import { dumpState } from "../../trace/model/dump";
import { diagnose } from "../../trace/analysis/diagnose";
import type { TraceEvent } from "../../trace/format";
import { PROTOCOL_VERSION } from "../../webview/protocol";

const suite = viewSuite();
const report = (name: string, dir = REAL) => suite.report(join(dir, name));

type Ev = TraceEvent & { msg?: string; obj?: string; ok?: boolean; op?: string };

test("queue producer/consumer: a lane per process, an arrow per message, the cursor at the end", async () => {
  const { page, model } = await report("queue_producer_consumer.ipcviz.jsonl");
  const d = await rootData(page);
  assert.equal(d.events, String(model.length));
  assert.equal(d.cursor, String(model.length - 1));
  assert.equal(d.render, "svg");
  const lanes = (await attrs(page, "[data-lane]", "data-lane")).map(Number).sort();
  assert.deepEqual(lanes, model.pids().slice().sort());
  assert.equal(d.lanes, String(lanes.length));
  const arrows = await attrs(page, "[data-arrow]", "data-arrow");
  const puts = new Set<string>();
  for (let i = 0; i < model.length; i++) {
    const e = model.event(i) as Ev;
    if (e.kind === "queue.put" && e.msg) puts.add(e.msg);
  }
  for (const m of puts) assert.ok(arrows.includes(m), `an arrow for message ${m}`);
  assert.equal(d.arrows, String(arrows.length));
  // Every arrow points forwards: its head's x is not left of its start.
  const backwards = await page.$$eval("[data-arrow] path.arrow-line", (els) =>
    els.filter((e) => {
      const m = /^M([\d.-]+),[\d.-]+Q[\d.-]+,[\d.-]+ ([\d.-]+),/.exec(e.getAttribute("d") ?? "");
      return m ? Number(m[2]) < Number(m[1]) - 0.01 : true;
    }).length,
  );
  assert.equal(backwards, 0);
});

test("the page ipcviz report writes (the trace file embedded, compressed) shows what the report of the parsed trace shows", async () => {
  const path = join(REAL, "queue_producer_consumer.ipcviz.jsonl");
  const t = readTrace(path);
  const model = TraceModel.fromEvents(t.events, t.header);
  const written = suite.watch(await suite.vb.openWrittenReport(path, model.length));
  const { page } = await report("queue_producer_consumer.ipcviz.jsonl");
  const [a, b] = [await rootData(written), await rootData(page)];
  assert.equal(a.events, String(model.length));
  assert.deepEqual(a, b);
  assert.deepEqual(await attrs(written, "[data-lane]", "data-lane"), await attrs(page, "[data-lane]", "data-lane"));
  assert.deepEqual(await attrs(written, "[data-arrow]", "data-arrow"), await attrs(page, "[data-arrow]", "data-arrow"));
});

test("a consumer blocked, then served: its blocked span says what it waits on and ends at the get", async () => {
  const { page, model } = await report("ok_slow_consumer.ipcviz.jsonl");
  const begins = model.blockIndices();
  const spans = await attrs(page, "g[data-blocked]", "data-begin");
  assert.deepEqual(spans.map(Number).sort((a, b) => a - b), Array.from(begins).sort((a, b) => a - b));
  const getWait = Array.from(begins).find((b) => (model.event(b) as Ev).op === "queue.get");
  assert.ok(getWait !== undefined);
  const label = await page.$eval(`[data-begin="${getWait}"] .blocked-label`, (e) => e.textContent ?? "");
  assert.match(label, /^waits: get from Queue /);
  const lane = await page.$eval(`[data-lane-header="${model.pid(getWait!)}"] .lh-status`, (e) => e.textContent ?? "");
  assert.ok(lane.length > 0);
  // Selecting the wait says who ended it (the producer's put).
  await page.evaluate((k) => (globalThis as unknown as { __ipcviz: { store: { select(i: number, c: boolean): void } } }).__ipcviz.store.select(k, true), getWait!);
  await settle(page);
  const by = Number(await page.$eval("[data-unblocked-by]", (e) => e.getAttribute("data-unblocked-by")));
  assert.equal(model.kind(by), "queue.put");
  assert.notEqual(model.pid(by), model.pid(getWait!));
  // While it waits (cursor inside the span), its lane header says on what.
  await page.evaluate((k) => (globalThis as unknown as { __ipcviz: { store: { setCursor(i: number): void } } }).__ipcviz.store.setCursor(k), getWait! + 1);
  await settle(page);
  assert.match(await page.$eval(`[data-lane-header="${model.pid(getWait!)}"] .lh-status`, (e) => e.textContent ?? ""), /^waits: get from Queue /);
});

test("locks: lock-holding spans per lock, waits on locks, a legend entry per lock", async () => {
  const { page, model } = await report("locks.ipcviz.jsonl");
  const held = new Set(await attrs(page, "[data-lock-hold]", "data-lock-hold"));
  const acquired = new Set<string>();
  for (let i = 0; i < model.length; i++) {
    const e = model.event(i) as Ev;
    if (e.kind === "lock.acquire" && e.ok && e.obj) acquired.add(e.obj);
  }
  assert.deepEqual([...held].sort(), [...acquired].sort(), "a span for every lock that was held");
  const legend = new Set(await attrs(page, "[data-legend-lock]", "data-legend-lock"));
  for (const id of acquired) assert.ok(legend.has(id), `legend shows ${id}`);
  const depth = (await attrs(page, "[data-lock-hold][data-depth]", "data-depth")).map(Number);
  assert.ok(Math.max(...depth) >= 2, "RLock depth is shown");
  const lockWaits = await attrs(page, "[data-blocked][data-op='lock.acquire']", "data-blocked");
  assert.ok(lockWaits.length > 0, "waiting for a lock is marked");
  // Clicking a lock in the legend finds its events.
  const first = [...acquired][0];
  await page.click(`[data-legend-lock="${first}"]`);
  await settle(page);
  assert.equal(await page.inputValue(".toolbar .search"), `obj:${first}`);
  assert.ok((await page.$$("circle.match")).length > 0);
  // Semaphore counts are in the legend.
  const legendText = await page.$eval("[data-panel=legend]", (e) => e.textContent ?? "");
  assert.match(legendText, /Semaphore \S+ \(value \d+ of \d+\)/);
});

test("keyboard: ←/→ step one event, Home/End, Shift+→ jumps to the next message, [ ] within a process", async () => {
  const { page, model } = await report("pipe_duplex.ipcviz.jsonl");
  const cursor = async () => Number((await rootData(page)).cursor);
  await page.focus("#ipcviz-root");
  const n = model.length;
  await page.keyboard.press("ArrowLeft");
  await settle(page);
  assert.equal(await cursor(), n - 2);
  await page.keyboard.press("Home");
  await settle(page);
  assert.equal(await cursor(), 0);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await settle(page);
  assert.equal(await cursor(), 2);
  await page.keyboard.press("Shift+ArrowRight");
  await settle(page);
  const nextMsg = step(model, 2, 1, { kind: "message" })!;
  assert.equal(await cursor(), nextMsg, "Shift+→ jumps by the default kind: message");
  assert.equal((await rootData(page)).selected, String(nextMsg));
  const pid = model.pid(nextMsg);
  await page.keyboard.press("]");
  await settle(page);
  assert.equal(await cursor(), step(model, nextMsg, 1, { kind: "process", pid })!);
  await page.keyboard.press("End");
  await settle(page);
  assert.equal(await cursor(), n - 1);
  // Everything after the cursor is dimmed: the dim rectangle starts at the cursor line.
  await page.keyboard.press("Home");
  await settle(page);
  const dimX = Number(await page.$eval("rect.dim", (e) => e.getAttribute("x")));
  const curX = Number(await page.$eval("line.cursor", (e) => e.getAttribute("x1")));
  assert.ok(Math.abs(dimX - curX - 1) < 1.5);
  // The key legend is there to be found.
  await page.keyboard.press("?");
  assert.match(await page.$eval("[data-panel=keys]", (e) => e.textContent ?? ""), /Shift\+← \/ →/);
});

test("inspector: the state at chosen cursors is the model's", async () => {
  const { page, model } = await report("queue_producer_consumer.ipcviz.jsonl");
  for (const i of [0, Math.floor(model.length / 3), Math.floor((2 * model.length) / 3), model.length - 1]) {
    await page.evaluate((k) => (globalThis as unknown as { __ipcviz: { store: { setCursor(i: number): void } } }).__ipcviz.store.setCursor(k), i);
    await settle(page);
    assert.equal((await rootData(page)).cursor, String(i));
    const shown = (await page.$$eval("[data-panel=inspector] li", (els) => els.map((e) => e.textContent ?? ""))).join("\n");
    const want = dumpState(model.stateAt(i))
      .split("\n")
      .filter((l) => l.startsWith("  "))
      .map((l) => l.trim());
    for (const line of want) assert.ok(shown.includes(line), `inspector at #${i} shows: ${line}`);
    const title = await page.$eval("[data-panel=inspector] .insp-title", (e) => e.textContent ?? "");
    assert.ok(title.startsWith(i >= 0 ? `state at #${i} ` : "state before"));
  }
  // Queue contents in flight at some cursor: find one where the queue holds an item.
  let k = -1;
  for (let i = 0; i < model.length && k < 0; i++) if (/: [1-9]\d* items? \[/.test(dumpState(model.stateAt(i)))) k = i;
  assert.ok(k >= 0);
  await page.evaluate((c) => (globalThis as unknown as { __ipcviz: { store: { setCursor(i: number): void } } }).__ipcviz.store.setCursor(c), k);
  await settle(page);
  assert.match(await page.$eval("[data-inspector-section=queues]", (e) => e.textContent ?? ""), /[1-9]\d* items? \[/);
  assert.ok((await page.$$("[data-arrow].in-flight")).length > 0, "the queued message is drawn in flight at that cursor");
});

test("s03 (recv on the sending end): the stall is highlighted in place with its explanation", async () => {
  const { page, model } = await report("s03_pipe_same_end_blocks.ipcviz.jsonl");
  const d = diagnose(model);
  assert.equal(d.deadlocks.length, 1);
  const dl = d.deadlocks[0];
  const root = await rootData(page);
  assert.equal(root.deadlocks, "1");
  assert.deepEqual(await attrs(page, "[data-deadlock]", "data-deadlock-kind"), [dl.kind]);
  assert.deepEqual(await attrs(page, "[data-deadlock] [data-deadlock-pid]", "data-deadlock-pid"), dl.waits.map((w) => String(w.pid)));
  const label = await page.$eval("[data-deadlock] .deadlock-label", (e) => e.textContent ?? "");
  assert.match(label, /STALL/);
  const blocked = await attrs(page, "[data-blocked]", "data-op");
  assert.ok(blocked.includes("pipe.recv"), "the recv() wait is a blocked span");
  const panel = await page.$eval("[data-panel=diagnosis]", (e) => e.textContent ?? "");
  assert.ok(panel.includes(dl.fix.slice(0, 40)), "the explanation and the fix are beside it");
  // "show" jumps to where it happens.
  await page.keyboard.press("Home");
  await page.click("[data-diagnosis-item='deadlock:0'] button");
  await settle(page);
  assert.equal((await rootData(page)).cursor, String(dl.at));
  // The host's "Show" (reveal diagnosis) puts the cursor there too.
  await page.keyboard.press("Home");
  await post(page, { type: "reveal", target: { kind: "diagnosis" } });
  assert.equal((await rootData(page)).cursor, String(dl.at));
  // d steps to the diagnosis from the start.
  await page.keyboard.press("Home");
  await page.keyboard.press("d");
  await settle(page);
  assert.equal((await rootData(page)).cursor, String(dl.at));
});

test("lock cycle: the cycle is drawn across the lanes", async () => {
  const { page, model } = await report("hang_lock_cycle_2.ipcviz.jsonl");
  const d = diagnose(model);
  assert.equal(d.deadlocks[0]?.kind, "cycle");
  assert.equal((await page.$$("[data-deadlock] .deadlock-edge")).length >= 2, true, "an edge per wait of the cycle");
  assert.match(await page.$eval("[data-deadlock] .deadlock-label", (e) => e.textContent ?? ""), /DEADLOCK: .+ → .+/);
});

test("details, Go to source, lane header selects the process, debugger pauses", async () => {
  const { page, model } = await report("queue_producer_consumer.ipcviz.jsonl");
  let put = -1;
  for (let i = 0; i < model.length && put < 0; i++) if (model.kind(i) === "queue.put") put = i;
  await page.evaluate((k) => (globalThis as unknown as { __ipcviz: { store: { select(i: number, c: boolean): void } } }).__ipcviz.store.select(k, true), put);
  await settle(page);
  const det = await page.$eval("[data-panel=details]", (e) => e.textContent ?? "");
  assert.match(det, new RegExp(`#${put} queue\\.put`));
  assert.match(det, /payload/);
  assert.match(det, /received by .+ at #\d+/);
  await page.click("[data-panel=details] [data-goto]");
  const site = (model.event(put) as Ev & { site: { file: string; line: number } }).site;
  assert.deepEqual((await sent(page)).filter((m) => m.type === "goToSource").pop(), { type: "goToSource", file: site.file, line: site.line });
  // Hover shows the event.
  const mark = await page.$(`[data-event="${put}"]`);
  await mark!.hover();
  assert.match(await page.$eval(".tooltip", (e) => e.textContent ?? ""), /queue\.put/);
  // Lane header → selectProcess.
  const pid = model.pids()[1];
  await page.click(`[data-lane-header="${pid}"] .lh-name`);
  assert.deepEqual((await sent(page)).filter((m) => m.type === "selectProcess").pop(), { type: "selectProcess", pid });
  // Paused in the debugger: distinct from blocked on IPC.
  await post(page, { type: "debugState", paused: [{ pid, file: "/x/prog.py", line: 12, reason: "breakpoint" }] });
  const status = await page.$eval(`[data-lane-header="${pid}"] .lh-status`, (e) => [e.textContent, e.getAttribute("data-status")]);
  assert.deepEqual(status, ["❚❚ paused at prog.py:12 (breakpoint)", "paused"]);
  assert.equal(await page.$eval(`[data-lane="${pid}"]`, (e) => e.classList.contains("paused")), true);
  await post(page, { type: "debugState", paused: [] });
  assert.notEqual(await page.$eval(`[data-lane-header="${pid}"] .lh-status`, (e) => e.getAttribute("data-status")), "paused");
});

test("live: ready handshake, snapshot, appends grow the lanes, the cursor follows until moved, finished", async () => {
  const t = readTrace(join(OWN, "twelve_processes.ipcviz.jsonl"));
  const page = suite.watch(await suite.vb.openEmpty());
  assert.deepEqual((await sent(page))[0], { type: "ready", protocol: PROTOCOL_VERSION });
  const ev = t.events;
  const cut = 40;
  await post(page, { type: "snapshot", protocol: PROTOCOL_VERSION, title: "twelve", header: t.header, events: ev.slice(0, cut), live: true, footer: null, options: {} });
  let d = await rootData(page);
  assert.equal(d.live, "true");
  const lanes0 = Number(d.lanes);
  const firstEvents = Number(d.events);
  assert.ok(firstEvents > 0 && firstEvents <= cut);
  assert.equal(d.cursor, String(firstEvents - 1), "the cursor is on the newest event");
  let at = cut;
  for (; at < 250; at += 30) await post(page, { type: "append", events: ev.slice(at, at + 30) });
  d = await rootData(page);
  assert.ok(Number(d.lanes) > lanes0, "new processes get lanes");
  assert.equal(d.cursor, String(Number(d.events) - 1), "the cursor follows the newest event");
  // The user moves the cursor: it stays, and what they look at does not move.
  await page.focus("#ipcviz-root");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("+");
  await settle(page);
  const held = (await rootData(page)).cursor;
  const domain = await page.evaluate("JSON.stringify(window.__ipcviz.store.domain)");
  const laneY = await attrs(page, "[data-lane-header]", "data-lane-header");
  for (; at < ev.length; at += 50) await post(page, { type: "append", events: ev.slice(at, at + 50) });
  d = await rootData(page);
  assert.equal(d.cursor, held, "the cursor stays where the user put it");
  assert.equal(await page.evaluate("JSON.stringify(window.__ipcviz.store.domain)"), domain, "the zoomed view does not jump");
  assert.deepEqual((await attrs(page, "[data-lane-header]", "data-lane-header")).slice(0, laneY.length), laneY, "lanes keep their order");
  await post(page, { type: "finished", footer: t.footer, reason: "exited with 0" });
  d = await rootData(page);
  assert.equal(d.live, "false");
  assert.equal(d.events, String(ev.length));
  assert.equal(d.lanes, "12");
  assert.match(await page.$eval(".toolbar .status", (e) => e.textContent ?? ""), /exited with 0/);
  // End follows again.
  await page.keyboard.press("End");
  await settle(page);
  assert.equal((await rootData(page)).cursor, String(ev.length - 1));
  // reveal an event: cursor and selection there.
  await post(page, { type: "reveal", target: { kind: "event", index: 17 } });
  d = await rootData(page);
  assert.equal(d.cursor, "17");
  assert.equal(d.selected, "17");
  // exportRequest → exportReply.
  await post(page, { type: "exportRequest", id: 7, format: "svg" });
  await page.waitForFunction("window.__ipcviz.host.sent.some((m) => m.type === 'exportReply')");
  const reply = (await sent(page)).find((m) => m.type === "exportReply")!;
  assert.equal(reply.id, 7);
  assert.match(String(reply.data), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // The exported picture is the whole view: every lane's name, the axis, the arrows.
  const svgText = String(reply.data);
  const model = TraceModel.fromEvents(t.events, t.header);
  for (const pid of model.pids()) assert.ok(svgText.includes(`>${model.processName(pid)}<`), `lane name of ${pid} in the SVG`);
  assert.match(svgText, /pid \d+ · /);
  assert.match(svgText, /data-lane="\d+"/);
  await post(page, { type: "exportRequest", id: 8, format: "png" });
  await page.waitForFunction("window.__ipcviz.host.sent.some((m) => m.type === 'exportReply' && m.id === 8)");
  const png = (await sent(page)).find((m) => m.type === "exportReply" && m.id === 8)!;
  const bytes = Buffer.from(String(png.data).split(",")[1], "base64");
  assert.equal(bytes.subarray(1, 4).toString("latin1"), "PNG");
  assert.ok(bytes.readUInt32BE(16) >= 400, "PNG at least as wide as the plot plus the lane names");
});

test("search, lane collapse/hide/reorder, logical layout", async () => {
  const { page, model } = await report("twelve_processes.ipcviz.jsonl", OWN);
  await page.fill(".toolbar .search", "proc:Worker-3 kind:queue.get");
  await page.press(".toolbar .search", "Enter");
  await settle(page);
  const c = Number((await rootData(page)).cursor);
  assert.equal(model.kind(c), "queue.get");
  assert.equal(model.processName(model.pid(c)), "Worker-3");
  assert.ok((await page.$$("circle.match")).length > 0);
  await page.check(".only-matching input");
  await settle(page);
  assert.equal((await rootData(page)).lanes, "1");
  await page.click(".show-hidden");
  await settle(page);
  assert.equal((await rootData(page)).lanes, "12");
  const pids = await attrs(page, "[data-lane-header]", "data-lane-header");
  await page.hover(`[data-lane-header="${pids[2]}"]`);
  await page.click(`[data-lane-header="${pids[2]}"] .lh-up`);
  await settle(page);
  const moved = await attrs(page, "[data-lane-header]", "data-lane-header");
  assert.deepEqual(moved.slice(0, 3), [pids[0], pids[2], pids[1]]);
  await page.click(`[data-lane-header="${pids[3]}"] .lh-collapse`);
  await settle(page);
  assert.equal(await page.$eval(`[data-lane="${pids[3]}"]`, (e) => e.classList.contains("collapsed")), true);
  await page.hover(`[data-lane-header="${pids[4]}"]`);
  await page.click(`[data-lane-header="${pids[4]}"] .lh-hide`);
  await settle(page);
  assert.equal((await rootData(page)).lanes, "11");
  await page.selectOption(".layout-select", "logical");
  await settle(page);
  assert.equal((await rootData(page)).layout, "logical");
  // In event order every arrow's head is right of its tail by at least one event column.
  assert.ok((await page.$$("[data-arrow]")).length > 0);
});

test("UI state (cursor, layout, collapsed lanes) survives a reload", async () => {
  const { page, model } = await report("pipe_duplex.ipcviz.jsonl");
  await page.focus("#ipcviz-root");
  await page.keyboard.press("Home");
  for (let k = 0; k < 3; k++) await page.keyboard.press("ArrowRight");
  await page.keyboard.press("t");
  const pid = model.pids()[1];
  await page.click(`[data-lane-header="${pid}"] .lh-collapse`);
  await page.waitForTimeout(450); // saved at most every 300 ms
  await page.reload();
  await page.waitForSelector("#ipcviz-root[data-cursor]");
  await settle(page);
  const d = await rootData(page);
  assert.equal(d.cursor, "3");
  assert.equal(d.layout, "logical");
  assert.equal(await page.$eval(`[data-lane="${pid}"]`, (e) => e.classList.contains("collapsed")), true);
});

test("beyond 5,000 events in view the plot is a canvas that still reports its counts", async () => {
  const events = synthetic(12000);
  const page = suite.watch(await suite.vb.openEvents(events));
  const d = await rootData(page);
  assert.equal(d.render, "canvas");
  assert.equal(d.events, String(events.length));
  assert.equal(d.lanes, "4");
  assert.ok(Number(d.arrows) > 1000);
  assert.equal((await page.$$("[data-arrow]")).length, 0, "arrows are on the canvas");
  assert.equal((await page.$$("[data-lane]")).length, 4);
  // Zoom in far enough and it is SVG again, with the hooks.
  for (let k = 0; k < 6; k++) await page.keyboard.press("+");
  await settle(page);
  const z = await rootData(page);
  assert.equal(z.render, "svg");
  assert.equal(String((await page.$$("[data-arrow]")).length), z.arrows);
});


test("zoom and pan with the pointer: the wheel zooms about the pointer, a drag pans, the view never leaves the run, the overview moves it", async () => {
  const { page } = await report("queue_producer_consumer.ipcviz.jsonl");
  await settle(page);
  type D = { x0: number; x1: number };
  const shown = async (): Promise<D> => (await page.evaluate("JSON.stringify(window.__ipcviz.app.plot.shown)").then((s) => JSON.parse(s as string))) as D;
  const run = (await page.evaluate("(() => { const d = window.__ipcviz.store.data; return { x0: d.minX, x1: d.maxX }; })()")) as D;
  const box = (await page.$eval(".plot-svg", (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width };
  })) as { x: number; y: number; w: number };
  const at = (d: D, px: number) => d.x0 + (px / box.w) * (d.x1 - d.x0);
  const y = box.y + 6;
  // Wheel up over a quarter of the width: zoomed in, the point under the pointer stays.
  let d0 = await shown();
  await page.mouse.move(box.x + box.w * 0.25, y);
  await page.mouse.wheel(0, -300);
  await settle(page);
  let d1 = await shown();
  assert.ok(d1.x1 - d1.x0 < (d0.x1 - d0.x0) * 0.8, `zoomed in: ${JSON.stringify(d0)} → ${JSON.stringify(d1)}`);
  const px = (d: D) => (d.x1 - d.x0) / box.w; // trace units per pixel
  assert.ok(Math.abs(at(d1, box.w * 0.25) - at(d0, box.w * 0.25)) < px(d0) / 2, `the point under the pointer stays: ${JSON.stringify(d0)} → ${JSON.stringify(d1)} over ${JSON.stringify(box)}`);
  // A drag of 100 px to the right shows what was 100 px further left.
  d0 = d1;
  await page.mouse.move(box.x + box.w / 2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.w / 2 + 50, y, { steps: 2 });
  await page.mouse.move(box.x + box.w / 2 + 100, y, { steps: 2 });
  await page.mouse.up();
  await settle(page);
  d1 = await shown();
  const span = d0.x1 - d0.x0;
  assert.ok(Math.abs(d1.x1 - d1.x0 - span) < span * 1e-9, "a drag keeps the zoom");
  assert.ok(Math.abs(d0.x0 - d1.x0 - (100 / box.w) * span) < span * 1e-3, `panned by 100 px: ${JSON.stringify(d0)} → ${JSON.stringify(d1)}`);
  // Dragging far beyond either end: part of the run stays in view.
  for (const dx of [3000, -6000]) {
    await page.mouse.move(box.x + box.w / 2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.w / 2 + dx, y, { steps: 4 });
    await page.mouse.up();
    await settle(page);
    d1 = await shown();
    assert.ok(d1.x0 < run.x1 && d1.x1 > run.x0, `the run stays in view: ${JSON.stringify(d1)} over ${JSON.stringify(run)}`);
  }
  // Wheeling far out: never wider than four times the run.
  for (let k = 0; k < 12; k++) await page.mouse.wheel(0, 600);
  await settle(page);
  d1 = await shown();
  assert.ok(d1.x1 - d1.x0 <= (run.x1 - run.x0) * 4 * 1.1 && d1.x0 < run.x1 && d1.x1 > run.x0, `zoomed out within limits: ${JSON.stringify(d1)}`);
  // Zoom in with a key, then move the view from the overview: the wheel zooms from there.
  await page.keyboard.press("0");
  for (let k = 0; k < 3; k++) await page.keyboard.press("+");
  await settle(page);
  const ov = (await page.$eval(".overview-canvas", (e) => {
    const r = e.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  })) as { x: number; y: number; w: number; h: number };
  d0 = await shown();
  await page.mouse.click(ov.x + ov.w * 0.1, ov.y + ov.h / 2);
  const clicked = run.x0 + 0.1 * (run.x1 - run.x0); // about there (the overview has a small margin)
  await settle(page);
  d1 = await shown();
  assert.ok(Math.abs(d1.x1 - d1.x0 - (d0.x1 - d0.x0)) < (d0.x1 - d0.x0) * 1e-9, "the overview moves the view, keeping the zoom");
  assert.ok(Math.abs((d1.x0 + d1.x1) / 2 - clicked) < Math.abs((d0.x0 + d0.x1) / 2 - clicked), `towards the point clicked: ${JSON.stringify(d0)} → ${JSON.stringify(d1)}`);
  await page.mouse.move(box.x + box.w * 0.5, y);
  await page.mouse.wheel(0, -300);
  await settle(page);
  const d2 = await shown();
  assert.ok(Math.abs(at(d2, box.w * 0.5) - at(d1, box.w * 0.5)) < px(d1) / 2 && d2.x1 - d2.x0 < d1.x1 - d1.x0, "the wheel zooms from where the overview put the view");
});

test("stacks panel: a child that never finished starting is shown as not connected, with the line that started it", async () => {
  // examples/hang_child_start_lock.py under fork, recorded until ipcviz stopped it: the child
  // waited for main's lock in an at-fork hook and never connected.
  const { page, model } = await report("child_start_lock_hang.ipcviz.jsonl", OWN);
  const spawn = model.events().find((e) => e.kind === "process.spawn") as Ev & { child: number; site: { file: string; line: number } };
  // It recorded nothing, so it has no lane: the label is on the lane of the process that started it.
  const label = await page
    .$eval(`text.no-progress-label[data-no-progress-pid="${spawn.child}"]`, (e) => `${e.getAttribute("data-on-lane")} ${e.textContent}`)
    .catch((e: Error) => `none (${e.message.split("\n")[0]})`);
  assert.equal(label.replace(/:\d+\)$/, ":N)"), `${spawn.pid} NO PROGRESS: Process-1 never finished starting (started at hang_child_start_lock.py:N)`, "the label, on main's lane");
  // The diagnosis panel, where a person looks first, says so too, and its button opens the stacks.
  const diag = await page.$eval("[data-diagnosis-item='no-progress:0']", (e) => e.textContent ?? "");
  assert.match(diag, /^No progressshow stacksProcess-1 \(pid \d+, started by MainProcess at hang_child_start_lock\.py:\d+\) cannot answer \(not connected\)/);
  assert.equal(await page.$eval(".badge", (e) => `${e.textContent} ${e.classList.contains("error")}`), "1 true", "the diagnosis count");
  assert.equal(await page.$eval("[data-panel=stacks]", (e) => e.closest("details")?.open ?? null), false, "the stacks panel starts closed");
  await page.click("[data-diagnosis-item='no-progress:0'] button");
  await settle(page);
  assert.equal(await page.$eval("[data-panel=stacks]", (e) => e.closest("details")?.open ?? null), true, "show stacks opens the stacks panel");
  await page.click(".show-stacks");
  await settle(page);
  const box = await page.$eval("[data-panel=stacks] [data-no-progress]", (e) => e.textContent ?? "");
  assert.match(box, new RegExp(`Process-1 \\(pid ${spawn.child}, started by MainProcess at hang_child_start_lock\\.py:${spawn.site.line}\\) cannot answer \\(not connected\\)`));
  const sec = await page.$eval(`[data-panel=stacks] [data-stacks-starting][data-stacks-pid="${spawn.child}"]`, (e) => e.textContent ?? "");
  assert.match(sec, /Process-1 \(pid \d+, starting\)still starting, cannot answer \(not connected\); started by MainProcess at hang_child_start_lock\.py:\d+; \d+ ms of CPU in \d+\.\d s/);
  await page.click(`[data-stacks-starting][data-stacks-pid="${spawn.child}"] .frame-link`);
  assert.deepEqual((await sent(page)).filter((m) => m.type === "goToSource").pop(), { type: "goToSource", file: spawn.site.file, line: spawn.site.line });
});
