import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent } from "../../trace/format";
import { SYNTHETIC_HEADER, syntheticTraceLines } from "../../bench/model.bench";
import { PROTOCOL_VERSION } from "../../webview/protocol";
import { Store } from "../../webview/store";

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
