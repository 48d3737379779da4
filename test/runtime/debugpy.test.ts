/**
 * The runtime under the Python debugger: a real example program run by Debian's debugpy adapter
 * (`/usr/bin/python3 -m debugpy.adapter`) with subprocess debugging on and the environment of a
 * collect-only recording (runtime/launch/collectOnly.ts), driven by a small DAP client as VS Code
 * would drive it (each `debugpyAttach` answered by a child session). Checks: a breakpoint in a
 * child's function stops that child, continuing lets the program end, and the trace holds
 * exactly the program's processes (none of debugpy's own: adapter, launcher, their forks) and
 * all its messages. Skipped with a message when /usr/bin/python3 has no debugpy.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCollectOnly } from "../../runtime/launch/collectOnly";
import { readTraceFileSync } from "../../trace/readFile";
import type { TraceEvent } from "../../trace/format";
import { LiveHangDetector } from "../../trace/analysis/live";
import { DapClient, type DapMessage } from "./dapClient";
import { EXAMPLES_DIR, REPO_ROOT } from "./helpers";

const PYTHON = "/usr/bin/python3";

/** Why these tests cannot run, or null. */
function debugpyMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const r = spawnSync(PYTHON, ["-c", "import debugpy, sys; sys.stdout.write(debugpy.__version__)"], { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) return `${PYTHON} has no debugpy: install it with "apt-get install python3-debugpy" (scripts/ in this repo install test tools)`;
  return null;
}

const SKIP = debugpyMissing();
if (SKIP) console.log(`# debugpy tests skipped: ${SKIP}`);

/** One debug session (root or child) as the test drives it. */
interface Session {
  client: DapClient;
  /** systemProcessId from debugpy's `process` event. */
  pid: Promise<number>;
}

/** Breakpoints set in every session: file → lines. */
type Breakpoints = Record<string, number[]>;

const INIT_ARGS = {
  clientID: "ipcviz-test",
  adapterID: "debugpy",
  pathFormat: "path",
  linesStartAt1: true,
  columnsStartAt1: true,
  supportsVariableType: true,
  supportsRunInTerminalRequest: false,
  supportsStartDebuggingRequest: false,
};

/** After initialize + launch/attach: breakpoints, then configurationDone (as VS Code does). */
async function configure(client: DapClient, bps: Breakpoints): Promise<void> {
  await client.waitEvent("initialized", () => true, 30_000, true);
  for (const [file, lines] of Object.entries(bps)) {
    await client.request("setBreakpoints", { source: { path: file }, breakpoints: lines.map((line) => ({ line })) });
  }
  await client.request("setExceptionBreakpoints", { filters: [] });
  await client.request("configurationDone");
}

const pidOf = (c: DapClient) => c.waitEvent("process", () => true, 60_000, true).then((m) => Number(m.body!.systemProcessId));

/** A debug run: the adapter, the root session and a child session per debugpyAttach. */
class DebugRun {
  readonly sessions: Session[] = [];
  readonly root: Session;
  readonly adapterPid: number;
  private readonly childWatchers: Array<(s: Session) => void> = [];

  constructor(
    adapterEnv: NodeJS.ProcessEnv,
    private readonly bps: Breakpoints,
  ) {
    const { client, proc } = DapClient.spawnAdapter(PYTHON, ["-m", "debugpy.adapter"], adapterEnv, "root");
    this.adapterPid = proc.pid!;
    this.root = { client, pid: pidOf(client) };
    this.sessions.push(this.root);
    // As the VS Code extension does: each debugpyAttach starts a child session on the given port.
    client.on("debugpyAttach", (ev: DapMessage) => void this.attachChild(ev.body!).catch(() => undefined));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP bodies are JSON whose shape depends on the request; the tests read them as such
  private async attachChild(body: Record<string, any>): Promise<void> {
    const child = await DapClient.connectTcp(body.connect.host, body.connect.port, `child-${body.subProcessId}`);
    const s: Session = { client: child, pid: pidOf(child) };
    this.sessions.push(s);
    for (const w of this.childWatchers) w(s);
    await child.request("initialize", INIT_ARGS);
    const attached = child.request("attach", body);
    await configure(child, this.bps);
    await attached;
  }

  /** Launch the program with the recording's environment and subprocess debugging on. */
  async launch(program: string, env: Record<string, string>): Promise<void> {
    await this.root.client.request("initialize", INIT_ARGS);
    const launched = this.root.client.request("launch", {
      name: "ipcviz test",
      type: "python",
      request: "launch",
      program,
      cwd: REPO_ROOT,
      python: [PYTHON],
      console: "internalConsole",
      env,
      subProcess: true,
      justMyCode: true,
      redirectOutput: true,
    });
    await configure(this.root.client, this.bps);
    await launched;
  }

  /** The first session (child or root) that stops for `reason`. */
  firstStop(reason: string, timeoutMs = 90_000): Promise<{ s: Session; ev: DapMessage }> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no session stopped (${reason}) within ${timeoutMs} ms`)), timeoutMs);
      const watch = (s: Session) =>
        s.client.waitEvent("stopped", (m) => m.body?.reason === reason, timeoutMs, true).then(
          (ev) => {
            clearTimeout(t);
            resolve({ s, ev });
          },
          () => undefined,
        );
      this.sessions.forEach(watch);
      this.childWatchers.push(watch);
    });
  }

  dispose(): void {
    for (const s of this.sessions) s.client.dispose();
    kill(this.adapterPid);
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
}

type StartEvent = TraceEvent & { name: string; role: string };

/**
 * Debug `program` with a breakpoint at `line` (hit in a child), continue, let it end; returns
 * the trace's process.start events and the trace.
 */
async function debugToEnd(program: string, line: number, fn: string, adapterGetsRunEnv: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-debugpy-"));
  const out = join(dir, "trace.ipcviz.jsonl");
  const rec = await startCollectOnly({ python: PYTHON, program, cwd: REPO_ROOT, out, baseEnv: process.env });
  const adapterEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(adapterEnv)) if (k.startsWith("IPCVIZ_")) delete adapterEnv[k];
  // The worst case: everything debugpy starts (adapter, launcher) carries the run's environment,
  // as under `ipcviz run -- -m debugpy …`. The runtime must still load only into the program.
  if (adapterGetsRunEnv) Object.assign(adapterEnv, rec.env);
  const dbg = new DebugRun(adapterEnv, { [program]: [line] });
  try {
    const stopped = dbg.firstStop("breakpoint");
    await dbg.launch(program, rec.env);
    const { s, ev } = await stopped;
    const stack = await s.client.request("stackTrace", { threadId: ev.body!.threadId, startFrame: 0, levels: 1 });
    assert.equal(stack.stackFrames[0].line, line, "stopped on the breakpoint's line");
    assert.equal(stack.stackFrames[0].source.path, program);
    assert.equal(stack.stackFrames[0].name, fn);
    const stoppedPid = await s.pid;
    const rootPid = await dbg.root.pid;
    assert.notEqual(stoppedPid, rootPid, "the breakpoint is hit in a child process");
    // Later hits (other items, other workers) are not what this test is about.
    for (const x of dbg.sessions) await x.client.request("setBreakpoints", { source: { path: program }, breakpoints: [] }).catch(() => undefined);
    await s.client.request("continue", { threadId: ev.body!.threadId });
    const exited = await dbg.root.client.waitEvent("exited", () => true, 60_000, true);
    assert.equal(exited.body!.exitCode, 0, "the program ends normally");
    // As VS Code does on `terminated`: disconnect, then end the adapter it started.
    await dbg.root.client.waitEvent("terminated", () => true, 30_000, true);
    await dbg.root.client.request("disconnect", {}).catch(() => undefined);
    dbg.dispose();
    const result = await rec.finish({ exitCode: exited.body!.exitCode });
    assert.equal(result.mainPid, rootPid, "the trace's main process is the one debugpy launched");
    assert.equal(result.lostEvents, 0);
    assert.equal(result.badLines, 0);
    assert.equal(result.leftovers, 0, `no process left to end: ${result.problems.join("; ")}`);
    const trace = readTraceFileSync(out);
    const starts = trace.events.filter((e: TraceEvent) => e.kind === "process.start") as StartEvent[];
    return { trace, starts, stoppedPid, rootPid };
  } finally {
    dbg.dispose();
    await rec.stop();
    assert.equal(rec.liveProcesses().size, 0, "no process of the program is left");
    rmSync(dir, { recursive: true, force: true });
  }
}

const QUEUE = join(EXAMPLES_DIR, "queue_producer_consumer.py");
const QUEUE_SENTINEL_LINE = 32; // consumer(): print("consumer: sentinel received …")

for (const adapterGetsRunEnv of [false, true]) {
  const how = adapterGetsRunEnv ? "debugpy's own processes also carry the run's environment" : "only the program gets the run's environment";
  test(`queue example under debugpy (${how}): breakpoint in the consumer is hit there; the trace has exactly the program's processes and messages`, { skip: SKIP ?? false, timeout: 120_000 }, async () => {
    const { trace, starts, stoppedPid } = await debugToEnd(QUEUE, QUEUE_SENTINEL_LINE, "consumer", adapterGetsRunEnv);
    const names = starts.map((e) => `${e.role}:${e.name}`).sort();
    assert.deepEqual(names, ["child:consumer", "child:producer", "main:MainProcess"], `processes in the trace: ${names.join(", ")}`);
    assert.ok(starts.some((e) => e.pid === stoppedPid && e.name === "consumer"), "the stopped child is the consumer");
    assert.equal(trace.events.filter((e) => e.kind === "queue.put").length, 6, "five items and the sentinel were put");
    assert.equal(trace.events.filter((e) => e.kind === "queue.get").length, 6, "and all six were taken");
  });
}

const POOL_MGR = join(EXAMPLES_DIR, "pool_manager_queue.py");
const POOL_PRODUCER_LINE = 11; // producer(): queue.put(…), a Pool task using a Manager queue

test("pool + manager example under debugpy: a breakpoint in a Pool task is hit in the worker", { skip: SKIP ?? false, timeout: 120_000 }, async () => {
  const { starts, stoppedPid } = await debugToEnd(POOL_MGR, POOL_PRODUCER_LINE, "producer", true);
  const stoppedLane = starts.find((e) => e.pid === stoppedPid);
  assert.ok(stoppedLane, `the stopped process ${stoppedPid} has a lane`);
  assert.equal(stoppedLane.role, "pool-worker");
  const roles = starts.map((e) => e.role).sort();
  assert.equal(roles.filter((r) => r === "main").length, 1, `one main process: ${roles.join(", ")}`);
  assert.deepEqual(
    starts.map((e) => e.name).filter((n) => /^(Fork|Subprocess)-/.test(n)),
    [],
    "no process of debugpy's own",
  );
});

const HANGING = join(EXAMPLES_DIR, "pipe_same_end_hangs.py");
const HANGING_RECV_LINE = 19; // data = left.recv(): blocks forever

test("hanging example under debugpy: the live diagnosis finds the stall; a pause reaches the blocked process once woken; stopping leaves no process", { skip: SKIP ?? false, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-debugpy-"));
  const clock = () => Number(process.hrtime.bigint());
  const detector = new LiveHangDetector({ graceNs: 0.5e9 });
  const rec = await startCollectOnly({ python: PYTHON, program: HANGING, cwd: REPO_ROOT, out: join(dir, "t.ipcviz.jsonl"), onEvents: (evs) => detector.feed(evs, clock()) });
  const adapterEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(adapterEnv)) if (k.startsWith("IPCVIZ_")) delete adapterEnv[k];
  const dbg = new DebugRun(adapterEnv, {});
  try {
    // As extension/debug/debugConfig.ts withRuntime() makes it: the wake-up signal for pauses.
    await dbg.launch(HANGING, { ...rec.env, IPCVIZ_DEBUG_WAKE: "SIGURG" });
    const pid = await dbg.root.pid;
    // The program blocks in recv(); after the grace period the diagnosis names the stall.
    let report = null;
    for (let i = 0; i < 100 && !report; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = detector.check(clock());
    }
    assert.ok(report, "the live hang detector reports the stall under the debugger");
    assert.equal(report.deadlocks[0].kind, "stall");
    assert.deepEqual(report.deadlocks[0].pids, [pid]);
    // A pause alone does not reach a process blocked in the kernel …
    const threads = await dbg.root.client.request("threads");
    await dbg.root.client.request("pause", { threadId: threads.threads[0].id });
    await assert.rejects(dbg.root.client.waitEvent("stopped", () => true, 700, true), /no "stopped" event/);
    // … the wake-up signal makes it run Python code, and the pause stops it there.
    process.kill(pid, "SIGURG");
    const stopped = await dbg.root.client.waitEvent("stopped", () => true, 10_000, true);
    assert.equal(stopped.body!.reason, "pause");
    const stack = await dbg.root.client.request("stackTrace", { threadId: stopped.body!.threadId, startFrame: 0, levels: 20 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP bodies are JSON whose shape depends on the request; the tests read them as such
    const frames = stack.stackFrames.map((f: any) => `${f.name} ${f.source?.path}:${f.line}`);
    assert.match(frames[0], /_ipcviz_paused_while_blocked .*sitecustomize\.py/, frames.join("\n"));
    assert.ok(frames.some((f: string) => f.endsWith(`${HANGING}:${HANGING_RECV_LINE}`)), `the user's recv() line is on the stack:\n${frames.join("\n")}`);
    // Continue: it goes back to waiting (the program still runs).
    await dbg.root.client.request("continue", { threadId: stopped.body!.threadId });
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(rec.liveProcesses().has(pid), "still running, waiting again");
    // Stop the debug session (VS Code's Stop: disconnect, terminating the debuggee), then end the recording.
    await dbg.root.client.request("disconnect", { terminateDebuggee: true }).catch(() => undefined);
    const result = await rec.stop();
    assert.equal(result.mainPid, pid);
  } finally {
    dbg.dispose();
    await rec.stop();
    assert.equal(rec.liveProcesses().size, 0, "no process of the program is left");
    rmSync(dir, { recursive: true, force: true });
  }
});
