/**
 * The `ipcviz` command line: its commands and argument parsing. cli/ipcviz.ts is the entry point
 * (bundled to out/cli/ipcviz.js, which bin/ipcviz.js loads); this module only exports, so tests
 * can import it.
 *
 *   ipcviz run [options] [--] program.py [args…]   record a run (also `-m module`)
 *   ipcviz summary TRACE [--json]                  summary of a saved trace
 *   ipcviz validate TRACE                          check a saved trace against format v1
 *   ipcviz analyse …                               deadlock/hang analysis (cli/analyse.ts)
 *   ipcviz report TRACE -o report.html             self-contained HTML view (cli/report.ts)
 *   ipcviz stacks TRACE [--json] [--all]           the last stack snapshot of a trace
 *
 * Exit statuses (docs/cli.md): the program's own for `run` (128+N when a signal N ended it,
 * 124 on timeout), 2 for usage and setup errors, 1 for `validate` problems.
 * Options are parsed with node:util's parseArgs (cli/args.ts).
 */

import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { analyseCommand } from "./analyse";
import { parseCommandArgs, stringOption, UsageError, type OptionSpec } from "./args";
import { reportCommand, ReportError, writeReport } from "./report";
import { readTraceFile } from "../trace/readFile";
import { TraceReadError } from "../trace/reader";
import { SummaryBuilder, summarize, type RunSummary } from "../trace/summary";
import { validateFooter, validateTrace } from "../trace/validate";
import { findRepoRoot, LaunchError, lowerThreadPriority, packageVersion, startRun, type RunOptions } from "../runtime/launch/launcher";

/** The nice value of `ipcviz run`'s collector thread (IPCVIZ_COLLECTOR_NICE overrides; 0 leaves it as it is). */
const COLLECTOR_NICE = Number(process.env.IPCVIZ_COLLECTOR_NICE ?? 10) || 0;
import { HangWatch, LiveHangDetector, type LiveHangReport } from "../trace/analysis/live";
import { formatSnapshot, snapshotsOf } from "../trace/analysis/stacks";
import { QUIET_DECODE_MS } from "../runtime/launch/collector";
import { diagnose } from "../trace/analysis/diagnose";
import { addDiagnosisToSummary } from "../trace/analysis/summaryFields";

/** Exit status for usage and setup errors. */
export const EXIT_USAGE = 2;
/** Exit status when a run is stopped by its timeout (as timeout(1)). */
export const EXIT_TIMEOUT = 124;
/** Exit status when a run was stopped because it deadlocked or stalled (as `analyse` finding one). */
export const EXIT_DEADLOCK = 3;

const HELP = `ipcviz: record and inspect what a multi-process Python or Node.js program does

Usage:
  ipcviz run [options] [--] program.py [args…]   run a program and record its trace
  ipcviz run [options] [--] app.js|app.ts [args…]  (a Node.js program: .js .mjs .cjs .ts .mts .cts)
  ipcviz run [options] -m module [args…]         run a module (as python -m)
  ipcviz summary TRACE [--json]                  print the summary of a saved trace
  ipcviz validate TRACE                          check a saved trace; exit 1 if it has problems
  ipcviz analyse TRACE [--json] [--at N] [--state N]
                                                 find deadlocks and hangs in a trace
  ipcviz report TRACE [-o report.html] [--layout time|logical]
                                                 write the view of a trace as one HTML file
  ipcviz stacks TRACE [--json] [--all]           print the last stack snapshot of a trace
                                                 (--all: every snapshot; --json: as JSON)
  ipcviz --help | --version

Options of run:
  --python PATH         interpreter (default: python3, then python, on PATH); Python 3.9+
  --node PATH           Node.js for .js/.mjs/.cjs/.ts programs (default: node on PATH); Node 20+
  --ts-runner R         how a .ts program runs: auto (the workspace's tsx, else ts-node, else
                        Node's own type stripping on Node 22.6+), tsx, ts-node, node, or the
                        path of a loader module for node --import
  --start-method M      make M the default start method: fork, spawn or forkserver
  --out TRACE           trace file (default: .ipcviz/<program>-<time>.ipcviz.jsonl)
  --summary FILE        also write the run summary (JSON) to FILE
  --html FILE           also write the view of the run as one self-contained HTML file
  --timeout SEC         stop the whole process tree after SEC seconds (exit status 124)
  --preview N           keep at most N characters of each payload preview (default 80)
  --deadlock-grace SEC  a hang is diagnosed once nothing happened for SEC seconds (default 1)
  --keep-running        on a deadlock, print the diagnosis but let the program run on
  -v, --verbose         after the run, also list the problems the collector saw (bad lines, …)

The program's stdin, stdout and stderr are passed through untouched; ipcviz prints one line
(prefixed "ipcviz:") on stderr when the run ends. Exit status: the program's own (128+N if
signal N ended it), 124 on timeout, 3 when it deadlocked or stalled and was stopped, 2 for usage
or setup errors. See docs/cli.md.
`;


function version(): string {
  try {
    return packageVersion(findRepoRoot());
  } catch {
    return "unknown";
  }
}

/** Options of `ipcviz run`, as parsed. */
interface RunArgs {
  python?: string;
  node?: string;
  tsRunner?: string;
  startMethod?: string;
  out?: string;
  summary?: string;
  html?: string;
  timeout?: number;
  preview?: number;
  verbose?: boolean;
  deadlockGrace?: number;
  keepRunning?: boolean;
  program?: string;
  module?: string;
  args: string[];
}

const START_METHODS = ["fork", "spawn", "forkserver"];

/** `ipcviz run`'s options (before the program). */
const RUN_OPTIONS: OptionSpec = {
  python: { type: "string" },
  node: { type: "string" },
  "ts-runner": { type: "string" },
  "start-method": { type: "string" },
  out: { type: "string" },
  summary: { type: "string" },
  html: { type: "string" },
  timeout: { type: "string" },
  preview: { type: "string" },
  "deadlock-grace": { type: "string" },
  "keep-running": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
};

/** A positive number of seconds given to `option`. */
function seconds(option: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*[0-9.]+\s*$/.test(v) || !(n > 0) || !Number.isFinite(n)) throw new UsageError(`${option} needs a positive number of seconds (got "${v}")`);
  return n;
}

/** Parse `run`'s arguments: options first, then the program (or -m module) and its arguments. */
export function parseRunArgs(argv: string[]): RunArgs {
  const p = parseCommandArgs(argv, RUN_OPTIONS, { command: "run", hint: "see ipcviz --help; put the program after --", stopAtPositional: true, stopAt: ["-m"] });
  const r: RunArgs = { args: [] };
  const set = <K extends keyof RunArgs>(k: K, v: RunArgs[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set("python", stringOption(p, "python"));
  set("node", stringOption(p, "node"));
  set("tsRunner", stringOption(p, "ts-runner"));
  const m = stringOption(p, "start-method");
  if (m !== undefined && !START_METHODS.includes(m)) throw new UsageError(`unknown start method "${m}": use one of ${START_METHODS.join(", ")}`);
  set("startMethod", m);
  set("out", stringOption(p, "out"));
  if (p.values.verbose) r.verbose = true;
  set("summary", stringOption(p, "summary"));
  set("html", stringOption(p, "html"));
  set("timeout", seconds("--timeout", stringOption(p, "timeout")));
  set("deadlockGrace", seconds("--deadlock-grace", stringOption(p, "deadlock-grace")));
  if (p.values["keep-running"]) r.keepRunning = true;
  const preview = stringOption(p, "preview");
  if (preview !== undefined && !/^[0-9]+$/.test(preview)) throw new UsageError(`--preview needs a whole number of characters (got "${preview}")`);
  set("preview", preview === undefined ? undefined : Number(preview));
  const rest = p.rest.slice();
  if (!p.terminated && rest[0] !== undefined && rest[0].startsWith("-m") && rest[0].length > 2) rest.splice(0, 1, "-m", rest[0].slice(2)); // -mpkg, as python
  else if (!p.terminated && rest[0] !== undefined && rest[0].startsWith("-") && rest[0] !== "-m" && rest[0] !== "-")
    throw new UsageError(`put -m on its own, last of the options, in ${rest[0]} (ipcviz run [options] -m module [args…])`);
  if (rest[0] === "-m") {
    if (rest.length < 2) throw new UsageError("-m needs a module name");
    r.module = rest[1];
    r.args = rest.slice(2);
  } else {
    if (rest.length === 0) throw new UsageError("no program given: ipcviz run [options] -- program.py [args…]");
    r.program = rest[0];
    r.args = rest.slice(1);
  }
  return r;
}

/** Default trace path: .ipcviz/<stem>-<YYYYMMDD-HHMMSS>.ipcviz.jsonl under cwd (never an existing file). */
export function defaultTracePath(cwd: string, programOrModule: string, now = new Date()): string {
  const stem = basename(programOrModule).replace(/\.(py|[cm]?[jt]s)$/, "").replace(/[^A-Za-z0-9._-]/g, "_") || "program";
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
  let path = join(cwd, ".ipcviz", `${stem}-${stamp}.ipcviz.jsonl`);
  for (let n = 2; existsSync(path); n++) path = join(cwd, ".ipcviz", `${stem}-${stamp}-${n}.ipcviz.jsonl`);
  return path;
}

/** Check that a file can be written (making its directory), before the program starts. */
function checkWritable(path: string, what: string, option: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
      accessSync(path, constants.W_OK);
    } else {
      accessSync(dirname(path), constants.W_OK);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LaunchError("bad-output", `ipcviz: cannot write the ${what} to ${path} (${e.code ?? e.message}); choose another path with ${option}`);
  }
}

function shortPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && rel.length < p.length ? rel : p;
}

/** `ipcviz run`: returns the exit status. */
async function runCommand(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  const cwd = process.cwd();
  const out = resolve(cwd, a.out ?? defaultTracePath(cwd, a.program ?? a.module ?? "program"));
  const summaryPath = a.summary !== undefined ? resolve(cwd, a.summary) : undefined;
  if (summaryPath !== undefined) {
    checkWritable(summaryPath, "summary", "--summary");
    if (summaryPath === out) throw new UsageError("--summary and --out must be different files");
  }
  const htmlPath = a.html !== undefined ? resolve(cwd, a.html) : undefined;
  if (htmlPath !== undefined) {
    checkWritable(htmlPath, "HTML report", "--html");
    if (htmlPath === out || htmlPath === summaryPath) throw new UsageError("--html must name a file of its own (not the trace or the summary)");
  }
  const builder = new SummaryBuilder();
  // Live hang diagnosis: once nothing has happened for the grace period and a deadlock or stall holds.
  const detector = new LiveHangDetector({ graceNs: (a.deadlockGrace ?? 1) * 1e9 });
  const clock = () => Number(process.hrtime.bigint());
  const options: RunOptions = {
    python: a.python,
    node: a.node,
    tsRunner: a.tsRunner,
    program: a.program,
    module: a.module,
    args: a.args,
    cwd,
    startMethod: a.startMethod,
    out,
    stdio: "inherit",
    timeoutSec: a.timeout,
    previewLength: a.preview,
    // Nothing is shown live: decode while the program is quiet, not while it is busy sending.
    decodeWhenQuietMs: QUIET_DECODE_MS,
    // For tests: a stand-in runtime (test/fixtures/fake-runtime) instead of runtime/python/boot.
    runtimeBootDir: process.env.IPCVIZ_TEST_BOOT_DIR || undefined,
    onEvents: (events) => {
      if (summaryPath !== undefined) for (const e of events) builder.add(e); // only --summary needs it
      // The model serves the live diagnosis and the summary's: once the main process has ended
      // there is nothing left to diagnose live, so without --summary it stops there.
      if (summaryPath !== undefined || !mainEnded) detector.feed(events, clock());
    },
  };
  let mainEnded = false;
  const run = await startRun(options);
  run.child.once("exit", () => (mainEnded = true));
  // The program comes first: from here on this thread (decoding, the trace file, the summary, the
  // live diagnosis) runs at a lower CPU priority than the program, which has already started.
  lowerThreadPriority(COLLECTOR_NICE);
  let stoppedForDeadlock = false;
  let stoppedNoProgress = false;
  const found: { hang: LiveHangReport | null } = { hang: null };
  let reported = false;
  const hangWatch = new HangWatch(detector);
  const grace = a.deadlockGrace ?? 1;
  const watch = setInterval(() => {
    // Nothing is diagnosed while received events wait to be decoded: the model is behind the program.
    if (reported || run.backlogBytes > 0) return;
    const act = hangWatch.tick(clock());
    if (act === null) return;
    if (act.kind === "request-stacks") {
      void run.requestStacks("hang", detector.graceNs).then(
        () => hangWatch.stacksDone(),
        () => hangWatch.stacksDone(),
      );
      return;
    }
    if (act.kind === "outside") {
      // Not a hang: someone outside the run can end these waits; the run goes on.
      process.stderr.write(`ipcviz: nothing recorded for ${grace} s, not a hang:\n${act.text.replace(/^/gm, "  ")}\n`);
      return;
    }
    const hang = act.report;
    found.hang = hang;
    reported = true;
    const what = hang.noProgress ? "makes no progress" : "is stuck";
    let text = `ipcviz: the program ${what} (nothing happened for ${grace} s):\n${hang.text}\n`;
    if (hang.stacks) text += `ipcviz: ${formatSnapshot(hang.stacks, { allThreads: false, libraryFrames: 2 }).replace(/\n/g, "\n  ")}\n`;
    process.stderr.write(text);
    if (!a.keepRunning) {
      stoppedForDeadlock = true;
      stoppedNoProgress = !!hang.noProgress;
      process.stderr.write("ipcviz: stopping every process of the program (use --keep-running to let it run on)\n");
      void run.stop();
    }
  }, 200);
  builder.setHeader(run.header);
  // Ctrl-C reaches ipcviz (the program runs in its own session): pass it on; a second one stops the run.
  let interrupts = 0;
  const onInt = () => {
    if (++interrupts === 1) run.signal("SIGINT");
    else void run.stop();
  };
  const onTerm = () => void run.stop();
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  process.on("SIGHUP", onTerm);
  let result;
  try {
    result = await run.done;
  } finally {
    clearInterval(watch);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    process.off("SIGHUP", onTerm);
  }
  const parts = [`trace written to ${shortPath(out)}`];
  if (summaryPath !== undefined) {
    detector.model.finish();
    const summary = addDiagnosisToSummary(
      builder.result({
        footer: true,
        events: result.events,
        lostEvents: result.lostEvents,
        badLines: result.badLines,
        endedAt: new Date().toISOString(),
      }) as RunSummary,
      diagnose(detector.model),
      { stoppedForDeadlock },
    );
    const np = found.hang?.noProgress ?? null;
    const noProgress = np ? { text: np.text, processes: np.processes.map((p) => ({ pid: p.pid, process: p.process, call: p.call, recorded: p.recorded, how: p.how, site: p.site, text: p.text })) } : null;
    Object.assign(summary, { noProgress });
    try {
      writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + "\n");
      parts.push(`summary to ${shortPath(summaryPath)}`);
    } catch (err) {
      parts.push(`could not write the summary to ${summaryPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (htmlPath !== undefined) {
    try {
      await writeReport(out, htmlPath);
      parts.push(`report to ${shortPath(htmlPath)}`);
    } catch (err) {
      parts.push(`could not write the HTML report: ${(err as Error).message}`);
    }
  }
  if (result.lostEvents > 0) parts.push(`${result.lostEvents} events lost`);
  if (result.badLines > 0) parts.push(`${result.badLines} bad lines`);
  if (result.leftovers > 0) parts.push(`ended ${result.leftovers} process(es) left running after the main process exited`);
  if (stoppedForDeadlock) parts.push(`stopped because it ${stoppedNoProgress ? "made no progress" : "deadlocked"} (exit status 3)`);
  else if (result.timedOut) parts.push(`stopped after the ${a.timeout} s timeout`);
  else if (result.stopped) parts.push("the run was stopped");
  process.stderr.write(`ipcviz: ${parts.join("; ")}\n`);
  if (a.verbose) for (const p of result.problems) process.stderr.write(`ipcviz: problem: ${p}\n`);
  if (stoppedForDeadlock) return EXIT_DEADLOCK;
  if (result.timedOut) return EXIT_TIMEOUT;
  if (result.signal) return 128 + (osConstants.signals[result.signal] ?? 0);
  return result.exitCode ?? 1;
}

function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`program: ${s.program}${s.args.length ? " " + s.args.join(" ") : ""}`);
  lines.push(`started: ${s.startedAt}${s.startMethod ? `, start method ${s.startMethod}` : ""}, ${s.durationMs} ms`);
  const exit = s.timedOut ? "timed out (stopped)" : s.signal ? `killed by ${s.signal}` : s.exitCode === null ? "unknown" : String(s.exitCode);
  lines.push(`exit: ${exit}${s.timedOut && s.signal ? ` (${s.signal})` : ""}`);
  if (s.orphaned) lines.push(`orphaned: the recorder (pid ${s.orphaned.recorderPid}) died while the run was not over; its watchdog ended ${s.orphaned.ended} process${s.orphaned.ended === 1 ? "" : "es"}`);
  lines.push(`events: ${s.events} (lost ${s.lostEvents}, bad lines ${s.badLines})${s.complete ? "" : "; the trace has no footer (cut off)"}`);
  lines.push(`processes (${s.processes.length}):`);
  for (const p of s.processes) {
    const ex = p.signal ? `killed by ${p.signal}` : p.exitCode === null ? "exit ?" : `exit ${p.exitCode}`;
    const thread = p.thread !== undefined ? `  thread ${p.thread} of pid ${p.hostPid ?? "?"}` : "";
    const count = p.events === 0 ? "recorded nothing itself (known from its parent's events)" : `${p.events} events`;
    lines.push(`  ${p.pid}  ${p.label ?? p.name ?? "?"}  ${p.role ?? "?"}${thread}${p.parentPid !== null ? `  parent ${p.parentPid}` : ""}  ${ex}  ${count}${p.error ? `  (${p.error})` : ""}`);
  }
  lines.push(`objects (${s.objects.length}):`);
  for (const o of s.objects) {
    const at = o.site ? ` at ${basename(o.site.file)}:${o.site.line}` : "";
    const name = o.name !== undefined ? ` ${o.name}` : "";
    const others = (o.names ?? []).filter((n) => n.name !== o.name);
    const known = others.length ? `; known as ${others.map((n) => `${n.name} in ${n.process ?? n.pid}`).join(", ")}` : "";
    lines.push(`  ${o.id}  ${o.kind}${name} (${o.family})${o.pid !== null ? `  created by ${o.pid}${at}` : ""}  ${o.events} events${known}`);
  }
  const m = s.messages;
  lines.push(`messages: ${m.sent} sent, ${m.received} received, ${m.matched} matched, ${m.inFlight} in flight, ${m.outside ? `${m.outside} sent outside the run, ` : ""}${m.unmatchedReceipts} receipts without a send`);
  return lines.join("\n") + "\n";
}

/** `ipcviz summary TRACE [--json]`. */
async function summaryCommand(argv: string[]): Promise<number> {
  const usage = "usage: ipcviz summary TRACE [--json]";
  const p = parseCommandArgs(argv, { json: { type: "boolean" } }, { command: "summary", hint: usage });
  const json = p.values.json === true;
  const files = p.positionals;
  if (files.length !== 1) throw new UsageError(usage);
  const t = await readTraceFile(files[0]);
  const s = summarize(t.header, t.events, t.footer);
  process.stdout.write(json ? JSON.stringify(s, null, 2) + "\n" : formatSummary(s));
  for (const p of t.problems) process.stderr.write(`ipcviz: ${files[0]}: ${p}\n`);
  return 0;
}

/** `ipcviz stacks TRACE [--json] [--all]`: the last stack snapshot (every one with --all). */
async function stacksCommand(argv: string[]): Promise<number> {
  let json = false;
  let all = false;
  const files: string[] = [];
  for (const a of argv) {
    if (a === "--json") json = true;
    else if (a === "--all") all = true;
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a} for stacks (usage: ipcviz stacks TRACE [--json] [--all])`);
    else files.push(a);
  }
  if (files.length !== 1) throw new UsageError("usage: ipcviz stacks TRACE [--json] [--all]");
  const t = await readTraceFile(files[0]);
  const snaps = snapshotsOf(t.events);
  for (const p of t.problems) process.stderr.write(`ipcviz: ${files[0]}: ${p}\n`);
  if (snaps.length === 0) {
    process.stderr.write(`ipcviz: ${files[0]} has no stack snapshot (one is taken when a run hangs, or with "Show All Stacks" in the view)\n`);
    return 1;
  }
  const chosen = all ? snaps : [snaps[snaps.length - 1]];
  if (json) process.stdout.write(JSON.stringify(all ? chosen : chosen[0], null, 2) + "\n");
  else process.stdout.write(chosen.map((s) => formatSnapshot(s)).join("\n\n") + "\n");
  return 0;
}

/** `ipcviz validate TRACE`. */
async function validateCommand(argv: string[]): Promise<number> {
  const usage = "usage: ipcviz validate TRACE";
  const files = parseCommandArgs(argv, {}, { command: "validate", hint: usage }).positionals;
  if (files.length !== 1) throw new UsageError(usage);
  const t = await readTraceFile(files[0]);
  const problems = [...t.problems, ...validateTrace(t.header, t.events)];
  if (!t.footer) problems.push("the trace has no footer (the run or the collector was cut off)");
  else problems.push(...validateFooter(t.footer, t.events));
  for (const p of problems) process.stdout.write(`${files[0]}: ${p}\n`);
  if (problems.length === 0) {
    process.stdout.write(`${files[0]}: valid (trace format v${t.header.version}, ${t.events.length} events)\n`);
    return 0;
  }
  process.stdout.write(`${files[0]}: ${problems.length} problem(s)\n`);
  return 1;
}

/** Run the CLI on argv (without node and script); resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case "-h":
      case "--help":
      case "help":
        process.stdout.write(HELP);
        return cmd === undefined ? EXIT_USAGE : 0;
      case "-V":
      case "--version":
        process.stdout.write(`ipcviz ${version()}\n`);
        return 0;
      case "run":
        if (rest[0] === "--help" || rest[0] === "-h") {
          process.stdout.write(HELP);
          return 0;
        }
        return await runCommand(rest);
      case "summary":
        return await summaryCommand(rest);
      case "validate":
        return await validateCommand(rest);
      case "analyse":
      case "analyze":
        return await analyseCommand(rest);
      case "report":
        return await reportCommand(rest);
      case "stacks":
        return await stacksCommand(rest);
      default:
        throw new UsageError(`unknown command "${cmd}" (commands: run, summary, validate, analyse, report, stacks; see ipcviz --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ipcviz: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof LaunchError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof ReportError) {
      process.stderr.write(`ipcviz: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof TraceReadError) {
      process.stderr.write(`ipcviz: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

