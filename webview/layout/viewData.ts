/**
 * What the view draws, derived from a {@link TraceModel} and kept up to date incrementally as a
 * live model grows: the x of every event in the current layout (time or logical), each lane's
 * events with monotone x (binary-searchable), and three interval indices — message arrows (send →
 * receipt), blocked spans (block.begin → block.end) and lock-holding spans (acquire → release,
 * RLock depth, semaphore holds). Placed events never move, so {@link ViewData.update} only looks
 * at events placed since the last call. Pure: no DOM.
 */

import type { TraceModel } from "../../trace/model/model";
import { KIND_NAMES } from "../../trace/model/kinds";
import type { TraceEvent } from "../../trace/format";
import { F64, I32, IntervalIndex, LaneRuns, lowerBound, upperBound } from "./intervals";
import { arrowClassOf, ARROW_CLASSES, ChannelColours, LockColours } from "./palette";
import type { LayoutMode } from "./scale";

const CODE = new Map(KIND_NAMES.map((k, i) => [k, i]));
const C_BEGIN = CODE.get("block.begin")!;
const C_END = CODE.get("block.end")!;
const C_ACQ = CODE.get("lock.acquire")!;
const C_REL = CODE.get("lock.release")!;
const C_NOTIFY = CODE.get("cond.notify")!;
const WAKE_CLASS = ARROW_CLASSES.indexOf("wake");

/** Arrow class index (ARROW_CLASSES) per kind code of a send, −1 for other kinds. */
const SEND_CLASS: Int8Array = (() => {
  const a = new Int8Array(KIND_NAMES.length).fill(-1);
  KIND_NAMES.forEach((k, i) => {
    const c = arrowClassOf(k);
    if (c) a[i] = ARROW_CLASSES.indexOf(c);
  });
  return a;
})();

/** Receipt kinds by code. */
const IS_RECV: Uint8Array = (() => {
  const a = new Uint8Array(KIND_NAMES.length);
  for (const k of ["queue.get", "pipe.recv", "mgr.recv", "mgr.return", "pool.task.recv", "pool.result.recv"]) a[CODE.get(k)!] = 1;
  return a;
})();

/** Per-lane x of its events (ascending) and their causal indices. */
export interface LaneData {
  pid: number;
  /** Model lane index. */
  lane: number;
  xs: F64;
}

interface OpenHold {
  slot: number;
  count: number;
  key: string;
}

/** See the file comment. */
export class ViewData {
  mode: LayoutMode;
  /** Events of the model taken into account so far. */
  processed = 0;
  /** x of each event (trace space), by causal index. */
  readonly x = new F64(1024);
  /** Lanes by model lane index. */
  readonly lanes: LaneData[] = [];
  minX = Infinity;
  maxX = -Infinity;

  /** Message arrows: a = x of the send, b = x of the receipt (+Infinity while in flight). */
  readonly arrows = new IntervalIndex();
  readonly arrowSend = new I32();
  /** Causal index of the receipt, −1 while in flight. */
  readonly arrowRecv = new I32();
  /** ARROW_CLASSES index. */
  readonly arrowClass = new I32();
  /** Channel colour slot of each arrow (the queue, pipe, Manager or Pool it travels on; −1 unknown). */
  readonly arrowChannel = new I32();
  readonly channels = new ChannelColours();
  private readonly openSend = new Map<number, number>();
  /** Sends of message arrows and their slots, ascending (wake arrows, added when their wait ends, are not in order). */
  private readonly msgSend = new I32();
  private readonly msgSlot = new I32();
  /** Wake arrows by the index of their notification and of their wait's end: the first slot of each. */
  private readonly wakeSlot = new Map<number, number>();

  /** Blocked spans: block.begin → block.end (b = +Infinity while open). */
  readonly blocks = new IntervalIndex();
  readonly blockBegin = new I32();
  readonly blockEnd = new I32();
  readonly blockLane = new I32();
  /** Lock slot of the lock waited on (lock.acquire waits), else −1. */
  readonly blockLock = new I32();
  private readonly openBlock = new Map<number, number>();
  /** Blocked spans per model lane (for merged drawing when zoomed out), and each span's position there. */
  readonly laneBlocks: LaneRuns[] = [];
  private readonly blockLocal = new I32();

  /** Lock-holding spans: acquire → release (b = +Infinity while held). */
  readonly holds = new IntervalIndex();
  readonly holdAcquire = new I32();
  readonly holdRelease = new I32();
  readonly holdLane = new I32();
  readonly holdLock = new I32();
  /** Largest recursion depth (RLock) or hold count while the span lasted. */
  readonly holdDepth = new I32();
  /** Stacking level of the span on its lane (locks held at once are drawn one above the other). */
  readonly holdLevel = new I32();
  private readonly openPerLane: number[] = [];
  /** Holds per (model lane, lock slot): key lane * 4096 + slot. */
  readonly laneHolds = new Map<number, LaneRuns>();
  private readonly holdLocal = new I32();
  private readonly openHold = new Map<string, OpenHold>();
  private readonly openHoldsByObj = new Map<string, OpenHold[]>();
  readonly locks = new LockColours();

  /** Causal indices of value.write events (marked on the lanes). */
  readonly writes = new I32();

  constructor(
    readonly model: TraceModel,
    mode: LayoutMode,
  ) {
    this.mode = mode;
    this.update();
  }

  /** Switch layout: recompute every x. */
  setMode(mode: LayoutMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.reset();
    this.update();
  }

  private reset(): void {
    this.processed = 0;
    this.x.clear();
    this.lanes.length = 0;
    this.minX = Infinity;
    this.maxX = -Infinity;
    for (const ix of [this.arrows, this.blocks, this.holds]) ix.clear();
    for (const c of [this.arrowSend, this.arrowRecv, this.arrowClass, this.arrowChannel, this.blockBegin, this.blockEnd, this.blockLane, this.blockLock]) c.clear();
    for (const c of [this.holdAcquire, this.holdRelease, this.holdLane, this.holdLock, this.holdDepth, this.holdLevel, this.writes]) c.clear();
    this.openPerLane.length = 0;
    this.laneBlocks.length = 0;
    this.laneHolds.clear();
    this.blockLocal.clear();
    this.holdLocal.clear();
    this.openSend.clear();
    this.msgSend.clear();
    this.msgSlot.clear();
    this.wakeSlot.clear();
    this.openBlock.clear();
    this.openHold.clear();
    this.openHoldsByObj.clear();
    this.locks.clear();
    this.channels.clear();
  }

  /** The channel a send travels on: its queue or Pool, the pipe of its end, the Manager of its proxy. */
  private channelOf(i: number, cls: number): number {
    const ev = this.model.event(i) as TraceEvent & { obj?: string };
    if (typeof ev.obj !== "string") return -1;
    const head = this.model.head;
    let id = ev.obj;
    const pipe = head.ends.get(id);
    if (pipe !== undefined) id = pipe;
    else {
      const o = head.objects.get(id);
      if (o && o.cls === "proxy" && o.manager) id = o.manager;
    }
    return this.channels.slot(id, ARROW_CLASSES[cls]);
  }

  /** Take in events the model placed since the last call; returns how many. */
  update(): number {
    const m = this.model;
    const n = m.length;
    const from = this.processed;
    if (n <= from) return 0;
    this.x.grow(n);
    const logical = this.mode === "logical";
    const cWrite = CODE.get("value.write")!;
    for (let i = from; i < n; i++) {
      const laneIx = m.lane(i);
      let ld = this.lanes[laneIx];
      if (!ld) {
        ld = this.lanes[laneIx] = { pid: m.pid(i), lane: laneIx, xs: new F64(64) };
      }
      let x: number;
      if (logical) x = i;
      else {
        x = m.t(i);
        const prev = ld.xs.length ? ld.xs.data[ld.xs.length - 1] : -Infinity;
        if (x < prev) x = prev;
      }
      this.x.data[i] = x;
      this.x.length = i + 1;
      ld.xs.push(x);
      if (x < this.minX) this.minX = x;
      if (x > this.maxX) this.maxX = x;
      const code = m.kindCode(i);
      const cls = SEND_CLASS[code];
      if (cls >= 0) {
        const slot = this.arrows.push(x, Infinity);
        this.arrowSend.push(i);
        this.arrowRecv.push(-1);
        this.arrowClass.push(cls);
        this.arrowChannel.push(this.channelOf(i, cls));
        this.openSend.set(i, slot);
        this.msgSend.push(i);
        this.msgSlot.push(slot);
      } else if (IS_RECV[code]) {
        const s = m.partner(i);
        const slot = s >= 0 ? this.openSend.get(s) : undefined;
        if (slot !== undefined) {
          this.openSend.delete(s);
          const a = this.arrows.a.data[slot];
          this.arrows.setEnd(slot, x < a ? a : x);
          this.arrowRecv.data[slot] = i;
        }
      } else if (code === C_BEGIN) {
        const ev = m.event(i) as TraceEvent & { op?: string; obj?: string };
        const slot = this.blocks.push(x, Infinity);
        this.blockBegin.push(i);
        this.blockEnd.push(-1);
        this.blockLane.push(laneIx);
        this.blockLock.push(ev.op === "lock.acquire" && ev.obj ? this.locks.slot(ev.obj) : -1);
        this.openBlock.set(i, slot);
        const lr = (this.laneBlocks[laneIx] ??= new LaneRuns());
        this.blockLocal.push(lr.push(x, Infinity, slot));
      } else if (code === C_END) {
        const n = m.wakeSource(i);
        if (n >= 0 && n < i) this.pushWake(n, i);
        const b = m.partner(i);
        const slot = b >= 0 ? this.openBlock.get(b) : undefined;
        if (slot !== undefined) {
          this.openBlock.delete(b);
          this.blocks.setEnd(slot, x);
          this.blockEnd.data[slot] = i;
          this.laneBlocks[this.blockLane.data[slot]].setEnd(this.blockLocal.data[slot], x);
        }
      } else if (code === C_ACQ) {
        const ev = m.event(i) as TraceEvent & { obj: string; ok: boolean; depth?: number; tid: number };
        if (ev.ok) this.acquire(ev, i, x, laneIx);
      } else if (code === C_REL) {
        const ev = m.event(i) as TraceEvent & { obj: string; depth?: number; tid: number };
        this.release(ev, i, x);
      } else if (code === C_NOTIFY) {
        // Ends of waits placed before this notification (they arrived first).
        for (const end of m.wokenBy(i)) if (end < i) this.pushWake(i, end);
      } else if (code === cWrite) this.writes.push(i);
    }
    this.processed = n;
    return n - from;
  }

  /** An arrow from a notification (cond.notify) to the end of a wait it ended (both placed). */
  private pushWake(notify: number, end: number): void {
    const a = this.x.data[notify];
    const b = this.x.data[end];
    const slot = this.arrows.push(a, b < a ? a : b);
    if (!this.wakeSlot.has(notify)) this.wakeSlot.set(notify, slot);
    this.wakeSlot.set(end, slot);
    this.arrowSend.push(notify);
    this.arrowRecv.push(end);
    this.arrowClass.push(WAKE_CLASS);
    this.arrowChannel.push(-1);
  }

  private acquire(ev: { obj: string; depth?: number; pid: number; tid: number }, i: number, x: number, laneIx: number): void {
    const key = `${ev.obj}|${ev.pid}|${ev.tid}`;
    const h = this.openHold.get(key);
    if (h) {
      h.count++;
      const d = ev.depth ?? h.count;
      if (d > this.holdDepth.data[h.slot]) this.holdDepth.data[h.slot] = d;
      return;
    }
    const slot = this.holds.push(x, Infinity);
    this.holdAcquire.push(i);
    this.holdRelease.push(-1);
    this.holdLane.push(laneIx);
    this.holdLock.push(this.locks.slot(ev.obj));
    this.holdDepth.push(ev.depth ?? 1);
    const lockSlot = this.holdLock.data[slot];
    let lr = this.laneHolds.get(laneIx * 4096 + lockSlot);
    if (!lr) this.laneHolds.set(laneIx * 4096 + lockSlot, (lr = new LaneRuns()));
    this.holdLocal.push(lr.push(x, Infinity, slot));
    const lvl = this.openPerLane[laneIx] ?? 0;
    this.holdLevel.push(lvl);
    this.openPerLane[laneIx] = lvl + 1;
    const oh: OpenHold = { slot, count: 1, key };
    this.openHold.set(key, oh);
    let list = this.openHoldsByObj.get(ev.obj);
    if (!list) this.openHoldsByObj.set(ev.obj, (list = []));
    list.push(oh);
  }

  private release(ev: { obj: string; depth?: number; pid: number; tid: number }, i: number, x: number): void {
    const key = `${ev.obj}|${ev.pid}|${ev.tid}`;
    let h = this.openHold.get(key);
    if (!h) {
      // Released by another process or thread (a Lock or Semaphore may be): ends the oldest hold.
      const list = this.openHoldsByObj.get(ev.obj);
      if (!list || list.length === 0) return;
      h = list[0];
      h.count = 1;
    } else {
      h.count--;
      if (ev.depth !== undefined) h.count = ev.depth;
      if (h.count > 0) return;
    }
    this.openHold.delete(h.key);
    const list = this.openHoldsByObj.get(ev.obj);
    if (list) {
      const k = list.indexOf(h);
      if (k >= 0) list.splice(k, 1);
    }
    const ln = this.holdLane.data[h.slot];
    this.openPerLane[ln] = Math.max(0, (this.openPerLane[ln] ?? 1) - 1);
    this.holds.setEnd(h.slot, x);
    this.holdRelease.data[h.slot] = i;
    this.laneHolds.get(ln * 4096 + this.holdLock.data[h.slot])!.setEnd(this.holdLocal.data[h.slot], x);
  }

  /** Lane data of a pid, or undefined. */
  laneOf(pid: number): LaneData | undefined {
    const l = this.model.processLane(pid);
    return l ? this.lanes[l.lane] : undefined;
  }

  /** Positions [lo, hi) of a lane's events with x in [v0, v1]. */
  laneRange(ld: LaneData, v0: number, v1: number): [number, number] {
    const lo = lowerBound(ld.xs.data, ld.xs.length, v0);
    const hi = upperBound(ld.xs.data, ld.xs.length, v1);
    return [lo, Math.max(lo, hi)];
  }

  /** x of a lane's first and last events. */
  laneExtent(ld: LaneData): [number, number] {
    const n = ld.xs.length;
    return n ? [ld.xs.data[0], ld.xs.data[n - 1]] : [0, 0];
  }

  /** x of event i (its lane's monotone x). */
  xOf(i: number): number {
    return i >= 0 && i < this.x.length ? this.x.data[i] : i < 0 ? this.minX : this.maxX;
  }

  /** Arrow slot of a send or receipt at causal index i, or −1. */
  arrowOf(i: number): number {
    const s = this.openSend.get(i);
    if (s !== undefined) return s;
    const w = this.wakeSlot.get(i);
    if (w !== undefined) return w;
    const send = IS_RECV[this.model.kindCode(i)] ? this.model.partner(i) : i;
    if (send < 0) return -1;
    const n = this.msgSend.length;
    const d = this.msgSend.data;
    const k = lowerBound(d, n, send);
    return k < n && d[k] === send ? this.msgSlot.data[k] : -1;
  }
}
