/**
 * `ipcviz analyse TRACE [--json] [--at N] [--state N]`: the deadlock diagnosis of a saved trace.
 *
 * Prints, in plain words, every deadlock (cycle or stall), potential deadlock (lock-order
 * inversion) and hazard; `--json` prints the summary fields instead (`deadlocks`,
 * `potentialDeadlocks`, `hazards`, `stoppedForDeadlock`). `--at N` diagnoses the state at event
 * index N (causal order); `--state N` also prints the readable state dump at N.
 *
 * Exit status: 0 no deadlock, 3 a deadlock was found (cycle or stall), 2 usage error or a file
 * that is not a readable trace. Potential deadlocks and hazards are reported but do not change
 * the status.
 */

import { readTraceFile } from "../trace/readFile";
import { TraceReadError } from "../trace/reader";
import { TraceModel } from "../trace/model/model";
import { dumpState } from "../trace/model/dump";
import { diagnose } from "../trace/analysis/diagnose";
import { diagnosisSummaryFields, formatDiagnosis } from "../trace/analysis/summaryFields";
import type { TraceEvent } from "../trace/format";
import { parseCommandArgs, stringOption, UsageError } from "./args";

/** Exit status of `ipcviz analyse` when a deadlock was found. */
export const EXIT_DEADLOCK = 3;
/** Exit status for usage errors and unreadable traces. */
export const EXIT_ANALYSE_USAGE = 2;

export const ANALYSE_HELP = `Usage: ipcviz analyse TRACE [--json] [--at N] [--state N]

Find deadlocks (lock cycles and stalls), potential deadlocks (locks taken in
opposite orders) and hazards (join before drain, terminate while holding a
lock, lost in-place changes to Manager values, unpicklable queue items) in a
saved trace, and explain them.

  --json      print {deadlocks, potentialDeadlocks, hazards, stoppedForDeadlock}
  --at N      diagnose the program as it was at event N (causal order)
  --state N   also print the state of every process and object at event N

Exit status: 0 no deadlock, 3 deadlock found, 2 usage error or unreadable trace.
`;

interface AnalyseArgs {
  trace: string;
  json: boolean;
  at: number | null;
  state: number | null;
}

/** An event index given to `option` (a whole number), or a message saying what is wrong. */
function eventIndex(option: string, v: string | undefined): number | null | string {
  if (v === undefined) return null;
  if (!/^-?\d+$/.test(v)) return `${option} needs an event index (a whole number)`;
  return Number(v);
}

/** Parse analyse's arguments: the parsed arguments, "help", or a message saying what is wrong. */
function parseAnalyseArgs(argv: string[]): AnalyseArgs | string {
  let p;
  try {
    p = parseCommandArgs(
      argv,
      { json: { type: "boolean" }, at: { type: "string" }, state: { type: "string" }, help: { type: "boolean", short: "h" } },
      { command: "analyse", hint: "usage: ipcviz analyse TRACE [--json] [--at N] [--state N]" },
    );
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  if (p.values.help) return "help";
  const at = eventIndex("--at", stringOption(p, "at"));
  if (typeof at === "string") return at;
  const state = eventIndex("--state", stringOption(p, "state"));
  if (typeof state === "string") return state;
  const [trace, extra] = p.positionals;
  if (trace === undefined) return "missing TRACE (the .ipcviz.jsonl file to analyse)";
  if (extra !== undefined) return `unexpected argument ${extra} (one trace at a time)`;
  return { trace, json: p.values.json === true, at, state };
}

/** Did the launcher stop the run with a signal after a deadlock (as `ipcviz run` does when it diagnoses a hang)? */
function stoppedBySignal(events: readonly TraceEvent[]): boolean {
  for (let k = events.length - 1; k >= 0; k--) {
    const e = events[k] as TraceEvent & { signal?: unknown; timedOut?: unknown };
    if (e.kind === "run.exit") return e.signal !== null && e.signal !== undefined && e.timedOut !== true;
  }
  return false;
}

/** Where analyse writes (stdout and stderr by default; tests pass their own). */
export interface AnalyseOutput {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: AnalyseOutput = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** `ipcviz analyse` (see the file comment); returns the exit status. */
export async function analyseCommand(argv: string[], io: AnalyseOutput = STDIO): Promise<number> {
  const args = parseAnalyseArgs(argv);
  if (args === "help") {
    io.out(ANALYSE_HELP);
    return 0;
  }
  if (typeof args === "string") {
    io.err(`ipcviz analyse: ${args}\n${ANALYSE_HELP}`);
    return EXIT_ANALYSE_USAGE;
  }
  let parsed;
  try {
    parsed = await readTraceFile(args.trace);
  } catch (err) {
    if (err instanceof TraceReadError) {
      io.err(`ipcviz analyse: ${err.message}\n`);
      return EXIT_ANALYSE_USAGE;
    }
    throw err;
  }
  const model = TraceModel.fromEvents(parsed.events, parsed.header);
  const d = diagnose(model, args.at === null ? {} : { atIndex: args.at });
  const stopped = d.deadlocks.length > 0 && stoppedBySignal(parsed.events);
  if (args.json) {
    io.out(JSON.stringify(diagnosisSummaryFields(d, stopped), null, 2) + "\n");
  } else {
    for (const p of parsed.problems) io.err(`ipcviz analyse: note: ${p}\n`);
    if (args.state !== null) io.out(dumpState(model.stateAt(args.state)) + "\n");
    io.out(formatDiagnosis(d));
  }
  return d.deadlocks.length > 0 ? EXIT_DEADLOCK : 0;
}
