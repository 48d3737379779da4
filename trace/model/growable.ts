/**
 * Append-only typed-array columns: the model stores one number per event in these instead of
 * one object per event, so a million-event trace costs a few bytes per event per column.
 */

/** A growable Int32Array (doubling). `data` may be longer than `length`: read only below `length`. */
export class Int32Column {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  /** Append one value; returns its index. */
  push(v: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
  get(i: number): number {
    return this.data[i];
  }
  set(i: number, v: number): void {
    this.data[i] = v;
  }
  last(): number {
    return this.data[this.length - 1];
  }
  /** Make room for at least n values. */
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2 || 16;
    while (cap < n) cap *= 2;
    const d = new Int32Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** Index of the last value ≤ v in a column sorted ascending, or -1. */
  floorIndex(v: number): number {
    let lo = 0;
    let hi = this.length - 1;
    let ans = -1;
    const d = this.data;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid] <= v) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }
  /** Index of the first value ≥ v in a column sorted ascending, or length. */
  ceilIndex(v: number): number {
    let lo = 0;
    let hi = this.length;
    const d = this.data;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  /** Bytes held by the backing buffer. */
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable Float64Array (for times in ns, which exceed 32 bits). */
export class Float64Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
  /** Make room for at least n values. */
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2 || 16;
    while (cap < n) cap *= 2;
    const d = new Float64Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  get(i: number): number {
    return this.data[i];
  }
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable Uint8Array. */
export class Uint8Column {
  data: Uint8Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint8Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
  /** Make room for at least n values. */
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2 || 16;
    while (cap < n) cap *= 2;
    const d = new Uint8Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  get(i: number): number {
    return this.data[i];
  }
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable Uint16Array. */
export class Uint16Column {
  data: Uint16Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint16Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length] = v;
    return this.length++;
  }
  /** Make room for at least n values. */
  grow(n: number): void {
    if (n <= this.data.length) return;
    let cap = this.data.length * 2 || 16;
    while (cap < n) cap *= 2;
    const d = new Uint16Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  get(i: number): number {
    return this.data[i];
  }
  bytes(): number {
    return this.data.byteLength;
  }
}
