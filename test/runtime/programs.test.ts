/**
 * Equivalence and structure, for every corpus program (../shared/corpus/seed, when present) and
 * every example (examples/), under fork, spawn and forkserver, on every minor version of Python
 * present: where Debian's python3 and a pyenv Python are the same minor version (3.11 here), on
 * Debian's (the one a user has by default; its 3.11.2 aborted at exit where 3.11.7 did not), and
 * the pyenv one runs every other tier. IPCVIZ_TEST_PYTHONS picks Pythons by name, both included.
 *
 * Each combination runs twice, plain (test/fixtures/plain-boot) and under `ipcviz run`, side by
 * side; at most two combinations run at a time (those of programs that hang or mostly sleep give
 * their slot back after their first second). Then, from the same two runs:
 * - equivalence: the same stdout, stderr and exit status with and without the runtime;
 * - structure: the trace satisfies every invariant (helpersTrace.ts) and shows what the program
 *   does (helpersPrograms.ts).
 * Running both suites off the same runs halves the time of the tier.
 *
 * Programs that hang on purpose: the plain run is stopped once every process of it has been
 * idle for 0.5 s (or after 8 s), the instrumented run by the CLI's --timeout; the output up to
 * then is compared, and the CLI must diagnose the hang and exit with 3. If the instrumented output is a strict
 * prefix of the plain one (a slow start under load), that run is repeated once with a longer
 * timeout.
 */

import assert from "node:assert/strict";
import { basename } from "node:path";
import { describe, test } from "node:test";
import {
  CORPUS_DIR,
  EXAMPLES_DIR,
  type InstrumentedResult,
  RUNS,
  SLOT_RELEASE_MS,
  type PythonTarget,
  type RunResult,
  type StartMethod,
  cleanup,
  excerpt,
  programSelected,
  pythonFiles,
  runInstrumented,
  runPlain,
  runtimeMissingReason,
  selectedMethods,
  selectedPythons,
} from "./helpers";
import { CORPUS_SPECS, EXAMPLE_SPECS, type StructureCheck } from "./helpersPrograms";
import { Problems, TraceView, checkTraceInvariants } from "./helpersTrace";
import { validateTrace } from "../../trace/validate";

// ---------------------------------------------------------------- timing-dependent output
//
// Everything not listed here must be byte-identical with and without the runtime. For each
// program below, the rule turns stdout/stderr into a canonical form first, and says why.

interface OutputRule {
  why: string;
  stdout?: (text: string) => string;
  stderr?: (text: string) => string;
}

/** s01 prints "处理一个元素:N" for each item taken by the consumer. */
const S01_ITEM = /^处理一个元素:\d+$/;

const TIMING_DEPENDENT: Record<string, OutputRule> = {
  s01_queue_producer_consumer: {
    why:
      "prints random numbers (masked); and main terminates the consumer as soon as it sees the queue empty, " +
      "so the consumer may be killed between its last get() and its print: the last item line may be missing " +
      "(with or without the runtime), or cut between its text and its newline, so that main's final line is " +
      "glued to it. Canonical form: the item lines are replaced by one line saying whether there were 9 or 10 " +
      "of them, and a cut item line before main's final line is counted as an item.",
    stdout(text) {
      const lines = text.replace(/(处理一个元素:\d+)(处理结束)/, "$1\n$2").split("\n");
      const items = lines.filter((l) => S01_ITEM.test(l)).length;
      const rest = lines.filter((l) => !S01_ITEM.test(l));
      return [`<${items >= 9 && items <= 10 ? "9 or 10" : items} item lines>`, ...rest].join("\n");
    },
  },
  s04_pipe_producer_consumer: {
    why: "prints random numbers: the numbers are masked, the 10 lines and their order are kept.",
    stdout: (text) => text.replace(/^(处理一个元素:)\d+$/gm, "$1<n>"),
  },
};

/**
 * For every program that hangs (stopped by the test or by the CLI's timeout): when the CLI stops
 * a run it sends SIGTERM first, and multiprocessing's resource tracker (which ignores SIGTERM)
 * may then warn about leaked semaphores before the SIGKILL; the plain run is SIGKILLed at once.
 * Those warning lines are not the program's output and are removed on both sides.
 */
function dropResourceTrackerWarnings(text: string): string {
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/resource_tracker.*UserWarning: resource_tracker: /.test(lines[i])) {
      if (i + 1 < lines.length && /^\s+warnings\.warn\(/.test(lines[i + 1])) i++;
      continue;
    }
    out.push(lines[i]);
  }
  return out.join("\n");
}

// ---------------------------------------------------------------- programs

interface Program {
  id: string;
  file: string;
  source: "corpus" | "examples";
  hangs: boolean;
  exitStatus: number;
  structure: StructureCheck | null;
}

const stem = (file: string) => basename(file).replace(/\.py$/, "");

function listPrograms(): { programs: Program[]; corpusSkip: string | null; unspecified: string[] } {
  const programs: Program[] = [];
  const unspecified: string[] = [];
  const corpus = pythonFiles(CORPUS_DIR);
  let corpusSkip: string | null = null;
  if (corpus === null) corpusSkip = `the seed corpus folder ${CORPUS_DIR} does not exist (it lives beside the project, not in it): corpus programs are skipped`;
  for (const file of corpus ?? []) {
    const spec = CORPUS_SPECS[stem(file)];
    if (!spec) unspecified.push(file);
    programs.push({ id: stem(file), file, source: "corpus", hangs: spec?.hangs ?? false, exitStatus: spec?.exitStatus ?? 0, structure: spec?.structure ?? null });
  }
  for (const file of pythonFiles(EXAMPLES_DIR) ?? []) {
    const spec = EXAMPLE_SPECS[stem(file)];
    if (!spec) unspecified.push(file);
    programs.push({ id: `examples/${stem(file)}`, file, source: "examples", hangs: spec?.hangs ?? false, exitStatus: spec?.exitStatus ?? 0, structure: spec?.structure ?? null });
  }
  return { programs: programs.filter((p) => programSelected(p.id)), corpusSkip, unspecified };
}

// ---------------------------------------------------------------- runs

/**
 * Programs that spend most of their time asleep (and why): their combinations give their
 * concurrency slot back after their first second or so, like those of hanging programs, so
 * that two busy combinations can proceed meanwhile.
 */
const MOSTLY_ASLEEP: Record<string, string> = {
  s02_manager_queue_pool: "both Pool tasks sleep 2 s",
  s04_pipe_producer_consumer: "main sleeps 2 s before terminating the consumer",
  s10_namespace: "the consumer sleeps 1 s",
  s11_namespace_mutable_pitfall: "the consumer sleeps 1 s",
  s12_namespace_reassign_fix: "the consumer sleeps 1 s",
};

/**
 * Seconds the CLI lets a hanging program run. A hang the CLI diagnoses ends the run by itself
 * (after `--deadlock-grace`, 1 s of nothing happening), so this budget costs nothing when all is
 * well: only a hang that is never diagnosed reaches it, and on a busy machine the diagnosis may
 * take several seconds. The harness's plain run stops on idleness first.
 */
const HANG_TIMEOUT = 60;
const HANG_RETRY_TIMEOUT = 60;
/** Seconds before the plain run of a hanging program is stopped if it never looks idle (busy machine). */
const HANG_PLAIN_CAP = 30;
/** Seconds before a program that should end by itself is stopped (it then fails); only a defect reaches it. */
const END_TIMEOUT = 60;

interface Combo {
  plain: RunResult;
  instr: InstrumentedResult;
  retried: boolean;
}

const started = Date.now();
const runLog: { title: string; plainMs: number; instrMs: number }[] = [];

async function runCombo(prog: Program, py: PythonTarget, method: StartMethod): Promise<Combo> {
  const python = py.path!;
  const plainP = runPlain(python, method, prog.file, prog.hangs ? { timeoutSec: HANG_PLAIN_CAP, stopWhenIdle: true } : { timeoutSec: END_TIMEOUT });
  const instrP = runInstrumented(python, method, prog.file, { timeoutSec: prog.hangs ? HANG_TIMEOUT : END_TIMEOUT });
  const [plain, first] = await Promise.all([plainP, instrP]);
  let instr = first;
  let retried = false;
  if (prog.hangs && instr.stdout !== plain.stdout && plain.stdout.startsWith(instr.stdout)) {
    cleanup(instr);
    instr = await runInstrumented(python, method, prog.file, { timeoutSec: HANG_RETRY_TIMEOUT });
    retried = true;
  }
  runLog.push({ title: `${prog.id} ${py.label} ${method}`, plainMs: plain.durationMs, instrMs: instr.durationMs });
  return { plain, instr, retried };
}

// ---------------------------------------------------------------- checks

function canonical(prog: Program, which: "stdout" | "stderr", text: string): string {
  const rule = TIMING_DEPENDENT[prog.id.replace(/^examples\//, "")];
  let t = text;
  if (prog.hangs && which === "stderr") t = dropResourceTrackerWarnings(t);
  const f = rule?.[which];
  return f ? f(t) : t;
}

/** Hazards the diagnosis must report for a program (every other program must get none). */
const EXPECTED_HAZARDS: Record<string, string[]> = {
  s11_namespace_mutable_pitfall: ["lost-in-place-change"],
  "examples/manager_namespace_pitfall": ["lost-in-place-change"],
};

function describeStatus(r: RunResult): string {
  if (r.stoppedByTest) return `stopped by the test (${r.stoppedByTest})`;
  return r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
}

function checkEquivalence(prog: Program, c: Combo): void {
  const { plain, instr } = c;
  const diffs: string[] = [];
  // The plain run must behave as documented, or the comparison means nothing.
  if (prog.hangs) {
    assert.ok(plain.stoppedByTest !== null, `${prog.id} should hang, but the plain run ended by itself (${describeStatus(plain)})`);
    if (instr.status !== 3) diffs.push(`the CLI should diagnose the hang and exit with 3, exited with ${instr.status}`);
  } else {
    assert.equal(plain.stoppedByTest, null, `the plain run of ${prog.id} did not end by itself within ${END_TIMEOUT} s`);
    assert.equal(plain.status, prog.exitStatus, `the plain run of ${prog.id} should exit with ${prog.exitStatus}:\n${excerpt(plain.stderr)}`);
    if (instr.status !== plain.status) diffs.push(`exit status: plain ${describeStatus(plain)}, instrumented ${instr.status === 124 ? "124 (timed out)" : instr.status}`);
  }
  const so = [canonical(prog, "stdout", plain.stdout), canonical(prog, "stdout", instr.stdout)];
  if (so[0] !== so[1]) diffs.push(`stdout differs:\n--- plain\n${excerpt(so[0])}\n+++ instrumented\n${excerpt(so[1])}`);
  const se = [canonical(prog, "stderr", plain.stderr), canonical(prog, "stderr", instr.programStderr)];
  if (se[0] !== se[1]) diffs.push(`stderr differs:\n--- plain\n${excerpt(se[0])}\n+++ instrumented (without the CLI's trace line)\n${excerpt(se[1])}`);
  if (plain.leftovers.length) diffs.push(`processes left running after the plain run: ${plain.leftovers.join("; ")}`);
  if (instr.leftovers.length) diffs.push(`processes left running after the instrumented run: ${instr.leftovers.join("; ")}`);
  if (diffs.length) {
    cleanupKeep.add(instr.dir);
    assert.fail(`${diffs.join("\n")}\n(command: ${instr.command}${c.retried ? "; repeated with a longer timeout" : ""})`);
  }
}

function checkStructure(prog: Program, py: PythonTarget, method: StartMethod, c: Combo): void {
  const { instr } = c;
  assert.ok(instr.trace, `no readable trace (${instr.traceError}); stderr:\n${excerpt(instr.stderr)}`);
  const view = new TraceView(instr.trace);
  const p = new Problems();
  // The trace as `ipcviz validate` judges it (the trace format's contract), beside the checks below.
  for (const problem of [...instr.trace.problems, ...validateTrace(instr.trace.header, instr.trace.events)].slice(0, 10)) p.add(`ipcviz validate: ${problem}`);
  checkTraceInvariants(view, { program: prog.file, method, hangs: prog.hangs, hazards: EXPECTED_HAZARDS[prog.id] ?? [], cliStatus: instr.status, summary: instr.summary }, p);
  if (prog.structure) {
    try {
      prog.structure(view, { file: prog.file, method, python: py }, p);
    } catch (e) {
      p.add(`the structure check threw: ${(e as Error).stack ?? e}`);
    }
  }
  if (!p.ok) {
    cleanupKeep.add(instr.dir);
    assert.fail(`${p.list.length} problem(s) in the trace (kept at ${instr.tracePath}):\n${p}`);
  }
}

const cleanupKeep = new Set<string>();

// ---------------------------------------------------------------- tests

const missing = runtimeMissingReason();
const { programs, corpusSkip, unspecified } = listPrograms();
/** One Python per minor version (see the top of this file), unless IPCVIZ_TEST_PYTHONS names them. */
function onePerMinor(all: PythonTarget[]): PythonTarget[] {
  if (process.env.IPCVIZ_TEST_PYTHONS?.trim()) return all;
  const minor = (p: PythonTarget) => /^\d+\.\d+/.exec(p.version ?? "")?.[0] ?? null;
  const system = all.find((p) => p.label === "debian" && p.path !== null);
  return all.filter((p) => p === system || p.path === null || system === undefined || minor(p) !== minor(system));
}

const pythons = onePerMinor(selectedPythons());
const present = pythons.filter((p) => p.path !== null);
const methods = selectedMethods();

// Start every run now (two at a time, in test order), so both run slots stay busy while tests report.
const combos = new Map<string, Promise<Combo>>();
const key = (prog: Program, py: PythonTarget, m: StartMethod) => `${prog.id}|${py.label}|${m}`;
if (!missing) {
  for (const prog of programs) for (const py of present) for (const m of methods) {
    const pr = RUNS.run(() => runCombo(prog, py, m), prog.hangs || MOSTLY_ASLEEP[prog.id] ? SLOT_RELEASE_MS : undefined);
    pr.catch(() => undefined);
    combos.set(key(prog, py, m), pr);
  }
}

describe("runtime: programs (equivalence and structure)", () => {
  test("the seed corpus", { skip: corpusSkip ?? false }, () => {
    assert.ok(programs.some((p) => p.source === "corpus") || !programSelected("s"), "no corpus program found");
  });
  test("every example and corpus program has a structure spec", () => {
    assert.deepEqual(unspecified, [], "programs without a spec in helpersPrograms.ts");
  });
  for (const py of pythons) {
    if (py.path === null) test(`Python ${py.label}`, { skip: py.missing }, () => undefined);
  }
  for (const py of selectedPythons()) {
    if (!pythons.includes(py)) test(`Python ${py.label} (${py.version})`, { skip: "the same minor version as Debian's python3, which runs these programs; this one runs every other tier" }, () => undefined);
  }

  for (const prog of programs) {
    describe(prog.id, () => {
      for (const py of present) {
        for (const m of methods) {
          test(`${py.label} (${py.version}) ${m}`, { skip: missing ?? false, timeout: 180_000 }, async (t) => {
            const c = await combos.get(key(prog, py, m))!;
            try {
              await t.test("equivalence: same stdout, stderr and exit status", () => checkEquivalence(prog, c));
              await t.test("structure: the trace shows what the program does", () => checkStructure(prog, py, m, c));
            } finally {
              cleanup(c.instr, cleanupKeep.has(c.instr.dir));
              combos.delete(key(prog, py, m));
            }
          });
        }
      }
    });
  }

  test("timing", { skip: missing ?? false }, (t) => {
    const total = (Date.now() - started) / 1000;
    const slow = [...runLog].sort((a, b) => b.instrMs - a.instrMs).slice(0, 5);
    t.diagnostic(`${runLog.length} combinations (${runLog.length * 2} runs) in ${total.toFixed(0)} s`);
    for (const s of slow) t.diagnostic(`slowest instrumented: ${s.title}: ${s.instrMs} ms (plain ${s.plainMs} ms)`);
  });
});
