/**
 * Vector clocks, stored sparsely: a process's clock changes in other processes' components only
 * at a receipt, so one row is kept per receipt (width = processes known then) and the clock of
 * any event is the row of the last receipt of its process at or before it, with its own
 * component set to its position + 1. Past `limit` processes rows stop being kept and
 * happened-before answers "unknown" (Lamport clocks still hold).
 */

import { Int32Column } from "./growable";

interface ProcRows {
  /** Position (in its process) of each receipt that has a row, ascending. */
  at: Int32Column;
  /** Offset of each row in the flat store. */
  off: Int32Column;
  /** Width of each row. */
  width: Int32Column;
}

/** Vector clocks of a model's events. */
export class VectorClocks {
  private readonly procs: ProcRows[] = [];
  private readonly flat = new Int32Column(1024);
  private enabled = true;
  private nProcs = 0;

  constructor(readonly limit = 64) {}

  /** False once more processes than `limit` appeared. */
  get available(): boolean {
    return this.enabled;
  }

  /** A new process (index p) appeared. */
  addProcess(): void {
    this.nProcs++;
    this.procs.push({ at: new Int32Column(16), off: new Int32Column(16), width: new Int32Column(16) });
    if (this.nProcs > this.limit) this.enabled = false;
  }

  /** Component `q` of the clock of the event at position `local` of process `p`. */
  component(p: number, local: number, q: number): number {
    if (p === q) return local + 1;
    const rows = this.procs[p];
    const k = rows.at.floorIndex(local);
    if (k < 0) return 0;
    const w = rows.width.data[k];
    return q < w ? this.flat.data[rows.off.data[k] + q] : 0;
  }

  /** A receipt at position `local` of process `p`, receiving the send at position `sLocal` of process `s`. */
  onReceipt(p: number, local: number, s: number, sLocal: number): void {
    if (!this.enabled) return;
    const rows = this.procs[p];
    const w = this.nProcs;
    const off = this.flat.length;
    this.flat.grow(off + w);
    const d = this.flat.data;
    // Previous row of p.
    const k = rows.at.length - 1;
    const prevOff = k >= 0 ? rows.off.data[k] : -1;
    const prevW = k >= 0 ? rows.width.data[k] : 0;
    // Row of the sender at the send.
    const srows = this.procs[s];
    const sk = srows.at.floorIndex(sLocal);
    const sOff = sk >= 0 ? srows.off.data[sk] : -1;
    const sW = sk >= 0 ? srows.width.data[sk] : 0;
    for (let q = 0; q < w; q++) {
      let v = q < prevW ? d[prevOff + q] : 0;
      const sv = q === s ? sLocal + 1 : q < sW ? d[sOff + q] : 0;
      if (sv > v) v = sv;
      d[off + q] = v;
    }
    d[off + p] = local + 1;
    this.flat.length = off + w;
    rows.at.push(local);
    rows.off.push(off);
    rows.width.push(w);
  }

  /** The full clock of an event (length = processes known now). */
  clock(p: number, local: number): Int32Array {
    const out = new Int32Array(this.nProcs);
    const rows = this.procs[p];
    const k = rows.at.floorIndex(local);
    if (k >= 0) {
      const off = rows.off.data[k];
      const w = rows.width.data[k];
      out.set(this.flat.data.subarray(off, off + w));
    }
    out[p] = local + 1;
    return out;
  }

  /** Bytes held. */
  bytes(): number {
    let b = this.flat.bytes();
    for (const r of this.procs) b += r.at.bytes() + r.off.bytes() + r.width.bytes();
    return b;
  }
}
