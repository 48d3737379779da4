import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { startCollectOnly } from "../../runtime/launch/collectOnly";
import { runtimeEnv } from "../../runtime/launch/launcher";
import { readTraceFileSync } from "../../trace/readFile";
import type { TraceEvent } from "../../trace/format";
import { alive, ROOT, tempDir, waitFor } from "./launchTestUtil";

const EXAMPLES = join(ROOT, "examples");

/** Start a program by hand (as a debugger would) with the recording's variables added. */
function startByHand(program: string, env: Record<string, string>): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string } {
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith("IPCVIZ_")) delete base[k];
  const child = spawn("python3", [program], { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, stdout: () => out };
}

test("runtimeEnv: the runtime's variables, the boot folder first on PYTHONPATH", () => {
  const env = runtimeEnv({ socketPath: "/tmp/x/sock", token: "ab", t0: 5n, runtimeDir: "/rt", bootDir: "/rt/boot", basePythonPath: "/a:/b", previewLength: 10, startMethod: "spawn" });
  assert.deepEqual(env, {
    IPCVIZ_SOCK: "/tmp/x/sock",
    IPCVIZ_TOKEN: "ab",
    IPCVIZ_T0: "5",
    IPCVIZ_PREVIEW: "10",
    IPCVIZ_RUNTIME_DIR: "/rt",
    PYTHONPATH: "/rt/boot:/a:/b",
    PYTHONUNBUFFERED: "1",
    IPCVIZ_START_METHOD: "spawn",
  });
  assert.equal(runtimeEnv({ socketPath: "s", token: "t", t0: 0n, runtimeDir: "/rt", bootDir: "/rt/boot", basePythonPath: undefined }).PYTHONPATH, "/rt/boot");
  assert.ok(!("IPCVIZ_LAUNCHER_PID" in env), "the program's main process is not the launcher's child: no launcher pid");
});

test("collect-only: a program started by someone else is recorded live, its main process found, finish() completes the trace", async () => {
  const { dir, cleanup } = tempDir();
  const out = join(dir, "t.ipcviz.jsonl");
  const program = join(EXAMPLES, "queue_producer_consumer.py");
  const rec = await startCollectOnly({ program, cwd: ROOT, out });
  try {
    assert.equal(rec.env.IPCVIZ_SOCK, rec.socketPath);
    assert.equal(rec.env.IPCVIZ_TOKEN, rec.token);
    assert.ok(rec.env.PYTHONPATH.startsWith(join(ROOT, "runtime", "python", "boot")));
    const live: TraceEvent[] = [];
    rec.events.on("events", (evs) => live.push(...evs));
    const p = startByHand(program, rec.env);
    const code = await p.exited;
    assert.equal(code, 0, p.stdout());
    const result = await rec.finish({ exitCode: code });
    assert.equal(result.mainPid, p.child.pid);
    assert.equal(result.stopped, false);
    assert.equal(result.leftovers, 0);
    assert.equal(result.lostEvents, 0);
    const trace = readTraceFileSync(out);
    assert.equal(trace.header?.program, program);
    const starts = trace.events.filter((e) => e.kind === "process.start") as Array<TraceEvent & { name: string; role: string }>;
    assert.deepEqual(starts.map((e) => `${e.role}:${e.name}`).sort(), ["child:consumer", "child:producer", "main:MainProcess"]);
    const exit = trace.events.find((e) => e.kind === "run.exit") as (TraceEvent & { exitCode: number }) | undefined;
    assert.equal(exit?.pid, p.child.pid);
    assert.equal(exit?.exitCode, 0);
    assert.ok(trace.footer, "the trace has its footer");
    // Everything written to the file was also streamed live.
    assert.equal(live.length, trace.events.length);
    assert.equal((await rec.done).events, result.events);
  } finally {
    await rec.stop();
    cleanup();
  }
});

test("collect-only: stop() ends every process of a program it did not start (token scan), never the caller", async () => {
  const { dir, cleanup } = tempDir();
  const program = join(EXAMPLES, "hang_join_blocked_child.py");
  const rec = await startCollectOnly({ program, cwd: ROOT, out: join(dir, "t.ipcviz.jsonl") });
  let pids: number[] = [];
  try {
    const p = startByHand(program, rec.env);
    // Wait until the program and its child have said hello.
    assert.ok(await waitFor(() => rec.pids.size >= 2, 15_000), `processes connected: ${[...rec.pids]}`);
    pids = [...rec.liveProcesses().keys()];
    assert.ok(pids.includes(p.child.pid!), "the main process belongs to the run");
    assert.ok(!pids.includes(process.pid), "never this process");
    const result = await rec.stop();
    assert.equal(result.stopped, true);
    assert.ok(result.leftovers >= 2);
    await p.exited;
    assert.ok(await waitFor(() => pids.every((pid) => !alive(pid)), 3000), "every process ended");
    assert.equal(rec.liveProcesses().size, 0);
    assert.equal(alive(process.pid), true);
    // stop() and finish() after the end are the same result.
    assert.equal(await rec.finish(), result);
  } finally {
    for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
    cleanup();
  }
});

test("collect-only: stop() before any process connected closes the collector and signals nothing", async () => {
  const rec = await startCollectOnly({ program: join(EXAMPLES, "pipe_one_way.py"), cwd: ROOT, out: null });
  const result = await rec.stop();
  assert.equal(result.mainPid, null);
  assert.equal(result.leftovers, 0);
  assert.equal(result.events, 0);
});
