/**
 * Reading trace files (format v1, see trace/format.ts and docs/trace-format.md).
 *
 * A trace is JSON Lines: a header line, one line per event, and an optional footer line
 * (`{"footer":true,...}`) when the collector ended cleanly. Input that is not a trace at all
 * (empty, binary, not JSON, another format, a newer major version) raises a
 * {@link TraceReadError} that names the file and line and says what to do. Damage a real run can
 * leave behind (a cut-off last line, lines after the footer, JSON lines that are not objects) is
 * tolerated and listed in `problems`.
 *
 * Pure TypeScript (the webview shares it); files are read by trace/readFile.ts. Three ways in:
 * {@link readTraceFile} / {@link readTraceFileSync} (trace/readFile.ts) for a file,
 * {@link readTraceText} for text in memory, and {@link TraceLineParser} / {@link parseTraceLine}
 * for streaming (tailing a trace that is still being written).
 */

import { TRACE_FORMAT, TRACE_VERSION } from "./format";
import type { TraceEvent, TraceFooter, TraceHeader } from "./format";

/** A whole trace, read. */
export interface ParsedTrace {
  header: TraceHeader;
  /** Events in file (arrival) order. */
  events: TraceEvent[];
  /** Null when the trace has no footer (the run or the collector was cut off). */
  footer: TraceFooter | null;
  /** Tolerated damage, one readable sentence each, naming the line. */
  problems: string[];
}

/** One parsed line of a trace. */
export type TraceLine =
  | { type: "header"; header: TraceHeader }
  | { type: "event"; event: TraceEvent }
  | { type: "footer"; footer: TraceFooter }
  | { type: "blank" };

/** The input is not a readable trace: `file` and `line` say where, the message says what to do. */
export class TraceReadError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "TraceReadError";
  }
}

export const WHAT_TO_DO = "pass a .ipcviz.jsonl trace written by `ipcviz run`";

export function fail(name: string, line: number, what: string, todo = WHAT_TO_DO): never {
  throw new TraceReadError(`${name}:${line}: ${what}; ${todo}`, name, line);
}

function clip(text: string, max = 60): string {
  const one = text.replace(/\s+/g, " ");
  return one.length > max ? JSON.stringify(one.slice(0, max)) + "…" : JSON.stringify(one);
}

/** True when text looks like binary data rather than UTF-8 text (NUL bytes or undecodable bytes). */
function looksBinary(text: string): boolean {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  if (head.includes("\u0000")) return true;
  let bad = 0;
  for (let i = 0; i < head.length; i++) if (head.charCodeAt(i) === 0xfffd) bad++;
  return bad > 0 && bad * 50 > head.length;
}

/**
 * Check a parsed first line and return it as a header. Throws {@link TraceReadError} when it is
 * not an ipcviz trace header or is of a newer major version than this reader supports.
 */
export function checkHeader(value: unknown, name = "trace", line = 1): TraceHeader {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(name, line, "the first line is not a trace header (expected a JSON object)");
  }
  const h = value as Record<string, unknown>;
  if (h.format !== TRACE_FORMAT) {
    if (h.footer === true || typeof h.kind === "string") {
      fail(name, line, `the first line is an event or footer, not a trace header (the header line is missing)`);
    }
    fail(name, line, `not an ipcviz trace: the header's "format" is ${JSON.stringify(h.format) ?? "missing"}, expected "${TRACE_FORMAT}"`);
  }
  const v = h.version;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    fail(name, line, `the trace header has an invalid "version" (${JSON.stringify(v) ?? "missing"}; expected a whole number ≥ 1)`);
  }
  if (v > TRACE_VERSION) {
    fail(
      name,
      line,
      `this trace is format version ${v}, newer than this ipcviz reads (version ${TRACE_VERSION})`,
      "update ipcviz to read it",
    );
  }
  return value as TraceHeader;
}

/** Parse a line after the header; a string result says why it is not a trace line. */
function parseLaterLine(line: string): TraceLine | "not-json" | "not-object" {
  if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === "")) return { type: "blank" };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not-json";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not-object";
  if ((value as { footer?: unknown }).footer === true) return { type: "footer", footer: value as TraceFooter };
  return { type: "event", event: value as TraceEvent };
}

function parseHeaderLine(line: string, name: string): TraceHeader {
  if (line.trim() === "") fail(name, 1, "the first line is empty (expected the trace header)");
  if (looksBinary(line)) fail(name, 1, "this is a binary file, not an ipcviz trace (JSON Lines text)");
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    fail(name, 1, `the first line is not JSON (it starts ${clip(line)})`);
  }
  return checkHeader(value, name, 1);
}

/**
 * Parse one line of a trace. `lineNumber` is 1-based: line 1 must be the header. Throws
 * {@link TraceReadError} (naming `name` and the line) for a line that is not JSON, not a JSON
 * object, or a bad header.
 */
export function parseTraceLine(line: string, lineNumber: number, name = "trace"): TraceLine {
  if (lineNumber === 1) return { type: "header", header: parseHeaderLine(line, name) };
  const parsed = parseLaterLine(line);
  if (parsed === "not-json") {
    fail(name, lineNumber, `line is not JSON (it starts ${clip(line)})`, "the file is damaged or not a trace; " + WHAT_TO_DO);
  }
  if (parsed === "not-object") {
    fail(name, lineNumber, "line is not a JSON object (every trace line after the header is an event object)");
  }
  return parsed;
}

/**
 * Incremental trace parser: feed text (or bytes) as it arrives with {@link push}, finish with
 * {@link end}. Events are kept (and also passed to `onEvent` when given). The last line is only
 * parsed at {@link end}, so a half-written line of a trace being tailed is never misread.
 */
export class TraceLineParser {
  private readonly decoder = new TextDecoder("utf-8");
  private rest = "";
  private lineNo = 0;
  private header: TraceHeader | null = null;
  private footer: TraceFooter | null = null;
  private footerLine = 0;
  private readonly events: TraceEvent[] = [];
  private readonly problems: string[] = [];
  private ended = false;

  constructor(
    readonly name = "trace",
    private readonly onEvent?: (event: TraceEvent) => void,
    /** When false, events are not kept in memory (only passed to onEvent). */
    private readonly keepEvents = true,
  ) {}

  /** The header, once line 1 has been parsed. */
  get traceHeader(): TraceHeader | null {
    return this.header;
  }

  /** Feed the next chunk of the file. */
  push(chunk: string | Uint8Array): void {
    if (this.ended) throw new Error("TraceLineParser: push() after end()");
    let text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.lineNo === 0 && this.rest === "" && text.length > 0 && looksBinary(text)) {
      fail(this.name, 1, "this is a binary file, not an ipcviz trace (JSON Lines text)");
    }
    if (this.rest) text = this.rest + text;
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      this.line(text.slice(start, nl), false);
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
  }

  /** No more input: parse the last line and return the whole trace. */
  end(): ParsedTrace {
    if (!this.ended) {
      this.ended = true;
      const tail = this.rest + this.decoder.decode();
      this.rest = "";
      if (tail.length > 0) this.line(tail, true);
    }
    if (this.header === null) fail(this.name, 1, "the file is empty (a trace starts with a header line)");
    return { header: this.header, events: this.events, footer: this.footer, problems: this.problems };
  }

  private line(raw: string, last: boolean): void {
    const lineNo = ++this.lineNo;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (lineNo === 1) {
      this.header = parseHeaderLine(text, this.name);
      return;
    }
    const parsed = parseLaterLine(text);
    if (parsed === "not-json") {
      if (!last) {
        fail(this.name, lineNo, `line is not JSON (it starts ${clip(text)})`, "the file is damaged or not a trace; " + WHAT_TO_DO);
      }
      // A run that was cut off mid-write leaves a partial last line: keep everything before it.
      this.problems.push(`line ${lineNo}: the last line is incomplete (the run was probably cut off); ignored`);
      return;
    }
    if (parsed === "not-object") {
      this.problems.push(`line ${lineNo}: not a JSON object; ignored`);
      return;
    }
    switch (parsed.type) {
      case "blank":
        return;
      case "footer":
        if (this.footer) this.problems.push(`line ${lineNo}: a second footer (the first is on line ${this.footerLine}); ignored`);
        else {
          this.footer = parsed.footer;
          this.footerLine = lineNo;
        }
        return;
      case "event":
        if (this.footer) {
          this.problems.push(`line ${lineNo}: an event after the footer (line ${this.footerLine}); kept`);
        }
        if (this.keepEvents) this.events.push(parsed.event);
        this.onEvent?.(parsed.event);
        return;
      case "header":
        return; // only line 1
      default: {
        const never: never = parsed;
        return never;
      }
    }
  }
}

/** Parse a whole trace held in memory. `name` (usually the file path) is used in messages. */
export function readTraceText(text: string, name = "trace"): ParsedTrace {
  if (text.length === 0) fail(name, 1, "the file is empty (a trace starts with a header line)");
  const parser = new TraceLineParser(name);
  parser.push(text);
  return parser.end();
}

