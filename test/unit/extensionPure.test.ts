// The extension host's pure parts (no `vscode`): settings, interpreter choice, trace naming,
// launcher messages, CodeLens lines, append batching, the terminal's line discipline, run
// counters, the deadlock notification, the trust guard, trace serialisation and disposal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AppendBatcher } from "../../extension/appendBatcher";
import { findMainGuardLines, findNodeIpcImportLines } from "../../extension/codeLensLines";
import { deadlockNotificationText } from "../../extension/deadlockMessage";
import { Disposable, disposeAll, toDisposable } from "../../extension/dispose";
import { LineDiscipline, toTerminalText } from "../../extension/lineDiscipline";
import { RunStats, statusBarText } from "../../extension/runStats";
import {
  DEFAULT_SETTINGS,
  chooseInterpreter,
  isNodeProgramFile,
  isRunnableProgram,
  launchErrorText,
  resolveSettings,
  resolveTraceFolder,
  traceFileName,
  uniquePath,
} from "../../extension/settings";
import { MANAGE_TRUST, UNTRUSTED_MESSAGE, guardRun } from "../../extension/trust";
import { makeFooter, traceToJsonl } from "../../extension/traceText";
import { readTraceText } from "../../trace/reader";
import type { Deadlock } from "../../trace/analysis/types";
import type { TraceEvent } from "../../trace/format";
import { MAX_APPEND_BATCH } from "../../webview/protocol";
import { EventScript, testHeader } from "./launchTestUtil";

test("settings: defaults when unset, bad values fall back, start method 'default' means none", () => {
  assert.deepEqual(resolveSettings(() => undefined), DEFAULT_SETTINGS);
  const values: Record<string, unknown> = {
    python: " /opt/py/bin/python3 ",
    "traces.save": "always",
    "traces.folder": "/tmp/traces",
    deadlockGrace: 2.5,
    payloadPreviewLength: 200,
    startMethod: "spawn",
    node: " /opt/node20/bin/node ",
    typescriptRunner: "ts-node",
  };
  assert.deepEqual(resolveSettings((k) => values[k]), {
    python: "/opt/py/bin/python3",
    saveTraces: "always",
    tracesFolder: "/tmp/traces",
    deadlockGraceSec: 2.5,
    previewLength: 200,
    startMethod: "spawn",
    node: "/opt/node20/bin/node",
    typescriptRunner: "ts-node",
  });
  const bad: Record<string, unknown> = { "traces.save": "sometimes", deadlockGrace: -1, payloadPreviewLength: "x", startMethod: "default", "traces.folder": "" };
  const s = resolveSettings((k) => bad[k]);
  assert.equal(s.saveTraces, "recent");
  assert.equal(s.deadlockGraceSec, 1);
  assert.equal(s.previewLength, 80);
  assert.equal(s.startMethod, undefined);
  assert.equal(s.tracesFolder, ".ipcviz");
  assert.equal(s.node, "");
  assert.equal(s.typescriptRunner, "auto");
});

test("interpreter: the Python extension's, else the setting, else python3", () => {
  assert.deepEqual(chooseInterpreter("/venv/bin/python", "/usr/bin/python3.12"), {
    python: "/venv/bin/python",
    source: "python-extension",
    description: "the Python extension's interpreter /venv/bin/python",
  });
  assert.equal(chooseInterpreter(undefined, "/usr/bin/python3.12").source, "setting");
  assert.equal(chooseInterpreter("  ", "/usr/bin/python3.12").python, "/usr/bin/python3.12");
  assert.deepEqual(chooseInterpreter(undefined, ""), { python: undefined, source: "default", description: "python3 on PATH" });
});

test("trace folder: relative to the workspace folder, else the program's folder; absolute as is", () => {
  assert.equal(resolveTraceFolder(".ipcviz", "/ws", "/ws/sub/p.py"), "/ws/.ipcviz");
  assert.equal(resolveTraceFolder("traces", undefined, "/elsewhere/p.py"), "/elsewhere/traces");
  assert.equal(resolveTraceFolder("/abs/t", "/ws", "/ws/p.py"), "/abs/t");
  assert.equal(resolveTraceFolder("", "/ws", "/ws/p.py"), "/ws/.ipcviz");
});

test("trace file names: stem and local time; never an existing file", () => {
  const now = new Date(2026, 0, 2, 3, 4, 5);
  assert.equal(traceFileName("/x/queue demo.py", now), "queue_demo-20260102-030405.ipcviz.jsonl");
  assert.equal(traceFileName("/x/.py", now), "program-20260102-030405.ipcviz.jsonl");
  const taken = new Set([join("/d", "a.ipcviz.jsonl"), join("/d", "a-2.ipcviz.jsonl")]);
  assert.equal(uniquePath("/d", "a.ipcviz.jsonl", (p) => taken.has(p)), join("/d", "a-3.ipcviz.jsonl"));
  assert.equal(uniquePath("/d", "b.ipcviz.jsonl", (p) => taken.has(p)), join("/d", "b.ipcviz.jsonl"));
});

test("launcher errors read as editor advice, not CLI flags", () => {
  const choice = chooseInterpreter(undefined, "/usr/bin/python2");
  const old = launchErrorText(
    "old-python",
    "ipcviz: /usr/bin/python2 is Python 2.7.18; ipcviz needs Python 3.9 or newer: pass --python with the path of a newer one",
    choice,
  );
  assert.doesNotMatch(old, /--python/);
  assert.match(old, /Python 2\.7\.18/);
  assert.match(old, /ipcviz\.python setting/);
  assert.match(old, /Pick a Python 3\.9 or newer interpreter\.$/);
  const none = launchErrorText("no-python", "ipcviz: no Python found (looked for python3 and python on PATH); install Python 3.9 or newer, or pass --python PATH");
  assert.doesNotMatch(none, /--python/);
  assert.match(none, /no Python found/);
  const out = launchErrorText("bad-output", "ipcviz: cannot write the trace to /x (EACCES); choose another path with --out");
  assert.match(out, /ipcviz\.traces\.folder/);
  assert.doesNotMatch(out, /--out/);
});

test("CodeLens lines: top-level main guards in either quote/order; not indented, not in docstrings", () => {
  const src = [
    '"""Doc.',
    'if __name__ == "__main__":',
    '"""',
    "import os",
    "def f():",
    "    if __name__ == '__main__':",
    "        pass",
    "if __name__ == '__main__':",
    "    f()",
    'if "__main__" == __name__ :',
    "    f()",
    "if __name__ == '__main__' and x:",
  ].join("\n");
  assert.deepEqual(findMainGuardLines(src), [7, 9]);
  assert.deepEqual(findMainGuardLines("print(1)\n"), []);
  assert.deepEqual(findMainGuardLines('if __name__=="__main__":'), [0]);
});

test("CodeLens lines (Node): the first import or require of worker_threads, child_process or cluster, not in comments", () => {
  assert.deepEqual(findNodeIpcImportLines('"use strict";\nconst { Worker } = require("node:worker_threads");\nrequire("child_process");\n'), [1]);
  assert.deepEqual(findNodeIpcImportLines("// require('worker_threads')\n/* import x from 'cluster'\n*/\nimport { fork } from 'child_process';\n"), [3]);
  assert.deepEqual(findNodeIpcImportLines("import cluster from \"node:cluster\";"), [0]);
  assert.deepEqual(findNodeIpcImportLines("const w = await import('node:worker_threads');"), [0]);
  assert.deepEqual(findNodeIpcImportLines("import fs from 'node:fs';\nconsole.log('worker_threads');\n"), []);
});

test("programs: Python and Node files run, others do not; Node launch errors point at the settings", () => {
  for (const f of ["a.js", "a.mjs", "a.cjs", "a.ts", "a.mts", "a.cts"]) assert.ok(isNodeProgramFile(f) && isRunnableProgram(f), f);
  assert.ok(isRunnableProgram("a.py") && !isNodeProgramFile("a.py"));
  assert.ok(!isRunnableProgram("a.json") && !isRunnableProgram("a.d"));
  assert.equal(
    launchErrorText("no-node", "ipcviz: no node found on PATH; install Node.js 20 or newer, or pass --node PATH"),
    "IPC Visualiser: no node found on PATH. Set the ipcviz.node setting to Node.js 20 or newer.",
  );
  assert.equal(
    launchErrorText("old-node", "ipcviz: /usr/bin/node is Node 18.1.0; ipcviz needs Node 20 or newer: pass --node with the path of a newer one"),
    "IPC Visualiser: /usr/bin/node is Node 18.1.0; ipcviz needs Node 20 or newer. Set the ipcviz.node setting to Node.js 20 or newer.",
  );
  assert.match(
    launchErrorText("no-ts-runner", "ipcviz: cannot run the TypeScript program /w/a.ts: no tsx or ts-node found in a node_modules folder above it or above /w; install one in the workspace (npm install --save-dev tsx) or pass --ts-runner with a loader"),
    /install one in the workspace \(npm install --save-dev tsx\) or set the ipcviz.typescriptRunner setting$/,
  );
});

function fakeTimers() {
  const timers: Array<{ fn: () => void; ms: number; live: boolean }> = [];
  return {
    timers,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return t;
    },
    clearTimer: (h: unknown) => {
      (h as { live: boolean }).live = false;
    },
    fire() {
      for (const t of timers.splice(0)) if (t.live) t.fn();
    },
  };
}

test("append batching: one message per interval, split at maxBatch, nothing lost or reordered", () => {
  const ft = fakeTimers();
  const posted: TraceEvent[][] = [];
  const b = new AppendBatcher((evs) => posted.push(evs), { intervalMs: 50, maxBatch: 3, setTimer: ft.setTimer, clearTimer: ft.clearTimer });
  const evs = new EventScript().start(1, "MainProcess", "main", 0);
  for (let i = 0; i < 6; i++) evs.ev(1, "value.write", { obj: "V", value: String(i) });
  b.push(evs.events.slice(0, 2));
  b.push(evs.events.slice(2, 7));
  assert.equal(ft.timers.length, 1, "one timer for the interval");
  assert.equal(ft.timers[0].ms, 50);
  assert.equal(posted.length, 0);
  ft.fire();
  assert.deepEqual(posted.map((p) => p.length), [3, 3, 1]);
  assert.deepEqual(posted.flat(), evs.events);
  b.push(evs.events.slice(0, 1));
  b.clear();
  ft.fire();
  assert.equal(posted.length, 3, "clear drops what was pending (a snapshot replaces it)");
  b.push([]);
  assert.equal(ft.timers.length, 0);
  assert.equal(new AppendBatcher(() => undefined)["maxBatch"], MAX_APPEND_BATCH);
});

test("line discipline: echo, backspace, Enter sends the line, Ctrl-C interrupts, Ctrl-D ends input", () => {
  const ld = new LineDiscipline();
  let r = ld.input("ab");
  assert.deepEqual(r, { echo: "ab", send: [], interrupt: false, eof: false });
  r = ld.input("\x7fc\r");
  assert.equal(r.echo, "\b \bc\r\n");
  assert.deepEqual(r.send, ["ac\n"]);
  r = ld.input("one\r\ntwo\n");
  assert.deepEqual(r.send, ["one\n", "two\n"]);
  r = ld.input("x\x03");
  assert.equal(r.interrupt, true);
  assert.equal(ld.pendingLine, "");
  assert.equal(ld.input("\x04").eof, true);
  assert.deepEqual(ld.input("par\x04").send, ["par"]);
  assert.equal(ld.input("\x7f").echo, "", "backspace on an empty line does nothing");
  assert.equal(toTerminalText("a\nb\r\nc"), "a\r\nb\r\nc");
});

test("run counters: processes running and events; status bar text", () => {
  const s = new RunStats();
  const e = new EventScript().start(1, "MainProcess", "main", 0).start(2, "p", "child", 1).ev(2, "process.exit", { exitCode: 0 }).start(3, "q", "child", 1).collector(3, "process.disconnect", { clean: false });
  s.feed(e.events);
  assert.equal(s.events, 5);
  assert.equal(s.processesSeen, 3);
  assert.equal(s.processesRunning, 1);
  assert.equal(statusBarText(s, "running"), "$(pulse) IPC: 1 process, 5 events");
  assert.match(statusBarText({ processesRunning: 0, events: 0 }, "starting"), /starting: 0 processes, 0 events/);
});

test("deadlock notification names processes, objects, holders and short sites", () => {
  const d: Deadlock = {
    kind: "cycle",
    at: 10,
    t: 0,
    processes: ["left", "right"],
    pids: [2, 3],
    cycle: ["left", "right"],
    objects: ["L1", "L2"],
    sites: [],
    waits: [
      { pid: 2, tid: 2, process: "left", op: "lock.acquire", obj: "L2", object: "Lock L2", site: "/w/demo.py:15", since: 5, heldBy: [{ process: "right", pid: 3, site: null }], owedBy: [], member: true, text: "" },
      { pid: 3, tid: 3, process: "right", op: "lock.acquire", obj: "L1", object: "Lock L1", site: null, since: 6, heldBy: [{ process: "left", pid: 2, site: null }], owedBy: [], member: true, text: "" },
    ],
    alsoBlocked: [],
    alsoBlockedPids: [],
    explanation: "",
    short: "",
    fix: "",
  };
  assert.equal(deadlockNotificationText([d]), "Deadlock: left waits for Lock L2 (held by right) at demo.py:15; right waits for Lock L1 (held by left).");
  assert.match(deadlockNotificationText([{ ...d, kind: "stall" }, d]), /^Stalled: .*\(1 more hang found\)$/);
  assert.equal(deadlockNotificationText([]), "");
  const short = "Deadlock: phil-0 holds left, waits for right (held by phil-1) · phil-1 holds left, waits for right (held by phil-0)";
  assert.equal(deadlockNotificationText([{ ...d, short }]), short);
  assert.equal(deadlockNotificationText([{ ...d, short }, d]), short + " (1 more hang found)");
});

test("trust guard: trusted runs; untrusted refuses with the reason and can open trust management", async () => {
  const shown: string[][] = [];
  let managed = 0;
  const ui = (answer: string | undefined) => ({
    showWarningMessage: async (m: string, ...items: string[]) => {
      shown.push([m, ...items]);
      return answer;
    },
    manageTrust: () => {
      managed++;
    },
  });
  assert.equal(await guardRun({ isTrusted: true }, ui(undefined)), true);
  assert.equal(shown.length, 0);
  assert.equal(await guardRun({ isTrusted: false }, ui(undefined)), false);
  assert.deepEqual(shown[0], [UNTRUSTED_MESSAGE, MANAGE_TRUST]);
  assert.match(UNTRUSTED_MESSAGE, /will not run code/);
  assert.match(UNTRUSTED_MESSAGE, /saved traces .* still works/);
  assert.equal(await guardRun({ isTrusted: false }, ui(MANAGE_TRUST)), false);
  assert.equal(managed, 1);
});

test("a trace held in memory writes out as a readable trace file", () => {
  const s = new EventScript().start(1, "MainProcess", "main", 0).ev(1, "queue.create", { obj: "Q", objType: "Queue" });
  const text = traceToJsonl(testHeader(), s.events, makeFooter(2, 0, 0, "2026-01-01T00:00:00.000Z"));
  const t = readTraceText(text, "mem");
  assert.deepEqual(t.events, s.events);
  assert.equal(t.footer?.events, 2);
  assert.deepEqual(t.problems, []);
  assert.equal(readTraceText(traceToJsonl(testHeader(), s.events, null), "mem").footer, null);
});

test("Disposable: owns what it registers, ends it newest first and once; late registrations end at once", () => {
  const order: string[] = [];
  class Owner extends Disposable {
    add(name: string) {
      return this._register(toDisposable(() => order.push(name)));
    }
  }
  const o = new Owner();
  o.add("a");
  o.add("b");
  o.dispose();
  o.dispose();
  assert.deepEqual(order, ["b", "a"]);
  o.add("late");
  assert.deepEqual(order, ["b", "a", "late"]);
  const errs = disposeAll([{ dispose: () => order.push("x") }, { dispose: () => { throw new Error("boom"); } }]);
  assert.equal(errs.length, 1);
  assert.equal(order.at(-1), "x");
});
