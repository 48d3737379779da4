import { test } from "node:test";
import assert from "node:assert/strict";
import {
  baseNodeOptions,
  basePythonPath,
  childConfig,
  isNodeProgramPath,
  nodeDebugLaunchConfig,
  withNodeRuntime,
  chooseDebugger,
  connectOf,
  debugLaunchConfig,
  noDebuggerMessage,
  debugpyCandidates,
  programOf,
  pythonOf,
  RUN_ID_KEY,
  wantsRuntime,
  withRuntime,
} from "../../extension/debug/debugConfig";

test("chooseDebugger: the Python Debugger extension first, then debugpy from the interpreter, else none", () => {
  assert.deepEqual(chooseDebugger(true, false), { kind: "extension", type: "debugpy" });
  assert.deepEqual(chooseDebugger(true, true), { kind: "extension", type: "debugpy" });
  assert.deepEqual(chooseDebugger(false, true), { kind: "adapter", type: "ipcviz-python" });
  assert.deepEqual(chooseDebugger(false, false), { kind: "none" });
});

test("noDebuggerMessage says how to get a debugger for the chosen interpreter", () => {
  const m = noDebuggerMessage("/opt/py/bin/python3");
  assert.match(m, /Python Debugger extension \(ms-python\.debugpy\)/);
  assert.match(m, /`\/opt\/py\/bin\/python3 -m pip install debugpy`/);
  assert.doesNotMatch(m, /apt/);
  assert.match(noDebuggerMessage("/usr/bin/python3"), /sudo apt install python3-debugpy/);
  assert.match(m, /Run Visualise IPC to see the program without the debugger/);
  assert.doesNotMatch(m, /have debugpy/);
  const found = noDebuggerMessage("/opt/py/bin/python3", ["/opt/py/bin/python3", "/root/.pyenv/versions/3.12.1/bin/python3"]);
  assert.match(found, /These interpreters have debugpy: \/root\/\.pyenv\/versions\/3\.12\.1\/bin\/python3 \(Pick Interpreter/);
});

test("debugpyCandidates: pyenv versions, /usr/bin python3.N, workspace venvs", () => {
  const dirs: Record<string, string[]> = { "/p/versions": ["3.12.1"], "/usr/bin": ["python3", "python3.11", "python3-config", "perl"] };
  const c = debugpyCandidates({ pyenvRoot: "/p", workspaceFolders: ["/w"], list: (d) => dirs[d] ?? [] });
  assert.deepEqual(c, ["/p/versions/3.12.1/bin/python3", "/usr/bin/python3", "/usr/bin/python3.11", "/w/.venv/bin/python", "/w/venv/bin/python", "/w/env/bin/python"]);
});

test("debugLaunchConfig: subprocess debugging on, the runtime flag, the interpreter when known", () => {
  const c = debugLaunchConfig({ type: "ipcviz-python", program: "/w/prog.py", cwd: "/w", python: "/usr/bin/python3" });
  assert.deepEqual(c, {
    type: "ipcviz-python",
    request: "launch",
    name: "Debug with Process Lanes: prog.py",
    program: "/w/prog.py",
    cwd: "/w",
    console: "integratedTerminal",
    subProcess: true,
    justMyCode: true,
    ipcviz: true,
    python: "/usr/bin/python3",
  });
  assert.ok(!("python" in debugLaunchConfig({ type: "debugpy", program: "/w/p.py", cwd: "/w", python: undefined })));
  assert.equal(wantsRuntime(c), true);
});

test("wantsRuntime: only launch configurations with ipcviz true, never a debugpy child session", () => {
  assert.equal(wantsRuntime({ type: "debugpy", request: "launch", name: "x", program: "p.py" }), false);
  assert.equal(wantsRuntime({ type: "debugpy", request: "launch", name: "x", ipcviz: "yes" }), false);
  assert.equal(wantsRuntime({ type: "debugpy", request: "attach", name: "x", ipcviz: true }), false);
  assert.equal(wantsRuntime({ type: "debugpy", request: "launch", name: "x", ipcviz: true, subProcessId: 12 }), false);
});

test("pythonOf / programOf read a configuration", () => {
  assert.equal(pythonOf({ python: " /usr/bin/python3 " }), "/usr/bin/python3");
  assert.equal(pythonOf({ python: ["/usr/bin/python3", "-X", "dev"] }), "/usr/bin/python3");
  assert.equal(pythonOf({ pythonPath: "/p" }), "/p");
  assert.equal(pythonOf({}), undefined);
  assert.deepEqual(programOf({ program: "/w/p.py", args: ["a", 1], cwd: "/w" }), { program: "/w/p.py", args: ["a", "1"], cwd: "/w" });
  assert.deepEqual(programOf({ module: "pkg.main", args: "x  y" }), { module: "pkg.main", args: ["x", "y"], cwd: undefined });
  assert.match((programOf({ processId: 12 }) as { error: string }).error, /"program" or "module"/);
});

test("withRuntime: the recording's variables over the configuration's env, subprocesses on, the run id", () => {
  const config = { type: "debugpy", request: "launch", name: "d", program: "/w/p.py", ipcviz: true, subProcess: false, env: { FOO: "1", PYTHONPATH: "/mine" } };
  assert.equal(basePythonPath(config, "/inherited"), "/mine");
  assert.equal(basePythonPath({ env: {} }, "/inherited"), "/inherited");
  assert.equal(basePythonPath({}, ""), undefined);
  const runEnv = { IPCVIZ_SOCK: "/tmp/s", IPCVIZ_TOKEN: "t", PYTHONPATH: "/ext/runtime/python/boot:/mine" };
  const r = withRuntime(config, runEnv, "run1");
  assert.deepEqual(r.env, { FOO: "1", IPCVIZ_SOCK: "/tmp/s", IPCVIZ_TOKEN: "t", PYTHONPATH: "/ext/runtime/python/boot:/mine", IPCVIZ_DEBUG_WAKE: "SIGURG" });
  assert.equal(r.subProcess, true);
  assert.equal(r[RUN_ID_KEY], "run1");
  assert.equal(config.subProcess, false, "the input is not changed");
});

test("childConfig / connectOf: debugpy's debugpyAttach body becomes a child session on the adapter's port", () => {
  const body = { name: "Subprocess 77", request: "attach", subProcessId: 77, connect: { host: "127.0.0.1", port: 5123 }, ipcvizRunId: "r", python: ["/usr/bin/python3"] };
  const c = childConfig(body, "ipcviz-python");
  assert.equal(c.type, "ipcviz-python");
  assert.equal(c.request, "attach");
  assert.equal(c.name, "Subprocess 77");
  assert.equal(c[RUN_ID_KEY], "r", "the run id travels to the child");
  assert.deepEqual(connectOf(c), { host: "127.0.0.1", port: 5123 });
  assert.equal(connectOf({ request: "launch", connect: { port: 1 } }), null);
  assert.deepEqual(connectOf({ request: "attach", connect: { port: 9 } }), { host: "127.0.0.1", port: 9 });
});

test("a bare command is named with the file it runs, which is left out of the interpreters that have debugpy", () => {
  const m = noDebuggerMessage("python3", ["/usr/bin/python3", "/root/.pyenv/shims/python3"], "/root/.pyenv/shims/python3");
  assert.match(m, /no Python debugger for python3 \(\/root\/\.pyenv\/shims\/python3\)\./);
  assert.match(m, /These interpreters have debugpy: \/usr\/bin\/python3 \(Pick/);
});

test("JavaScript/TypeScript: js-debug's pwa-node launch with the runtime in NODE_OPTIONS, the run id, the program's own NODE_OPTIONS kept", () => {
  for (const f of ["/w/a.js", "/w/a.mjs", "/w/a.cjs", "/w/a.ts", "/w/a.MTS", "/w/a.cts"]) assert.equal(isNodeProgramPath(f), true, f);
  for (const f of ["/w/a.py", "/w/a.json", "/w/a.tsx", "/w/js"]) assert.equal(isNodeProgramPath(f), false, f);
  const c = nodeDebugLaunchConfig({ program: "/w/app.js", cwd: "/w" });
  assert.equal(c.type, "pwa-node");
  assert.equal(c.request, "launch");
  assert.equal(c.autoAttachChildProcesses, true, "js-debug follows children and workers");
  assert.equal(c.ipcviz, true);
  assert.equal(c.runtimeExecutable, undefined, "the node on PATH unless ipcviz.node is set");
  assert.equal(nodeDebugLaunchConfig({ program: "/w/app.ts", cwd: "/w", node: "/opt/node22/bin/node" }).runtimeExecutable, "/opt/node22/bin/node");
  assert.equal(wantsRuntime(c), true);
  const env = { NODE_OPTIONS: "--require /x/ipcviz-node.js --max-old-space-size=99", IPCVIZ_SOCK: "/s" };
  const w = withNodeRuntime({ ...c, env: { FOO: "1", NODE_OPTIONS: "--max-old-space-size=99" } }, env, "r1");
  assert.deepEqual(w.env, { FOO: "1", ...env });
  assert.equal(w[RUN_ID_KEY], "r1");
  assert.equal(w.subProcess, undefined, "no debugpy options on a js-debug configuration");
  assert.equal(wantsRuntime(w), false, "a configuration given its recording is not given another (node → pwa-node resolves twice)");
  assert.equal(baseNodeOptions({ env: { NODE_OPTIONS: "--a" } }, "--b"), "--a");
  assert.equal(baseNodeOptions({ env: { NODE_OPTIONS: "" } }, "--b"), undefined, "the configuration's empty NODE_OPTIONS wins");
  assert.equal(baseNodeOptions({}, "--b"), "--b");
  assert.equal(baseNodeOptions({}, undefined), undefined);
});
