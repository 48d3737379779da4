import { test } from "node:test";
import assert from "node:assert/strict";
import { COLLECTOR_EVENT_KINDS, RUNTIME_EVENT_KINDS, validateEvent, validateFooter, validateHeader, validateTrace } from "../../trace/validate";
import type { TraceEvent } from "../../trace/format";
import { docExamples, EventScript, testHeader } from "./launchTestUtil";

/**
 * Required kind-specific fields of every kind, written out from trace/format.ts independently
 * of trace/validate.ts's table (so a mistake in either shows up here).
 */
const REQUIRED: Record<string, string[]> = {
  "process.start": ["name", "ppid", "role", "startMethod"],
  "process.spawn": ["child", "name", "daemon"],
  "process.join": ["child", "exitCode"],
  "process.terminate": ["child"],
  "process.kill": ["child"],
  "process.exit": ["exitCode"],
  "queue.create": ["obj", "objType"],
  "queue.put": ["obj", "msg", "preview"],
  "queue.get": ["obj", "preview"],
  "queue.poll": ["obj", "method", "result", "repeats"],
  "queue.task_done": ["obj"],
  "queue.join": ["obj"],
  "queue.close": ["obj"],
  "queue.feeder_error": ["obj"],
  "pipe.create": ["obj", "ends", "duplex"],
  "pipe.send": ["obj", "msg", "preview", "bytes"],
  "pipe.recv": ["obj", "preview", "bytes"],
  "pipe.poll": ["obj", "result", "repeats"],
  "pipe.close": ["obj"],
  "pipe.eof": ["obj"],
  "conn.wait": ["obj", "objects", "ready"],
  "pipe.connect": ["obj", "pipe", "listener"],
  "sync.create": ["obj", "objType"],
  "lock.acquire": ["obj", "ok"],
  "lock.release": ["obj"],
  "cond.wait": ["obj", "ok"],
  "cond.notify": ["obj", "n"],
  "event.set": ["obj"],
  "event.clear": ["obj"],
  "event.wait": ["obj", "ok"],
  "event.poll": ["obj", "result", "repeats"],
  "barrier.wait": ["obj", "index"],
  "barrier.abort": ["obj"],
  "barrier.reset": ["obj"],
  "atomics.wait": ["obj", "value"],
  "atomics.waitAsync": ["obj", "value"],
  "message.wait": ["obj", "resources"],
  "value.create": ["obj", "objType", "ctype", "preview"],
  "value.read": ["obj", "value"],
  "value.write": ["obj", "value"],
  "manager.start": ["obj", "serverPid", "address"],
  "proxy.create": ["obj", "manager", "objType"],
  "mgr.call": ["obj", "msg", "method", "preview"],
  "mgr.recv": ["msg", "method"],
  "mgr.reply": ["msg", "ok"],
  "mgr.return": ["obj", "ok", "preview"],
  "ns.get": ["obj", "attr"],
  "ns.set": ["obj", "attr"],
  "ns.del": ["obj", "attr"],
  "ns.local_change": ["obj", "attr", "before", "after"],
  "proxy.op": ["obj", "method", "args", "result", "ok"],
  "pool.create": ["obj", "processes"],
  "pool.submit": ["obj", "job", "method", "func"],
  "pool.task.send": ["obj", "job", "index", "msg", "func", "preview"],
  "pool.task.recv": ["obj", "job", "index", "func"],
  "pool.result.send": ["obj", "job", "index", "msg", "ok", "preview"],
  "pool.result.recv": ["obj", "job", "index", "ok"],
  "pool.get": ["obj", "job", "ok", "preview"],
  "pool.close": ["obj"],
  "pool.terminate": ["obj"],
  "pool.join": ["obj"],
  "block.begin": ["op", "obj"],
  "block.end": ["op", "obj", "outcome"],
  "process.disconnect": ["clean"],
  "events.lost": ["fromSeq", "count"],
  "run.exit": ["exitCode", "signal", "timedOut"],
  "process.stacks": ["request", "threads"],
  "stacks.request": ["request", "reason", "pids"],
  "stacks.missing": ["request", "state", "cpuTicks", "waitedMs"],
  "run.orphaned": ["recorderPid", "ended"],
};
const RUNTIME_BASE_REQUIRED = ["pid", "tid", "seq", "t", "kind"];
const COLLECTOR_BASE_REQUIRED = ["src", "pid", "t", "kind"];

/** A value of a type no field accepts. */
const WRONG = { wrong: true };

function examples(): Map<string, Record<string, unknown>> {
  const m = new Map<string, Record<string, unknown>>();
  for (const e of docExamples()) if (typeof e.kind === "string" && !m.has(e.kind)) m.set(e.kind, e);
  return m;
}

test("the kind lists cover exactly the kinds of format.ts", () => {
  assert.deepEqual([...RUNTIME_EVENT_KINDS, ...COLLECTOR_EVENT_KINDS].sort(), Object.keys(REQUIRED).sort());
});

test("every example in docs/trace-format.md is valid, and every kind has one", () => {
  const all = docExamples();
  const kinds = new Set<string>();
  for (const e of all) {
    if (e.format !== undefined) {
      assert.deepEqual(validateHeader(e), []);
      continue;
    }
    if (e.footer === true) continue;
    assert.equal(validateEvent(e), null, JSON.stringify(e));
    kinds.add(e.kind as string);
  }
  assert.deepEqual([...kinds].sort(), Object.keys(REQUIRED).sort());
});

test("each missing required field is caught and named", () => {
  for (const [kind, e] of examples()) {
    const base = e.src === "collector" ? COLLECTOR_BASE_REQUIRED : RUNTIME_BASE_REQUIRED;
    for (const field of [...base, ...REQUIRED[kind]]) {
      const broken = { ...e };
      delete broken[field];
      const msg = validateEvent(broken);
      assert.ok(msg !== null, `${kind} without ${field} should be invalid`);
      assert.ok(msg.includes(`"${field}"`), `${kind} without ${field}: message names it: ${msg}`);
    }
  }
});

test("each field of the wrong type is caught and named", () => {
  for (const [kind, e] of examples()) {
    for (const field of Object.keys(e)) {
      if (field === "kind") continue;
      const msg = validateEvent({ ...e, [field]: WRONG });
      assert.ok(msg !== null, `${kind}.${field} = {wrong} should be invalid`);
      assert.ok(msg.includes(`"${field}"`), `${kind}.${field}: message names it: ${msg}`);
    }
  }
});

test("optional fields may be left out", () => {
  for (const [kind, e] of examples()) {
    const base = e.src === "collector" ? COLLECTOR_BASE_REQUIRED : RUNTIME_BASE_REQUIRED;
    const stripped: Record<string, unknown> = {};
    for (const f of [...base, ...REQUIRED[kind]]) stripped[f] = e[f];
    assert.equal(validateEvent(stripped), null, `${kind} with only its required fields`);
  }
});

test("specific type rules", () => {
  const ex = examples();
  const bad = (kind: string, over: Record<string, unknown>, re: RegExp) => {
    const msg = validateEvent({ ...ex.get(kind)!, ...over });
    assert.ok(msg !== null && re.test(msg), `${kind} ${JSON.stringify(over)}: ${msg}`);
  };
  const ok = (kind: string, over: Record<string, unknown>) => assert.equal(validateEvent({ ...ex.get(kind)!, ...over }), null, `${kind} ${JSON.stringify(over)}`);
  bad("queue.put", { seq: -1 }, /"seq" must be an integer ≥ 0/);
  bad("queue.put", { seq: 1.5 }, /"seq"/);
  bad("queue.put", { t: "5" }, /"t"/);
  bad("process.start", { role: "boss" }, /"role" must be one of main/);
  bad("block.begin", { op: "queue.peek" }, /"op"/);
  bad("block.end", { outcome: "maybe" }, /"outcome" must be one of ok, timeout, error/);
  bad("pipe.create", { ends: ["a"] }, /"ends" must be an array of two strings/);
  bad("pipe.create", { ends: ["a", 2] }, /"ends"/);
  bad("cond.notify", { n: "some" }, /"n"/);
  ok("cond.notify", { n: 2 });
  ok("cond.notify", { n: "all" });
  ok("process.join", { exitCode: null });
  ok("process.start", { startMethod: null });
  ok("barrier.wait", { index: null });
  bad("barrier.wait", { index: "1" }, /"index"/);
  ok("value.read", { index: "2:5" });
  ok("value.read", { index: 4 });
  bad("queue.put", { site: { file: "a.py", line: "3", fn: "f" } }, /"site" must be a call site/);
  bad("process.start", { argv: ["a", 1] }, /"argv" must be an array of strings/);
  bad("run.exit", { signal: 15 }, /"signal" must be a string or null/);
  const frame = { file: "/p/a.py", line: 3, fn: "main", user: true };
  const thread = { tid: 1, name: "MainThread", main: true, state: "waiting", frames: [frame], userFrame: 0 };
  bad("process.stacks", { threads: [{ ...thread, state: "stuck" }] }, /"threads" must be an array of threads/);
  bad("process.stacks", { threads: [{ ...thread, userFrame: 1 }] }, /"threads" must be an array of threads/);
  bad("process.stacks", { threads: [{ ...thread, frames: [{ ...frame, user: "yes" }] }] }, /"threads" must be an array of threads/);
  bad("stacks.request", { reason: "because" }, /"reason" must be "hang" or "request"/);
  bad("stacks.request", { pids: ["1"] }, /"pids" must be an array of integers/);
  ok("queue.put", { futureField: [1, 2, 3] }); // unknown fields are allowed
});

test("collector events: src must be collector and they have no seq", () => {
  const lost = { src: "collector", pid: 5, t: 10, kind: "events.lost", fromSeq: 3, count: 2 };
  assert.equal(validateEvent(lost), null);
  assert.match(validateEvent({ ...lost, seq: 4 })!, /must not have "seq"/);
  assert.match(validateEvent({ ...lost, src: "runtime" })!, /"src" must be "collector"/);
  const { src: _src, ...noSrc } = lost;
  assert.match(validateEvent(noSrc)!, /must have "src": "collector"/);
  assert.match(validateEvent({ src: "collector", pid: 5, t: 10, kind: "queue.put" })!, /not a collector event kind/);
});

test("not an object, no kind, unknown kind", () => {
  assert.match(validateEvent(null)!, /JSON object/);
  assert.match(validateEvent([1])!, /JSON object/);
  assert.match(validateEvent({ pid: 1 })!, /"kind" must be a string/);
  assert.match(validateEvent({ pid: 1, tid: 1, seq: 0, t: 0, kind: "queue.explode" })!, /unknown event kind "queue.explode"/);
});

test("validateHeader names bad fields", () => {
  assert.deepEqual(validateHeader(testHeader()), []);
  const p = validateHeader({ ...testHeader(), interpreter: { language: "ruby", path: 1 }, clock: { kind: "wall" }, startedAt: "yesterday" });
  assert.ok(p.some((x) => x.includes("interpreter.language")));
  assert.ok(p.some((x) => x.includes("interpreter.path")));
  assert.ok(p.some((x) => x.includes('"clock"')));
  assert.ok(p.some((x) => x.includes('"startedAt"')));
});

function valid(): EventScript {
  return new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "queue.create", { obj: "Q10.1", objType: "Queue" })
    .start(11, "Process-1", "child", 10)
    .ev(11, "queue.get", { obj: "Q10.1", msg: "10.1", preview: "1" }) // receipt before its send
    .ev(10, "queue.put", { obj: "Q10.1", msg: "10.1", preview: "1" })
    .ev(11, "process.exit", { exitCode: 0 })
    .collector(11, "process.disconnect", { clean: true })
    .ev(10, "process.exit", { exitCode: 0 })
    .collector(10, "run.exit", { exitCode: 0, signal: null, timedOut: false });
}

test("validateTrace: a good trace has no problems", () => {
  assert.deepEqual(validateTrace(testHeader(), valid().events), []);
});

test("validateTrace: a seq gap not reported as lost is a problem; a reported one is not", () => {
  const gap = valid().lose(10, 3, false).ev(10, "queue.close", { obj: "Q10.1" });
  const p = validateTrace(testHeader(), gap.events);
  assert.equal(p.length, 1);
  assert.match(p[0], /line 11: pid 10: seq jumps from 3 to 7 \(3 events missing, not reported by events.lost\)/);
  const reported = valid().lose(10, 3, true).ev(10, "queue.close", { obj: "Q10.1" });
  assert.deepEqual(validateTrace(testHeader(), reported.events), []);
  // An events.lost that does not start at the next seq is itself a problem.
  const wrongLost = valid().collector(10, "events.lost", { fromSeq: 9, count: 1 });
  assert.match(validateTrace(testHeader(), wrongLost.events)[0], /events.lost for pid 10 starts at seq 9, but the next expected seq is 4/);
});

test("validateTrace: repeated seq is a problem", () => {
  const s = valid();
  const ev = { ...(s.events[1] as object) } as TraceEvent;
  s.events.push(ev);
  assert.match(validateTrace(testHeader(), s.events)[0], /seq 1 repeats or goes backwards \(expected 4\)/);
});

test("validateTrace: an event before process.start is a problem unless seq 0 was lost", () => {
  const s = new EventScript().ev(20, "queue.close", { obj: "Q" }).ev(20, "queue.close", { obj: "Q" });
  const p = validateTrace(testHeader(), s.events);
  assert.equal(p.length, 1, "reported once per process");
  assert.match(p[0], /pid 20: queue.close before the process's process.start/);
  const lost = new EventScript().lose(20, 2).ev(20, "queue.close", { obj: "Q" });
  assert.deepEqual(validateTrace(testHeader(), lost.events), []);
});

test("validateTrace: a reused pid starts a new process at seq 0", () => {
  const s = valid().start(11, "Process-2", "child", 10).ev(11, "process.exit", { exitCode: 0 });
  assert.deepEqual(validateTrace(testHeader(), s.events), []);
});

test("validateTrace: receipts must match a send of the matching kind", () => {
  const s = valid().ev(11, "queue.get", { obj: "Q10.1", msg: "10.99", preview: "2" });
  assert.match(validateTrace(testHeader(), s.events)[0], /queue.get has message id "10.99" but no queue.put sent it/);
  // A pipe.recv cannot take a queue.put's message.
  const s2 = valid().ev(11, "pipe.recv", { obj: "C1r", msg: "10.1", preview: "1", bytes: false });
  assert.match(validateTrace(testHeader(), s2.events)[0], /pipe.recv has message id "10.1" but no pipe.send sent it/);
  // Raw-bytes receipts carry no msg: fine.
  const s3 = valid().ev(11, "pipe.recv", { obj: "C1r", preview: "b''", bytes: true });
  assert.deepEqual(validateTrace(testHeader(), s3.events), []);
  // When events were lost, a missing send may be among them.
  const s4 = valid().lose(10, 1).ev(11, "queue.get", { obj: "Q10.1", msg: "10.99", preview: "2" });
  assert.deepEqual(validateTrace(testHeader(), s4.events), []);
});

test("validateTrace: a message id sent twice, or received twice, is a problem", () => {
  const s = valid().ev(10, "queue.put", { obj: "Q10.1", msg: "10.1", preview: "1" });
  assert.match(validateTrace(testHeader(), s.events)[0], /queue.put reuses message id "10.1" of line 6/);
  const s2 = valid().ev(11, "queue.get", { obj: "Q10.1", msg: "10.1", preview: "1" });
  assert.match(validateTrace(testHeader(), s2.events)[0], /receives message "10.1" a second time \(first on line 5\)/);
});

test("validateTrace: invalid events and header are reported with their line", () => {
  const s = valid();
  (s.events[1] as unknown as Record<string, unknown>).objType = 5;
  const p = validateTrace({ ...testHeader(), cwd: 3 }, s.events);
  assert.ok(p.some((x) => /header: field "cwd"/.test(x)));
  assert.ok(p.some((x) => /^line 3: queue.create: field "objType" must be a string/.test(x)));
});

test("validateTrace caps the problem list", () => {
  const s = new EventScript();
  for (let i = 0; i < 50; i++) s.ev(1, "queue.explode");
  const p = validateTrace(testHeader(), s.events, { maxProblems: 10 });
  assert.equal(p.length, 11);
  assert.equal(p[10], "… and 40 more problems");
});

// Its speed is printed, not asserted (a busy machine is no defect): the figure to watch.
test("validateEvent accepts 200k events of every kind (prints its speed)", () => {
  const ex = [...examples().values()];
  const events: unknown[] = [];
  for (let i = 0; i < 200_000; i++) events.push({ ...ex[i % ex.length] });
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    let bad = 0;
    for (const e of events) if (validateEvent(e) !== null) bad++;
    const ns = Number(process.hrtime.bigint() - start) / events.length;
    assert.equal(bad, 0);
    best = Math.min(best, ns);
  }
  console.log(`validateEvent: ${best.toFixed(0)} ns per event (best of 5)`);
});

test("validateFooter checks the counts against the events", () => {
  const s = valid().lose(10, 2).ev(10, "queue.close", { obj: "Q10.1" });
  const good = { footer: true, events: s.events.length, lostEvents: 2, badLines: 0, endedAt: "2025-03-14T09:26:55.642Z" };
  assert.deepEqual(validateFooter(good, s.events), []);
  assert.match(validateFooter({ ...good, events: 3 }, s.events)[0], /footer: says 3 events, but the trace has 11/);
  assert.match(validateFooter({ ...good, lostEvents: 0 }, s.events)[0], /footer: says 0 lost events, but the events.lost events add up to 2/);
  assert.match(validateFooter({ ...good, badLines: -1 }, s.events)[0], /footer: field "badLines" must be an integer ≥ 0/);
  assert.match(validateFooter({ ...good, endedAt: 5 }, s.events)[0], /footer: field "endedAt"/);
});

test("names: optional, strings; a map of names must hold only strings", () => {
  const ex = examples();
  const start = { ...ex.get("process.start")!, role: "child", target: "__main__.philosopher", names: { "Mx/1": "left", "Mx/2": "right" } };
  assert.equal(validateEvent(start), null);
  const bad = validateEvent({ ...start, names: { "Mx/1": 3 } });
  assert.ok(bad !== null && bad.includes('"names"') && bad.includes("an object of strings"), String(bad));
  assert.ok(validateEvent({ ...start, names: ["left"] })?.includes('"names"'));
  assert.ok(validateEvent({ ...ex.get("pipe.create")!, endNames: ["a"] })?.includes('"endNames"'));
  assert.ok(validateEvent({ ...ex.get("queue.create")!, name: 7 })?.includes('"name"'));
  const { name: _n, ...unnamed } = ex.get("queue.create")!;
  assert.equal(validateEvent(unnamed), null, "an older runtime's queue.create (no name) still validates");
});
