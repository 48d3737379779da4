/**
 * Shared memory: `Atomics.wait` as a blocking span (which buffer, index, expected value),
 * `Atomics.waitAsync` as one too (the thread itself goes on), `Atomics.notify` with the number
 * of waiters it woke, and the commonest lock built on `Atomics.compareExchange`:
 * a cell taken by a successful `compareExchange(cell, 0, x ≠ 0)` (or an `exchange(cell, x ≠ 0)`
 * that returned 0 on a cell known as a lock) and given back by `store(cell, 0)`,
 * `exchange(cell, 0)`, `compareExchange(cell, held, 0)` or a `sub` that leaves 0, by the thread
 * holding it. Such a cell is shown as a lock (`lock.acquire`/`lock.release`), and a wait on it
 * as waiting for that lock.
 */

import * as core from "./core";
import { sabId } from "./ports";
import { userSite } from "./site";

type Cellable = Int32Array | BigInt64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | BigUint64Array;

/** Cells this thread has seen used as a lock: id → held by this thread. */
const locks = new Map<string, { held: boolean }>();

/** `<sab>[<i32 index>]` for an element of a typed array on a SharedArrayBuffer; null on a plain ArrayBuffer. */
function cell(ta: Cellable, index: number): string | null {
  const b = ta?.buffer;
  if (!(b instanceof SharedArrayBuffer)) return null;
  const i = Number(index);
  if (!Number.isInteger(i) || i < 0 || i >= ta.length) return null;
  const byte = ta.byteOffset + i * ta.BYTES_PER_ELEMENT;
  const id = sabId(b);
  return ta.BYTES_PER_ELEMENT === 4 ? `${id}[${byte >> 2}]` : `${id}@${byte}`;
}

function isZero(v: unknown): boolean {
  return v === 0 || v === 0n;
}

export function installAtomics(): void {
  const A = Atomics as unknown as Record<string, (...a: unknown[]) => unknown>;
  const oWait = A.wait;
  const oWaitAsync = A.waitAsync;
  const oNotify = A.notify;
  const oCas = A.compareExchange;
  const oStore = A.store;
  const oExchange = A.exchange;
  const oSub = A.sub;
  const oLoad = A.load;

  A.wait = function wait(ta: unknown, index: unknown, value: unknown, timeout?: unknown) {
    const c = cell(ta as Cellable, index as number);
    if (c === null) return oWait.apply(Atomics, arguments as unknown as unknown[]);
    // A wait that cannot block (the value differs) returns at once: no span.
    let current: unknown;
    try {
      current = oLoad(ta, index);
    } catch {
      return oWait.apply(Atomics, arguments as unknown as unknown[]);
    }
    if (current !== (typeof current === "bigint" ? BigInt(value as bigint) : Number(value) | 0)) return oWait.apply(Atomics, arguments as unknown as unknown[]);
    const site = userSite(wait);
    if (site === null) return oWait.apply(Atomics, arguments as unknown as unknown[]); // not the program's own call
    const lock = locks.has(`L${c}`);
    const op = lock ? "lock.acquire" : "atomics.wait";
    const obj = lock ? `L${c}` : c;
    const x: Record<string, unknown> = { op, value: String(value) };
    const tmo = timeout === undefined ? Infinity : Number(timeout);
    if (Number.isFinite(tmo)) x.timeout = Math.max(0, tmo) / 1000;
    core.ev("block.begin", obj, null, site, x);
    core.flush();
    let r: unknown;
    try {
      r = oWait.apply(Atomics, arguments as unknown as unknown[]);
    } catch (err) {
      core.ev("block.end", obj, null, site, { op, outcome: "error", error: String((err as Error)?.name ?? err) });
      throw err;
    }
    core.ev("block.end", obj, null, site, { op, outcome: r === "timed-out" ? "timeout" : "ok", result: r });
    return r;
  };

  if (typeof oWaitAsync === "function") {
    A.waitAsync = function waitAsync(ta: unknown, index: unknown, value: unknown, timeout?: unknown) {
      const r = oWaitAsync.apply(Atomics, arguments as unknown as unknown[]) as { async: boolean; value: Promise<string> | string };
      const c = cell(ta as Cellable, index as number);
      if (c === null || !r || !r.async) return r;
      const site = userSite(waitAsync);
      if (site === null) return r; // not the program's own call (e.g. a loader's)
      const x: Record<string, unknown> = { op: "atomics.waitAsync", value: String(value) };
      const tmo = timeout === undefined ? Infinity : Number(timeout);
      if (Number.isFinite(tmo)) x.timeout = Math.max(0, tmo) / 1000;
      core.ev("block.begin", c, null, site, x);
      core.flush();
      (r.value as Promise<string>).then(
        (v) => core.ev("block.end", c, null, site, { op: "atomics.waitAsync", outcome: v === "timed-out" ? "timeout" : "ok", result: v }),
        () => undefined,
      );
      return r;
    };
  }

  A.notify = function notify(ta: unknown, index: unknown, count?: unknown) {
    const woken = oNotify.apply(Atomics, arguments as unknown as unknown[]) as number;
    const c = cell(ta as Cellable, index as number);
    // A notify that woke nobody changes nothing: not recorded.
    const site = c !== null && woken > 0 ? userSite(notify) : null;
    if (c !== null && site !== null) {
      const n = count === undefined || count === Infinity ? "all" : Number(count);
      core.ev("cond.notify", locks.has(`L${c}`) ? `L${c}` : c, null, site, { n, woken });
      core.flush();
    }
    return woken;
  };

  const acquired = (c: string, site: number | null) => {
    if (site === null) return; // not the program's own call
    const id = `L${c}`;
    let l = locks.get(id);
    if (!l) locks.set(id, (l = { held: false }));
    l.held = true;
    core.ev("lock.acquire", id, null, site, { ok: true });
  };
  const released = (c: string, fn: Function) => {
    const l = locks.get(`L${c}`);
    if (!l || !l.held) return;
    l.held = false;
    core.ev("lock.release", `L${c}`, null, userSite(fn), null);
  };

  A.compareExchange = function compareExchange(ta: unknown, index: unknown, expected: unknown, replacement: unknown) {
    const r = oCas.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    if (c === null) return r;
    // Compare as the typed array stores: r is the old value, a success is old == expected (coerced).
    const ok = typeof r === "bigint" ? r === BigInt(expected as bigint) : r === (Number(expected) | 0) || r === Number(expected);
    if (!ok) {
      // A failed attempt to take a free cell: it is a lock, and a wait on it waits for the lock.
      if (isZero(expected) && !isZero(replacement) && !locks.has(`L${c}`)) locks.set(`L${c}`, { held: false });
      return r;
    }
    if (isZero(r) && !isZero(replacement)) acquired(c, userSite(compareExchange));
    else if (isZero(replacement)) released(c, compareExchange);
    return r;
  };
  A.exchange = function exchange(ta: unknown, index: unknown, value: unknown) {
    const r = oExchange.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    if (c !== null && locks.has(`L${c}`)) {
      if (isZero(value)) released(c, exchange);
      else if (isZero(r) && !locks.get(`L${c}`)!.held) acquired(c, userSite(exchange));
    }
    return r;
  };
  A.store = function store(ta: unknown, index: unknown, value: unknown) {
    const r = oStore.apply(Atomics, arguments as unknown as unknown[]);
    if (isZero(r)) {
      const c = cell(ta as Cellable, index as number);
      if (c !== null && locks.has(`L${c}`)) released(c, store);
    }
    return r;
  };
  A.sub = function sub(ta: unknown, index: unknown, value: unknown) {
    const r = oSub.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    if (c !== null && locks.has(`L${c}`)) {
      const after = typeof r === "bigint" ? r - BigInt(value as bigint) : (r as number) - Number(value);
      if (isZero(after)) released(c, sub);
    }
    return r;
  };
}
