/**
 * An interval index for culling (columns are the model's growable typed arrays): intervals [a, b] are stored
 * in the order they were opened (causal order of their first event), in chunks of 256 slots that
 * each know their smallest start and largest end. A query skips every chunk that cannot meet
 * [v0, v1]: since starts are nearly sorted (time layout) or sorted (logical), only the chunks
 * around the view are scanned, plus the few chunks holding a long interval (a wait from the
 * start of the run to its end). Cost: O(n / 256 + what is near the view). Pure: no DOM.
 *
 * Hand-written here, not d3-array: `lowerBound` / `upperBound` are plain binary searches over
 * numbers. The columns are searched several times per lane per frame, and d3-array's generic
 * bisector (a comparator call per step) cost a tenth of a dense frame. Elsewhere the project uses
 * d3-array's `bisect`.
 */

import { Float64Column, Int32Column } from "../../trace/model/growable";

/** The model's growable typed-array columns (trace/model/growable.ts), by shorter names. */
export { Float64Column as F64, Int32Column as I32 };

/** First position k in sorted a[from..n) with a[k] >= v (n when none). */
export function lowerBound(a: ArrayLike<number>, n: number, v: number, from = 0): number {
  if (v !== v) return n; // NaN: past the end, as d3-array's bisectors answer
  let lo = from;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position k in sorted a[0..n) with a[k] > v (n when none). */
export function upperBound(a: ArrayLike<number>, n: number, v: number): number {
  if (v !== v) return n;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Slots per chunk of the interval index. */
const CHUNK = 256;

/** Intervals [a, b] with culling queries; see the file comment. An open interval has b = +Infinity. */
export class IntervalIndex {
  readonly a = new Float64Column();
  readonly b = new Float64Column();
  /** Per chunk of CHUNK consecutive slots: smallest start and largest end. */
  private readonly chunkMinA = new Float64Column(64);
  private readonly chunkMaxB = new Float64Column(64);
  private readonly dirtyChunks = new Set<number>();

  get length(): number {
    return this.a.length;
  }

  /** Add an interval; returns its slot. */
  push(a: number, b: number): number {
    const k = this.a.push(a);
    this.b.push(b);
    const c = (k / CHUNK) | 0;
    if (c === this.chunkMinA.length) {
      this.chunkMinA.push(a);
      this.chunkMaxB.push(b);
    } else {
      if (a < this.chunkMinA.data[c]) this.chunkMinA.data[c] = a;
      if (b > this.chunkMaxB.data[c]) this.chunkMaxB.data[c] = b;
    }
    return k;
  }

  /** Close (or move the end of) interval `k`; its chunk's bound is recomputed at the next query. */
  setEnd(k: number, b: number): void {
    const old = this.b.data[k];
    this.b.data[k] = b;
    const c = (k / CHUNK) | 0;
    if (b > this.chunkMaxB.data[c]) this.chunkMaxB.data[c] = b;
    else if (old >= this.chunkMaxB.data[c]) this.dirtyChunks.add(c);
  }

  private repair(): void {
    if (this.dirtyChunks.size === 0) return;
    const n = this.a.length;
    const bd = this.b.data;
    for (const c of this.dirtyChunks) {
      let m = -Infinity;
      const end = Math.min(n, (c + 1) * CHUNK);
      for (let j = c * CHUNK; j < end; j++) if (bd[j] > m) m = bd[j];
      this.chunkMaxB.data[c] = m;
    }
    this.dirtyChunks.clear();
  }

  /**
   * Slot ranges that may meet [v0, v1], as flat [lo0, hi0, lo1, hi1, …] (adjacent chunks merged);
   * every slot meeting it is inside one (filter with `meets`).
   */
  ranges(v0: number, v1: number): number[] {
    this.repair();
    const n = this.a.length;
    const out: number[] = [];
    const nc = this.chunkMinA.length;
    const mn = this.chunkMinA.data;
    const mx = this.chunkMaxB.data;
    for (let c = 0; c < nc; c++) {
      if (mn[c] > v1 || mx[c] < v0) continue;
      const lo = c * CHUNK;
      const hi = Math.min(n, lo + CHUNK);
      if (out.length && out[out.length - 1] === lo) out[out.length - 1] = hi;
      else out.push(lo, hi);
    }
    return out;
  }

  /** Number of slots in the candidate ranges (an upper bound of what meets [v0, v1]). */
  static rangeSize(r: number[]): number {
    let s = 0;
    for (let k = 0; k < r.length; k += 2) s += r[k + 1] - r[k];
    return s;
  }

  /** Exactly how many intervals meet [v0, v1]: chunks wholly inside are counted without a scan. */
  count(v0: number, v1: number): number {
    this.repair();
    const n = this.a.length;
    const nc = this.chunkMinA.length;
    const mn = this.chunkMinA.data;
    const mx = this.chunkMaxB.data;
    const ad = this.a.data;
    const bd = this.b.data;
    let c = 0;
    for (let q = 0; q < nc; q++) {
      if (mn[q] > v1 || mx[q] < v0) continue;
      const lo = q * CHUNK;
      const hi = Math.min(n, lo + CHUNK);
      if (mn[q] >= v0 && mx[q] <= v1) {
        c += hi - lo;
        continue;
      }
      for (let k = lo; k < hi; k++) if (ad[k] <= v1 && bd[k] >= v0) c++;
    }
    return c;
  }

  /** Does slot k meet [v0, v1]? */
  meets(k: number, v0: number, v1: number): boolean {
    return this.a.data[k] <= v1 && this.b.data[k] >= v0;
  }

  /** Every slot meeting [v0, v1], in slot order. */
  query(v0: number, v1: number): number[] {
    const r = this.ranges(v0, v1);
    const out: number[] = [];
    for (let q = 0; q < r.length; q += 2) for (let k = r[q]; k < r[q + 1]; k++) if (this.meets(k, v0, v1)) out.push(k);
    return out;
  }

  clear(): void {
    this.a.clear();
    this.b.clear();
    this.chunkMinA.clear();
    this.chunkMaxB.clear();
    this.dirtyChunks.clear();
  }
}

/**
 * One lane's spans of one kind (waits, or holds of one lock), in start order (a lane's x is
 * monotone, so starts are sorted), with the running maximum of their ends. For a zoomed-out
 * view, {@link LaneRuns.runs} merges every span that touches within a pixel into one run, by
 * binary search: O(runs × log n), whatever the number of spans.
 */
export class LaneRuns {
  readonly starts = new Float64Column(64);
  readonly ends = new Float64Column(64);
  /** Slot of each span in the view's interval index. */
  readonly slots = new Int32Column(64);
  private readonly maxEnd = new Float64Column(64);
  private dirtyFrom = Infinity;

  get length(): number {
    return this.starts.length;
  }

  push(a: number, b: number, slot: number): number {
    const k = this.starts.push(a);
    this.ends.push(b);
    this.slots.push(slot);
    const prev = k > 0 ? this.maxEnd.data[k - 1] : -Infinity;
    this.maxEnd.push(b > prev ? b : prev);
    return k;
  }

  setEnd(k: number, b: number): void {
    this.ends.data[k] = b;
    if (k < this.dirtyFrom) this.dirtyFrom = k;
  }

  private repair(): void {
    const n = this.starts.length;
    if (this.dirtyFrom >= n) {
      this.dirtyFrom = Infinity;
      return;
    }
    const me = this.maxEnd.data;
    const e = this.ends.data;
    let m = this.dirtyFrom > 0 ? me[this.dirtyFrom - 1] : -Infinity;
    for (let k = this.dirtyFrom; k < n; k++) {
      if (e[k] > m) m = e[k];
      me[k] = m;
    }
    this.dirtyFrom = Infinity;
  }

  /**
   * Runs of spans meeting [v0, v1] (trace space); spans closer than `gap` (trace units, about a
   * pixel) are merged. `emit(first, start, end)` gets the first span's position and the run's
   * extent; open spans have end +Infinity.
   */
  runs(v0: number, v1: number, gap: number, emit: (first: number, start: number, end: number) => void): void {
    this.repair();
    const n = this.starts.length;
    const st = this.starts.data;
    const me = this.maxEnd.data;
    let k = lowerBound(me, n, v0);
    while (k < n && st[k] <= v1) {
      const first = k;
      let e = me[k];
      let j = k;
      for (;;) {
        const last = upperBound(st, n, e + gap) - 1;
        if (last <= j) break;
        j = last;
        if (me[j] > e) e = me[j];
        else break;
      }
      emit(first, st[first], e);
      k = j + 1;
      // Spans starting inside the run but ending before it are part of it.
      while (k < n && st[k] <= e + gap) k++;
    }
  }

  clear(): void {
    this.starts.clear();
    this.ends.clear();
    this.slots.clear();
    this.maxEnd.clear();
    this.dirtyFrom = Infinity;
  }
}
