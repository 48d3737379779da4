/**
 * Causal ordering of trace events as they arrive.
 *
 * Events arrive in file (arrival) order, which is not causal across processes: each process
 * flushes on its own, and a receipt often reaches the collector before its send. The orderer
 * keeps, per process, the events not placed yet (arrival order = sequence order within a
 * process) and places an event only when everything it causally depends on is placed: the
 * previous event of its process and, for a receipt, the send it pairs with. Among the events
 * ready at once it places the one with the smallest `t` first, so a whole trace loaded in one
 * batch comes out as a topological order tie-broken by time. Placed events never move: new ones
 * go after them (stable for a live view). A receipt whose send has not arrived is held (with the
 * rest of its process) until the send arrives, until {@link CausalOrderer.finish}, or until the
 * trace has moved on by `holdLimitNs` without it.
 *
 * A process's first event (its process.start) is also placed only once its parent's events up to
 * that time have arrived (the parent flushes on its own: what it did before the fork, such as
 * creating the objects the child uses, comes later in the file but happened before), unless the
 * parent has ended or `forkHoldNs` of trace time have passed.
 *
 * Storage is by arrival index in typed columns (the pending events of a process form a linked
 * list through `next`), so ordering a million events allocates almost nothing per event.
 */

import type { TraceEvent } from "../format";
import { Float64Column, Int32Column, Uint8Column } from "./growable";
import type { KindDecl } from "../kinds/fields";
import { KINDS } from "../kinds/table";
import { IS_RECEIPT_BY_CODE, kindCode, KIND_NAMES, MESSAGE_CLASS, MESSAGE_CLASSES } from "./kinds";

/** Receives placed events, in causal order. Returns the causal index it gave the event. */
export interface PlacementSink {
  /** `arrival` indexes {@link CausalOrderer.arrived}; `send` is the causal index of the paired send for a receipt, else -1; `code` the kind code. */
  place(ev: TraceEvent, arrival: number, send: number, unpaired: boolean, code: number): number;
}

interface PidQueue {
  pid: number;
  /** Arrival index of the first pending event, or -1. */
  head: number;
  /** Arrival index of the last pending event, or -1. */
  tail: number;
  /** Pairing of the head receipt, computed when it was considered: map index (-1 none) and key. */
  headMap: number;
  headKey: string;
  /** Map index and key the head waits for (waitMap -1: not waiting; FORK_WAIT: its parent's events). */
  waitMap: number;
  waitKey: string;
  inHeap: boolean;
  /** Place the head even if its send is missing. */
  forceHead: boolean;
}

/**
 * An event as the orderer reads it: it dispatches on kind codes (which do not narrow the union,
 * and it runs before validation), so the few fields it reads are `unknown` until a typeof check.
 */
type E = TraceEvent & { readonly [F in "msg" | "obj" | "job" | "index" | "ends" | "clean" | "child" | "ppid" | "bytes"]?: unknown };

const CLASSES = MESSAGE_CLASSES;
/** Classes whose messages also pair by (pool, job, chunk index): sends that carry `job` and `index`. */
const BY_JOB: readonly boolean[] = CLASSES.map((k) => {
  const fields = (KINDS as Record<string, KindDecl>)[k].fields;
  return "job" in fields && "index" in fields;
});
/** Map index of the composite keys (raw bytes FIFO, pool job/index). */
const SPECIAL = CLASSES.length;
/** waitMap of a process start waiting for its parent's earlier events. */
const FORK_WAIT = -2;
/** Pairing map index by kind code (-1: not a message). */
const CLASS_BY_CODE: Int8Array = (() => {
  const a = new Int8Array(KIND_NAMES.length).fill(-1);
  KIND_NAMES.forEach((k, code) => {
    const c = MESSAGE_CLASS[k];
    if (c !== undefined) a[code] = CLASSES.indexOf(c);
  });
  return a;
})();

/** Orders events causally; see the file comment. */
export class CausalOrderer {
  /** Every event received, by arrival index. */
  readonly arrived: TraceEvent[] = [];
  private readonly codes = new Uint8Column(1024);
  /** Event time by arrival index (read once: event objects have many shapes, so reading them is slow). */
  readonly times = new Float64Column(1024);
  private readonly next = new Int32Column(1024);
  private readonly queues = new Map<number, PidQueue>();
  /** Per pairing map: key → causal index of a placed send not yet received. */
  private readonly sends: Array<Map<string, number>> = Array.from({ length: SPECIAL + 1 }, () => new Map());
  /** Per pairing map: key → pids whose head waits for it. */
  private readonly waiting: Array<Map<string, number[]>> = Array.from({ length: SPECIAL + 1 }, () => new Map());
  private waitingCount = 0;
  /** Pipe end → the other end (learnt from pipe.create on arrival). */
  private readonly otherEnd = new Map<string, string>();
  /** Pipe end → number of raw-bytes sends / receipts placed. */
  private readonly bytesSent = new Map<string, number>();
  private readonly bytesRecv = new Map<string, number>();
  /** Sends registered under two keys (causal index → [map, key] of the second). */
  private readonly secondKey = new Map<number, [number, string]>();
  private readonly firstKey = new Map<number, [number, string]>();
  /** Per pid: largest event time arrived, and whether its last event (exit, lost connection) arrived. */
  private readonly lastT = new Map<number, number>();
  private readonly ended = new Set<number>();
  /** Pids whose parent's process.spawn for them arrived (the parent's events before the fork have arrived). */
  private readonly spawned = new Set<number>();
  /** Parent pid → pids whose start waits for the parent's events. */
  private readonly forkWaiting = new Map<number, Set<number>>();
  private heap: PidQueue[] = [];
  private pendingCount = 0;
  private maxT = -Infinity;
  private forceAll = false;

  constructor(
    private readonly sink: PlacementSink,
    /** Release a held receipt once events this much later (trace time) have arrived. */
    private readonly holdLimitNs = 10e9,
    /** Place a process's start without its parent's earlier events once events this much later have arrived. */
    private readonly forkHoldNs = 2e9,
  ) {}

  /** Number of events received but not placed yet (held behind a missing send). */
  get held(): number {
    return this.pendingCount;
  }

  /** Pids that have events held back. */
  heldPids(): number[] {
    const out: number[] = [];
    for (const q of this.queues.values()) if (q.head >= 0) out.push(q.pid);
    return out;
  }

  /** Causal index of the placed, not yet received send with this class (its send kind, see kinds.ts) and msg, or -1. */
  findSend(cls: string, msg: string): number {
    const k = CLASSES.indexOf(cls);
    return k < 0 ? -1 : this.sends[k].get(msg) ?? -1;
  }

  /** Add events in arrival order and place everything that is ready. */
  push(events: readonly TraceEvent[]): void {
    const base = this.arrived.length;
    this.codes.grow(base + events.length);
    this.next.grow(base + events.length);
    this.times.grow(base + events.length);
    let dirty: PidQueue[] | null = null;
    let woken: Set<number> | null = null;
    for (let k = 0; k < events.length; k++) {
      const ev = events[k];
      const a = base + k;
      this.arrived.push(ev);
      const code = kindCode(ev.kind);
      this.codes.push(code);
      this.next.push(-1);
      if (code === PIPE_CREATE) {
        const ends = (ev as E).ends;
        if (Array.isArray(ends)) {
          this.otherEnd.set(ends[0], ends[1]);
          this.otherEnd.set(ends[1], ends[0]);
        }
      }
      const t = ev.t;
      this.times.push(t);
      if (t > this.maxT) this.maxT = t;
      const pid = ev.pid;
      let q = this.queues.get(pid);
      if (!q) {
        q = { pid, head: -1, tail: -1, headMap: -1, headKey: "", waitMap: -1, waitKey: "", inHeap: false, forceHead: false };
        this.queues.set(pid, q);
      }
      if (t > (this.lastT.get(pid) ?? -Infinity)) this.lastT.set(pid, t);
      if (code === PROCESS_EXIT || (code === DISCONNECT && (ev as E).clean === false)) this.ended.add(pid);
      const child = (ev as E).child;
      if (code === PROCESS_SPAWN && typeof child === "number") this.spawned.add(child);
      if (this.forkWaiting.has(pid)) (woken ??= new Set()).add(pid);
      if (q.tail >= 0) this.next.data[q.tail] = a;
      else {
        q.head = a;
        (dirty ??= []).push(q);
      }
      q.tail = a;
      this.pendingCount++;
    }
    if (dirty) for (const q of dirty) this.consider(q);
    if (woken) for (const parent of woken) this.wakeChildren(parent);
    this.drain();
    this.releaseStale();
  }

  /** No more events: place everything still held, receipts without their send included. */
  finish(): void {
    this.flushHeld();
  }

  /**
   * Place everything held now (receipts without their send, starts without their parent's
   * events), e.g. when nothing has arrived for a while in a live run. Events may still arrive
   * after this.
   */
  flushHeld(): void {
    if (this.pendingCount === 0) return;
    this.forceAll = true;
    for (const q of this.queues.values()) {
      if (q.head >= 0 && !q.inHeap) {
        this.unwait(q);
        this.consider(q);
      }
    }
    this.drain();
    this.forceAll = false;
  }

  /** The parent's stream moved on (or ended): look again at the children waiting for it. */
  private wakeChildren(parent: number): void {
    const kids = this.forkWaiting.get(parent);
    if (!kids) return;
    this.forkWaiting.delete(parent);
    for (const pid of kids) {
      const q = this.queues.get(pid)!;
      if (q.waitMap === FORK_WAIT) q.waitMap = -1;
      this.consider(q);
    }
  }

  /** Place held receipts whose send is overdue (see holdLimitNs), and starts whose parent stays silent (forkHoldNs). */
  private releaseStale(): void {
    if (this.pendingCount === 0) return;
    let any = false;
    for (const q of this.queues.values()) {
      if (q.head >= 0 && !q.inHeap && q.waitMap !== -1) {
        const limit = q.waitMap === FORK_WAIT ? this.forkHoldNs : this.holdLimitNs;
        if (this.maxT - this.times.data[q.head] > limit) {
          this.unwait(q);
          q.forceHead = true;
          this.consider(q);
          any = true;
        }
      }
    }
    if (any) this.drain();
  }

  private unwait(q: PidQueue): void {
    if (q.waitMap === FORK_WAIT) {
      for (const kids of this.forkWaiting.values()) kids.delete(q.pid);
      q.waitMap = -1;
      return;
    }
    if (q.waitMap < 0) return;
    const m = this.waiting[q.waitMap];
    const list = m.get(q.waitKey);
    if (list) {
      const k = list.indexOf(q.pid);
      if (k >= 0) {
        list.splice(k, 1);
        this.waitingCount--;
      }
      if (list.length === 0) m.delete(q.waitKey);
    }
    q.waitMap = -1;
  }

  /** Set q.headMap/headKey for a receipt at the head: how it pairs (map -1: it cannot be paired). */
  private receiptKey(q: PidQueue, e: E, cls: number): void {
    q.headMap = -1;
    if (typeof e.msg === "string") {
      q.headMap = cls;
      q.headKey = e.msg;
    } else if (e.kind === "pipe.recv" && e.bytes === true && typeof e.obj === "string") {
      const other = this.otherEnd.get(e.obj);
      if (other === undefined) return;
      q.headMap = SPECIAL;
      q.headKey = "pb\u0000" + other + "\u0000" + (this.bytesRecv.get(e.obj) ?? 0);
    } else if (BY_JOB[cls] && typeof e.obj === "string") {
      q.headMap = SPECIAL;
      q.headKey = CLASSES[cls] + "j\u0000" + e.obj + "\u0000" + String(e.job) + "\u0000" + String(e.index);
    }
  }

  /** Decide whether q's head can be placed; push it on the heap or register what it waits for. */
  private consider(q: PidQueue): void {
    if (q.head < 0 || q.inHeap) return;
    const code = this.codes.data[q.head];
    q.headMap = -1;
    if (code === PROCESS_START && !q.forceHead && !this.forceAll) {
      // Wait until the parent's events up to this start have arrived.
      const e = this.arrived[q.head] as E;
      const parent = e.ppid;
      if (typeof parent === "number" && parent !== q.pid && this.queues.has(parent) && !this.ended.has(parent) && !this.spawned.has(q.pid)) {
        const pt = this.lastT.get(parent) ?? -Infinity;
        if (pt < this.times.data[q.head]) {
          if (q.waitMap !== FORK_WAIT) {
            this.unwait(q);
            q.waitMap = FORK_WAIT;
            let kids = this.forkWaiting.get(parent);
            if (!kids) this.forkWaiting.set(parent, (kids = new Set()));
            kids.add(q.pid);
          }
          return;
        }
      }
    }
    if (IS_RECEIPT_BY_CODE[code] === 1) {
      this.receiptKey(q, this.arrived[q.head] as E, CLASS_BY_CODE[code]);
      if (q.headMap >= 0 && !q.forceHead && !this.forceAll && !this.sends[q.headMap].has(q.headKey)) {
        if (q.waitMap !== q.headMap || q.waitKey !== q.headKey) {
          this.unwait(q);
          q.waitMap = q.headMap;
          q.waitKey = q.headKey;
          const m = this.waiting[q.waitMap];
          let list = m.get(q.waitKey);
          if (!list) m.set(q.waitKey, (list = []));
          list.push(q.pid);
          this.waitingCount++;
        }
        return;
      }
    }
    this.unwait(q);
    this.heapPush(q);
  }

  private drain(): void {
    while (this.heap.length > 0) {
      const q = this.heapPop();
      const a = q.head;
      const nx = this.next.data[a];
      q.head = nx;
      if (nx < 0) q.tail = -1;
      this.pendingCount--;
      const forced = q.forceHead || this.forceAll;
      q.forceHead = false;
      this.placeOne(this.arrived[a] as E, a, this.codes.data[a], q.headMap, q.headKey, forced);
      this.consider(q);
    }
  }

  private placeOne(e: E, arrival: number, code: number, map: number, key: string, forced: boolean): void {
    const cls = CLASS_BY_CODE[code];
    if (cls < 0) {
      this.sink.place(e, arrival, -1, false, code);
      return;
    }
    if (IS_RECEIPT_BY_CODE[code] === 1) {
      let send = -1;
      if (map >= 0) {
        const m = this.sends[map];
        const s = m.get(key);
        if (s !== undefined) {
          send = s;
          m.delete(key);
        }
      }
      if (code === PIPE_RECV && e.bytes === true && typeof e.obj === "string") {
        this.bytesRecv.set(e.obj, (this.bytesRecv.get(e.obj) ?? 0) + 1);
      }
      this.sink.place(e, arrival, send, send < 0 && (map >= 0 || forced), code);
      if (send >= 0 && this.secondKey.size > 0) this.forgetOtherKey(send, map);
      return;
    }
    // A send: register the keys receipts may pair by, then wake who waits for them.
    const idx = this.sink.place(e, arrival, -1, false, code);
    const hasMsg = typeof e.msg === "string";
    if (hasMsg) this.register(cls, e.msg, idx);
    const extra = this.extraSendKey(e, cls);
    if (extra !== null) {
      this.register(SPECIAL, extra, idx);
      if (hasMsg) {
        this.firstKey.set(idx, [cls, e.msg]);
        this.secondKey.set(idx, [SPECIAL, extra]);
      }
    }
  }

  private register(map: number, key: string, idx: number): void {
    this.sends[map].set(key, idx);
    if (this.waitingCount === 0) return;
    const m = this.waiting[map];
    const waiters = m.get(key);
    if (waiters) {
      m.delete(key);
      this.waitingCount -= waiters.length;
      for (const pid of waiters) {
        const q = this.queues.get(pid)!;
        if (q.waitMap === map && q.waitKey === key) q.waitMap = -1;
        this.consider(q);
      }
    }
  }

  /** A send registered under two keys was received through one: drop the other. */
  private forgetOtherKey(send: number, usedMap: number): void {
    const first = this.firstKey.get(send);
    const second = this.secondKey.get(send);
    if (!first || !second) return;
    this.firstKey.delete(send);
    this.secondKey.delete(send);
    const other = usedMap === SPECIAL ? first : second;
    if (this.sends[other[0]].get(other[1]) === send) this.sends[other[0]].delete(other[1]);
  }

  /** The second key of a raw-bytes or pool send (FIFO / job-index pairing), or null. */
  private extraSendKey(e: E, cls: number): string | null {
    if (e.kind === "pipe.send" && e.bytes === true && typeof e.obj === "string") {
      const n = this.bytesSent.get(e.obj) ?? 0;
      this.bytesSent.set(e.obj, n + 1);
      return "pb\u0000" + e.obj + "\u0000" + n;
    }
    if (BY_JOB[cls] && typeof e.obj === "string") {
      return CLASSES[cls] + "j\u0000" + e.obj + "\u0000" + String(e.job) + "\u0000" + String(e.index);
    }
    return null;
  }

  // ---------------------------------------------------------------- heap by (head t, arrival)

  private less(a: PidQueue, b: PidQueue): boolean {
    const t = this.times.data;
    const ta = t[a.head];
    const tb = t[b.head];
    if (ta !== tb) return ta < tb;
    return a.head < b.head;
  }

  private heapPush(q: PidQueue): void {
    q.inHeap = true;
    const h = this.heap;
    h.push(q);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      const x = h[i];
      h[i] = h[p];
      h[p] = x;
      i = p;
    }
  }

  private heapPop(): PidQueue {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        const x = h[i];
        h[i] = h[m];
        h[m] = x;
        i = m;
      }
    }
    top.inHeap = false;
    return top;
  }
}

const PIPE_CREATE = kindCode("pipe.create");
const PROCESS_START = kindCode("process.start");
const PROCESS_EXIT = kindCode("process.exit");
const PROCESS_SPAWN = kindCode("process.spawn");
const DISCONNECT = kindCode("process.disconnect");
const PIPE_RECV = kindCode("pipe.recv");
