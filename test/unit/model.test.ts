// The trace model: causal order, clocks, growing traces, state at any index, stepping, dumps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import type { TraceEvent } from "../../trace/format";
import { TraceModel } from "../../trace/model/model";
import { ModelState } from "../../trace/model/state";
import { dumpState } from "../../trace/model/dump";
import { step, ModelCursor } from "../../trace/model/stepping";
import { diagnose } from "../../trace/analysis/diagnose";
import { assertDump, indexOf, loadFixture, modelOf, TRACES } from "./modelTestUtil";

const ALL = readdirSync(TRACES).filter((f) => f.endsWith(".ipcviz.jsonl"));

type Ev = TraceEvent & Record<string, any>;

/** Every paired receipt comes after its send, and partners point at each other. */
function assertCausal(m: TraceModel): void {
  const lastLocal = new Map<number, number>();
  for (let i = 0; i < m.length; i++) {
    const e = m.event(i) as Ev;
    const p = m.partner(i);
    if (p >= 0) assert.equal(m.partner(p), i, `partner of ${i} is ${p} but not back`);
    if (m.isReceipt(i) && p >= 0) {
      assert.ok(p < i, `receipt ${i} (${e.kind}) placed before its send ${p}`);
      assert.ok(m.lamport(i) > m.lamport(p), "a receipt's Lamport clock is above its send's");
      assert.equal(m.happenedBefore(p, i), true);
      assert.equal(m.happenedBefore(i, p), false);
    }
    // Per-process order = arrival order.
    const prev = lastLocal.get(e.pid);
    if (prev !== undefined) assert.ok(m.arrivalIndex(prev) < m.arrivalIndex(i), `process ${e.pid} out of order at ${i}`);
    lastLocal.set(e.pid, i);
  }
}

test("every fixture: receipts after their sends, per-process order kept, nothing held after finish", () => {
  for (const f of ALL) {
    const { events } = loadFixture(f);
    const m = modelOf(f);
    assert.equal(m.length, events.length, f);
    assert.equal(m.held, 0, f);
    assertCausal(m);
    // Every message with a msg was paired (these fixtures lose nothing).
    for (let i = 0; i < m.length; i++) assert.equal(m.isUnpaired(i), false, `${f}: ${i} unpaired`);
  }
});

test("receipts that arrive before their sends are held back, then placed after them", () => {
  const { events, header } = loadFixture("ok_pipe_bytes");
  // In the file the child's receipts come before main's sends (main buffered its events).
  const firstRecv = events.findIndex((e) => e.kind === "pipe.recv");
  const firstSend = events.findIndex((e) => e.kind === "pipe.send");
  assert.ok(firstRecv < firstSend, "the fixture has a receipt before its send in arrival order");
  const m = new TraceModel(header);
  m.append(events.slice(0, firstSend));
  assert.ok(m.held > 0, "the receipt waits for its send");
  assert.ok(m.heldPids().includes(9801));
  const placed = m.length;
  const before = Array.from({ length: placed }, (_, i) => m.event(i));
  m.append(events.slice(firstSend));
  m.finish();
  assert.equal(m.held, 0);
  // Already placed events keep their index.
  before.forEach((e, i) => assert.equal(m.event(i), e));
  assertCausal(m);
  // Raw bytes pair first-in-first-out per direction.
  const recv = indexOf(m, (e) => e.kind === "pipe.recv" && e.pid === 9801 && e.bytes === true, 1);
  assert.equal((m.event(m.partner(recv)) as Ev).preview, "b'ping-2'");
  const back = indexOf(m, (e) => e.kind === "pipe.recv" && e.pid === 9800, 0);
  assert.equal((m.event(m.partner(back)) as Ev).preview, "b'PING-1'");
});

test("a growing trace fed one event at a time: stable indices, same final state as a whole load", () => {
  for (const f of ["s01_queue_busy_poll", "ok_consumer_served", "s09_manager_sync", "ok_late_child_exit"]) {
    const { events, header } = loadFixture(f);
    const live = new TraceModel(header, { checkpointEvery: 16 });
    const seen: TraceEvent[] = [];
    for (const e of events) {
      live.append([e]);
      for (let i = 0; i < seen.length; i++) assert.equal(live.event(i), seen[i], `${f}: index ${i} moved`);
      for (let i = seen.length; i < live.length; i++) seen.push(live.event(i));
    }
    live.finish();
    assertCausal(live);
    const whole = TraceModel.fromEvents(events, header);
    // The order may differ where events were concurrent, but the end state is the same.
    assert.equal(dumpState(live.stateAt(live.length - 1)).replace(/^state at.*\n/, ""), dumpState(whole.stateAt(whole.length - 1)).replace(/^state at.*\n/, ""), f);
  }
});

test("a receipt whose send never arrives is placed at finish(), marked unpaired", () => {
  const { events, header } = loadFixture("ok_consumer_served");
  const withoutFirstPut = events.filter((e) => !(e.kind === "queue.put" && (e as Ev).msg === "m9402.1"));
  const m = new TraceModel(header);
  m.append(withoutFirstPut);
  assert.ok(m.held > 0);
  m.finish();
  assert.equal(m.held, 0);
  assert.equal(m.length, withoutFirstPut.length);
  const get = indexOf(m, (e) => e.kind === "queue.get" && e.msg === "m9402.1");
  assert.equal(m.isUnpaired(get), true);
  assert.equal(m.partner(get), -1);
});

test("a held receipt is released once the trace has moved on by the hold limit", () => {
  const { events, header } = loadFixture("ok_consumer_served");
  const withoutFirstPut = events.filter((e) => !(e.kind === "queue.put" && (e as Ev).msg === "m9402.1"));
  const m = new TraceModel(header, { holdLimitNs: 50e6 });
  m.append(withoutFirstPut);
  assert.equal(m.held, 0, "the consumer's events did not wait forever");
});

test("stateAt(i) equals a plain fold from the start, at random indices in random order (checkpoints)", () => {
  for (const f of ["s09_manager_sync", "s01_queue_busy_poll", "ok_pool_idle_workers", "s06_value_array", "ok_pipe_bytes"]) {
    const m = modelOf(f, { checkpointEvery: 16 });
    const plain: string[] = [];
    const s = new ModelState(m);
    plain.push(dumpState(s.clone()));
    for (let i = 0; i < m.length; i++) {
      s.apply(m.event(i), i);
      plain.push(dumpState(s.clone()));
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let k = 0; k < 60; k++) {
      const i = Math.floor(rnd() * (m.length + 1)) - 1;
      assert.equal(dumpState(m.stateAt(i)), plain[i + 1], `${f} at ${i}`);
    }
    // Snapshots are independent: reading one later still gives the same text.
    const a = m.stateAt(5);
    const textA = dumpState(a);
    m.stateAt(m.length - 1);
    m.stateAt(6);
    assert.equal(dumpState(a), textA);
  }
});

test("vector clocks: happened-before from message pairing; independent processes are concurrent", () => {
  const m = modelOf("s01_queue_busy_poll");
  const put = indexOf(m, (e) => e.kind === "queue.put" && e.msg === "m5001.1");
  const get = m.partner(put);
  const laterGet = indexOf(m, (e) => e.kind === "queue.get" && e.msg === "m5001.10");
  assert.equal(m.happenedBefore(put, laterGet), true, "transitively through the consumer's own order");
  const prodStart = indexOf(m, (e) => e.kind === "process.start" && e.pid === 5001);
  const consStart = indexOf(m, (e) => e.kind === "process.start" && e.pid === 5002);
  assert.equal(m.concurrent(prodStart, consStart), true);
  const vc = m.vectorClock(get)!;
  assert.ok(vc.length >= 3);
  assert.equal(vc[m.lane(put)], m.localIndex(put) + 1);
});

test("stepping: events, a process, messages, lock events, waits, diagnoses", () => {
  const m = modelOf("hang_lock_cycle_2");
  assert.equal(step(m, -1, 1), 0);
  assert.equal(step(m, m.length - 1, 1), null);
  assert.equal(step(m, 0, -1), null);
  const left = 8101;
  const firstLeft = step(m, -1, 1, { kind: "process", pid: left })!;
  assert.equal(m.pid(firstLeft), left);
  const secondLeft = step(m, firstLeft, 1, { kind: "process", pid: left })!;
  assert.equal(m.pid(secondLeft), left);
  assert.equal(step(m, secondLeft, -1, { kind: "process", pid: left }), firstLeft);
  const lock = step(m, -1, 1, { kind: "lock" })!;
  assert.equal(m.kind(lock), "lock.acquire");
  const block = step(m, lock, 1, { kind: "block" })!;
  assert.equal(m.kind(block), "block.begin");
  assert.equal(step(m, block, -1, { kind: "block" }) !== block, true);
  assert.equal(step(m, -1, 1, { kind: "message" }), null, "no messages in this trace");
  const q = modelOf("s01_queue_busy_poll");
  const msg = step(q, -1, 1, { kind: "message" })!;
  assert.equal(q.kind(msg), "queue.put");
  assert.equal(step(q, msg, 1, { kind: "diagnosis", indices: [3, 10, 20] }), 10);
  assert.equal(step(q, 10, -1, { kind: "diagnosis", indices: [3, 10, 20] }), 3);
  const c = new ModelCursor(q, -1).step(1).step(1, { kind: "message" });
  assert.equal(c.index, msg);
  assert.equal(c.step(-1, { kind: "message" }).index, msg, "no earlier message: stays");
});

test("readable dumps at chosen indices", () => {
  const cases: Array<[string, string, (m: TraceModel) => number]> = [
    ["s01_queue_busy_poll", "mid-run", (m) => indexOf(m, (e) => e.kind === "queue.put" && e.msg === "m5001.5")],
    ["s01_queue_busy_poll", "end", (m) => m.length - 1],
    ["s03_pipe_same_end", "blocked", (m) => indexOf(m, (e) => e.kind === "block.begin")],
    ["ok_pipe_bytes", "in-flight", (m) => indexOf(m, (e) => e.kind === "pipe.send" && e.pid === 9801, 1)],
    ["s09_manager_sync", "rlock-depth-2", (m) => indexOf(m, (e) => e.kind === "lock.acquire" && e.depth === 2)],
    ["s09_manager_sync", "workers-waiting", (m) => indexOf(m, (e) => e.kind === "mgr.recv" && e.method === "get")],
    ["s09_manager_sync", "end", (m) => m.length - 1],
    ["s06_value_array", "end", (m) => m.length - 1],
    ["ok_pool_idle_workers", "tasks-running", (m) => indexOf(m, (e) => e.kind === "pool.task.recv", 1)],
    ["ok_pool_idle_workers", "pending", (m) => indexOf(m, (e) => e.kind === "pool.task.send", 1)],
    ["hang_lock_cycle_2", "deadlocked", (m) => indexOf(m, (e) => e.kind === "block.begin" && e.pid === 8102 && e.op === "lock.acquire")],
    ["hang_condition_never_notified", "end", (m) => m.length - 1],
    ["hang_barrier_missing_party", "end", (m) => m.length - 1],
    ["hang_manager_lock_cycle_calls_only", "end", (m) => m.length - 1],
    ["s11_namespace_local_change", "end", (m) => m.length - 1],
    ["hazard_feeder_error", "after-error", (m) => indexOf(m, (e) => e.kind === "queue.feeder_error")],
    ["s13_thread_queue", "end", (m) => m.length - 1],
    ["s05_value_array_typecodes", "end", (m) => m.length - 1],
    ["s07_manager_value_string", "end", (m) => m.length - 1],
    ["s10_namespace", "end", (m) => m.length - 1],
    ["hang_pool_task_waits_for_caller", "end", (m) => m.length - 1],
  ];
  for (const [fixture, label, at] of cases) {
    const m = modelOf(fixture);
    assertDump(`${fixture}@${label}`, dumpState(m.stateAt(at(m))));
  }
});

test("the state answers queries a view needs: queue items, pipe messages in flight, waiters in order", () => {
  const m = modelOf("ok_pipe_bytes");
  const i = indexOf(m, (e) => e.kind === "pipe.send" && e.pid === 9801, 1);
  const s = m.stateAt(i);
  const [toChild, toMain] = s.pipeInFlight("p9800.1");
  assert.deepEqual(toChild.map((k) => (m.event(k) as Ev).preview), ["'done'"]);
  assert.deepEqual(toMain.map((k) => (m.event(k) as Ev).preview), ["b'PING-1'", "b'PING-2'"]);
  assert.equal(s.status(s.process(9800)!), "blocked");
  const c = modelOf("hang_lock_cycle_2");
  const end = c.stateAt(c.length - 6);
  const l2 = end.object("L8100.2");
  assert.ok(l2 && l2.cls === "lock");
  assert.equal(l2.owner?.pid, 8102);
  assert.deepEqual(end.waitersOf("L8100.2").map((b) => b.pid), [8101]);
  const q = modelOf("s01_queue_busy_poll");
  const mid = q.stateAt(indexOf(q, (e) => e.kind === "queue.put" && e.msg === "m5001.5"));
  assert.deepEqual(mid.queueItems("q5000.1").map((k) => (q.event(k) as Ev).msg), ["m5001.5"]);
});

test("process lifecycle: exit seen by a join, death by disconnect, pid reuse", () => {
  const m = modelOf("ok_late_child_exit");
  const s = m.stateAt(m.length - 1);
  assert.equal(s.process(9502)?.exit?.how, "disconnect");
  assert.equal(s.process(9501)?.exit?.code, 0);
  const { header } = loadFixture("s03_pipe_same_end");
  const ev = (kind: string, pid: number, seq: number, t: number, extra: object = {}) => ({ pid, tid: pid, seq, t, kind, ...extra }) as TraceEvent;
  const reuse = TraceModel.fromEvents(
    [
      ev("process.start", 50, 0, 1, { name: "A", ppid: 1, role: "main", startMethod: "fork" }),
      ev("process.exit", 50, 1, 2, { exitCode: 0 }),
      ev("process.start", 50, 0, 3, { name: "B", ppid: 1, role: "child", startMethod: "fork" }),
    ],
    header,
  );
  const st = reuse.stateAt(2);
  assert.equal(st.process(50)?.name, "B");
  assert.equal(st.process(50)?.exit, null);
});

test("malformed events (fields missing or of the wrong type) never make the model or the diagnosis throw", () => {
  const { events, header } = loadFixture("s09_manager_sync");
  let seed = 3;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 20; round++) {
    const broken = events.map((e) => {
      if (rnd() > 0.15) return e;
      const c: Record<string, unknown> = { ...e };
      const keys = Object.keys(c).filter((k) => k !== "pid" && k !== "kind");
      const k = keys[Math.floor(rnd() * keys.length)];
      if (rnd() < 0.5) delete c[k];
      else c[k] = rnd() < 0.5 ? null : 42;
      return c as unknown as TraceEvent;
    });
    const m = TraceModel.fromEvents(broken, header, { checkpointEvery: 16 });
    assert.equal(m.length, broken.length);
    for (let i = -1; i < m.length; i += 7) dumpState(m.stateAt(i));
    diagnose(m);
  }
});

test("the main process's exit status comes from run.exit when its own exit event could not know it", () => {
  const { header } = loadFixture("s03_pipe_same_end");
  const ev = (kind: string, pid: number, seq: number, t: number, extra: object = {}) => ({ pid, tid: pid, seq, t, kind, ...extra }) as TraceEvent;
  const m = TraceModel.fromEvents(
    [
      ev("process.start", 60, 0, 1, { name: "MainProcess", ppid: 1, role: "main", startMethod: "fork" }),
      ev("process.exit", 60, 1, 2, { exitCode: null }),
      { src: "collector", pid: 60, t: 3, kind: "run.exit", exitCode: 7, signal: null, timedOut: false } as unknown as TraceEvent,
    ],
    header,
  );
  assert.equal(m.stateAt(1).process(60)?.exit?.code, null, "before run.exit: unknown");
  assert.equal(m.stateAt(2).process(60)?.exit?.code, 7);
  assert.equal(m.stateAt(2).process(60)?.exit?.how, "exit", "still ended by its own exit event");
  assert.equal(m.stateAt(1).process(60)?.exit?.code, null, "the checkpointed state is unchanged");
});

test("run.orphaned: every process still running ends there, ended by the watchdog", () => {
  const { header } = loadFixture("s03_pipe_same_end");
  const ev = (kind: string, pid: number, seq: number, t: number, extra: object = {}) => ({ pid, tid: pid, seq, t, kind, ...extra }) as TraceEvent;
  const m = TraceModel.fromEvents(
    [
      ev("process.start", 60, 0, 1, { name: "MainProcess", ppid: 1, role: "main", startMethod: "fork" }),
      ev("process.start", 61, 0, 2, { name: "Process-1", ppid: 60, role: "child", startMethod: "fork" }),
      ev("process.exit", 61, 1, 3, { exitCode: 0 }),
      { src: "collector", pid: 60, t: 4, kind: "run.orphaned", recorderPid: 50, ended: 1 } as unknown as TraceEvent,
    ],
    header,
  );
  assert.equal(m.stateAt(2).process(60)?.exit ?? null, null, "running before run.orphaned");
  const main = m.stateAt(3).process(60)?.exit;
  assert.equal(main?.how, "orphaned");
  assert.equal(main?.signal, 9);
  assert.equal(m.stateAt(3).process(61)?.exit?.how, "exit", "a process that had exited keeps its own exit");
});
