import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../../trace/format";
import { SYNTHETIC_HEADER, syntheticTraceLines } from "../../bench/model.bench";
import { PROTOCOL_VERSION } from "../../webview/protocol";
import { Store } from "../../webview/store";
import { loadFixture } from "./modelTestUtil";

function events(n: number): TraceEvent[] {
  return syntheticTraceLines(n).map((l) => JSON.parse(l) as TraceEvent);
}

function loaded(evs: TraceEvent[], live: boolean): Store {
  const s = new Store();
  s.load({ type: "snapshot", protocol: PROTOCOL_VERSION, title: "t", header: SYNTHETIC_HEADER, events: evs, live, footer: null, options: {} });
  return s;
}

test("store search: live appends search only the new events and find what a search of everything finds", () => {
  const all = events(6000);
  for (const query of ["kind:queue.get", "proc:Process-2", "kind:lock.acquire"]) {
    const live = loaded(all.slice(0, 1000), true);
    live.setQuery(query);
    for (let i = 1000; i < all.length; i += 700) live.append(all.slice(i, i + 700));
    const incremental = [...(live.matches ?? [])];
    const pids = [...live.matchPids].sort();
    live.setQuery(query); // a search of every event of the same model
    assert.ok(live.matches && live.matches.length > 0, `${query} matches something`);
    assert.deepEqual(incremental, [...live.matches], query);
    assert.deepEqual(pids, [...live.matchPids].sort(), query);
    live.finish(null, "done");
  }
});

test("store: a live deadlock whose hang snapshot arrives reads as the deadlock at once, never as 'no progress'", () => {
  // hang_lock_cycle_2 as it streams: the two lock waits that close the cycle and the hang check's
  // snapshot arrive together, less than the store's quiet second after the rest.
  const fx = loadFixture("real/hang_lock_cycle_2");
  const program = fx.events.filter((e) => e.kind !== "process.exit" && e.kind !== "process.disconnect" && e.kind !== "run.exit");
  const firstWait = program.findIndex((e) => e.kind === "block.begin" && (e as { op?: string }).op === "lock.acquire");
  const s = new Store();
  s.load({ type: "snapshot", protocol: PROTOCOL_VERSION, title: "t", header: fx.header, events: program.slice(0, firstWait), live: true, footer: null, options: {} });
  assert.equal(s.diagnosis?.deadlocks.length ?? 0, 0, "no deadlock before the cycle closes");
  const t = Math.max(...program.map((e) => e.t)) + 1e9;
  const seq = new Map<number, number>();
  for (const e of program) {
    const n = (e as { seq?: number }).seq;
    if (typeof n === "number") seq.set(e.pid, Math.max(seq.get(e.pid) ?? -1, n));
  }
  const pids = [...seq.keys()];
  const where: Record<number, number> = { 4260: 41, 4261: 20, 4262: 29 };
  const snapshot = [
    { src: "collector", pid: 4260, t, kind: "stacks.request", request: 1, reason: "hang", pids, graceNs: 1e9 },
    ...pids.map((pid, i) => ({
      pid,
      tid: pid + 100,
      seq: seq.get(pid)! + 1,
      t: t + 1 + i,
      kind: "process.stacks",
      request: 1,
      threads: [{ tid: pid, name: "MainThread", main: true, state: "waiting", frames: [{ file: fx.header.program, line: where[pid], fn: "f", user: true }], userFrame: 0 }],
    })),
  ] as unknown as TraceEvent[];
  s.append([...program.slice(firstWait), ...snapshot]);
  assert.ok(s.latestStacks()?.complete, "the snapshot is complete");
  assert.equal(s.diagnosis?.deadlocks[0]?.kind, "cycle", "the cycle is diagnosed at once");
  assert.equal(s.noProgress(), null, "no 'no progress' beside a deadlock");
  s.finish(null, "done");
});
