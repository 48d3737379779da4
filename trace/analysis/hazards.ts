/**
 * Hazards the multiprocessing documentation warns about, found while a state is folded:
 *
 * - join-before-drain: joining a process while items it put on a Queue are still unconsumed and
 *   will only be taken by the joiner after the join (or never): the child cannot exit until its
 *   feeder thread has flushed them, so with large items the join waits forever.
 * - terminate-holding-lock / terminate-during-put: terminate() or kill() of a process that holds a
 *   lock (never released again) or is putting on a queue or pipe (which may be corrupted).
 * - lost-in-place-change: a mutable value read from a Manager Namespace/dict was changed in place
 *   and never written back (the runtime emits `ns.local_change`).
 * - feeder-error: an item put on a Queue could not be pickled by its feeder thread and was dropped.
 */

import { msgOf, previewOf, siteOf, type EventIn, type TraceEvent } from "../format";
import { fullSite, objectText, shortSite } from "../model/dump";
import { splitArgs } from "../model/pyRepr";
import { KINDS } from "../kinds/table";
import type { KindDecl } from "../kinds/fields";
import type { ModelRefs, ModelState } from "../model/state";
import { who } from "./explain";
import type { Hazard } from "./types";

/** Blocking sends on a queue or a pipe (put(), send()), from the kinds table: a process terminated inside one can leave the channel broken. */
const CHANNEL_SENDS: ReadonlySet<string> = new Set(
  (Object.entries(KINDS) as [string, KindDecl][]).filter(([, d]) => d.class === "send" && d.blocks && (d.arrow === "queue" || d.arrow === "pipe")).map(([k]) => k),
);


const FEEDER_QUEUES = new Set(["Queue", "JoinableQueue"]);

/** Finds hazards as events are applied; see the file comment. */
export class HazardTracker {
  readonly hazards: Hazard[] = [];
  private readonly keys = new Set<string>();
  /** Open lost-change hazards by "obj\0attr", to add who later read the stale value. */
  private readonly lostChanges = new Map<string, { hazard: Hazard; pid: number; before: string; readers: Set<number>; withdrawn: boolean }>();

  constructor(private readonly model: ModelRefs & { partner(i: number): number }) {}

  private add(key: string, h: Hazard): Hazard | null {
    if (this.keys.has(key)) return null;
    this.keys.add(key);
    this.hazards.push(h);
    return h;
  }

  /** Call after the state applied event i. */
  onEvent(s: ModelState, ev: TraceEvent, i: number): void {
    const e = ev;
    switch (e.kind) {
      case "block.begin":
        if (e.op === "process.join" && typeof e.obj === "string" && e.obj.startsWith("proc:")) {
          this.joinBeforeDrain(s, e.pid, Number(e.obj.slice(5)), i, e);
        }
        return;
      case "process.join":
        this.joinBeforeDrain(s, e.pid, e.child, i, e);
        return;
      case "process.terminate":
      case "process.kill":
        this.terminate(s, e, i);
        return;
      case "ns.local_change":
        this.localChange(s, e, i);
        return;
      case "ns.set":
        this.writtenBack(e.obj, e.attr, e.pid);
        return;
      case "proxy.op":
        if (e.method === "__setitem__" && e.ok) {
          const key = splitArgs(e.args)[0];
          if (key !== undefined) this.writtenBack(e.obj, key, e.pid);
        }
        return;
      case "ns.get": {
        const lc = this.lostChanges.get(e.obj + "\u0000" + e.attr);
        if (lc && !lc.withdrawn && e.pid !== lc.pid && e.value === lc.before && !lc.readers.has(e.pid)) {
          lc.readers.add(e.pid);
          lc.hazard.explanation = lc.hazard.explanation.replace(
            /\nHow to fix it:/,
            `\n${who(s, e.pid)} later read ${e.attr} (${shortSite(e.site)}) and got the old value ${e.value}.\nHow to fix it:`,
          );
          if (!lc.hazard.processes.includes(s.processes.get(e.pid)?.name ?? "")) lc.hazard.processes.push(s.processes.get(e.pid)?.name ?? `pid ${e.pid}`);
          if (e.site) {
            const site = fullSite(e.site);
            if (!lc.hazard.sites.includes(site)) lc.hazard.sites.push(site);
          }
        }
        return;
      }
      case "queue.feeder_error":
        this.feederError(s, e, i);
        return;
      default:
        return;
    }
  }

  /**
   * The process wrote the attribute back after changing it in place: the change was not lost
   * (the runtime reports an in-place change at the process's next Manager call, which may be the
   * write-back itself), so the hazard is withdrawn.
   */
  private writtenBack(obj: string, attr: string, pid: number): void {
    const lc = this.lostChanges.get(obj + "\u0000" + attr);
    if (!lc || lc.pid !== pid || lc.withdrawn) return;
    lc.withdrawn = true;
    for (const key of this.keys) if (key.startsWith(`lc\u0000${obj}\u0000${attr}\u0000`)) this.keys.delete(key);
    const k = this.hazards.indexOf(lc.hazard);
    if (k >= 0) this.hazards.splice(k, 1);
  }

  private joinBeforeDrain(s: ModelState, joiner: number, child: number, i: number, e: EventIn<"block.begin" | "process.join">): void {
    for (const q of s.objects.values()) {
      if (q.cls !== "queue" || !FEEDER_QUEUES.has(q.objType)) continue;
      const items = s.channelItems(q.items).filter((idx) => s.refs.event(idx).pid === child);
      if (!items.length) continue;
      // Hazardous when the items wait for the joining thread itself (after the join), or for
      // nobody. Another thread of the joiner that takes them (or waits to) drains the queue while
      // the join waits: no hazard.
      const jt = e.tid as number;
      const otherThreadTakes = [...(s.processes.get(joiner)?.threads.values() ?? [])].some(
        (th) => th.tid !== jt && th.block !== null && th.block.op === "queue.get" && th.block.obj === q.id,
      );
      const risky = items.filter((idx) => {
        const r = this.model.partner(idx);
        if (r < 0) return !otherThreadTakes;
        const re = s.refs.event(r);
        return re.pid === joiner && "tid" in re && re.tid === jt && r > i;
      });
      if (!risky.length) continue;
      const key = `jbd\u0000${joiner}\u0000${child}\u0000${q.id}`;
      const putSite = siteOf(s.refs.event(risky[0])) ?? null;
      const taken = risky.map((idx) => this.model.partner(idx)).filter((r) => r >= 0);
      const later = taken.length ? siteOf(s.refs.event(taken[0])) ?? null : null;
      const sites = [e.site ? fullSite(e.site) : null, putSite ? fullSite(putSite) : null, later ? fullSite(later) : null].filter((x): x is string => !!x);
      const J = who(s, joiner);
      const C = who(s, child);
      const n = risky.length;
      const explanation = [
        `${J} joins ${C} (${shortSite(e.site)}) while ${n} item${n === 1 ? "" : "s"} ${C} put on ${objectText(s, q.id)} (${shortSite(putSite)}) ${n === 1 ? "is" : "are"} still in the queue` +
          (later ? `, and ${J} takes ${n === 1 ? "it" : "them"} only after the join (${shortSite(later)}).` : `, and nobody takes ${n === 1 ? "it" : "them"}.`),
        `A process that put items on a multiprocessing Queue does not end until its feeder thread has written them all into the underlying pipe; when they do not fit (a pipe holds about 64 KiB), the child waits for a reader while ${J} waits for the child: a deadlock. This run got away with it because the data was small enough.`,
        `How to fix it: take every item from the queue before join() (or put a sentinel and read until it), then join.`,
      ].join("\n");
      this.add(key, { kind: "join-before-drain", at: i, processes: names(s, [joiner, child]), objects: [q.id], sites, explanation });
    }
  }

  private terminate(s: ModelState, e: EventIn<"process.terminate" | "process.kill">, i: number): void {
    const target = e.child;
    const c = s.processes.get(target);
    if (!c || c.exit) return;
    const T = who(s, target);
    const by = who(s, e.pid);
    const what = e.kind === "process.kill" ? "kill()" : "terminate()";
    const locks: string[] = [];
    const lockSites: string[] = [];
    for (const o of s.objects.values()) {
      if (o.cls !== "lock") continue;
      const hs = o.owner ? [o.owner] : o.holders;
      for (const h of hs) {
        if (h.pid !== target) continue;
        if (!locks.includes(o.id)) locks.push(o.id);
        if (h.site) lockSites.push(fullSite(h.site));
      }
    }
    const termSite = e.site ? fullSite(e.site) : null;
    if (locks.length) {
      const labels = locks.map((l) => objectText(s, l));
      this.add(`thl\u0000${target}\u0000${i}`, {
        kind: "terminate-holding-lock",
        at: i,
        processes: names(s, [e.pid, target]),
        objects: locks,
        sites: [termSite, ...lockSites].filter((x): x is string => !!x),
        explanation: [
          `${by} calls ${what} on ${T} (${shortSite(e.site)}) while ${T} holds ${labels.join(", ")}.`,
          `A terminated process runs no finally blocks or exit handlers, so the lock stays held forever: any process that later acquires it waits forever.`,
          `How to fix it: ask the process to stop (an Event or a sentinel on a queue) and join it, instead of terminate(); or make sure it holds no lock when it may be terminated.`,
        ].join("\n"),
      });
    }
    // Inside a put: waiting in put()/send(), or items it put still unflushed.
    const putting: string[] = [];
    for (const th of c.threads.values()) {
      const b = th.block;
      if (b && CHANNEL_SENDS.has(b.op) && !putting.includes(b.obj)) putting.push(b.obj);
    }
    for (const q of s.objects.values()) {
      if (q.cls !== "queue" || !FEEDER_QUEUES.has(q.objType) || putting.includes(q.id)) continue;
      if (s.channelItems(q.items).some((idx) => s.refs.event(idx).pid === target)) putting.push(q.id);
    }
    if (putting.length) {
      const labels = putting.map((o) => objectText(s, o));
      this.add(`tdp\u0000${target}\u0000${i}`, {
        kind: "terminate-during-put",
        at: i,
        processes: names(s, [e.pid, target]),
        objects: putting,
        sites: [termSite].filter((x): x is string => !!x),
        explanation: [
          `${by} calls ${what} on ${T} (${shortSite(e.site)}) while ${T} is putting on ${labels.join(", ")} (items it put are not all delivered yet).`,
          `The multiprocessing documentation warns that terminating a process that is using a queue or pipe can corrupt it (half-written data, a lock left held) and loses the items still in its feeder buffer.`,
          `How to fix it: let the process finish its puts and stop by itself (send it a sentinel), then join() it.`,
        ].join("\n"),
      });
    }
  }

  private localChange(s: ModelState, e: EventIn<"ns.local_change">, i: number): void {
    const key = `lc\u0000${e.obj}\u0000${e.attr}\u0000${e.site ? fullSite(e.site) : ""}`;
    const o = s.objects.get(e.obj);
    const isNs = !o || o.objType === "Namespace";
    const P = who(s, e.pid);
    const holder = objectText(s, e.obj);
    const read = isNs ? `ns.${e.attr}` : `d[${e.attr}]`;
    const explanation = [
      `${P} changed ${e.attr} of ${holder} in place (${shortSite(e.site)}): ${e.before} → ${e.after}.`,
      `Reading ${read} through a Manager returns a copy; changing the copy (e.g. x[2] = 3 or x.append(…)) does not change the value kept by the manager, so every other process still sees ${e.before}. The change is lost.`,
      `How to fix it: assign the changed value back, e.g. \`value = ${read}; value[2] = 3; ${read} = value\`${isNs ? "" : " (or use a managed list/dict)"}.`,
    ].join("\n");
    const h = this.add(key, {
      kind: "lost-in-place-change",
      at: i,
      processes: names(s, [e.pid]),
      objects: [e.obj],
      sites: e.site ? [fullSite(e.site)] : [],
      explanation,
    });
    if (h) this.lostChanges.set(e.obj + "\u0000" + e.attr, { hazard: h, pid: e.pid, before: e.before, readers: new Set(), withdrawn: false });
  }

  private feederError(s: ModelState, e: EventIn<"queue.feeder_error">, i: number): void {
    const key = `fe\u0000${e.obj}\u0000${e.msg ?? i}`;
    let put = -1;
    const q = s.objects.get(e.obj);
    if (typeof e.msg === "string" && q && q.cls === "queue") {
      // The put with this msg: search the queue's log (the item is dropped, never received).
      const log = q.items.log;
      for (let k = q.items.count - 1; k >= 0; k--) {
        const idx = log.sent.data[k];
        if (msgOf(s.refs.event(idx)) === e.msg) {
          put = idx;
          break;
        }
      }
    }
    const putEv = put >= 0 ? s.refs.event(put) : null;
    const owner = putEv ? putEv.pid : e.pid;
    const P = who(s, owner);
    const putSite = (putEv && siteOf(putEv)) ?? null;
    const explanation = [
      `The item ${P} put on ${objectText(s, e.obj)}${putSite ? ` (${shortSite(putSite)})` : ""}${putEv ? ` (${previewOf(putEv)})` : ""} could not be sent by the queue's feeder thread: ${e.error ?? "it could not be pickled"}.`,
      `put() had already returned, so the program saw no error, but the item was dropped: no process will ever get it, and a consumer waiting for it waits forever.`,
      `How to fix it: put only data that can be pickled (no lambdas, nested functions, locks, open files or sockets); send plain data or a module-level function instead.`,
    ].join("\n");
    this.add(key, {
      kind: "feeder-error",
      at: i,
      processes: names(s, [owner]),
      objects: [e.obj],
      sites: putSite ? [fullSite(putSite)] : [],
      explanation,
    });
  }
}

function names(s: ModelState, pids: number[]): string[] {
  const out: string[] = [];
  for (const p of pids) {
    const n = s.processes.get(p)?.name ?? `pid ${p}`;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}
