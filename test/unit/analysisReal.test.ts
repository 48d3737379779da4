// Real traces recorded with the Python runtime (test/fixtures/traces/real/, see the README there):
// every hanging program is diagnosed with the right kind, the lost in-place changes are found,
// and every other program (the seed's corpus included) gets no deadlock, potential deadlock or hazard.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { TraceModel } from "../../trace/model/model";
import { dumpState } from "../../trace/model/dump";
import { ModelState } from "../../trace/model/state";
import { diagnose } from "../../trace/analysis/diagnose";
import { LiveHangDetector } from "../../trace/analysis/live";
import { loadFixture } from "./modelTestUtil";

const REAL = readdirSync(`${__dirname}/../../../test/fixtures/traces/real`).filter((f) => f.endsWith(".ipcviz.jsonl"));

const HANGS: Record<string, "cycle" | "stall"> = {
  hang_barrier_missing_party: "stall",
  hang_condition_never_notified: "stall",
  hang_consumer_never_sent: "stall",
  hang_join_blocked_child: "stall",
  hang_lock_cycle_2: "cycle",
  hang_lock_cycle_3: "cycle",
  hang_manager_lock_cycle: "cycle",
  pipe_same_end_hangs: "stall",
  s03_pipe_same_end_blocks: "stall",
};
const LOST_CHANGE = new Set(["s11_namespace_mutable_pitfall", "manager_namespace_pitfall"]);

test("real traces are present", () => {
  assert.ok(REAL.length >= 30, `only ${REAL.length} real traces`);
  for (const name of [...Object.keys(HANGS), ...LOST_CHANGE]) assert.ok(REAL.includes(name + ".ipcviz.jsonl"), name);
});

for (const file of REAL) {
  const name = file.replace(".ipcviz.jsonl", "");
  test(`real trace ${name}`, () => {
    const t = loadFixture("real/" + file);
    const m = TraceModel.fromEvents(t.events, t.header, { checkpointEvery: 64 });
    assert.equal(m.length, t.events.length);
    for (let i = 0; i < m.length; i++) {
      const p = m.partner(i);
      if (p >= 0 && m.isReceipt(i)) assert.ok(p < i, "receipt after its send");
    }
    // State at a few indices equals a plain fold.
    const s = new ModelState(m);
    const probe = new Set([0, Math.floor(m.length / 3), Math.floor((2 * m.length) / 3), m.length - 1]);
    for (let i = 0; i < m.length; i++) {
      s.apply(m.event(i), i);
      if (probe.has(i)) assert.equal(dumpState(m.stateAt(i)), dumpState(s), `state at ${i}`);
    }
    assert.equal(s.malformed, 0);
    const d = diagnose(m);
    const expect = HANGS[name];
    if (expect) {
      assert.equal(d.deadlocks.length, 1, d.deadlocks.map((x) => x.explanation).join("\n"));
      assert.equal(d.deadlocks[0].kind, expect);
      assert.ok(d.deadlocks[0].sites.every((x) => x.includes(".py:")));
    } else assert.deepEqual(d.deadlocks, [], d.deadlocks.map((x) => x.explanation).join("\n"));
    assert.deepEqual(d.potentialDeadlocks, [], d.potentialDeadlocks.map((x) => x.explanation).join("\n"));
    if (LOST_CHANGE.has(name)) assert.deepEqual(d.hazards.map((h) => h.kind), ["lost-in-place-change"]);
    else assert.deepEqual(d.hazards, [], d.hazards.map((x) => x.explanation).join("\n"));
  });
}

test("real s03: the stall names the recv on the sending end and its line", () => {
  const t = loadFixture("real/s03_pipe_same_end_blocks.ipcviz.jsonl");
  const d = diagnose(TraceModel.fromEvents(t.events, t.header));
  assert.deepEqual(d.deadlocks[0].sites, ["/work/shared/corpus/seed/s03_pipe_same_end_blocks.py:14"]);
  assert.match(d.deadlocks[0].explanation, /waits in recv\(\) on Pipe end \S+ \(s03_pipe_same_end_blocks\.py:14\)/);
  assert.match(d.deadlocks[0].explanation, /itself sent on this same end \(s03_pipe_same_end_blocks\.py:13\)/);
});

test("live replay of the real traces: no false alarm after any event; every hang is found before the program is stopped", () => {
  for (const file of REAL) {
    const name = file.replace(".ipcviz.jsonl", "");
    const t = loadFixture("real/" + file);
    const det = new LiveHangDetector({ graceNs: 1e9 });
    const whole = diagnose(TraceModel.fromEvents(t.events, t.header));
    const hangT = whole.deadlocks.length ? whole.deadlocks[0].t : Infinity;
    let now = 0;
    let found: string | null = null;
    for (const e of t.events) {
      if (e.t > hangT + 0.5e9) break; // ipcviz's timeout stopped the program here
      now = Math.max(now, e.t);
      det.feed([e], now);
      const r = det.check(now + 2e9);
      if (r && !found) {
        found = r.deadlocks[0].kind;
        assert.ok(HANGS[name], `${name}: false alarm after ${e.kind} at t=${e.t}: ${r.text}`);
      }
    }
    if (HANGS[name]) assert.equal(found, HANGS[name], `${name}: hang not found live`);
  }
});
