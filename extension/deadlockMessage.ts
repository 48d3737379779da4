/**
 * The text of the live deadlock notification: one sentence in the program's names, "Deadlock:
 * phil-0 holds left, waits for right (held by phil-1) · phil-1 …" (the analysis's `short`); for a
 * report without one, "Deadlock: A waits for Lock L1 (held by B) at file.py:12; B waits for …".
 * The full explanation stays in the view. Pure.
 */

import type { Deadlock } from "../trace/analysis/types";

function shortSite(site: string | null): string {
  if (!site) return "";
  const m = /^(.*[\\/])?([^\\/]+):(\d+)$/.exec(site);
  return m ? ` at ${m[2]}:${m[3]}` : ` at ${site}`;
}

/** One line naming the processes, what each waits for, and where. */
export function deadlockNotificationText(deadlocks: readonly Deadlock[], maxWaits = 4): string {
  const d = deadlocks[0];
  if (!d) return "";
  const others = deadlocks.length > 1 ? ` (${deadlocks.length - 1} more hang${deadlocks.length > 2 ? "s" : ""} found)` : "";
  if (d.short) return d.short + others;
  const head = d.kind === "cycle" ? "Deadlock" : "Stalled";
  const waits = d.waits.slice(0, maxWaits).map((w) => {
    const held = w.heldBy.length ? ` (held by ${w.heldBy.map((h) => h.process).join(", ")})` : "";
    return `${w.process} waits for ${w.object}${held}${shortSite(w.site)}`;
  });
  const more = d.waits.length > maxWaits ? `; and ${d.waits.length - maxWaits} more` : "";
  return `${head}: ${waits.join("; ") || d.processes.join(", ")}${more}.${others}`;
}
