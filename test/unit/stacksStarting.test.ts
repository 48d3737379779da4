/**
 * A child still starting is progress (trace/analysis/stacks.ts noProgress, HangWatch), on a real
 * trace: test/runtime/programs/stacks_slow_child_start.py under fork, recorded while its child
 * waited 6 s before its bootstrap (not connected, so not asked) and main waited in join() for it;
 * and one that stays still (no CPU, not running) for the whole budget while nothing is recorded
 * is reported "not connected", named with the line that started it (the same trace, with later
 * snapshots added).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TraceEvent } from "../../trace/format";
import { HangWatch, LiveHangDetector } from "../../trace/analysis/live";
import { formatSnapshot, noProgress, snapshotsOf, STACK_KINDS } from "../../trace/analysis/stacks";
import { TraceModel } from "../../trace/model/model";
import { loadFixture } from "./modelTestUtil";

const fx = loadFixture("real/stacks_slow_child_start");
const lastAnswer = fx.events.map((e) => e.kind).lastIndexOf("process.stacks");
/** The events up to the last snapshot answer (the child has not connected yet). */
const before = fx.events.slice(0, lastAnswer + 1);
const child = (fx.events.find((e) => e.kind === "process.spawn") as unknown as { child: number }).child;

test("a snapshot names the child that is still starting, and it is progress", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const snaps = snapshotsOf(before);
  assert.ok(snaps.length >= 2, "two snapshots while the child started");
  for (const snap of snaps) {
    assert.ok(snap.complete);
    assert.deepEqual(
      snap.starting.map((p) => [p.pid, p.name, p.parentName, p.site?.replace(/^.*\//, "")]),
      [[child, "Process-1", "MainProcess", "stacks_slow_child_start.py:42"]],
    );
    assert.ok(!snap.processes.some((p) => p.pid === child), "the child was not asked");
    assert.equal(noProgress(snap, model), null);
    assert.match(formatSnapshot(snap), new RegExp(`^Process-1 \\(pid ${child}\\): still starting, cannot answer \\(not connected\\); started by MainProcess at stacks_slow_child_start\\.py:42`, "m"));
  }
});

test("without the starting child, main's join would be 'no progress'", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const snap = { ...snapshotsOf(before).at(-1)!, starting: [] };
  const np = noProgress(snap, model);
  assert.ok(np, "main waits in join() for a child nobody knows to be alive");
  assert.deepEqual(np.processes.map((p) => [p.process, p.call]), [["MainProcess", "process.join"]]);
});

test("a starting child the model knows has ended is not progress", () => {
  const ended: TraceEvent = { src: "collector", pid: child, t: before.at(-1)!.t + 1, kind: "process.disconnect", clean: false } as TraceEvent;
  const model = TraceModel.fromEvents([...before, ended], fx.header);
  assert.ok(noProgress(snapshotsOf(before).at(-1)!, model));
});

test("HangWatch reports nothing over the whole start", () => {
  const det = new LiveHangDetector({ graceNs: 1e9, header: fx.header });
  const watch = new HangWatch(det);
  const program = before.filter((e) => !STACK_KINDS.has(e.kind));
  const byRequest = new Map<number, TraceEvent[]>();
  for (const e of before.filter((x) => STACK_KINDS.has(x.kind))) {
    const r = (e as unknown as { request: number }).request;
    byRequest.set(r, [...(byRequest.get(r) ?? []), e]);
  }
  const requests = [...byRequest.values()];
  let now = 0;
  det.feed(program, now);
  let asked = 0;
  for (let step = 0; step < 200 && now < 30e9; step++) {
    now += 0.25e9;
    const act = watch.tick(now);
    if (act === null) continue;
    assert.notEqual(act.kind, "report", act.kind === "report" ? act.report.text : "");
    if (act.kind === "request-stacks") {
      // The recorded snapshots in turn, then the last one again (the child is still starting).
      det.feed(requests[Math.min(asked++, requests.length - 1)], now);
      watch.stacksDone();
    }
  }
  assert.ok(asked >= 3, `snapshots were asked for again and again (${asked})`);
});

/** The last snapshot of `before` again at `dt` ns after it (a new request number), the child's CPU time `cpu`, busy or not. */
function again(dt: number, request: number, cpu: number, busy = false): TraceEvent[] {
  const last = snapshotsOf(before).at(-1)!.request;
  return before
    .filter((e) => STACK_KINDS.has(e.kind) && (e as unknown as { request: number }).request === last)
    .map((e) => {
      const x = { ...(e as unknown as Record<string, unknown>), request, t: e.t + dt };
      if (e.kind === "stacks.request") Object.assign(x, { startingCpu: [cpu], startingBusy: busy ? [child] : [] });
      return x as unknown as TraceEvent;
    });
}

test("a child still for the whole budget while nothing is recorded is reported as not connected", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const events = [...before, ...again(1e9, 101, 7), ...again(12e9, 102, 7)];
  const snaps = snapshotsOf(events);
  const first = snaps.find((s) => s.request === 101)!;
  const late = snaps.find((s) => s.request === 102)!;
  assert.ok(late.idleNs >= 12e9, `idle ${late.idleNs}`);
  assert.equal(noProgress(first, model), null, "within the budget: still starting");
  const np = noProgress(late, model);
  assert.ok(np, "still (no CPU) for 11 s while nothing was recorded");
  const stuck = np.processes.find((p) => p.pid === child)!;
  assert.equal(stuck.how, "not-connected");
  assert.match(stuck.site ?? "", /stacks_slow_child_start\.py:42$/);
  assert.match(stuck.text, new RegExp(`^Process-1 \\(pid ${child}, started by MainProcess at stacks_slow_child_start\\.py:42\\) cannot answer \\(not connected\\): it has been starting for 11\\.0 s using 0 ms of CPU`));
  assert.deepEqual(np.processes.map((p) => p.how), ["not-connected", "waiting"], "main's join is reported too");
  // A larger budget (a longer grace period): still starting.
  assert.equal(noProgress(late, model, new Set(), { startingBudgetNs: 20e9 }), null);
  // The grace period the request records is the one readers judge with (the webview, `ipcviz stacks`):
  // ten of 2 s is 20 s, ten of 0.5 s is 5 s.
  const withGrace = (graceNs: number) =>
    snapshotsOf([...before, ...again(1e9, 101, 7), ...again(12e9, 103, 7).map((e) => (e.kind === "stacks.request" ? ({ ...e, graceNs } as TraceEvent) : e))]).find((s) => s.request === 103)!;
  assert.equal(withGrace(2e9).graceNs, 2e9);
  assert.equal(noProgress(withGrace(2e9), model), null, "a 2 s grace: still starting");
  assert.ok(noProgress(withGrace(0.5e9), model), "a 0.5 s grace: not connected");
  assert.equal(late.graceNs, null, "not recorded: the default 1 s");
  assert.match(formatSnapshot(late), /still starting, cannot answer \(not connected\); started by MainProcess at stacks_slow_child_start\.py:42; 0 ms of CPU in 11\.0 s/);
});

test("a child charged a tick now and then while blocked is still", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const snap = snapshotsOf([...before, ...again(1e9, 101, 7), ...again(6e9, 102, 8), ...again(12e9, 103, 9)]).at(-1)!;
  assert.equal(snap.starting[0].stillCpuMs, 20);
  assert.ok(noProgress(snap, model));
});

test("a starting child that uses CPU, or that the OS has running, is progress however long it takes", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  // 11 s using 240 ms (2% is a trace): it moves.
  const moving = snapshotsOf([...before, ...again(1e9, 101, 7), ...again(12e9, 102, 31)]).at(-1)!;
  assert.equal(moving.starting[0].stillNs, 0);
  assert.equal(noProgress(moving, model), null);
  const running = snapshotsOf([...before, ...again(1e9, 101, 7), ...again(12e9, 102, 7, true)]).at(-1)!;
  assert.equal(noProgress(running, model), null);
});
