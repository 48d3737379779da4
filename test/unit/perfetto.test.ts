// Perfetto/Chrome trace export (trace/export/perfetto.ts): tracks, blocked slices, lock holds,
// message flows and instants, on scripted events and on real recorded traces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { toPerfetto, toPerfettoJson, type ChromeTraceEvent } from "../../trace/export/perfetto";
import { readTraceFileSync } from "../../trace/readFile";
import type { TraceEvent } from "../../trace/format";
import { EventScript, ROOT, testHeader } from "./launchTestUtil";

function script(): EventScript {
  return new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "queue.create", { obj: "Q10.1", objType: "Queue" })
    .ev(10, "sync.create", { obj: "L10.2", objType: "RLock" })
    .start(11, "consumer", "child", 10)
    .ev(11, "block.begin", { op: "queue.get", obj: "Q10.1" })
    .ev(10, "lock.acquire", { obj: "L10.2", ok: true, depth: 1 })
    .ev(10, "lock.acquire", { obj: "L10.2", ok: true, depth: 2 })
    .ev(10, "queue.put", { obj: "Q10.1", msg: "10.1", preview: "'a'" })
    .ev(10, "lock.release", { obj: "L10.2", depth: 1 })
    .ev(11, "block.end", { op: "queue.get", obj: "Q10.1", outcome: "ok" })
    .ev(11, "queue.get", { obj: "Q10.1", msg: "10.1", preview: "'a'" })
    .ev(10, "lock.release", { obj: "L10.2", depth: 0 })
    .ev(10, "queue.put", { obj: "Q10.1", msg: "10.2", preview: "'never taken'" })
    .ev(11, "block.begin", { op: "queue.get", obj: "Q10.1" });
}

function byPh(evs: ChromeTraceEvent[], ph: string): ChromeTraceEvent[] {
  return evs.filter((e) => e.ph === ph);
}

test("one named process track per process and a thread track per thread", () => {
  const s = script();
  const out = toPerfetto(testHeader(), s.events);
  const names = byPh(out.traceEvents, "M").filter((e) => e.name === "process_name");
  assert.deepEqual(
    names.map((e) => [e.pid, e.args?.name]),
    [
      [10, "MainProcess (main, pid 10)"],
      [11, "consumer (child, pid 11)"],
    ],
  );
  assert.equal(byPh(out.traceEvents, "M").filter((e) => e.name === "thread_name").length, 2);
  assert.equal(out.otherData.source, "ipcviz");
});

test("blocked periods become complete slices in µs; an open wait lasts to the end of the trace", () => {
  const s = script();
  const evs = s.events as TraceEvent[];
  const out = toPerfetto(testHeader(), evs);
  const blocks = byPh(out.traceEvents, "X").filter((e) => e.cat === "block");
  assert.equal(blocks.length, 2);
  const [first, open] = blocks;
  const begin = evs.find((e) => e.kind === "block.begin")!;
  const end = evs.find((e) => e.kind === "block.end")!;
  assert.equal(first.name, "blocked: queue.get");
  assert.equal(first.pid, 11);
  assert.equal(first.ts, begin.t / 1000);
  assert.equal(first.dur, (end.t - begin.t) / 1000);
  assert.equal(first.args?.outcome, "ok");
  assert.match(String(open.args?.outcome), /still waiting/);
  assert.equal(open.ts! + open.dur!, evs[evs.length - 1].t / 1000);
});

test("an RLock hold is one async slice from the outer acquire to the outer release", () => {
  const out = toPerfetto(testHeader(), script().events);
  const holds = out.traceEvents.filter((e) => e.cat === "lock");
  assert.deepEqual(
    holds.map((e) => [e.ph, e.name, e.id]),
    [
      ["b", "holds L10.2", "hold1"],
      ["e", "holds L10.2", "hold1"],
    ],
  );
});

test("a matched message gets a flow from send to receipt; an unmatched send is an instant", () => {
  const out = toPerfetto(testHeader(), script().events);
  const flows = out.traceEvents.filter((e) => e.ph === "s" || e.ph === "f");
  assert.deepEqual(
    flows.map((e) => [e.ph, e.pid, e.id]),
    [
      ["s", 10, "msg1"],
      ["f", 11, "msg1"],
    ],
  );
  assert.equal(flows[1].bp, "e");
  // Each flow end is bound to a zero-length slice at the same time on the same thread.
  for (const f of flows) {
    assert.ok(out.traceEvents.some((e) => e.ph === "X" && e.cat === "message" && e.ts === f.ts && e.tid === f.tid));
  }
  const instants = byPh(out.traceEvents, "i").map((e) => e.name);
  assert.ok(instants.includes("queue.put Q10.1"), "the never-taken put is an instant");
  assert.ok(instants.includes("queue.create Q10.1"));
});

test("instants carry the event's fields, the site as file:line", () => {
  const s = new EventScript().start(10, "MainProcess", "main", 1).ev(10, "value.write", {
    obj: "V10.1",
    value: "3",
    site: { file: "/p/x.py", line: 7, fn: "main" },
  });
  const out = toPerfetto(null, s.events);
  const w = out.traceEvents.find((e) => e.name === "value.write V10.1")!;
  assert.equal(w.ph, "i");
  assert.equal(w.s, "t");
  assert.equal(w.args?.site, "/p/x.py:7");
  assert.equal(w.args?.fn, "main");
  assert.equal(w.args?.value, "3");
  assert.equal(w.args?.seq, undefined);
});

test("real recorded traces export to valid JSON with balanced async slices", () => {
  const dir = join(ROOT, "test", "fixtures", "traces", "real");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ipcviz.jsonl"));
  assert.ok(files.length > 0);
  for (const f of files) {
    const t = readTraceFileSync(join(dir, f));
    const parsed = JSON.parse(toPerfettoJson(t.header, t.events, t.footer)) as { traceEvents: ChromeTraceEvent[] };
    const begins = parsed.traceEvents.filter((e) => e.ph === "b").length;
    const ends = parsed.traceEvents.filter((e) => e.ph === "e").length;
    assert.equal(begins, ends, f);
    for (const e of parsed.traceEvents) {
      if (e.ph !== "M") assert.ok(Number.isFinite(e.ts), `${f}: ${e.name} has a time`);
      if (e.ph === "X") assert.ok(e.dur! >= 0, `${f}: ${e.name} has a duration`);
    }
    const starts = t.events.filter((e) => e.kind === "process.start").length;
    assert.equal(parsed.traceEvents.filter((e) => e.name === "process_name").length >= starts, true, f);
  }
});

test("tracks and slices use the program's names: a lock held as left (forks[0]), a default-named process with its target", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "proxy.create", { obj: "M1/a", manager: "M1", objType: "Lock", name: "forks[0]" })
    .ev(11, "process.start", { name: "phil-0", ppid: 10, role: "child", startMethod: "spawn", target: "__main__.philosopher", names: { "M1/a": "left" } })
    .ev(12, "process.start", { name: "Process-2", ppid: 10, role: "child", startMethod: "spawn", target: "__main__.consumer" })
    .ev(11, "lock.acquire", { obj: "M1/a", ok: true })
    .ev(11, "lock.release", { obj: "M1/a" })
    .ev(10, "lock.acquire", { obj: "M1/a", ok: true });
  const out = toPerfetto(testHeader(), s.events).traceEvents;
  const names = out.filter((e) => e.name === "process_name").map((e) => (e.args as { name: string }).name);
  assert.ok(names.includes("phil-0 (child, pid 11)"), names.join("; "));
  assert.ok(names.includes("Process-2 · consumer (child, pid 12)"), names.join("; "));
  assert.ok(out.some((e) => e.pid === 11 && e.name === "holds left (forks[0])"));
  assert.ok(out.some((e) => e.pid === 10 && e.name === "holds forks[0]"));
});
