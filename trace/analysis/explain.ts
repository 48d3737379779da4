/**
 * From a stuck set to deadlock reports: split it into groups that wait on each other, find the
 * smallest cycle of "held by" edges (a lock cycle, kind "cycle"; anything else is a "stall"),
 * and say in plain words who waits for what, held or owed by whom, where, and what usually
 * fixes it.
 */

import type { KindDecl } from "../kinds/fields";
import { KINDS, KIND_LIST } from "../kinds/table";
import type { CallSite } from "../format";
import { fullSite, objectLabel, objectText, processLabel, shortNameIn, shortSite } from "../model/dump";
import { atomicsSyncOf } from "../model/nodeWords";
import type { ModelState } from "../model/state";
import type { Deadlock, WaitReport } from "./types";
import type { StuckResult, WaitAnalysis } from "./waits";

/** A process as learners know it: "phil-0", "MainProcess", "Process-1 · producer". */
export function who(s: ModelState, pid: number): string {
  return s.processes.has(pid) ? processLabel(s, pid) : `process ${pid}`;
}

function siteOf(s: ModelState, i: number): CallSite | null {
  return i >= 0 ? (s.refs.event(i) as { site?: CallSite }).site ?? null : null;
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return names.slice(0, -1).join(", ") + " and " + names[names.length - 1];
}

/** How user code wrote each blocking call ("put()"), from the table of kinds. */
const CALL_NAME: Readonly<Record<string, string>> = Object.fromEntries(
  KIND_LIST.flatMap((k) => {
    const call = (KINDS[k] as KindDecl).call;
    return call ? [[k, call]] : [];
  }),
);

function callName(s: ModelState, w: WaitAnalysis): string {
  if (w.block.op === "mgr.call") {
    const th = s.processes.get(w.block.pid)?.threads.get(w.block.tid);
    const c = th && th.call >= 0 ? s.calls.get(th.call) : undefined;
    return c ? `${c.method}()` : "a Manager call";
  }
  return CALL_NAME[w.block.op] ?? w.block.op;
}

/** How a process that cannot act is doing: "has exited", "is itself waiting in get() on Queue q1 (x.py:9)". */
function stateOf(s: ModelState, pid: number, stuck: StuckResult): string {
  const p = s.processes.get(pid);
  if (!p) return "is not known to the trace";
  if (p.exit) {
    if (p.exit.how === "disconnect") return "has died";
    if (p.exit.signal) return `was ended by signal ${p.exit.signal}`;
    return `has exited${p.exit.code !== null ? ` (exit code ${p.exit.code})` : ""}`;
  }
  const sp = stuck.stuck.get(pid);
  if (sp && sp.waits.length) {
    const w = sp.waits[0];
    if (w.kind === "message") return "is itself idle, waiting only for a message";
    return `is itself waiting in ${callName(s, w)} on ${objectText(s, w.block.obj, pid)} (${shortSite(w.block.site)})`;
  }
  if (p.role === "pool-worker") return "is an idle Pool worker with no task to run";
  return "cannot act";
}

/** "the only other process that could put an item on it, X, has exited" / "no other process has it". */
function owedPhrase(s: ModelState, w: WaitAnalysis, stuck: StuckResult, verb: string): string {
  const others = (w.wakers ?? []).filter((p) => p !== w.block.pid);
  const unit = laneWord(w.block.pid, others);
  if (others.length === 0) return `no other ${unit} has it, so nobody can ${verb}`;
  if (others.length === 1) return `the only other ${unit} that could ${verb}, ${who(s, others[0])}, ${stateOf(s, others[0], stuck)}`;
  const parts = others.map((p) => `${who(s, p)} ${stateOf(s, p, stuck)}`);
  return `none of the other ${unit === "thread" ? "threads" : "processes"} that could ${verb} can do it: ${parts.join("; ")}`;
}

/** The other end of the Pipe a wait is on, by the waiter's name for it where the trace has one ("right"), else by id. */
function otherEnd(s: ModelState, w: WaitAnalysis): string {
  return w.otherEnd ? (shortNameIn(s, w.otherEnd, w.block.pid) ?? w.otherEnd) : "?";
}

/** "thread" when the waiter and the others are Node lanes of one process (a worker thread's lane is ≥ 2^22), else "process". */
function laneWord(pid: number, others: number[]): string {
  const host = pid % 4194304;
  const lanes = [pid, ...others];
  return lanes.some((p) => p >= 4194304) && lanes.every((p) => p % 4194304 === host) ? "thread" : "process";
}

/** Node's active resource names (process.getActiveResourcesInfo()) in words. */
const NODE_RESOURCE: Record<string, string> = {
  MessagePort: "a MessagePort that is listened to",
  Worker: "a running worker",
  ProcessWrap: "a child process",
  PipeWrap: "a pipe (a child's IPC channel or stdio)",
};

function waitText(s: ModelState, w: WaitAnalysis, stuck: StuckResult): string {
  const P = who(s, w.block.pid);
  const at = shortSite(w.block.site);
  const obj = objectText(s, w.objId, w.block.pid);
  switch (w.kind) {
    case "join": {
      const c = Number(w.block.obj.slice(5));
      return `${P} waits in join() for ${who(s, c)} to end (${at}), and ${who(s, c)} ${stateOf(s, c, stuck)}.`;
    }
    case "queue-get":
      return `${P} waits in ${callName(s, w)} on ${obj} (${at}): the queue is empty, and ${owedPhrase(s, w, stuck, "put an item on it")}.`;
    case "queue-put": {
      const q = s.object(w.objId);
      const full = q && q.cls === "queue" && q.maxsize !== null ? ` (${q.items.size} of ${q.maxsize})` : "";
      return `${P} waits in ${callName(s, w)} on ${obj} (${at}): the queue is full${full}, and ${owedPhrase(s, w, stuck, "take an item from it")}.`;
    }
    case "queue-join": {
      const q = s.object(w.objId);
      const n = q && q.cls === "queue" ? q.unfinished : 0;
      return `${P} waits in join() on ${obj} (${at}) for ${n} unfinished task${n === 1 ? "" : "s"}, and ${owedPhrase(s, w, stuck, "call task_done()")}.`;
    }
    case "pipe-recv": {
      let t = `${P} waits in recv() on ${objectText(s, w.block.obj, w.block.pid)} (${at}), and nothing was sent towards this end.`;
      if (w.sentOnSameEnd >= 0) {
        t += ` ${P} itself sent on this same end (${shortSite(siteOf(s, w.sentOnSameEnd))}): what is sent on one end of a Pipe arrives only at the other end, ${otherEnd(s, w)}, never back at the end that sent it.`;
      }
      const others = (w.wakers ?? []).filter((p) => p !== w.block.pid);
      if (others.length === 0) t += ` The other end, ${otherEnd(s, w)}, is held only by ${P} itself, so no message can ever arrive.`;
      else t += ` The other end, ${otherEnd(s, w)}, is held by ${list((w.wakers ?? []).map((p) => who(s, p)))}; ${owedPhrase(s, w, stuck, "send on it")}.`;
      return t;
    }
    case "pipe-send":
      return `${P} waits in send() on ${objectText(s, w.block.obj, w.block.pid)} (${at}) because the pipe is full, and ${owedPhrase(s, w, stuck, "receive on the other end")}.`;
    case "lock": {
      const h = w.heldBy[0];
      if (!h) return `${P} waits to acquire ${obj} (${at}).`;
      const holder = h.pid === w.block.pid && h.tid === w.block.tid ? `${P} itself (a Lock cannot be acquired twice by the same thread)` : who(s, h.pid);
      const theirs = h.pid !== w.block.pid ? shortNameIn(s, w.objId, h.pid) : null;
      const as = theirs !== null && theirs !== shortNameIn(s, w.objId, w.block.pid) ? ` (its ${theirs})` : "";
      let t = `${P} waits to acquire ${obj} (${at}), held by ${holder}${as}, which took it at ${shortSite(h.site)}`;
      const hp = s.processes.get(h.pid);
      if (hp?.exit) t += `; ${who(s, h.pid)} ${stateOf(s, h.pid, stuck)} without releasing it, and a multiprocessing lock is not released when its holder ends`;
      else if (h.pid !== w.block.pid) t += `, and ${who(s, h.pid)} ${stateOf(s, h.pid, stuck)}`;
      return t + ".";
    }
    case "semaphore": {
      const held = w.heldBy.length ? ` (held by ${list(w.heldBy.map((h) => `${who(s, h.pid)}, taken at ${shortSite(h.site)}`))})` : "";
      return `${P} waits to acquire ${obj} (${at}): its count is 0${held}, and ${owedPhrase(s, w, stuck, "release it")}.`;
    }
    case "condition":
      return `${P} waits on ${obj} (${at}) to be notified, and ${owedPhrase(s, w, stuck, "call notify()")}.`;
    case "event":
      return `${P} waits for ${obj} to be set (${at}); it is not set, and ${owedPhrase(s, w, stuck, "set it")}.`;
    case "barrier": {
      const b = s.object(w.objId);
      const waiting = s.waitersOf(w.objId).map((x) => who(s, x.pid));
      const parties = b && b.cls === "barrier" ? b.parties : 0;
      const others = (w.wakers ?? []).filter((p) => p !== w.block.pid);
      const rest = others.length === 0 ? "every process that has the barrier is already waiting at it, so the missing parties can never arrive" : owedPhrase(s, w, stuck, "arrive");
      return `${P} waits at ${obj} (${at}): it needs ${parties} parties and only ${waiting.length} arrived (${list(waiting)}), and ${rest}.`;
    }
    case "pool-get":
    case "pool-join": {
      const workers = (w.wakers ?? []).map((p) => `${who(s, p)} ${stateOf(s, p, stuck)}`);
      return `${P} waits in ${callName(s, w)} on ${obj} (${at}) for its workers: ${list(workers) || "none can run"}.`;
    }
    case "atomics": {
      const v = (s.refs.event(w.block.since) as { value?: string }).value;
      return `${P} waits in ${callName(s, w)} on ${w.block.obj}${v !== undefined ? ` while it holds ${v}` : ""} (${at}), and ${owedPhrase(s, w, stuck, "change it and call Atomics.notify()")}.`;
    }
    case "message": {
      const others = (w.wakers ?? []).filter((p) => p !== w.block.pid);
      const res = (s.refs.event(w.block.since) as { resources?: string[] }).resources ?? [];
      const kept = res.length ? ` (kept alive only by ${list(res.map((r) => NODE_RESOURCE[r] ?? r))})` : "";
      if (others.length === 0) return `${P} has nothing left to do but wait for a message${kept}, and no other thread or process could send one.`;
      return `${P} has nothing left to do but wait for a message or an exit${kept}, and ${owedPhrase(s, w, stuck, "send it one")}.`;
    }
    case "wait-any": {
      const objs = (w.block.objects ?? [w.block.obj]).map((o) => (o.startsWith("proc:") ? who(s, Number(o.slice(5))) : objectText(s, o, w.block.pid)));
      return `${P} waits in connection.wait() for any of ${list(objs)} (${at}): none is ready, and ${owedPhrase(s, w, stuck, "send on one of them or end")}.`;
    }
    default:
      return `${P} waits in ${w.block.op} on ${obj} (${at}).`;
  }
}

function fixFor(s: ModelState, w: WaitAnalysis, kind: "cycle" | "stall", lockOrder: string[]): string {
  const obj = objectText(s, w.objId, w.block.pid);
  // A lock or semaphore a Node program built on Atomics (a shared cell): in Node's words.
  const atomics = atomicsSyncOf(w.objId) !== null;
  switch (w.kind) {
    case "lock": {
      const h = w.heldBy[0];
      if (h && s.processes.get(h.pid)?.exit) {
        if (atomics) return `Release ${obj} on every path (try/finally), and do not terminate() a worker that may hold it.`;
        return `Release ${obj} on every path (use \`with lock:\` or try/finally), and do not terminate() a process that may hold it.`;
      }
      if (h && h.pid === w.block.pid && h.tid === w.block.tid) {
        if (atomics) return `Release ${obj} before taking it again: a lock on a shared cell is not re-entrant.`;
        return `Use an RLock if the same thread must take ${obj} again, or release it first.`;
      }
      if (kind === "cycle") {
        return `Take the locks in one fixed order everywhere (for example always ${lockOrder.map((l) => objectText(s, l)).join(" before ")}), or acquire with a timeout and back off.`;
      }
      return `Make sure the holder of ${obj} can release it.`;
    }
    case "semaphore":
      if (atomics) return `Give every permit of ${obj} back on every path (try/finally), or wait with a timeout (Atomics.wait's fourth argument).`;
      return `Release ${obj} on every path (use \`with sem:\`), or acquire with a timeout.`;
    case "pipe-recv":
      if (w.sentOnSameEnd >= 0) return `Call recv() on the other end (${otherEnd(s, w)}): each end receives only what the other end sends.`;
      return `Make sure the process holding ${otherEnd(s, w)} sends, or close the ends a process does not use (conn.close()) so recv() raises EOFError instead of waiting forever.`;
    case "pipe-send":
      return `Receive on the other end (${otherEnd(s, w)}) while sending, or send smaller messages.`;
    case "queue-get":
      return `Make sure every path of the producer puts an item, or a sentinel such as None, before it ends (use try/finally), or use get(timeout=…).`;
    case "queue-put":
      return `Take items from ${obj} while putting (or make it larger) before waiting for the consumer.`;
    case "queue-join":
      return `Call task_done() once for every item taken from ${obj}.`;
    case "join":
      return `Give the child what it waits for before calling join(), or join with a timeout and check exitcode.`;
    case "event":
      return `Call set() on ${obj} in the process meant to release the waiters, before joining them.`;
    case "condition":
      return `Call notify() or notify_all() (holding the lock) after changing what the waiter checks, and wait with wait_for(predicate, timeout).`;
    case "barrier": {
      const b = s.object(w.objId);
      const n = s.waitersOf(w.objId).length;
      return `Create ${obj} for the number of processes that really call wait() (here ${n}${b && b.cls === "barrier" ? `, not ${b.parties}` : ""}), or start the missing parties.`;
    }
    case "pool-get":
    case "pool-join":
      return `A task must not wait for something that only the caller provides after get()/join() returns.`;
    case "atomics":
      return `Make sure the thread meant to wake it stores a new value in ${w.block.obj} and calls Atomics.notify() on it, or wait with a timeout.`;
    case "wait-any":
      return `Make sure one of the objects passed to connection.wait() becomes ready (a message sent to a connection, a process that ends), or give wait() a timeout.`;
    case "message":
      return `Send the message it waits for, or close the ports it listens to (port.close(), parentPort.close()) or unref() them when no message will come, so the thread can end.`;
    default:
      return "";
  }
}

/** Deadlock reports for a stuck set at state s (index s.index). */
export function explainStuck(s: ModelState, stuck: StuckResult): Deadlock[] {
  const pids = [...stuck.stuck.keys()].sort((a, b) => a - b);
  // Edges between stuck processes: p → q when q could end one of p's waits.
  const edges = new Map<number, Array<{ to: number; w: WaitAnalysis; definite: boolean }>>();
  for (const pid of pids) {
    const out: Array<{ to: number; w: WaitAnalysis; definite: boolean }> = [];
    for (const w of stuck.stuck.get(pid)!.waits) {
      const live = (w.wakers ?? []).filter((x) => x !== pid && stuck.stuck.has(x));
      const others = (w.wakers ?? []).filter((x) => x !== pid);
      for (const to of live) out.push({ to, w, definite: w.ownership && others.length === 1 });
    }
    edges.set(pid, out);
  }
  // Weakly connected groups.
  const group = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (group.get(r) !== r) r = group.get(r)!;
    group.set(x, r);
    return r;
  };
  for (const p of pids) group.set(p, p);
  for (const [p, es] of edges) for (const e of es) group.set(find(p), find(e.to));
  // Processes waiting on the same object belong together (e.g. the parties of a Barrier).
  const byObj = new Map<string, number>();
  for (const pid of pids) {
    for (const w of stuck.stuck.get(pid)!.waits) {
      const o = byObj.get(w.objId);
      if (o === undefined) byObj.set(w.objId, pid);
      else group.set(find(pid), find(o));
    }
  }
  const groups = new Map<number, number[]>();
  for (const p of pids) {
    const r = find(p);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(p);
  }
  const out: Deadlock[] = [];
  for (const members of groups.values()) out.push(report(s, stuck, members, edges));
  return out.sort((a, b) => a.pids[0] - b.pids[0]);
}

/** Shortest cycle (≥ 2 processes) through definite edges with at least one lock edge. */
function smallestCycle(members: number[], edges: Map<number, Array<{ to: number; w: WaitAnalysis; definite: boolean }>>): number[] | null {
  let best: number[] | null = null;
  const inGroup = new Set(members);
  for (const start of members) {
    // BFS from start back to start.
    const prev = new Map<number, number>();
    const queue: number[] = [start];
    const seen = new Set<number>([start]);
    let found = false;
    while (queue.length && !found) {
      const x = queue.shift()!;
      for (const e of edges.get(x) ?? []) {
        if (!e.definite || !inGroup.has(e.to)) continue;
        if (e.to === start) {
          prev.set(start, x);
          found = true;
          break;
        }
        if (!seen.has(e.to)) {
          seen.add(e.to);
          prev.set(e.to, x);
          queue.push(e.to);
        }
      }
    }
    if (!found) continue;
    const cyc: number[] = [];
    let x = prev.get(start)!;
    cyc.push(start);
    while (x !== start) {
      cyc.push(x);
      x = prev.get(x)!;
    }
    // cyc is start, then predecessors: reverse to wait order (start → next → …).
    const order = [cyc[0], ...cyc.slice(1).reverse()];
    const hasLock = order.some((p, k) => {
      const next = order[(k + 1) % order.length];
      return (edges.get(p) ?? []).some((e) => e.to === next && e.definite && (e.w.kind === "lock" || e.w.kind === "semaphore"));
    });
    if (order.length >= 2 && hasLock && (!best || order.length < best.length)) best = order;
  }
  return best;
}

function report(
  s: ModelState,
  stuck: StuckResult,
  group: number[],
  edges: Map<number, Array<{ to: number; w: WaitAnalysis; definite: boolean }>>,
): Deadlock {
  const cycle = smallestCycle(group, edges);
  const kind: "cycle" | "stall" = cycle ? "cycle" : "stall";
  // Order: the cycle in wait order, then the others by when they began waiting.
  const rest = group
    .filter((p) => !cycle || !cycle.includes(p))
    .sort((a, b) => Math.min(...stuck.stuck.get(a)!.waits.map((w) => w.block.since)) - Math.min(...stuck.stuck.get(b)!.waits.map((w) => w.block.since)));
  const ordered = [...(cycle ?? []), ...rest];
  // A cycle's members are its processes; the rest only wait on it (main joining a member).
  const members = cycle ?? ordered;
  const bystanders = cycle ? rest : [];
  const waitsOf = (ps: number[]) => ps.flatMap((p) => stuck.stuck.get(p)!.waits);
  const memberWaits = waitsOf(members);
  const waits: WaitAnalysis[] = [...memberWaits, ...waitsOf(bystanders)];
  // Lock order suggestion for cycles: the locks the cycle members wait for, in cycle order.
  const lockOrder: string[] = [];
  if (cycle) {
    for (const p of cycle) {
      for (const w of stuck.stuck.get(p)!.waits) if (w.kind === "lock" && !lockOrder.includes(w.objId)) lockOrder.push(w.objId);
    }
    const created = (id: string) => s.objects.get(id)?.createdAt ?? 0;
    lockOrder.sort((a, b) => created(a) - created(b) || (a < b ? -1 : 1));
  }
  const procName = (pid: number) => s.processes.get(pid)?.name ?? `pid ${pid}`;
  const reports: WaitReport[] = waits.map((w) => {
    const pid = w.block.pid;
    const owed = (w.wakers ?? []).filter((x) => x !== pid).map((x) => who(s, x));
    const name = shortNameIn(s, w.block.obj, pid);
    return {
      pid,
      tid: w.block.tid,
      process: procName(pid),
      op: w.block.op,
      obj: w.block.obj,
      object: objectLabel(s, w.block.obj, pid),
      ...(name !== null ? { name } : {}),
      site: w.block.site ? fullSite(w.block.site) : null,
      since: w.block.since,
      heldBy: w.heldBy.map((h) => ({ process: procName(h.pid), pid: h.pid, site: h.site ? fullSite(h.site) : null })),
      owedBy: owed,
      member: !bystanders.includes(pid),
      text: waitText(s, w, stuck),
    };
  });
  const sites: string[] = [];
  const addSite = (x: string | null) => {
    if (x && !sites.includes(x)) sites.push(x);
  };
  for (const r of reports) {
    if (!r.member) continue;
    addSite(r.site);
    for (const h of r.heldBy) addSite(h.site);
  }
  const objects: string[] = [];
  for (const w of memberWaits) if (!objects.includes(w.objId)) objects.push(w.objId);
  const names = ordered.map((p) => who(s, p));
  let head: string;
  if (kind === "cycle") {
    const c = cycle!.map((p) => who(s, p));
    head = `Deadlock: ${list(c)} wait for each other in a cycle, each holding what the next one needs.`;
  } else {
    head =
      ordered.length === 1
        ? `Hang: ${names[0]} waits, and nothing in flight can ever wake it.`
        : `Hang: ${list(names)} ${ordered.length === 2 ? "both" : "all"} wait, and nothing in flight can ever wake them.`;
  }
  const fixes: string[] = [];
  for (const w of memberWaits) {
    const f = fixFor(s, w, kind, lockOrder);
    if (f && !fixes.includes(f)) fixes.push(f);
  }
  const fix = fixes.join(" ");
  const memberTexts = reports.filter((r) => r.member).map((r) => r.text);
  const also = reports.filter((r) => !r.member).map((r) => r.text);
  const alsoHead = bystanders.length
    ? `Also blocked, not part of the cycle: ${list(bystanders.map((p) => who(s, p)))} ${bystanders.length === 1 ? "waits" : "wait"} on it.`
    : "";
  const explanation = [head, ...memberTexts, fix ? "How to fix it: " + fix : "", alsoHead, ...also].filter(Boolean).join("\n");
  const at = s.index;
  return {
    kind,
    at,
    t: s.t,
    processes: members.map(procName),
    pids: members,
    cycle: cycle ? cycle.map(procName) : [],
    objects,
    alsoBlocked: bystanders.map(procName),
    alsoBlockedPids: bystanders,
    sites,
    waits: reports,
    explanation,
    short: shortText(s, kind, members, memberWaits),
    fix,
  };
}

/**
 * The deadlock in one sentence, for a notification (at most about two lines): each member, what
 * it holds and what it waits for, by its own names: "Deadlock: phil-0 holds left, waits for right
 * (held by phil-1) · phil-1 …". Members that do not fit are named with "…".
 */
function shortText(s: ModelState, kind: "cycle" | "stall", members: number[], waits: WaitAnalysis[]): string {
  const MAX = 100; // about two lines of a VS Code notification
  const nameOf = (id: string, pid: number) => {
    if (id.startsWith("proc:")) return who(s, Number(id.slice(5)));
    return shortNameIn(s, id, pid) ?? objectText(s, id, pid);
  };
  const parts: string[] = [];
  for (const pid of members) {
    const w = waits.find((x) => x.block.pid === pid);
    if (!w) continue;
    const held = waits.filter((x) => x.block.pid !== pid && x.heldBy.some((h) => h.pid === pid)).map((x) => nameOf(x.objId, pid));
    const holders = [...new Set(w.heldBy.map((h) => h.pid).filter((p) => p !== pid))].map((p) => who(s, p));
    let t = who(s, pid);
    if (held.length) t += ` holds ${list([...new Set(held)])},`;
    t += w.kind === "lock" || w.kind === "semaphore" ? ` waits for ${nameOf(w.objId, pid)}` : ` waits in ${callName(s, w)} ${w.kind === "join" ? "for" : "on"} ${nameOf(w.objId, pid)}`;
    if (holders.length) t += ` (held by ${list(holders)})`;
    parts.push(t);
  }
  const head = kind === "cycle" ? "Deadlock" : "Stalled";
  let out = `${head}: `;
  let shown = 0;
  for (const part of parts) {
    const next = (shown ? " · " : "") + part;
    if (shown > 0 && (out + next).length > MAX) break;
    out += next;
    shown++;
  }
  for (let k = shown; k < parts.length; k++) out += ` · ${who(s, members[k])} …`;
  return out;
}

/** Key identifying the waits of a deadlock (to recognise the same deadlock at a later event). */
export function waitKeys(d: Deadlock): string[] {
  return d.waits.map((w) => `${w.pid}:${w.tid}:${w.since}`);
}

