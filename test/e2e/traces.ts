/**
 * Valid synthetic trace files for the e2e tier: bench/model.bench.ts's generator (8 processes,
 * queues, a pipe, contended locks, Value writes) with a trace header and footer around it.
 */

import { writeFileSync } from "node:fs";
import { SYNTHETIC_HEADER, syntheticTraceLines } from "../../bench/model.bench";

/** Write a trace of about `events` events to `path`; returns the number of events written. */
export function writeSyntheticTrace(path: string, events: number): number {
  const lines = syntheticTraceLines(events);
  const footer = { footer: true, events: lines.length, lostEvents: 0, badLines: 0, endedAt: "2026-01-01T00:01:00.000Z" };
  writeFileSync(path, [JSON.stringify(SYNTHETIC_HEADER), ...lines, JSON.stringify(footer)].join("\n") + "\n");
  return lines.length;
}
