import { test } from "node:test";
import assert from "node:assert/strict";
import { pairMessages, signalName, signalNumber, summarize, SummaryBuilder } from "../../trace/summary";
import { EventScript, testHeader } from "./launchTestUtil";
import { TraceModel } from "../../trace/model/model";
import { diagnose } from "../../trace/analysis/diagnose";
import { dumpState } from "../../trace/model/dump";

test("pairs sends and receipts by msg, whatever the arrival order; counts in-flight", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "queue.create", { obj: "Q10.1", objType: "Queue" })
    .start(11, "Process-1", "child", 10)
    .ev(11, "queue.get", { obj: "Q10.1", msg: "10.1", preview: "1" }) // index 3, before its send
    .ev(10, "queue.put", { obj: "Q10.1", msg: "10.1", preview: "1" }) // index 4
    .ev(10, "queue.put", { obj: "Q10.1", msg: "10.2", preview: "2" }) // index 5, never taken
    .ev(11, "queue.get", { obj: "Q10.1", preview: "3" }) // index 6: put by uninstrumented code
    .ev(10, "mgr.call", { obj: "M1/a", msg: "10.3", method: "get", preview: "()" }) // 7
    .ev(11, "mgr.recv", { obj: "M1/a", msg: "10.3", method: "get" }) // 8
    .ev(11, "mgr.reply", { msg: "10.3", ok: true }) // 9: same id as the call, another kind
    .ev(10, "mgr.return", { obj: "M1/a", msg: "10.3", ok: true, preview: "None" }); // 10
  const sum = summarize(testHeader(), s.events);
  assert.deepEqual(sum.messages, { sent: 4, received: 4, matched: 3, inFlight: 1, outside: 0, unmatchedReceipts: 1 });
  assert.deepEqual([...pairMessages(s.events)].sort((a, b) => a[0] - b[0]), [
    [3, 4],
    [8, 7],
    [10, 9],
  ]);
});

test("raw-bytes pipe messages pair first-in-first-out per direction, by t", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "pipe.create", { obj: "pipe:A-B", ends: ["A", "B"], duplex: true }) // 1
    .start(11, "Process-1", "child", 10) // 2
    // Receipts arrive first (file order), sends later; t decides the order.
    .ev(11, "pipe.recv", { obj: "B", preview: "b'second'", bytes: true, t: 500 }) // 3
    .ev(11, "pipe.recv", { obj: "B", preview: "b'first'", bytes: true, t: 400 }) // 4
    .ev(10, "pipe.send", { obj: "A", msg: "10.2", preview: "b'second'", bytes: true, t: 300 }) // 5
    .ev(10, "pipe.send", { obj: "A", msg: "10.1", preview: "b'first'", bytes: true, t: 200 }) // 6
    // The other direction: B → A, one send, two receipts (one too many: unmatched).
    .ev(11, "pipe.send", { obj: "B", msg: "11.1", preview: "b'back'", bytes: true, t: 600 }) // 7
    .ev(10, "pipe.recv", { obj: "A", preview: "b'back'", bytes: true, t: 700 }) // 8
    .ev(10, "pipe.recv", { obj: "A", preview: "b'??'", bytes: true, t: 800 }) // 9
    // An object message on the same pipe pairs by msg.
    .ev(10, "pipe.send", { obj: "A", msg: "10.3", preview: "'obj'", bytes: false, t: 900 }) // 10
    .ev(11, "pipe.recv", { obj: "B", msg: "10.3", preview: "'obj'", bytes: false, t: 950 }); // 11
  const pairs = pairMessages(s.events);
  assert.equal(pairs.get(4), 6, "first receipt (t 400) takes the first send (t 200)");
  assert.equal(pairs.get(3), 5);
  assert.equal(pairs.get(8), 7);
  assert.equal(pairs.has(9), false);
  assert.equal(pairs.get(11), 10);
  assert.equal(pairs.size, 4);
  const sum = summarize(testHeader(), s.events);
  assert.deepEqual(sum.messages, { sent: 4, received: 5, matched: 4, inFlight: 0, outside: 0, unmatchedReceipts: 1 });
});

test("bytes on a pipe whose pipe.create is not in the trace cannot be paired", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "pipe.send", { obj: "A", msg: "10.1", preview: "b'x'", bytes: true })
    .ev(10, "pipe.recv", { obj: "B", preview: "b'x'", bytes: true });
  assert.equal(pairMessages(s.events).size, 0);
});

test("processes: identity, exit codes from process.exit, join and run.exit, signals", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "process.spawn", { child: 11, name: "Process-1", daemon: false })
    .ev(10, "process.spawn", { child: 12, name: "Process-2", daemon: true })
    .ev(10, "process.spawn", { child: 13, name: "Process-3", daemon: false }) // never connects
    .start(11, "Process-1", "child", 10)
    .start(12, "Process-2", "child", 10)
    .ev(11, "process.exit", { exitCode: 0 })
    .collector(11, "process.disconnect", { clean: true })
    .ev(12, "process.exit", { exitCode: -15, signal: 15 })
    .collector(12, "process.disconnect", { clean: true })
    .ev(10, "process.join", { child: 11, exitCode: 3 }) // the joiner's view wins over process.exit
    .ev(10, "process.join", { child: 13, exitCode: -9 })
    .ev(10, "process.join", { child: 12, exitCode: null }) // timed out: no information
    .ev(10, "process.exit", { exitCode: 0 })
    .collector(10, "process.disconnect", { clean: false })
    .collector(10, "run.exit", { exitCode: null, signal: "SIGKILL", timedOut: false });
  const sum = summarize(testHeader(), s.events);
  const byPid = new Map(sum.processes.map((p) => [p.pid, p]));
  assert.deepEqual(sum.processes.map((p) => p.pid), [10, 11, 12, 13]);
  assert.deepEqual(byPid.get(10), { pid: 10, name: "MainProcess", role: "main", parentPid: 1, exitCode: null, signal: "SIGKILL", events: 8, disconnect: "unclean" });
  assert.deepEqual(byPid.get(11), { pid: 11, name: "Process-1", role: "child", parentPid: 10, exitCode: 3, signal: null, events: 2, disconnect: "clean" });
  assert.deepEqual(byPid.get(12), { pid: 12, name: "Process-2", role: "child", parentPid: 10, exitCode: null, signal: "SIGTERM", events: 2, disconnect: "clean" });
  assert.deepEqual(byPid.get(13), { pid: 13, name: "Process-3", role: null, parentPid: 10, exitCode: null, signal: "SIGKILL", events: 0, disconnect: null });
  assert.equal(sum.exitCode, null);
  assert.equal(sum.signal, "SIGKILL");
  assert.equal(sum.timedOut, false);
});

test("without run.exit the main process's own exit is the run's; timedOut from run.exit", () => {
  const s = new EventScript().start(10, "MainProcess", "main", 1).ev(10, "process.exit", { exitCode: 4 });
  const sum = summarize(testHeader(), s.events);
  assert.equal(sum.exitCode, 4);
  assert.equal(sum.complete, false);
  s.collector(10, "run.exit", { exitCode: null, signal: "SIGTERM", timedOut: true });
  const sum2 = summarize(testHeader(), s.events);
  assert.equal(sum2.timedOut, true);
  assert.equal(sum2.signal, "SIGTERM");
  assert.equal(sum2.exitCode, null);
});

test("lost events and bad lines: from events.lost, or the footer when there is one", () => {
  const s = new EventScript().start(10, "MainProcess", "main", 1).lose(10, 3).lose(10, 2).ev(10, "queue.close", { obj: "Q" });
  const sum = summarize(testHeader(), s.events);
  assert.equal(sum.lostEvents, 5);
  assert.equal(sum.badLines, 0);
  assert.equal(sum.events, 4);
  const withFooter = summarize(testHeader(), s.events, { footer: true, events: 4, lostEvents: 5, badLines: 2, endedAt: "2025-01-01T00:00:00Z" });
  assert.equal(withFooter.badLines, 2);
  assert.equal(withFooter.complete, true);
});

test("objects: kind and family from creation events; referenced-only objects are unknown", () => {
  const site = { file: "/p/x.py", line: 3, fn: "main" };
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "queue.create", { obj: "Q1", objType: "JoinableQueue", site })
    .ev(10, "pipe.create", { obj: "pipe:a-b", ends: ["a", "b"], duplex: false })
    .ev(10, "sync.create", { obj: "L1", objType: "RLock" })
    .ev(10, "value.create", { obj: "V1", objType: "Array", ctype: "d", length: 4, preview: "[0.0, 0.0, 0.0, 0.0]" })
    .ev(10, "manager.start", { obj: "M1", serverPid: 12, address: "/tmp/x" })
    .ev(10, "proxy.create", { obj: "M1/1", manager: "M1", objType: "dict" })
    .ev(10, "pool.create", { obj: "P1", processes: 2 })
    .ev(10, "lock.acquire", { obj: "L1", ok: true })
    .ev(10, "lock.acquire", { obj: "L9", ok: true }) // never created in the trace
    .ev(10, "block.begin", { op: "process.join", obj: "proc:11" }); // not an object
  const sum = summarize(testHeader(), s.events);
  const o = new Map(sum.objects.map((x) => [x.id, x]));
  assert.deepEqual(o.get("Q1"), { id: "Q1", kind: "JoinableQueue", family: "queue", pid: 10, site, events: 1 });
  assert.deepEqual(o.get("pipe:a-b"), { id: "pipe:a-b", kind: "Pipe", family: "pipe", pid: 10, site: null, events: 1, ends: ["a", "b"] });
  assert.equal(o.get("a")!.kind, "PipeEnd");
  assert.equal(o.get("a")!.pipe, "pipe:a-b");
  assert.deepEqual([o.get("L1")!.kind, o.get("L1")!.family, o.get("L1")!.events], ["RLock", "sync", 2]);
  assert.deepEqual([o.get("V1")!.kind, o.get("V1")!.family], ["Array", "value"]);
  assert.deepEqual([o.get("M1")!.kind, o.get("M1")!.family], ["Manager", "manager"]);
  assert.deepEqual([o.get("M1/1")!.kind, o.get("M1/1")!.family], ["dict", "proxy"]);
  assert.deepEqual([o.get("P1")!.kind, o.get("P1")!.family], ["Pool", "pool"]);
  assert.deepEqual([o.get("L9")!.kind, o.get("L9")!.family, o.get("L9")!.pid], ["unknown", "sync", null]);
  assert.equal(o.has("proc:11"), false);
});

test("header fields, start method from process.start when the header has none, duration", () => {
  const s = new EventScript().start(10, "MainProcess", "main", 1);
  (s.events[0] as unknown as { startMethod: string }).startMethod = "spawn";
  s.ev(10, "process.exit", { exitCode: 0, t: 2_500_000_000 });
  const sum = summarize(testHeader({ startMethod: null, args: ["-x"] }), s.events);
  assert.equal(sum.startMethod, "spawn");
  assert.deepEqual(sum.args, ["-x"]);
  assert.equal(sum.program, "/home/ana/proj/pipeline.py");
  assert.equal(sum.durationMs, 2500);
  assert.equal(sum.summaryVersion, 1);
});

test("SummaryBuilder fed incrementally equals summarize", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "queue.put", { obj: "Q", msg: "1", preview: "x" })
    .ev(10, "queue.get", { obj: "Q", msg: "1", preview: "x" });
  const b = new SummaryBuilder();
  for (const e of s.events) b.add(e);
  b.setHeader(testHeader());
  assert.deepEqual(b.result(), summarize(testHeader(), s.events));
  // result() can be asked again after more events.
  b.add(s.events[1]);
  assert.equal(b.result().messages.sent, 2);
});

test("signal names", () => {
  assert.equal(signalName(15), "SIGTERM");
  assert.equal(signalName(9), "SIGKILL");
  assert.equal(signalName(40), "SIG40");
  assert.equal(signalNumber("SIGINT"), 2);
  assert.equal(signalNumber("SIG40"), 40);
  assert.equal(signalNumber("SIGNOPE"), null);
});

test("an orphaned run (run.orphaned, no run.exit): the summary says who died and how many processes the watchdog ended", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .start(11, "Process-1", "child", 10)
    .collector(10, "run.orphaned", { recorderPid: 7, ended: 2 });
  const sum = summarize(testHeader(), s.events);
  assert.deepEqual(sum.orphaned, { recorderPid: 7, ended: 2 });
  assert.equal(sum.exitCode, null);
  assert.equal(sum.complete, false);
  const healthy = summarize(testHeader(), new EventScript().start(10, "MainProcess", "main", 1).collector(10, "run.exit", { exitCode: 0, signal: null, timedOut: false }).events);
  assert.equal(healthy.orphaned, null);
});

test("objects carry the program's names and each process's own names; default-named processes a label", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "proxy.create", { obj: "M1/a", manager: "M1", objType: "Lock", name: "forks[0]" })
    .ev(10, "pipe.create", { obj: "pipe:A-B", ends: ["A", "B"], duplex: true, endNames: ["a", "b"] })
    .ev(10, "queue.create", { obj: "Q10.1", objType: "Queue" }) // an older runtime: no name
    .ev(10, "process.spawn", { child: 11, name: "phil-0", daemon: false, target: "__main__.philosopher" })
    .ev(10, "process.spawn", { child: 12, name: "Process-2", daemon: false, target: "__main__.consumer" })
    .ev(11, "process.start", { name: "phil-0", ppid: 10, role: "child", startMethod: "spawn", target: "__main__.philosopher", names: { "M1/a": "left", B: "conn" } })
    .ev(12, "process.start", { name: "Process-2", ppid: 10, role: "child", startMethod: "spawn", target: "__main__.consumer" });
  const sum = summarize(testHeader(), s.events);
  const o = new Map(sum.objects.map((x) => [x.id, x]));
  assert.equal(o.get("M1/a")!.name, "forks[0]");
  assert.deepEqual(o.get("M1/a")!.names, [{ pid: 11, process: "phil-0", name: "left" }]);
  assert.equal(o.get("A")!.name, "a");
  assert.equal(o.get("B")!.name, "b");
  assert.deepEqual(o.get("B")!.names, [{ pid: 11, process: "phil-0", name: "conn" }]);
  assert.equal("name" in o.get("Q10.1")!, false);
  const p = new Map(sum.processes.map((x) => [x.pid, x]));
  assert.equal(p.get(11)!.label, undefined, "a name the program gave is the label");
  assert.equal(p.get(12)!.label, "Process-2 · consumer");
  assert.equal(p.get(12)!.target, "__main__.consumer");
});

test("a Manager object id reused by the server (the first object freed): the later creation names it", () => {
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "proxy.create", { obj: "M1/7f00", manager: "M1", objType: "Lock", name: "forks[1]" })
    .ev(10, "proxy.create", { obj: "M1/7f00", manager: "M1", objType: "list", name: "log" })
    .ev(10, "mgr.call", { obj: "M1/7f00", msg: "10.1", method: "append", preview: "('x',)" });
  const sum = summarize(testHeader(), s.events);
  const o = sum.objects.filter((x) => x.id === "M1/7f00");
  assert.equal(o.length, 1);
  assert.equal(o[0].kind, "list");
  assert.equal(o[0].name, "log");
  const m = TraceModel.fromEvents(s.events, testHeader());
  assert.equal(m.stateAt(m.length - 1).names.get("M1/7f00"), "log", "the view's model names it too");
});

test("messages to a process outside the run: counted as outside, not in flight; a wait on such a connection is no hang", () => {
  // Main is the Client of a service outside the run: it sends twice (outside), gets one answer
  // (no msg), and waits in recv() for the second, which only the service can send.
  const s = new EventScript()
    .start(10, "MainProcess", "main", 1)
    .ev(10, "pipe.connect", { obj: "Lsvc.sock/10.1c", pipe: "Lsvc.sock/10.1", listener: "/tmp/svc.sock", outside: true, peerPid: 999 })
    .ev(10, "pipe.send", { obj: "Lsvc.sock/10.1c", msg: "10.1", preview: "'a'", bytes: false, outside: true })
    .ev(10, "pipe.recv", { obj: "Lsvc.sock/10.1c", preview: "'A'", bytes: false })
    .ev(10, "pipe.send", { obj: "Lsvc.sock/10.1c", msg: "10.2", preview: "'b'", bytes: false, outside: true })
    .ev(10, "mgr.call", { obj: "M127.0.0.1:5000/x", msg: "10.3", method: "put", preview: "('job',)", outside: true })
    .ev(10, "mgr.return", { obj: "M127.0.0.1:5000/x", ok: true, preview: "None" })
    .ev(10, "block.begin", { obj: "Lsvc.sock/10.1c", op: "pipe.recv" });
  const sum = summarize(testHeader(), s.events);
  assert.deepEqual(sum.messages, { sent: 3, received: 2, matched: 0, inFlight: 0, outside: 3, unmatchedReceipts: 2 });
  const m = TraceModel.fromEvents(s.events, testHeader());
  const st = m.stateAt(m.length - 1);
  const pipe = st.objects.get(st.ends.get("Lsvc.sock/10.1c") ?? "");
  assert.ok(pipe && pipe.cls === "pipe" && pipe.outside === true, "the connection is marked outside");
  assert.deepEqual(
    pipe.dirs.map((d) => d.size),
    [0, 0],
    "nothing in flight on it: what was sent left the run",
  );
  assert.deepEqual(diagnose(m).deadlocks, [], "waiting for a peer outside the run is no hang");
  assert.match(dumpState(st), /held by a process outside the run \(pid 999\)/, "the state panel names the peer");
});
