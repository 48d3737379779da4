/**
 * Trace format v1: the contract between runtimes, the collector, the model and the views.
 *
 * A trace is a JSON Lines file (`*.ipcviz.jsonl`): line 1 is a {@link TraceHeader}, every
 * following line is one {@link TraceEvent}, and the last line, when the run ended cleanly
 * enough for the collector to write it, is a {@link TraceFooter}. The same format is written
 * for Python and (later) Node programs: nothing here is Python-only; language-specific
 * details live in free-text fields (`objType`, `preview`, `fn`).
 *
 * The event kinds and their fields are declared once, in trace/kinds/table.ts; the event types
 * here are derived from that table. docs/trace-format.md documents every field (its tables of
 * kinds are generated from the table by `npm run docs:kinds`) and shows an example of every kind.
 */

import type { BlockOp, CollectorKind, Kind, RuntimeKind } from "./kinds/table";
import { KINDS, KIND_LIST } from "./kinds/table";
import type { FieldsType } from "./kinds/fields";

export const TRACE_FORMAT = "ipcviz-trace";
export const TRACE_VERSION = 1;

/** First line of a trace. */
export interface TraceHeader {
  format: typeof TRACE_FORMAT;
  version: number;
  /** Absolute path of the program (or module name for `-m`). */
  program: string;
  args: string[];
  cwd: string;
  interpreter: {
    language: "python" | "node";
    path: string;
    /** e.g. "3.11.7" */
    version: string;
    implementation: string;
  };
  /** fork | spawn | forkserver (Python), or the runtime's own word. Null when unknown. */
  startMethod: string | null;
  /** Wall clock at t=0, ISO 8601 UTC. */
  startedAt: string;
  /** Event `t` is nanoseconds since this origin, on a clock shared by all processes (Linux CLOCK_MONOTONIC). */
  clock: { kind: "monotonic"; unit: "ns" };
  runtime: { name: string; version: string };
}

export type { ProcessRole, StackFrame, StackThread, ThreadActivity } from "./kinds/fields";
export { PROCESS_ROLES } from "./kinds/fields";
export type { BlockOp, CollectorKind, Kind, RuntimeKind } from "./kinds/table";

/** Where user code made a call: the first frame outside the runtime and the IPC library. */
export interface CallSite {
  file: string;
  line: number;
  fn: string;
}

/** Fields every event written by a runtime carries. */
export interface EventBase {
  /** Process that emitted the event. Its identity (name, role, parent) is in its `process.start`. */
  pid: number;
  /** OS thread id (Linux native id; equals pid for the main thread). */
  tid: number;
  /** Per-process sequence number, from 0, contiguous: a gap means lost events. */
  seq: number;
  /** Nanoseconds since the header's origin, comparable across processes. */
  t: number;
  /** Object the event is about (same id in every process for the same object). */
  obj?: string;
  /** Message id: pairs a send/put with its receipt. */
  msg?: string;
  site?: CallSite;
}

/** Events the collector writes itself (not from a runtime): no `seq`, `src: "collector"`. */
export interface CollectorEventBase {
  src: "collector";
  pid: number;
  t: number;
}

/** The event of one kind: the common fields and the kind's own fields (trace/kinds/table.ts). */
export type EventOf<K extends Kind> = (K extends CollectorKind ? CollectorEventBase : EventBase) & { kind: K } & FieldsType<(typeof KINDS)[K]["fields"], BlockOp>;

/** The event of any of the kinds K (a union that narrows by `kind`). */
export type EventIn<K extends Kind> = { [P in K]: EventOf<P> }[K];

/** Events a runtime writes. */
export type RuntimeEvent = { [K in RuntimeKind]: EventOf<K> }[RuntimeKind];
/** Events the collector writes itself. */
export type CollectorEvent = { [K in CollectorKind]: EventOf<K> }[CollectorKind];
export type TraceEvent = RuntimeEvent | CollectorEvent;

/** Names for the events other modules single out (any other: `EventOf<"kind">`). */
export type ProcessStart = EventOf<"process.start">;
export type LockAcquire = EventOf<"lock.acquire">;
export type LockRelease = EventOf<"lock.release">;
export type BlockBegin = EventOf<"block.begin">;
export type BlockEnd = EventOf<"block.end">;

/** Last line of a trace. */
export interface TraceFooter {
  footer: true;
  events: number;
  lostEvents: number;
  /** Lines on the event channel that were not valid events (counted, dropped, reported). */
  badLines: number;
  endedAt: string;
}

export type EventKind = Kind;

const SENDS = KIND_LIST.filter((k) => KINDS[k].class === "send");
const RECEIPTS = KIND_LIST.filter((k) => KINDS[k].class === "receipt");

/** Event kinds that send a message (their `msg` is the id receipts carry). */
export const SEND_KINDS: ReadonlySet<string> = new Set(SENDS);

/** Event kinds that receive a message. */
export const RECV_KINDS: ReadonlySet<string> = new Set(RECEIPTS);

/** Receipt kind → the send kind it pairs with (by `msg`). */
export const RECEIPT_OF: Readonly<Record<string, string>> = Object.fromEntries(RECEIPTS.map((k) => [k, (KINDS[k] as { pairs: string }).pairs]));

/** An event's call site, when it has one. */
export function siteOf(e: TraceEvent): CallSite | undefined {
  return "site" in e ? e.site : undefined;
}

/** An event's message id, when it has one. */
export function msgOf(e: TraceEvent): string | undefined {
  return "msg" in e ? e.msg : undefined;
}

/** An event's payload preview, when its kind has one. */
export function previewOf(e: TraceEvent): string | undefined {
  return "preview" in e ? e.preview : undefined;
}

export function isCollectorEvent(e: TraceEvent): e is CollectorEvent {
  return (e as CollectorEventBase).src === "collector";
}
