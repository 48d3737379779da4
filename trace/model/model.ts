/**
 * The trace model: events in causal order, per-event columns (process, position in its process,
 * Lamport clock, message partner), vector clocks, per-process lanes, and the program state at any
 * event via checkpoints.
 *
 * Build it from a whole trace with {@link TraceModel.fromEvents}, or feed a growing trace with
 * {@link TraceModel.append} (already placed events keep their index; a receipt that arrives
 * before its send waits for it) and {@link TraceModel.finish} at the end.
 *
 * Indices ("causal indices") are positions in the causal order, 0-based. The state "at i" is the
 * state after event i was applied; at -1 it is the empty state before any event.
 */

import type { TraceEvent, TraceHeader } from "../format";
import { Int32Column, Uint16Column, Uint8Column } from "./growable";
import { CAT_BLOCK, CAT_LOCK, CAT_MESSAGE, CAT_RECV, KIND_CATEGORIES, KIND_NAMES } from "./kinds";
import { CausalOrderer } from "./order";
import { ModelState, type ModelRefs } from "./state";
import { VectorClocks } from "./clocks";
import { processLabel } from "./dump";

export interface TraceModelOptions {
  /** Events between two checkpoints (default 1024): seek cost ∝ this, memory ∝ 1/this. */
  checkpointEvery?: number;
  /** A receipt whose send has not arrived is placed anyway once events this much later (ns of trace time) have arrived. Default 10 s. */
  holdLimitNs?: number;
  /** Vector clocks are kept for up to this many processes (default 64). */
  vectorClockLimit?: number;
}

/** Static facts about a process, for views (its lane). */
export interface ProcessLane {
  pid: number;
  /** Lane index (order of first appearance). */
  lane: number;
  /** Causal indices of its events, ascending (a view of the model's column: do not change). */
  events: Int32Array;
}

/** The model of a trace; see the file comment. */
export class TraceModel implements ModelRefs {
  readonly header: TraceHeader | null;
  /** Events by arrival index (owned by the orderer). */
  private readonly arrived: TraceEvent[];
  private count = 0;
  private readonly arrivalCol = new Int32Column(1024);
  private readonly causalOfArrival = new Int32Column(1024);
  private readonly pidCol = new Uint16Column(1024);
  private readonly localCol = new Int32Column(1024);
  private readonly lamportCol = new Int32Column(1024);
  private readonly kindCol = new Uint8Column(1024);
  private readonly partnerCol = new Int32Column(1024);
  private readonly unpaired = new Set<number>();
  private readonly lanes: Int32Column[] = [];
  private readonly lanePids: number[] = [];
  private readonly laneOf = new Map<number, number>();
  private readonly openBlocks = new Map<number, number>();
  /** Notifications (cond.notify with a msg, Node's Atomics.notify) by msg; the waits each one ended, and each wait's notify. */
  private readonly notifyOf = new Map<string, number>();
  private readonly wokenOf = new Map<number, number[]>();
  private readonly wakeOf = new Map<number, number>();
  /** Ends of waits placed before their notify (msg → ends). */
  private readonly wakesWaiting = new Map<string, number[]>();
  private readonly catMessage = new Int32Column(256);
  private readonly catLock = new Int32Column(256);
  private readonly catBlock = new Int32Column(256);
  private readonly clocks: VectorClocks;
  private readonly orderer: CausalOrderer;
  private readonly checkpoints: ModelState[] = [];
  private readonly every: number;
  private readonly live: ModelState;
  private cursor: ModelState | null = null;
  private finished = false;
  /** Time the last event arrived, in the caller's clock (set by LiveHangDetector); -Infinity when unknown. */
  lastArrivalT = -Infinity;
  /** Largest event time (ns) placed so far. */
  maxT = -Infinity;

  constructor(header: TraceHeader | null = null, options: TraceModelOptions = {}) {
    this.header = header;
    this.every = Math.max(16, options.checkpointEvery ?? 1024);
    this.clocks = new VectorClocks(options.vectorClockLimit ?? 64);
    this.orderer = new CausalOrderer({ place: (ev, arrival, send, unpaired, code) => this.place(ev, arrival, send, unpaired, code) }, options.holdLimitNs ?? 10e9);
    this.arrived = this.orderer.arrived;
    this.live = new ModelState(this);
    this.checkpoints.push(this.live.clone());
  }

  /** Model of a whole trace (events in file order). */
  static fromEvents(events: readonly TraceEvent[], header: TraceHeader | null = null, options: TraceModelOptions = {}): TraceModel {
    const m = new TraceModel(header, options);
    m.append(events);
    m.finish();
    return m;
  }

  // ------------------------------------------------------------ building

  /** Add events in arrival order; returns how many events were placed (this batch and held ones). */
  append(events: readonly TraceEvent[]): number {
    const before = this.count;
    const n = this.arrived.length + events.length;
    this.causalOfArrival.grow(n);
    for (let k = 0; k < events.length; k++) this.causalOfArrival.push(-1);
    // Room for this batch in every column: no reallocation while placing.
    for (const c of [this.arrivalCol, this.localCol, this.lamportCol, this.partnerCol]) c.grow(n);
    this.pidCol.grow(n);
    this.kindCol.grow(n);
    this.orderer.push(events);
    return this.count - before;
  }

  /** The trace is complete: place every held event (receipts whose send never came). */
  finish(): void {
    this.orderer.finish();
    this.finished = true;
  }

  /** Place every held event now (live: nothing arrived for a while, so what they wait for is not coming soon). */
  flushHeld(): number {
    const before = this.count;
    this.orderer.flushHeld();
    return this.count - before;
  }

  /** True after {@link finish}. */
  get isFinished(): boolean {
    return this.finished;
  }

  private place(ev: TraceEvent, arrival: number, send: number, unpaired: boolean, code: number): number {
    const i = this.count++;
    if (ev.t > this.maxT) this.maxT = ev.t;
    this.arrivalCol.push(arrival);
    this.causalOfArrival.set(arrival, i);
    let lane = this.laneOf.get(ev.pid);
    if (lane === undefined) {
      lane = this.lanes.length;
      this.laneOf.set(ev.pid, lane);
      this.lanes.push(new Int32Column(64));
      this.lanePids.push(ev.pid);
      this.clocks.addProcess();
    }
    const laneCol = this.lanes[lane];
    const local = laneCol.length;
    laneCol.push(i);
    this.pidCol.push(lane);
    this.localCol.push(local);
    this.kindCol.push(code);
    const prevLamport = local > 0 ? this.lamportCol.data[laneCol.data[local - 1]] : 0;
    let lamport = prevLamport + 1;
    this.partnerCol.push(-1);
    if (send >= 0) {
      this.partnerCol.data[send] = i;
      this.partnerCol.data[i] = send;
      const sl = this.lamportCol.data[send] + 1;
      if (sl > lamport) lamport = sl;
      this.clocks.onReceipt(lane, local, this.pidCol.data[send], this.localCol.data[send]);
    } else if (unpaired) this.unpaired.add(i);
    this.lamportCol.push(lamport);
    const cat = KIND_CATEGORIES[code];
    if (cat & CAT_MESSAGE) this.catMessage.push(i);
    else if (cat & CAT_LOCK) this.catLock.push(i);
    else if (cat & CAT_BLOCK) this.catBlock.push(i);
    if (ev.kind === "block.begin" || ev.kind === "block.end") this.pairBlock(ev, i);
    if ((ev.kind === "cond.notify" || ev.kind === "block.end") && typeof ev.msg === "string") this.pairWake(ev.kind, ev.msg, i);
    this.live.apply(ev, i, code);
    if ((i + 1) % this.every === 0) this.checkpoints.push(this.live.clone());
    return i;
  }

  private pairBlock(ev: TraceEvent, i: number): void {
    // Key: thread within process (tids are below 2^22 on Linux; pids likewise).
    const key = ev.pid * 4194304 + (ev as { tid: number }).tid;
    if (ev.kind === "block.begin") this.openBlocks.set(key, i);
    else {
      const b = this.openBlocks.get(key);
      if (b !== undefined) {
        this.openBlocks.delete(key);
        this.partnerCol.data[b] = i;
        this.partnerCol.data[i] = b;
      }
    }
  }

  /** A notification and the waits it ended share a msg (docs/trace-format.md, `cond.notify`). */
  private pairWake(kind: string, msg: string, i: number): void {
    if (kind === "cond.notify") {
      if (this.notifyOf.has(msg)) return;
      this.notifyOf.set(msg, i);
      const early = this.wakesWaiting.get(msg);
      if (early) {
        this.wakesWaiting.delete(msg);
        for (const end of early) this.linkWake(i, end);
      }
      return;
    }
    const n = this.notifyOf.get(msg);
    if (n !== undefined) this.linkWake(n, i);
    else {
      const early = this.wakesWaiting.get(msg);
      if (early) early.push(i);
      else this.wakesWaiting.set(msg, [i]);
    }
  }

  private linkWake(notify: number, end: number): void {
    this.wakeOf.set(end, notify);
    const list = this.wokenOf.get(notify);
    if (list) list.push(end);
    else this.wokenOf.set(notify, [end]);
  }

  /** For the end of a wait (block.end) that a notification ended: that cond.notify's index, else -1. */
  wakeSource(i: number): number {
    return this.wakeOf.get(i) ?? -1;
  }

  /** For a notification (cond.notify): the ends of the waits it ended (block.end indices, in placement order). */
  wokenBy(i: number): readonly number[] {
    return this.wokenOf.get(i) ?? [];
  }

  // ------------------------------------------------------------ reading events

  /** Number of placed events. */
  get length(): number {
    return this.count;
  }

  /** Events received but not placed yet (receipts waiting for their send). */
  get held(): number {
    return this.orderer.held;
  }

  /** Pids with held events. */
  heldPids(): number[] {
    return this.orderer.heldPids();
  }

  /** Event at causal index i. */
  event(i: number): TraceEvent {
    return this.arrived[this.arrivalCol.data[i]];
  }

  /** Events in causal order (a new array). */
  events(): TraceEvent[] {
    const out = new Array<TraceEvent>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.arrived[this.arrivalCol.data[i]];
    return out;
  }

  /** Position of event i in the input (arrival / file order). */
  arrivalIndex(i: number): number {
    return this.arrivalCol.data[i];
  }

  /** Causal index of the event that arrived at position a, or -1 while it is held. */
  indexOfArrival(a: number): number {
    return a < this.causalOfArrival.length ? this.causalOfArrival.data[a] : -1;
  }

  pid(i: number): number {
    return this.lanePids[this.pidCol.data[i]];
  }

  /** Lane (process index, in order of first appearance) of event i. */
  lane(i: number): number {
    return this.pidCol.data[i];
  }

  kind(i: number): string {
    return this.event(i).kind;
  }

  /** Kind code (trace/model/kinds.ts) of event i. */
  kindCode(i: number): number {
    return this.kindCol.data[i];
  }

  t(i: number): number {
    return this.event(i).t;
  }

  /** Position of event i within its process (0-based). */
  localIndex(i: number): number {
    return this.localCol.data[i];
  }

  /** Lamport clock of event i (≥ 1; a receipt is later than its send). */
  lamport(i: number): number {
    return this.lamportCol.data[i];
  }

  /** The other side of a message (send ↔ receipt) or of a wait (block.begin ↔ block.end), or -1. */
  partner(i: number): number {
    return i >= 0 && i < this.count ? this.partnerCol.data[i] : -1;
  }

  /** True for a receipt whose send never arrived (placed by finish() or the hold limit). */
  isUnpaired(i: number): boolean {
    return this.unpaired.has(i);
  }

  findSend(cls: string, msg: string): number {
    return this.orderer.findSend(cls, msg);
  }

  /** Pids in lane order (order of first appearance). */
  pids(): number[] {
    return this.lanePids.slice();
  }

  /** A process's lane: its events in causal order. */
  processLane(pid: number): ProcessLane | null {
    const lane = this.laneOf.get(pid);
    if (lane === undefined) return null;
    const c = this.lanes[lane];
    return { pid, lane, events: c.data.subarray(0, c.length) };
  }

  /** Vector clock of event i, one component per lane (null when there are too many processes). */
  vectorClock(i: number): Int32Array | null {
    if (!this.clocks.available) return null;
    return this.clocks.clock(this.pidCol.data[i], this.localCol.data[i]);
  }

  /** Did event a happen before event b (a → b)? Undefined when vector clocks are not available. */
  happenedBefore(a: number, b: number): boolean | undefined {
    if (a === b) return false;
    const pa = this.pidCol.data[a];
    const pb = this.pidCol.data[b];
    const la = this.localCol.data[a];
    if (pa === pb) return la < this.localCol.data[b];
    if (this.lamportCol.data[a] >= this.lamportCol.data[b]) return false;
    if (!this.clocks.available) return undefined;
    return this.clocks.component(pb, this.localCol.data[b], pa) >= la + 1;
  }

  /** Neither a → b nor b → a (undefined when unknown). */
  concurrent(a: number, b: number): boolean | undefined {
    const ab = this.happenedBefore(a, b);
    const ba = this.happenedBefore(b, a);
    if (ab === undefined || ba === undefined) return ab || ba ? false : undefined;
    return !ab && !ba;
  }

  // ------------------------------------------------------------ categories (stepping)

  /** Causal indices of message events (sends and receipts), ascending. */
  messageIndices(): Int32Array {
    return this.catMessage.data.subarray(0, this.catMessage.length);
  }

  /** Causal indices of lock.acquire / lock.release events, ascending. */
  lockIndices(): Int32Array {
    return this.catLock.data.subarray(0, this.catLock.length);
  }

  /** Causal indices of block.begin events, ascending. */
  blockIndices(): Int32Array {
    return this.catBlock.data.subarray(0, this.catBlock.length);
  }

  /** Is event i a receipt? */
  isReceipt(i: number): boolean {
    return (KIND_CATEGORIES[this.kindCol.data[i]] & CAT_RECV) !== 0;
  }

  // ------------------------------------------------------------ state

  /** The state after every placed event (live, changes as events are appended: read only). */
  get head(): ModelState {
    return this.live;
  }

  /**
   * The state after event i (i = -1: before any event). A fresh snapshot: read it freely, it does
   * not change. Cost: a checkpoint copy plus at most `checkpointEvery` events replayed.
   */
  stateAt(i: number): ModelState {
    const n = this.count;
    if (i >= n) i = n - 1;
    if (i < -1) i = -1;
    const c = this.cursor;
    if (!(c && c.index <= i && i - c.index < this.every)) {
      const k = Math.floor((i + 1) / this.every);
      this.cursor = this.checkpoints[k].clone();
    }
    const cur = this.cursor!;
    const arr = this.arrived;
    const ac = this.arrivalCol.data;
    const kc = this.kindCol.data;
    for (let j = cur.index + 1; j <= i; j++) cur.apply(arr[ac[j]], j, kc[j]);
    return cur.clone();
  }

  /** Label of a process as known at the end of the model ("phil-0", "Process-3 · consumer"; "pid N" before its start). */
  processName(pid: number): string {
    return processLabel(this.live, pid);
  }

  /** Bytes held by the model's own columns and checkpoints (estimate; not the events themselves). */
  columnBytes(): number {
    let b =
      this.arrivalCol.bytes() +
      this.causalOfArrival.bytes() +
      this.pidCol.bytes() +
      this.localCol.bytes() +
      this.lamportCol.bytes() +
      this.kindCol.bytes() +
      this.partnerCol.bytes() +
      this.catMessage.bytes() +
      this.catLock.bytes() +
      this.catBlock.bytes() +
      this.clocks.bytes() +
      this.arrived.length * 8;
    for (const l of this.lanes) b += l.bytes();
    return b;
  }

  /** Number of checkpoints kept. */
  get checkpointCount(): number {
    return this.checkpoints.length;
  }
}

export { KIND_NAMES };
