/**
 * What each corpus program and each example must show in its trace (the structure suite), on
 * top of the invariants every trace satisfies (helpersTrace.ts). Written against the contract in
 * trace/format.ts: processes and roles, messages and their pairing, blocks, lock ownership,
 * shared values, namespaces, call sites (found by the text of the line, so editing a program
 * does not break its spec).
 *
 * Long because it is a table: one spec per program (corpus and examples), each a few lines, kept
 * together so that the checks they share read once.
 */

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { RuntimeEvent } from "../../trace/format";
import { summarize } from "../../trace/summary";
import type { PythonTarget, StartMethod } from "./helpers";
import { describeEvent, type EventOf, isForkServerSpawn, Problems, TraceView } from "./helpersTrace";

/** What a structure check knows about the run. */
export interface SpecContext {
  file: string;
  method: StartMethod;
  python: PythonTarget;
}

export type StructureCheck = (v: TraceView, x: SpecContext, p: Problems) => void;

// ---------------------------------------------------------------- small helpers

const sourceCache = new Map<string, string[]>();

/** 1-based line of the only line of `file` containing `text` (throws when not exactly one). */
export function lineOf(file: string, text: string): number {
  let lines = sourceCache.get(file);
  if (!lines) sourceCache.set(file, (lines = readFileSync(file, "utf8").split("\n")));
  const hits = lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`${basename(file)}: ${hits.length} lines contain ${JSON.stringify(text)} (the spec needs exactly one)`);
  return hits[0];
}

/** 1-based lines of `file` containing `text`. */
export function linesOf(file: string, text: string): number[] {
  let lines = sourceCache.get(file);
  if (!lines) sourceCache.set(file, (lines = readFileSync(file, "utf8").split("\n")));
  return lines.flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
}

/** Check that an event's call site is the line of `file` containing `text`. */
function at(p: Problems, x: SpecContext, e: RuntimeEvent | undefined, text: string): void {
  if (!e) return;
  const line = lineOf(x.file, text);
  p.check(e.site !== undefined && e.site.file === x.file && e.site.line === line, () => `${describeEvent(e)}: call site should be ${basename(x.file)}:${line} (${text.trim()}), is ${e.site ? basename(e.site.file) + ":" + e.site.line : "missing"}`);
}

/** Check all events' sites (each must be at `text`). */
function allAt(p: Problems, x: SpecContext, events: RuntimeEvent[], text: string): void {
  for (const e of events) {
    const before = p.list.length;
    at(p, x, e, text);
    if (p.list.length > before) break;
  }
}

/** Exactly these numbers of processes per role (roles not named are not checked). */
function roles(v: TraceView, p: Problems, want: Record<string, number | [number, number]>): void {
  for (const [role, n] of Object.entries(want)) {
    const got = v.role(role).length;
    const [lo, hi] = typeof n === "number" ? [n, n] : n;
    p.check(got >= lo && got <= hi, () => `expected ${lo === hi ? lo : lo + "–" + hi} ${role} process(es), got ${got}: ${v.describeProcesses()}`);
  }
}

/** Pid(s) of the children whose target is `fn` (from process.spawn). */
function pidsOf(v: TraceView, p: Problems, fn: string, n = 1): number[] {
  const pids = v.pidOfTarget(fn);
  p.check(pids.length === n, () => `expected ${n} process(es) running ${fn}, process.spawn shows ${pids.length}`);
  return pids;
}

/** The child process with this name. */
function named(v: TraceView, p: Problems, name: string): number | undefined {
  const s = v.processNamed(name);
  p.check(s !== undefined, () => `no process named ${name}: ${v.describeProcesses()}`);
  return s?.pid;
}

/** Exactly n events (of a kind, filtered); returns them. */
function expectCount<K extends RuntimeEvent["kind"]>(v: TraceView, p: Problems, n: number | [number, number], kind: K, what: string, where?: (e: EventOf<K>) => boolean): EventOf<K>[] {
  const list = v.of(kind, where);
  const [lo, hi] = typeof n === "number" ? [n, n] : n;
  p.check(list.length >= lo && list.length <= hi, () => `expected ${lo === hi ? lo : lo + "–" + hi} ${kind} ${what}, got ${list.length}${list.length ? ": " + list.slice(0, 4).map(describeEvent).join("; ") : ""}`);
  return list;
}

/** Every send in `sends` was received (same msg) by a receipt in process `toPid` (when given). */
function allReceived(v: TraceView, p: Problems, sends: RuntimeEvent[], toPid?: number | ((pid: number) => boolean)): void {
  for (const s of sends) {
    const r = v.receiptsOf(s);
    if (!p.check(r.length >= 1, () => `not received: ${describeEvent(s)}`)) return;
    if (toPid !== undefined) {
      const ok = typeof toPid === "number" ? r[0].pid === toPid : toPid(r[0].pid);
      if (!p.check(ok, () => `${describeEvent(s)} was received by pid ${r[0].pid}, expected ${typeof toPid === "number" ? "pid " + toPid : "another process"}`)) return;
    }
  }
}

/** Events of pid p, of a kind. */
function ofPid<K extends RuntimeEvent["kind"]>(v: TraceView, pid: number | undefined, kind: K, where?: (e: EventOf<K>) => boolean): EventOf<K>[] {
  return v.of(kind, (e) => e.pid === pid && (!where || where(e)));
}

/** The children the program started (of one pid, if given): not the fork server, which the library starts. */
function programSpawns(v: TraceView, pid?: number): EventOf<"process.spawn">[] {
  return v.of("process.spawn", (e) => (pid === undefined || e.pid === pid) && !isForkServerSpawn(e));
}

/** The open (never ended) blocks of a pid. */
function openBlocksOf(v: TraceView, pid: number | undefined): EventOf<"block.begin">[] {
  return v.openBlocks().filter((b) => b.pid === pid);
}

/** pid has exactly one open block, of this op (and obj when given). */
function blockedIn(v: TraceView, p: Problems, pid: number | undefined, op: string | string[], obj?: string): EventOf<"block.begin"> | undefined {
  const open = openBlocksOf(v, pid);
  const ops = Array.isArray(op) ? op : [op];
  const hit = open.find((b) => ops.includes(b.op) && (obj === undefined || b.obj === obj));
  p.check(hit !== undefined, () => `pid ${pid} should be left blocked in ${ops.join("/")}${obj ? " on " + obj : ""}; open blocks: ${open.map(describeEvent).join("; ") || "none"}`);
  return hit;
}

/** Objects created (any create kind) with one of these objTypes, in trace order (not a process's private copy of a thread queue). */
function objectsTyped(v: TraceView, ...types: string[]): string[] {
  const out: string[] = [];
  for (const e of v.events) {
    const t = (e as { objType?: string }).objType;
    const copy = e.kind === "queue.create" && e.copyOf !== undefined;
    if (e.obj !== undefined && t !== undefined && !copy && types.includes(t) && v.created.get(e.obj) === e && !out.includes(e.obj)) out.push(e.obj);
  }
  return out;
}

/** The single object of one of these types (checked). */
function theObject(v: TraceView, p: Problems, ...types: string[]): string | undefined {
  const objs = objectsTyped(v, ...types);
  p.check(objs.length === 1, () => `expected one object of type ${types.join("/")}, got ${objs.length}`);
  return objs[0];
}

/**
 * Objects the program created at a line (in trace order): queues, values, locks, proxies, pools.
 * Not pipes (use pipe.create), managers, or the implicit lock of a Value/Array.
 */
function createdAt(v: TraceView, x: SpecContext, text: string): string[] {
  const line = lineOf(x.file, text);
  return v.events
    .filter(
      (e) =>
        e.obj !== undefined &&
        v.created.get(e.obj) === e &&
        e.site?.file === x.file &&
        e.site.line === line &&
        e.kind !== "pipe.create" &&
        e.kind !== "manager.start" &&
        !(e.kind === "sync.create" && e.owner !== undefined),
    )
    .map((e) => e.obj!);
}

/** ns.* events of an attribute by a pid. */
function nsOps(v: TraceView, kind: "ns.get" | "ns.set" | "ns.del" | "ns.local_change", pid: number | undefined, attr: string): RuntimeEvent[] {
  return v.events.filter((e) => e.kind === kind && e.pid === pid && (e as { attr?: string }).attr === attr);
}

/** Some event on `obj` by `pid` mentions `text` in its value/preview/args/result. */
function mentions(v: TraceView, pid: number | undefined, obj: string | undefined, text: string): boolean {
  return v.events.some((e) => {
    if (e.pid !== pid || e.obj !== obj) return false;
    const r = e as unknown as Record<string, unknown>;
    return ["value", "preview", "args", "result"].some((k) => typeof r[k] === "string" && (r[k] as string).includes(text));
  });
}

/** Python minor version of the run (e.g. 11 for 3.11; 11 when unknown, e.g. Debian's python3). */
function minor(x: SpecContext): number {
  const m = /^3\.(\d+)/.exec(x.python.version ?? "");
  return m ? Number(m[1]) : 11;
}

/** Every pool worker's end is known: its own process.exit or a process.join by its owner with an exit code. */
function workersAccountedFor(v: TraceView, p: Problems): void {
  const joins = v.of("process.join", (e) => e.exitCode !== null);
  const spawned = v.of("process.spawn", (e) => e.site === undefined && (e.target === "multiprocessing.pool.worker" || e.target === "concurrent.futures.process._process_worker"));
  for (const w of v.role("pool-worker")) {
    p.check(spawned.some((s) => s.child === w.pid), () => `pool worker ${w.pid} (${w.name}) should have its start recorded by its owner (process.spawn)`);
  }
  // Every worker the owner started, including one ended before its runtime said a word.
  for (const s of spawned) {
    const own = v.exitOf(s.child);
    const joined = joins.find((j) => j.child === s.child);
    p.check((own !== undefined && own.exitCode !== null) || joined !== undefined, () => `the exit status of pool worker ${s.child} (${s.name}) should be known:\n${v.dumpPid(s.child)}`);
  }
}

/** An executor's (or a Pool's) tasks: each taken by one worker, which sends its result, which the owner receives. */
function tasksRoundTrip(v: TraceView, p: Problems, owner: number | undefined): void {
  const workers = new Set(v.role("pool-worker").map((s) => s.pid));
  // A task its feeder thread could not pickle never leaves: the owner records its failed result, with no message.
  const unsent = new Set(v.of("pool.result.recv", (e) => e.msg === undefined && !e.ok).map((e) => e.job));
  const sends = v.of("pool.task.send", (e) => e.pid === owner && !unsent.has(e.job));
  allReceived(v, p, sends, (pid) => workers.has(pid));
  for (const r of v.of("pool.task.recv")) {
    const res = v.of("pool.result.send", (e) => e.pid === r.pid && e.job === r.job && e.index === r.index);
    if (!p.check(res.length === 1, () => `task ${r.job}/${r.index} taken by ${r.pid} should have its result sent by it: ${res.map(describeEvent).join("; ")}`)) return;
    allReceived(v, p, res, owner);
  }
}

// ---------------------------------------------------------------- shared shapes

/** A queue between two processes: `n` puts by `from`, each taken by `to`. */
function queueFlow(v: TraceView, p: Problems, x: SpecContext, q: string | undefined, from: number | undefined, to: number | undefined, n: number, putLine?: string, getLine?: string): void {
  const puts = expectCount(v, p, n, "queue.put", `by pid ${from} on ${q}`, (e) => e.pid === from && e.obj === q);
  const gets = expectCount(v, p, n, "queue.get", `by pid ${to} on ${q}`, (e) => e.pid === to && e.obj === q);
  allReceived(v, p, puts, to);
  if (putLine) allAt(p, x, puts, putLine);
  if (getLine) allAt(p, x, gets, getLine);
}

/** Pitfall/fix programs: the writer reads nums, and either changes it locally (lost) or writes it back. */
function namespaceStory(v: TraceView, p: Problems, x: SpecContext, writerFn: string, readerFn: string, fixed: boolean, lines: { get: string; set?: string; read: string }): void {
  roles(v, p, { main: 1, child: 2, "manager-server": [1, 1] });
  const [writer] = pidsOf(v, p, writerFn);
  const [reader] = pidsOf(v, p, readerFn);
  const main = v.main?.pid;
  p.check(nsOps(v, "ns.set", main, "nums").length === 1, "main should ns.set nums once");
  const gets = nsOps(v, "ns.get", writer, "nums");
  p.check(gets.length === 1, () => `the writer should ns.get nums once, got ${gets.length}`);
  at(p, x, gets[0], lines.get);
  const sets = nsOps(v, "ns.set", writer, "nums");
  const local = nsOps(v, "ns.local_change", writer, "nums") as EventOf<"ns.local_change">[];
  if (fixed) {
    p.check(sets.length === 1, () => `the writer should ns.set nums (the fix), got ${sets.length}`);
    if (sets[0]) p.check((sets[0] as EventOf<"ns.set">).value === "[5, 1, 3]", () => `ns.set nums value should be "[5, 1, 3]": ${describeEvent(sets[0])}`);
    if (lines.set) at(p, x, sets[0], lines.set);
    p.check(local.length === 0, () => `no ns.local_change expected (the change is written back): ${local.map(describeEvent).join("; ")}`);
  } else {
    p.check(sets.length === 0, () => `the writer must not ns.set nums (the change is lost): ${sets.map(describeEvent).join("; ")}`);
    if (p.check(local.length === 1, () => `expected one ns.local_change of nums by the writer, got ${local.length}`)) {
      p.check(local[0].before === "[5, 1, 2]" && local[0].after === "[5, 1, 3]", () => `ns.local_change should go from [5, 1, 2] to [5, 1, 3]: ${describeEvent(local[0])}`);
    }
  }
  const reads = nsOps(v, "ns.get", reader, "nums") as EventOf<"ns.get">[];
  if (p.check(reads.length === 1, () => `the reader should ns.get nums once, got ${reads.length}`)) {
    const want = fixed ? "[5, 1, 3]" : "[5, 1, 2]";
    p.check(reads[0].value === want, () => `the reader's ns.get nums should see ${want}: ${describeEvent(reads[0])}`);
    at(p, x, reads[0], lines.read);
  }
}

/** Two processes each hold one lock and wait for the other's (a cycle of locks). */
function lockCycle(v: TraceView, p: Problems, holders: (number | undefined)[], locks: (string | undefined)[], blockOps: string[]): void {
  const n = holders.length;
  for (let i = 0; i < n; i++) {
    const pid = holders[i];
    const mine = locks[i];
    const wanted = locks[(i + 1) % n];
    p.check(ofPid(v, pid, "lock.acquire", (e) => e.ok && e.obj === mine).length === 1, () => `pid ${pid} should hold ${mine}:\n${v.dumpPid(pid!)}`);
    p.check(ofPid(v, pid, "lock.release", (e) => e.obj === mine).length === 0, `pid ${pid} should never release ${mine}`);
    blockedIn(v, p, pid, blockOps, wanted);
  }
}

// ---------------------------------------------------------------- corpus

export const CORPUS_SPECS: Record<string, { hangs?: boolean; exitStatus?: number; structure: StructureCheck }> = {
  s01_queue_producer_consumer: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 0, "pool-worker": 0 });
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      const q = theObject(v, p, "Queue");
      at(p, x, v.created.get(q!), "queue = multiprocessing.Queue()");
      queueFlow(v, p, x, q, prod, cons, 10, "queue.put(random.randrange(100))", "item = queue.get()");
      p.check(ofPid(v, cons, "queue.poll", (e) => e.method === "empty").length >= 1, "the consumer's empty() polls should show as queue.poll");
      const term = expectCount(v, p, 1, "process.terminate", "of the consumer by main", (e) => e.pid === v.main?.pid && e.child === cons);
      at(p, x, term[0], "conProcess.terminate()");
    },
  },
  s02_manager_queue_pool: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "manager-server": 1, "pool-worker": [1, 64], child: 0 });
      const main = v.main?.pid;
      const server = v.role("manager-server")[0]?.pid;
      const ms = expectCount(v, p, 1, "manager.start", "by main", (e) => e.pid === main);
      if (ms[0]) p.check(ms[0].serverPid === server, `manager.start serverPid ${ms[0]?.serverPid} is not the manager-server ${server}`);
      const pools = expectCount(v, p, 1, "pool.create", "by main", (e) => e.pid === main);
      at(p, x, pools[0], "pool = Pool()");
      if (pools[0]) p.check(pools[0].processes === v.role("pool-worker").length, `pool.create processes=${pools[0].processes} but ${v.role("pool-worker").length} pool workers started`);
      const subs = expectCount(v, p, 2, "pool.submit", "apply_async by main", (e) => e.pid === main && e.method === "apply_async");
      p.check(subs.some((s) => s.func.endsWith("producer")) && subs.some((s) => s.func.endsWith("consumer")), () => `pool.submit funcs: ${subs.map((s) => s.func).join(", ")}`);
      const workers = new Set(v.role("pool-worker").map((s) => s.pid));
      const q = theObject(v, p, "Queue", "ManagerQueue");
      const puts = expectCount(v, p, 1, "queue.put", "by a pool worker", (e) => workers.has(e.pid) && e.obj === q);
      expectCount(v, p, 1, "queue.get", "by a pool worker", (e) => workers.has(e.pid) && e.obj === q);
      allReceived(v, p, puts, (pid) => workers.has(pid));
      at(p, x, puts[0], 'queue.put("a")');
      at(p, x, v.of("queue.get", (e) => e.obj === q)[0], "data = queue.get()");
      for (const s of subs) {
        p.check(v.of("pool.task.recv", (e) => e.job === s.job && workers.has(e.pid)).length === 1, () => `job ${s.job} (${s.func}) should be taken by one worker`);
        p.check(v.of("pool.result.send", (e) => e.job === s.job && e.ok).length === 1, () => `job ${s.job} (${s.func}) should send one ok result`);
      }
      expectCount(v, p, 1, "pool.close", "by main", (e) => e.pid === main);
      expectCount(v, p, 1, "pool.join", "by main", (e) => e.pid === main);
    },
  },
  s03_pipe_same_end_blocks: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 0 });
      const main = v.main?.pid;
      const pipes = expectCount(v, p, 1, "pipe.create", "by main", (e) => e.pid === main);
      at(p, x, pipes[0], "sender, reciver = multiprocessing.Pipe()");
      const sends = expectCount(v, p, 2, "pipe.send", "by main", (e) => e.pid === main);
      const recvs = expectCount(v, p, 1, "pipe.recv", "by main", (e) => e.pid === main);
      if (sends.length !== 2 || recvs.length !== 1 || !pipes[0]) return;
      const [senderEnd, receiverEnd] = pipes[0].ends;
      p.check(sends[0].obj === senderEnd && sends[1].obj === senderEnd, () => `both sends should be on the first end ${senderEnd}: ${sends.map(describeEvent).join("; ")}`);
      p.check(recvs[0].obj === receiverEnd && recvs[0].msg === sends[0].msg, () => `the first send should be received on the other end: ${describeEvent(recvs[0])}`);
      const sendLines = linesOf(x.file, 'sender.send("zty")');
      p.check(sends[0].site?.line === sendLines[0] && sends[1].site?.line === sendLines[1], () => `the sends should be at lines ${sendLines.join(" and ")}: ${sends.map(describeEvent).join("; ")}`);
      at(p, x, recvs[0], "data = reciver.recv()");
      const b = blockedIn(v, p, main, "pipe.recv", senderEnd);
      if (b) p.check(b.site?.line === 14 && b.site.line === lineOf(x.file, "data = sender.recv()"), () => `the blocking recv should be at line 14: ${describeEvent(b)}`);
      p.check(v.receiptsOf(sends[1]).length === 0, "the second send is never received");
    },
  },
  s04_pipe_producer_consumer: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      const pipe = expectCount(v, p, 1, "pipe.create", "by main")[0];
      if (!pipe) return;
      const sends = expectCount(v, p, 10, "pipe.send", "by the producer", (e) => e.pid === prod && e.obj === pipe.ends[0]);
      expectCount(v, p, 10, "pipe.recv", "by the consumer", (e) => e.pid === cons && e.obj === pipe.ends[1]);
      allReceived(v, p, sends, cons);
      allAt(p, x, sends, "pro.send(random.randrange(100))");
      blockedIn(v, p, cons, "pipe.recv", pipe.ends[1]);
      expectCount(v, p, 1, "process.terminate", "of the consumer", (e) => e.child === cons);
    },
  },
  s05_value_array_typecodes: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 0 });
      const values = expectCount(v, p, 6, "value.create", "Value", (e) => e.objType === "Value");
      const ctypes = values.map((e) => e.ctype).sort();
      p.check(JSON.stringify(ctypes) === JSON.stringify(["c", "c_char", "c_float", "c_int", "f", "i"]), `Value ctypes should be i, f, c, c_int, c_float, c_char: got ${ctypes.join(", ")}`);
      const arrays = expectCount(v, p, 2, "value.create", "Array", (e) => e.objType === "Array");
      for (const a of arrays) p.check(a.length === 3, `Array length should be 3: ${describeEvent(a)}`);
      for (const e of [...values, ...arrays]) {
        if (!e.lock) continue;
        const lock = v.created.get(e.lock);
        p.check(lock?.kind === "sync.create" && lock.owner === e.obj, () => `${e.obj}'s lock ${e.lock} should be a sync.create with owner ${e.obj}`);
      }
      const i512 = values.find((e) => e.ctype === "i");
      if (i512) p.check(i512.preview === "512", `Value("i", 512) preview should be "512": ${describeEvent(i512)}`);
      at(p, x, i512, 'int_typecode = Value("i", 512)');
      p.check(v.of("value.read").length >= 6, "the six .value reads should show as value.read");
    },
  },
  s06_value_array_processes: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      const num = createdAt(v, x, "num = Value(ctypes.c_int, 512)")[0];
      const str = createdAt(v, x, "string = Array(ctypes.c_char, 3)")[0];
      p.check(num !== undefined && str !== undefined, "num and string should be created (value.create) at their lines");
      const w = expectCount(v, p, 1, "value.write", "of num by the producer", (e) => e.pid === prod && e.obj === num);
      if (w[0]) p.check(w[0].old === "512" && w[0].value === "1024" && w[0].index === undefined, () => `num write should be old "512" new "1024": ${describeEvent(w[0])}`);
      at(p, x, w[0], "num.value = 1024");
      const sw = ofPid(v, prod, "value.write", (e) => e.obj === str);
      p.check(JSON.stringify(sw.map((e) => e.index)) === "[0,1,2]", () => `string writes should be at indexes 0, 1, 2: ${sw.map(describeEvent).join("; ")}`);
      at(p, x, sw[0], 'string[0] = b"z"');
      const r = ofPid(v, cons, "value.read", (e) => e.obj === num);
      p.check(r.length === 1 && r[0].value === "1024", () => `the consumer should read num = 1024: ${r.map(describeEvent).join("; ")}`);
      at(p, x, r[0], "print(num.value)");
    },
  },
  s07_manager_value_string: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 2 });
      expectCount(v, p, 2, "manager.start", "by main (two Manager() calls)", (e) => e.pid === v.main?.pid);
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      const num = createdAt(v, x, "num = Manager().Value(ctypes.c_int, 512)")[0];
      const str = createdAt(v, x, 'string = Manager().Value(ctypes.c_char, "")')[0];
      p.check(num !== undefined && str !== undefined, "the two manager Values should be created at their lines");
      p.check(mentions(v, prod, num, "1024"), () => `the producer's write of 1024 to num should show:\n${v.dumpPid(prod!)}`);
      p.check(mentions(v, prod, str, "zty"), "the producer's write of 'zty' should show");
      p.check(mentions(v, cons, num, "1024") && mentions(v, cons, str, "zty"), () => `the consumer's reads of 1024 and 'zty' should show:\n${v.dumpPid(cons!)}`);
    },
  },
  s08_manager_array_typeerror: {
    exitStatus: 1,
    structure(v, x, p) {
      roles(v, p, { main: 1, "manager-server": 1, child: 0 });
      const ok = createdAt(v, x, 'ok = manager.Array("i", [1, 2, 3])');
      p.check(ok.length === 1, `the "i" Array should be created once at its line, got ${ok.length}`);
      p.check(v.exitOf(v.main!.pid) !== undefined, "main should send process.exit (it ends with an exception)");
    },
  },
  s09_manager_sync_objects: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 4, "manager-server": [1, 4] });
      const main = v.main?.pid;
      const workers = pidsOf(v, p, "worker", 4);
      const ws = new Set(workers);
      const ev = createdAt(v, x, "event = manager.Event()")[0];
      const q = createdAt(v, x, "queue = manager.Queue()")[0];
      const rlock = createdAt(v, x, "rlock = manager.RLock()")[0];
      const lock = createdAt(v, x, "lock = manager.Lock()")[0];
      const dict = createdAt(v, x, "dict_ = manager.dict()")[0];
      const sem = createdAt(v, x, "semaphore = manager.Semaphore(2)")[0];
      const cond = createdAt(v, x, "cond = manager.Condition()")[0];
      const ns = createdAt(v, x, "namespace = manager.Namespace()")[0];
      p.check([ev, q, rlock, lock, dict, sem, cond, ns].every((o) => o !== undefined), "all eight manager objects should be created at their lines");
      at(p, x, expectCount(v, p, 1, "event.set", "by main", (e) => e.pid === main && e.obj === ev)[0], "event.set()");
      expectCount(v, p, 4, "event.wait", "by the workers", (e) => ws.has(e.pid) && e.obj === ev && e.ok);
      const puts = expectCount(v, p, 4, "queue.put", "by the workers", (e) => ws.has(e.pid) && e.obj === q);
      expectCount(v, p, 4, "queue.get", "by main", (e) => e.pid === main && e.obj === q);
      allReceived(v, p, puts, main);
      allAt(p, x, puts, 'queue.put(("done", i))');
      for (const w of workers) {
        const depth2 = ofPid(v, w, "lock.acquire", (e) => e.obj === rlock && e.ok && e.depth === 2);
        p.check(depth2.length === 1, () => `worker ${w} should take the RLock at depth 2:\n${v.dumpPid(w)}`);
        at(p, x, depth2[0], "with rlock:               # re-entrant");
        p.check(ofPid(v, w, "lock.acquire", (e) => e.obj === lock && e.ok).length === 1, `worker ${w} should acquire the Lock once`);
        p.check(ofPid(v, w, "lock.acquire", (e) => e.obj === sem && e.ok).length === 1, `worker ${w} should acquire the Semaphore once`);
        p.check(ofPid(v, w, "proxy.op", (e) => e.obj === dict && e.method === "__setitem__").length === 1, `worker ${w} should set one dict item (proxy.op __setitem__)`);
        p.check(nsOps(v, "ns.get", w, "count").length === 1 && nsOps(v, "ns.set", w, "count").length === 1, `worker ${w} should ns.get and ns.set count once`);
        p.check(ofPid(v, w, "cond.notify", (e) => e.obj === cond && e.n === "all").length === 1, `worker ${w} should notify_all once`);
      }
    },
  },
  s10_namespace: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 1 });
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      for (const attr of ["name", "info", "age"]) {
        p.check(nsOps(v, "ns.set", prod, attr).length === 1, `the producer should ns.set ${attr} once`);
        p.check(nsOps(v, "ns.get", cons, attr).length === 1, `the consumer should ns.get ${attr} once`);
      }
      at(p, x, nsOps(v, "ns.set", prod, "name")[0], 'namespace.name = "zty"');
      at(p, x, nsOps(v, "ns.get", cons, "age")[0], "print(namespace.age)");
      const age = nsOps(v, "ns.get", cons, "age")[0] as EventOf<"ns.get"> | undefined;
      if (age) p.check(age.value === "19", `ns.get age should show 19: ${describeEvent(age)}`);
    },
  },
  s11_namespace_mutable_pitfall: {
    structure(v, x, p) {
      namespaceStory(v, p, x, "producer", "consumer", false, { get: "namespace.nums[2] = 3", read: "print(namespace.nums)" });
    },
  },
  s12_namespace_reassign_fix: {
    structure(v, x, p) {
      namespaceStory(v, p, x, "producer", "consumer", true, { get: "nums = namespace.nums", set: "namespace.nums = nums", read: "print(namespace.nums)" });
    },
  },
  s13_thread_queue_is_not_ipc: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "producer");
      const q = theObject(v, p, "ThreadQueue");
      const copies = v.of("queue.create", (e) => e.copyOf !== undefined);
      if (p.check(copies.length === 1, `expected one queue copy (queue.create with copyOf), got ${copies.length}`)) {
        const c = copies[0];
        p.check(c.pid === child && c.copyOf === q && c.obj !== q, () => `the child's copy should be its own object with copyOf ${q}: ${describeEvent(c)}`);
        const puts = expectCount(v, p, 1, "queue.put", "by the child on its copy", (e) => e.pid === child && e.obj === c.obj);
        at(p, x, puts[0], 'q.put("hello")');
      }
      expectCount(v, p, 0, "queue.get", "by main", (e) => e.pid === main);
    },
  },
};

// ---------------------------------------------------------------- examples

/** The program's name (creation event `name`) of every object created, by id; pipe ends from `endNames`. */
function namesById(v: TraceView): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of v.events) {
    const x = e as { obj?: string; name?: unknown; ends?: string[]; endNames?: unknown };
    if (typeof x.obj === "string" && typeof x.name === "string" && e.kind !== "process.start" && e.kind !== "process.spawn" && e.kind !== "pool.submit") out.set(x.obj, x.name);
    if (Array.isArray(x.endNames) && x.ends) x.ends.forEach((end, k) => out.set(end, String((x.endNames as unknown[])[k])));
  }
  return out;
}

/** The names a process's process.start gives, as program name → local name (e.g. "forks[0]" → "left"). */
function localNames(v: TraceView, pid: number | undefined, byId: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const st = pid !== undefined ? v.starts.get(pid) : undefined;
  const names = (st as { names?: Record<string, string> } | undefined)?.names ?? {};
  for (const [id, local] of Object.entries(names)) out[byId.get(id) ?? id] = local;
  return out;
}

/** The names a process gives, in any event's `names` (process.start, pool.task.recv, pipe.create, pipe.connect, proxy.op, proxy.create), as program name (or id) → its name. */
function boundNames(v: TraceView, pid: number | undefined, byId: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of v.events) {
    const names = (e as { names?: Record<string, string> }).names;
    if (e.pid !== pid || !names) continue;
    for (const [id, local] of Object.entries(names)) out[byId.get(id) ?? (id.startsWith("listener:") ? "listener:" : id)] = local;
  }
  return out;
}

/** Each name in `want` is given to exactly one created object. */
function hasNames(p: Problems, byId: Map<string, string>, want: string[]): void {
  const all = [...byId.values()];
  for (const n of want) p.check(all.filter((x) => x === n).length === 1, () => `expected one object named ${n}; names: ${all.join(", ")}`);
}

export const EXAMPLE_SPECS: Record<string, { hangs?: boolean; exitStatus?: number; structure: StructureCheck }> = {
  naming_forms: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3, "manager-server": 1 });
      const byId = namesById(v);
      hasNames(p, byId, ["q", "a", "b", "locks[0]", "locks[1]", "table['results']", "m", "d", "counter", "self.jobs", "self.ready"]);
      const line = lineOf(x.file, "mp.Queue()  # bound to nothing");
      p.check([...byId.values()].some((n) => new RegExp(`^Queue #\\d+ \\(line ${line}\\)$`).test(n)), () => `expected a fallback name "Queue #n (line ${line})": ${[...byId.values()].join(", ")}`);
      const [cons] = pidsOf(v, p, "consumer");
      const [keyed] = pidsOf(v, p, "keyed");
      const worker = v.processNamed("Worker-3")?.pid ?? [...v.starts.values()].find((s) => s.name.startsWith("Worker-"))?.pid;
      p.check(JSON.stringify(localNames(v, cons, byId)) === JSON.stringify({ q: "jobs", b: "done" }), () => `consumer's names: ${JSON.stringify(localNames(v, cons, byId))}`);
      p.check(JSON.stringify(localNames(v, keyed, byId)) === JSON.stringify({ "table['results']": "results", counter: "counter" }), () => `keyed's names: ${JSON.stringify(localNames(v, keyed, byId))}`);
      p.check(JSON.stringify(localNames(v, worker, byId)) === JSON.stringify({ "self.jobs": "self.jobs", "self.ready": "self.ready" }), () => `Worker's names: ${JSON.stringify(localNames(v, worker, byId))}`);
    },
  },
  naming_families: {
    structure(v, x, p) {
      const byId = namesById(v);
      hasNames(p, byId, ["ex", "pool", "workers", "m", "log", "shm", "numbers", "smm", "managed", "scratch", "ready", "todo"]);
      // A comprehension run again (a loop, a function called twice) numbers each evaluation from 0 (PEP 709 on 3.12+).
      // (Read from the creation events: a Manager server may give a freed object's id to the next one.)
      const seq = v.events.map((e) => (e.kind === "sync.create" || e.kind === "proxy.create" ? ((e as { name?: string }).name ?? "") : "")).filter((n) => /^(rounds|forks)\[/.test(n)).sort();
      p.check(JSON.stringify(seq) === JSON.stringify(["forks[0]", "forks[0]", "forks[1]", "forks[1]", "rounds[0]", "rounds[0]", "rounds[1]", "rounds[1]"]), () => `the comprehensions' names, each evaluation from [0]: ${JSON.stringify(seq)}`);
      // the executors' futures, then pool.submit(square, 4) and the Pool's apply, bound to nothing
      const futs = v.of("pool.submit").map((e) => (e as { name?: string }).name ?? "-");
      p.check(JSON.stringify(futs) === JSON.stringify(["fut", "futs[0]", "futs[1]", "done", "-", "-"]), () => `the futures' names (pool.submit name): ${JSON.stringify(futs)}`);
      const eq = (what: string, got: Record<string, string>, want: Record<string, string>) =>
        p.check(JSON.stringify(got, Object.keys(got).sort()) === JSON.stringify(want, Object.keys(want).sort()), () => `${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      const [attach] = pidsOf(v, p, "attach");
      eq("attach's names (attached by name)", boundNames(v, attach, byId), { shm: "block", numbers: "cells" });
      const [given] = pidsOf(v, p, "given");
      eq("given's names (its parameters)", boundNames(v, given, byId), { shm: "segment", numbers: "row" });
      const poolWorker = v.of("pool.task.recv", (e) => e.func.endsWith("bump"))[0]?.pid;
      eq("the Pool worker's names for bump's argument", boundNames(v, poolWorker, byId), { numbers: "row" });
      const exWorker = v.of("pool.task.recv", (e) => e.func.endsWith("log_to"))[0]?.pid;
      eq("the executor worker's names for log_to's arguments", boundNames(v, exWorker, byId), { log: "log" });
      const [server] = pidsOf(v, p, "serve");
      const accepted = v.of("pipe.create", (e) => e.pid === server)[0];
      const ends = accepted?.ends ?? ["?", "?"];
      eq("the server's names (accept, its Listener)", boundNames(v, server, byId), { ready: "ready", [ends[0]]: "conn", "listener:": "listener" });
      const connect = v.of("pipe.connect", (e) => e.pid === v.main?.pid);
      p.check(connect.length === 1 && connect[0].obj === ends[1] && connect[0].pipe === accepted?.obj, () => `main's Client connection: ${connect.map(describeEvent).join("; ")}`);
      const mainNames = boundNames(v, v.main?.pid, byId);
      p.check(mainNames[ends[1]] === "client", () => `main's name for its Client end: ${JSON.stringify(mainNames)}`);
      const remote = Object.entries(mainNames).find(([, n]) => n === "remote")?.[0];
      const todo = v.of("proxy.create", (e) => (e as { name?: string }).name === "todo")[0];
      p.check(remote !== undefined && todo?.manager === remote, () => `main's name for the Manager it connected to (remote) is its proxies' manager: ${JSON.stringify(mainNames)}, ${todo ? describeEvent(todo) : "no todo"}`);
    },
  },
  hang_listener_both_recv: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const server = named(v, p, "server");
      const accepted = v.of("pipe.create", (e) => e.pid === server)[0];
      const names = (accepted as { names?: Record<string, string> } | undefined)?.names ?? {};
      p.check(accepted !== undefined && names[accepted.ends[0]] === "conn", () => `the accepted end is named conn: ${accepted ? describeEvent(accepted) : "no pipe.create"}`);
      const connect = v.of("pipe.connect", (e) => e.pid === v.main?.pid)[0];
      p.check(connect?.names?.[connect.obj] === "client" && connect.obj === accepted?.ends[1], () => `main's end is named client: ${connect ? describeEvent(connect) : "no pipe.connect"}`);
    },
  },
  hang_dining_philosophers_locks: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3 });
      const byId = namesById(v);
      hasNames(p, byId, ["forks[0]", "forks[1]", "forks[2]", "seated"]);
      for (let i = 0; i < 3; i++) {
        const pid = named(v, p, `phil-${i}`);
        const want = { [`forks[${i}]`]: "left", [`forks[${(i + 1) % 3}]`]: "right", seated: "seated" };
        const got = localNames(v, pid, byId);
        p.check(Object.keys(want).every((k) => got[k] === want[k]), () => `phil-${i}'s names: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    },
  },
  hang_dining_philosophers: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3, "manager-server": 1 });
      const byId = namesById(v);
      hasNames(p, byId, ["m", "forks[0]", "forks[1]", "forks[2]", "seated"]);
      for (let i = 0; i < 3; i++) {
        const pid = named(v, p, `phil-${i}`);
        const want = { [`forks[${i}]`]: "left", [`forks[${(i + 1) % 3}]`]: "right", seated: "seated" };
        const got = localNames(v, pid, byId);
        p.check(Object.keys(want).every((k) => got[k] === want[k]) && Object.keys(got).length === 3, () => `phil-${i}'s names: ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    },
  },
  queue_producer_consumer: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const prod = named(v, p, "producer");
      const cons = named(v, p, "consumer");
      const q = theObject(v, p, "Queue");
      const puts = ofPid(v, prod, "queue.put", (e) => e.obj === q);
      p.check(puts.length === 6, `the producer should put 5 items and a sentinel, got ${puts.length}`);
      queueFlow(v, p, x, q, prod, cons, 6, undefined, "item = q.get()");
      at(p, x, puts[0], 'q.put({"job": i');
      at(p, x, puts[5], "q.put(None)");
      if (puts[5]) p.check(puts[5].preview === "None", `the sentinel's preview should be None: ${describeEvent(puts[5])}`);
      const joins = expectCount(v, p, 2, "process.join", "by main", (e) => e.pid === v.main?.pid);
      p.check(joins.every((j) => j.exitCode === 0), "both joins should see exit code 0");
    },
  },
  queue_busy_poll_terminate: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const [prod] = pidsOf(v, p, "producer");
      const [cons] = pidsOf(v, p, "consumer");
      const q = theObject(v, p, "Queue");
      queueFlow(v, p, x, q, prod, cons, 10, "queue.put(i * i)", "item = queue.get()");
      p.check(ofPid(v, cons, "queue.poll", (e) => e.method === "empty").length >= 1, "the consumer's empty() polls should show");
      const main = v.main?.pid;
      const joins = ofPid(v, main, "process.join", (e) => e.child === cons);
      p.check(joins.length === 2 && joins[0].exitCode === null && joins[1].exitCode === -15, () => `main joins the consumer twice: first times out (exitCode null), then -15: ${joins.map(describeEvent).join("; ")}`);
      const timedOut = ofPid(v, main, "block.end", (e) => e.op === "process.join" && e.outcome === "timeout");
      p.check(timedOut.length === 1, "the join(timeout=0.5) should end its block with outcome timeout");
      const begin = ofPid(v, main, "block.begin", (e) => e.op === "process.join" && e.timeout !== undefined);
      p.check(begin.length === 1 && begin[0].timeout === 0.5, () => `the join(timeout=0.5) block should carry timeout 0.5: ${begin.map(describeEvent).join("; ")}`);
      at(p, x, expectCount(v, p, 1, "process.terminate", "of the consumer", (e) => e.child === cons)[0], "cons.terminate()");
    },
  },
  joinable_queue: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const main = v.main?.pid;
      const workers = new Set(pidsOf(v, p, "worker", 2));
      const tasks = theObject(v, p, "JoinableQueue");
      const results = theObject(v, p, "Queue");
      const puts = expectCount(v, p, 8, "queue.put", "tasks by main (6 + 2 sentinels)", (e) => e.pid === main && e.obj === tasks);
      allReceived(v, p, puts, (pid) => workers.has(pid));
      expectCount(v, p, 8, "queue.task_done", "by the workers", (e) => workers.has(e.pid) && e.obj === tasks);
      const rp = expectCount(v, p, 6, "queue.put", "results by the workers", (e) => workers.has(e.pid) && e.obj === results);
      allReceived(v, p, rp, main);
      at(p, x, expectCount(v, p, 2, "queue.join", "by main", (e) => e.pid === main && e.obj === tasks)[0], "tasks.join()  # blocks");
    },
  },
  simple_queue: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "squarer");
      const [requests, replies] = objectsTyped(v, "SimpleQueue");
      p.check(objectsTyped(v, "SimpleQueue").length === 2, "two SimpleQueues");
      queueFlow(v, p, x, requests, main, child, 4, undefined, "n = requests.get()");
      queueFlow(v, p, x, replies, child, main, 3, "replies.put((n, n * n))", 'print("reply:", replies.get())');
    },
  },
  queue_timeouts: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [q, bounded] = objectsTyped(v, "Queue");
      const bc = q && bounded ? v.created.get(bounded) : undefined;
      p.check(bc?.kind === "queue.create" && bc.maxsize === 2, () => `the bounded queue should be created with maxsize 2: ${bc ? describeEvent(bc) : "missing"}`);
      const getTimeout = ofPid(v, main, "block.begin", (e) => e.op === "queue.get" && e.obj === q && e.timeout === 0.1);
      p.check(getTimeout.length === 1, "get(timeout=0.1) should block with timeout 0.1");
      at(p, x, getTimeout[0], "q.get(timeout=0.1)");
      p.check(ofPid(v, main, "block.end", (e) => e.op === "queue.get" && e.obj === q && e.outcome === "timeout").length === 1, "get(timeout=0.1) should end with outcome timeout");
      p.check(ofPid(v, main, "queue.poll", (e) => e.obj === q).length >= 1, "the failed get()/get_nowait() should show as queue.poll");
      p.check(ofPid(v, main, "queue.poll", (e) => e.obj === bounded).length >= 1, "put_nowait()/put(timeout) on the full queue should show as queue.poll");
      p.check(ofPid(v, main, "block.end", (e) => e.op === "queue.put" && e.obj === bounded && e.outcome === "timeout").length === 1, "put(timeout=0.1) on the full queue should block and time out");
      const [child] = pidsOf(v, p, "late_putter");
      queueFlow(v, p, x, q, child, main, 1, 'q.put("late item")', "q.get(timeout=10)");
      queueFlow(v, p, x, bounded, main, main, 2);
    },
  },
  pipe_duplex: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "doubler");
      const pipe = expectCount(v, p, 1, "pipe.create", "duplex", (e) => e.duplex)[0];
      if (!pipe) return;
      const [mainEnd, childEnd] = pipe.ends;
      const down = expectCount(v, p, 4, "pipe.send", "by main", (e) => e.pid === main && e.obj === mainEnd);
      const up = expectCount(v, p, 4, "pipe.send", "by the child", (e) => e.pid === child && e.obj === childEnd);
      allReceived(v, p, down, child);
      allReceived(v, p, up, main);
      allAt(p, x, ofPid(v, child, "pipe.recv"), "request = conn.recv()");
    },
  },
  pipe_one_way: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const main = v.main?.pid;
      const pipes = expectCount(v, p, 2, "pipe.create", "one-way", (e) => !e.duplex);
      const [reader] = pidsOf(v, p, "reader");
      const [endless] = pidsOf(v, p, "endless_reader");
      if (pipes.length !== 2) return;
      const s1 = expectCount(v, p, 4, "pipe.send", "on the first pipe's send end", (e) => e.pid === main && e.obj === pipes[0].ends[1]);
      allReceived(v, p, s1, reader);
      p.check(ofPid(v, reader, "pipe.recv").every((e) => e.obj === pipes[0].ends[0]), "the reader receives on end0 (the receive end)");
      const s2 = expectCount(v, p, 4, "pipe.send", "on the second pipe", (e) => e.pid === main && e.obj === pipes[1].ends[1]);
      allReceived(v, p, s2, endless);
      p.check(ofPid(v, endless, "event.set").length === 1, () => `the endless reader's got_all.set() should be in the trace:\n${v.dumpPid(endless!)}`);
      blockedIn(v, p, endless, "pipe.recv", pipes[1].ends[0]);
      at(p, x, expectCount(v, p, 1, "process.terminate", "of the endless reader", (e) => e.child === endless)[0], "child.terminate()  # it is blocked");
    },
  },
  pipe_bytes: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "sender");
      const sends = expectCount(v, p, 3, "pipe.send", "of bytes by the child", (e) => e.pid === child && e.bytes);
      const recvs = ofPid(v, main, "pipe.recv", (e) => e.bytes);
      p.check(recvs.length >= 2, () => `main's recv_bytes calls should show as pipe.recv with bytes: true, got ${recvs.length}`);
      p.check(recvs.every((r) => r.msg === undefined), "raw bytes carry no msg on receipt");
      at(p, x, sends[0], 'conn.send_bytes(b"hello bytes")');
      const polls = ofPid(v, main, "pipe.poll");
      p.check(polls.some((e) => e.result === "False") && polls.some((e) => e.result === "True"), () => `poll(0.1) → False then poll(10) → True should show: ${polls.map(describeEvent).join("; ")}`);
    },
  },
  pipe_eof: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "talker");
      const pipe = expectCount(v, p, 1, "pipe.create", "duplex", (e) => e.duplex)[0];
      if (!pipe) return;
      const sends = expectCount(v, p, 2, "pipe.send", "by the child", (e) => e.pid === child && e.obj === pipe.ends[1]);
      allReceived(v, p, sends, main);
      const eof = expectCount(v, p, 1, "pipe.eof", "on main's end", (e) => e.pid === main && e.obj === pipe.ends[0]);
      at(p, x, eof[0], 'print("received:", main_end.recv())');
      p.check(v.of("pipe.close", (e) => e.pid === main && e.obj === pipe.ends[1]).length === 1, "main's close of its copy of the child's end should show as pipe.close");
    },
  },
  pipe_same_end_hangs: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 0 });
      const main = v.main?.pid;
      const pipe = expectCount(v, p, 1, "pipe.create", "by main")[0];
      const sends = expectCount(v, p, 2, "pipe.send", "by main", (e) => e.pid === main);
      if (!pipe || sends.length !== 2) return;
      p.check(v.receiptsOf(sends[0])[0]?.obj === pipe.ends[1], "the first send is received on the other end");
      const b = blockedIn(v, p, main, "pipe.recv", pipe.ends[0]);
      at(p, x, b, "data = left.recv()");
    },
  },
  value_array: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3 });
      const counter = createdAt(v, x, 'counter = mp.Value("i", 0)')[0];
      const workers = new Set(pidsOf(v, p, "add_many", 2));
      const writes = v.of("value.write", (e) => e.obj === counter);
      p.check(writes.length === 400 && writes.every((w) => workers.has(w.pid)), () => `the counter should be written 400 times by the two workers, got ${writes.length}`);
      const seen = writes.map((w) => Number(w.value)).sort((a, b) => a - b);
      p.check(seen.every((n, i) => n === i + 1), "the locked increments should write 1..400, each once");
      p.check(writes.every((w) => Number(w.value) === Number(w.old) + 1), "each increment writes old + 1");
      const cc = v.created.get(counter ?? "");
      const lock = cc?.kind === "value.create" ? cc.lock : undefined;
      p.check(lock !== undefined, "the counter has its own lock");
      const acq = v.of("lock.acquire", (e) => e.obj === lock && e.ok && workers.has(e.pid));
      p.check(acq.length === 400, () => `with counter.get_lock() should show 400 acquires of its lock, got ${acq.length}`);
      at(p, x, acq[0], "with counter.get_lock():");
      const arr = createdAt(v, x, 'arr = mp.Array("i", [1, 2, 3, 4, 5])')[0];
      const [filler] = pidsOf(v, p, "fill");
      const aw = ofPid(v, filler, "value.write", (e) => e.obj === arr);
      p.check(aw.some((e) => e.index === 0 && e.old === "1" && e.value === "100"), () => `arr[0] = 100 should show old "1" new "100": ${aw.map(describeEvent).join("; ")}`);
      p.check(aw.some((e) => e.index === "1:3"), "the slice assignment arr[1:3] should show with index \"1:3\"");
      const created = v.of("value.create");
      const ctypes = new Set(created.map((e) => e.ctype));
      for (const t of ["i", "d", "c", "c_int", "c_double", "c_char"]) p.check(ctypes.has(t), `a Value/Array of ctype ${t} should be created`);
    },
  },
  locks: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 6 });
      const main = v.main?.pid;
      const lock = createdAt(v, x, "lock = mp.Lock()")[0];
      p.check(v.typeOf(lock) === "Lock", `lock should be a Lock (${v.typeOf(lock)})`);
      const [holder] = pidsOf(v, p, "hold_lock");
      p.check(ofPid(v, holder, "lock.acquire", (e) => e.obj === lock && e.ok).length === 1, "the holder acquires the lock");
      const failed = ofPid(v, main, "lock.acquire", (e) => e.obj === lock && !e.ok);
      p.check(failed.length === 2, () => `main's two failed attempts (timeout, non-blocking) should show as lock.acquire ok: false, got ${failed.length}`);
      p.check(ofPid(v, main, "block.end", (e) => e.obj === lock && e.outcome === "timeout").length === 1, "acquire(timeout=0.1) should block and time out");
      p.check(ofPid(v, main, "lock.acquire", (e) => e.obj === lock && e.ok).length === 1, "main acquires after the child releases");
      const rlock = createdAt(v, x, "rlock = mp.RLock()")[0];
      const [nested] = pidsOf(v, p, "nested");
      for (const pid of [nested, main]) {
        const depths = ofPid(v, pid, "lock.acquire", (e) => e.obj === rlock && e.ok).map((e) => e.depth);
        p.check(JSON.stringify(depths) === "[1,2]", `pid ${pid} takes the RLock at depths 1 then 2, got ${JSON.stringify(depths)}`);
        const rel = ofPid(v, pid, "lock.release", (e) => e.obj === rlock).map((e) => e.depth);
        p.check(JSON.stringify(rel) === "[1,0]", `pid ${pid} releases the RLock to depths 1 then 0, got ${JSON.stringify(rel)}`);
      }
      const sem = createdAt(v, x, "sem = mp.Semaphore(2)")[0];
      const sc = v.created.get(sem ?? "");
      p.check(sc?.kind === "sync.create" && sc.objType === "Semaphore" && sc.value === 2, "Semaphore(2) should be created with value 2");
      p.check(v.of("lock.acquire", (e) => e.obj === sem && e.ok).length === 4, "four acquires of the Semaphore");
      const bounded = createdAt(v, x, "bounded = mp.BoundedSemaphore(1)")[0];
      p.check(v.typeOf(bounded) === "BoundedSemaphore", "BoundedSemaphore created");
    },
  },
  condition: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3 });
      const main = v.main?.pid;
      const cond = createdAt(v, x, "cond = mp.Condition()")[0];
      p.check(v.typeOf(cond) === "Condition", "a Condition is created");
      const w1 = pidsOf(v, p, "wait_for_stage_1", 2);
      const [w2] = pidsOf(v, p, "wait_for_stage_2");
      for (const w of w1) p.check(ofPid(v, w, "cond.wait", (e) => e.obj === cond && e.ok).length === 1, `waiter ${w}: wait_for returns true once`);
      p.check(ofPid(v, w2, "cond.wait", (e) => e.obj === cond && e.ok).length >= 1, "the loop waiter's wait() returns true");
      const notifies = ofPid(v, main, "cond.notify", (e) => e.obj === cond);
      p.check(notifies.length === 2 && notifies[0].n === "all" && notifies[1].n === 1, () => `main notifies all, then one: ${notifies.map(describeEvent).join("; ")}`);
      at(p, x, notifies[0], "cond.notify_all()");
      const timedOut = ofPid(v, main, "cond.wait", (e) => e.obj === cond && !e.ok);
      p.check(timedOut.length === 1, "main's wait(timeout=0.1) returns false");
      at(p, x, timedOut[0], "cond.wait(timeout=0.1)");
    },
  },
  event_barrier: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const main = v.main?.pid;
      const go = createdAt(v, x, "go = mp.Event()")[0];
      const barrier = createdAt(v, x, "barrier = mp.Barrier(3)")[0];
      const bc = v.created.get(barrier ?? "");
      p.check(bc?.kind === "sync.create" && bc.objType === "Barrier" && bc.value === 3, "Barrier(3) created with value 3");
      p.check(ofPid(v, main, "event.wait", (e) => e.obj === go && !e.ok).length === 1, "main's wait(timeout=0.1) on the unset event returns false");
      at(p, x, expectCount(v, p, 1, "event.set", "by main", (e) => e.pid === main && e.obj === go)[0], "go.set()");
      expectCount(v, p, 1, "event.clear", "by main", (e) => e.pid === main && e.obj === go);
      const kids = new Set(pidsOf(v, p, "runner", 2));
      expectCount(v, p, 2, "event.wait", "ok by the children", (e) => kids.has(e.pid) && e.obj === go && e.ok);
      const waits = expectCount(v, p, 3, "barrier.wait", "by main and the children", (e) => e.obj === barrier);
      p.check(JSON.stringify(waits.map((w) => w.index).sort()) === "[0,1,2]", () => `barrier indexes should be 0, 1, 2: ${waits.map(describeEvent).join("; ")}`);
      p.check(ofPid(v, main, "event.poll", (e) => e.obj === go).length >= 1, "is_set() should show as event.poll");
    },
  },
  manager_objects: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 1 });
      const main = v.main?.pid;
      const types = new Set(v.of("proxy.create").map((e) => e.objType));
      for (const t of ["dict", "list", "Namespace", "Value", "Array", "Queue", "Lock", "RLock", "Condition", "Semaphore", "Event", "Barrier"]) p.check(types.has(t), `proxy.create of a ${t} should show (got ${[...types].join(", ")})`);
      const workers = pidsOf(v, p, "worker", 2);
      const ws = new Set(workers);
      const [q] = v.of("proxy.create", (e) => e.objType === "Queue").map((e) => e.obj);
      const puts = expectCount(v, p, 2, "queue.put", "by the workers", (e) => ws.has(e.pid) && e.obj === q);
      allReceived(v, p, puts, main);
      const [rlock] = v.of("proxy.create", (e) => e.objType === "RLock").map((e) => e.obj);
      const [barrier] = v.of("proxy.create", (e) => e.objType === "Barrier").map((e) => e.obj);
      for (const w of workers) {
        p.check(ofPid(v, w, "lock.acquire", (e) => e.obj === rlock && e.depth === 2).length === 1, `worker ${w} takes the RLock at depth 2`);
        p.check(ofPid(v, w, "barrier.wait", (e) => e.obj === barrier).length === 1, `worker ${w} waits at the barrier`);
        p.check(ofPid(v, w, "proxy.op").length >= 2, `worker ${w}'s dict/list/array operations should show as proxy.op`);
      }
      p.check(ofPid(v, main, "barrier.wait", (e) => e.obj === barrier).length === 1, "main waits at the barrier");
      const calls = v.of("mgr.call");
      p.check(calls.length > 0 && calls.every((c) => v.receiptsOf(c).length === 1), "every mgr.call is received by the server");
    },
  },
  manager_namespace_pitfall: {
    structure(v, x, p) {
      namespaceStory(v, p, x, "writer", "reader", false, { get: "ns.nums[2] = 3  # changes", read: 'print("reader sees", ns.nums' });
    },
  },
  manager_namespace_fix: {
    structure(v, x, p) {
      namespaceStory(v, p, x, "writer", "reader", true, { get: "nums = ns.nums  # a local copy", set: "ns.nums = nums  # written back", read: 'print("reader sees", ns.nums' });
    },
  },
  manager_errors: {
    exitStatus: 1,
    structure(v, x, p) {
      roles(v, p, { main: 1, "manager-server": 1, child: 0 });
      const main = v.main?.pid;
      const d = createdAt(v, x, "d = manager.dict(a=1)")[0];
      const failed = v.events.filter((e) => e.pid === main && e.obj === d && (e.kind === "proxy.op" || e.kind === "mgr.return") && (e as { ok?: boolean }).ok === false);
      p.check(failed.length >= 1, () => `d["missing"] should show as a failed dict operation (ok: false):\n${v.dumpPid(main!)}`);
      at(p, x, failed[0], 'd["missing"]');
    },
  },
  pool_map: {
    structure(v, x, p) {
      // Two workers are started; one that starts slowly may be terminated before it ran any code.
      roles(v, p, { main: 1, "pool-worker": [1, 2], child: 0 });
      const main = v.main?.pid;
      const pool = expectCount(v, p, 1, "pool.create", "by main", (e) => e.pid === main)[0];
      if (pool) p.check(pool.processes === 2, "pool.create processes=2");
      const subs = v.of("pool.submit", (e) => e.pid === main);
      const count = (m: string) => subs.filter((s) => s.method === m).length;
      const want: Record<string, number> = { map: 2, imap: 1, imap_unordered: 1, starmap: 1, apply: 1, apply_async: 4 };
      for (const [m, n] of Object.entries(want)) p.check(count(m) === n, () => `expected ${n} pool.submit with method ${m}, got ${count(m)} (all: ${subs.map((s) => s.method).join(", ")})`);
      p.check(subs.length === 10, `expected 10 pool.submit events, got ${subs.length}`);
      const maps = subs.filter((s) => s.method === "map");
      if (maps.length === 2 && maps[0].tasks !== undefined) p.check(maps[0].tasks === 6 && maps[1].tasks === 3, `map tasks: 6 (chunksize 1) then 3 (chunksize 2), got ${maps[0].tasks}, ${maps[1].tasks}`);
      at(p, x, maps[0], 'print("map:", pool.map(square, range(6)))');
      const workers = new Set(v.role("pool-worker").map((s) => s.pid));
      for (const r of v.of("pool.task.recv")) {
        p.check(workers.has(r.pid), `a pool task taken outside a pool worker: ${describeEvent(r)}`);
        p.check(v.of("pool.result.send", (e) => e.pid === r.pid && e.job === r.job && e.index === r.index).length === 1, () => `task ${r.job}/${r.index} taken by ${r.pid} should have its result sent by it`);
      }
      for (const s of subs.filter((s) => s.method === "apply_async")) {
        p.check(v.of("pool.get", (e) => e.job === s.job && e.ok).length >= 1, `apply_async job ${s.job}: .get() should show as pool.get`);
      }
      p.check(v.of("pool.task.recv").length >= 6 + 3 + 4 + 4 + 3 + 1 + 4, "every task of every job should be taken by a worker");
    },
  },
  pool_manager_queue: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "manager-server": 1, "pool-worker": [1, 2], child: 0 });
      const workers = new Set(v.role("pool-worker").map((s) => s.pid));
      const q = theObject(v, p, "Queue", "ManagerQueue");
      const puts = expectCount(v, p, 1, "queue.put", "by a pool worker", (e) => workers.has(e.pid) && e.obj === q);
      allReceived(v, p, puts, (pid) => workers.has(pid));
      at(p, x, puts[0], 'queue.put("a message between pool workers")');
      expectCount(v, p, 2, "pool.submit", "apply_async", (e) => e.method === "apply_async");
    },
  },
  process_pool_executor: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "manager-server": 0 });
      const others = [...v.starts.values()].filter((s) => s.role === "child" || s.role === "pool-worker");
      p.check(others.length >= 1 && others.length <= 2, () => `the executor runs 1–2 worker processes, got: ${v.describeProcesses()}`);
    },
  },
  executor_futures: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": [1, 2], child: 0 });
      const main = v.main?.pid;
      const pool = expectCount(v, p, 1, "pool.create", "by main", (e) => e.pid === main)[0];
      at(p, x, pool, "with cf.ProcessPoolExecutor(max_workers=2");
      if (pool) p.check(pool.processes === 2, "pool.create processes=2");
      const subs = v.of("pool.submit", (e) => e.pid === main);
      p.check(subs.filter((s) => s.method === "submit").length === 9, () => `9 submits expected: ${subs.map((s) => s.method).join(", ")}`);
      const maps = subs.filter((s) => s.method === "map" && s.func === "__main__.add");
      p.check(maps.length === 1, () => `map(add, …) is one job: ${maps.map(describeEvent).join("; ")}`);
      const mapTasks = v.of("pool.task.send", (e) => e.job === maps[0]?.job);
      p.check(mapTasks.length === 3 && mapTasks.map((t) => t.index).sort().join() === "0,1,2", () => `map(add, 5 items, chunksize=2) is 3 tasks of that job, indexed 0-2: ${mapTasks.map(describeEvent).join("; ")}`);
      tasksRoundTrip(v, p, main);
      p.check(v.of("pool.task.recv").length === 12, () => `12 tasks taken by the workers, got ${v.of("pool.task.recv").length}`);
      const failed = v.of("pool.result.send", (e) => !e.ok);
      p.check(failed.length === 1 && failed[0].preview.includes("three is not allowed"), () => `one task fails with the ValueError: ${failed.map(describeEvent).join("; ")}`);
      const got = v.of("pool.get", (e) => e.pid === main && !e.ok);
      p.check(got.length === 1 && got[0].preview.startsWith("ValueError"), () => `futures[3].result() shows the ValueError: ${got.map(describeEvent).join("; ")}`);
      at(p, x, got[0], "futures[3].result()");
      expectCount(v, p, 1, "pool.close", "by main", (e) => e.pid === main);
      expectCount(v, p, 1, "pool.join", "by main", (e) => e.pid === main);
      p.check(ofPid(v, main, "block.begin", (e) => e.op === "pool.get").length >= 1, "main waits for a future (block pool.get)");
      workersAccountedFor(v, p);
      p.check(v.openBlocks().length === 0, "no block left open");
    },
  },
  executor_map_jobs: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": [1, 2], child: 0 });
      const main = v.main?.pid;
      const subs = expectCount(v, p, 2, "pool.submit", "by main (one per map call, as Pool.map)", (e) => e.pid === main);
      p.check(subs.every((s) => s.method === "map"), () => `both are maps: ${subs.map(describeEvent).join("; ")}`);
      at(p, x, subs[0], 'print("cubes:", list(pool.map(cube, range(9))))');
      at(p, x, subs[1], "for item in pool.map(label, words, range(10), chunksize=4):");
      const chunks = [9, 3];
      subs.forEach((s, k) => {
        const sends = v.of("pool.task.send", (e) => e.pid === main && e.job === s.job);
        const idx = sends.map((e) => e.index).sort((a, b) => a - b).join();
        p.check(idx === [...Array(chunks[k]).keys()].join(), () => `map ${k + 1}: ${chunks[k]} chunks of its job, indexed from 0: ${idx}`);
        const taken = v.of("pool.task.recv", (e) => e.job === s.job);
        p.check(taken.length === chunks[k], () => `map ${k + 1}: every chunk taken by a worker under the same job (${taken.length})`);
        const back = v.of("pool.result.recv", (e) => e.pid === main && e.job === s.job && e.ok);
        p.check(back.length === chunks[k], () => `map ${k + 1}: every chunk's result back to main under the job (${back.length})`);
        const got = v.of("pool.get", (e) => e.pid === main && e.job === s.job && e.ok);
        p.check(got.length === chunks[k], () => `map ${k + 1}: each chunk's result taken (pool.get) while iterating (${got.length})`);
      });
      const last = v.of("pool.result.send", (e) => e.job === subs[1]?.job && e.index === 2);
      p.check(last.length === 1 && last[0].preview === "['w8', 'w9']", () => `the last chunk of the second map holds two items: ${last.map(describeEvent).join("; ")}`);
      tasksRoundTrip(v, p, main);
      workersAccountedFor(v, p);
      p.check(v.openBlocks().length === 0, "no block left open");
    },
  },
  executor_broken_pool: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": [1, 2], child: 0 });
      const main = v.main?.pid;
      const broke = v.of("pool.get", (e) => e.pid === main && !e.ok);
      p.check(broke.length === 1 && broke[0].preview.startsWith("BrokenProcessPool"), () => `doomed.result() shows BrokenProcessPool: ${broke.map(describeEvent).join("; ")}`);
      at(p, x, broke[0], "doomed.result(timeout=60)");
      const crashed = v.role("pool-worker").filter((w) => v.exitOf(w.pid)?.exitCode === 7 || v.of("process.join", (j) => j.child === w.pid && j.exitCode === 7).length > 0);
      p.check(crashed.length === 1, () => `one worker ends with exit code 7 (os._exit(7)): ${v.describeProcesses()}`);
      workersAccountedFor(v, p);
    },
  },
  executor_worker_recycling: {
    structure(v, x, p) {
      const recycled = minor(x) >= 11;
      roles(v, p, { main: 1, "pool-worker": recycled ? [3, 4] : 1, child: 0 });
      const main = v.main?.pid;
      tasksRoundTrip(v, p, main);
      p.check(v.of("pool.task.recv").length === 6, "six tasks taken");
      if (recycled) {
        for (const w of v.role("pool-worker")) p.check(ofPid(v, w.pid, "pool.task.recv").length <= 2, `worker ${w.pid} runs at most two tasks`);
      }
      workersAccountedFor(v, p);
    },
  },
  executor_unpicklable_argument: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": 1, child: 0 });
      const main = v.main?.pid;
      const subs = v.of("pool.submit", (e) => e.pid === main);
      p.check(subs.length === 2, "two submits");
      const bad = v.of("pool.get", (e) => e.pid === main && !e.ok);
      p.check(bad.length === 1 && bad[0].preview.startsWith("TypeError"), () => `bad.result() shows the TypeError: ${bad.map(describeEvent).join("; ")}`);
      if (subs[0]) {
        p.check(v.of("pool.task.recv", (e) => e.job === subs[0].job).length === 0, "the unpicklable task never reaches a worker");
        p.check(v.of("pool.result.recv", (e) => e.job === subs[0].job && !e.ok && e.msg === undefined).length === 1, "the owner records the unpicklable task's failed result");
      }
      if (subs[1]) p.check(v.of("pool.get", (e) => e.job === subs[1].job && e.ok && e.preview === "'yes'").length === 1, "the second task's result comes back");
      tasksRoundTrip(v, p, main);
    },
  },
  hang_queue_get_executor_idle: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": [1, 2], child: 0 });
      const q = theObject(v, p, "Queue");
      at(p, x, blockedIn(v, p, v.main?.pid, "queue.get", q), "print(results.get())  # nobody puts: hangs here");
      tasksRoundTrip(v, p, v.main?.pid);
      for (const w of v.role("pool-worker")) p.check(openBlocksOf(v, w.pid).length === 0, `idle worker ${w.pid} records no block of its own`);
    },
  },
  ok_join_in_thread_while_draining: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [prod] = pidsOf(v, p, "produce");
      const q = theObject(v, p, "Queue");
      queueFlow(v, p, x, q, prod, main, 40, "q.put(bytes(4096) + bytes([i]))", "last_bytes = [q.get()[-1] for _ in range(40)]");
      const joins = ofPid(v, main, "process.join", (e) => e.child === prod);
      p.check(joins.length === 1 && joins[0].exitCode === 0 && joins[0].tid !== main, () => `a helper thread of main joins the producer (exit 0): ${joins.map(describeEvent).join("; ")}`);
    },
  },
  pool_terminate_workers: {
    structure(v, x, p) {
      // A worker terminated before it started running Python records nothing itself: its owner's events account for it.
      roles(v, p, { main: 1, "pool-worker": [0, 5], child: 0 });
      const main = v.main?.pid;
      expectCount(v, p, 5, "process.spawn", "of pool workers by main", (e) => e.pid === main && e.target === "multiprocessing.pool.worker");
      const pools = expectCount(v, p, 2, "pool.create", "by main", (e) => e.pid === main);
      expectCount(v, p, 1, "pool.terminate", "by main", (e) => e.pid === main && e.obj === pools[0]?.obj);
      workersAccountedFor(v, p);
      const busy = new Set(v.of("pool.task.recv", (e) => e.func === "__main__.nap" && e.obj === pools[0]?.obj).map((e) => e.pid));
      for (const w of busy) {
        const j = v.of("process.join", (e) => e.child === w);
        p.check(j.length >= 1 && j[0].exitCode === -15, () => `worker ${w}, busy when terminate() came, ends with -15 (SIGTERM): ${j.map(describeEvent).join("; ") || "no process.join"}`);
      }
    },
  },
  runtime_not_visible: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": 1, child: 0 });
      const subs = v.of("pool.submit", (e) => e.pid === v.main?.pid);
      p.check(subs.length === 1 && subs[0].func === "time.sleep", () => `apply_async(time.sleep) shows func time.sleep: ${subs.map(describeEvent).join("; ")}`);
      const types = new Set(v.of("sync.create").map((e) => e.objType));
      for (const t of ["Lock", "RLock", "Semaphore", "Event", "Condition", "Barrier"]) p.check(types.has(t), () => `a ${t} is created: ${[...types].join(", ")}`);
    },
  },
  child_start_failure: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [child] = pidsOf(v, p, "work");
      p.check(v.exitOf(child)?.exitCode === 1, () => `the child that failed at start-up records its exit code 1:\n${v.dumpPid(child)}`);
      p.check(ofPid(v, main, "process.join", (e) => e.child === child && e.exitCode === 1).length === 1, "main joins it and sees exit code 1");
    },
  },
  pool_initializer_prints: {
    structure(v, x, p) {
      roles(v, p, { main: 1, "pool-worker": 5, child: 0 });
      for (const w of v.role("pool-worker")) p.check(ofPid(v, w.pid, "pool.task.recv").length >= 1, `worker ${w.pid} takes at least one task`);
      tasksRoundTrip(v, p, v.main?.pid);
    },
  },
  manager_remote_server: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 0 });
      const main = v.main?.pid;
      const [server] = pidsOf(v, p, "serve");
      const [worker] = pidsOf(v, p, "worker");
      const jobs = v.of("proxy.create", (e) => e.objType === "jobs").map((e) => e.obj);
      p.check(jobs.length >= 1, "the jobs proxy is created");
      const q = jobs[0];
      // A registered type's proxy: its methods are recorded as Manager calls (and proxy.op), not as queue operations.
      expectCount(v, p, 3, "mgr.call", "put by the worker", (e) => e.pid === worker && e.obj === q && e.method === "put");
      expectCount(v, p, 3, "mgr.call", "get by main", (e) => e.pid === main && e.obj === q && e.method === "get");
      const calls = v.of("mgr.call");
      p.check(calls.length > 0, "manager calls recorded");
      for (const c of calls) {
        const r = v.receiptsOf(c);
        if (!p.check(r.length === 1 && r[0].pid === server, () => `${describeEvent(c)} should be received by the server process ${server}`)) break;
      }
      const replies = v.of("mgr.reply", (e) => e.pid === server);
      p.check(replies.length === calls.length, () => `the server replies to every call: ${replies.length} replies, ${calls.length} calls`);
      p.check(ofPid(v, main, "mgr.return").length >= 3, "main's calls return");
    },
  },
  listener_client: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const main = v.main?.pid;
      const [server] = pidsOf(v, p, "serve");
      const [intruder] = pidsOf(v, p, "intruder");
      const creates = expectCount(v, p, 1, "pipe.create", "by the server (accept)", (e) => e.pid === server);
      at(p, x, creates[0], "conn = listener.accept()");
      const ends = creates[0]?.ends ?? ["", ""];
      const sends = expectCount(v, p, 3, "pipe.send", "by main on its Client end", (e) => e.pid === main && e.obj === ends[1]);
      allReceived(v, p, sends, server);
      const replies = expectCount(v, p, 2, "pipe.send", "by the server", (e) => e.pid === server && e.obj === ends[0]);
      allReceived(v, p, replies, main);
      const authFails = v.of("pipe.close", (e) => (e as { error?: string }).error?.startsWith("AuthenticationError") === true);
      p.check(authFails.some((e) => e.pid === intruder) && authFails.some((e) => e.pid === server), () => `the failed authentication shows on both sides: ${authFails.map(describeEvent).join("; ")}`);
      // wait([conn]) blocks only when the reply is not there yet (timing): then it is a wait to receive on main's end that ends.
      const waits = ofPid(v, main, "block.begin", (e) => e.op === "pipe.recv" && e.obj === ends[1]);
      allAt(p, x, waits, "if wait([conn], timeout=60):");
      p.check(v.openBlocks().length === 0, "no block left open");
    },
  },
  outside_peers: {
    structure(v, x, p) {
      // The service runs with its own environment: no process of the run. Main's inbox server is.
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const [inbox] = pidsOf(v, p, "serve_inbox");
      const runPids = new Set(v.pids);
      const outsideEnd = (e: { outside?: boolean; peerPid?: number }, what: string) =>
        p.check(e.outside === true && typeof e.peerPid === "number" && !runPids.has(e.peerPid), () => `${what}: the other end is outside the run (outside, peerPid of no process of the run): ${describeEvent(e as RuntimeEvent)}`);
      // Main as the Client of the service's Listener.
      const [client] = expectCount(v, p, 1, "pipe.connect", "main connects to the service", (e) => e.pid === main);
      if (client) outsideEnd(client, "main's Client");
      at(p, x, client, "with Client(service_sock, authkey=KEY) as conn:");
      const toService = expectCount(v, p, 4, "pipe.send", "main sends to the service", (e) => e.pid === main && e.obj === client?.obj);
      // Main as the Listener the service connects to.
      const [accepted] = expectCount(v, p, 1, "pipe.create", "main accepts the service", (e) => e.pid === main);
      if (accepted) outsideEnd(accepted, "main's accepted connection");
      const replies = expectCount(v, p, 1, "pipe.send", "main answers the service", (e) => e.pid === main && e.obj === accepted?.ends[0]);
      // Main as a client of the service's Manager: its calls go out as they are, nothing answers them in the trace.
      const calls = expectCount(v, p, 3, "mgr.call", "to the service's Manager", (e) => e.pid === main && e.outside === true);
      for (const e of [...toService, ...replies, ...calls]) {
        p.check(e.outside === true && v.receiptsOf(e).length === 0, () => `${describeEvent(e)}: sent outside the run, received by nobody in the trace`);
      }
      const fromService: Array<{ msg?: string }> = [...ofPid(v, main, "pipe.recv"), ...ofPid(v, main, "mgr.return", (e) => e.msg === undefined)];
      p.check(fromService.length === 3 + 2 + 3 && fromService.every((e) => e.msg === undefined), () => `main receives 8 answers from outside, none with a message id: ${(fromService as RuntimeEvent[]).map(describeEvent).join("; ")}`);
      // Main's own Manager server is in the run: its call pairs as usual.
      const [put] = expectCount(v, p, 1, "mgr.call", "to main's own inbox server", (e) => e.pid === main && e.outside === undefined);
      if (put) allReceived(v, p, [put], inbox);
      const s = summarize(v.trace.header, v.trace.events, v.trace.footer);
      p.check(s.messages.outside === 8 && s.messages.inFlight === 0, () => `the summary counts 8 messages sent outside, none in flight: ${JSON.stringify(s.messages)}`);
    },
  },
  value_unlocked: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const main = v.main?.pid;
      const kids = new Set(pidsOf(v, p, "worker", 2));
      const counter = createdAt(v, x, 'counter = mp.Value("i", 0, lock=False)')[0];
      const scores = createdAt(v, x, 'scores = mp.Array("i", 2, lock=False)')[0];
      const flags = createdAt(v, x, "flags = mp.RawArray(ctypes.c_int, [0, 0])")[0];
      const total = createdAt(v, x, "total = mp.RawValue(ctypes.c_double, 0.0)")[0];
      const pair = createdAt(v, x, "pair = mp.RawValue(Pair, 1, 2)")[0];
      const tag = createdAt(v, x, 'tag = mp.RawArray("c", 4)')[0];
      const want: [string | undefined, string, number | null][] = [
        [counter, "Value", null],
        [scores, "Array", 2],
        [flags, "RawArray", 2],
        [total, "RawValue", null],
        [pair, "RawValue", null],
        [tag, "RawArray", 4],
      ];
      for (const [obj, type, length] of want) {
        const c = v.created.get(obj ?? "");
        p.check(c?.kind === "value.create" && c.objType === type && c.lock === undefined && (c.length ?? null) === length, () => `${obj}: a ${type} without a lock${length ? ` of ${length}` : ""}: ${c ? describeEvent(c) : "not created"}`);
      }
      const pc = v.created.get(pair ?? "");
      p.check(pc?.kind === "value.create" && pc.preview === "Pair(left=1, right=2)", "the Structure's preview shows its fields");
      const w = (obj: string | undefined, index: string | number | undefined, old: string, value: string, line: string) => {
        const hit = v.of("value.write", (e) => e.obj === obj && e.index === index && kids.has(e.pid));
        p.check(hit.length === 1 && hit[0].old === old && hit[0].value === value, () => `a child writes ${obj}${index !== undefined ? `[${index}]` : ""}: ${old} -> ${value}: ${hit.map(describeEvent).join("; ") || "none"}`);
        at(p, x, hit[0], line);
      };
      w(counter, undefined, "0", "7", "counter.value = 7");
      w(scores, 0, "0", "10", "scores[slot] = (slot + 1) * 10");
      w(scores, 1, "0", "20", "scores[slot] = (slot + 1) * 10");
      w(flags, 0, "0", "100", "flags[slot] = slot + 100");
      w(flags, 1, "0", "101", "flags[slot] = slot + 100");
      w(total, undefined, "0.0", "2.5", "total.value = 2.5");
      w(pair, "left", "1", "11", "pair.left = 11");
      w(pair, "right", "2", "22", "pair.right = 22");
      w(tag, undefined, "b''", "b'ok'", 'tag.value = b"ok"');
      // Main reads everything back after the children end (the same ids in every process).
      const after = linesOf(x.file, 'print("after:"')[0];
      const reads = ofPid(v, main, "value.read", (e) => e.site?.line === after);
      const seen = (obj: string | undefined) => reads.filter((e) => e.obj === obj).map((e) => (e.index === undefined ? e.value : `${e.index}=${e.value}`)).join(",");
      p.check(seen(counter) === "7", () => `main reads counter.value 7: ${seen(counter)}`);
      p.check(seen(scores) === "0=10,1=20", () => `main reads scores 10, 20: ${seen(scores)}`);
      p.check(seen(flags) === ":=[100, 101]", () => `main reads flags[:] [100, 101]: ${seen(flags)}`);
      p.check(seen(total) === "2.5", () => `main reads total.value 2.5: ${seen(total)}`);
      p.check(seen(tag) === "b'ok'", () => `main reads tag.value b'ok': ${seen(tag)}`);
    },
  },
  value_types_seen: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const kids = pidsOf(v, p, "child", 2);
      // [creating line, index written by child 0 / child 1 (a function of the slot), old → new of each, writing line]
      const want: [string, (s: number) => string | number | undefined, [string, string][], string][] = [
        ["mp.RawValue(ctypes.c_int, 1),", () => undefined, [["1", "11"], ["11", "21"]], "number.value += 10"],
        ["mp.Value(ctypes.c_int, 0, lock=False),", () => undefined, [["0", "1"], ["1", "2"]], "counter.value = slot + 1"],
        ["mp.RawValue(ctypes.c_double, 1.5),", () => undefined, [["1.5", "3.0"], ["3.0", "6.0"]], "ratio.value = ratio.value * 2"],
        ["mp.RawArray(ctypes.c_int, 3),", (s) => s, [["0", "0"], ["0", "100"]], "ints[slot] = slot * 100"],
        ['mp.Array("i", 2, lock=False),', (s) => s, [["0", "0"], ["0", "-1"]], "tail[slot] = -slot"],
        ['mp.RawArray("c", 4),', () => undefined, [["b''", "b'c0'"], ["b'c0'", "b'c1'"]], 'chars.value = b"c%d" % slot'],
        ["mp.RawValue(Point, 1, 2),", () => "x", [["1", "7"], ["7", "8"]], "point.x = slot + 7"],
        ["mp.RawArray(Point, [(1, 2), (3, 4)]),", (s) => `${s}.y`, [["2", "20"], ["4", "21"]], "points[slot].y = slot + 20"],
        ["mp.Array(Point, [(5, 6), (7, 8)]),", (s) => `${s}.x`, [["5", "30"], ["7", "31"]], "locked[slot].x = slot + 30"],
      ];
      for (const [create, index, olds, line] of want) {
        const obj = createdAt(v, x, create)[0];
        p.check(obj !== undefined, `${create} is created`);
        kids.forEach((kid, slot) => {
          const hit = v.of("value.write", (e) => e.obj === obj && e.pid === kid);
          const [old, value] = olds[slot];
          p.check(hit.length === 1 && hit[0].index === index(slot) && hit[0].old === old && hit[0].value === value, () => `child ${slot} writes ${create} ${old} -> ${value}: ${hit.map(describeEvent).join("; ") || "none"}`);
          at(p, x, hit[0], line);
        });
      }
    },
  },
  terminate_after_receipt: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 5 });
      const main = v.main?.pid;
      // Each child is terminated as soon as main has what it sent: its send is in the trace all the same.
      for (const [fn, kind, line] of [
        ["pipe_sender", "pipe.send", 'conn.send("from the pipe")'],
        ["bytes_sender", "pipe.send", 'conn.send_bytes(b"raw bytes")'],
        ["simple_putter", "queue.put", 'q.put("from the simple queue")'],
        ["queue_putter", "queue.put", 'q.put("from the queue")'],
        ["finisher", "queue.task_done", "q.task_done()"],
      ] as const) {
        const [kid] = pidsOf(v, p, fn);
        const sent = ofPid(v, kid, kind);
        p.check(sent.length === 1, () => `${fn} records its ${kind} before main terminates it:\n${v.dumpPid(kid)}`);
        at(p, x, sent[0], line);
        // Raw bytes carry no message id (paired first-in-first-out by the model): their receipt is checked by the invariants.
        if (kind !== "queue.task_done" && fn !== "bytes_sender") allReceived(v, p, sent, main);
        p.check(v.of("process.join", (e) => e.pid === main && e.child === kid && e.exitCode === -15).length === 1, `main joins ${fn} and sees -15`);
      }
    },
  },
  terminate_while_going_to_sleep: {
    structure(v, x, p) {
      const rounds = x.method === "fork" ? 200 : 15;
      roles(v, p, { main: 1, child: rounds });
      const main = v.main?.pid;
      const kids = pidsOf(v, p, "child", rounds);
      const late = kids.filter((kid) => v.of("process.join", (e) => e.pid === main && e.child === kid && e.exitCode === -15).length !== 1);
      p.check(late.length === 0, () => `main joins every child and sees -15; not: ${late.join(", ")}`);
      // Each child's handler ran: its process.exit says SIGTERM, and its put is in the trace, received by main.
      const noExit = kids.filter((kid) => ofPid(v, kid, "process.exit").filter((e) => e.signal === 15).length !== 1);
      p.check(noExit.length === 0, () => `every child records its exit by SIGTERM; not: ${noExit.join(", ")}`);
      const puts = kids.flatMap((kid) => ofPid(v, kid, "queue.put"));
      p.check(puts.length === rounds, () => `one put per child: ${puts.length}`);
      allAt(p, x, puts, 'q.put("about to sleep")');
      allReceived(v, p, puts, main);
    },
  },
  connection_wait_any: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3 });
      const main = v.main?.pid;
      const [nap] = pidsOf(v, p, "sleeper");
      const waits = ofPid(v, main, "conn.wait");
      allAt(p, x, waits, "for ready in wait(pending, timeout=60):");
      // wait(…, timeout=0) never blocks: a poll of the first object, with what was ready.
      const look = ofPid(v, main, "pipe.poll", (e) => e.method === "wait");
      p.check(look.length === 1 && look[0].result === "[]", () => `the zero-timeout wait is one poll with nothing ready: ${look.map(describeEvent).join("; ")}`);
      at(p, x, look[0], 'print("ready before any sender starts:", wait([left_r, right_r], timeout=0))');
      p.check(waits.length >= 1 && waits[0].objects.length === 3 && waits[0].objects[2] === `proc:${nap}`, () => `the first wait names both pipes and the sleeper's sentinel: ${waits.map(describeEvent).join("; ")}`);
      const ends = new Set(v.of("pipe.create").flatMap((e) => e.ends));
      p.check(waits.length > 0 && waits[0].objects.slice(0, 2).every((o) => ends.has(o)), "the pipes are named by their ends' ids");
      const ready = waits.flatMap((w) => w.ready);
      // A wait left with one pipe end only is that end's receive (a blocking pipe.recv), not a conn.wait.
      const single = waits.length > 0 && ready.length === 2 && ready.includes(`proc:${nap}`) ? waits[0].objects.filter((o) => !ready.includes(o)) : [];
      p.check(new Set(ready).size === ready.length && ready.includes(`proc:${nap}`) && (ready.length === 3 || single.length === 1), () => `each of the three becomes ready once (the last pipe end maybe through a one-end wait): ${JSON.stringify(ready)}`);
      for (const w of waits) p.check(w.ready.every((r) => w.objects.includes(r)), () => `ready objects are among those waited on: ${describeEvent(w)}`);
      const spans = ofPid(v, main, "block.begin", (e) => e.op === "conn.wait");
      p.check(spans.every((b) => Array.isArray(b.objects) && b.objects.length >= 1), "each blocking wait names its objects");
      p.check(v.openBlocks().length === 0, "no block left open");
      const recvs = ofPid(v, main, "pipe.recv");
      p.check(recvs.length === 2 && recvs.every((r) => r.msg !== undefined), () => `both messages received and paired: ${recvs.map(describeEvent).join("; ")}`);
    },
  },
  hang_wait_any_nobody_sends: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const [worker] = pidsOf(v, p, "worker");
      const q = theObject(v, p, "Queue");
      at(p, x, blockedIn(v, p, worker, "queue.get", q), "job = jobs.get()  # main never puts one");
      const b = blockedIn(v, p, v.main?.pid, "conn.wait");
      at(p, x, b, "ready = wait([left_r, right_r])  # blocks forever");
      const ends = new Set(v.of("pipe.create").flatMap((e) => e.ends));
      p.check(b !== undefined && b.objects?.length === 2 && b.objects.every((o) => ends.has(o)), () => `main's wait names both pipe ends: ${b ? describeEvent(b) : "none"}`);
    },
  },
  value_structures: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const arr = createdAt(v, x, "points = mp.Array(Point, [(1, 2), (3, 4), (5, 6)])")[0];
      const c = v.created.get(arr ?? "");
      p.check(c?.kind === "value.create" && c.preview.startsWith("[Point(x=1, y=2)"), () => `the Array's preview shows its points: ${c ? describeEvent(c) : "no value.create"}`);
      const writes = v.of("value.write", (e) => e.obj === arr && typeof e.index === "string" && e.index.endsWith(".x"));
      p.check(writes.length === 6, () => `six field writes a[i].x = … by the workers, got ${writes.length}`);
      allAt(p, x, writes, "points[i].x = points[i].x + dx");
      const last = writes.filter((w) => w.index === "2.x").map((w) => w.value);
      p.check(JSON.stringify(last) === JSON.stringify(["15", "115"]), () => `points[2].x becomes 15 then 115: ${JSON.stringify(last)}`);
    },
  },
  shared_memory_blocks: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 4 });
      const main = v.main?.pid;
      const block = createdAt(v, x, "block = shared_memory.SharedMemory(create=True, size=16)")[0];
      const list = createdAt(v, x, "items = shared_memory.ShareableList([1, 2, 3, 4])")[0];
      p.check(block !== undefined && list !== undefined && block !== list, "the block and the list are two objects");
      const kids = new Set(pidsOf(v, p, "fill", 4));
      for (const [obj, what] of [[block, "block"], [list, "list"]] as const) {
        const attach = v.of("proxy.op", (e) => e.obj === obj && e.method === "attach" && kids.has(e.pid));
        const close = v.of("proxy.op", (e) => e.obj === obj && e.method === "close" && kids.has(e.pid));
        p.check(attach.length === 4 && close.length === 4, () => `each worker attaches to the ${what} by name and closes it (one object across processes): ${attach.length} attach, ${close.length} close`);
        p.check(ofPid(v, main, "proxy.op", (e) => e.obj === obj && e.method === "unlink").length === 1, `main unlinks the ${what}`);
      }
      const writes = v.of("value.write", (e) => e.obj === list && kids.has(e.pid));
      p.check(writes.length === 4 && writes.every((w) => w.value === String(Number(w.old) * 10)), () => `each worker writes one item of the list, ten times its old value: ${writes.map(describeEvent).join("; ")}`);
      allAt(p, x, writes, "items[slot] = items[slot] * 10");
      const managed = v.of("value.create", (e) => e.objType === "ShareableList" && e.obj !== list);
      p.check(managed.length === 1, "the SharedMemoryManager's list is created");
      at(p, x, managed[0], 'managed = smm.ShareableList(["a", "b"])');
      p.check(v.of("manager.start").length === 1, "the SharedMemoryManager starts as a Manager");
    },
  },
  process_lifecycle: {
    structure(v, x, p) {
      const main = v.main?.pid;
      const spawns = programSpawns(v, main);
      p.check(spawns.length === 7, () => `main starts 7 children, got ${spawns.length}`);
      const joins = ofPid(v, main, "process.join").map((j) => j.exitCode);
      p.check(JSON.stringify(joins) === JSON.stringify([0, 3, 1, 0, null, -15, -9]), `main's joins should see exit codes 0, 3, 1, 0, null (timeout), -15, -9; got ${JSON.stringify(joins)}`);
      const [exit3] = pidsOf(v, p, "exit_three");
      const [crash] = pidsOf(v, p, "crash");
      p.check(v.exitOf(exit3)?.exitCode === 3, () => `sys.exit(3) child: process.exit exitCode 3:\n${v.dumpPid(exit3)}`);
      p.check(v.exitOf(crash)?.exitCode === 1, () => `crashing child: process.exit exitCode 1:\n${v.dumpPid(crash)}`);
      const [parent] = pidsOf(v, p, "parent_of_one");
      const grand = programSpawns(v, parent);
      if (p.check(grand.length === 1, "the parent_of_one child starts one grandchild")) {
        const st = v.starts.get(grand[0].child);
        p.check(st?.name === `${v.starts.get(parent)?.name}:1` && st?.ppid === parent, () => `the grandchild should be named <parent>:1 with ppid ${parent}: ${st ? describeEvent(st) : "no process.start"}`);
      }
      const sleepers = pidsOf(v, p, "sleeper", 3);
      const term = expectCount(v, p, 1, "process.terminate", "by main", (e) => e.pid === main);
      const kill = expectCount(v, p, 1, "process.kill", "by main", (e) => e.pid === main);
      p.check(term[0]?.child === sleepers[0] && kill[0]?.child === sleepers[1], "terminate() is for the first sleeper, kill() for the second");
      at(p, x, term[0], "p.terminate()");
      at(p, x, kill[0], "p.kill()");
      p.check(spawns.filter((s) => s.daemon).length === 1, "one daemon child");
      const tb = ofPid(v, main, "block.end", (e) => e.op === "process.join" && e.outcome === "timeout");
      p.check(tb.length === 1, "join(timeout=0.2) ends its block with outcome timeout");
    },
  },
  thread_queue_not_shared: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const main = v.main?.pid;
      const q = theObject(v, p, "ThreadQueue");
      const threadPut = v.of("queue.put", (e) => e.pid === main && e.obj === q && e.tid !== main);
      p.check(threadPut.length === 1, "the thread's put (in main's process, another thread) should show");
      allReceived(v, p, threadPut, main);
      const [child] = pidsOf(v, p, "producer");
      const copy = v.of("queue.create", (e) => e.pid === child && e.copyOf === q);
      if (p.check(copy.length === 1, "the child should have its own copy of the queue (queue.create with copyOf)")) {
        const puts = ofPid(v, child, "queue.put", (e) => e.obj === copy[0].obj);
        p.check(puts.length === 1 && v.receiptsOf(puts[0]).length === 0, "the child's put lands in its copy and is never received");
      }
    },
  },
  hang_lock_cycle_2: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const left = named(v, p, "left");
      const right = named(v, p, "right");
      const a = createdAt(v, x, "lock_a, lock_b = mp.Lock(), mp.Lock()");
      p.check(a.length === 2, "two locks created on one line");
      lockCycle(v, p, [left, right], [a[0], a[1]], ["lock.acquire"]);
      blockedIn(v, p, v.main?.pid, "process.join", `proc:${left}`);
      at(p, x, openBlocksOf(v, left)[0], "with lock_b:  # blocks forever");
    },
  },
  hang_lock_cycle_3: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 3 });
      const locks = v.of("sync.create", (e) => e.objType === "Lock").map((e) => e.obj);
      p.check(locks.length === 3, "three Locks");
      const workers = [0, 1, 2].map((i) => named(v, p, `worker-${i}`));
      lockCycle(v, p, workers, locks, ["lock.acquire"]);
    },
  },
  hang_manager_lock_cycle: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2, "manager-server": 1 });
      const locks = v.of("proxy.create", (e) => e.objType === "Lock").map((e) => e.obj);
      p.check(locks.length === 2, "two manager Locks");
      const [left] = pidsOf(v, p, "left_side");
      const [right] = pidsOf(v, p, "right_side");
      lockCycle(v, p, [left, right], locks, ["lock.acquire", "mgr.call"]);
    },
  },
  hang_consumer_never_sent: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const q = theObject(v, p, "Queue");
      expectCount(v, p, 0, "queue.put", "at all");
      const b = blockedIn(v, p, v.main?.pid, "queue.get", q);
      at(p, x, b, 'print("result:", q.get())');
      const [prod] = pidsOf(v, p, "producer");
      p.check(v.exitOf(prod)?.exitCode === 0, "the producer exited normally");
    },
  },
  hang_join_blocked_child: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const [child] = pidsOf(v, p, "worker");
      const go = theObject(v, p, "Event");
      at(p, x, blockedIn(v, p, child, "event.wait", go), "go.wait()  # never set");
      at(p, x, blockedIn(v, p, v.main?.pid, "process.join", `proc:${child}`), "child.join()  # blocks forever");
    },
  },
  hang_barrier_missing_party: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const barrier = theObject(v, p, "Barrier");
      const bc = v.created.get(barrier ?? "");
      p.check(bc?.kind === "sync.create" && bc.value === 3, "Barrier created with 3 parties");
      const [child] = pidsOf(v, p, "worker");
      blockedIn(v, p, child, "barrier.wait", barrier);
      blockedIn(v, p, v.main?.pid, "barrier.wait", barrier);
    },
  },
  hang_condition_never_notified: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const cond = theObject(v, p, "Condition");
      const [child] = pidsOf(v, p, "waiter");
      at(p, x, blockedIn(v, p, child, "cond.wait", cond), "cond.wait()  # never notified");
      blockedIn(v, p, v.main?.pid, "process.join", `proc:${child}`);
      expectCount(v, p, 0, "cond.notify", "at all");
    },
  },
  ok_lock_same_order: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const [a, b] = createdAt(v, x, "lock_a, lock_b = mp.Lock(), mp.Lock()");
      for (const w of pidsOf(v, p, "work", 2)) {
        const seq = v
          .byPid(w)
          .filter((e) => (e.kind === "lock.acquire" && e.ok) || e.kind === "lock.release")
          .map((e) => (e.kind === "lock.acquire" ? "+" : "-") + (e.obj === a ? "A" : e.obj === b ? "B" : "?"))
          .join("");
        p.check(seq === "+A+B-B-A".repeat(50), () => `worker ${w} should take A then B and release B then A, 50 times; got ${seq.slice(0, 40)}…`);
      }
      p.check(v.openBlocks().length === 0, "no block left open");
    },
  },
  ok_slow_consumer: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 2 });
      const [cons] = pidsOf(v, p, "consumer");
      const [prod] = pidsOf(v, p, "slow_producer");
      const q = theObject(v, p, "Queue");
      queueFlow(v, p, x, q, prod, cons, 4, undefined, "item = q.get()  # blocked most of the time");
      const ended = ofPid(v, cons, "block.end", (e) => e.op === "queue.get" && e.outcome === "ok");
      p.check(ended.length >= 1, "the consumer blocks in get() and is served (block.end ok)");
      p.check(v.openBlocks().length === 0, "no block left open");
    },
  },
  // Hangs outside the recorded primitives (test/runtime/stacks.test.ts checks the lines reported).
  hang_socket_recv: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
    },
  },
  hang_unix_socket: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
    },
  },
  hang_subprocess_waiter: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      blockedIn(v, p, v.main?.pid, "process.join", `proc:${pidsOf(v, p, "worker")[0]}`);
    },
  },
  // stdin is closed here: input() raises EOFError and main then waits at exit for its child,
  // which waits for the word forever (a stall); with stdin open it hangs in input() (stacks.test.ts).
  hang_input_no_stdin: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
    },
  },
  hang_thread_join: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
    },
  },
  hang_busy_poll: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const q = theObject(v, p, "Queue");
      expectCount(v, p, 0, "queue.put", "at all");
      p.check(v.of("queue.poll", (e) => e.obj === q && e.method === "empty").length >= 1, "the child's empty() polls are recorded");
    },
  },
  // The child never gets past its start-up (it waits for main's lock): it never connects.
  hang_child_start_lock: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1 });
      const spawns = programSpawns(v);
      p.check(spawns.length === 1, "main starts one child");
      blockedIn(v, p, v.main?.pid, "process.join", `proc:${spawns[0]?.child}`);
    },
  },
  hang_thread_queue_get: {
    hangs: true,
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
    },
  },
  // Healthy: a server thread answers a client process; nothing is recorded for 3 s (no hang reported, stacks.test.ts).
  ok_http_server_thread: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const [client] = pidsOf(v, p, "client");
      p.check(ofPid(v, v.main?.pid, "process.join").map((j) => j.exitCode).join() === "0", "main joins the client: exit code 0");
      p.check(client !== undefined, "the client process is recorded");
    },
  },
  // Healthy: a child waits in subprocess.run for curl fetching slow pages from a server outside the run (no hang reported, stacks.test.ts).
  ok_subprocess_curl: {
    structure(v, x, p) {
      if (!v.of("process.spawn").length) return; // no curl or wget: nothing is started
      roles(v, p, { main: 1, child: 1 });
      p.check(ofPid(v, v.main?.pid, "process.join").map((j) => j.exitCode).join() === "0", "main joins the child: exit code 0");
    },
  },
  ok_join_after_drain: {
    structure(v, x, p) {
      roles(v, p, { main: 1, child: 1 });
      const [prod] = pidsOf(v, p, "producer");
      const q = theObject(v, p, "Queue");
      queueFlow(v, p, x, q, prod, v.main?.pid, 20, "q.put(bytes([i]) * ITEM_SIZE)");
      const puts = v.of("queue.put");
      p.check(puts.every((e) => e.preview.length <= 1000), "previews of 16 KiB items stay short");
      p.check(ofPid(v, v.main?.pid, "process.join").map((j) => j.exitCode).join() === "0", "main joins the producer: exit code 0");
    },
  },
};
