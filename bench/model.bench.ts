/**
 * Model benchmark: fold a synthetic 1M-event trace (8 processes: producers and consumers on two
 * queues, a pipe, contended locks with waits, Value writes; events arrive in per-process flush
 * batches, so receipts often come before their sends), seek to 1000 random indices (one per turn of
 * the event loop, as the view seeks, and back to back), and measure
 * the model's memory per event.
 *
 * Memory: "model" is the growth of V8 heap + ArrayBuffers from the parsed events alone to the
 * parsed events plus the model (after a full GC), i.e. what the model adds; "total" also counts
 * the parsed events. GC is forced through v8.setFlagsFromString("--expose-gc") when node was not
 * started with --expose-gc.
 *
 * Targets (issue): fold < 1.5 s, seek < 5 ms, model memory < 300 bytes/event.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { TraceEvent, TraceHeader } from "../trace/format";
import { TraceModel } from "../trace/model/model";
import { step } from "../trace/model/stepping";
import { diagnose } from "../trace/analysis/diagnose";
import { record } from "./table";

const N = 1_000_000;
const SEEKS = 1000;

/** Deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** The header of synthetic traces (benchmarks and tests that need a big valid trace). */
export const SYNTHETIC_HEADER: TraceHeader = {
  format: "ipcviz-trace",
  version: 1,
  program: "/bench/program.py",
  args: [],
  cwd: "/bench",
  interpreter: { language: "python", path: "python3", version: "3.11.7", implementation: "CPython" },
  startMethod: "fork",
  startedAt: "2026-01-01T00:00:00.000Z",
  clock: { kind: "monotonic", unit: "ns" },
  runtime: { name: "synthetic", version: "0" },
};

/** A synthetic trace of about n events as JSON lines (what a reader would parse), in arrival order. */
export function syntheticTraceLines(n: number, seed = 42): string[] {
  const rand = rng(seed);
  const lines: string[] = [];
  const MAIN = 1000;
  const PRODUCERS = [1001, 1002, 1003];
  const CONSUMERS = [1004, 1005, 1006];
  const LOCKER = 1007;
  const pids = [MAIN, ...PRODUCERS, ...CONSUMERS, LOCKER];
  const seq = new Map<number, number>(pids.map((p) => [p, 0]));
  const buf = new Map<number, string[]>(pids.map((p) => [p, []]));
  const limit = new Map<number, number>(pids.map((p) => [p, 1 + Math.floor(rand() * 64)]));
  let t = 1_000_000;
  let count = 0;
  const flush = (pid: number) => {
    const b = buf.get(pid)!;
    for (const l of b) lines.push(l);
    b.length = 0;
    limit.set(pid, 1 + Math.floor(rand() * 64));
  };
  const ev = (pid: number, kind: string, fields: Record<string, unknown>, line: number, flushNow = false) => {
    const s = seq.get(pid)!;
    seq.set(pid, s + 1);
    t += 200 + Math.floor(rand() * 800);
    const e = { pid, tid: pid, seq: s, t, kind, ...fields, site: { file: "/bench/program.py", line, fn: "work" } };
    const b = buf.get(pid)!;
    b.push(JSON.stringify(e));
    count++;
    if (flushNow || b.length >= limit.get(pid)!) flush(pid);
  };
  ev(MAIN, "process.start", { name: "MainProcess", ppid: 1, role: "main", startMethod: "fork" }, 1, true);
  const queues = ["q1000.1", "q1000.2"];
  for (const q of queues) ev(MAIN, "queue.create", { obj: q, objType: "Queue", maxsize: 0 }, 5);
  ev(MAIN, "pipe.create", { obj: "p1000.3", ends: ["c1000.3", "c1000.4"], duplex: true }, 6);
  const locks = ["L1000.5", "L1000.6", "L1000.7"];
  for (const l of locks) ev(MAIN, "sync.create", { obj: l, objType: "Lock" }, 7);
  ev(MAIN, "value.create", { obj: "v1000.8", objType: "Value", ctype: "i", lock: "L1000.5", preview: "0" }, 8);
  for (const p of pids.slice(1)) {
    ev(MAIN, "process.spawn", { child: p, name: `Process-${p - MAIN}`, daemon: false, target: "__main__.work" }, 10);
    ev(p, "process.start", { name: `Process-${p - MAIN}`, ppid: MAIN, role: "child", startMethod: "fork" }, 1);
  }
  ev(MAIN, "block.begin", { op: "process.join", obj: "proc:1001" }, 20, true);
  // Queued items not yet taken, per queue: [msg, preview].
  const backlog: Array<Array<[string, string]>> = [[], []];
  let msgN = 0;
  const lockOwner = new Map<string, number>();
  let value = 0;
  while (count < n - 40) {
    const r = rand();
    if (r < 0.3) {
      // A producer puts.
      const p = PRODUCERS[Math.floor(rand() * PRODUCERS.length)];
      const qi = Math.floor(rand() * 2);
      const msg = `m${p}.${++msgN}`;
      const preview = String(Math.floor(rand() * 1000));
      ev(p, "queue.put", { obj: queues[qi], msg, preview }, 30);
      backlog[qi].push([msg, preview]);
    } else if (r < 0.6) {
      // A consumer gets (waits first when the queue is empty: the item comes later).
      const c = CONSUMERS[Math.floor(rand() * CONSUMERS.length)];
      const qi = Math.floor(rand() * 2);
      const item = backlog[qi].shift();
      if (!item) {
        ev(c, "block.begin", { op: "queue.get", obj: queues[qi] }, 40, true);
        const p = PRODUCERS[Math.floor(rand() * PRODUCERS.length)];
        const msg = `m${p}.${++msgN}`;
        ev(p, "queue.put", { obj: queues[qi], msg, preview: "late" }, 30);
        ev(c, "block.end", { op: "queue.get", obj: queues[qi], outcome: "ok" }, 40);
        ev(c, "queue.get", { obj: queues[qi], msg, preview: "late" }, 40);
      } else ev(c, "queue.get", { obj: queues[qi], msg: item[0], preview: item[1] }, 40);
    } else if (r < 0.85) {
      // The locker or a consumer takes a lock (sometimes contended), writes the Value, releases.
      const who = rand() < 0.5 ? LOCKER : CONSUMERS[Math.floor(rand() * CONSUMERS.length)];
      const l = locks[Math.floor(rand() * locks.length)];
      const other = lockOwner.get(l);
      if (other === undefined && rand() < 0.2) {
        // Someone else holds it briefly: wait, it is released, then take it.
        const holder = who === LOCKER ? CONSUMERS[0] : LOCKER;
        ev(holder, "lock.acquire", { obj: l, ok: true }, 50);
        ev(who, "block.begin", { op: "lock.acquire", obj: l }, 51, true);
        ev(holder, "lock.release", { obj: l }, 52);
        ev(who, "block.end", { op: "lock.acquire", obj: l, outcome: "ok" }, 51);
      }
      ev(who, "lock.acquire", { obj: l, ok: true }, 51);
      lockOwner.set(l, who);
      if (l === "L1000.5") {
        ev(who, "value.write", { obj: "v1000.8", old: String(value), value: String(value + 1) }, 53);
        value++;
      }
      ev(who, "lock.release", { obj: l }, 54);
      lockOwner.delete(l);
    } else {
      // Main and the locker talk over the pipe (receipts often flushed before sends).
      const msg = `m${MAIN}.${++msgN}`;
      const preview = `'cmd ${msgN}'`;
      ev(MAIN, "pipe.send", { obj: "c1000.3", msg, preview, bytes: false }, 60);
      ev(LOCKER, "pipe.recv", { obj: "c1000.4", msg, preview, bytes: false }, 61);
    }
  }
  for (const p of pids.slice(1)) {
    ev(p, "process.exit", { exitCode: 0 }, 0, true);
    lines.push(JSON.stringify({ src: "collector", pid: p, t: (t += 1000), kind: "process.disconnect", clean: true }));
  }
  ev(MAIN, "block.end", { op: "process.join", obj: "proc:1001", outcome: "ok" }, 20);
  ev(MAIN, "process.exit", { exitCode: 0 }, 0, true);
  for (const p of pids) flush(p);
  return lines;
}

function getGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Run the benchmark; prints lines like `model fold 1M events: X ms` and returns the figures. */
export async function run(): Promise<Record<string, number>> {
  const gc = getGc();
  const collect = () => {
    if (gc) {
      gc();
      gc();
    }
  };
  collect();
  const before = used();
  const lines = syntheticTraceLines(N);
  const events: TraceEvent[] = lines.map((l) => JSON.parse(l) as TraceEvent);
  lines.length = 0;
  collect();
  const parsed = used();
  const n = events.length;

  // Fold: best and median of 3.
  const folds: number[] = [];
  const cpus: number[] = [];
  let model: TraceModel | null = null;
  for (let k = 0; k < 3; k++) {
    model = null;
    collect();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const m = TraceModel.fromEvents(events);
    folds.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    model = m;
  }
  folds.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const m = model!;

  // Seek: random indices, as the view seeks: at most once per frame (store.stateAtCursor), so the
  // event loop turns between two seeks and V8 does its GC work there, as it does in the webview.
  // The same seeks back to back (no turn between them: every scavenge lands inside a seek) are
  // printed beside them. Measured before the memory figure's forced GCs: V8's sweeping after a
  // forced full GC lands in the next allocation (17 ms in the first seek), and no user's seek
  // follows a forced GC.
  const rand = rng(7);
  const seekTimes = async (turn: boolean): Promise<number[]> => {
    const out: number[] = [];
    for (let k = 0; k < SEEKS; k++) {
      const i = Math.floor(rand() * n);
      const t0 = performance.now();
      m.stateAt(i);
      out.push(performance.now() - t0);
      if (turn) await new Promise((r) => setImmediate(r));
    }
    return out.sort((a, b) => a - b);
  };
  const seeks = await seekTimes(true);
  const tight = await seekTimes(false);

  collect();
  const withModel = used();
  const modelBytes = (withModel - parsed) / n;
  const totalBytes = (withModel - before) / n;

  // Stepping (message / lock / a process), from random places.
  const t1 = performance.now();
  for (let k = 0; k < SEEKS; k++) {
    const i = Math.floor(rand() * n);
    step(m, i, 1, { kind: "message" });
    step(m, i, -1, { kind: "lock" });
    step(m, i, 1, { kind: "process", pid: 1004 });
  }
  const stepUs = ((performance.now() - t1) / (SEEKS * 3)) * 1000;

  // Diagnosis of the whole trace (informative).
  const t2 = performance.now();
  const d = diagnose(m);
  const diagMs = performance.now() - t2;

  const out = {
    events: n,
    foldMs: folds[1],
    foldBestMs: folds[0],
    foldCpuMs: cpus[1],
    seekMedianMs: pct(seeks, 50),
    seekP99Ms: pct(seeks, 99),
    seekMaxMs: seeks[seeks.length - 1],
    seekTightMaxMs: tight[tight.length - 1],
    modelBytesPerEvent: modelBytes,
    totalBytesPerEvent: totalBytes,
    stepMicroseconds: stepUs,
    diagnoseMs: diagMs,
    checkpoints: m.checkpointCount,
  };
  const f = (x: number) => x.toFixed(1);
  console.log(`model fold ${(n / 1e6).toFixed(2)}M events: ${f(out.foldMs)} ms (median of 3, best ${f(out.foldBestMs)} ms, CPU ${f(out.foldCpuMs)} ms incl. GC threads; target < 1500 ms)`);
  console.log(`model seek (${SEEKS} random indices): median ${out.seekMedianMs.toFixed(3)} ms, p99 ${out.seekP99Ms.toFixed(3)} ms, max ${out.seekMaxMs.toFixed(3)} ms (target < 5 ms), one seek per turn of the event loop as the view seeks; back to back: max ${out.seekTightMaxMs.toFixed(3)} ms`);
  console.log(`model memory: ${f(modelBytes)} bytes/event for the model (target < 300), ${f(totalBytes)} bytes/event with the parsed events${gc ? "" : " (no GC available: figures are rough)"}`);
  record({ row: "model seek max (1M events, 1000 seeks)", value: out.seekMaxMs, unit: "ms", target: 5, note: `p99 ${out.seekP99Ms.toFixed(2)} ms; back to back ${out.seekTightMaxMs.toFixed(1)} ms` });
  console.log(`model step to next message/lock/process event: ${stepUs.toFixed(2)} µs`);
  console.log(`diagnose 1M events: ${f(diagMs)} ms (${d.deadlocks.length} deadlocks, ${d.potentialDeadlocks.length} potential, ${d.hazards.length} hazards)`);
  return out;
}

if (require.main === module && process.argv[1]?.endsWith("model.bench.js")) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
