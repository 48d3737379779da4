/**
 * Stack snapshots and "no progress" (docs/cli.md, "Hangs outside the recorded primitives"),
 * with real Python processes under `ipcviz run`:
 * - each example that hangs outside the recorded primitives (examples/hang_socket_recv.py, …)
 *   is stopped with a "no progress" report that names, for the process that is stuck there,
 *   the line marked `# HANGS HERE` and the call it waits in (two processes on the ends of a Unix
 *   socket pair, examples/hang_unix_socket.py: also that each waits on a Unix socket to the
 *   other, the process that holds its other end now; a child that never connects,
 *   examples/hang_child_start_lock.py: the line that started it, marked `# STARTED HERE`); under fork, spawn and forkserver on
 *   3.11, and fork on every other Python present (3.9 and 3.10 find the call from the line, 3.11+
 *   from the instruction's position);
 * - the trace holds the snapshot (valid events; `ipcviz stacks TRACE` prints it);
 * - healthy programs that record nothing for seconds (a child computing, a child sleeping, a
 *   child slow to start that has not connected yet) get snapshots but no report, and the
 *   program's own thread count is unchanged;
 * - a child waiting in subprocess.run for curl that talks to a server outside the run is no hang
 *   (examples/ok_subprocess_curl.py; skipped without curl or wget);
 * - on 3.12+, os.fork() with only the runtime's helper thread running does not warn.
 *
 * The tests of each group run side by side: most of these programs only wait, so a run gives its
 * slot of {@link RUNS} back after its first second (only a computing child keeps it).
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, test } from "node:test";
import { spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import {
  CLI_JS,
  EXAMPLES_DIR,
  type InstrumentedResult,
  type PythonTarget,
  RUNS,
  type RunResult,
  SLOT_RELEASE_MS,
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
  until,
} from "./helpers";
import { isForkServerSpawn } from "./helpersTrace";
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
  /** The call the report names (null: none, a child that never connected). */
  call: string | null;
  how: "waiting" | "spinning" | "not-connected";
  /** Run with stdin open and empty (input() waits). */
  stdinOpen?: boolean;
  /** The thread waits on a Unix socket whose other end the other process of the report holds (waitsOn, and the snapshot on stderr). */
  unixPeer?: boolean;
}

const CASES: HangCase[] = [
  { program: "hang_socket_recv.py", who: "main", marker: "# HANGS HERE (main)", call: "socket.recv", how: "waiting" },
  { program: "hang_socket_recv.py", who: "child", marker: "# HANGS HERE (client)", call: "socket.recv", how: "waiting" },
  // A socketpair main made, one end handed to the child: each waits on a Unix socket to the other.
  { program: "hang_unix_socket.py", who: "main", marker: "# HANGS HERE (main)", call: "socket.recv", how: "waiting", unixPeer: true },
  { program: "hang_unix_socket.py", who: "child", marker: "# HANGS HERE (child)", call: "socket.recv", how: "waiting", unixPeer: true },
  { program: "hang_subprocess_waiter.py", who: "child", marker: "# HANGS HERE", call: "subprocess.run", how: "waiting" },
  { program: "hang_input_no_stdin.py", who: "main", marker: "# HANGS HERE", call: "input", how: "waiting", stdinOpen: true },
  { program: "hang_thread_join.py", who: "child", marker: "# HANGS HERE", call: "Thread.join", how: "waiting" },
  { program: "hang_busy_poll.py", who: "child", marker: "# HANGS HERE", call: "Queue.empty", how: "spinning" },
  { program: "hang_thread_queue_get.py", who: "main", marker: "# HANGS HERE", call: "Queue.get", how: "waiting" },
  // The child never connects (its start-up waits for main's lock): named by the line that started it.
  { program: "hang_child_start_lock.py", who: "child", marker: "# STARTED HERE", call: null, how: "not-connected" },
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
    if (c.unixPeer) {
      // The other process, which holds the other end now (for main: the child, where the peer's
      // SO_PEERCRED names main itself, which made the pair).
      const other = np.processes.find((q) => (c.who === "main" ? q.pid !== mainPid : q.pid === mainPid))?.pid;
      const want = { what: `a Unix socket to pid ${other}`, outside: false, peerPids: [other] };
      const answers = (run.trace?.events ?? []).filter((e) => e.kind === "process.stacks" && e.pid === hit.pid) as unknown as Array<{ threads: Array<{ main: boolean; waitsOn?: unknown }> }>;
      const waits = answers.map((a) => a.threads.find((t) => t.main)?.waitsOn);
      if (other === undefined || !waits.some((w) => JSON.stringify(w) === JSON.stringify(want))) out.push(`no snapshot says the ${c.who} process waits on ${JSON.stringify(want)}: ${JSON.stringify(waits)}`);
      else if (!run.stderr.includes(`waiting in \`socket.recv\` on a Unix socket to pid ${other}\n`)) out.push(`the snapshot on stderr does not say the ${c.who} process waits on a Unix socket to pid ${other}:\n${excerpt(run.stderr)}`);
    }
    if (c.how === "not-connected") {
      const pid = hit.pid;
      const spawn = run.trace?.events.find((e) => e.kind === "process.spawn" && (e as unknown as { child: number }).child === pid);
      if (!spawn) out.push(`no process.spawn of the reported child ${pid}`);
      if (!hit.text.includes(`(pid ${pid}, started by MainProcess at ${c.program}:${line}) cannot answer (not connected)`)) out.push(`the text does not name the child, its parent and the line: ${hit.text}`);
      const starting = s!.stacks?.starting?.find((p) => p.pid === pid);
      if (!starting || starting.busy) out.push(`summary.stacks.starting lacks the child: ${JSON.stringify(s!.stacks)}`);
    }
  }
  if (!run.stderr.includes("stacks of")) out.push(`stderr lacks the snapshot:\n${excerpt(run.stderr)}`);
  if (!s!.stacks || s!.stacks.reason !== "hang") out.push(`summary.stacks: ${JSON.stringify(s!.stacks)}`);
  if (run.trace) {
    const problems = validateTrace(run.trace.header, run.trace.events);
    if (problems.length) out.push(`the trace is not valid: ${problems.slice(0, 5).join("; ")}`);
    const kinds = new Set(run.trace.events.map((e) => e.kind));
    for (const k of ["stacks.request", "process.stacks"]) if (!kinds.has(k as never)) out.push(`the trace has no ${k}`);
    // The hang check's requests record its grace period (the CLI's default, 1 s), which readers judge the snapshot with.
    const graces = run.trace.events.filter((e) => e.kind === "stacks.request").map((e) => (e as unknown as { graceNs?: number }).graceNs);
    if (!graces.every((g) => g === 1e9)) out.push(`each hang check's stacks.request should record graceNs 1e9: ${JSON.stringify(graces)}`);
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

describe("no progress: hangs outside the recorded primitives", { skip: missing ?? undefined, concurrency: true }, () => {
  const programs = [...new Set(CASES.map((c) => c.program))];
  for (const { py, method } of combos()) {
    for (const program of programs) {
      const cases = CASES.filter((c) => c.program === program);
      test(`${program} (${py.label}, ${method})`, async () => {
        const run = await RUNS.run(() =>
          runInstrumented(py.path!, method, join(EXAMPLES_DIR, program), { timeoutSec: HANG_TIMEOUT, stdinOpen: cases.some((c) => c.stdinOpen) }),
        SLOT_RELEASE_MS);
        const problems = cases.flatMap((c) => checkHang(c, run));
        if (problems.length === 0) cleanup(run);
        assert.deepEqual(problems, [], `${run.command}\n${excerpt(run.stderr)}`);
      });
    }
  }
});

/**
 * What every run that must end by itself without a report shows: exit status 0, the plain run's
 * output (when one is given), no diagnosis in the summary and no hang on stderr.
 */
function falseAlarms(run: InstrumentedResult, plain?: RunResult): string[] {
  const problems: string[] = [];
  if (run.status !== 0) problems.push(`the run should end by itself with 0, exited with ${run.status}`);
  if (plain && run.stdout !== plain.stdout) problems.push(`stdout differs from the plain run's: ${JSON.stringify(run.stdout)} vs ${JSON.stringify(plain.stdout)}`);
  if (run.summary?.noProgress) problems.push(`false alarm: ${run.summary.noProgress.text}`);
  if ((run.summary?.deadlocks ?? []).length) problems.push(`false deadlock: ${JSON.stringify(run.summary?.deadlocks?.map((d) => d.explanation))}`);
  if (run.stderr.includes("no progress") || run.stderr.includes("stopping every process")) problems.push("stderr reports a hang");
  return problems;
}

/** The trace is there and valid, and no process of the run is left. */
function wholeAndGone(run: InstrumentedResult): string[] {
  const problems: string[] = [];
  if (run.trace) {
    const invalid = validateTrace(run.trace.header, run.trace.events);
    if (invalid.length) problems.push(`the trace is not valid: ${invalid.slice(0, 5).join("; ")}`);
  } else problems.push(`no trace: ${run.traceError}`);
  if (run.leftovers.length) problems.push(`processes left running: ${run.leftovers.join("; ")}`);
  return problems;
}

describe("no report for a program that computes or sleeps", { skip: missing ?? undefined, concurrency: true }, () => {
  const py = defaultPython();
  for (const [program, state, child] of [
    ["stacks_compute.py", "running", "Process-1"],
    ["stacks_sleep.py", "sleeping", "Process-1"],
    // The child waits in subprocess.run for `sleep 3`: a command that sleeps ends by itself.
    ["stacks_subprocess_sleep.py", "waiting", "Process-1"],
    // A server thread answers a client process of the run; one page takes 3 s (its handler sleeps).
    ["examples/ok_http_server_thread.py", "waiting", "Process-1"],
  ] as const) {
    for (const method of selectedMethods()) {
      test(`${program} (${py?.label}, ${method})`, { skip: py?.path ? undefined : "no Python" }, async () => {
        const file = program.startsWith("examples/") ? join(EXAMPLES_DIR, basename(program)) : join(TEST_PROGRAMS_DIR, program);
        // Only the computing child keeps its slot: the others wait (asleep, or for a command or a page).
        const [plain, run] = await RUNS.run(
          () => Promise.all([runPlain(py!.path!, method, file, { timeoutSec: END_TIMEOUT }), runInstrumented(py!.path!, method, file, { timeoutSec: END_TIMEOUT })]),
          state === "running" ? undefined : SLOT_RELEASE_MS,
        );
        assert.equal(run.status, 0, `${run.command}\n${excerpt(run.stderr)}`);
        assert.equal(run.stdout, plain.stdout, "the same output with and without the runtime");
        assert.equal(run.programStderr, plain.stderr);
        const s = run.summary!;
        assert.equal(s.noProgress ?? null, null, `false alarm: ${s.noProgress?.text}`);
        assert.equal((s.deadlocks ?? []).length, 0);
        // Nothing was recorded for seconds: a snapshot was taken, and it saw the child at work.
        assert.ok(s.stacks, "a snapshot was taken while nothing was recorded");
        const proc = s.stacks!.processes.find((p) => p.name === child);
        assert.ok(proc, `the snapshot has the child: ${JSON.stringify(s.stacks)}`);
        assert.equal(proc!.threads.find((t) => t.name === "MainThread")?.state, state, JSON.stringify(proc));
        assert.ok(!run.stderr.includes("no progress"), `false alarm on stderr:\n${excerpt(run.stderr)}`);
        cleanup(run);
      });
    }
  }
});

describe("no report while a child is still starting", { skip: missing ?? undefined, concurrency: true }, () => {
  // The child waits 6 s (six grace periods) before its bootstrap: it has not connected, so it
  // cannot be asked for its stacks, while main waits for it in join(). The run is starting, not
  // hung: no "no progress" (before, two snapshots of main in join() stopped it with exit 3).
  // The same for a Manager's server, which the library starts (main waits inside Manager()), and
  // for the fork server (main waits inside Process.start; this program always uses forkserver).
  const py = defaultPython();
  const starts = ["stacks_slow_child_start.py", "stacks_slow_manager_start.py"].flatMap((n) => selectedMethods().map((m) => [n, m] as const));
  if (selectedMethods().includes("forkserver")) starts.push(["stacks_slow_forkserver_start.py", "forkserver"]);
  for (const [name, method] of starts) {
    const file = join(TEST_PROGRAMS_DIR, name);
    test(`${name} (${py?.label}, ${method})`, { skip: py?.path ? undefined : "no Python" }, async () => {
      const [plain, run] = await RUNS.run(() => Promise.all([runPlain(py!.path!, method, file, { timeoutSec: END_TIMEOUT }), runInstrumented(py!.path!, method, file, { timeoutSec: END_TIMEOUT })]), SLOT_RELEASE_MS);
      const problems = falseAlarms(run, plain);
      const events = run.trace?.events ?? [];
      // The process main waits for: the child, or the fork server that is to fork it.
      const server = name === "stacks_slow_forkserver_start.py";
      const child = (events.find((e) => e.kind === "process.spawn" && isForkServerSpawn(e) === server) as unknown as { child: number } | undefined)?.child;
      // Snapshots were taken while nothing was recorded, and they name that process as starting.
      const requests = events.filter((e) => e.kind === "stacks.request") as unknown as Array<{ pids: number[]; starting?: number[] }>;
      if (requests.length === 0) problems.push("no snapshot was taken while the child started");
      else if (child === undefined || !requests.some((r) => r.starting?.includes(child) && !r.pids.includes(child))) problems.push(`no stacks.request names the child ${child} as starting: ${JSON.stringify(requests)}`);
      problems.push(...wholeAndGone(run));
      if (problems.length === 0) cleanup(run);
      assert.deepEqual(problems, [], `${run.command}\n${excerpt(run.stderr)}`);
    });
  }
});

describe("the helper thread does not make os.fork() warn (3.12+)", { skip: missing ?? undefined, concurrency: true }, () => {
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

/** The `process.stacks` events in a trace file written so far (the run is still going). */
function stacksEventsSoFar(tracePath: string | null): Array<Record<string, unknown>> {
  if (!tracePath) return [];
  let text = "";
  try {
    text = readFileSync(tracePath, "utf8");
  } catch {
    return [];
  }
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (!line.includes("stacks")) continue;
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      // A batch line holds several events; a plain line is one.
      const events = Array.isArray(e.events) ? (e.events as Array<Record<string, unknown>>) : [e];
      for (const x of events) if (x.kind === "process.stacks" || x.kind === "stacks.request") out.push(x);
    } catch {
      /* a line being written */
    }
  }
  return out;
}

describe("no report for a server waiting for a client from outside the run", { skip: missing ?? undefined, concurrency: true }, () => {
  const py = defaultPython();
  const file = join(TEST_PROGRAMS_DIR, "stacks_server_external.py");
  for (const mode of ["socket", "http"] as const) {
    const methods = mode === "socket" ? selectedMethods() : selectedMethods().filter((m) => m === "fork");
    for (const method of methods) {
      test(`stacks_server_external.py ${mode} (${py?.label}, ${method})`, { skip: py?.path ? undefined : "no Python" }, async () => {
        let port = 0;
        const run = await RUNS.run(() =>
          runInstrumented(py!.path!, method, file, {
            timeoutSec: END_TIMEOUT * 2,
            args: mode === "http" ? ["http"] : [],
            interact: async (io) => {
              await until(io, () => /listening on \d+/.test(io.stdout()), "the server's port on stdout");
              port = Number(/listening on (\d+)/.exec(io.stdout())![1]);
              // Nothing is recorded while no client comes: three snapshots are taken meanwhile
              // (a "no progress" report needs two, and would stop the run at once).
              await until(io, () => stacksEventsSoFar(io.tracePath).filter((e) => e.kind === "stacks.request").length >= 3, "three stack snapshots while the server waits");
              // Now the client from outside the run.
              if (mode === "socket") {
                await new Promise<void>((resolve, reject) => {
                  const c = connect(port, "127.0.0.1", () => c.end("hello\nquit\n"));
                  c.on("close", () => resolve());
                  c.on("error", reject);
                });
              } else {
                for (const path of ["/hello", "/quit"]) {
                  const r = await fetch(`http://127.0.0.1:${port}${path}`);
                  await r.arrayBuffer();
                }
              }
            },
          }),
        SLOT_RELEASE_MS);
        const problems = falseAlarms(run);
        if (!run.stdout.includes("worker got hello")) problems.push(`the server did not get the client's line: ${excerpt(run.stdout)}`);
        const main = run.trace?.events.find((e) => e.kind === "process.start" && (e as unknown as { role: string }).role === "main")?.pid;
        const mainAnswers = (run.trace?.events ?? []).filter((e) => e.kind === "process.stacks" && e.pid === main) as unknown as Array<{ threads: Array<{ main: boolean; state: string; waitsOn?: { what: string; outside: boolean } }> }>;
        const mainThreads = mainAnswers.map((a) => a.threads.find((t) => t.main)).filter((t) => t !== undefined);
        if (mode === "socket") {
          // main waits in accept(): on a listening socket, outside the run, said once on stderr.
          const line = lineOf(file, "srv.accept()");
          const want = `MainProcess is waiting on a listening socket 127.0.0.1:${port} (outside the run) in \`socket.accept\` at stacks_server_external.py:${line}`;
          if (!run.stderr.includes(want)) problems.push(`stderr lacks "${want}":\n${excerpt(run.stderr)}`);
          if (!mainThreads.some((t) => t!.waitsOn?.outside === true && t!.state === "waiting")) problems.push(`no snapshot says main waits outside: ${JSON.stringify(mainThreads)}`);
        } else {
          // serve_forever waits on a timer (poll with 0.5 s): progress, nothing to say.
          if (run.stderr.includes("(outside the run)")) problems.push(`serve_forever's timer wait reported as outside:\n${excerpt(run.stderr)}`);
          if (!mainThreads.some((t) => t!.state === "sleeping" && /timeout/.test(t!.waitsOn?.what ?? ""))) problems.push(`no snapshot says main waits on a timer: ${JSON.stringify(mainThreads)}`);
        }
        problems.push(...wholeAndGone(run));
        if (problems.length === 0) cleanup(run);
        assert.deepEqual(problems, [], `${run.command}\n${excerpt(run.stderr)}`);
      });
    }
  }
});

/** A non-Python program that talks to the network (examples/ok_subprocess_curl.py uses curl, else wget). */
const FETCHER = ["curl", "wget"].find((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0) ?? null;

describe("no report while a command the run waits for talks to a server outside the run", { skip: missing ?? (FETCHER ? undefined : "neither curl nor wget is installed"), concurrency: true }, () => {
  // The child waits in subprocess.run for curl (reading its output, then in wait4), and curl
  // waits on a socket to a server that is no process of the run (3 s per page): a wait someone
  // outside the run ends. Before, both waits were "no progress" and the run was stopped.
  const py = defaultPython();
  const file = join(EXAMPLES_DIR, "ok_subprocess_curl.py");
  for (const method of selectedMethods()) {
    test(`ok_subprocess_curl.py (${py?.label}, ${method})`, { skip: py?.path ? undefined : "no Python" }, async () => {
      const [plain, run] = await RUNS.run(() => Promise.all([runPlain(py!.path!, method, file, { timeoutSec: END_TIMEOUT }), runInstrumented(py!.path!, method, file, { timeoutSec: END_TIMEOUT })]), SLOT_RELEASE_MS);
      const problems = falseAlarms(run, plain);
      if (!run.stdout.includes("fetched page /first")) problems.push(`the page was not fetched: ${excerpt(run.stdout)}`);
      // What the child waits on, as the snapshots saw it: the command, and its socket outside the run.
      const child = run.trace?.events.find((e) => e.kind === "process.spawn" && !isForkServerSpawn(e)) as unknown as { child: number } | undefined;
      const answers = (run.trace?.events ?? []).filter((e) => e.kind === "process.stacks" && e.pid === child?.child) as unknown as Array<{ threads: Array<{ main: boolean; waitsOn?: { what: string; outside: boolean } }> }>;
      const waits = answers.map((a) => a.threads.find((t) => t.main)?.waitsOn).filter((w) => w !== undefined);
      const tool = FETCHER!;
      const socketOut = new RegExp(`the command ${tool} \\(pid \\d+\\), which waits on a socket 127\\.0\\.0\\.1:\\d+ to 127\\.0\\.0\\.1:\\d+$`);
      if (!waits.some((w) => w!.outside && w!.what.startsWith("a pipe from ") && socketOut.test(w!.what))) problems.push(`no snapshot says the child reads from ${tool}, which waits outside: ${JSON.stringify(waits)}`);
      if (!waits.some((w) => w!.outside && socketOut.test(w!.what) && !w!.what.startsWith("a pipe"))) problems.push(`no snapshot says the child waits for ${tool} to end while it waits outside: ${JSON.stringify(waits)}`);
      if (!/Process-1 is waiting on (a pipe from )?the command \S+ \(pid \d+\), which waits on a socket .* \(outside the run\) in `subprocess\.run` at ok_subprocess_curl\.py:\d+/.test(run.stderr)) problems.push(`stderr lacks the "outside the run" line:\n${excerpt(run.stderr)}`);
      problems.push(...wholeAndGone(run));
      if (problems.length === 0) cleanup(run);
      assert.deepEqual(problems, [], `${run.command}\n${excerpt(run.stderr)}`);
    });
  }
});

describe("input() from a terminal someone may type into is no hang", { skip: missing ?? (existsSync("/usr/bin/script") ? undefined : "no `script` (util-linux) to give the run a terminal") }, () => {
  const py = defaultPython();
  test(`hang_input_no_stdin.py on a terminal (${py?.label}, fork)`, { skip: py?.path ? undefined : "no Python" }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ipcviz-tty-"));
    const trace = join(dir, "trace.ipcviz.jsonl");
    const program = join(EXAMPLES_DIR, "hang_input_no_stdin.py");
    const cmd = [process.execPath, CLI_JS, "run", "--python", py!.path!, "--start-method", "fork", "--out", trace, "--timeout", "120", "--", program].map((a) => `'${a}'`).join(" ");
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("PYTHON") && !k.startsWith("IPCVIZ_") && k !== "NODE_OPTIONS" && !k.startsWith("NODE_TEST")) env[k] = v;
    // `script` runs the CLI on a new terminal: the program's stdin is that terminal; what this test writes is typed into it.
    const child = spawn("/usr/bin/script", ["-qfec", cmd, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (out += b.toString("utf8")));
    const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
    let ended = false;
    void exited.then(() => (ended = true));
    const io = { stdout: () => out, stderr: () => "", tracePath: trace, ended: () => ended };
    try {
      const line = lineOf(program, "# HANGS HERE");
      await until(io, () => out.includes("(outside the run)"), "the report that main waits on the terminal", 120000);
      // Nothing was recorded for a while and the run goes on: a person types the word.
      await until(io, () => stacksEventsSoFar(trace).filter((e) => e.kind === "stacks.request").length >= 3, "three snapshots while main waits", 120000);
      child.stdin.write("hi\n");
      const code = await exited;
      assert.equal(code, 0, out);
      assert.match(out, /child got hi/);
      assert.match(out, new RegExp(`MainProcess is waiting on the terminal /dev/\\S+ \\(stdin\\) \\(outside the run\\) in \`input\` at hang_input_no_stdin\\.py:${line}`));
      assert.ok(!out.includes("no progress"), out);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* ended */
      }
    }
  });
});
