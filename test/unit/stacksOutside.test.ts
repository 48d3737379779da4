/**
 * Waits outside the run (trace/analysis/stacks.ts outsideWaits, HangWatch's "outside" action),
 * on a real trace: test/runtime/programs/stacks_server_external.py recorded while its main
 * process waited in accept() on a listening socket and its worker in Queue.get (two snapshots),
 * until a client from outside connected.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StackThread, TraceEvent } from "../../trace/format";
import { HangWatch, LiveHangDetector } from "../../trace/analysis/live";
import { noProgress, outsideWaits, snapshotsOf, STACK_KINDS } from "../../trace/analysis/stacks";
import { TraceModel } from "../../trace/model/model";
import { loadFixture } from "./modelTestUtil";

const fx = loadFixture("real/stacks_server_outside");
/** The events up to the last snapshot answer (the client has not come yet). */
const lastAnswer = fx.events.map((e) => e.kind).lastIndexOf("process.stacks");
const before = fx.events.slice(0, lastAnswer + 1);

test("a listening socket is a wait outside the run, not 'no progress'", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const snap = snapshotsOf(before).at(-1)!;
  assert.ok(snap.complete);
  const waits = outsideWaits(snap, model);
  assert.equal(waits.length, 1, JSON.stringify(waits));
  assert.equal(waits[0].process, "MainProcess");
  assert.equal(waits[0].call, "socket.accept");
  assert.match(waits[0].what, /^a listening socket 127\.0\.0\.1:\d+$/);
  assert.match(waits[0].text, /^MainProcess is waiting on a listening socket 127\.0\.0\.1:\d+ \(outside the run\) in `socket\.accept` at stacks_server_external\.py:\d+$/);
  assert.equal(noProgress(snap, model), null);
});

test("the same snapshot with the socket's peer inside the run is 'no progress'", () => {
  const model = TraceModel.fromEvents(before, fx.header);
  const snap = structuredClone(snapshotsOf(before).at(-1)!);
  for (const p of snap.processes) for (const t of p.threads ?? ([] as StackThread[])) if (t.waitsOn) t.waitsOn = { ...t.waitsOn, outside: false };
  assert.deepEqual(outsideWaits(snap, model), []);
  const np = noProgress(snap, model);
  assert.ok(np, "every process waits on something only the run could end");
  assert.deepEqual(np.processes.map((p) => p.call).sort(), ["queue.get", "socket.accept"]);
  // In the program's words: the queue by its name, not its id (Q1258.1).
  const worker = np.processes.find((p) => p.call === "queue.get")!;
  assert.match(worker.text, /^Process-1(?: · \S+)? waits in `queue\.get` on Queue q at stacks_server_external\.py:\d+$/);
});

test("HangWatch says 'outside' once, then keeps watching without a report", () => {
  const det = new LiveHangDetector({ graceNs: 1e9, header: fx.header });
  const watch = new HangWatch(det);
  const program = before.filter((e) => !STACK_KINDS.has(e.kind));
  const stacks = before.filter((e) => STACK_KINDS.has(e.kind));
  let now = 0;
  det.feed(program, now);
  const actions: string[] = [];
  const byRequest = new Map<number, TraceEvent[]>();
  for (const e of stacks) {
    const r = (e as unknown as { request: number }).request;
    byRequest.set(r, [...(byRequest.get(r) ?? []), e]);
  }
  const requests = [...byRequest.values()];
  for (let step = 0; step < 200 && now < 30e9; step++) {
    now += 0.25e9;
    const act = watch.tick(now);
    if (act === null) continue;
    actions.push(act.kind);
    if (act.kind === "request-stacks") {
      // Answer with the recorded snapshot (the last one again once they run out).
      det.feed(requests[Math.min(requests.length - 1, actions.filter((a) => a === "request-stacks").length - 1)]);
      watch.stacksDone();
    } else if (act.kind === "outside") {
      assert.match(act.text, /MainProcess is waiting on a listening socket .* \(outside the run\)/);
    }
  }
  assert.ok(!actions.includes("report"), `no hang report: ${actions.join(", ")}`);
  assert.equal(actions.filter((a) => a === "outside").length, 1, actions.join(", "));
  assert.ok(actions.filter((a) => a === "request-stacks").length >= 3, "snapshots go on, less and less often");
});
