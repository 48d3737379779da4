/**
 * Shared memory: `Atomics.wait` as a blocking span (which buffer, index, expected value),
 * `Atomics.waitAsync` as one too (the thread itself goes on), `Atomics.notify` with the number
 * of waiters it woke, and the commonest lock built on `Atomics.compareExchange`:
 * a cell taken by a successful `compareExchange(cell, 0, x ≠ 0)` (or an `exchange(cell, x ≠ 0)`
 * that returned 0 on a cell known as a lock) and given back by `store(cell, 0)`,
 * `exchange(cell, 0)`, `compareExchange(cell, held, 0)` or a `sub` that leaves 0, by the thread
 * holding it. Such a cell is shown as a lock (`lock.acquire`/`lock.release`), and a wait on it
 * as waiting for that lock.
 *
 * The commonest counting semaphore too: a permit taken by a successful
 * `compareExchange(cell, n, n - 1)` with n ≥ 1, given back by `add(cell, k ≥ 1)` (by any thread:
 * a producer may release what a consumer takes). Its first taking, in any thread of the process,
 * makes it a semaphore for all of them (a table in shared memory, like the wakes below; the first
 * decrement of a cell not yet known holds its slot, so no other thread's decrement comes first) and
 * records its `sync.create` (`S<cell>`, `value` the permits it had then); each taking is a
 * `lock.acquire`, each permit given back a `lock.release`, and a wait on it with value 0 a wait
 * for a permit (`lock.acquire`).
 *
 * Who woke whom: a notify that woke someone writes a number unique in the process into a table
 * all threads of the process share (a SharedArrayBuffer handed to every worker in the
 * environment data), in the slot of its cell, just after Atomics.notify returns; a wait that a
 * notify ended waits for that slot to change (a spin, then 1 ms steps, at most 20 ms) and reads
 * it. The notify's `cond.notify` and the waiter's `block.end` then carry the same `msg`
 * (`an<pid>.<n>`), and the view draws an arrow from the notifying thread to each thread it woke.
 * When two notifies on one cell wake waiters at nearly the same instant, a waiter may name the
 * other one (it always names a recorded notify, or none).
 */

import * as core from "./core";
import { sabId } from "./ports";
import { cachedSite, FAST, siteCache, userSite } from "./site";

type Cellable = Int32Array | BigInt64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Uint32Array | BigUint64Array;

/** Cells this thread has seen used as a lock: id → held by this thread. */
const locks = new Map<string, { held: boolean }>();

/** Cell ids by typed array and index (the same string object each time: cheap to build, hash and compare). */
const cellIds = new WeakMap<object, (string | undefined)[]>();

/** `<sab>[<i32 index>]` for an element of a typed array on a SharedArrayBuffer; null on a plain ArrayBuffer. */
function cell(ta: Cellable, index: number): string | null {
  const b = ta?.buffer;
  if (!(b instanceof SharedArrayBuffer)) return null;
  const i = Number(index);
  if (!Number.isInteger(i) || i < 0 || i >= ta.length) return null;
  let ids = cellIds.get(ta);
  if (ids === undefined) cellIds.set(ta, (ids = []));
  const known = ids[i];
  if (known !== undefined) return known;
  const byte = ta.byteOffset + i * ta.BYTES_PER_ELEMENT;
  const id = sabId(b);
  return (ids[i] = ta.BYTES_PER_ELEMENT === 4 ? `${id}[${byte >> 2}]` : `${id}@${byte}`);
}

/** The lock id of a cell, `L<cell>` (one string per cell). */
const lockIds = new Map<string, string>();
function L(c: string): string {
  let id = lockIds.get(c);
  if (id === undefined) lockIds.set(c, (id = `L${c}`));
  return id;
}

/** Call sites per operation (site.ts cachedSite), by cell. */
const sites = { wait: siteCache(), notify: siteCache(), cas: siteCache(), xchg: siteCache(), store: siteCache(), exchange: siteCache(), compareExchange: siteCache(), sub: siteCache(), take: siteCache(), give: siteCache() };

/** The semaphore id of a cell, `S<cell>`. */
const semIds = new Map<string, string>();
function S(c: string): string {
  let id = semIds.get(c);
  if (id === undefined) semIds.set(c, (id = `S${c}`));
  return id;
}

/** Environment data key of the table of cells known as semaphores (shared by every thread of a process). */
const SEM_KEY = "ipcviz:semaphores";
/**
 * Slot k of a cell: [2k] its hash, [2k + 1] its state: 0 free, 1 a semaphore (its sync.create
 * recorded), 2 claimed by a thread whose decrement of the cell is under way. A cell whose slot is
 * taken by another cell goes to the next one (linear probing); a slot is freed again only from
 * state 2, while nobody probes past it. [SEM_COUNT]: how many semaphores there are.
 */
const SEM_SLOTS = 4096;
const SEM_COUNT = 2 * SEM_SLOTS;
const SEM_PROBES = 64;
let semTable: Int32Array; // core.processTable, made by installAtomics
/** Cells this thread knows as semaphores. */
const semaphores = new Set<string>();
/** Cells this thread found not to be semaphores while the process had `notSemCount` of them (Atomics.add on a counter is a hot path). */
const notSemaphores = new Set<string>();
let notSemCount = 0;

/** Environment data key of the wake table (shared by every thread of a process). */
const WAKE_KEY = "ipcviz:wakes";
const WAKE_SLOTS = 4096;
/** [0]: the process's notify counter; slot k of a cell: [1 + 2k] its hash, [2 + 2k] the last notify's number (0: not the program's). */
let wakes: Int32Array; // core.processTable, made by installAtomics

/** FNV-1a of a cell id. */
function hashOf(c: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < c.length; i++) h = Math.imul(h ^ c.charCodeAt(i), 0x01000193);
  return h | 0;
}

function slotOf(h: number): number {
  return 1 + 2 * ((h >>> 0) % WAKE_SLOTS);
}

function isZero(v: unknown): boolean {
  return v === 0 || v === 0n;
}

/** `old` ≥ 1 and `replacement` is old − 1 (as the typed array stored it). */
function isDecrement(old: unknown, replacement: unknown): boolean {
  if (typeof old === "bigint") return old >= 1n && BigInt(replacement as bigint) === old - 1n;
  return typeof old === "number" && old >= 1 && Number(replacement) === old - 1;
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
  const oAdd = A.add;

  // One table each per process: the main thread makes it, every worker gets it.
  wakes = core.processTable(WAKE_KEY, 1 + 2 * WAKE_SLOTS);
  semTable = core.processTable(SEM_KEY, 2 * SEM_SLOTS + 1);
  /**
   * Where cell `c` (hash `h`) is in the semaphore table: `found` (a semaphore), `free` (its slot,
   * unclaimed), `busy` (a slot being claimed, which may be its own), or none of them (the probes ran out).
   */
  const findSem = (h: number): { k: number; state: "found" | "free" | "busy" } | null => {
    for (let i = 0; i < SEM_PROBES; i++) {
      const k = 2 * (((h >>> 0) + i) % SEM_SLOTS);
      const state = oLoad(semTable, k + 1);
      if (state === 0) return { k, state: "free" };
      if (state === 2) return { k, state: "busy" };
      if (oLoad(semTable, k) === h) return { k, state: "found" };
    }
    return null;
  };
  /** Whether cell `c` is a semaphore (this thread knows it, or another thread of the process made it one). */
  const isSemaphore = (c: string): boolean => {
    if (semaphores.has(c)) return true;
    const n = oLoad(semTable, SEM_COUNT) as number;
    if (n === 0) return false; // no semaphore in the process: nothing to look up
    if (n !== notSemCount) {
      notSemaphores.clear(); // a cell may have become one since
      notSemCount = n;
    } else if (notSemaphores.has(c)) return false;
    const at = findSem(hashOf(c));
    if (at !== null && at.state === "found") {
      semaphores.add(c);
      return true;
    }
    if (at !== null && at.state === "free" && notSemaphores.size < 4096) notSemaphores.add(c);
    return false;
  };
  /**
   * Before a decrement of cell `c` that may make it a semaphore: claims its slot (returned; the
   * caller settles it with settleSem), or finds it already one (-1). While a slot is claimed,
   * the other threads' first decrements wait (at most about 200 ms), so the thread that records
   * the sync.create is the one whose taking came first, and `value` is the permits it had then.
   */
  const claimSem = (c: string): number => {
    const h = hashOf(c);
    for (let round = 0; round < 1000; round++) {
      const at = findSem(h);
      if (at === null) return -1; // the table is full around this hash: takings are recorded, not the creation
      if (at.state === "found") {
        semaphores.add(c);
        return -1;
      }
      if (at.state === "free") {
        if (oCas(semTable, at.k + 1, 0, 2) === 0) {
          oStore(semTable, at.k, h);
          return at.k;
        }
        continue;
      }
      // Another thread's decrement is under way: a few instructions, or a descheduled thread.
      for (let n = 0; n < 2000 && oLoad(semTable, at.k + 1) === 2; n++);
      for (let n = 0; n < 200 && oLoad(semTable, at.k + 1) === 2; n++) oWait(semTable, at.k + 1, 2, 1);
      if (oLoad(semTable, at.k + 1) === 2) return -1;
    }
    return -1;
  };
  /** Slot `k` claimed by claimSem: marked as the semaphore `c` is (`made`), or freed. */
  const settleSem = (c: string, k: number, made: boolean): void => {
    if (made) {
      semaphores.add(c);
      oStore(semTable, k + 1, 1);
      oAdd(semTable, SEM_COUNT, 1);
    } else {
      oStore(semTable, k, 0);
      oStore(semTable, k + 1, 0);
    }
    oNotify(semTable, k + 1);
  };
  const wakePrefix = `an${process.pid}.`;
  /** The wake slot of cell `c`, and its value now (before a wait). */
  const wakeMark = (c: string): { h: number; k: number; v0: number } => {
    const h = hashOf(c);
    const k = slotOf(h);
    return { h, k, v0: oLoad(wakes, k + 1) as number };
  };
  /** The notify's number once the slot has changed since `m` was taken (0: not yet). */
  const wakeNow = (m: { h: number; k: number; v0: number }): number | null => {
    const g = oLoad(wakes, m.k + 1) as number;
    if (g === m.v0) return 0;
    return oLoad(wakes, m.k) === m.h && g > 0 ? g : null;
  };
  /**
   * The notify that woke a wait (its msg), or null. Its notifier writes its number just after
   * Atomics.notify returns: spin briefly for it, then sleep in 1 ms steps (at most 20 ms).
   */
  const wokenBy = (m: { h: number; k: number; v0: number }): string | null => {
    let g = wakeNow(m);
    for (let n = 0; g === 0 && n < 2000; n++) g = wakeNow(m);
    for (let n = 0; g === 0 && n < 20; n++) {
      core.sleepMs(1);
      g = wakeNow(m);
    }
    return g ? wakePrefix + g : null;
  };

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
    const site = FAST ? cachedSite(sites.wait, c, wait) : userSite(wait);
    if (site === null) return oWait.apply(Atomics, arguments as unknown as unknown[]); // not the program's own call
    const lock = locks.has(L(c));
    const sem = !lock && isZero(value) && isSemaphore(c);
    const op = lock || sem ? "lock.acquire" : "atomics.wait";
    const obj = lock ? L(c) : sem ? S(c) : c;
    const x: Record<string, unknown> = { op, value: String(value) };
    const tmo = timeout === undefined ? Infinity : Number(timeout);
    if (Number.isFinite(tmo)) x.timeout = Math.max(0, tmo) / 1000;
    const mark = wakeMark(c);
    core.ev("block.begin", obj, null, site, x);
    core.flush();
    let r: unknown;
    try {
      r = oWait.apply(Atomics, arguments as unknown as unknown[]);
    } catch (err) {
      core.ev("block.end", obj, null, site, { op, outcome: "error", error: String((err as Error)?.name ?? err) });
      throw err;
    }
    core.ev("block.end", obj, r === "ok" ? wokenBy(mark) : null, site, { op, outcome: r === "timed-out" ? "timeout" : "ok", result: r });
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
      const mark = wakeMark(c);
      core.ev("block.begin", c, null, site, x);
      core.flush();
      (r.value as Promise<string>).then(
        (v) => {
          const t = core.now();
          // The notifier writes its number just after its notify: look again a few times (not blocking this thread).
          const end = (tries: number): void => {
            const g = v === "ok" ? wakeNow(mark) : null;
            if (g === 0 && tries < 20) {
              setTimeout(() => end(tries + 1), 1).unref();
              return;
            }
            core.evAt(t, "block.end", c, g ? wakePrefix + g : null, site, { op: "atomics.waitAsync", outcome: v === "timed-out" ? "timeout" : "ok", result: v });
          };
          end(0);
        },
        () => undefined,
      );
      return r;
    };
  }

  A.notify = function notify(ta: unknown, index: unknown, count?: unknown) {
    const c = cell(ta as Cellable, index as number);
    if (c === null) return oNotify.apply(Atomics, arguments as unknown as unknown[]) as number;
    const t = core.now();
    const woken = oNotify.apply(Atomics, arguments as unknown as unknown[]) as number;
    // A notify that woke nobody changes nothing: not recorded (and costs no call-site capture). One
    // that did tells the waiters it woke its number (negative: not the program's call, so no event to name).
    if (woken > 0) {
      const site = FAST ? cachedSite(sites.notify, c, notify) : userSite(notify);
      const h = hashOf(c);
      const k = slotOf(h);
      const g = ((oAdd(wakes, 0, 1) as number) + 1) & 0x3fffffff || 1;
      oStore(wakes, k, h);
      oStore(wakes, k + 1, site === null ? -g : g);
      if (site !== null) {
        const n = count === undefined || count === Infinity ? "all" : Number(count);
        core.evAt(t, "cond.notify", locks.has(L(c)) ? L(c) : isSemaphore(c) ? S(c) : c, wakePrefix + g, site, { n, woken });
        core.flush();
      }
    }
    return woken;
  };

  const acquired = (c: string, site: number | null) => {
    if (site === null) return; // not the program's own call
    const id = L(c);
    let l = locks.get(id);
    if (!l) locks.set(id, (l = { held: false }));
    l.held = true;
    core.ev("lock.acquire", id, null, site, { ok: true });
  };
  /** The lock entry of cell `c` when this thread holds it (a release by the holder gives it back). */
  const held = (c: string): { held: boolean } | null => {
    const l = locks.get(L(c));
    return l !== undefined && l.held ? l : null;
  };
  const release = (c: string, l: { held: boolean }, site: number | null) => {
    l.held = false;
    core.ev("lock.release", L(c), null, site, null);
  };

  A.compareExchange = function compareExchange(ta: unknown, index: unknown, expected: unknown, replacement: unknown) {
    // What may take a lock (0 → x ≠ 0) finds its call site before it runs: a lock taken is then
    // held no longer than without the runtime (the other threads wait less), at the price of a
    // capture for an attempt that fails.
    const c = cell(ta as Cellable, index as number);
    if (c === null) return oCas.apply(Atomics, arguments as unknown as unknown[]);
    // A decrement of a cell not yet known as a semaphore claims its slot first (see claimSem).
    const claim = isDecrement(expected, replacement) && !semaphores.has(c) && !locks.has(L(c)) ? claimSem(c) : -1;
    let made = false;
    try {
      const pre = !FAST && isZero(expected) && !isZero(replacement) ? userSite(compareExchange) : undefined;
      const r = oCas.apply(Atomics, arguments as unknown as unknown[]);
      // Compare as the typed array stores: r is the old value, a success is old == expected (coerced).
      const ok = typeof r === "bigint" ? r === BigInt(expected as bigint) : r === (Number(expected) | 0) || r === Number(expected);
      if (!ok) {
        // A failed attempt to take a free cell: it is a lock, and a wait on it waits for the lock.
        if (isZero(expected) && !isZero(replacement) && !locks.has(L(c))) locks.set(L(c), { held: false });
        return r;
      }
      if (isZero(r) && !isZero(replacement)) acquired(c, pre !== undefined ? pre : FAST ? cachedSite(sites.cas, c, compareExchange) : userSite(compareExchange));
      else {
        const l = isZero(replacement) ? held(c) : null;
        if (l) release(c, l, FAST ? cachedSite(sites.compareExchange, c, compareExchange) : userSite(compareExchange));
        else if (isDecrement(r, replacement) && !locks.has(L(c))) {
          // n → n − 1 with n ≥ 1: a permit of a semaphore taken.
          const site = FAST ? cachedSite(sites.take, c, compareExchange) : userSite(compareExchange);
          if (site !== null) {
            if (claim >= 0) {
              core.ev("sync.create", S(c), null, site, { objType: "Semaphore", value: Number(r) });
              made = true;
            }
            core.ev("lock.acquire", S(c), null, site, { ok: true });
          }
        }
      }
      return r;
    } finally {
      if (claim >= 0) settleSem(c, claim, made);
    }
  };
  A.add = function add(ta: unknown, index: unknown, value: unknown) {
    const r = oAdd.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    if (c !== null && isSemaphore(c)) {
      // k ≥ 1 permits given back (one release each; at most 64 recorded for one call).
      const k = typeof r === "bigint" ? Number(BigInt(value as bigint)) : Number(value) | 0;
      if (k >= 1) {
        const site = FAST ? cachedSite(sites.give, c, add) : userSite(add);
        if (site !== null) for (let n = Math.min(k, 64); n > 0; n--) core.ev("lock.release", S(c), null, site, null);
      }
    }
    return r;
  };
  A.exchange = function exchange(ta: unknown, index: unknown, value: unknown) {
    const r = oExchange.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    if (c !== null && locks.has(L(c))) {
      if (isZero(value)) {
        const l = held(c);
        if (l) release(c, l, FAST ? cachedSite(sites.exchange, c, exchange) : userSite(exchange));
      } else if (isZero(r) && !locks.get(L(c))!.held) acquired(c, FAST ? cachedSite(sites.xchg, c, exchange) : userSite(exchange));
    }
    return r;
  };
  A.store = function store(ta: unknown, index: unknown, _value: unknown) {
    const r = oStore.apply(Atomics, arguments as unknown as unknown[]);
    if (isZero(r)) {
      const c = cell(ta as Cellable, index as number);
      const l = c !== null ? held(c) : null;
      if (l) release(c!, l, FAST ? cachedSite(sites.store, c!, store) : userSite(store));
    }
    return r;
  };
  A.sub = function sub(ta: unknown, index: unknown, value: unknown) {
    const r = oSub.apply(Atomics, arguments as unknown as unknown[]);
    const c = cell(ta as Cellable, index as number);
    const l = c !== null ? held(c) : null;
    if (l) {
      const after = typeof r === "bigint" ? r - BigInt(value as bigint) : (r as number) - Number(value);
      if (isZero(after)) release(c!, l, FAST ? cachedSite(sites.sub, c!, sub) : userSite(sub));
    }
    return r;
  };
}
