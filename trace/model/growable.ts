/**
 * Append-only typed-array columns: the model stores one number per event in these instead of
 * one object per event, so a million-event trace costs a few bytes per event per column.
 * Searches in sorted columns are d3-array's bisect.
 */

import { bisectLeft, bisectRight } from "d3-array";

type NumberArray = Int32Array | Float64Array | Uint8Array | Uint16Array;

/** A growable typed array (doubling). `data` may be longer than `length`: read only below `length`. */
class Column<A extends NumberArray> {
  data: A;
  length = 0;
  constructor(
    private readonly make: (n: number) => A,
    capacity = 1024,
  ) {
    this.data = make(capacity);
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
    const d = this.make(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** Index of the last value ≤ v in a column sorted ascending, or -1. */
  floorIndex(v: number): number {
    return bisectRight(this.data, v, 0, this.length) - 1;
  }
  /** Index of the first value ≥ v in a column sorted ascending, or length. */
  ceilIndex(v: number): number {
    return bisectLeft(this.data, v, 0, this.length);
  }
  /** Forget every value (keeps the buffer). */
  clear(): void {
    this.length = 0;
  }
  /** Bytes held by the backing buffer. */
  bytes(): number {
    return this.data.byteLength;
  }
}

/** A growable Int32Array. */
export class Int32Column extends Column<Int32Array> {
  constructor(capacity = 1024) {
    super((n) => new Int32Array(n), capacity);
  }
}

/** A growable Float64Array (for times in ns, which exceed 32 bits). */
export class Float64Column extends Column<Float64Array> {
  constructor(capacity = 1024) {
    super((n) => new Float64Array(n), capacity);
  }
}

/** A growable Uint8Array. */
export class Uint8Column extends Column<Uint8Array> {
  constructor(capacity = 1024) {
    super((n) => new Uint8Array(n), capacity);
  }
}

/** A growable Uint16Array. */
export class Uint16Column extends Column<Uint16Array> {
  constructor(capacity = 1024) {
    super((n) => new Uint16Array(n), capacity);
  }
}
