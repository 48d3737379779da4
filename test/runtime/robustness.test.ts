/**
 * Robustness: programs that end badly or do unusual things still run exactly as without the
 * runtime, and their traces stay whole (every invariant of helpersTrace.ts holds) and show what
 * happened: a child's crash, SIGKILL, os._exit, terminate() of a busy child, a Pool shut down by
 * its context manager, `python -m` with arguments, stdin, a user's own sitecustomize, a program
 * that rewrites PYTHONPATH, a payload whose __repr__ raises, a 5 MB payload, a 200-deep list, and
 * primitives dropped with the collector off (the runtime keeps none alive, makes no cycle).
 *
 * The programs are in test/runtime/programs/. Each runs under every start method on one Python
 * (3.11 when present), plain and instrumented side by side, two programs at a time.
 */

import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  type InstrumentedResult,
  type RunOptions,
  RUNS,
  type RunResult,
  type StartMethod,
  TEST_PROGRAMS_DIR,
  cleanup,
  defaultPython,
  excerpt,
  runInstrumented,
  runPlain,
  runtimeMissingReason,
  selectedMethods,
} from "./helpers";
import { type EventOf, Problems, TraceView, checkTraceInvariants, describeEvent } from "./helpersTrace";

interface Case {
  name: string;
  /** Program file in test/runtime/programs, or a module name there when `module`. */
  program: string;
  module?: boolean;
  opts?: Omit<RunOptions, "timeoutSec" | "module">;
  exitStatus?: number;
  methods?: StartMethod[];
  check(v: TraceView, p: Problems, run: InstrumentedResult): void;
}

const file = (name: string) => join(TEST_PROGRAMS_DIR, name);

/** The child (role child) whose process.spawn target is fn. */
function childPid(v: TraceView, p: Problems, fn: string): number | undefined {
  const pids = v.pidOfTarget(fn);
  p.check(pids.length === 1, () => `expected one child running ${fn}: ${v.describeProcesses()}`);
  return pids[0];
}

function receivedBy(v: TraceView, p: Problems, sends: { msg?: string }[] & EventOf<"queue.put" | "pipe.send">[], pid: number | undefined): void {
  for (const s of sends) {
    const r = v.receiptsOf(s);
    if (!p.check(r.length === 1 && r[0].pid === pid, () => `${describeEvent(s)} should be received by pid ${pid}; receipts: ${r.map(describeEvent).join("; ") || "none"}`)) return;
  }
}

function previewsBounded(v: TraceView, p: Problems, max = 1000): void {
  for (const e of v.events) {
    const pv = (e as { preview?: unknown }).preview;
    if (pv !== undefined && !p.check(typeof pv === "string" && pv.length <= max, () => `preview longer than ${max} characters (${typeof pv === "string" ? pv.length : typeof pv}): ${describeEvent(e)}`)) return;
  }
}

/**
 * r_blocking_reads.py: main's receives that wait (the first three Queue.get) show as blocked on
 * the queue, the five that find their data do not, and every message reaches main. Run with the
 * nowait header reads (the default) and with the poll path that kernels without RWF_NOWAIT get.
 */
function checkBlockingReads(v: TraceView, p: Problems): void {
  const main = v.main?.pid;
  const c = childPid(v, p, "producer");
  for (const kind of ["queue.put", "pipe.send"] as const) receivedBy(v, p, v.of(kind, (e) => e.pid === c), main);
  const q = v.of("queue.put", (e) => e.pid === c)[0]?.obj;
  const seq = v.events
    .filter((e) => e.pid === main && e.obj === q && (e.kind === "queue.get" || e.kind === "block.begin" || e.kind === "block.end"))
    .map((e) => (e.kind === "queue.get" ? "get" : e.kind === "block.begin" ? "begin" : "end"))
    .join(" ");
  p.check(
    /^(begin end get ){3}(begin end )?get( get){5}$/.test(seq),
    () => `main's events on the queue should be three waits, a get, then five gets without a wait: ${seq}`,
  );
  const recvs = v.of("pipe.recv", (e) => e.pid === main);
  p.check(recvs.length === 3 + 3 + 1 + 5, () => `main's receives: ${recvs.length}`);
  const big = recvs.find((e) => (e.preview ?? "").includes("300000 bytes"));
  p.check(big !== undefined && big.bytes === false, "the 300 kB message shows as received, with a bounded preview");
}

const CASES: Case[] = [
  {
    name: "two producers and four consumers race for the messages of one Queue and one JoinableQueue",
    program: "r_many_consumers.py",
    check(v, p) {
      const producers = v.pidOfTarget("producer");
      const consumers = new Set(v.pidOfTarget("consumer"));
      p.check(producers.length === 2 && consumers.size === 4, () => `two producers and four consumers: ${v.describeProcesses()}`);
      const puts = v.of("queue.put", (e) => producers.includes(e.pid));
      p.check(puts.length === 4000 * 2, () => `the producers' puts: ${puts.length}`);
      let bad = 0;
      for (const put of puts) {
        const r = v.receiptsOf(put);
        if (r.length !== 1 || !consumers.has(r[0].pid)) bad++;
      }
      p.check(bad === 0, () => `${bad} of the producers' puts are not received exactly once by a consumer`);
    },
  },
  {
    name: "receives that wait and receives that find data (nowait header reads)",
    program: "r_blocking_reads.py",
    check: (v, p) => checkBlockingReads(v, p),
  },
  {
    name: "receives that wait and receives that find data (the poll path, as without RWF_NOWAIT)",
    program: "r_blocking_reads.py",
    opts: { env: { IPCVIZ_NO_NOWAIT: "1" } },
    check: (v, p) => checkBlockingReads(v, p),
  },
  {
    name: "a child crashes with an uncaught exception",
    program: "r_child_crash.py",
    check(v, p) {
      const c = childPid(v, p, "child");
      const main = v.main?.pid;
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === c), main);
      p.check(v.of("queue.put", (e) => e.pid === c).length === 2, "the child's two puts are in the trace");
      p.check(v.exitOf(c!)?.exitCode === 1, () => `the child's process.exit should say exit code 1:\n${v.dumpPid(c!)}`);
      p.check(v.of("process.join", (e) => e.child === c)[0]?.exitCode === 1, "main's join sees exit code 1");
    },
  },
  {
    name: "a child is killed by SIGKILL",
    program: "r_child_sigkill.py",
    check(v, p) {
      const c = childPid(v, p, "child");
      const main = v.main?.pid;
      const events = v.byPid(c!);
      const kinds = events.map((e) => e.kind).join(",");
      p.check(kinds === "process.start,queue.put,queue.put,queue.put,event.set,block.begin", () => `the child's events up to the kill should all be there (start, 3 puts, set, block): got ${kinds}`);
      const last = events[events.length - 1];
      p.check(last?.kind === "block.begin" && last.op === "event.wait", "the child's last event is its block in event.wait");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === c), main);
      p.check(v.exitOf(c!) === undefined, "a SIGKILLed process sends no process.exit");
      const d = v.disconnectsOf(c!);
      p.check(d.length === 1 && d[0].clean === false, "its disconnect is unclean");
      p.check(v.of("process.kill", (e) => e.pid === main && e.child === c).length === 1, "main's kill() shows as process.kill");
      p.check(v.of("process.join", (e) => e.child === c)[0]?.exitCode === -9, "main's join sees exit code -9");
    },
  },
  {
    name: "a child leaves with os._exit(7)",
    program: "r_child_os_exit.py",
    check(v, p) {
      const c = childPid(v, p, "child");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === c), v.main?.pid);
      p.check(v.of("queue.put", (e) => e.pid === c).length === 3, "the child's three puts are in the trace");
      const w = v.of("value.write", (e) => e.pid === c);
      p.check(w.length === 1 && w[0].value === "42", () => `the child's last write (v.value = 42, no flush point after it but os._exit) should be in the trace:\n${v.dumpPid(c!)}`);
      const exit = v.exitOf(c!);
      if (exit) p.check(exit.exitCode === 7, `the child's process.exit should say 7: ${describeEvent(exit)}`);
      p.check(v.of("process.join", (e) => e.child === c)[0]?.exitCode === 7, "main's join sees exit code 7");
    },
  },
  {
    name: "terminate() of a busy child delivers its buffered events",
    program: "r_terminate_busy.py",
    check(v, p) {
      const c = childPid(v, p, "child");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === c), v.main?.pid);
      p.check(v.of("queue.put", (e) => e.pid === c).length === 20, "the 20 puts before the flush point are in the trace");
      const writes = v.of("value.write", (e) => e.pid === c);
      p.check(writes.length >= 1, "the busy loop's writes (after the last flush point) should arrive, flushed on SIGTERM");
      const exit = v.exitOf(c!);
      p.check(exit !== undefined && exit.signal === 15 && exit.exitCode === -15, () => `the child's last event should be process.exit with signal 15: ${exit ? describeEvent(exit) : "none"}`);
      p.check(v.of("process.join", (e) => e.child === c)[0]?.exitCode === -15, "main's join sees -15");
    },
  },
  {
    name: "a Pool shut down by its context manager",
    program: "r_pool_context.py",
    check(v, p) {
      // Two workers are started, but a slow-starting one may be terminated before it ran any code.
      const workers = v.role("pool-worker");
      p.check(workers.length >= 1 && workers.length <= 2, `one or two pool workers: ${v.describeProcesses()}`);
      const sends = v.of("pool.task.send");
      const results = v.of("pool.result.send");
      p.check(sends.length === 8 && results.length === 8 && v.of("pool.result.recv").length === 8, `8 tasks sent, 8 results sent and received (got ${sends.length}, ${results.length}, ${v.of("pool.result.recv").length})`);
      for (const r of v.of("pool.task.recv")) p.check(v.of("pool.result.send", (e) => e.pid === r.pid && e.job === r.job && e.index === r.index).length === 1, `task ${r.job}/${r.index}: result sent by the worker that took it`);
      const sub = v.of("pool.submit");
      p.check(sub.length === 1 && sub[0].method === "map", () => `one pool.submit (map): ${sub.map(describeEvent).join("; ")}`);
    },
  },
  {
    name: "python -m module with arguments",
    program: "r_module_args",
    module: true,
    opts: { args: ["a", "b c", "--flag"], cwd: TEST_PROGRAMS_DIR },
    check(v, p, run) {
      const h = run.trace!.header;
      p.check(JSON.stringify(h.args) === JSON.stringify(["a", "b c", "--flag"]), `header.args should be the arguments: ${JSON.stringify(h.args)}`);
      const argv = v.main?.argv ?? [];
      p.check(JSON.stringify(argv.slice(1)) === JSON.stringify(["a", "b c", "--flag"]), `main's argv[1:] should be the arguments: ${JSON.stringify(argv)}`);
      const c = childPid(v, p, "child");
      const puts = v.of("queue.put", (e) => e.pid === c);
      p.check(puts.length === 1, "the child's put is in the trace");
      receivedBy(v, p, puts, v.main?.pid);
    },
  },
  {
    name: "stdin reaches the program (input() in main)",
    program: "r_stdin.py",
    opts: { stdin: "hello there\n" },
    check(v, p) {
      const c = childPid(v, p, "shout");
      const main = v.main?.pid;
      const down = v.of("pipe.send", (e) => e.pid === main);
      p.check(down.length === 1 && down[0].preview.includes("hello there"), () => `main sends the line it read: ${down.map(describeEvent).join("; ")}`);
      receivedBy(v, p, down, c);
      receivedBy(v, p, v.of("pipe.send", (e) => e.pid === c), main);
    },
  },
  {
    name: "a user's own sitecustomize on PYTHONPATH still runs",
    program: "r_user_sitecustomize.py",
    opts: { env: { PYTHONPATH: join(TEST_PROGRAMS_DIR, "user_site") } },
    check(v, p) {
      const c = childPid(v, p, "child");
      p.check(c !== undefined && v.starts.has(c), "the child is instrumented too");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === c), v.main?.pid);
    },
  },
  {
    name: "a program that rewrites PYTHONPATH before starting spawn children",
    program: "r_env_rewrite.py",
    check(v, p) {
      const c = childPid(v, p, "child");
      p.check(c !== undefined && v.starts.get(c)?.role === "child", () => `the spawn child should still be instrumented (process.start): ${v.describeProcesses()}`);
      const puts = v.of("queue.put", (e) => e.pid === c);
      p.check(puts.length === 1, "the child's put is in the trace");
      receivedBy(v, p, puts, v.main?.pid);
    },
  },
  {
    name: "a payload whose __repr__ raises",
    program: "r_bad_repr.py",
    check(v, p) {
      const main = v.main?.pid;
      const c = childPid(v, p, "child");
      const put = v.of("queue.put", (e) => e.pid === main);
      p.check(put.length === 1 && typeof put[0].preview === "string", "main's put of the object shows, with some preview");
      receivedBy(v, p, put, c);
      receivedBy(v, p, v.of("pipe.send", (e) => e.pid === c), main);
    },
  },
  {
    name: "a 5 MB bytes payload",
    program: "r_big_payload.py",
    check(v, p, run) {
      previewsBounded(v, p);
      const main = v.main?.pid;
      const c = childPid(v, p, "child");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === main), c);
      receivedBy(v, p, v.of("pipe.send", (e) => e.pid === c), main);
      const size = statSync(run.tracePath).size;
      p.check(size < 1024 * 1024, `the trace should stay small, is ${size} bytes`);
    },
  },
  {
    name: "the runtime keeps no program object alive and puts none in a reference cycle",
    program: "r_no_cycles.py",
    check(v, p) {
      // The program's stdout (compared above) says what was freed; here, that it was traced.
      const sends = v.of("pool.task.send");
      const recvs = v.of("pool.task.recv");
      p.check(sends.length === 4 + 4 && recvs.length === sends.length, () => `the Pool's 4 tasks and the executor's 4 (an apply or submit, and a map of 3 in chunks of 1), sent and received: ${sends.length} sent, ${recvs.length} received`);
      const x = v.of("queue.put", (e) => e.pid === v.main?.pid && e.preview === "'x'");
      p.check(x.length === 1, () => `main's put of 'x' on the Queue: ${x.length}`);
      receivedBy(v, p, x, v.main?.pid);
    },
  },
  {
    name: "a 200-deep nested list",
    program: "r_deep_nested.py",
    check(v, p) {
      previewsBounded(v, p);
      const c = childPid(v, p, "child");
      receivedBy(v, p, v.of("queue.put", (e) => e.pid === v.main?.pid), c);
    },
  },
];

// ---------------------------------------------------------------- tests

const missing = runtimeMissingReason();
const py = defaultPython();
const methods = selectedMethods();
const skip = missing ?? (py === null ? "no Python found (looked for pyenv 3.9–3.13 and /usr/bin/python3)" : false);

interface Pair {
  plain: RunResult;
  instr: InstrumentedResult;
}

function start(c: Case, m: StartMethod): Promise<Pair> {
  const program = c.module ? c.program : file(c.program);
  const opts: RunOptions = { ...(c.opts ?? {}), module: c.module, timeoutSec: 40 };
  return RUNS.run(() => Promise.all([runPlain(py!.path!, m, program, opts), runInstrumented(py!.path!, m, program, opts)])).then(([plain, instr]) => ({ plain, instr }));
}

const runs = new Map<string, Promise<Pair>>();
if (!skip) {
  for (const c of CASES) for (const m of c.methods ?? methods) {
    const pr = start(c, m);
    pr.catch(() => undefined);
    runs.set(`${c.name}|${m}`, pr);
  }
}

describe(`runtime: robustness (Python ${py?.label ?? "?"} ${py?.version ?? ""})`, () => {
  for (const c of CASES) {
    describe(c.name, () => {
      for (const m of c.methods ?? methods) {
        test(m, { skip, timeout: 180_000 }, async (t) => {
          const { plain, instr } = await runs.get(`${c.name}|${m}`)!;
          let keep = false;
          try {
            await t.test("same stdout, stderr and exit status as without the runtime", () => {
              const diffs: string[] = [];
              if (plain.stoppedByTest) diffs.push(`the plain run did not end (${plain.stoppedByTest} after ${plain.durationMs} ms); its stdout so far:\n${excerpt(plain.stdout)}\nits stderr:\n${excerpt(plain.stderr)}`);
              if (plain.status !== (c.exitStatus ?? 0)) diffs.push(`the plain run exited with ${plain.status}, expected ${c.exitStatus ?? 0}:\n${excerpt(plain.stderr)}`);
              if (instr.status !== plain.status) diffs.push(`exit status: plain ${plain.status}, instrumented ${instr.status}`);
              if (instr.stdout !== plain.stdout) diffs.push(`stdout differs:\n--- plain\n${excerpt(plain.stdout)}\n+++ instrumented\n${excerpt(instr.stdout)}`);
              if (instr.programStderr !== plain.stderr) diffs.push(`stderr differs:\n--- plain\n${excerpt(plain.stderr)}\n+++ instrumented\n${excerpt(instr.programStderr)}`);
              if (instr.leftovers.length) diffs.push(`left running: ${instr.leftovers.join("; ")}`);
              if (diffs.length) {
                keep = true;
                assert.fail(`${diffs.join("\n")}\n(command: ${instr.command})`);
              }
            });
            await t.test("the trace is whole and shows what happened", () => {
              assert.ok(instr.trace, `no readable trace (${instr.traceError}); stderr:\n${excerpt(instr.stderr)}`);
              const v = new TraceView(instr.trace);
              const p = new Problems();
              const program = c.module ? c.program : file(c.program);
              checkTraceInvariants(v, { program, userFiles: [c.module ? file(c.program + ".py") : program], method: m, hangs: false, cliStatus: instr.status, summary: instr.summary }, p);
              try {
                c.check(v, p, instr);
              } catch (e) {
                p.add(`the check threw: ${(e as Error).stack ?? e}`);
              }
              if (!p.ok) {
                keep = true;
                assert.fail(`${p.list.length} problem(s) (trace kept at ${instr.tracePath}):\n${p}`);
              }
            });
          } finally {
            cleanup(instr, keep);
          }
        });
      }
    });
  }
});
