/**
 * A trace held in memory written out as a trace file (format v1: header line, one event per
 * line, footer). Pure.
 */

import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";

/** The footer for events the host holds, when the collector's is not at hand. */
export function makeFooter(events: number, lostEvents = 0, badLines = 0, endedAt = new Date().toISOString()): TraceFooter {
  return { footer: true, events, lostEvents, badLines, endedAt };
}

/** The whole trace as JSON Lines text (footer omitted when null: a cut-off trace). */
export function traceToJsonl(header: TraceHeader, events: readonly TraceEvent[], footer: TraceFooter | null): string {
  const parts: string[] = [JSON.stringify(header)];
  for (const e of events) parts.push(JSON.stringify(e));
  if (footer) parts.push(JSON.stringify(footer));
  return parts.join("\n") + "\n";
}
