/**
 * Event kinds as small integer codes, with the categories stepping and the fold use
 * (message, lock, block). Code 0 is any kind this version does not know.
 */

/** Every event kind of trace format v1, in a fixed order: the index is the kind's code. */
export const KIND_NAMES: readonly string[] = [
  "?",
  "process.start",
  "process.spawn",
  "process.join",
  "process.terminate",
  "process.kill",
  "process.exit",
  "queue.create",
  "queue.put",
  "queue.get",
  "queue.poll",
  "queue.task_done",
  "queue.join",
  "queue.close",
  "queue.feeder_error",
  "pipe.create",
  "pipe.send",
  "pipe.recv",
  "pipe.poll",
  "pipe.close",
  "pipe.eof",
  "sync.create",
  "lock.acquire",
  "lock.release",
  "cond.wait",
  "cond.notify",
  "event.set",
  "event.clear",
  "event.wait",
  "event.poll",
  "barrier.wait",
  "barrier.abort",
  "barrier.reset",
  "value.create",
  "value.read",
  "value.write",
  "manager.start",
  "proxy.create",
  "mgr.call",
  "mgr.recv",
  "mgr.reply",
  "mgr.return",
  "ns.get",
  "ns.set",
  "ns.del",
  "ns.local_change",
  "proxy.op",
  "pool.create",
  "pool.submit",
  "pool.task.send",
  "pool.task.recv",
  "pool.result.send",
  "pool.result.recv",
  "pool.get",
  "pool.close",
  "pool.terminate",
  "pool.join",
  "block.begin",
  "block.end",
  "process.disconnect",
  "events.lost",
  "run.exit",
  "run.orphaned",
];

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

const SEND = ["queue.put", "pipe.send", "mgr.call", "mgr.reply", "pool.task.send", "pool.result.send"];
const RECV = ["queue.get", "pipe.recv", "mgr.recv", "mgr.return", "pool.task.recv", "pool.result.recv"];
const LOCK = ["lock.acquire", "lock.release"];
const BLOCK = ["block.begin"];
const COLLECTOR = ["process.disconnect", "events.lost", "run.exit", "run.orphaned"];
const PROCESS = ["process.start", "process.spawn", "process.join", "process.terminate", "process.kill", "process.exit", "process.disconnect"];

/** Category bits indexed by kind code. */
export const KIND_CATEGORIES: Uint8Array = (() => {
  const a = new Uint8Array(KIND_NAMES.length);
  const mark = (names: string[], bit: number) => {
    for (const n of names) a[CODE.get(n)!] |= bit;
  };
  mark(SEND, CAT_SEND);
  mark(RECV, CAT_RECV);
  mark(LOCK, CAT_LOCK);
  mark(BLOCK, CAT_BLOCK);
  mark(COLLECTOR, CAT_COLLECTOR);
  mark(PROCESS, CAT_PROCESS);
  return a;
})();

/**
 * Pairing class of a message kind: a send and a receipt pair when they have the same class and
 * the same `msg`. Undefined for kinds that are not messages.
 */
export const MESSAGE_CLASS: Readonly<Record<string, string>> = {
  "queue.put": "q",
  "queue.get": "q",
  "pipe.send": "p",
  "pipe.recv": "p",
  "mgr.call": "mc",
  "mgr.recv": "mc",
  "mgr.reply": "mr",
  "mgr.return": "mr",
  "pool.task.send": "pt",
  "pool.task.recv": "pt",
  "pool.result.send": "pr",
  "pool.result.recv": "pr",
};

/** Receipt kinds by code. */
export const IS_RECEIPT_BY_CODE: Uint8Array = (() => {
  const a = new Uint8Array(KIND_NAMES.length);
  for (const k of RECV) a[CODE.get(k)!] = 1;
  return a;
})();
