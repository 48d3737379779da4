import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot, LaunchError, probeCacheKey, probeInterpreter, startRun, type RunOptions } from "../../runtime/launch/launcher";
import { findTsRunner, typeStripping } from "../../runtime/launch/node";
import { findRunProcesses, readProcStat } from "../../runtime/launch/procTree";
import type { TraceEvent } from "../../trace/format";
import { readTraceFileSync } from "../../trace/readFile";
import { summarize } from "../../trace/summary";
import { validateTrace } from "../../trace/validate";
import { alive, FAKE_BOOT, PROGRAMS, readPids, ROOT, tempDir, waitFor } from "./launchTestUtil";

/** If a test failed and left its processes running, end them (they are this test's own). */
function killLeft(pidfile: string): void {
  for (const pid of readPids(pidfile)) {
    if (alive(pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}

const PY38 = "/root/.pyenv/versions/3.8.18/bin/python3.8";

/** Run a fake-runtime program to the end; returns the result and the trace. */
async function runProgram(program: string, args: string[], over: Partial<RunOptions> = {}) {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, "trace.ipcviz.jsonl");
    const run = await startRun({ program: join(PROGRAMS, program), args, out, stdio: "pipe", runtimeBootDir: FAKE_BOOT, cwd: dir, ...over });
    let stdout = "";
    let stderr = "";
    run.child.stdout!.on("data", (d) => (stdout += d));
    run.child.stderr!.on("data", (d) => (stderr += d));
    run.child.stdin!.end();
    const result = await run.done;
    const trace = readTraceFileSync(out);
    return { run, result, trace, stdout, stderr, dir };
  } finally {
    cleanup();
  }
}

test("findRepoRoot finds the repo from the bundled test", () => {
  assert.equal(findRepoRoot(), ROOT);
  assert.ok(existsSync(join(findRepoRoot(), "runtime", "python", "boot")));
});

test("probeInterpreter reports version, implementation, executable and default start method", async () => {
  const info = await probeInterpreter(undefined);
  assert.match(info.version, /^3\.\d+\.\d+/);
  assert.equal(info.implementation, "CPython");
  assert.ok(info.path.startsWith("/"));
  assert.ok(["fork", "spawn", "forkserver"].includes(info.defaultStartMethod ?? ""));
  assert.ok(info.major === 3 && info.minor >= 9);
});

test("probeInterpreter caches what it found per interpreter binary, and probes again when the file changes", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const env = { ...process.env, IPCVIZ_CACHE_DIR: join(dir, "cache") };
    // The interpreter binary itself (python3 on PATH may be a script, e.g. a pyenv shim).
    const python = (await probeInterpreter(undefined, env)).path;
    const first = await probeInterpreter(python, env);
    const file = join(dir, "cache", "interpreters.json");
    const cache = JSON.parse(readFileSync(file, "utf8")) as Record<string, { key: string; info: { version: string } }>;
    const [exe] = Object.keys(cache);
    assert.equal(Object.keys(cache).length, 1);
    assert.equal(cache[exe].key, probeCacheKey(exe));
    assert.deepEqual(cache[exe].info, first);
    // A cache hit answers without starting Python: a planted answer comes back.
    cache[exe].info.version = "3.99.0";
    writeFileSync(file, JSON.stringify(cache));
    assert.equal((await probeInterpreter(python, env)).version, "3.99.0");
    // The file is not the one probed (another inode, size or time): probed again.
    cache[exe].key = "0:0:0:0:0";
    writeFileSync(file, JSON.stringify(cache));
    assert.deepEqual(await probeInterpreter(python, env), first);
    // A damaged cache is ignored and rewritten.
    writeFileSync(file, "{not json");
    assert.deepEqual(await probeInterpreter(python, env), first);
    assert.equal((JSON.parse(readFileSync(file, "utf8")) as Record<string, { key: string }>)[exe].key, probeCacheKey(exe));
    // Scripts (a pyenv shim, a wrapper) may start another interpreter each time: never cached.
    const script = join(dir, "python-wrapper");
    writeFileSync(script, `#!/bin/sh\nexec ${first.path} "$@"\n`, { mode: 0o755 });
    assert.equal(probeCacheKey(script), null);
    assert.deepEqual({ ...(await probeInterpreter(script, env)), path: first.path }, first);
    assert.equal(Object.keys(JSON.parse(readFileSync(file, "utf8"))).includes(script), false);
  } finally {
    cleanup();
  }
});

test("a run: exit code passed through, trace complete and valid, header filled", async () => {
  const { result, trace, stdout } = await runProgram("events.py", ["3"]);
  assert.equal(result.exitCode, 3);
  assert.equal(result.signal, null);
  assert.equal(result.timedOut, false);
  assert.equal(result.lostEvents, 0);
  assert.equal(result.badLines, 0);
  assert.equal(result.leftovers, 0);
  assert.match(stdout, /events\.py ran \['3'\]/);
  const h = trace.header;
  assert.equal(h.program, join(PROGRAMS, "events.py"));
  assert.deepEqual(h.args, ["3"]);
  assert.equal(h.interpreter.language, "python");
  assert.match(h.interpreter.version, /^3\./);
  assert.equal(h.interpreter.implementation, "CPython");
  assert.equal(h.runtime.name, "ipcviz-python");
  assert.ok(["fork", "spawn", "forkserver"].includes(h.startMethod ?? ""), "start method from the interpreter's default");
  assert.ok(Math.abs(Date.parse(h.startedAt) - Date.now()) < 60_000);
  assert.deepEqual(h.clock, { kind: "monotonic", unit: "ns" });
  assert.ok(trace.footer);
  assert.equal(trace.footer.events, trace.events.length);
  assert.equal(result.events, trace.events.length);
  assert.deepEqual(validateTrace(h, trace.events), []);
  const kinds = trace.events.map((e) => e.kind);
  assert.deepEqual(kinds.slice(0, 2), ["process.start", "queue.create"]);
  const runExit = trace.events.find((e) => e.kind === "run.exit") as unknown as Record<string, unknown>;
  assert.deepEqual({ ...runExit, t: 0 }, { src: "collector", pid: result.header ? (trace.events[0] as TraceEvent).pid : 0, t: 0, kind: "run.exit", exitCode: 3, signal: null, timedOut: false });
  // Times are ns since IPCVIZ_T0: positive and well under the run's length.
  for (const e of trace.events) assert.ok(e.t > 0 && e.t < 60e9, `t ${e.t}`);
  const s = summarize(h, trace.events, trace.footer);
  assert.equal(s.exitCode, 3);
  assert.equal(s.processes[0].role, "main");
  assert.equal(s.processes[0].exitCode, 3);
  assert.deepEqual(s.messages, { sent: 3, received: 2, matched: 2, inFlight: 1, outside: 0, unmatchedReceipts: 0 });
});

test("the program gets the runtime's environment", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const prog = join(dir, "env.py");
    writeFileSync(prog, "import json, os\nprint(json.dumps({k: v for k, v in os.environ.items() if k.startswith(('IPCVIZ_', 'PYTHON'))}))\n");
    const run = await startRun({
      program: prog,
      out: join(dir, "t.jsonl"),
      stdio: "pipe",
      runtimeBootDir: FAKE_BOOT,
      startMethod: "spawn",
      previewLength: 33,
      env: { ...process.env, PYTHONPATH: "/some/where", IPCVIZ_STALE: "x" },
    });
    let out = "";
    run.child.stdout!.on("data", (d) => (out += d));
    const before = process.hrtime.bigint();
    await run.done;
    const env = JSON.parse(out);
    assert.equal(env.PYTHONPATH, `${FAKE_BOOT}:/some/where`);
    assert.equal(env.PYTHONUNBUFFERED, "1");
    assert.equal(env.IPCVIZ_START_METHOD, "spawn");
    assert.equal(env.IPCVIZ_PREVIEW, "33");
    assert.equal(env.IPCVIZ_RUNTIME_DIR, join(ROOT, "runtime", "python"));
    assert.match(env.IPCVIZ_TOKEN, /^[0-9a-f]{32}$/);
    assert.match(env.IPCVIZ_SOCK, /\/ipcviz-[^/]+\/sock$/);
    assert.match(env.IPCVIZ_T0, /^\d+$/);
    assert.ok(BigInt(env.IPCVIZ_T0) <= before, "T0 is CLOCK_MONOTONIC before the program started");
    assert.equal(env.IPCVIZ_STALE, undefined, "stale IPCVIZ_ variables are not passed on");
    assert.equal(existsSync(env.IPCVIZ_SOCK), false, "the socket is removed after the run");
    assert.equal(run.header.startMethod, "spawn");
  } finally {
    cleanup();
  }
});

test("stdin, stdout and stderr pass through", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const run = await startRun({ program: join(PROGRAMS, "echo_stdin.py"), out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT });
    let out = "";
    let err = "";
    run.child.stdout!.on("data", (d) => (out += d));
    run.child.stderr!.on("data", (d) => (err += d));
    run.child.stdin!.end("hello\nworld ü\n");
    const r = await run.done;
    assert.equal(r.exitCode, 0);
    assert.equal(out, "HELLO\nWORLD Ü\n");
    assert.equal(err, "stderr line\n");
  } finally {
    cleanup();
  }
});

test("-m runs a module from the working directory", async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, "mymod.py"), "import sys\nprint('module', sys.argv[1:])\nsys.exit(7)\n");
    const run = await startRun({ module: "mymod", args: ["a", "b"], cwd: dir, out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT });
    let out = "";
    run.child.stdout!.on("data", (d) => (out += d));
    const r = await run.done;
    assert.equal(r.exitCode, 7);
    assert.equal(out, "module ['a', 'b']\n");
    assert.equal(r.header.program, "mymod");
    const t = readTraceFileSync(join(dir, "t.jsonl"));
    assert.deepEqual((t.events[0] as unknown as { argv: string[] }).argv.slice(1), ["a", "b"]);
  } finally {
    cleanup();
  }
});

test("a main process killed by a signal: signal reported, exit code null", async () => {
  const { result, trace } = await runProgram("selfkill.py", ["9"]);
  assert.equal(result.exitCode, null);
  assert.equal(result.signal, "SIGKILL");
  const disc = trace.events.find((e) => e.kind === "process.disconnect") as unknown as { clean: boolean };
  assert.equal(disc.clean, false);
  const s = summarize(trace.header, trace.events, trace.footer);
  assert.equal(s.signal, "SIGKILL");
});

test("os._exit: unclean disconnect, exit status kept", async () => {
  const { result, trace } = await runProgram("unclean.py", []);
  assert.equal(result.exitCode, 5);
  const disc = trace.events.find((e) => e.kind === "process.disconnect") as unknown as { clean: boolean };
  assert.equal(disc.clean, false);
});

test("lost events and bad lines are counted in the result and the footer", async () => {
  const { result, trace } = await runProgram("lost.py", []);
  assert.equal(result.lostEvents, 3);
  assert.equal(result.badLines, 1);
  assert.equal(trace.footer!.lostEvents, 3);
  assert.equal(trace.footer!.badLines, 1);
  assert.ok(result.problems.some((p) => /not JSON/.test(p)));
  assert.deepEqual(validateTrace(trace.header, trace.events), []);
});

test("timeout ends the whole tree, including a grandchild that left the session and ignores SIGTERM", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pidfile = join(dir, "pids");
    const run = await startRun({
      program: join(PROGRAMS, "tree.py"),
      args: [pidfile],
      out: join(dir, "t.jsonl"),
      stdio: "pipe",
      runtimeBootDir: FAKE_BOOT,
      timeoutSec: 2,
      graceMs: 500,
    });
    // main, child, grandchild, forked child of main.
    assert.ok(await waitFor(() => readPids(pidfile).length === 4, 10_000), `pids: ${readPids(pidfile)}`);
    const pids = readPids(pidfile);
    assert.ok(pids.every(alive), "all running before the timeout");
    const start = Date.now();
    const r = await run.done;
    assert.ok(Date.now() - start < 8000);
    assert.equal(r.timedOut, true);
    assert.equal(r.stopped, true);
    assert.ok(r.signal === "SIGTERM" || r.signal === "SIGKILL", `signal ${r.signal}`);
    const left = pids.filter(alive);
    assert.deepEqual(left, [], "no process of the run is left");
    const t = readTraceFileSync(join(dir, "t.jsonl"));
    const runExit = t.events.find((e) => e.kind === "run.exit") as unknown as { timedOut: boolean };
    assert.equal(runExit.timedOut, true);
    assert.ok(t.footer);
  } finally {
    killLeft(join(dir, "pids"));
    cleanup();
  }
});

test("stop() ends a running program", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const pidfile = join(dir, "pids");
    const run = await startRun({ program: join(PROGRAMS, "tree.py"), args: [pidfile], out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT, graceMs: 300 });
    assert.ok(await waitFor(() => readPids(pidfile).length === 4, 10_000));
    const r = await run.stop();
    assert.equal(r.stopped, true);
    assert.equal(r.timedOut, false);
    assert.deepEqual(readPids(pidfile).filter(alive), []);
    await run.dispose();
  } finally {
    killLeft(join(dir, "pids"));
    cleanup();
  }
});

for (const mode of ["fork", "quiet"]) {
  test(`processes left running after the main process exits are ended (${mode} child that left the session)`, async () => {
    const { dir, cleanup } = tempDir();
    try {
      const pidfile = join(dir, "pid");
      const run = await startRun({ program: join(PROGRAMS, "leftover.py"), args: [pidfile, mode], out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT, drainMs: 500, graceMs: 300 });
      const r = await run.done;
      assert.equal(r.exitCode, 0);
      assert.ok(r.leftovers >= 1, `leftovers ${r.leftovers}`);
      assert.ok(r.problems.some((p) => /still running/.test(p)));
      const pids = readPids(pidfile);
      assert.equal(pids.length, 1);
      assert.equal(alive(pids[0]), false);
    } finally {
      killLeft(join(dir, "pid"));
      cleanup();
    }
  });
}

test("findRunProcesses never includes this process or its ancestors", () => {
  const found = findRunProcesses({ mainPid: process.pid, mainStartTime: null, knownPids: new Map([[process.ppid, null]]), tokenEntry: null });
  assert.equal(found.has(process.pid), false);
  assert.equal(found.has(process.ppid), false);
  assert.equal(found.has(1), false);
});

test("findRunProcesses: a reused main pid (another start time) is not the run's", async () => {
  // A real process tree (sleep under sh) standing in for a pid that was reused.
  const { spawn } = await import("node:child_process");
  const sh = spawn("/bin/sh", ["-c", "sleep 30 & wait"], { detached: true, stdio: "ignore" });
  try {
    assert.ok(await waitFor(() => (readProcStat(sh.pid!) !== null && findRunProcesses({ mainPid: sh.pid!, mainStartTime: null, knownPids: new Map(), tokenEntry: null }).size >= 2)));
    const real = readProcStat(sh.pid!)!.startTime;
    assert.ok(findRunProcesses({ mainPid: sh.pid!, mainStartTime: real, knownPids: new Map(), tokenEntry: null }).size >= 2);
    const other = findRunProcesses({ mainPid: sh.pid!, mainStartTime: real + 1, knownPids: new Map(), tokenEntry: null });
    assert.equal(other.size, 0, "neither the pid, its group, its session nor its children");
  } finally {
    process.kill(-sh.pid!, "SIGKILL");
  }
});

/** Asserts startRun rejects with a LaunchError of this code whose message matches re, and that nothing ran. */
async function launchFails(options: RunOptions, code: string, re: RegExp) {
  await assert.rejects(startRun(options), (err: unknown) => {
    assert.ok(err instanceof LaunchError, `expected LaunchError, got ${err}`);
    assert.equal(err.code, code);
    assert.match(err.message, re);
    assert.match(err.message, /^ipcviz: /);
    assert.equal(err.message.includes("\n"), false, "one line");
    return true;
  });
}

test("setup errors are LaunchErrors with a message saying what to do", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const base: RunOptions = { program: join(PROGRAMS, "events.py"), out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT };
    await launchFails({ ...base, python: "/nonexistent/python3" }, "no-python", /Python interpreter not found: \/nonexistent\/python3; pass --python/);
    await launchFails({ ...base, python: "python-does-not-exist" }, "no-python", /not found/);
    await launchFails({ ...base, env: { PATH: dir } }, "no-python", /no Python found \(looked for python3 and python on PATH\); install Python 3\.9 or newer, or pass --python PATH/);
    if (existsSync(PY38)) await launchFails({ ...base, python: PY38 }, "old-python", /is Python 3\.8\.\d+; ipcviz needs Python 3\.9 or newer/);
    await launchFails({ ...base, python: "/bin/false" }, "bad-python", /does not run as a Python interpreter/);
    await launchFails({ ...base, program: join(dir, "missing.py") }, "no-program", /program file not found: .*missing\.py; check the path/);
    await launchFails({ ...base, program: dir }, "no-program", /program file not found/);
    writeFileSync(join(dir, "afile"), "");
    await launchFails({ ...base, out: join(dir, "afile", "t.jsonl") }, "bad-output", /cannot create the directory for the trace .*; choose another path with --out/);
    mkdirSync(join(dir, "adir"));
    await launchFails({ ...base, out: join(dir, "adir") }, "bad-output", /cannot write the trace to .*adir \(EISDIR\); choose another path with --out/);
    await launchFails({ ...base, runtimeBootDir: join(dir, "adir") }, "no-runtime", /the Python runtime is missing/);
    await launchFails({ ...base, timeoutSec: 0 }, "bad-option", /timeout must be a positive number/);
    await launchFails({ ...base, module: "x" }, "bad-option", /either a program file or -m module/);
    assert.equal(existsSync(join(dir, "t.jsonl")), false, "nothing was written");
  } finally {
    cleanup();
  }
});

test("a relative program path is taken from cwd; the header has the absolute path", async () => {
  const { result, trace } = await runProgram("events.py", ["0"], { program: "events.py", cwd: PROGRAMS });
  assert.equal(result.exitCode, 0);
  assert.equal(trace.header.program, join(PROGRAMS, "events.py"));
  assert.equal(trace.header.cwd, PROGRAMS);
});

test("onEvents sees every event, in file order", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const seen: TraceEvent[] = [];
    const run = await startRun({ program: join(PROGRAMS, "events.py"), args: ["0"], out: join(dir, "t.jsonl"), stdio: "pipe", runtimeBootDir: FAKE_BOOT, onEvents: (evs) => seen.push(...evs) });
    await run.done;
    assert.deepEqual(seen, readTraceFileSync(join(dir, "t.jsonl")).events);
    assert.equal(readFileSync(join(dir, "t.jsonl"), "utf8").split("\n").filter(Boolean).length, seen.length + 2);
  } finally {
    cleanup();
  }
});

test("TypeScript: Node's own type stripping where the Node has it, when the workspace has no tsx or ts-node", () => {
  assert.equal(typeStripping("20.20.2"), null);
  assert.equal(typeStripping("22.5.1"), null);
  assert.equal(typeStripping("22.6.0"), "--experimental-strip-types");
  assert.equal(typeStripping("22.17.9"), "--experimental-strip-types");
  assert.equal(typeStripping("22.18.0"), "");
  assert.equal(typeStripping("23.5.0"), "--experimental-strip-types");
  assert.equal(typeStripping("23.6.0"), "");
  assert.equal(typeStripping("24.1.0"), "");
  assert.equal(typeStripping(undefined), null);
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-ts-"));
  try {
    const program = join(dir, "app.ts");
    writeFileSync(program, "const n: number = 1;\n");
    assert.deepEqual(findTsRunner(program, dir, "auto", "22.6.0"), { options: "--experimental-strip-types", name: "node" });
    assert.deepEqual(findTsRunner(program, dir, "auto", "24.0.0"), { options: "", name: "node" });
    assert.deepEqual(findTsRunner(program, dir, "node", "23.6.0"), { options: "", name: "node" });
    const old = findTsRunner(program, dir, "auto", "20.20.2");
    assert.ok("code" in old && /no tsx or ts-node found/.test(old.message), JSON.stringify(old));
    const none = findTsRunner(program, dir, "node", "20.20.2");
    assert.ok("code" in none && /Node 20\.20\.2 has none \(Node 22\.6 or newer has it\)/.test(none.message), JSON.stringify(none));
    // A workspace's tsx comes first, whatever the Node.
    mkdirSync(join(dir, "node_modules", "tsx", "dist"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "tsx", "dist", "loader.mjs"), "");
    assert.equal((findTsRunner(program, dir, "auto", "24.0.0") as { name: string }).name, "tsx");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
