/**
 * The diagnosis fields of a run's summary (summary.json): `deadlocks`, `potentialDeadlocks`,
 * `hazards` and `stoppedForDeadlock`, in the shape the summary documents (names, not pids;
 * sites as "file:line").
 */

import type { Diagnosis } from "./types";

export interface SummaryDeadlock {
  kind: "cycle" | "stall";
  /** The members: a cycle's processes (not those merely waiting on it, see alsoBlocked). */
  processes: string[];
  /** Ids of the objects the members wait on. */
  objects: string[];
  /** The same objects as the program names them ("Lock left (forks[0])"), where the trace names them. */
  objectNames: string[];
  /** Processes blocked because they wait on the members, not part of the cycle (main joining a philosopher). */
  alsoBlocked: string[];
  sites: string[];
  explanation: string;
  /** The deadlock in one sentence (the live notification's text). */
  short: string;
}

export interface SummaryPotentialDeadlock {
  locks: string[];
  sites: string[];
  explanation: string;
}

export interface SummaryHazard {
  kind: string;
  processes: string[];
  sites: string[];
  explanation: string;
}

/** The fields this module adds to a summary. */
export interface DiagnosisSummaryFields {
  deadlocks: SummaryDeadlock[];
  potentialDeadlocks: SummaryPotentialDeadlock[];
  hazards: SummaryHazard[];
  /** ipcviz stopped the program because it hung. */
  stoppedForDeadlock: boolean;
}

/** The summary fields for a diagnosis. */
export function diagnosisSummaryFields(d: Diagnosis, stoppedForDeadlock = false): DiagnosisSummaryFields {
  return {
    deadlocks: d.deadlocks.map((x) => ({
      kind: x.kind,
      processes: x.processes,
      objects: x.objects,
      objectNames: x.objects.map((id) => x.waits.find((w) => w.obj === id && w.member)?.object ?? x.waits.find((w) => w.obj === id)?.object ?? id),
      alsoBlocked: x.alsoBlocked,
      sites: x.sites,
      explanation: x.explanation,
      short: x.short,
    })),
    potentialDeadlocks: d.potentialDeadlocks.map((x) => ({ locks: x.locks, sites: x.sites, explanation: x.explanation })),
    hazards: d.hazards.map((x) => ({ kind: x.kind, processes: x.processes, sites: x.sites, explanation: x.explanation })),
    stoppedForDeadlock,
  };
}

/** Add the diagnosis fields to a summary object (returns a new object; the input is not changed). */
export function addDiagnosisToSummary<T extends object>(summary: T, d: Diagnosis, options: { stoppedForDeadlock?: boolean } = {}): T & DiagnosisSummaryFields {
  return { ...summary, ...diagnosisSummaryFields(d, options.stoppedForDeadlock ?? false) };
}

/** Plain-text report of a diagnosis (what `ipcviz analyse` prints). */
export function formatDiagnosis(d: Diagnosis): string {
  const out: string[] = [];
  if (d.deadlocks.length === 0) out.push("No deadlock.");
  for (const x of d.deadlocks) out.push(`${x.kind === "cycle" ? "DEADLOCK (cycle)" : "DEADLOCK (stall)"} at event #${x.at}\n${indent(x.explanation)}`);
  for (const x of d.potentialDeadlocks) out.push(`POTENTIAL DEADLOCK (lock order) at event #${x.at}\n${indent(x.explanation)}`);
  for (const x of d.hazards) out.push(`HAZARD (${x.kind}) at event #${x.at}\n${indent(x.explanation)}`);
  if (d.potentialDeadlocks.length === 0 && d.hazards.length === 0) out.push("No potential deadlock or hazard.");
  return out.join("\n\n") + "\n";
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => "  " + l)
    .join("\n");
}
