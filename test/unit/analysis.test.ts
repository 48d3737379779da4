// Diagnosis: deadlocks (cycles, stalls), potential deadlocks, hazards, live detection, summary, CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../../trace/format";
import { TraceModel } from "../../trace/model/model";
import { diagnose, diagnosisIndices } from "../../trace/analysis/diagnose";
import { LiveHangDetector } from "../../trace/analysis/live";
import { addDiagnosisToSummary, diagnosisSummaryFields } from "../../trace/analysis/summaryFields";
import type { Diagnosis } from "../../trace/analysis/types";
import { analyseCommand, EXIT_DEADLOCK } from "../../cli/analyse";
import { indexOf, loadFixture, modelOf } from "./modelTestUtil";

type Ev = TraceEvent & Record<string, unknown>;

const SILENT = [
  // the seed's corpus programs that end by themselves
  "s01_queue_busy_poll",
  "s02_manager_queue_pool",
  "s04_pipe_consumer_terminated",
  "s05_value_array_typecodes",
  "s06_value_array",
  "s07_manager_value_string",
  "s08_manager_array_typeerror",
  "s10_namespace",
  "s09_manager_sync",
  "s12_namespace_reassign",
  "s13_thread_queue",
  // look dangerous, are not
  "ok_consumer_served",
  "ok_late_child_exit",
  "ok_pool_idle_workers",
  "ok_manager_server_serving",
  "ok_lock_same_order",
  "ok_pipe_bytes",
  "ok_wait_any_sentinel",
  "ok_wait_any_socket",
];

function diag(name: string): Diagnosis {
  return diagnose(modelOf(name));
}

function sitesEndWith(sites: string[], ...tails: string[]): void {
  for (const t of tails) assert.ok(sites.some((s) => s.endsWith(t)), `no site ending with ${t} in ${JSON.stringify(sites)}`);
}

test("programs that do not hang: no deadlock, no potential deadlock, no hazard", () => {
  for (const f of SILENT) {
    const d = diag(f);
    assert.deepEqual(d.deadlocks, [], `${f}: ${d.deadlocks.map((x) => x.explanation).join("\n")}`);
    assert.deepEqual(d.potentialDeadlocks, [], `${f}: ${d.potentialDeadlocks.map((x) => x.explanation).join("\n")}`);
    assert.deepEqual(d.hazards, [], `${f}: ${d.hazards.map((x) => x.explanation).join("\n")}`);
  }
});

test("s03: a stall naming the recv on the sending end, its line, and the fix", () => {
  const d = diag("s03_pipe_same_end");
  assert.equal(d.deadlocks.length, 1);
  const x = d.deadlocks[0];
  assert.equal(x.kind, "stall");
  assert.deepEqual(x.processes, ["MainProcess"]);
  assert.deepEqual(x.objects, ["c4000.1"]);
  assert.deepEqual(x.sites, ["/home/learner/seed/s03_pipe_same_end_blocks.py:14"]);
  assert.equal(x.waits[0].op, "pipe.recv");
  assert.match(x.explanation, /MainProcess waits in recv\(\) on Pipe end c4000\.1 \(s03_pipe_same_end_blocks\.py:14\)/);
  assert.match(x.explanation, /itself sent on this same end \(s03_pipe_same_end_blocks\.py:13\)/);
  assert.match(x.explanation, /held only by MainProcess itself/);
  assert.match(x.fix, /recv\(\) on the other end \(c4000\.2\)/);
  assert.deepEqual(d.potentialDeadlocks, []);
  assert.deepEqual(d.hazards, []);
});

test("two-process lock cycle: smallest cycle, both locks, the waiting and the holding sites", () => {
  const d = diag("hang_lock_cycle_2");
  assert.equal(d.deadlocks.length, 1);
  const x = d.deadlocks[0];
  assert.equal(x.kind, "cycle");
  assert.deepEqual(x.cycle, ["left", "right"]);
  // Members only: main, joining a member, is blocked on the cycle but not part of it.
  assert.deepEqual(x.processes, ["left", "right"]);
  assert.deepEqual(x.alsoBlocked, ["MainProcess"]);
  assert.deepEqual([...x.objects].sort(), ["L8100.1", "L8100.2"]);
  sitesEndWith(x.sites, "hang_lock_cycle_2.py:21", "hang_lock_cycle_2.py:29", "hang_lock_cycle_2.py:16", "hang_lock_cycle_2.py:26");
  assert.match(x.explanation, /\nAlso blocked, not part of the cycle: MainProcess waits on it\.\nMainProcess waits in join\(\)/);
  assert.match(x.explanation, /left waits to acquire Lock L8100\.2 \(hang_lock_cycle_2\.py:21\), held by right, which took it at hang_lock_cycle_2\.py:26/);
  assert.match(x.fix, /one fixed order/);
  // Both orders of the two locks were taken in this run: also a (realised) potential deadlock? No:
  // each process held one lock and never got the second, so no A→B edge was ever completed.
  assert.deepEqual(d.potentialDeadlocks, []);
});

test("three-process lock cycle (a cut trace, no footer)", () => {
  const d = diag("hang_lock_cycle_3");
  assert.equal(d.deadlocks.length, 1);
  assert.equal(d.deadlocks[0].kind, "cycle");
  assert.deepEqual(d.deadlocks[0].cycle, ["worker-0", "worker-1", "worker-2"]);
  assert.deepEqual(d.deadlocks[0].processes, ["worker-0", "worker-1", "worker-2"]);
  assert.deepEqual(d.deadlocks[0].alsoBlocked, ["MainProcess"]);
});

test("Manager lock cycle: with lock events, and derived from acquire() calls alone", () => {
  for (const f of ["hang_manager_lock_cycle", "hang_manager_lock_cycle_calls_only"]) {
    const d = diag(f);
    assert.equal(d.deadlocks.length, 1, f);
    const x = d.deadlocks[0];
    assert.equal(x.kind, "cycle", f);
    assert.deepEqual(x.cycle, ["Process-1", "Process-2"], f);
    assert.ok(!x.processes.includes("SyncManager-1"), "the Manager server is not a participant");
    assert.match(x.explanation, /ManagerLock/);
    sitesEndWith(x.sites, "hang_manager_lock_cycle.py:17", "hang_manager_lock_cycle.py:26");
  }
});

test("stalls: item never sent, join on a blocked child, Barrier missing a party, Condition never notified", () => {
  const never = diag("hang_consumer_never_sent").deadlocks;
  assert.equal(never.length, 1);
  assert.equal(never[0].kind, "stall");
  assert.deepEqual(never[0].processes, ["MainProcess"]);
  assert.match(never[0].explanation, /the only other process that could put an item on it, Process-1 · producer, has exited/);
  sitesEndWith(never[0].sites, "hang_consumer_never_sent.py:25");

  const join = diag("hang_join_blocked_child").deadlocks;
  assert.equal(join.length, 1);
  assert.equal(join[0].kind, "stall");
  assert.deepEqual([...join[0].processes].sort(), ["MainProcess", "Process-1"]);
  assert.match(join[0].explanation, /MainProcess waits in join\(\) for Process-1 · worker to end/);
  assert.match(join[0].explanation, /Process-1 · worker waits for Event e8600\.1 to be set/);

  const barrier = diag("hang_barrier_missing_party").deadlocks;
  assert.equal(barrier.length, 1, "both parties are one report");
  assert.equal(barrier[0].kind, "stall");
  assert.match(barrier[0].explanation, /needs 3 parties and only 2 arrived/);
  assert.match(barrier[0].fix, /here 2, not 3/);

  const cond = diag("hang_condition_never_notified").deadlocks;
  assert.equal(cond.length, 1);
  assert.equal(cond[0].kind, "stall");
  assert.match(cond[0].explanation, /waits on Condition c8800\.2 \(hang_condition_never_notified\.py:14\) to be notified/);
  assert.match(cond[0].fix, /notify/);
});

test("connection.wait() on several objects: a hang only when none of them can become ready", () => {
  const d = diag("hang_wait_any_nobody_sends").deadlocks;
  assert.equal(d.length, 1);
  assert.equal(d[0].kind, "stall");
  assert.deepEqual([...d[0].processes].sort(), ["MainProcess", "Process-1"]);
  assert.match(d[0].explanation, /MainProcess waits in connection\.wait\(\) for any of Pipe end .*C9950\.2r.* and Pipe end .*C9950\.3r/);
  assert.match(d[0].explanation, /Process-1 · worker waits in get\(\) on Queue jobs/);
  assert.match(d[0].fix, /connection\.wait\(\) becomes ready/);
  sitesEndWith(d[0].sites, "hang_wait_any_nobody_sends.py:27");
  // The same wait is ended by a child that is still running (its sentinel), or by a socket: no alarm (SILENT above).
});

test("a Pool task waiting for the caller, who waits for its result (Pool handler threads are not the caller's)", () => {
  const d = diag("hang_pool_task_waits_for_caller");
  assert.equal(d.deadlocks.length, 1);
  const x = d.deadlocks[0];
  assert.equal(x.kind, "stall");
  assert.deepEqual([...x.processes].sort(), ["ForkPoolWorker-1", "MainProcess"]);
  assert.match(x.explanation, /MainProcess waits in get\(\) on Pool pool9900\.2 \(pool_task_waits_for_caller\.py:17\)/);
  assert.match(x.explanation, /ForkPoolWorker-1 waits for Event e9900\.1 to be set/);
  assert.ok(!x.processes.includes("ForkPoolWorker-2"), "an idle worker is not a participant");
});

test("potential deadlock: lock-order inversion without a hang, both call sites", () => {
  const d = diag("potential_lock_inversion");
  assert.deepEqual(d.deadlocks, []);
  assert.equal(d.potentialDeadlocks.length, 1);
  const p = d.potentialDeadlocks[0];
  assert.deepEqual(p.locks, ["L8900.1", "L8900.2"]);
  assert.deepEqual([...p.processes].sort(), ["audit", "transfer"]);
  sitesEndWith(p.sites, "lock_order_inversion.py:8", "lock_order_inversion.py:9", "lock_order_inversion.py:14", "lock_order_inversion.py:15");
  assert.match(p.explanation, /did not hang/);
});

test("hazards: join before drain, terminate holding a lock, lost in-place change (s11), feeder error", () => {
  const jbd = diag("hazard_join_before_drain");
  assert.deepEqual(jbd.deadlocks, []);
  assert.equal(jbd.hazards.length, 1);
  assert.equal(jbd.hazards[0].kind, "join-before-drain");
  sitesEndWith(jbd.hazards[0].sites, "join_before_drain.py:12", "join_before_drain.py:5", "join_before_drain.py:13");

  const thl = diag("hazard_terminate_holding_lock");
  assert.deepEqual(thl.deadlocks, [], "the acquire has a timeout: no deadlock");
  assert.deepEqual(thl.hazards.map((h) => h.kind), ["terminate-holding-lock"]);
  assert.deepEqual(thl.hazards[0].objects, ["L9200.1"]);
  sitesEndWith(thl.hazards[0].sites, "terminate_holding_lock.py:15", "terminate_holding_lock.py:6");

  const s11 = diag("s11_namespace_local_change");
  assert.deepEqual(s11.deadlocks, []);
  assert.deepEqual(s11.hazards.map((h) => h.kind), ["lost-in-place-change"]);
  assert.deepEqual(s11.hazards[0].processes, ["Process-1", "Process-2"]);
  assert.match(s11.hazards[0].explanation, /\[5, 1, 2\] → \[5, 1, 3\]/);
  assert.match(s11.hazards[0].explanation, /got the old value \[5, 1, 2\]/);
  sitesEndWith(s11.hazards[0].sites, "s11_namespace_mutable_pitfall.py:7");

  const fe = diag("hazard_feeder_error");
  assert.deepEqual(fe.deadlocks, [], "the get has a timeout");
  assert.deepEqual(fe.hazards.map((h) => h.kind), ["feeder-error"]);
  assert.match(fe.hazards[0].explanation, /PicklingError/);
  sitesEndWith(fe.hazards[0].sites, "feeder_error.py:7");
});

test("a trace that went on after everyone waited is not a deadlock (the model missed the wake-up)", () => {
  const { events, header } = loadFixture("hang_join_blocked_child");
  const ev = (pid: number, seq: number, t: number, kind: string, extra: object) => ({ pid, tid: pid, seq, t, kind, ...extra }) as TraceEvent;
  const last = events[events.length - 1].t;
  const more = [
    ev(8601, 2, last + 1e6, "block.end", { op: "event.wait", obj: "e8600.1", outcome: "ok" }),
    ev(8601, 3, last + 2e6, "event.wait", { obj: "e8600.1", ok: true }),
    ev(8601, 4, last + 3e6, "process.exit", { exitCode: 0 }),
    ev(8600, 3, last + 4e6, "block.end", { op: "process.join", obj: "proc:8601", outcome: "ok" }),
  ];
  const d = diagnose(TraceModel.fromEvents([...events, ...more], header));
  assert.deepEqual(d.deadlocks, []);
});

test("atIndex: nothing before the deadlock forms; the deadlock at the moment it holds", () => {
  const m = modelOf("hang_lock_cycle_2");
  const rightBlocks = indexOf(m, (e) => e.kind === "block.begin" && e.pid === 8102 && e.op === "lock.acquire");
  assert.deepEqual(diagnose(m, { atIndex: rightBlocks - 1 }).deadlocks, []);
  const at = diagnose(m, { atIndex: rightBlocks }).deadlocks;
  assert.equal(at.length, 1);
  assert.equal(at[0].at, rightBlocks);
  assert.deepEqual(diagnosisIndices(diagnose(m)), [rightBlocks]);
  // After ipcviz killed the processes the deadlock no longer holds at that index, but the
  // whole-trace diagnosis still reports it.
  assert.deepEqual(diagnose(m, { atIndex: m.length - 1 }).deadlocks, []);
  assert.equal(diagnose(m).deadlocks.length, 1);
});

/** Feed a fixture to a live detector in arrival order, one event per ms of a wall clock. */
function feedAll(det: LiveHangDetector, events: TraceEvent[], from = 0, to = events.length, clock = { now: 0 }): void {
  for (let k = from; k < to; k++) {
    clock.now += 1e6;
    det.feed([events[k]], clock.now);
  }
}

test("live: a hang is reported only after the grace period, and only when it holds", () => {
  const { events } = loadFixture("s03_pipe_same_end");
  const blockAt = events.findIndex((e) => e.kind === "block.begin");
  const det = new LiveHangDetector({ graceNs: 1e9 });
  const clock = { now: 0 };
  feedAll(det, events, 0, blockAt + 1, clock);
  assert.equal(det.check(clock.now + 0.5e9), null, "within the grace period");
  const r = det.check(clock.now + 1.2e9);
  assert.ok(r);
  assert.equal(r.deadlocks.length, 1);
  assert.equal(r.deadlocks[0].kind, "stall");
  assert.match(r.text, /recv\(\) on Pipe end c4000\.1/);
  assert.ok(r.idleNs >= 1e9);
  // New events (the program moved on) reset the clock.
  feedAll(det, events, blockAt + 1, blockAt + 2, clock);
  assert.equal(det.check(clock.now + 0.1e9), null);
});

test("live: a lock cycle is reported; a child that is slow to report its exit is not a hang", () => {
  const cyc = loadFixture("hang_lock_cycle_2").events;
  const det = new LiveHangDetector();
  const clock = { now: 0 };
  const lastBlock = cyc.map((e) => e.kind).lastIndexOf("block.begin");
  feedAll(det, cyc, 0, lastBlock + 1, clock);
  const r = det.check(clock.now + 2e9);
  assert.ok(r);
  assert.equal(r.deadlocks[0].kind, "cycle");

  // Main joins a child; the child's events (its wake-up and its exit) arrive 1.5 s later.
  const late = loadFixture("ok_late_child_exit").events;
  const d2 = new LiveHangDetector();
  const c2 = { now: 0 };
  const joinAt = late.findIndex((e) => e.kind === "block.begin" && (e as Ev).op === "process.join");
  feedAll(d2, late, 0, joinAt + 1, c2);
  assert.equal(d2.check(c2.now + 1.5e9), null, "the queue had an item for the child: it was not stuck");
  // A join on a child whose connection closed without an exit event: not a hang either.
  const secondJoin = late.findIndex((e, k) => k > joinAt && e.kind === "block.begin" && (e as Ev).op === "process.join");
  const disconnect = late.findIndex((e) => e.kind === "process.disconnect" && (e as Ev).clean === false);
  feedAll(d2, late, joinAt + 1, secondJoin + 1, c2);
  assert.equal(d2.check(c2.now + 1.5e9), null, "the second child is running");
  feedAll(d2, late, secondJoin + 1, disconnect + 1, c2);
  assert.equal(d2.check(c2.now + 1.5e9), null, "the second child died: the join will return");

  // A consumer blocked briefly, then served; and idle Pool workers while main waits on a child.
  for (const f of SILENT) {
    const evs = loadFixture(f).events;
    const det3 = new LiveHangDetector();
    const c3 = { now: 0 };
    for (let k = 0; k < evs.length; k++) {
      feedAll(det3, evs, k, k + 1, c3);
      assert.equal(det3.check(c3.now + 2e9), null, `${f}: false alarm after event ${k}`);
    }
  }
});

test("live: a stall is reported only when every live participant is stuck", () => {
  const { events } = loadFixture("hang_consumer_never_sent");
  const getAt = events.findIndex((e) => e.kind === "block.begin" && (e as Ev).op === "queue.get");
  const prefix = events.slice(0, getAt + 1);
  // Another child, running (computing, no events), that never touched the queue.
  const busy = [
    { pid: 8500, tid: 8500, seq: 100, t: 1, kind: "process.spawn", child: 8509, name: "Process-9", daemon: false },
    { pid: 8509, tid: 8509, seq: 0, t: 2, kind: "process.start", name: "Process-9", ppid: 8500, role: "child", startMethod: "fork" },
  ] as unknown as TraceEvent[];
  const det = new LiveHangDetector();
  det.feed([...busy, ...prefix], 0);
  assert.equal(det.check(5e9), null, "Process-9 may still do something");
  const det2 = new LiveHangDetector();
  det2.feed(prefix, 0);
  assert.equal(det2.check(5e9)?.deadlocks[0].kind, "stall");
});

test("summary fields: deadlocks, potentialDeadlocks, hazards, stoppedForDeadlock", () => {
  const d = diag("hang_lock_cycle_2");
  const s = addDiagnosisToSummary({ program: "x.py", exitCode: null }, d, { stoppedForDeadlock: true });
  assert.equal(s.program, "x.py");
  assert.equal(s.stoppedForDeadlock, true);
  assert.equal(s.deadlocks.length, 1);
  assert.deepEqual(Object.keys(s.deadlocks[0]).sort(), ["alsoBlocked", "explanation", "kind", "objectNames", "objects", "processes", "short", "sites"]);
  assert.deepEqual(s.deadlocks[0].alsoBlocked, ["MainProcess"]);
  assert.deepEqual([...s.deadlocks[0].objectNames].sort(), ["Lock L8100.1", "Lock L8100.2"]);
  const p = diagnosisSummaryFields(diag("potential_lock_inversion"));
  assert.deepEqual(Object.keys(p.potentialDeadlocks[0]).sort(), ["explanation", "locks", "sites"]);
  assert.equal(p.stoppedForDeadlock, false);
  const h = diagnosisSummaryFields(diag("s11_namespace_local_change"));
  assert.deepEqual(Object.keys(h.hazards[0]).sort(), ["explanation", "kind", "processes", "sites"]);
  assert.ok(JSON.stringify(s).length > 0, "plain JSON");
});

/** Run analyseCommand, capturing what it prints. */
async function runAnalyse(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await analyseCommand(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join(""), err: err.join("") };
}

test("ipcviz analyse: text, --json, exit statuses", async () => {
  const hang = await runAnalyse([loadFixture("s03_pipe_same_end").path]);
  assert.equal(hang.code, EXIT_DEADLOCK);
  assert.match(hang.out, /DEADLOCK \(stall\)/);
  assert.match(hang.out, /s03_pipe_same_end_blocks\.py:14/);
  const json = await runAnalyse(["--json", loadFixture("hang_lock_cycle_2").path]);
  assert.equal(json.code, EXIT_DEADLOCK);
  const parsed = JSON.parse(json.out);
  assert.equal(parsed.deadlocks[0].kind, "cycle");
  assert.equal(parsed.stoppedForDeadlock, true, "the launcher killed it after the hang");
  assert.deepEqual(Object.keys(parsed).sort(), ["deadlocks", "hazards", "potentialDeadlocks", "stoppedForDeadlock"]);
  const ok = await runAnalyse([loadFixture("s01_queue_busy_poll").path, "--json"]);
  assert.equal(ok.code, 0);
  assert.deepEqual(JSON.parse(ok.out).deadlocks, []);
  const state = await runAnalyse([loadFixture("s03_pipe_same_end").path, "--state", "5"]);
  assert.match(state.out, /state at #5/);
  const bad = await runAnalyse(["/nonexistent/trace.ipcviz.jsonl"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no such file/);
  const usage = await runAnalyse([]);
  assert.equal(usage.code, 2);
});

test("live: a process paused in a debugger never counts toward a deadlock; a cycle among others still does", () => {
  // s03: MainProcess waits forever in recv() — unless it is paused (then it is the debugger's).
  const s03 = loadFixture("s03_pipe_same_end").events;
  const blockAt = s03.findIndex((e) => e.kind === "block.begin");
  const mainPid = s03[0].pid;
  const det = new LiveHangDetector({ graceNs: 1e9 });
  const clock = { now: 0 };
  feedAll(det, s03, 0, blockAt + 1, clock);
  det.setPaused([mainPid], clock.now);
  assert.equal(det.check(clock.now + 5e9), null, "paused: not a hang");
  det.setPaused([], clock.now + 5e9);
  assert.equal(det.check(clock.now + 5.5e9), null, "continued: the grace period starts again");
  assert.ok(det.check(clock.now + 6.5e9), "continued and still waiting: the stall is reported");

  // A two-lock cycle: pausing a process outside it changes nothing; pausing one inside hides it.
  const cyc = loadFixture("hang_lock_cycle_2").events;
  const lastBlock = cyc.map((e) => e.kind).lastIndexOf("block.begin");
  const inCycle = cyc[lastBlock].pid;
  const outside = cyc.find((e) => e.kind === "process.start" && (e as Ev).role === "main")!.pid;
  assert.notEqual(outside, inCycle);
  const d2 = new LiveHangDetector();
  const c2 = { now: 0 };
  feedAll(d2, cyc, 0, lastBlock + 1, c2);
  d2.setPaused([outside], c2.now);
  const r = d2.check(c2.now + 2e9);
  assert.ok(r, "a cycle among the other processes is still a deadlock");
  assert.equal(r.deadlocks[0].kind, "cycle");
  const d3 = new LiveHangDetector();
  const c3 = { now: 0 };
  feedAll(d3, cyc, 0, lastBlock + 1, c3);
  d3.setPaused([inCycle], c3.now);
  assert.equal(d3.check(c3.now + 2e9)?.deadlocks.some((d) => d.kind === "cycle") ?? false, false, "one of its processes is paused: no cycle reported");
});

test("hazards: terminate() while the target waits in put() or send() (a blocking send on a queue or a pipe), not while it waits elsewhere", () => {
  const { header } = loadFixture("hazard_terminate_holding_lock");
  const ev = (pid: number, seq: number, t: number, kind: string, extra: object) => ({ pid, tid: pid, seq, t, kind, ...extra }) as TraceEvent;
  const run = (op: string, obj: string) =>
    diagnose(
      TraceModel.fromEvents(
        [
          ev(500, 0, 1e6, "process.start", { name: "MainProcess", ppid: 1, role: "main", startMethod: "fork" }),
          ev(500, 1, 2e6, "queue.create", { obj: "Q500.1", objType: "Queue", maxsize: 1 }),
          ev(500, 2, 2.5e6, "pipe.create", { obj: "P500.2", ends: ["P500.2.0", "P500.2.1"], duplex: false }),
          ev(500, 3, 2.7e6, "event.create", { obj: "E500.3", objType: "Event" }),
          ev(500, 4, 3e6, "process.spawn", { child: 501, name: "Process-1", daemon: false }),
          ev(501, 0, 4e6, "process.start", { name: "Process-1", ppid: 500, role: "child", startMethod: "fork" }),
          ev(501, 1, 5e6, "block.begin", { op, obj, site: "child.py:7" }),
          ev(500, 5, 6e6, "process.terminate", { child: 501, site: "main.py:12" }),
        ],
        header,
      ),
    );
  for (const [op, obj] of [["queue.put", "Q500.1"], ["pipe.send", "P500.2.1"]]) {
    const d = run(op, obj);
    assert.deepEqual(d.hazards.map((h) => h.kind), ["terminate-during-put"], `${op}: ${d.hazards.map((h) => h.explanation).join("\n")}`);
    assert.deepEqual(d.hazards[0].objects, [obj]);
  }
  assert.deepEqual(run("event.wait", "E500.3").hazards, [], "a wait that sends nothing: no hazard");
});
