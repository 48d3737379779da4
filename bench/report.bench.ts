/**
 * `ipcviz report` of a 1.4M-event trace (the synthetic trace of bench/model.bench.ts, written as
 * a trace file with header and footer): wall time of the real CLI in its own Node process, its
 * peak resident memory (the process's maxRSS, printed by a preload at exit) and the HTML file's
 * size. Median of 3 runs.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRepoRoot } from "../runtime/launch/launcher";
import { SYNTHETIC_HEADER, syntheticTraceLines } from "./model.bench";
import { record } from "./table";

const N = 1_400_000;
const RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function writeTrace(path: string): Promise<{ events: number; bytes: number }> {
  const lines = syntheticTraceLines(N);
  const out = createWriteStream(path);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once("drain", () => r())));
  await write(JSON.stringify(SYNTHETIC_HEADER) + "\n");
  for (let i = 0; i < lines.length; i += 10_000) await write(lines.slice(i, i + 10_000).join("\n") + "\n");
  await write(JSON.stringify({ footer: true, events: lines.length, lostEvents: 0, badLines: 0, endedAt: "2026-01-01T00:00:10.000Z" }) + "\n");
  await new Promise<void>((r) => out.end(() => r()));
  return { events: lines.length, bytes: statSync(path).size };
}

export async function run(): Promise<Record<string, number>> {
  const root = findRepoRoot(__dirname);
  const dir = mkdtempSync(join(tmpdir(), "ipcviz-reportbench-"));
  try {
    const trace = join(dir, "big.ipcviz.jsonl");
    const { events, bytes } = await writeTrace(trace);
    const preload = join(dir, "maxrss.js");
    writeFileSync(preload, `process.on("exit", () => process.stderr.write("maxrss_kb " + process.resourceUsage().maxRSS + "\\n"));\n`);
    const times: number[] = [], rss: number[] = [], sizes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const html = join(dir, `report-${i}.html`);
      const t0 = process.hrtime.bigint();
      const child = spawn(process.execPath, ["-r", preload, join(root, "bin", "ipcviz.js"), "report", trace, "-o", html], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (d) => (err += d));
      const code: number | null = await new Promise((r) => child.on("close", r));
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) throw new Error(`ipcviz report failed (${code}): ${err.slice(-500)}`);
      const m = /maxrss_kb (\d+)/.exec(err);
      times.push(wall);
      rss.push(m ? Number(m[1]) / 1024 : NaN);
      sizes.push(statSync(html).size / 1e6);
      rmSync(html, { force: true });
    }
    const t = median(times), r = median(rss), s = median(sizes);
    console.log(
      `report of a ${(events / 1e6).toFixed(1)}M-event trace (${(bytes / 1e6).toFixed(0)} MB): ${t.toFixed(2)} s, peak memory ${r.toFixed(0)} MB, HTML ${s.toFixed(0)} MB ` +
        `(targets <= 5 s, <= 1000 MB, <= 60 MB; median of ${RUNS})`,
    );
    record({ row: "ipcviz report 1.4M events: time", value: t, unit: "s", target: 5 });
    record({ row: "ipcviz report 1.4M events: peak memory", value: r, unit: "MB", target: 1000 });
    record({ row: "ipcviz report 1.4M events: file size", value: s, unit: "MB", target: 60, note: `trace ${(bytes / 1e6).toFixed(0)} MB` });
    return { reportSeconds: t, reportMB: r, reportFileMB: s };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[1]?.endsWith("report.bench.js")) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
