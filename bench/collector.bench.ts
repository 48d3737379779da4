/**
 * Collector throughput: ≥1M events pushed through a real collector over its Unix socket by
 * separate Node processes (bench/collector-client.ts), written to a real trace file.
 * Three encodings: binary batches ("B<length>\n" + marshal bytes: what the Python runtime sends),
 * the older base64 lines ("M" + base64 of the same bytes) and JSON batches.
 * Reports events/s, the median of 5 runs each.
 */
import { fork, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Collector } from "../runtime/launch/collector";
import { SYNTHETIC_HEADER } from "./model.bench";

const CLIENTS = 2;
const EVENTS_PER_CLIENT = 600_000;
const BATCH = 250; // EVENTS_PER_CLIENT is a multiple of it
const RUNS = 5;

type Mode = "binary" | "marshal" | "json";

/** Marshalled template batches made by real Python, in the runtime's compact forms (int message ids, bare previews): [first (sites, process.start), rest]. */
function marshalTemplates(): [string, string] {
  const py = `
import marshal
B = ${BATCH}
PUT, GET, ACQ, REL, START = "queue.put", "queue.get", "lock.acquire", "lock.release", "process.start"
def recs(n, first):
    out, t = [], 5_000_000_000
    if first:
        out.append((t, 4242, START, None, None, None, {"name": "Process-1", "ppid": 1, "role": "child", "startMethod": "fork"}))
    k = len(out)
    while len(out) < n:
        t += 1234
        m = k & 3
        if m == 0:
            out.append((t, 4242, PUT, "Q4242.1", (4242 << 31) + k, 1, "('item', %d)" % k))
        elif m == 1:
            out.append((t, 4242, GET, "Q4242.1", (4242 << 31) + k - 1, 2, "('item', %d)" % (k - 1)))
        elif m == 2:
            out.append((t, 4242, ACQ, "L4242.2", None, 1, {"ok": True}))
        else:
            out.append((t, 4242, REL, "L4242.2", None, 1, None))
        k += 1
    return out
sites = [(1, "/home/user/project/producer.py", 42, "producer"), (2, "/home/user/project/consumer.py", 17, "consumer")]
print(marshal.dumps((123456789, sites, recs(B, True)), 4).hex())
print(marshal.dumps((123456789, [], recs(B, False)), 4).hex())
`;
  const r = spawnSync(process.env.IPCVIZ_BENCH_PYTHON ?? "python3", ["-c", py], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`bench: python3 could not make the marshal templates: ${r.stderr || r.error}`);
  const [first, rest] = r.stdout.trim().split("\n");
  return [first, rest];
}

/** One run: returns events/s. */
async function once(dir: string, i: number, mode: Mode, templates: [string, string]): Promise<{ rate: number; events: number; bytes: number }> {
  const out = join(dir, `bench-${mode}-${i}.ipcviz.jsonl`);
  const collector = await Collector.start({ out, header: SYNTHETIC_HEADER, t0: process.hrtime.bigint() });
  const clientJs = join(__dirname, "collector-client.js");
  const children = Array.from({ length: CLIENTS }, () =>
    fork(clientJs, [collector.socketPath, collector.token, String(EVENTS_PER_CLIENT), String(BATCH), mode, ...templates], { stdio: "inherit" }),
  );
  try {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve, reject) => {
            c.once("message", () => resolve());
            c.once("exit", (code) => reject(new Error(`bench client exited early (${code})`)));
          }),
      ),
    );
    const expected = CLIENTS * EVENTS_PER_CLIENT;
    const start = process.hrtime.bigint();
    for (const c of children) c.send("go");
    // Done when every client's connection has closed (all its events processed) and the file is closed.
    let disconnects = 0;
    await new Promise<void>((resolve) => {
      collector.on("disconnect", () => {
        if (++disconnects === CLIENTS) resolve();
      });
    });
    const footer = await collector.close();
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const runtimeEvents = footer.events - CLIENTS; // minus the disconnect events
    if (runtimeEvents !== expected || footer.badLines !== 0 || footer.lostEvents !== 0) {
      throw new Error(
        `bench: expected ${expected} events, got ${runtimeEvents} (bad ${footer.badLines}, lost ${footer.lostEvents}); problems: ${collector.problems.slice(0, 3).join("; ")}`,
      );
    }
    return { rate: expected / secs, events: expected, bytes: statSync(out).size };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await collector.close();
    rmSync(out, { force: true });
  }
}

/** RUNS runs in one encoding: [median, run1, run2, …] events/s; prints one line. */
async function measure(dir: string, mode: Mode, templates: [string, string]): Promise<number[]> {
  const rates: number[] = [];
  let bytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await once(dir, i, mode, templates);
    rates.push(r.rate);
    bytes = r.bytes;
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const what =
    mode === "binary" ? "binary marshal batches (what the Python runtime sends)" : mode === "marshal" ? "compact marshal batches (base64 lines, the older form)" : "JSON batches";
  console.log(
    `collector throughput: ${Math.round(median)} events/s (median of ${RUNS}; ${what}; ${CLIENTS} clients × ${EVENTS_PER_CLIENT} events; ` +
      `runs: ${rates.map((r) => Math.round(r / 1000) + "k").join(", ")}; trace ${(bytes / 1e6).toFixed(0)} MB)`,
  );
  return [median, ...rates];
}

/** Runs the benchmark; resolves with the median rates (and every run) per encoding. */
export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-bench-"));
  const result: Record<string, number> = {};
  try {
    const templates = marshalTemplates();
    for (const mode of ["binary", "marshal", "json"] as const) {
      const [median, ...rates] = await measure(dir, mode, templates);
      const key = mode === "binary" ? "collectorEventsPerSec" : mode === "marshal" ? "collectorBase64EventsPerSec" : "collectorJsonEventsPerSec";
      result[key] = Math.round(median);
      rates.forEach((r, i) => (result[`${key}Run${i + 1}`] = Math.round(r)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

if (require.main === module && process.argv[1]?.endsWith("collector.bench.js")) {
  run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
