/**
 * Potential deadlocks by lock order, as lockdep and ThreadSanitizer find them: whenever a thread
 * takes lock B while holding lock A, the order A→B is recorded with the place that established it.
 * A cycle in this order graph (A→B somewhere, B→A elsewhere) can deadlock even if this run did
 * not. Only the smallest cycle per set of locks is reported, with both call sites of every edge;
 * cycles whose every edge was taken by the same thread, or under a common "gate" lock held by all
 * of them, cannot deadlock and are skipped. Semaphores are left out (they are counters, not
 * owned).
 */

import type { CallSite, TraceEvent } from "../format";
import { fullSite, objectText, shortSite } from "../model/dump";
import type { CallInfo, ModelState } from "../model/state";
import { who } from "./explain";
import type { PotentialDeadlock } from "./types";

interface HeldLock {
  lock: string;
  site: CallSite | null;
  at: number;
  count: number;
}

interface Witness {
  pid: number;
  tid: number;
  holdSite: CallSite | null;
  holdAt: number;
  site: CallSite | null;
  at: number;
  /** Other locks held at the time (gate candidates). */
  held: string[];
}

const MAX_WITNESSES = 4;


/** Records lock order edges while a state is folded; see the file comment. */
export class LockOrderTracker {
  private readonly held = new Map<string, HeldLock[]>();
  private readonly edges = new Map<string, Map<string, Witness[]>>();
  private edgeCount = 0;

  /** Resolve a lock operation's object to a lock id (a Condition's id means its lock), or null for non-locks. */
  private lockId(s: ModelState, obj: string): string | null {
    let o = s.objects.get(obj);
    if (o && o.cls === "condition") o = s.objects.get(o.lock);
    if (!o || o.cls !== "lock" || o.kind === "semaphore") return null;
    return o.id;
  }

  /** Call after the state applied event i. `call`: the thread's pending Manager call before a mgr.return was applied. */
  onEvent(s: ModelState, ev: TraceEvent, i: number, call: CallInfo | null): void {
    const e = ev;
    switch (e.kind) {
      case "lock.acquire": {
        if (!e.ok) return;
        const id = this.lockId(s, e.obj);
        if (id) this.acquire(e.pid, e.tid, id, e.site ?? null, i);
        return;
      }
      case "lock.release": {
        const id = this.lockId(s, e.obj);
        if (id) this.release(e.pid, e.tid, id, e.depth);
        return;
      }
      case "mgr.return": {
        if (!call || !e.ok) return;
        const o = s.objects.get(call.obj);
        const lockObj = o && o.cls === "condition" ? s.objects.get(o.lock) : o;
        if (!lockObj || lockObj.cls !== "lock" || lockObj.native || lockObj.kind === "semaphore") return;
        if (call.method === "acquire" && e.preview !== "False") this.acquire(call.pid, call.tid, lockObj.id, call.site, i);
        else if (call.method === "release") this.release(call.pid, call.tid, lockObj.id, undefined);
        return;
      }
      case "process.exit":
        for (const k of [...this.held.keys()]) if (k.startsWith(e.pid + ":")) this.held.delete(k);
        return;
      default:
        return;
    }
  }

  private acquire(pid: number, tid: number, lock: string, site: CallSite | null, at: number): void {
    const key = pid + ":" + tid;
    let stack = this.held.get(key);
    if (!stack) this.held.set(key, (stack = []));
    const mine = stack.find((h) => h.lock === lock);
    if (mine) {
      mine.count++;
      return;
    }
    for (const h of stack) {
      let to = this.edges.get(h.lock);
      if (!to) this.edges.set(h.lock, (to = new Map()));
      let ws = to.get(lock);
      if (!ws) {
        to.set(lock, (ws = []));
        this.edgeCount++;
      }
      if (ws.length < MAX_WITNESSES && !ws.some((w) => w.pid === pid && w.tid === tid)) {
        ws.push({ pid, tid, holdSite: h.site, holdAt: h.at, site, at, held: stack.filter((x) => x !== h).map((x) => x.lock) });
      }
    }
    stack.push({ lock, site, at, count: 1 });
  }

  private release(pid: number, tid: number, lock: string, depth: number | undefined): void {
    const key = pid + ":" + tid;
    const drop = (stack: HeldLock[]): boolean => {
      const k = stack.findIndex((h) => h.lock === lock);
      if (k < 0) return false;
      const h = stack[k];
      h.count = depth !== undefined ? depth : h.count - 1;
      if (h.count <= 0) stack.splice(k, 1);
      return true;
    };
    const stack = this.held.get(key);
    if (stack && drop(stack)) return;
    // A Lock may be released by another thread or process than the one that took it.
    for (const st of this.held.values()) if (drop(st)) return;
  }

  /** Lock-order cycles found so far. `deadlocked`: lock ids involved in an actual deadlock (for the wording). */
  results(s: ModelState, deadlocked: ReadonlySet<string> = new Set()): PotentialDeadlock[] {
    if (this.edgeCount === 0) return [];
    const found = new Map<string, PotentialDeadlock>();
    for (const [a, tos] of this.edges) {
      for (const b of tos.keys()) {
        const path = this.shortestPath(b, a);
        if (!path) continue;
        const cycle = [a, b, ...path.slice(0, -1)]; // a → b → … → (back to a)
        const canon = canonical(cycle);
        const key = canon.join("\u0000");
        if (found.has(key)) continue;
        const r = this.report(s, canon, deadlocked);
        if (r) found.set(key, r);
      }
    }
    // Keep only the smallest cycles: drop a cycle whose locks include all locks of a smaller reported one.
    const all = [...found.values()].sort((x, y) => x.locks.length - y.locks.length || x.at - y.at);
    const kept: PotentialDeadlock[] = [];
    for (const c of all) {
      if (kept.some((k) => k.locks.every((l) => c.locks.includes(l)))) continue;
      kept.push(c);
    }
    return kept.sort((x, y) => x.at - y.at);
  }

  /** Shortest path from → … → to in the order graph (list of nodes after `from`, ending with `to`). */
  private shortestPath(from: string, to: string): string[] | null {
    if (from === to) return null;
    const prev = new Map<string, string>();
    const queue = [from];
    const seen = new Set([from]);
    while (queue.length) {
      const x = queue.shift()!;
      for (const y of this.edges.get(x)?.keys() ?? []) {
        if (seen.has(y)) continue;
        seen.add(y);
        prev.set(y, x);
        if (y === to) return rebuild(prev, from, to);
        queue.push(y);
      }
    }
    return null;
  }

  private report(s: ModelState, cycle: string[], deadlocked: ReadonlySet<string>): PotentialDeadlock | null {
    const n = cycle.length;
    const options: Witness[][] = [];
    for (let k = 0; k < n; k++) {
      const ws = this.edges.get(cycle[k])?.get(cycle[(k + 1) % n]);
      if (!ws || ws.length === 0) return null;
      options.push(ws);
    }
    const chosen = choose(options, new Set(cycle));
    if (!chosen) return null;
    const edges = chosen.map((w, k) => ({
      from: cycle[k],
      to: cycle[(k + 1) % n],
      process: s.processes.get(w.pid)?.name ?? `pid ${w.pid}`,
      pid: w.pid,
      holdSite: w.holdSite ? fullSite(w.holdSite) : null,
      site: w.site ? fullSite(w.site) : null,
      at: w.at,
    }));
    const sites: string[] = [];
    for (const e of edges) for (const x of [e.holdSite, e.site]) if (x && !sites.includes(x)) sites.push(x);
    const processes: string[] = [];
    for (const e of edges) if (!processes.includes(e.process)) processes.push(e.process);
    const parts = chosen.map(
      (w, k) =>
        `${who(s, w.pid)} took ${objectText(s, cycle[k], w.pid)} (${shortSite(w.holdSite)}) and then ${objectText(s, cycle[(k + 1) % n], w.pid)} (${shortSite(w.site)})`,
    );
    const hung = cycle.every((l) => deadlocked.has(l));
    const explanation = [
      `Potential deadlock (lock order): ${parts.join(", while ")}.`,
      `If these run at the same time, each can hold one lock and wait forever for the next.`,
      hung ? `This run did deadlock on them.` : `This run did not hang because the two orders did not overlap in time, but another run can.`,
      `How to fix it: take the locks in one fixed order everywhere (for example always ${[...cycle].sort((a, b) => (s.objects.get(a)?.createdAt ?? 0) - (s.objects.get(b)?.createdAt ?? 0) || (a < b ? -1 : 1)).map((l) => objectText(s, l)).join(" before ")}).`,
    ].join("\n");
    return { locks: cycle, sites, processes, at: Math.max(...chosen.map((w) => w.at)), edges, explanation };
  }
}

function rebuild(prev: Map<string, string>, from: string, to: string): string[] {
  const path: string[] = [];
  let z = to;
  while (z !== from) {
    path.push(z);
    z = prev.get(z)!;
  }
  return path.reverse();
}

/** Rotate a cycle so that its smallest lock id comes first. */
function canonical(cycle: string[]): string[] {
  let k = 0;
  for (let j = 1; j < cycle.length; j++) if (cycle[j] < cycle[k]) k = j;
  return [...cycle.slice(k), ...cycle.slice(0, k)];
}

/** One witness per edge: from at least two threads, with no gate lock common to all. */
function choose(options: Witness[][], cycleLocks: ReadonlySet<string>): Witness[] | null {
  const picked: Witness[] = [];
  let tries = 0;
  const ok = (): boolean => {
    const threads = new Set(picked.map((w) => w.pid + ":" + w.tid));
    if (threads.size < 2) return false;
    // A gate: a lock (outside the cycle) held by every witness makes the cycle impossible.
    let gate = picked[0].held.filter((l) => !cycleLocks.has(l));
    for (const w of picked.slice(1)) gate = gate.filter((l) => w.held.includes(l));
    return gate.length === 0;
  };
  const rec = (k: number): boolean => {
    if (++tries > 4096) return false;
    if (k === options.length) return ok();
    for (const w of options[k]) {
      picked.push(w);
      if (rec(k + 1)) return true;
      picked.pop();
    }
    return false;
  };
  return rec(0) ? picked : null;
}
