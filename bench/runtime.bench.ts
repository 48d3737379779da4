/**
 * Runtime overhead, on every interpreter found (python3 and $PYENV_ROOT/versions/3.9–3.13, or
 * IPCVIZ_BENCH_PYTHONS=comma-separated paths): instrumented / plain wall time of three loops
 * (bench/programs/), each the median of 5 alternating runs in the same session, plus the events
 * each instrumented run wrote. Reports the workload time measured inside the program (the loop)
 * and the whole run's wall time (for the instrumented run: `ipcviz run` from start to exit, the
 * trace written). Also: the fixed cost of `ipcviz run` on an empty program over a plain run
 * (medians of alternating runs), and an uncontended multiprocessing Lock's and RLock's
 * acquire()+release() in one process (bench/programs/lock_speed.py, as CPython's mp_benchmarks
 * measures it), plain and under `ipcviz run`, beside the floor of any hook written in Python
 * (bench/programs/lock_floor.py); the Queue loop under `ipcviz run` with and
 * without the stacks helper thread (IPCVIZ_STACKS=0); and each loop with and without the
 * program's names read from the source (IPCVIZ_NAMES=0); a child's start per start method
 * (bench/programs/start_latency.py). The Node loops (once, with the bench's
 * Node), the Atomics lock beside the floor of exact call sites (bench/programs/atomics_site_floor.js).
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot, startRun } from "../runtime/launch/launcher";
import { record } from "./table";

/**
 * IPCVIZ_BENCH_RUNS: runs per program (default 5); IPCVIZ_BENCH_PROGRAMS: comma-separated file
 * names to run (default all; lock_speed.py and empty.py stand for the lock and fixed-cost sections).
 */
const RUNS = Number(process.env.IPCVIZ_BENCH_RUNS) || 5;
const N = 100_000;
/** Targets (issue 17): the loop ratio on every interpreter, the whole `ipcviz run` ratio. */
const PROGRAMS: { name: string; short: string; file: string; target: number; wholeTarget: number }[] = [
  { name: "Queue put/get, 2 processes", short: "Queue", file: "queue_pairs.py", target: 1.25, wholeTarget: 1.4 },
  { name: "Pipe send/recv, 2 processes", short: "Pipe", file: "pipe_pairs.py", target: 1.25, wholeTarget: 1.4 },
  { name: "with v.get_lock(): v.value += 1, 2 processes", short: "locked Value", file: "locked_value.py", target: 2.5, wholeTarget: 2.5 },
];
const FIXED_TARGET_S = 0.06;
/** The stacks helper thread present over absent, Queue loop: within the noise of alternating runs. */
const STACKS_TARGET = 1.05;
/** Names read from the source over fallback names only, each loop: the same. */
const NAMES_TARGET = 1.05;
const LOCK_TARGET = 4;
/** Node programs (the Node runtime), run once with the Node that runs the bench (IPCVIZ_BENCH_NODE to choose another). */
/**
 * floor: a preload (bench/programs) whose hooks only capture the call site where the runtime does,
 * recording nothing: what exact call sites alone cost that program, printed beside its ratio.
 */
const NODE_PROGRAMS: { name: string; file: string; target: number; floor?: string }[] = [
  { name: "Node postMessage round trips, 2 workers", file: "node_post_message.js", target: 1.5 },
  { name: "Node process.send round trips, parent and fork", file: "node_process_send.js", target: 1.5 },
  { name: "Node Atomics-lock increments, 2 workers", file: "node_atomics_lock.js", target: 4, floor: "atomics_site_floor.js" },
];

const isNode = (file: string) => file.endsWith(".js");

function node(): string {
  return process.env.IPCVIZ_BENCH_NODE ?? process.execPath;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function workload(stdout: string): number {
  const m = /workload_s ([0-9.]+)/.exec(stdout);
  if (!m) throw new Error(`bench program printed no workload time: ${stdout.slice(0, 200)}`);
  return Number(m[1]);
}

async function plainRun(python: string, file: string, args: string[], cwd: string, options: string[] = []): Promise<{ out: string; wall: number }> {
  const t0 = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: "1" };
  delete env.NODE_OPTIONS;
  const child = spawn(isNode(file) ? node() : python, [...options, file, ...args], { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code: number | null = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`${file} failed plain (${code})`);
  return { out, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function plain(python: string, file: string, cwd: string): Promise<{ work: number; wall: number }> {
  const r = await plainRun(python, file, [String(N)], cwd);
  return { work: workload(r.out), wall: r.wall };
}

/**
 * The instrumented run, as a user makes it: `ipcviz run --out … -- program N` in its own process
 * (the product's collector, trace file and live diagnosis included).
 */
async function instrumented(python: string, file: string, cwd: string, out: string, args: string[] = [String(N)], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ text: string; work: number; wall: number; events: number; lost: number }> {
  const root = findRepoRoot(__dirname);
  const t0 = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [join(root, "bin", "ipcviz.js"), "run", ...(isNode(file) ? ["--node", node()] : ["--python", python]), "--out", out, "--", file, ...args],
    { cwd, env: { ...process.env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  let err = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (err += d));
  const code: number | null = await new Promise((resolve) => child.on("close", resolve));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${file} failed instrumented (${code}): ${err.slice(-500)}`);
  // The trace's last line is its footer: {"footer": true, "events": …, "lostEvents": …}. Only the
  // file's tail is read: the lock loop's trace can pass the longest string Node makes (512 MB).
  const tail = tailOf(out, 64 * 1024);
  const footer = JSON.parse(tail.slice(tail.lastIndexOf("\n", tail.length - 2) + 1)) as { footer?: boolean; events: number; lostEvents: number };
  if (footer.footer !== true) throw new Error(`${file}: the trace has no footer`);
  rmSync(out, { force: true });
  return { text, work: /workload_s/.test(text) ? workload(text) : 0, wall, events: footer.events, lost: footer.lostEvents };
}

/** The last `bytes` bytes of a file, as text. */
function tailOf(path: string, bytes: number): string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(bytes, size);
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, size - n);
    return buf.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** The interpreters to measure: IPCVIZ_BENCH_PYTHONS (comma-separated), else python3 and pyenv's 3.9–3.13. */
function interpreters(): string[] {
  const given = (process.env.IPCVIZ_BENCH_PYTHONS ?? process.env.IPCVIZ_BENCH_PYTHON)?.split(",").filter((x) => x !== "");
  if (given && given.length > 0) return given;
  const out = ["python3"];
  const root = process.env.PYENV_ROOT;
  if (root && existsSync(join(root, "versions"))) {
    const versions = readdirSync(join(root, "versions"));
    for (const minor of ["3.9", "3.10", "3.12", "3.13"]) {
      const v = versions.filter((x) => x.startsWith(minor + ".")).sort().pop();
      if (v && existsSync(join(root, "versions", v, "bin", "python3"))) out.push(join(root, "versions", v, "bin", "python3"));
    }
  }
  return out;
}

/** The interpreter binary behind a command (python3 may be a pyenv shim: a script that picks one). */
function executableOf(python: string): string {
  return execFileSync(python, ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
}

function versionOf(python: string): string {
  return execFileSync(python, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" }).trim();
}

/** The three loops on one interpreter. */
async function loops(python: string, version: string, cwd: string, dir: string, figures: Record<string, number>): Promise<void> {
  const only = process.env.IPCVIZ_BENCH_PROGRAMS?.split(",").filter((x) => x !== "");
  for (const p of PROGRAMS) {
    if (only && only.length > 0 && !only.includes(p.file)) continue;
    const pw: number[] = [], iw: number[] = [], pt: number[] = [], it: number[] = [];
    let events = 0, lost = 0;
    for (let i = 0; i < RUNS; i++) {
      const a = await plain(python, p.file, cwd);
      const b = await instrumented(python, p.file, cwd, join(dir, `${p.file}-${i}.ipcviz.jsonl`));
      pw.push(a.work); pt.push(a.wall); iw.push(b.work); it.push(b.wall);
      events = b.events; lost += b.lost;
    }
    const ratio = median(iw) / median(pw);
    const wallRatio = median(it) / median(pt);
    figures[`${version} ${p.file} ratio`] = ratio;
    figures[`${version} ${p.file} whole`] = wallRatio;
    console.log(
      `runtime ${version} ${p.name}: plain ${median(pw).toFixed(3)} s, instrumented ${median(iw).toFixed(3)} s, ` +
        `ratio ${ratio.toFixed(2)}x (target <= ${p.target}x) ${ratio <= p.target ? "MET" : "NOT MET"}; ` +
        `whole run ${median(pt).toFixed(2)} s vs ${median(it).toFixed(2)} s = ${wallRatio.toFixed(2)}x (target <= ${p.wholeTarget}x); ` +
        `${events} events/run, ${lost} lost (median of ${RUNS})`,
    );
    record({ row: `loop ratio ${p.short} (${version})`, value: ratio, unit: "x", target: p.target });
    record({ row: `whole ipcviz run ${p.short} (${version})`, value: wallRatio, unit: "x", target: p.wholeTarget, note: `${median(pt).toFixed(2)} s -> ${median(it).toFixed(2)} s` });
    if (lost > 0) console.log(`runtime ${version} ${p.file}: ${lost} events LOST`);
  }
}

/** A part of the runtime that costs nothing in the loops, switched off by its variable set to "0". */
interface Switch {
  /** The bench row's words. */
  row: string;
  /** The environment variable that switches it off. */
  env: string;
  /** What runs when it is on. */
  what: string;
  target: number;
}

/**
 * "No cost while nobody asks for stacks": the stacks helper thread (the default) over the same
 * without it (IPCVIZ_STACKS=0); it waits in recv() with the GIL released until a request comes.
 */
const STACKS_SWITCH: Switch = { row: "no cost while nobody asks for stacks", env: "IPCVIZ_STACKS", what: "the stacks helper thread", target: STACKS_TARGET };
/**
 * "Naming happens at creation only" (issue 14): names read from the source (the default) over
 * fallback names only (IPCVIZ_NAMES=0), on each of issue 2's loops.
 */
const NAMES_SWITCH: Switch = { row: "no cost of the program's names", env: "IPCVIZ_NAMES", what: "names read from the source", target: NAMES_TARGET };

/** A loop under `ipcviz run` with the switch on over off: alternating runs in this session. */
async function switchCost(python: string, version: string, p: { short: string; file: string }, sw: Switch, cwd: string, dir: string, figures: Record<string, number>): Promise<void> {
  const on: number[] = [], off: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    off.push((await instrumented(python, p.file, cwd, join(dir, `${sw.env}-off-${p.file}-${i}.ipcviz.jsonl`), [String(N)], { [sw.env]: "0" })).work);
    // Any value but "0": on.
    on.push((await instrumented(python, p.file, cwd, join(dir, `${sw.env}-on-${p.file}-${i}.ipcviz.jsonl`), [String(N)], { [sw.env]: "1" })).work);
  }
  const ratio = median(on) / median(off);
  figures[`${version} ${sw.env} ${p.short} ratio`] = ratio;
  console.log(
    `runtime ${version} ${sw.row}: ${p.short} loop under ipcviz run with ${sw.what} ${median(on).toFixed(3)} s, ` +
      `without (${sw.env}=0) ${median(off).toFixed(3)} s = ${ratio.toFixed(2)}x (target <= ${sw.target}x; median of ${RUNS}, alternating)`,
  );
  record({ row: `${sw.row}, ${p.short} loop (${version})`, value: ratio, unit: "x", target: sw.target, note: `${median(off).toFixed(3)} s without -> ${median(on).toFixed(3)} s with` });
}

/** `ipcviz run` on a program that does nothing, over the plain run: medians of alternating runs. */
async function fixedCost(python: string, version: string, cwd: string, dir: string, figures: Record<string, number>): Promise<void> {
  const runs = Math.max(RUNS, 7);
  const pt: number[] = [], it: number[] = [];
  for (let i = 0; i < runs; i++) {
    pt.push((await plainRun(python, "empty.py", [], cwd)).wall);
    it.push((await instrumented(python, "empty.py", cwd, join(dir, `empty-${i}.ipcviz.jsonl`), [])).wall);
  }
  const fixed = median(it) - median(pt);
  figures[`${version} fixed s`] = fixed;
  console.log(`runtime ${version} empty program: plain ${median(pt).toFixed(3)} s, ipcviz run ${median(it).toFixed(3)} s: fixed cost ${fixed.toFixed(3)} s (target <= ${FIXED_TARGET_S} s; median of ${runs})`);
  record({ row: `fixed cost of ipcviz run, empty program (${version})`, value: fixed, unit: "s", target: FIXED_TARGET_S, note: `${median(pt).toFixed(3)} s -> ${median(it).toFixed(3)} s` });
  // Node reads the whole file NODE_EXTRA_CA_CERTS names at every start, before any of ipcviz runs
  // (some containers set it to the distribution's CA bundle): its share is shown, not hidden.
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const nt: number[] = [];
    for (let i = 0; i < runs; i++) nt.push((await instrumented(python, "empty.py", cwd, join(dir, `empty-noca-${i}.ipcviz.jsonl`), [], { NODE_EXTRA_CA_CERTS: "" })).wall);
    console.log(
      `runtime ${version} of that, Node's start-up reading NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}): ` +
        `${(median(it) - median(nt)).toFixed(3)} s (ipcviz run without it ${median(nt).toFixed(3)} s: fixed cost ${(median(nt) - median(pt)).toFixed(3)} s)`,
    );
  }
}

/**
 * The same fixed cost for a run started by a process that is already running (the extension
 * host's case: no Node start-up): startRun in this process, from the call until the trace is
 * finished, over the plain run.
 */
async function fixedCostInProcess(python: string, version: string, cwd: string, dir: string): Promise<void> {
  const runs = Math.max(RUNS, 7);
  const pt: number[] = [], it: number[] = [];
  for (let i = 0; i < runs; i++) {
    pt.push((await plainRun(python, "empty.py", [], cwd)).wall);
    const out = join(dir, `empty-in-${i}.ipcviz.jsonl`);
    const t0 = process.hrtime.bigint();
    const run = await startRun({ python, program: "empty.py", cwd, out, stdio: "pipe" });
    run.child.stdin?.end();
    run.child.stdout?.resume();
    run.child.stderr?.resume();
    const r = await run.done;
    it.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (r.exitCode !== 0) throw new Error(`empty.py failed under startRun (${r.exitCode})`);
    rmSync(out, { force: true });
  }
  const fixed = median(it) - median(pt);
  console.log(`runtime ${version} empty program started from a running process (the extension's case): plain ${median(pt).toFixed(3)} s, run ${median(it).toFixed(3)} s: fixed cost ${fixed.toFixed(3)} s (median of ${runs})`);
  record({ row: `fixed cost of a run from a running host, empty program (${version})`, value: fixed, unit: "s", target: FIXED_TARGET_S, note: `${median(pt).toFixed(3)} s -> ${median(it).toFixed(3)} s` });
}

/** Uncontended Lock/RLock acquire()+release() in one process, plain and under `ipcviz run`. */
async function lockSpeed(python: string, version: string, cwd: string, dir: string, figures: Record<string, number>): Promise<void> {
  const pl: number[] = [], il: number[] = [], pr: number[] = [], ir: number[] = [];
  const ns = (text: string, key: string) => {
    const m = new RegExp(`${key} ([0-9.]+)`).exec(text);
    if (!m) throw new Error(`lock_speed.py printed no ${key}: ${text.slice(0, 200)}`);
    return Number(m[1]);
  };
  for (let i = 0; i < RUNS; i++) {
    const a = (await plainRun(python, "lock_speed.py", [], cwd)).out;
    const b = (await instrumented(python, "lock_speed.py", cwd, join(dir, `lock-${i}.ipcviz.jsonl`), [])).text;
    pl.push(ns(a, "lock_ns")); pr.push(ns(a, "rlock_ns")); il.push(ns(b, "lock_ns")); ir.push(ns(b, "rlock_ns"));
  }
  for (const [name, p, q] of [["Lock", pl, il], ["RLock", pr, ir]] as const) {
    const ratio = median(q) / median(p);
    figures[`${version} ${name} ratio`] = ratio;
    console.log(`runtime ${version} uncontended multiprocessing.${name} acquire()+release(): plain ${median(p).toFixed(0)} ns, ipcviz run ${median(q).toFixed(0)} ns = ${ratio.toFixed(2)}x (target <= ${LOCK_TARGET}x; median of ${RUNS})`);
    record({ row: `uncontended ${name} acquire+release (${version})`, value: ratio, unit: "x", target: LOCK_TARGET, note: `${median(p).toFixed(0)} ns -> ${median(q).toFixed(0)} ns` });
  }
  // The floor of any hook written in Python (bench/programs/lock_floor.py, no ipcviz): functions
  // that only call the Lock's methods, and the same recording one minimal event per call.
  const fp: number[] = [], fw: number[] = [], fr: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = (await plainRun(python, "lock_floor.py", [], cwd)).out;
    fp.push(ns(out, "plain_ns")); fw.push(ns(out, "wrapper_ns")); fr.push(ns(out, "record_ns"));
  }
  const [p0, w0, r0] = [median(fp), median(fw), median(fr)];
  figures[`${version} Lock floor ratio`] = r0 / p0;
  console.log(
    `runtime ${version} the floor of a Lock hook in Python (lock_floor.py, no ipcviz): plain ${p0.toFixed(0)} ns; ` +
      `Python functions that only call the Lock's methods ${w0.toFixed(0)} ns = ${(w0 / p0).toFixed(2)}x; ` +
      `recording one event per call (time, thread, kind, caller's code and instruction) ${r0.toFixed(0)} ns = ${(r0 / p0).toFixed(2)}x (median of ${RUNS})`,
  );
}

/**
 * A child's start, per start method, plain and under `ipcviz run` (bench/programs/start_latency.py:
 * from before Process.start() to its target's first line; medians). Informative: no target, but a
 * slower start widens the program's own races (issue 13, defect 7).
 */
async function startLatency(python: string, version: string, cwd: string, dir: string): Promise<void> {
  const methods = ["fork", "forkserver", "spawn"];
  const plainMs: Record<string, number[]> = {}, runMs: Record<string, number[]> = {};
  const parse = (text: string, into: Record<string, number[]>) => {
    for (const m of methods) {
      const r = new RegExp(`start_ms ${m} ([0-9.]+)`).exec(text);
      if (!r) throw new Error(`start_latency.py printed no ${m}: ${text.slice(0, 200)}`);
      (into[m] ??= []).push(Number(r[1]));
    }
  };
  for (let i = 0; i < RUNS; i++) {
    parse((await plainRun(python, "start_latency.py", [], cwd)).out, plainMs);
    parse((await instrumented(python, "start_latency.py", cwd, join(dir, `start-${i}.ipcviz.jsonl`), [])).text, runMs);
  }
  const parts = methods.map((m) => `${m} ${median(plainMs[m]).toFixed(1)} -> ${median(runMs[m]).toFixed(1)} ms (+${(median(runMs[m]) - median(plainMs[m])).toFixed(1)})`);
  console.log(`runtime ${version} a child's start, plain -> ipcviz run: ${parts.join(", ")} (median of ${RUNS} runs of 9 children each)`);
}

/** False when IPCVIZ_BENCH_PROGRAMS names programs and not this one. */
function excluded(file: string): boolean {
  const names = process.env.IPCVIZ_BENCH_PROGRAMS?.split(",").filter((x) => x !== "");
  return !!names && names.length > 0 && !names.includes(file);
}

export async function run(): Promise<Record<string, number>> {
  const root = findRepoRoot(__dirname);
  const cwd = join(root, "bench", "programs");
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-bench-"));
  const figures: Record<string, number> = {};
  try {
    const pythons = interpreters();
    for (const python of pythons) {
      const version = versionOf(python);
      await loops(python, version, cwd, dir, figures);
      if (!excluded("lock_speed.py")) await lockSpeed(python, version, cwd, dir, figures);
      if (!excluded("queue_pairs.py")) await switchCost(python, version, PROGRAMS[0], STACKS_SWITCH, cwd, dir, figures);
      for (const p of PROGRAMS) if (!excluded(p.file)) await switchCost(python, version, p, NAMES_SWITCH, cwd, dir, figures);
      // The fixed cost is the CLI's and the interpreter's start-up: measured on the first
      // interpreter's binary (as the extension passes it), so a shim's own start-up is left out.
      if (python === pythons[0] && !excluded("empty.py")) {
        const exe = executableOf(python);
        await fixedCost(exe, version, cwd, dir, figures);
        await fixedCostInProcess(exe, version, cwd, dir);
      }
      if (python === pythons[0] && !excluded("start_latency.py")) await startLatency(executableOf(python), version, cwd, dir);
    }
    await nodeLoops(cwd, dir, figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** The Node runtime's loops, once (with the Node that runs the bench). */
async function nodeLoops(cwd: string, dir: string, figures: Record<string, number>): Promise<void> {
  const only = process.env.IPCVIZ_BENCH_PROGRAMS?.split(",").filter((x) => x !== "");
  for (const p of NODE_PROGRAMS) {
    if (only && only.length > 0 && !only.includes(p.file)) continue;
    // Exact call sites (the default) and the call-site cache (IPCVIZ_FAST_SITES=1), alternating
    // with the plain runs so that load changes touch all three alike.
    const pw: number[] = [], iw: number[] = [], fw: number[] = [], pt: number[] = [], it: number[] = [], sw: number[] = [];
    let events = 0, lost = 0;
    for (let i = 0; i < RUNS; i++) {
      const a = await plain("", p.file, cwd);
      if (p.floor) sw.push(workload((await plainRun("", p.file, [String(N)], cwd, ["--require", `./${p.floor}`])).out));
      const b = await instrumented("", p.file, cwd, join(dir, `${p.file}-${i}.ipcviz.jsonl`));
      const c = await instrumented("", p.file, cwd, join(dir, `${p.file}-fast-${i}.ipcviz.jsonl`), [String(N)], { IPCVIZ_FAST_SITES: "1" });
      pw.push(a.work); pt.push(a.wall); iw.push(b.work); it.push(b.wall); fw.push(c.work);
      events = b.events; lost += b.lost + c.lost;
    }
    const ratio = median(iw) / median(pw);
    const fastRatio = median(fw) / median(pw);
    const wallRatio = median(it) / median(pt);
    figures[`${p.file} ratio`] = ratio;
    console.log(
      `runtime ${p.name}: plain ${median(pw).toFixed(3)} s, instrumented ${median(iw).toFixed(3)} s, ` +
        `ratio ${ratio.toFixed(2)}x (target <= ${p.target}x) ${ratio <= p.target ? "MET" : "NOT MET"}; ` +
        `with IPCVIZ_FAST_SITES=1 (cached call sites) ${median(fw).toFixed(3)} s = ${fastRatio.toFixed(2)}x; ` +
        `whole run ${median(pt).toFixed(2)} s vs ${median(it).toFixed(2)} s = ${wallRatio.toFixed(2)}x; ` +
        `${events} events/run, ${lost} lost (median of ${RUNS})`,
    );
    if (p.floor) {
      const floorRatio = median(sw) / median(pw);
      console.log(
        `runtime ${p.name}, the floor of exact call sites: hooks that only capture the caller's frame where the runtime does ` +
          `(${p.floor}, no ipcviz): ${median(sw).toFixed(3)} s = ${floorRatio.toFixed(2)}x over plain`,
      );
    }
  }
}

if (require.main === module && process.argv[1]?.endsWith("runtime.bench.js")) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
