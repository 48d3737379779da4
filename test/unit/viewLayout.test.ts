// The view's pure layout layer (webview/layout): scales and zoom, lanes, interval culling,
// arrow geometry, ViewData (spans and arrows from a model, incremental = whole), the scene
// (SVG/canvas threshold, per-pixel sampling), search, labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readTraceFileSync } from "../../trace/readFile";
import { TraceModel } from "../../trace/model/model";
import type { TraceEvent } from "../../trace/format";
import { domainOf, fitDomain, formatX, toTrace, toView, transformFor, type Domain } from "../../webview/layout/scale";
import { PlotZoom } from "../../webview/views/plot/zoom";
import { laneAtY, layoutLanes, moveLane, orderLanes } from "../../webview/layout/lanes";
import { IntervalIndex, lowerBound, upperBound } from "../../webview/layout/intervals";
import { arrowGeometry, arrowPath, bowFor } from "../../webview/layout/arrows";
import { ViewData } from "../../webview/layout/viewData";
import { buildScene, sampleByPixel, SVG_EVENT_LIMIT } from "../../webview/layout/scene";
import { matchEvent, parseQuery } from "../../webview/layout/search";
import { blockLabel, exitLabel } from "../../webview/layout/labels";
import { arrowClassOf, LockColours } from "../../webview/layout/palette";

const REAL = join(__dirname, "..", "..", "..", "test", "fixtures", "traces", "real");

function load(name: string): { events: TraceEvent[]; model: TraceModel } {
  const t = readTraceFileSync(join(REAL, name));
  return { events: t.events, model: TraceModel.fromEvents(t.events, t.header) };
}

test("scale: view ↔ trace space; the plot's d3-zoom keeps the anchor, pans, clamps; d3 transform round trip", () => {
  const d = { x0: 100, x1: 300 };
  assert.equal(toView(d, 1000, 200), 500);
  assert.equal(toTrace(d, 1000, 500), 200);
  // The plot's zoom behaviour, on a detached target (d3-zoom keeps its state on any object).
  let shown: Domain = d;
  const zoom = new PlotZoom({} as ConstructorParameters<typeof PlotZoom>[0], (nd) => (shown = nd));
  zoom.sync(d, shown, 1000, 100, "logical");
  zoom.zoomBy(4, 250);
  const z = shown;
  assert.ok(Math.abs(toTrace(z, 1000, 250) - toTrace(d, 1000, 250)) < 1e-9, "the point under the mouse stays");
  assert.ok(Math.abs(z.x1 - z.x0 - 50) < 1e-9);
  shown = { x0: 0, x1: 10 };
  zoom.sync(shown, shown, 100, 100, "logical");
  zoom.zoomBy(100, 0);
  assert.ok(Math.abs(shown.x0) < 1e-9 && Math.abs(shown.x1 - 4) < 1e-9, "never narrower than MIN_SPAN");
  shown = d;
  zoom.sync(d, shown, 1000, 100, "logical");
  zoom.panBy(100);
  assert.ok(Math.abs(shown.x0 - 80) < 1e-9 && Math.abs(shown.x1 - 280) < 1e-9);
  zoom.panBy(-100_000);
  assert.ok(shown.x0 <= d.x1 && shown.x1 > d.x0, "cannot pan away from the run");
  zoom.panBy(1e9);
  assert.ok(shown.x0 <= d.x1 && shown.x1 > d.x0, "nor the other way");
  zoom.zoomBy(1e-6, 500);
  assert.ok(Math.abs(shown.x1 - shown.x0 - 4 * (d.x1 - d.x0)) < 1e-6, "never wider than four times the run");
  const base = fitDomain(0, 1000, "time");
  const view = { x0: 200, x1: 400 };
  const t = transformFor(base, view, 800);
  const back = domainOf(base, t, 800);
  assert.ok(Math.abs(back.x0 - 200) < 1e-6 && Math.abs(back.x1 - 400) < 1e-6);
  assert.equal(formatX("logical", 12.4), "#12");
  assert.equal(formatX("time", 12_345_678, 1e9), "12.3 ms");
});

test("lanes: appearance and tree order, manual order kept, move, fit to height, hit test", () => {
  const procs = [
    { pid: 1, ppid: null },
    { pid: 2, ppid: 1 },
    { pid: 3, ppid: 1 },
    { pid: 4, ppid: 2 },
  ];
  assert.deepEqual(orderLanes(procs, "appearance"), [1, 2, 3, 4]);
  assert.deepEqual(orderLanes(procs, "tree"), [1, 2, 4, 3]);
  assert.deepEqual(orderLanes(procs, "appearance", [3, 1]), [3, 1, 2, 4], "manual order first, new lanes after");
  assert.deepEqual(moveLane([1, 2, 3], 3, -1), [1, 3, 2]);
  assert.deepEqual(moveLane([1, 2, 3], 1, -1), [1, 2, 3]);
  const { boxes, height } = layoutLanes([1, 2, 3, 4], new Set([2]), new Set([3]), 200, { maxHeight: 40, minHeight: 20, collapsedHeight: 10, gap: 4, top: 0 });
  assert.deepEqual(
    boxes.map((b) => [b.pid, b.h, b.collapsed]),
    [
      [1, 40, false],
      [2, 10, true],
      [4, 40, false],
    ],
  );
  assert.equal(height, 40 + 4 + 10 + 4 + 40 + 4);
  assert.equal(laneAtY(boxes, 45)?.pid, 2);
  assert.equal(laneAtY(boxes, 70)?.pid, 4);
  assert.equal(laneAtY(boxes, 500), null);
  const tight = layoutLanes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], new Set(), new Set(), 300, { minHeight: 24 });
  assert.ok(tight.boxes.every((b) => b.h === 24) && tight.height > 300, "12 lanes never thinner than the minimum: the plot scrolls");
});

test("interval index: every interval meeting a range is a candidate; open intervals; lazy end repair", () => {
  const ix = new IntervalIndex();
  const iv: Array<[number, number]> = [];
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let t = 0;
  for (let k = 0; k < 2000; k++) {
    t += rnd() * 10;
    const a = t + (rnd() - 0.5) * 5; // nearly sorted starts
    const b = rnd() < 0.05 ? Infinity : a + rnd() * 200;
    iv.push([a, b]);
    ix.push(a, b);
  }
  // Close some open ones.
  iv.forEach(([a, b], k) => {
    if (b === Infinity && k % 2 === 0) {
      iv[k][1] = a + 50;
      ix.setEnd(k, a + 50);
    }
  });
  for (const [v0, v1] of [
    [0, 100],
    [3000, 3500],
    [9000, 20000],
    [-50, -10],
  ]) {
    const want = iv.map(([a, b], k) => (a <= v1 && b >= v0 ? k : -1)).filter((k) => k >= 0);
    assert.deepEqual(ix.query(v0, v1), want, `query [${v0}, ${v1}]`);
  }
  const a = Float64Array.from([1, 2, 2, 2, 5]);
  assert.equal(lowerBound(a, 5, 2), 1);
  assert.equal(upperBound(a, 5, 2), 4);
});

test("arrows: never backwards in time, same-lane loops above, bows differ", () => {
  const g = arrowGeometry(100, 10, 50, 80, 0);
  assert.equal(g.x2, 100, "a receipt drawn left of its send is moved to the send's x");
  const loop = arrowGeometry(10, 50, 60, 50, 0);
  assert.ok(loop.cy < 50, "same-lane arrow bends above the lane");
  assert.match(arrowPath(loop), /^M10,50Q/);
  const bows = new Set([0, 1, 2, 3, 4, 5, 6].map((k) => bowFor(k)));
  assert.ok(bows.size >= 3, "neighbouring messages get different bows");
});

test("ViewData: arrows pair every message, spans for waits and lock holds, RLock depth", () => {
  const { model } = load("locks.ipcviz.jsonl");
  const vd = new ViewData(model, "logical");
  let acquires = 0;
  let begins = 0;
  for (let i = 0; i < model.length; i++) {
    const e = model.event(i) as TraceEvent & { ok?: boolean };
    if (e.kind === "lock.acquire" && e.ok) acquires++;
    if (e.kind === "block.begin") begins++;
  }
  assert.equal(vd.blocks.length, begins, "one blocked span per block.begin");
  assert.ok(vd.holds.length > 0 && vd.holds.length <= acquires);
  for (let k = 0; k < vd.blocks.length; k++) assert.ok(vd.blocks.b.data[k] >= vd.blocks.a.data[k]);
  for (let k = 0; k < vd.holds.length; k++) {
    const rel = vd.holdRelease.data[k];
    if (rel >= 0) assert.equal(model.pid(rel), model.pid(vd.holdAcquire.data[k]), "held and released on the same lane here");
  }
  const rl = vd.locks.ids.find((id) => model.head.object(id)?.objType === "RLock");
  assert.ok(rl, "an RLock in locks.py");
  const slot = vd.locks.slot(rl!);
  const depths = [];
  for (let k = 0; k < vd.holds.length; k++) if (vd.holdLock.data[k] === slot) depths.push(vd.holdDepth.data[k]);
  assert.ok(Math.max(...depths) >= 2, "nested RLock shows its depth");

  const q = load("queue_producer_consumer.ipcviz.jsonl").model;
  const qd = new ViewData(q, "time");
  let puts = 0;
  for (let i = 0; i < q.length; i++) if (q.kind(i) === "queue.put") puts++;
  assert.ok(qd.arrows.length >= puts);
  for (let k = 0; k < qd.arrows.length; k++) {
    assert.ok(qd.arrows.b.data[k] >= qd.arrows.a.data[k], "no arrow goes backwards");
    const r = qd.arrowRecv.data[k];
    if (r >= 0) assert.equal(q.partner(r), qd.arrowSend.data[k]);
  }
});

test("ViewData: built incrementally from a live model equals built at once", () => {
  const { events, model } = load("queue_producer_consumer.ipcviz.jsonl");
  const live = new TraceModel(null);
  const vd = new ViewData(live, "time");
  for (let k = 0; k < events.length; k += 7) {
    live.append(events.slice(k, k + 7));
    vd.update();
  }
  live.finish();
  vd.update();
  const whole = new ViewData(model, "time");
  assert.equal(vd.processed, whole.processed);
  assert.equal(vd.arrows.length, whole.arrows.length);
  assert.equal(vd.blocks.length, whole.blocks.length);
  assert.equal(vd.holds.length, whole.holds.length);
  // Causal indices depend on how events were batched; the messages and their pairing do not.
  const pairs = (v: ViewData) => {
    const out: string[] = [];
    for (let k = 0; k < v.arrows.length; k++) {
      const s = v.model.event(v.arrowSend.data[k]) as TraceEvent & { msg?: string };
      const r = v.arrowRecv.data[k];
      out.push(`${s.msg}->${r >= 0 ? (v.model.event(r) as TraceEvent & { msg?: string }).msg : "none"}`);
    }
    return out.sort();
  };
  assert.deepEqual(pairs(vd), pairs(whole));
  vd.setMode("logical");
  assert.equal(vd.xOf(10), 10, "logical layout: x is the causal index");
});

test("scene: SVG below the limit with everything in view; sampling per pixel on big views", () => {
  const { model } = load("queue_producer_consumer.ipcviz.jsonl");
  const vd = new ViewData(model, "time");
  const boxes = layoutLanes(model.pids(), new Set(), new Set(), 600).boxes;
  const sc = buildScene({ data: vd, domain: fitDomain(vd.minX, vd.maxX, "time"), width: 1000, boxes, cursor: model.length - 1, ended: () => true });
  assert.equal(sc.dense, model.length >= SVG_EVENT_LIMIT);
  assert.equal(sc.counts.events, model.length);
  assert.equal(sc.marks.length, model.length);
  assert.equal(sc.arrows.length, sc.counts.arrows);
  assert.equal(sc.lanes.length, model.pids().length);
  // Cursor at the start: every arrow is in the future, none in flight.
  const s0 = buildScene({ data: vd, domain: fitDomain(vd.minX, vd.maxX, "time"), width: 1000, boxes, cursor: 0, ended: () => true });
  assert.ok(s0.arrows.every((a) => a.future));
  // A put whose get comes later is in flight at a cursor between them.
  const k = vd.arrowRecv.data.findIndex((r, slot) => slot < vd.arrowRecv.length && r > vd.arrowSend.data[slot] + 1);
  const mid = vd.arrowSend.data[k];
  const s1 = buildScene({ data: vd, domain: fitDomain(vd.minX, vd.maxX, "time"), width: 1000, boxes, cursor: mid, ended: () => true });
  assert.ok(s1.arrows.find((a) => a.slot === k)?.inFlight);
  const xs = Float64Array.from({ length: 100000 }, (_, i) => i);
  const sampled = sampleByPixel(xs, 0, xs.length, { x0: 0, x1: 100000 }, 500);
  assert.ok(sampled.length <= 501 && sampled.length >= 499, "one event per pixel column");
});

test("search: fields and free text; labels", () => {
  const ev = { pid: 12, tid: 12, seq: 1, t: 5, kind: "queue.put", obj: "q1", msg: "12.1", preview: "'hello'" } as TraceEvent;
  assert.ok(matchEvent(parseQuery("hello"), ev, "Producer"));
  assert.ok(matchEvent(parseQuery("kind:queue pid:12"), ev, "Producer"));
  assert.ok(matchEvent(parseQuery("proc:prod obj:q1"), ev, "Producer"));
  assert.ok(!matchEvent(parseQuery("kind:pipe"), ev, "Producer"));
  assert.ok(!matchEvent(parseQuery(""), ev, "Producer"));
  const { model } = load("s03_pipe_same_end_blocks.ipcviz.jsonl");
  const b = model.blockIndices()[0];
  assert.match(blockLabel(model.head, model.event(b)), /^recv on Pipe end /);
  assert.match(exitLabel(model.head.processes.get(model.pid(0))) ?? "", /SIGTERM|exit/);
  assert.equal(arrowClassOf("pool.task.send"), "pool-task");
  const lc = new LockColours();
  assert.equal(lc.slot("a"), 0);
  assert.equal(lc.slot("b"), 1);
  assert.equal(lc.slot("a"), 0);
});
