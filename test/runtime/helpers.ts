/**
 * Helpers of the runtime test tier: which Pythons and start methods to test, and running a
 * Python program twice — plain (uninstrumented, through test/fixtures/plain-boot) and under
 * `ipcviz run` — with the same environment, stdout/stderr piped and stdin closed (or fed).
 *
 * Every run is tagged with a marker environment variable; after a run, any process still carrying
 * the marker is reported (`leftovers`) and killed, so no test leaves orphans behind. A run that
 * exceeds its hard timeout is killed with its whole process tree.
 *
 * About 650 lines: running a program plain and instrumented, and cleaning up after both, share
 * their environment and process bookkeeping; splitting them would pass that state around.
 *
 * Environment knobs (all optional), for quicker local runs:
 * - IPCVIZ_TEST_PYTHONS: comma-separated labels or paths to test ("3.11,debian"); default all.
 * - IPCVIZ_TEST_METHODS: comma-separated start methods; default fork,spawn,forkserver.
 * - IPCVIZ_TEST_PROGRAMS: comma-separated substrings of program ids; default all.
 * - IPCVIZ_TEST_CONCURRENCY: combinations (plain + instrumented run) at once; default 2.
 * - IPCVIZ_TEST_KEEP: "1" keeps every run's trace directory (failed runs' are always kept).
 * - IPCVIZ_TEST_BOOT_DIR: passed through to the CLI (a stand-in runtime boot folder, see cli/commands.ts).
 */

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { readProcStat, type ProcStat } from "../../runtime/launch/procTree";
import { readTraceFile } from "../../trace/readFile";
import type { ParsedTrace } from "../../trace/reader";

// ---------------------------------------------------------------- paths

/** The repository root: the nearest folder above this file holding package.json and esbuild.mjs. */
export const REPO_ROOT: string = findRepoRoot();

function findRepoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "esbuild.mjs"))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(__dirname, "../../..");
    dir = up;
  }
}

export const CLI_JS = join(REPO_ROOT, "bin", "ipcviz.js");
export const BUILT_CLI = join(REPO_ROOT, "out", "cli", "ipcviz.js");
export const RUNTIME_BOOT = join(REPO_ROOT, "runtime", "python", "boot", "sitecustomize.py");
export const PLAIN_BOOT_DIR = join(REPO_ROOT, "test", "fixtures", "plain-boot");
export const EXAMPLES_DIR = join(REPO_ROOT, "examples");
/** The seed corpus lives beside the project (it is not part of it). */
export const CORPUS_DIR = resolve(REPO_ROOT, "..", "shared", "corpus", "seed");
/** Small programs written for the robustness suite. */
export const TEST_PROGRAMS_DIR = join(REPO_ROOT, "test", "runtime", "programs");

/** Why runtime tests cannot run at all (the runtime or the CLI is missing), or null. */
export function runtimeMissingReason(): string | null {
  if (!existsSync(RUNTIME_BOOT)) return `the Python runtime is missing (${RUNTIME_BOOT})`;
  if (!existsSync(BUILT_CLI)) return `the CLI is not built (${BUILT_CLI}); run "npm run build"`;
  return null;
}

// ---------------------------------------------------------------- pythons and start methods

export const START_METHODS = ["fork", "spawn", "forkserver"] as const;
export type StartMethod = (typeof START_METHODS)[number];

/** A Python to test with. */
export interface PythonTarget {
  /** Short name used in test titles: "3.9", …, "3.13", "debian". */
  label: string;
  /** Interpreter path, or null when it is not installed. */
  path: string | null;
  /** Full version from the path ("3.11.7"), or null. */
  version: string | null;
  /** Why it is missing, when `path` is null. */
  missing?: string;
}

const PYENV_MINORS = ["3.9", "3.10", "3.11", "3.12", "3.13"];
const SYSTEM_PYTHON = "/usr/bin/python3";

function pyenvRoot(): string {
  return process.env.PYENV_ROOT || join(process.env.HOME || "/root", ".pyenv");
}

/** The highest pyenv patch release of a minor version ("3.11" → ".../3.11.7/bin/python3"), or null. */
function findPyenvPython(minor: string): { path: string; version: string } | null {
  const versionsDir = join(pyenvRoot(), "versions");
  let names: string[] = [];
  try {
    names = readdirSync(versionsDir);
  } catch {
    return null;
  }
  const found = names
    .filter((n) => new RegExp(`^${minor.replace(".", "\\.")}\\.\\d+$`).test(n))
    .map((n) => ({ n, patch: Number(n.split(".")[2]) }))
    .sort((a, b) => b.patch - a.patch)
    .map(({ n }) => ({ path: join(versionsDir, n, "bin", "python3"), version: n }))
    .filter((c) => existsSync(c.path));
  return found[0] ?? null;
}

/** The interpreter's full version ("3.11.2"), asking it once; null when it does not run. */
function askVersion(path: string): string | null {
  try {
    const r = spawnSync(path, ["-S", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "ignore"] });
    return r.status === 0 ? r.stdout.trim() : null;
  } catch {
    return null;
  }
}

let pythonsCache: PythonTarget[] | null = null;

/** Every Python the runtime tier is meant to cover; missing ones have `path: null` and a reason. */
export function allPythons(): PythonTarget[] {
  if (pythonsCache) return pythonsCache;
  const out: PythonTarget[] = PYENV_MINORS.map((minor) => {
    const hit = findPyenvPython(minor);
    return hit
      ? { label: minor, path: hit.path, version: hit.version }
      : {
          label: minor,
          path: null,
          version: null,
          missing: `Python ${minor} is not installed under ${join(pyenvRoot(), "versions")} (install it with "pyenv install ${minor}")`,
        };
  });
  out.push(
    existsSync(SYSTEM_PYTHON)
      ? { label: "debian", path: SYSTEM_PYTHON, version: askVersion(SYSTEM_PYTHON) }
      : { label: "debian", path: null, version: null, missing: `${SYSTEM_PYTHON} is not present` },
  );
  pythonsCache = out;
  return out;
}

function envList(name: string): string[] | null {
  const v = process.env[name];
  if (!v || !v.trim()) return null;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The Pythons selected for this test run (IPCVIZ_TEST_PYTHONS narrows the list). */
export function selectedPythons(): PythonTarget[] {
  const want = envList("IPCVIZ_TEST_PYTHONS");
  const all = allPythons();
  if (!want) return all;
  return all.filter((p) => want.some((w) => w === p.label || w === p.path || (p.version !== null && w === p.version)));
}

/** The installed Python used by tests that need just one: `python3` on PATH if it is one of ours, else the first present. */
export function defaultPython(): PythonTarget | null {
  const present = allPythons().filter((p) => p.path !== null);
  return present.find((p) => p.label === "3.11") ?? present[0] ?? null;
}

/** Start methods selected for this run (IPCVIZ_TEST_METHODS narrows the list). */
export function selectedMethods(): StartMethod[] {
  const want = envList("IPCVIZ_TEST_METHODS");
  return want ? START_METHODS.filter((m) => want.includes(m)) : [...START_METHODS];
}

/** Whether a program id is selected (IPCVIZ_TEST_PROGRAMS). */
export function programSelected(id: string): boolean {
  const want = envList("IPCVIZ_TEST_PROGRAMS");
  return !want || want.some((w) => id.includes(w));
}

// ---------------------------------------------------------------- concurrency

/**
 * Runs async jobs with at most `limit` at once, in the order they were queued. A job may give
 * its slot back early (`releaseAfterMs`): a run of a program that hangs on purpose only waits
 * for its timeout after its first second, and need not hold a slot meanwhile.
 */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(job: () => Promise<T>, releaseAfterMs?: number): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      this.queue.shift()?.();
    };
    const early = releaseAfterMs !== undefined ? setTimeout(release, releaseAfterMs) : undefined;
    try {
      return await job();
    } finally {
      clearTimeout(early);
      release();
    }
  }
}

/**
 * The limiter of a test file: how many combinations (a plain run and an instrumented run of the
 * same program, side by side) run at once (IPCVIZ_TEST_CONCURRENCY, default 2).
 */
export const RUNS = new Limiter(Math.max(1, Number(process.env.IPCVIZ_TEST_CONCURRENCY) || 2));

/**
 * When a run of a program that mostly waits (it hangs on purpose, sleeps, or waits for a client)
 * gives its slot back (ms): after its first second or so, it costs the machine next to nothing.
 */
export const SLOT_RELEASE_MS = 1200;

// ---------------------------------------------------------------- processes

/** What a run produced. */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status as a shell reports it: the code, or 128 + signal number when killed by a signal. */
  status: number | null;
  /** Exit code of the launched process (null when it was killed by a signal). */
  code: number | null;
  /** Signal that killed the launched process, if any. */
  signal: NodeJS.Signals | null;
  /** The test harness stopped it: its hard timeout passed, or it went idle while `stopWhenIdle`. */
  stoppedByTest: null | "timeout" | "idle";
  durationMs: number;
  /** Processes of the run still alive after it ended (then killed): "pid cmdline". */
  leftovers: string[];
}

/** Options shared by plain and instrumented runs. */
export interface RunOptions {
  /** Extra arguments after the program. */
  args?: string[];
  /** Text written to stdin; stdin is closed after it (or at once when absent). */
  stdin?: string;
  /** Keep stdin open (nothing written) until the run ends: a program reading it waits. */
  stdinOpen?: boolean;
  /** Working directory (default the repository root). */
  cwd?: string;
  /** Extra environment variables (PYTHONPATH here is kept after the boot folder). */
  env?: Record<string, string>;
  /**
   * Seconds until the run is stopped: for an instrumented run this is the CLI's `--timeout`
   * (the CLI kills the program); the harness's own hard limit is a little later.
   */
  timeoutSec: number;
  /** Plain runs of programs known to hang: stop as soon as every process of the run is idle. */
  stopWhenIdle?: boolean;
  /** Python module to run with -m, instead of a program file. */
  module?: boolean;
  /**
   * Acts on the run while it runs (e.g. a client from outside the run): gets the output so far
   * and the trace file's path; a rejection stops the run (the result then says so in stderr).
   */
  interact?: (io: RunIo) => Promise<void>;
}

/** What {@link RunOptions.interact} sees of a run while it runs. */
export interface RunIo {
  stdout(): string;
  stderr(): string;
  /** The trace file (instrumented runs; written as the run goes, every 200 ms). */
  tracePath: string | null;
  /** The run has ended. */
  ended(): boolean;
}

/** Resolves once cond() holds, checking every 100 ms; rejects with `what` after budgetMs (a defect) or when the run ends first. */
export async function until(io: RunIo, cond: () => boolean, what: string, budgetMs = 60000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (io.ended()) throw new Error(`the run ended before ${what}`);
    if (Date.now() - start > budgetMs) throw new Error(`${what} did not happen within ${budgetMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** Environment of a run: the test runner's, without anything that changes how Python starts. */
function baseEnv(mark: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith("PYTHON") || (k.startsWith("IPCVIZ_") && k !== "IPCVIZ_TEST_BOOT_DIR") || k === "NODE_OPTIONS" || k.startsWith("NODE_TEST")) continue;
    env[k] = v;
  }
  env.PYTHONUNBUFFERED = "1";
  env.IPCVIZ_TEST_MARK = mark;
  for (const [k, v] of Object.entries(extra ?? {})) if (k !== "PYTHONPATH") env[k] = v;
  return env;
}

// /proc helpers (Linux): find a run's processes by the marker in their environment.

const markCache = new Map<number, string | null>();

function readMark(pid: number): string | null {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, "latin1");
    const i = env.indexOf("IPCVIZ_TEST_MARK=");
    if (i < 0) return null;
    const end = env.indexOf("\0", i);
    return env.slice(i + "IPCVIZ_TEST_MARK=".length, end < 0 ? undefined : end);
  } catch {
    return null;
  }
}


function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
  } catch {
    return "?";
  }
}

/** Live (non-zombie) processes carrying the marker. */
export function markedProcesses(mark: string): ProcStat[] {
  const out: ProcStat[] = [];
  let names: string[] = [];
  try {
    names = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let m = markCache.get(pid);
    if (m === undefined) {
      m = readMark(pid);
      // Zombies have no environ to read: only remember positive answers and clear misses later.
      if (m !== null) markCache.set(pid, m);
    }
    if (m !== mark) continue;
    const st = readProcStat(pid);
    if (st && st.state !== "Z" && st.state !== "X") out.push(st);
  }
  return out;
}

function killMarked(mark: string): ProcStat[] {
  const procs = markedProcesses(mark);
  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return procs;
}

function forgetMark(mark: string): void {
  for (const [pid, m] of markCache) if (m === mark) markCache.delete(pid);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Run a command with stdout/stderr piped and stdin closed (or fed `stdin`), in its own process
 * group. `hardTimeoutMs`: then it and every process of the run are SIGKILLed.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    mark: string;
    stdin?: string;
    stdinOpen?: boolean;
    hardTimeoutMs: number;
    stopWhenIdle?: boolean;
    interact?: (io: RunIo) => Promise<void>;
    tracePath?: string;
  },
): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on("data", (b: Buffer) => out.push(b));
  child.stderr!.on("data", (b: Buffer) => err.push(b));
  child.stdin!.on("error", () => {
    /* the program may exit before reading its stdin */
  });
  if (opts.stdin !== undefined) child.stdin!.write(opts.stdin);
  if (!opts.stdinOpen) child.stdin!.end();
  else child.on("exit", () => child.stdin!.destroy());

  let stoppedByTest: RunResult["stoppedByTest"] = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on("exit", (code, signal) => res({ code, signal }));
    child.on("error", () => res({ code: null, signal: null }));
  });
  const closed = new Promise<void>((res) => child.on("close", () => res()));

  let finished = false;
  const stop = (why: "timeout" | "idle") => {
    if (finished || stoppedByTest) return;
    // A child that has exited but is not reaped yet (its exit event waits behind this timer when
    // the event loop was held up, e.g. by a slow /proc read on a loaded machine) did end in time.
    if (why === "timeout" && child.pid !== undefined && readProcStat(child.pid)?.state === "Z") return;
    stoppedByTest = why;
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      /* group gone */
    }
    killMarked(opts.mark);
  };
  const hard = setTimeout(() => stop("timeout"), opts.hardTimeoutMs);
  let interactError: string | null = null;
  if (opts.interact) {
    const io: RunIo = {
      stdout: () => Buffer.concat(out).toString("utf8"),
      stderr: () => Buffer.concat(err).toString("utf8"),
      tracePath: opts.tracePath ?? null,
      ended: () => finished,
    };
    opts.interact(io).catch((e: unknown) => {
      interactError = (e as Error).message;
      stop("timeout");
    });
  }

  // Idle detection: every process of the run asleep and no CPU tick spent for IDLE_SAMPLES samples.
  const IDLE_SAMPLES = 5;
  const SAMPLE_MS = 100;
  let idleWatch: NodeJS.Timeout | null = null;
  if (opts.stopWhenIdle) {
    let lastTicks = -1;
    let idleFor = 0;
    idleWatch = setInterval(() => {
      const procs = markedProcesses(opts.mark);
      const ticks = procs.reduce((s, p) => s + p.cpuTicks, 0);
      const asleep = procs.length > 0 && procs.every((p) => p.state === "S");
      idleFor = asleep && ticks === lastTicks ? idleFor + 1 : 0;
      lastTicks = ticks;
      if (idleFor >= IDLE_SAMPLES && Date.now() - started > 300) stop("idle");
    }, SAMPLE_MS);
  }

  const { code, signal } = await exited;
  finished = true;
  clearTimeout(hard);
  if (idleWatch) clearInterval(idleWatch);
  // Processes of the program may still hold stdout/stderr for a moment (e.g. the resource
  // tracker): wait for the pipes to close, but not forever.
  let graceTimer: NodeJS.Timeout | undefined;
  const grace = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => (graceTimer = setTimeout(() => r(false), 5000)))]);
  clearTimeout(graceTimer);
  if (!grace) {
    killMarked(opts.mark);
    child.stdout!.destroy();
    child.stderr!.destroy();
  }
  // Anything of this run still alive now is a leftover: wait (up to 5 s: processes that are
  // ending may be slow to go on a busy machine), then kill and report it.
  let left = markedProcesses(opts.mark);
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await sleep(100);
    left = markedProcesses(opts.mark);
  }
  const leftovers = left.map((p) => `${p.pid} ${cmdline(p.pid)}`);
  killMarked(opts.mark);
  forgetMark(opts.mark);
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    /* group gone, as it should be */
  }

  const status = code !== null ? code : signal ? 128 + (SIGNALS[signal] ?? 0) : null;
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8") + (interactError ? `\n[test] ${interactError}\n` : ""),
    status,
    code,
    signal,
    stoppedByTest,
    durationMs: Date.now() - started,
    leftovers: stoppedByTest ? [] : leftovers,
  };
}

function newMark(): string {
  return randomBytes(8).toString("hex");
}

/** What to run: a program file (absolute path) or, with `module: true`, a module name. */
function pythonArgs(program: string, opts: RunOptions): string[] {
  return [...(opts.module ? ["-m", program] : [program]), ...(opts.args ?? [])];
}

function joinPath(first: string, rest: string | undefined): string {
  return rest ? `${first}:${rest}` : first;
}

/**
 * Run a program plain (callers limit concurrency with {@link RUNS}): no runtime, `test/fixtures/plain-boot` first on PYTHONPATH (it sets the
 * default start method), PYTHONUNBUFFERED=1.
 */
export function runPlain(python: string, method: StartMethod, program: string, opts: RunOptions): Promise<RunResult> {
  const mark = newMark();
  const env = baseEnv(mark, opts.env);
  env.PYTHONPATH = joinPath(PLAIN_BOOT_DIR, opts.env?.PYTHONPATH);
  env.IPCVIZ_PLAIN_START_METHOD = method;
  return runCommand(python, pythonArgs(program, opts), {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    mark,
    stdin: opts.stdin,
    hardTimeoutMs: opts.timeoutSec * 1000,
    stopWhenIdle: opts.stopWhenIdle,
  });
}

/** The summary `ipcviz run --summary FILE` writes. */
export interface RunSummary {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  events: number;
  lostEvents: number;
  processes: { pid: number; name: string; role: string; parentPid: number | null; exitCode: number | null }[];
  objects: { id: string; kind: string }[];
  messages: { sent: number; received: number; matched: number; inFlight: number };
  deadlocks?: { kind: string; processes: string[]; sites: string[]; explanation: string }[];
  potentialDeadlocks?: { locks: string[]; sites: string[]; explanation: string }[];
  hazards?: { kind: string; processes: string[]; sites: string[]; explanation: string }[];
  stoppedForDeadlock?: boolean;
  /** The last stack snapshot (docs/cli.md). */
  stacks?: { reason: string; processes: { pid: number; name: string; answered: boolean; threads: { tid: number; name: string; state: string; call: string | null; userFrame: { file: string; line: number; fn: string } | null }[] }[]; starting?: { pid: number; name: string; parent: number | null; site: string | null; busy: boolean; stillMs: number }[] } | null;
  /** What ipcviz run reported when it stopped a run that made no progress. */
  noProgress?: { text: string; processes: { pid: number; process: string; call: string | null; recorded: boolean; how: string; site: string | null; text: string }[] } | null;
}

/** An instrumented run: the CLI's result plus what it wrote. */
export interface InstrumentedResult extends RunResult {
  /** stderr without the CLI's own `ipcviz:` line about the trace (see {@link stripCliLine}). */
  programStderr: string;
  trace: ParsedTrace | null;
  traceError: string | null;
  summary: RunSummary | null;
  summaryError: string | null;
  /** Folder holding trace.ipcviz.jsonl and summary.json (removed by {@link cleanup} unless kept). */
  dir: string;
  tracePath: string;
  summaryPath: string;
  /** The command line, for messages. */
  command: string;
}

/**
 * Remove the one line the CLI prints on stderr about where the trace went (a line starting with
 * "ipcviz:" that names the trace file). Every other line, including any other "ipcviz:" line,
 * is kept: those are differences the tests must see.
 */
export function stripCliLine(stderr: string, tracePath: string): string {
  const lines = stderr.split("\n");
  const i = lines.findIndex((l) => l.startsWith("ipcviz:") && l.includes(tracePath));
  if (i >= 0) lines.splice(i, 1);
  // The live diagnosis of a hang: from "ipcviz: the program is stuck" (or "makes no progress") to "ipcviz: stopping every process".
  const a = lines.findIndex((l) => l.startsWith("ipcviz: the program is stuck") || l.startsWith("ipcviz: the program makes no progress"));
  if (a >= 0) {
    const b = lines.findIndex((l, k) => k > a && l.startsWith("ipcviz: stopping every process"));
    lines.splice(a, (b >= 0 ? b : a) - a + 1);
  }
  // "Not a hang" notices (a wait outside the run): the header line and its indented lines.
  for (let k = lines.findIndex((l) => /^ipcviz: nothing recorded for .*, not a hang:$/.test(l)); k >= 0; k = lines.findIndex((l) => /^ipcviz: nothing recorded for .*, not a hang:$/.test(l))) {
    let n = 1;
    while (k + n < lines.length && lines[k + n].startsWith("  ")) n++;
    lines.splice(k, n);
  }
  return lines.join("\n");
}

/** Run a program under `node bin/ipcviz.js run` (callers limit concurrency with {@link RUNS}). */
export async function runInstrumented(
  python: string,
  method: StartMethod | null,
  program: string,
  opts: RunOptions,
): Promise<InstrumentedResult> {
  const mark = newMark();
  const env = baseEnv(mark, opts.env);
  if (opts.env?.PYTHONPATH) env.PYTHONPATH = opts.env.PYTHONPATH;
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-rt-"));
  const tracePath = join(dir, "trace.ipcviz.jsonl");
  const summaryPath = join(dir, "summary.json");
  const cliArgs = [
    CLI_JS,
    "run",
    "--python",
    python,
    ...(method ? ["--start-method", method] : []),
    "--out",
    tracePath,
    "--summary",
    summaryPath,
    "--timeout",
    String(opts.timeoutSec),
    "--",
    ...pythonArgs(program, opts),
  ];
  const r = await runCommand(process.execPath, cliArgs, {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    mark,
    stdin: opts.stdin,
    stdinOpen: opts.stdinOpen,
    interact: opts.interact,
    tracePath,
    // The CLI's own --timeout must act first; this is only a safety net.
    hardTimeoutMs: opts.timeoutSec * 1000 + 15000,
  });
  let trace: ParsedTrace | null = null;
  let traceError: string | null = null;
  try {
    trace = await readTraceFile(tracePath);
  } catch (e) {
    traceError = (e as Error).message;
  }
  let summary: RunSummary | null = null;
  let summaryError: string | null = null;
  try {
    summary = JSON.parse(readFileSync(summaryPath, "utf8")) as RunSummary;
  } catch (e) {
    summaryError = (e as Error).message;
  }
  return {
    ...r,
    programStderr: stripCliLine(r.stderr, tracePath),
    trace,
    traceError,
    summary,
    summaryError,
    dir,
    tracePath,
    summaryPath,
    command: ["node", ...cliArgs.slice(0)].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" "),
  };
}

/** Remove a run's folder, unless IPCVIZ_TEST_KEEP=1 or `keep`. */
export function cleanup(run: InstrumentedResult, keep = false): void {
  if (keep || process.env.IPCVIZ_TEST_KEEP === "1") return;
  try {
    rmSync(run.dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------- programs

/** Python files of a folder, sorted by name; null when the folder does not exist. */
export function pythonFiles(dir: string): string[] | null {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  return readdirSync(dir)
    .filter((n) => n.endsWith(".py"))
    .sort()
    .map((n) => join(dir, n));
}

/** Show a string's end-of-line characters and make long text readable in an assertion message. */
export function excerpt(text: string, max = 2000): string {
  return text.length > max ? text.slice(0, max) + `… (${text.length - max} more characters)` : text;
}
