import { test } from "node:test";
import assert from "node:assert/strict";
import { PausedState, pickFrame, sourcePath } from "../../extension/debug/pausedState";

const ev = (event: string, body: Record<string, unknown> = {}) => ({ type: "event", event, body });
const ok = (command: string) => ({ type: "response", command, success: true, body: {} });

test("paused set: a session's pid from debugpy's process event; stopped → paused, located at the stack's user frame", () => {
  const s = new PausedState();
  s.sessionStarted("root");
  assert.equal(s.fromAdapter("root", ev("process", { systemProcessId: 100, name: "main.py" })), false);
  assert.equal(s.fromAdapter("root", ev("thread", { reason: "started", threadId: 1 })), false);
  assert.equal(s.fromAdapter("root", ev("stopped", { reason: "breakpoint", threadId: 1 })), true);
  assert.deepEqual(s.paused(), [{ pid: 100, file: null, line: null, reason: "breakpoint" }]);
  const stamp = s.pauseStamp("root")!;
  assert.equal(
    s.location("root", stamp, [
      { name: "wait", line: 300, source: { path: "/usr/lib/python3.11/threading.py", presentationHint: "deemphasize" } },
      { name: "consumer", line: 32, source: { path: "/w/prog.py" } },
    ]),
    true,
  );
  assert.deepEqual(s.paused(), [{ pid: 100, file: "/w/prog.py", line: 32, reason: "breakpoint" }]);
  assert.deepEqual([...s.pausedPids()], [100]);
  assert.equal(s.isPaused(100), true);
  assert.equal(s.sessionOf(100), "root");
  assert.equal(s.threadOf("root"), 1);
});

test("paused set: a child session's pid from its configuration's subProcessId; continue/step responses and continued events resume", () => {
  const s = new PausedState();
  s.sessionStarted("c1", 201);
  s.sessionStarted("c2", 202);
  s.fromAdapter("c1", ev("stopped", { reason: "breakpoint", threadId: 7 }));
  s.fromAdapter("c2", ev("stopped", { reason: "pause", threadId: 9 }));
  assert.deepEqual(s.paused().map((p) => [p.pid, p.reason]), [[201, "breakpoint"], [202, "pause"]]);
  // Stepping: running again on the response, paused again (at a new line) on the next stop.
  assert.equal(s.fromAdapter("c1", ok("next")), true);
  assert.deepEqual(s.paused().map((p) => p.pid), [202]);
  s.fromAdapter("c1", ev("stopped", { reason: "step", threadId: 7 }));
  assert.deepEqual(s.paused().map((p) => [p.pid, p.reason]), [[201, "step"], [202, "pause"]]);
  assert.equal(s.fromAdapter("c2", ev("continued", { threadId: 9, allThreadsContinued: true })), true);
  assert.deepEqual(s.paused().map((p) => p.pid), [201]);
  // A failed continue changes nothing; requests other than resuming ones neither.
  assert.equal(s.fromAdapter("c1", { type: "response", command: "continue", success: false }), false);
  assert.equal(s.fromAdapter("c1", ok("stackTrace")), false);
  assert.deepEqual(s.paused().map((p) => p.pid), [201]);
});

test("paused set: a stack that arrives after the process moved on is ignored", () => {
  const s = new PausedState();
  s.sessionStarted("c", 5);
  s.fromAdapter("c", ev("stopped", { reason: "breakpoint", threadId: 1 }));
  const old = s.pauseStamp("c")!;
  s.fromAdapter("c", ok("continue"));
  s.fromAdapter("c", ev("stopped", { reason: "step", threadId: 1 }));
  assert.equal(s.location("c", old, [{ line: 3, source: { path: "/p.py" } }]), false);
  assert.deepEqual(s.paused(), [{ pid: 5, file: null, line: null, reason: "step" }]);
  assert.equal(s.pauseStamp("nope"), null);
});

test("paused set: a session that ends (exited, terminated, adapter gone) is not paused; a pid not yet known is not shown", () => {
  const s = new PausedState();
  s.sessionStarted("a");
  assert.equal(s.fromAdapter("a", ev("stopped", { reason: "entry", threadId: 1 })), false, "no pid yet: nothing to show");
  assert.deepEqual(s.paused(), []);
  assert.equal(s.fromAdapter("a", ev("process", { systemProcessId: 42 })), true, "the pid arrives: the pause shows");
  assert.deepEqual(s.paused().map((p) => p.pid), [42]);
  assert.equal(s.fromAdapter("a", ev("terminated")), true);
  assert.deepEqual(s.paused(), []);
  assert.equal(s.sessionOf(42), null);
  s.sessionStarted("b", 43);
  s.fromAdapter("b", ev("stopped", { reason: "pause", threadId: 2 }));
  assert.equal(s.sessionEnded("b"), true);
  assert.equal(s.sessionEnded("b"), false);
  assert.equal(s.sessionEnded("never"), false);
  assert.deepEqual(s.paused(), []);
});

test("paused set: thread bookkeeping gives a thread to pause a running process with", () => {
  const s = new PausedState();
  s.sessionStarted("c", 9);
  assert.equal(s.threadOf("c"), null);
  s.fromAdapter("c", ev("thread", { reason: "started", threadId: 4 }));
  s.fromAdapter("c", ev("thread", { reason: "started", threadId: 6 }));
  s.fromAdapter("c", ev("thread", { reason: "exited", threadId: 4 }));
  assert.equal(s.threadOf("c"), 6);
  assert.equal(s.isPaused(9), false);
  assert.equal(s.threadOf("unknown"), null);
});

test("pickFrame: the first frame of the user's code, else the first with a source", () => {
  assert.equal(pickFrame([]), null);
  assert.equal(pickFrame([{ name: "x" }]), null);
  assert.equal(pickFrame([{ line: 1, source: { path: "/lib/a.py", presentationHint: "deemphasize" } }])?.line, 1);
  assert.equal(pickFrame([{ line: 1, source: { path: "/lib/a.py", presentationHint: "subtle" } }, { line: 2, source: { path: "/u/b.py" } }])?.line, 2);
});

test("sourcePath: a remote window's URI back to the file path", () => {
  assert.equal(sourcePath("/w/prog.py"), "/w/prog.py");
  assert.equal(sourcePath("vscode-remote://127.0.0.1:38103/tmp/a%20b/prog.py"), "/tmp/a b/prog.py");
  assert.equal(sourcePath("file:///w/prog.py"), "/w/prog.py");
  const s = new PausedState();
  s.sessionStarted("c", 3);
  s.fromAdapter("c", { type: "event", event: "stopped", body: { reason: "breakpoint", threadId: 1 } });
  s.location("c", s.pauseStamp("c")!, [{ line: 4, source: { path: "vscode-remote://h:1/w/p.py" } }]);
  assert.equal(s.paused()[0].file, "/w/p.py");
});
