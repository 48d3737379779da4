/**
 * The fold of pools: workers and what each runs, jobs and their tasks.
 */

import type { Handlers } from "./types";
import type { ModelState } from "../state";
import type { JobState, PoolState, ProcState, WorkerState } from "../stateTypes";
import { addNames, newChannel } from "../stateTypes";

/** The pool `id`, created on first sight. */
export function pool(s: ModelState, id: string, at: number): PoolState {
  return s.obtain(id, "pool", () => ({
    ...s.base(id, "Pool", at, null, null),
    cls: "pool",
    processes: 0,
    workers: new Map(),
    jobs: new Map(),
    tasks: newChannel(),
    closed: false,
    terminated: false,
    joined: false,
  }));
}

/** A pool's worker record for a pid, created on first sight. */
export function worker(s: ModelState, pool: PoolState, pid: number): WorkerState {
  let w = pool.workers.get(pid);
  if (!w) {
    w = { pid, running: null, done: 0, failed: 0 };
    pool.workers.set(pid, w);
  }
  return w;
}

/** A pool's job record, created on first sight. */
export function job(s: ModelState, pool: PoolState, job: string, at: number, pid: number): JobState {
  let j = pool.jobs.get(job);
  if (!j) {
    j = { job, method: "?", func: "?", tasks: null, submittedAt: at, submitter: pid, sent: 0, taken: 0, resultsSent: 0, resultsReceived: 0, got: false };
    pool.jobs.set(job, j);
  }
  return j;
}

/** A pool worker that just started: attach it to the newest live pool its parent created. */
export function attachWorker(s: ModelState, p: ProcState, i: number): void {
  let best: PoolState | null = null;
  for (const o of s.objects.values()) {
    if (o.cls === "pool" && o.creator === p.ppid && !o.terminated && (!best || o.createdAt > best.createdAt)) best = o;
  }
  if (best) worker(s, best, p.pid);
  void i;
}

/** Handlers of the pools kinds (trace/kinds/table.ts family "pools"). */
export const poolFold = {
  "pool.create": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    pl.processes = e.processes;
    pl.createdAt = i;
    pl.creator = e.pid;
    pl.users.add(e.pid);
    // Workers that started before the pool.create was placed.
    for (const w of s.processes.values()) {
      if (w.role === "pool-worker" && w.ppid === e.pid && !w.exit && !s.workerPool(w.pid)) worker(s, pl, w.pid);
    }
  },
  "pool.submit": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    const j = job(s, pl, e.job, i, e.pid);
    j.method = e.method;
    j.func = e.func;
    j.tasks = e.tasks ?? null;
    j.submittedAt = i;
    j.submitter = e.pid;
    // fut = ex.submit(…): a future's result() waits on the job, named `fut`.
    if (typeof e.name === "string" && !s.names.has(e.job)) s.names.set(e.job, e.name);
  },
  "pool.task.send": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    job(s, pl, e.job, i, e.pid).sent++;
    s.chanPut(pl.tasks, i);
  },
  "pool.task.recv": (s, e, i, p) => {
    if (e.names && typeof e.names === "object") p.names = addNames(p.names, e.names);
    const pl = pool(s, e.obj, i);
    const w = worker(s, pl, e.pid);
    w.running = { job: e.job, index: e.index, since: i };
    job(s, pl, e.job, i, e.pid).taken++;
    s.chanTake(pl.tasks, s.refs.partner(i), i);
  },
  "pool.result.send": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    const w = worker(s, pl, e.pid);
    w.running = null;
    if (e.ok) w.done++;
    else w.failed++;
    job(s, pl, e.job, i, e.pid).resultsSent++;
  },
  "pool.result.recv": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    job(s, pl, e.job, i, e.pid).resultsReceived++;
  },
  "pool.get": (s, e, i) => {
    const pl = pool(s, e.obj, i);
    job(s, pl, e.job, i, e.pid).got = true;
  },
  "pool.close": (s, e, i) => {
    pool(s, e.obj, i).closed = true;
  },
  "pool.terminate": (s, e, i) => {
    pool(s, e.obj, i).terminated = true;
  },
  "pool.join": (s, e, i) => {
    pool(s, e.obj, i).joined = true;
  },
} satisfies Partial<Handlers>;
