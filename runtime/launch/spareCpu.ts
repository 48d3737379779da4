/**
 * How much CPU the machine leaves unused: cores that are idle, plus those this process itself
 * uses (which it could give back), measured between two calls from /proc/stat and
 * process.cpuUsage(). A collector that decodes "when the program leaves it time" asks this: with a
 * whole core to spare, decoding does not take CPU from the program. Linux only; elsewhere (no
 * /proc/stat), and under a cgroup CPU quota (whose limit /proc/stat does not show), it answers
 * 0, so decoding waits for quiet input.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Jiffies since boot, summed over all CPUs: idle (idle + iowait) and total. */
export interface CpuTimes {
  idle: number;
  total: number;
}

/** Parse the first ("cpu") line of /proc/stat; null if it is not there or not numbers. */
export function parseProcStat(text: string): CpuTimes | null {
  const nl = text.indexOf("\n");
  const line = nl < 0 ? text : text.slice(0, nl);
  const parts = line.trim().split(/\s+/);
  if (parts[0] !== "cpu" || parts.length < 5) return null;
  const v = parts.slice(1, 9).map(Number);
  if (v.some((x) => !Number.isFinite(x) || x < 0)) return null;
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { idle, total };
}

/**
 * Spare cores between two samples: the idle share of all CPUs times their number, plus the cores
 * this process used itself (ownMicros of CPU over wallMicros). 0 when nothing can be told.
 */
export function spareCores(prev: CpuTimes, cur: CpuTimes, cpus: number, ownMicros: number, wallMicros: number): number {
  const dt = cur.total - prev.total;
  if (!(dt > 0) || !(wallMicros > 0)) return 0;
  const idleCores = ((cur.idle - prev.idle) / dt) * cpus;
  const own = ownMicros / wallMicros;
  return Math.max(0, idleCores + own);
}

/**
 * Whether this process runs under a CPU quota (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us`).
 * /proc/stat shows the whole machine, whose idle cores a process under a quota may not use: then
 * nothing is counted as spare. `read` returns a file's text or throws.
 */
export function underCpuQuota(read: (path: string) => string): boolean {
  let cgroups: string;
  try {
    cgroups = read("/proc/self/cgroup");
  } catch {
    return false;
  }
  for (const line of cgroups.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, controllers, path] = m;
    const dir = path === "/" ? "" : path;
    try {
      if (controllers === "") {
        const max = read(`/sys/fs/cgroup${dir}/cpu.max`).trim().split(/\s+/)[0];
        if (max !== undefined && max !== "max" && Number(max) > 0) return true;
      } else if (controllers.split(",").includes("cpu")) {
        for (const mount of [controllers, "cpu", "cpu,cpuacct"]) {
          let quota: string;
          try {
            quota = read(`/sys/fs/cgroup/${mount}${dir}/cpu.cfs_quota_us`).trim();
          } catch {
            continue;
          }
          if (Number(quota) > 0) return true;
          break;
        }
      }
    } catch {
      /* no such file: no quota there */
    }
  }
  return false;
}

/** Samples spare CPU at most every `everyMs`; `spare()` returns the last measurement (cores). */
export class SpareCpu {
  private prev: CpuTimes | null = null;
  private prevOwn = 0;
  private prevAt = 0;
  private last = 0;
  private readonly cpus = availableParallelism();
  /** Under a CPU quota nothing counts as spare (see underCpuQuota); found on first use. */
  private quota: boolean | undefined;

  constructor(
    private readonly everyMs = 50,
    private readonly read: () => string = () => readFileSync("/proc/stat", "latin1"),
  ) {}

  spare(): number {
    if (this.quota === undefined) this.quota = underCpuQuota((p) => readFileSync(p, "latin1"));
    if (this.quota) return 0;
    const now = performance.now();
    if (this.prev !== null && now - this.prevAt < this.everyMs) return this.last;
    let cur: CpuTimes | null = null;
    try {
      cur = parseProcStat(this.read());
    } catch {
      cur = null;
    }
    const u = process.cpuUsage();
    const own = u.user + u.system;
    if (cur !== null && this.prev !== null) this.last = spareCores(this.prev, cur, this.cpus, own - this.prevOwn, (now - this.prevAt) * 1000);
    else this.last = 0;
    this.prev = cur;
    this.prevOwn = own;
    this.prevAt = now;
    return this.last;
  }
}
