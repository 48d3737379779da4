/**
 * Stack snapshots and "no progress" (docs/cli.md, "Hangs outside the recorded primitives"),
 * with real Python processes under `ipcviz run`:
 * - each example that hangs outside the recorded primitives (examples/hang_socket_recv.py, …)
 *   is stopped with a "no progress" report that names, for the process that is stuck there,
 *   the line marked `# HANGS HERE` and the call it waits in; under fork, spawn and forkserver on
 *   3.11, and fork on every other Python present (3.9 and 3.10 find the call from the line, 3.11+
 *   from the instruction's position);
 * - the trace holds the snapshot (valid events; `ipcviz stacks TRACE` prints it);
 * - healthy programs that record nothing for seconds (a child computing, a child sleeping) get
 *   snapshots but no report, and the program's own thread count is unchanged;
 * - on 3.12+, os.fork() with only the runtime's helper thread running does not warn.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import {
  CLI_JS,
  EXAMPLES_DIR,
  type InstrumentedResult,
  type PythonTarget,
  RUNS,
  type StartMethod,
  TEST_PROGRAMS_DIR,
  cleanup,
  defaultPython,
  excerpt,
  runInstrumented,
  runPlain,
  runtimeMissingReason,
  selectedMethods,
  selectedPythons,
} from "./helpers";
import { validateTrace } from "../../trace/validate";

/** A hang budget only a defect exceeds: diagnosis needs two snapshots (about 3 s); the CLI stops the run at this timeout otherwise. */
const HANG_TIMEOUT = 60;
const END_TIMEOUT = 60;

interface HangCase {
  program: string;
  /** The process whose report must name the marked line: "main" or "child". */
  who: "main" | "child";
  /** Marker text on the line (after "# HANGS HERE"). */
  marker: string;
  /** The call the report names. */
  call: string;
  how: "waiting" | "spinning";
  /** Run with stdin open and empty (input() waits). */
  stdinOpen?: boolean;
}

const CASES: HangCase[] = [
  { program: "hang_socket_recv.py", who: "main", marker: "# HANGS HERE (main)", call: "socket.recv", how: "waiting" },
  { program: "hang_socket_recv.py", who: "child", marker: "# HANGS HERE (client)", call: "socket.recv", how: "waiting" },
  { program: "hang_subprocess_waiter.py", who: "child", marker: "# HANGS HERE", call: "subprocess.run", how: "waiting" },
  { program: "hang_input_no_stdin.py", who: "main", marker: "# HANGS HERE", call: "input", how: "waiting", stdinOpen: true },
  { program: "hang_thread_join.py", who: "child", marker: "# HANGS HERE", call: "Thread.join", how: "waiting" },
  { program: "hang_busy_poll.py", who: "child", marker: "# HANGS HERE", call: "Queue.empty", how: "spinning" },
  { program: "hang_thread_queue_get.py", who: "main", marker: "# HANGS HERE", call: "Queue.get", how: "waiting" },
];

function lineOf(file: string, marker: string): number {
  const lines = readFileSync(file, "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `${basename(file)} has no line marked ${marker}`);
  return i + 1;
}

function stacksCli(trace: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_JS, "stacks", trace], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Problems of one hang run, [] when it is as documented. */
function checkHang(c: HangCase, run: InstrumentedResult): string[] {
  const out: string[] = [];
  const file = join(EXAMPLES_DIR, c.program);
  const line = lineOf(file, c.marker);
  if (run.status !== 3) out.push(`the CLI should stop the run for no progress (exit 3), exited with ${run.status}`);
  const s = run.summary;
  const np = s?.noProgress ?? null;
  if (!np) {
    out.push(`no summary.noProgress; deadlocks: ${JSON.stringify(s?.deadlocks?.map((d) => d.explanation))}`);
    return out;
  }
  const mainPid = s!.processes.find((p) => p.role === "main")?.pid;
  const mine = np.processes.filter((p) => (c.who === "main" ? p.pid === mainPid : p.pid !== mainPid));
  const hit = mine.find((p) => p.site !== null && p.site.endsWith(`${c.program}:${line}`));
  if (!hit) out.push(`no report of the ${c.who} process at ${c.program}:${line}: ${np.text}`);
  else {
    if (hit.call !== c.call) out.push(`the report names the call ${hit.call}, expected ${c.call}: ${hit.text}`);
    if (hit.how !== c.how) out.push(`the report says ${hit.how}, expected ${c.how}: ${hit.text}`);
    if (!hit.recorded && c.how === "waiting" && !hit.text.includes("not an IPC primitive the runtime records")) out.push(`the text does not say the call is not recorded: ${hit.text}`);
    if (!run.stderr.includes(hit.text)) out.push(`stderr lacks the report line "${hit.text}":\n${excerpt(run.stderr)}`);
  }
  if (!run.stderr.includes("stacks of")) out.push(`stderr lacks the snapshot:\n${excerpt(run.stderr)}`);
  if (!s!.stacks || s!.stacks.reason !== "hang") out.push(`summary.stacks: ${JSON.stringify(s!.stacks)}`);
  if (run.trace) {
    const problems = validateTrace(run.trace.header, run.trace.events);
    if (problems.length) out.push(`the trace is not valid: ${problems.slice(0, 5).join("; ")}`);
    const kinds = new Set(run.trace.events.map((e) => e.kind));
    for (const k of ["stacks.request", "process.stacks"]) if (!kinds.has(k as never)) out.push(`the trace has no ${k}`);
    const printed = stacksCli(run.tracePath);
    if (printed.status !== 0 || !printed.stdout.includes(`${c.program}:${line}`)) out.push(`ipcviz stacks did not print ${c.program}:${line} (status ${printed.status}):\n${excerpt(printed.stdout + printed.stderr)}`);
  } else out.push(`no trace: ${run.traceError}`);
  if (run.leftovers.length) out.push(`processes left running: ${run.leftovers.join("; ")}`);
  return out;
}

const missing = runtimeMissingReason();

function combos(): Array<{ py: PythonTarget; method: StartMethod }> {
  const out: Array<{ py: PythonTarget; method: StartMethod }> = [];
  for (const py of selectedPythons()) {
    if (!py.path) continue;
    const methods = py.label === "3.11" ? selectedMethods() : selectedMethods().filter((m) => m === "fork");
    for (const method of methods) out.push({ py, method });
  }
  return out;
}

describe("no progress: hangs outside the recorded primitives", { skip: missing ?? undefined }, () => {
  const programs = [...new Set(CASES.map((c) => c.program))];
  for (const { py, method } of combos()) {
    for (const program of programs) {
      const cases = CASES.filter((c) => c.program === program);
      test(`${program} (${py.label}, ${method})`, async () => {
        const run = await RUNS.run(() =>
          runInstrumented(py.path!, method, join(EXAMPLES_DIR, program), { timeoutSec: HANG_TIMEOUT, stdinOpen: cases.some((c) => c.stdinOpen) }),
        );
        const problems = cases.flatMap((c) => checkHang(c, run));
        if (problems.length === 0) cleanup(run);
        assert.deepEqual(problems, [], `${run.command}\n${excerpt(run.stderr)}`);
      });
    }
  }
});

describe("no report for a program that computes or sleeps", { skip: missing ?? undefined }, () => {
  const py = defaultPython();
  for (const [program, state] of [
    ["stacks_compute.py", "running"],
    ["stacks_sleep.py", "sleeping"],
  ] as const) {
    for (const method of selectedMethods()) {
      test(`${program} (${py?.label}, ${method})`, { skip: py?.path ? undefined : "no Python" }, async () => {
        const file = join(TEST_PROGRAMS_DIR, program);
        const [plain, run] = await RUNS.run(() => Promise.all([runPlain(py!.path!, method, file, { timeoutSec: END_TIMEOUT }), runInstrumented(py!.path!, method, file, { timeoutSec: END_TIMEOUT })]));
        assert.equal(run.status, 0, `${run.command}\n${excerpt(run.stderr)}`);
        assert.equal(run.stdout, plain.stdout, "the same output with and without the runtime");
        assert.equal(run.programStderr, plain.stderr);
        const s = run.summary!;
        assert.equal(s.noProgress ?? null, null, `false alarm: ${s.noProgress?.text}`);
        assert.equal((s.deadlocks ?? []).length, 0);
        // Nothing was recorded for seconds: a snapshot was taken, and it saw the child at work.
        assert.ok(s.stacks, "a snapshot was taken while nothing was recorded");
        const child = s.stacks!.processes.find((p) => p.name === "Process-1");
        assert.ok(child, `the snapshot has the child: ${JSON.stringify(s.stacks)}`);
        assert.equal(child!.threads.find((t) => t.name === "MainThread")?.state, state, JSON.stringify(child));
        cleanup(run);
      });
    }
  }
});

describe("the helper thread does not make os.fork() warn (3.12+)", { skip: missing ?? undefined }, () => {
  for (const py of selectedPythons()) {
    if (!py.path || !/^3\.1[2-9]/.test(py.version ?? "")) continue;
    test(`stacks_fork_warning.py -W default (${py.label})`, async () => {
      const file = join(TEST_PROGRAMS_DIR, "stacks_fork_warning.py");
      const env = { PYTHONWARNINGS: "default" };
      const [plain, run] = await RUNS.run(() => Promise.all([runPlain(py.path!, "fork", file, { timeoutSec: END_TIMEOUT, env }), runInstrumented(py.path!, "fork", file, { timeoutSec: END_TIMEOUT, env })]));
      assert.equal(run.status, 0, excerpt(run.stderr));
      assert.equal(run.stdout, plain.stdout);
      assert.equal(run.programStderr, plain.stderr, "no warning about forking a multi-threaded process");
      cleanup(run);
    });
  }
});
