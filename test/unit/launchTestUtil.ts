/**
 * Helpers for the reader/validator/summary/collector/launcher/CLI tests: paths in the repo,
 * temporary directories, a header, and event builders.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { TraceEvent, TraceHeader } from "../../trace/format";

/** The repository root (the directory whose package.json names ipc-visualiser). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "ipc-visualiser") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("repo root not found above " + __dirname);
    dir = up;
  }
}

export const ROOT = repoRoot();
/** The stand-in Python runtime (test/fixtures/fake-runtime). */
export const FAKE_BOOT = join(ROOT, "test", "fixtures", "fake-runtime");
export const PROGRAMS = join(FAKE_BOOT, "programs");
export const CLI = join(ROOT, "bin", "ipcviz.js");

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "ipcviz-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid header. */
export function testHeader(over: Partial<TraceHeader> = {}): TraceHeader {
  return {
    format: "ipcviz-trace",
    version: 1,
    program: "/home/ana/proj/pipeline.py",
    args: [],
    cwd: "/home/ana/proj",
    interpreter: { language: "python", path: "/usr/bin/python3", version: "3.11.7", implementation: "CPython" },
    startMethod: "fork",
    startedAt: "2025-03-14T09:26:53.589Z",
    clock: { kind: "monotonic", unit: "ns" },
    runtime: { name: "ipcviz-python", version: "0.1.0" },
    ...over,
  };
}

/** Builds events of a few processes with automatic seq and t. */
export class EventScript {
  readonly events: TraceEvent[] = [];
  private seqs = new Map<number, number>();
  private t = 1000;

  /** A runtime event of process pid (seq assigned). */
  ev(pid: number, kind: string, fields: Record<string, unknown> = {}): this {
    const seq = this.seqs.get(pid) ?? 0;
    this.seqs.set(pid, seq + 1);
    this.t += 1000;
    this.events.push({ pid, tid: pid, seq, t: (fields.t as number) ?? this.t, kind, ...fields } as unknown as TraceEvent);
    return this;
  }

  /** Process start (seq 0). */
  start(pid: number, name: string, role: string, ppid: number): this {
    return this.ev(pid, "process.start", { name, ppid, role, startMethod: "fork" });
  }

  /** A collector event. */
  collector(pid: number, kind: string, fields: Record<string, unknown>): this {
    this.t += 1000;
    this.events.push({ src: "collector", pid, t: this.t, kind, ...fields } as unknown as TraceEvent);
    return this;
  }

  /** Skip n sequence numbers of pid (as if lost), writing the events.lost record. */
  lose(pid: number, n: number, report = true): this {
    const seq = this.seqs.get(pid) ?? 0;
    this.seqs.set(pid, seq + n);
    if (report) this.collector(pid, "events.lost", { fromSeq: seq, count: n });
    return this;
  }

  /** The trace as JSON Lines text. */
  text(header: TraceHeader = testHeader(), footer = true): string {
    const lines = [JSON.stringify(header), ...this.events.map((e) => JSON.stringify(e))];
    if (footer) lines.push(JSON.stringify({ footer: true, events: this.events.length, lostEvents: 0, badLines: 0, endedAt: "2025-03-14T09:26:55.642Z" }));
    return lines.join("\n") + "\n";
  }
}

/** Example lines (header, events, footer) from the ```json blocks of docs/trace-format.md. */
export function docExamples(): Array<Record<string, unknown>> {
  const md = readFileSync(join(ROOT, "docs", "trace-format.md"), "utf8");
  const out: Array<Record<string, unknown>> = [];
  const re = /```json\n([\s\S]*?)```/g;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    for (const line of m[1].split("\n")) if (line.trim()) out.push(JSON.parse(line));
  }
  return out;
}

/** Pids from a pid file written by a test program (one per line). */
export function readPids(file: string): number[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map(Number);
}

/** True when the process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Poll until cond() or timeout; returns cond()'s last value. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}
