/**
 * Event kinds as small integer codes, with the categories stepping and the fold use
 * (message, lock, block), all derived from the table of kinds (trace/kinds/table.ts).
 * Code 0 is any kind this version does not know.
 */

import type { KindDecl } from "../kinds/fields";
import { KINDS, KIND_LIST } from "../kinds/table";

/** Every event kind of trace format v1, in table order: the index is the kind's code. */
export const KIND_NAMES: readonly string[] = ["?", ...KIND_LIST];

/** The declaration of a kind code (undefined for code 0). */
export function declOf(code: number): KindDecl | undefined {
  return code > 0 ? (KINDS as Record<string, KindDecl>)[KIND_NAMES[code]] : undefined;
}

const CODE = new Map<string, number>(KIND_NAMES.map((k, i) => [k, i]));

/** Bucket of a kind string from its length and two characters (no hashing of the whole string). */
function bucket(k: string): number {
  const n = k.length;
  return (n * 131 + k.charCodeAt(n - 1) * 31 + k.charCodeAt(n >> 1) * 7 + k.charCodeAt(2)) & 1023;
}

const BUCKETS: number[][] = (() => {
  const b: number[][] = Array.from({ length: 1024 }, () => []);
  KIND_NAMES.forEach((k, i) => {
    if (i > 0) b[bucket(k)].push(i);
  });
  return b;
})();

/** The code of a kind (0 when unknown). */
export function kindCode(kind: string): number {
  if (typeof kind !== "string" || kind.length < 3) return 0;
  const cands = BUCKETS[bucket(kind)];
  for (let j = 0; j < cands.length; j++) if (KIND_NAMES[cands[j]] === kind) return cands[j];
  return 0;
}

/** Category bits per kind code. */
export const CAT_SEND = 1;
export const CAT_RECV = 2;
export const CAT_MESSAGE = CAT_SEND | CAT_RECV;
export const CAT_LOCK = 4;
export const CAT_BLOCK = 8;
export const CAT_COLLECTOR = 16;
export const CAT_PROCESS = 32;

/** Category bits indexed by kind code. */
export const KIND_CATEGORIES: Uint8Array = (() => {
  const a = new Uint8Array(KIND_NAMES.length);
  for (let code = 1; code < KIND_NAMES.length; code++) {
    const d = declOf(code)!;
    if (d.class === "send") a[code] |= CAT_SEND;
    if (d.class === "receipt") a[code] |= CAT_RECV;
    if (d.class === "lock") a[code] |= CAT_LOCK;
    if (d.class === "block") a[code] |= CAT_BLOCK;
    if (d.family === "collector") a[code] |= CAT_COLLECTOR;
    if (d.class === "process") a[code] |= CAT_PROCESS;
  }
  return a;
})();

/**
 * Pairing class of a message kind: a send and a receipt pair when they have the same class and
 * the same `msg`. The class is the send's kind. Undefined for kinds that are not messages.
 */
export const MESSAGE_CLASS: Readonly<Record<string, string>> = (() => {
  const out: Record<string, string> = {};
  for (const k of KIND_LIST) {
    const d = KINDS[k] as KindDecl;
    if (d.class === "send") out[k] = k;
    else if (d.class === "receipt") out[k] = d.pairs!;
  }
  return out;
})();

/** The pairing classes (send kinds), in table order. */
export const MESSAGE_CLASSES: readonly string[] = KIND_LIST.filter((k) => KINDS[k].class === "send");

/** Receipt kinds by code. */
export const IS_RECEIPT_BY_CODE: Uint8Array = (() => {
  const a = new Uint8Array(KIND_NAMES.length);
  for (let code = 1; code < KIND_NAMES.length; code++) if (declOf(code)!.class === "receipt") a[code] = 1;
  return a;
})();
