import { test } from "node:test";
import assert from "node:assert/strict";
import { dumpState, inspectState } from "../../trace/model/dump";
import { modelOf } from "./modelTestUtil";

test("inspectState: its rows are the dump's lines, with the model's marks", () => {
  const m = modelOf("hang_lock_cycle_2");
  // The first state where two processes wait for a lock (the cycle closed).
  let k = 0;
  while (k < m.length - 1 && m.stateAt(k).blocks().filter((b) => b.op === "lock.acquire").length < 2) k++;
  const s = m.stateAt(k);
  const v = inspectState(s);
  const lines = [v.title, ...v.sections.flatMap((sec) => [`${sec.name}:`, ...sec.rows.map((r) => "  " + r.text)])];
  assert.equal(lines.join("\n") + "\n", dumpState(s));
  const procs = v.sections.find((x) => x.name === "processes")!.rows;
  const blocked = procs.filter((r) => r.blocked).map((r) => r.key);
  const want = [...s.processes.values()].filter((p) => s.status(p) === "blocked").map((p) => `proc:${p.pid}`);
  assert.deepEqual(blocked.sort(), want.sort());
  assert.ok(blocked.length >= 2, "both sides of the lock cycle are blocked");
  const locks = v.sections.find((x) => x.name === "locks")!.rows;
  for (const r of locks) {
    const l = s.objects.get(r.key);
    assert.ok(l && l.cls === "lock");
    assert.equal(r.held, l.owner !== null || l.holders.length > 0, `${r.key} held mark`);
    assert.equal(r.blocked, s.waitersOf(r.key).length > 0, `${r.key} waited-on mark`);
  }
  assert.ok(locks.some((r) => r.held && r.blocked));
});

test("inspectState: a process that died or exited non-zero is marked bad, one that exited 0 is not", () => {
  const m = modelOf("s04_pipe_consumer_terminated");
  const s = m.stateAt(m.length - 1);
  for (const r of inspectState(s).sections.find((x) => x.name === "processes")!.rows) {
    const p = s.processes.get(Number(r.key.slice(5)))!;
    const bad = p.exit !== null && (p.exit.how === "disconnect" || p.exit.signal !== null || p.exit.code !== 0);
    assert.equal(r.bad, bad, r.text);
  }
  assert.ok(inspectState(s).sections[0].rows.some((r) => r.bad), "the terminated consumer is marked");
});
