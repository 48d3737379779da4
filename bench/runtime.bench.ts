/**
 * Runtime overhead: instrumented / plain wall time of three loops (bench/programs/), each the
 * median of 5 alternating runs in the same session, plus the events each instrumented run wrote.
 * Reports the workload time measured inside the program (the loop) and the whole run's wall time
 * (for the instrumented run: `ipcviz run` from start to exit, the trace and summary written).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "../runtime/launch/launcher";

/** IPCVIZ_BENCH_RUNS: runs per program (default 5); IPCVIZ_BENCH_PROGRAMS: comma-separated file names to run (default all). */
const RUNS = Number(process.env.IPCVIZ_BENCH_RUNS) || 5;
const N = 100_000;
const PROGRAMS: { name: string; file: string; target: number }[] = [
  { name: "Queue put/get, 2 processes", file: "queue_pairs.py", target: 1.5 },
  { name: "Pipe send/recv, 2 processes", file: "pipe_pairs.py", target: 1.5 },
  { name: "with v.get_lock(): v.value += 1, 2 processes", file: "locked_value.py", target: 4 },
  { name: "Node postMessage round trips, 2 workers", file: "node_post_message.js", target: 1.5 },
  { name: "Node process.send round trips, parent and fork", file: "node_process_send.js", target: 1.5 },
  { name: "Node Atomics-lock increments, 2 workers", file: "node_atomics_lock.js", target: 4 },
];

/** Node programs run with the Node that runs the bench (IPCVIZ_BENCH_NODE to choose another). */
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

async function plain(python: string, file: string, cwd: string): Promise<{ work: number; wall: number }> {
  const t0 = process.hrtime.bigint();
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: "1" };
  delete env.NODE_OPTIONS;
  const exe = isNode(file) ? node() : python;
  const child = spawn(exe, [file, String(N)], { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const code: number | null = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`${file} failed plain (${code})`);
  return { work: workload(out), wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/**
 * The instrumented run, as a user makes it: `ipcviz run --out … -- program N` in its own process
 * (the product's collector, trace file and live diagnosis included).
 */
async function instrumented(python: string, file: string, cwd: string, out: string): Promise<{ work: number; wall: number; events: number; lost: number }> {
  const root = findRepoRoot(__dirname);
  const t0 = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    [join(root, "bin", "ipcviz.js"), "run", ...(isNode(file) ? ["--node", node()] : ["--python", python]), "--out", out, "--", file, String(N)],
    { cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  let err = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (err += d));
  const code: number | null = await new Promise((resolve) => child.on("close", resolve));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (code !== 0) throw new Error(`${file} failed instrumented (${code}): ${err.slice(-500)}`);
  // The trace's last line is its footer: {"footer": true, "events": …, "lostEvents": …}.
  const trace = readFileSync(out, "utf8");
  const footer = JSON.parse(trace.slice(trace.lastIndexOf("\n", trace.length - 2) + 1)) as { footer?: boolean; events: number; lostEvents: number };
  if (footer.footer !== true) throw new Error(`${file}: the trace has no footer`);
  return { work: workload(text), wall, events: footer.events, lost: footer.lostEvents };
}

export async function run(): Promise<Record<string, number>> {
  const root = findRepoRoot(__dirname);
  const cwd = join(root, "bench", "programs");
  const python = process.env.IPCVIZ_BENCH_PYTHON ?? "python3";
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-bench-"));
  const figures: Record<string, number> = {};
  try {
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
      figures[`${p.file} ratio`] = ratio;
      console.log(
        `runtime ${p.name}: plain ${median(pw).toFixed(3)} s, instrumented ${median(iw).toFixed(3)} s, ` +
          `ratio ${ratio.toFixed(2)}x (target <= ${p.target}x) ${ratio <= p.target ? "MET" : "NOT MET"}; ` +
          `whole run ${median(pt).toFixed(2)} s vs ${median(it).toFixed(2)} s = ${wallRatio.toFixed(2)}x; ` +
          `${events} events/run, ${lost} lost (median of ${RUNS})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (require.main === module && process.argv[1]?.endsWith("runtime.bench.js")) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
