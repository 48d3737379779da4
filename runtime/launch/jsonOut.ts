/**
 * Trace lines written as UTF-8 bytes straight into a growing Buffer: the collector's output path
 * (collector.ts, wireDecoder.ts). The bytes are those JSON.stringify gives for the same values;
 * strings, integers and the common field names are written byte by byte, so no intermediate
 * strings are built, concatenated and encoded per event.
 */

/** Characters that JSON must escape (and lone surrogates, which JSON.stringify escapes). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Bytes the collector hands to the file at a time (and keeps ready in an {@link OutBuffer}). */
export const WRITE_CHUNK = 256 * 1024;

/** Buffer's unchecked UTF-8 writer (what Buffer#write calls after checking its arguments). */
export type FastBuffer = Buffer & { utf8Write(s: string, offset: number): number };

/**
 * Trace text being built, as UTF-8 bytes: events are serialised straight into a Buffer (no
 * intermediate strings to concatenate, flatten and encode), with the bytes JSON.stringify would
 * give for the same values. Writers reserve room first (`ensure`), then use the put* functions.
 */
export class OutBuffer {
  buf: FastBuffer = Buffer.allocUnsafe(64 * 1024) as FastBuffer;
  len = 0;

  /** Room for n more bytes. */
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap) as FastBuffer;
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  /** Any JS string, as UTF-8 (already JSON text). */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.utf8Write(s, this.len);
  }

  /** The bytes so far (handed over, not copied); the buffer starts empty again. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.buf = Buffer.allocUnsafe(Math.max(64 * 1024, Math.min(this.buf.length, 4 * WRITE_CHUNK))) as FastBuffer;
    this.len = 0;
    return out;
  }

  /** Put `text` (JSON text) at offset `at`, moving what follows. */
  insert(at: number, text: string): void {
    const bytes = Buffer.from(text);
    this.ensure(bytes.length);
    this.buf.copy(this.buf, at + bytes.length, at, this.len);
    bytes.copy(this.buf, at);
    this.len += bytes.length;
  }
}

/** Most bytes putStr writes for a string of n UTF-16 units (an escape is 6 bytes, a unit at most 3). */
export function strRoom(n: number): number {
  return 6 * n + 2;
}

/** Most bytes putNum writes. */
export const NUM_ROOM = 32;

/** Bytes src at b[p…]; returns the end. */
export function putBytes(b: Buffer, p: number, src: Uint8Array): number {
  const n = src.length;
  for (let i = 0; i < n; i++) b[p++] = src[i];
  return p;
}

/** A string as a JSON string literal at b[p…]; returns the end. */
export function putStr(b: FastBuffer, p: number, s: string): number {
  const n = s.length;
  const start = p;
  b[p++] = 34;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 34 || c === 92 || c >= 0x80) return start + b.utf8Write(NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"', start);
    b[p++] = c;
  }
  b[p++] = 34;
  return p;
}

/** A number as JSON.stringify/String writes it (safe integers digit by digit, in int32 steps); returns the end. */
export function putNum(b: FastBuffer, p: number, v: number): number {
  if (!Number.isSafeInteger(v) || v <= -1e16 || v >= 1e16) return p + b.utf8Write(String(v), p);
  if (v < 0) {
    b[p++] = 45;
    v = -v;
  }
  if (v < 1e8) return writeDigits(b, p, v, 0);
  const hi = Math.floor(v / 1e8);
  return writeDigits(b, writeDigits(b, p, hi, 0), v - hi * 1e8, 8);
}

/** Decimal digits of an integer 0 ≤ v < 1e8 at b[p…], at least `width` of them (zero-padded); returns the end. */
export function writeDigits(b: Buffer, p: number, v: number, width: number): number {
  let n = 1;
  for (let x = 10; x <= v && n < 8; x *= 10) n++;
  if (n < width) n = width;
  let e = p + n;
  const end = e;
  while (e > p) {
    const q = (v / 10) | 0;
    b[--e] = 48 + (v - q * 10);
    v = q;
  }
  return end;
}

export const B_SEQ = Buffer.from(',"seq":');
export const B_T = Buffer.from(',"t":');
export const B_OBJ = Buffer.from(',"obj":');
export const B_MSG = Buffer.from(',"msg":');
export const B_TRUE = Buffer.from("true");
export const B_FALSE = Buffer.from("false");
