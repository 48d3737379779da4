// The program's names in the view (headless Chromium, the standalone report of real recordings of
// examples/hang_dining_philosophers.py and examples/naming_forms.py): lane titles, hold bars,
// blocked labels, the details of an event, the inspector, the legend's channels, arrow colours per
// channel, search by name (`obj:left`), and the deadlock overlay with its bystander apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { attrs, OWN, settle, viewSuite } from "./viewPage";
import type { TraceEvent } from "../../trace/format";

const suite = viewSuite();
const report = (name: string) => suite.report(join(OWN, name));

type Ev = TraceEvent & { obj?: string; op?: string; name?: string; names?: Record<string, string> };

const text = (page: Page, sel: string) => page.$eval(sel, (e) => e.textContent ?? "");
const cursorTo = async (page: Page, i: number) => {
  await page.evaluate((k) => (globalThis as unknown as { __ipcviz: { store: { setCursor(i: number): void } } }).__ipcviz.store.setCursor(k), i);
  await settle(page);
};

test("dining philosophers: lanes, hold bars, waits, details and inspector say left/right and forks[i]", async () => {
  const { page, model, events } = await report("names_dining.ipcviz.jsonl");
  const phil0 = events.find((e) => e.kind === "process.start" && (e as Ev).name === "phil-0")!;
  const pid = phil0.pid;
  assert.equal(await text(page, `[data-lane-header="${pid}"] .lh-name`), "phil-0");
  // Its hold bar is labelled with its own name for the fork.
  const holdLabels = await page.$$eval(`[data-lane="${pid}"] text.hold-label, [data-lock-hold] text.hold-label`, (els) => els.map((e) => e.textContent ?? ""));
  assert.ok(holdLabels.some((t) => t.startsWith("left")), `hold labels: ${holdLabels.join(", ")}`);
  // Its wait says what it waits for, as it knows it and as the program made it.
  const waits = await page.$$eval("g[data-blocked] .blocked-label", (els) => els.map((e) => e.textContent ?? ""));
  assert.ok(waits.some((t) => /^waits: acquire ManagerLock right \(forks\[\d\]\)/.test(t)), `wait labels: ${waits.join(" | ")}`);
  assert.ok(!waits.some((t) => t.includes("Mlistener")), "no Manager ids in the labels");
  // Selecting phil-0's blocking acquire: the details name the object as phil-0 knows it.
  // Its last wait: for the right fork, forever.
  let k = -1;
  events.forEach((e, i) => {
    if (e.pid === pid && e.kind === "block.begin" && (e as Ev).op === "lock.acquire") k = i;
  });
  let idx = -1;
  for (let i = 0; i < model.length; i++) if (model.event(i) === events[k]) idx = i;
  assert.ok(idx >= 0);
  await page.evaluate((i) => (globalThis as unknown as { __ipcviz: { store: { select(i: number, c: boolean): void } } }).__ipcviz.store.select(i, true), idx);
  await settle(page);
  const details = await text(page, "[data-panel=details]");
  assert.match(details, /ManagerLock right \(forks\[1\]\)/);
  // The inspector at the end names the forks.
  await cursorTo(page, model.length - 1);
  const insp = await text(page, "[data-panel=inspector]");
  for (const n of ["forks[0]", "forks[1]", "forks[2]"]) assert.ok(insp.includes(n), `inspector names ${n}`);
  // The overlay: the cycle's members outlined, main (joining) apart.
  const also = await attrs(page, "[data-deadlock] .deadlock-wait.also-blocked", "data-deadlock-pid");
  const main = events.find((e) => e.kind === "process.start" && (e as Ev).name === "MainProcess")!.pid;
  assert.deepEqual(also, [String(main)]);
  assert.match(await text(page, "[data-deadlock] .deadlock-label"), /DEADLOCK: phil-\d → phil-\d → phil-\d → phil-\d · also blocked: MainProcess/);
  // Search by a child's own name finds its events on that object.
  await page.fill(".toolbar .search", "obj:left");
  await page.keyboard.press("Enter");
  await settle(page);
  assert.ok((await page.$$("circle.match")).length > 0, "obj:left finds events");
});

test("naming forms: default-named lanes get their target, each channel its own colour and legend name", async () => {
  const { page, events } = await report("names_forms.ipcviz.jsonl");
  const cons = events.find((e) => e.kind === "process.start" && (e as Ev).name === "Process-2")!.pid;
  assert.equal(await text(page, `[data-lane-header="${cons}"] .lh-name`), "Process-2 · consumer");
  const legend = await page.$$eval("[data-legend-channel]", (els) => els.map((e) => e.textContent ?? ""));
  assert.ok(legend.includes("Queue q"), legend.join(" | "));
  assert.ok(legend.includes("Pipe a ⇄ b"), legend.join(" | "));
  assert.ok(legend.includes("Queue table['results']"), legend.join(" | "));
  // Arrows of different channels differ in colour; all of one channel share it.
  const colours = await page.$$eval("[data-arrow] path.arrow-line", (els) => els.map((e) => (e as unknown as { style: { stroke: string } }).style.stroke));
  assert.ok(new Set(colours).size >= 3, `arrow colours: ${[...new Set(colours)].join(", ")}`);
});

test("Listener/Client both in recv(): lanes, inspector and overlay say conn and client", async () => {
  const { page, events } = await report("names_listener_hang.ipcviz.jsonl");
  const server = events.find((e) => e.kind === "process.start" && (e as Ev).name === "server")!.pid;
  const main = events.find((e) => e.kind === "process.start" && (e as Ev).name === "MainProcess")!.pid;
  const waits = await page.$$eval("g[data-blocked] .blocked-label", (els) => els.map((e) => `${e.closest("[data-lane]")?.getAttribute("data-lane") ?? "?"}:${e.textContent ?? ""}`));
  const all = waits.join(" | ");
  assert.ok(waits.some((t) => /waits: recv on Pipe end client$/.test(t)), `wait labels: ${all}`);
  assert.ok(waits.some((t) => /waits: recv on Pipe end conn$/.test(t)), `wait labels: ${all}`);
  assert.ok(!/L[\w.-]+\/\d+\.\d+[sc]/.test(all), "no connection ids in the labels");
  // No message was sent (no arrow, no legend entry): the inspector names the connection by its ends.
  const insp = await text(page, "[data-panel=inspector]");
  assert.ok(insp.includes("Pipe conn ⇄ client ("), `inspector: ${insp}`);
  const label = await text(page, "[data-deadlock] .deadlock-label");
  assert.ok(label.includes("server") && label.includes("MainProcess"), `overlay label: ${label}`);
  assert.ok(server !== main);
});

test("executors, shared memory, Listener/Client and a remote Manager: arrows, details and inspector by name", async () => {
  const { page, model, events } = await report("names_families.ipcviz.jsonl");
  const legend = await page.$$eval("[data-legend-channel]", (els) => els.map((e) => e.textContent ?? ""));
  for (const want of ["Pool ex", "Pool workers", "Pipe conn ⇄ client"]) assert.ok(legend.includes(want), `legend has ${want}: ${legend.join(" | ")}`);
  // The Client's request arrow: selecting its send, the details name main's end as main knows it.
  const send = events.findIndex((e) => e.kind === "pipe.send" && e.pid === events[0].pid);
  let idx = -1;
  for (let i = 0; i < model.length; i++) if (model.event(i) === events[send]) idx = i;
  assert.ok(idx >= 0, "main's send to the server");
  const arrow = await page.$(`[data-arrow][data-send="${idx}"]`);
  assert.ok(arrow, "the Client's request is drawn as an arrow");
  await page.evaluate((i) => (globalThis as unknown as { __ipcviz: { store: { select(i: number, c: boolean): void } } }).__ipcviz.store.select(i, true), idx);
  await settle(page);
  assert.match(await text(page, "[data-panel=details]"), /\bclient\b/);
  // The attaching child's lane speaks its own name for main's block: block (shm).
  const attach = events.find((e) => e.kind === "proxy.op" && (e as Ev).names !== undefined && (e as { method?: string }).method === "attach")!;
  let ai = -1;
  for (let i = 0; i < model.length; i++) if (model.event(i) === attach) ai = i;
  await page.evaluate((i) => (globalThis as unknown as { __ipcviz: { store: { select(i: number, c: boolean): void } } }).__ipcviz.store.select(i, true), ai);
  await settle(page);
  assert.match(await text(page, "[data-panel=details]"), /block \(shm\)/);
  // The inspector at the end names the executors, the blocks and lists, the remote Manager's proxy.
  await cursorTo(page, model.length - 1);
  const insp = await text(page, "[data-panel=inspector]");
  for (const n of ["Pool ex (", "Pool pool (", "Pool workers (", "Manager m:", "Manager smm:", "jobs fut submit", "futs[0] submit", "futs[1] submit", "done submit", "SharedMemory shm (", "ShareableList numbers (", "ShareableList managed (", "SharedMemory scratch (", "jobs todo", "Pipe conn ⇄ client ("]) {
    assert.ok(insp.includes(n), `inspector says ${n}: ${insp}`);
  }
  await page.fill(".toolbar .search", "obj:client");
  await page.keyboard.press("Enter");
  await settle(page);
  assert.ok((await page.$$("circle.match")).length > 0, "obj:client finds events");
});
