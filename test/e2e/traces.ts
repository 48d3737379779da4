/**
 * Valid synthetic trace files for the e2e tier: bench/model.bench.ts's generator (8 processes,
 * queues, a pipe, contended locks, Value writes) with a trace header and footer around it.
 */

import { writeFileSync } from "node:fs";
import { syntheticTraceLines } from "../../bench/model.bench";

/** Write a trace of about `events` events to `path`; returns the number of events written. */
export function writeSyntheticTrace(path: string, events: number): number {
  const lines = syntheticTraceLines(events);
  const header = {
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
  const footer = { footer: true, events: lines.length, lostEvents: 0, badLines: 0, endedAt: "2026-01-01T00:01:00.000Z" };
  writeFileSync(path, [JSON.stringify(header), ...lines, JSON.stringify(footer)].join("\n") + "\n");
  return lines.length;
}
