// Atomics.notify as arrows to the waits it woke (issue 16): the trace format (validation), the
// model (a notification paired with the ends of the waits it ended, whichever arrives first), the
// fold (the woken waiters are marked notified, the longest waiting first, as many as it woke),
// and the view's data (one wake arrow per woken wait, from the notifying lane to the waiter's).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { TraceEvent, TraceHeader } from "../../trace/format";
import { TraceModel } from "../../trace/model/model";
import { validateTrace } from "../../trace/validate";
import { ViewData } from "../../webview/layout/viewData";
import { ARROW_CLASSES } from "../../webview/layout/palette";

const MAIN = 100;
const W1 = 1 * 4194304 + MAIN;
const W2 = 2 * 4194304 + MAIN;
const CELL = "sab100.1[0]";

const header = {
  format: "ipcviz-trace",
  version: 1,
  program: "/p/app.js",
  args: [],
  cwd: "/p",
  interpreter: { language: "node", path: "/usr/bin/node", version: "20.20.2", implementation: "Node.js" },
  startMethod: null,
  startedAt: "2026-12-06T00:00:00.000Z",
  clock: { kind: "monotonic", unit: "ns" },
  runtime: { name: "ipcviz-node", version: "0.1.0" },
} as unknown as TraceHeader;

const site = { file: "/p/app.js", line: 9, fn: "<anonymous>" };
function trace(): TraceEvent[] {
  const e = (x: Record<string, unknown>) => x as unknown as TraceEvent;
  return [
    e({ pid: MAIN, tid: MAIN, seq: 0, t: 10, kind: "process.start", name: "main", ppid: 1, role: "main", startMethod: null, argv: ["/p/app.js"] }),
    e({ pid: MAIN, tid: MAIN, seq: 1, t: 20, kind: "value.create", obj: "sab100.1", objType: "SharedArrayBuffer", ctype: "bytes", length: 8, preview: "SharedArrayBuffer(8)" }),
    e({ pid: W1, tid: 201, seq: 0, t: 30, kind: "process.start", name: "a", ppid: MAIN, role: "worker", startMethod: "worker", thread: 1, hostPid: MAIN }),
    e({ pid: W2, tid: 202, seq: 0, t: 31, kind: "process.start", name: "b", ppid: MAIN, role: "worker", startMethod: "worker", thread: 2, hostPid: MAIN }),
    e({ pid: W1, tid: 201, seq: 1, t: 40, kind: "block.begin", obj: CELL, site, op: "atomics.wait", value: "0" }),
    e({ pid: W2, tid: 202, seq: 1, t: 41, kind: "block.begin", obj: CELL, site, op: "atomics.wait", value: "0" }),
    // Worker a's end arrives before the notify (each thread flushes on its own).
    e({ pid: W1, tid: 201, seq: 2, t: 61, kind: "block.end", obj: CELL, msg: "an100.1", site, op: "atomics.wait", outcome: "ok", result: "ok" }),
    e({ pid: MAIN, tid: MAIN, seq: 2, t: 50, kind: "cond.notify", obj: CELL, msg: "an100.1", site, n: "all", woken: 2 }),
    e({ pid: W2, tid: 202, seq: 2, t: 62, kind: "block.end", obj: CELL, msg: "an100.1", site, op: "atomics.wait", outcome: "ok", result: "ok" }),
  ];
}

test("atomics wake: a valid trace; a wait naming no notify, or a timed-out wait naming one, is reported", () => {
  assert.deepEqual(validateTrace(header, trace()), []);
  // Without the notify (main's last event, so no gap in its seq): both woken waits name nothing recorded.
  const noNotify = trace().filter((e) => e.kind !== "cond.notify");
  const p1 = validateTrace(header, noNotify);
  assert.equal(p1.length, 2, p1.join("\n"));
  assert.match(p1[0], /woken by notification "an100\.1", but no cond\.notify has that msg/);
  const timedOut = trace().map((e) => (e.kind === "block.end" && e.pid === W2 ? ({ ...e, outcome: "timeout" } as TraceEvent) : e));
  const p2 = validateTrace(header, timedOut);
  assert.equal(p2.length, 1, p2.join("\n"));
  assert.match(p2[0], /only outcome "ok" can/);
  const dup = [...trace(), { ...trace()[7], seq: 3, t: 70 } as TraceEvent];
  assert.match(validateTrace(header, dup).join("\n"), /reuses notification id "an100\.1"/);
});

test("atomics wake: the model pairs the notify with both ends, the fold marks the waiters notified, the view draws two wake arrows", () => {
  for (const live of [false, true]) {
    const m = new TraceModel(header);
    if (live) for (const ev of trace()) m.append([ev]);
    else m.append(trace());
    m.finish();
    const idx = (pred: (e: TraceEvent & Record<string, unknown>) => boolean) => {
      for (let i = 0; i < m.length; i++) if (pred(m.event(i) as TraceEvent & Record<string, unknown>)) return i;
      return -1;
    };
    const n = idx((e) => e.kind === "cond.notify");
    const a = idx((e) => e.kind === "block.end" && e.pid === W1);
    const b = idx((e) => e.kind === "block.end" && e.pid === W2);
    assert.ok(n >= 0 && a >= 0 && b >= 0);
    assert.equal(m.wakeSource(a), n, `live=${live}`);
    assert.equal(m.wakeSource(b), n);
    assert.deepEqual([...m.wokenBy(n)].sort(), [a, b].sort());
    assert.equal(m.wakeSource(n), -1);
    // Just after the notify: both waiters are still blocked, and both notified (it woke 2).
    const s = m.stateAt(n);
    const waiters = s.waitersOf(CELL);
    assert.equal(waiters.length, n < a ? 2 : 1);
    for (const w of waiters) assert.equal(w.notified, true);

    const vd = new ViewData(m, "time");
    const wake = ARROW_CLASSES.indexOf("wake");
    const slots: number[] = [];
    for (let k = 0; k < vd.arrowClass.length; k++) if (vd.arrowClass.data[k] === wake) slots.push(k);
    assert.equal(slots.length, 2, "one arrow per woken wait");
    for (const k of slots) {
      assert.equal(vd.arrowSend.data[k], n);
      assert.equal(m.lane(vd.arrowSend.data[k]), m.lane(n), "from the notifying thread's lane");
      assert.ok([a, b].includes(vd.arrowRecv.data[k]), "to the waiter's end");
    }
    // Selecting the notify or a woken end selects a wake arrow.
    assert.ok(slots.includes(vd.arrowOf(n)));
    assert.ok(slots.includes(vd.arrowOf(b)));
  }
});

test("atomics wake: a Condition's notify (Python) still marks only cond.wait waiters", () => {
  // No `woken`: the Python meaning, unchanged (an Atomics wait on the same obj is not notified).
  const evs = trace()
    .filter((e) => e.kind !== "block.end")
    .map((e) => (e.kind === "cond.notify" ? ({ ...e, woken: undefined, msg: undefined } as unknown as TraceEvent) : e));
  const m = TraceModel.fromEvents(evs, header);
  const s = m.stateAt(m.length - 1);
  for (const w of s.waitersOf(CELL)) assert.equal(w.notified, false);
});
