/**
 * The user's call site of an operation: the first stack frame that is not the runtime's, not
 * Node's own (`node:`), and not a package's (`node_modules`). Positions in a file that has a
 * source map (TypeScript run by tsx or ts-node, a bundle with a map) are mapped to the source.
 * Sites are small ints, defined on the channel the first time they are used.
 */

import { fileURLToPath } from "node:url";
import * as core from "./core";

type CallSiteLike = { getFileName(): string | null | undefined; getPosition?(): number; getLineNumber(): number | null; getColumnNumber(): number | null; getFunctionName(): string | null; getMethodName?(): string | null; getTypeName?(): string | null };

let findSourceMap: ((path: string) => { findEntry(line: number, col: number): Record<string, unknown> } | undefined) | null = null;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  findSourceMap = require("node:module").findSourceMap ?? null;
} catch {
  findSourceMap = null;
}

const ids = new Map<string, number>();
let nextId = 1;

function captured(_: unknown, cs: CallSiteLike[]): CallSiteLike[] {
  return cs;
}

/** Is this file the program's own code? */
/** The TypeScript runner's packages: what they do (esbuild's synchronous transform waits with Atomics) is not the program's. */
const RUNNER = /[\\/]node_modules[\\/](?:tsx|ts-node|esbuild|@esbuild[\\/][^\\/]+)[\\/]/;

function isUser(f: string): boolean {
  return f !== core.runtimeFile && !f.startsWith("node:") && !f.includes("/node_modules/") && !f.startsWith("internal/");
}

/** A function or class whose frame (and those above it) a stack capture skips. */
export type Callee = ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown);

/** Site id of the caller of `skip` when that caller is the program's own code (not Node's or a package's), else null. */
export function directUserSite(skip: Callee): number | null {
  return userSite(skip, true);
}

/** Whether the caller of `skip` is the TypeScript runner (its first frame outside Node and the runtime is the runner's). */
export function runnerCall(skip: Callee): boolean {
  const list = frames(skip, 16);
  if (!list) return false;
  for (const c of list) {
    let file: string | null | undefined;
    try {
      file = c.getFileName();
    } catch {
      continue;
    }
    if (!file) continue;
    if (RUNNER.test(file)) return true;
    if (isUser(file)) return false;
  }
  return false;
}

/** The structured frames above `skip`, at most `limit` of them. */
function frames(skip: Callee, limit: number): CallSiteLike[] | undefined {
  const prep = Error.prepareStackTrace;
  const saved = Error.stackTraceLimit;
  try {
    Error.prepareStackTrace = captured as typeof Error.prepareStackTrace;
    Error.stackTraceLimit = limit;
    const holder: { stack?: CallSiteLike[] } = {};
    Error.captureStackTrace(holder, skip);
    return Array.isArray(holder.stack) ? holder.stack : undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prep;
    Error.stackTraceLimit = saved;
  }
}

/** What a file is: the program's own, the runtime's, the TypeScript runner's, or another's (Node's, a package's). */
const USER = 0;
const RUNTIME = 1;
const RUNNER_FILE = 2;
const OTHER = 3;
const fileKinds = new Map<string, number>();
function kindOf(file: string): number {
  let k = fileKinds.get(file);
  if (k === undefined) {
    k = file === core.runtimeFile ? RUNTIME : RUNNER.test(file) ? RUNNER_FILE : isUser(file) ? USER : OTHER;
    if (fileKinds.size > 4096) fileKinds.clear();
    fileKinds.set(file, k);
  }
  return k;
}

/**
 * Site id of the user's frame calling into the runtime, or null when there is none. Most calls
 * come straight from the program: one frame, the caller of `skip`, is taken first (capturing is
 * most of a hook's cost, and V8 walks every frame above `skip` too: hooks call this from the
 * hooked function itself), sixteen only when that one is not the program's. The frame is known
 * by its file and source position (cheap to read); its line, column and source map are looked
 * up once per position (`define`).
 */
export function userSite(skip?: Callee, direct = false): number | null {
  const prep = Error.prepareStackTrace;
  const saved = Error.stackTraceLimit;
  let c: CallSiteLike | undefined;
  try {
    Error.prepareStackTrace = captured as typeof Error.prepareStackTrace;
    Error.stackTraceLimit = 1;
    const holder: { stack?: CallSiteLike[] } = {};
    Error.captureStackTrace(holder, skip ?? userSite);
    const s = holder.stack;
    if (!Array.isArray(s) || s.length === 0) return null;
    c = s[0];
  } catch {
    return null;
  } finally {
    Error.prepareStackTrace = prep;
    Error.stackTraceLimit = saved;
  }
  let file: string | null | undefined;
  try {
    file = c.getFileName();
  } catch {
    file = undefined;
  }
  if (file) {
    const k = kindOf(file);
    if (k === USER) return siteOf(c, file);
    if (k === RUNNER_FILE || (direct && k === OTHER)) return null;
  }
  const long = frames(skip ?? userSite, 16);
  return long ? pick(long, direct) ?? null : null;
}

/**
 * A call site remembered per operation (`siteCache`) and object (`key`, e.g. a cell) in this thread:
 * capturing the stack is most of a hook's cost (V8 has no cheaper way to learn the caller:
 * `Function.prototype.caller` costs as much as a capture), and a hot loop calls the same operation
 * on the same object from the same line again and again (a lock helper's `compareExchange`, a
 * ping-pong handler's `postMessage`). Once a key has given the same site 4 times in a row, that
 * site is reused; it is captured again at the 2nd, 4th, 8th and then every 16th call, and a
 * different site there drops the cache (and doubles the streak needed, up to 64, for that key).
 * The price: when a program switches to another line for the same operation on the same object,
 * up to 15 events before the next check can carry the previous line. That is a wrong line shown to
 * the user, so the cache is off unless `IPCVIZ_FAST_SITES=1` is in the environment: by default
 * every call is captured and every event carries its own line.
 */
interface SiteCacheEntry {
  site: number | null;
  /** Same site this many captures in a row. */
  streak: number;
  trust: number;
  /** Calls since the site was trusted, and the call at which it is captured again. */
  calls: number;
  next: number;
}
const MAX_CHECK_GAP = 16;
const EXACT = process.env.IPCVIZ_FAST_SITES !== "1";
/** The call-site cache is on (IPCVIZ_FAST_SITES=1). Off, hooks call userSite themselves (one frame less for V8 to walk). */
export const FAST = !EXACT;

/** A cache of call sites for one operation (see {@link cachedSite}). */
export type SiteCache = Map<string, SiteCacheEntry>;
export function siteCache(): SiteCache {
  return new Map();
}

export function cachedSite(siteCache: SiteCache, key: string, skip: Callee): number | null {
  if (EXACT) return userSite(skip);
  let e = siteCache.get(key);
  if (e !== undefined && e.streak >= e.trust) {
    if (++e.calls < e.next) return e.site;
    const now = userSite(skip);
    if (now === e.site) {
      e.next = Math.min(e.next * 2, e.calls + MAX_CHECK_GAP);
      return now;
    }
    // Another line: capture every call again until it is stable, and wait longer before trusting it.
    e.site = now;
    e.streak = 1;
    e.trust = Math.min(e.trust * 2, 64);
    return now;
  }
  const site = userSite(skip);
  if (e === undefined) {
    if (siteCache.size > 4096) siteCache.clear();
    siteCache.set(key, (e = { site, streak: 1, trust: 4, calls: 0, next: 2 }));
  } else if (site === e.site) {
    if (++e.streak >= e.trust) {
      e.calls = 0;
      e.next = 2;
    }
  } else {
    e.site = site;
    e.streak = 1;
  }
  return site;
}

/** The site of the first user frame (undefined: none among these frames; null: not direct). */
function pick(list: CallSiteLike[], direct: boolean): number | null | undefined {
  for (const c of list) {
    let file: string | null | undefined;
    try {
      file = c.getFileName();
    } catch {
      continue;
    }
    const k = file ? kindOf(file) : OTHER;
    if (k === RUNNER_FILE) return null;
    if (k !== USER) {
      if (direct && k !== RUNTIME) return null;
      continue;
    }
    return siteOf(c, file!);
  }
  return undefined;
}

/**
 * Site ids by file and source position (the call's offset in its script). A position is one line
 * and column of its script; the line, column, function name and source map are looked up once.
 * (Two different scripts loaded under the same file name would share ids: Node loads a file once.)
 */
const byPosition = new Map<string, Map<number, number>>();

function siteOf(c: CallSiteLike, file: string): number {
  let pos = -1;
  try {
    const p = c.getPosition?.();
    if (typeof p === "number") pos = p;
  } catch {
    pos = -1;
  }
  let m = byPosition.get(file);
  if (pos >= 0 && m !== undefined) {
    const known = m.get(pos);
    if (known !== undefined) return known;
  }
  let line = 0;
  let col = 0;
  try {
    line = c.getLineNumber() ?? 0;
    col = c.getColumnNumber() ?? 0;
  } catch {
    /* no position */
  }
  const key = `${file}:${line}:${col}`;
  const id = ids.get(key) ?? define(key, file, line, col, c);
  if (pos >= 0) {
    if (m === undefined) {
      if (byPosition.size > 4096) byPosition.clear();
      byPosition.set(file, (m = new Map()));
    }
    m.set(pos, id);
  }
  return id;
}

function define(key: string, rawFile: string, line: number, col: number, c: CallSiteLike): number {
  let file = rawFile;
  let fn = "";
  try {
    fn = c.getFunctionName() ?? "";
    const type = c.getTypeName?.();
    if (fn && type && type !== "Object" && !fn.includes(".")) fn = `${type}.${fn}`;
  } catch {
    fn = "";
  }
  let outLine = line;
  try {
    const sm = findSourceMap?.(rawFile);
    if (sm) {
      const e = sm.findEntry(line - 1, col - 1) as { originalSource?: string; originalLine?: number; name?: string };
      if (e && typeof e.originalLine === "number" && typeof e.originalSource === "string") {
        outLine = e.originalLine + 1;
        file = e.originalSource;
      }
    }
  } catch {
    /* no map */
  }
  if (file.startsWith("file://")) {
    try {
      file = fileURLToPath(file);
    } catch {
      /* keep the URL */
    }
  }
  const id = nextId++;
  ids.set(key, id);
  core.defineSite(id, file, outLine, fn || "<anonymous>");
  return id;
}
