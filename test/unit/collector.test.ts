import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { Collector, type CollectorOptions } from "../../runtime/launch/collector";
import { parseProcStat, spareCores, SpareCpu, underCpuQuota } from "../../runtime/launch/spareCpu";
import type { TraceEvent } from "../../trace/format";
import { readTraceFileSync } from "../../trace/readFile";
import { validateTrace } from "../../trace/validate";
import { tempDir, testHeader, waitFor } from "./launchTestUtil";

type Rec = unknown[];

/** An event record: [seq, t, tid, kind, obj, msg, site, extra]. */
function rec(seq: number, kind: string, obj: string | null = null, msg: string | null = null, extra: Record<string, unknown> | null = null, site: number | null = null): Rec {
  return [seq, 1000 + seq * 10, 77, kind, obj, msg, site, extra];
}
const line = (...records: Rec[]) => JSON.stringify(records) + "\n";
const START = (pid: number) => rec(0, "process.start", null, null, { name: `P-${pid}`, ppid: 1, role: "child", startMethod: "fork" });

interface Harness {
  c: Collector;
  out: string;
  /** Events emitted so far. */
  emitted: TraceEvent[];
  problems: string[];
  /** Connect as pid and send the hello (token defaults to the right one). */
  client(pid: number, token?: string): Promise<Socket>;
  /** Resolves when pid's connection has been recorded as closed. */
  disconnected(pid: number): Promise<{ pid: number; clean: boolean }>;
}

async function withCollector(fn: (h: Harness) => Promise<void>, options: Partial<CollectorOptions> = {}): Promise<TraceEvent[]> {
  const { dir, cleanup } = tempDir();
  const out = join(dir, "t.ipcviz.jsonl");
  const c = await Collector.start({ out, header: testHeader(), t0: process.hrtime.bigint(), ...options });
  const emitted: TraceEvent[] = [];
  const problems: string[] = [];
  c.on("events", (evs) => emitted.push(...evs));
  c.on("problem", (p) => problems.push(p));
  const waiting = new Map<number, Array<(d: { pid: number; clean: boolean }) => void>>();
  const seen = new Map<number, { pid: number; clean: boolean }>();
  c.on("disconnect", (d) => {
    seen.set(d.pid, d);
    for (const w of waiting.get(d.pid) ?? []) w(d);
  });
  const sockets: Socket[] = [];
  const h: Harness = {
    c,
    out,
    emitted,
    problems,
    client: (pid, token = c.token) =>
      new Promise((resolve, reject) => {
        const s = connect(c.socketPath, () => {
          s.write(JSON.stringify({ hello: 1, token, pid, lang: "python" }) + "\n");
          resolve(s);
        });
        s.on("error", reject);
        sockets.push(s);
      }),
    disconnected: (pid) =>
      new Promise((resolve) => {
        const d = seen.get(pid);
        if (d) return resolve(d);
        waiting.set(pid, [...(waiting.get(pid) ?? []), resolve]);
      }),
  };
  try {
    await fn(h);
    await c.close();
    assert.equal(existsSync(c.dir), false, "close() removes the private directory");
    const t = readTraceFileSync(out);
    assert.ok(t.footer, "trace has a footer");
    assert.equal(t.footer.events, t.events.length);
    assert.deepEqual(t.events, emitted, "the file has exactly the emitted events, in order");
    return t.events;
  } finally {
    for (const s of sockets) s.destroy();
    await c.close();
    cleanup();
  }
}

/** End a client's connection and wait until the collector has recorded it. */
async function finish(h: Harness, s: Socket, pid: number) {
  s.end();
  return h.disconnected(pid);
}

test("good batches become trace events: pid from the hello, sites inline, extra merged", async () => {
  const events = await withCollector(async (h) => {
    assert.equal(statSync(h.c.dir).mode & 0o777, 0o700, "private dir is 0700");
    assert.match(h.c.token, /^[0-9a-f]{32}$/);
    const s = await h.client(4242);
    s.write(
      line(
        ["site", 1, "/p/prog.py", 12, "main"],
        START(4242),
        rec(1, "queue.create", "Q1", null, { objType: "Queue", maxsize: 3 }, 1),
        rec(2, "queue.put", "Q1", "m\"1", { preview: "'a\\nb' ü" }, 1),
      ),
    );
    s.write(line(rec(3, "process.exit", null, null, { exitCode: 0 })));
    const d = await finish(h, s, 4242);
    assert.equal(d.clean, true);
    assert.equal(h.c.stats.connections, 1);
    assert.deepEqual([...h.c.pids], [4242]);
  });
  assert.equal(events.length, 5);
  assert.deepEqual(events[1], { pid: 4242, tid: 77, seq: 1, t: 1010, kind: "queue.create", obj: "Q1", site: { file: "/p/prog.py", line: 12, fn: "main" }, objType: "Queue", maxsize: 3 });
  assert.deepEqual(events[2], { pid: 4242, tid: 77, seq: 2, t: 1020, kind: "queue.put", obj: "Q1", msg: 'm"1', site: { file: "/p/prog.py", line: 12, fn: "main" }, preview: "'a\\nb' ü" });
  assert.equal(events[4].kind, "process.disconnect");
  assert.deepEqual({ ...events[4], t: 0 }, { src: "collector", pid: 4242, t: 0, kind: "process.disconnect", clean: true });
  assert.deepEqual(validateTrace(testHeader(), events), []);
});

test("a process's disconnect is stamped with its exit, not with the later close of its connection (its lane ends where it exited)", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(4343);
    s.write(line(START(4343), rec(1, "process.exit", null, null, { exitCode: 0 })));
    // The connection stays open well after the exit (a child's socket kept by a lingering
    // thread or a grandchild): the disconnect must not move the end of its lane to now.
    await waitFor(() => h.emitted.some((e) => e.kind === "process.exit"), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    await finish(h, s, 4343);
  });
  const exit = events.find((e) => e.kind === "process.exit")!;
  const disc = events.find((e) => e.kind === "process.disconnect")!;
  assert.equal(exit.t, 1010);
  assert.equal(disc.t, exit.t, "the disconnect carries the exit's time");
  assert.equal((disc as { clean?: boolean }).clean, true);
});

test("a wrong token is refused: the connection is closed and nothing of it is kept", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(66, "0".repeat(32));
    s.write(line(START(66)));
    await new Promise<void>((resolve) => s.on("close", () => resolve()));
    assert.equal(h.c.stats.badLines, 1);
    assert.equal(h.c.stats.connections, 0);
    assert.match(h.problems[0], /wrong token; connection closed/);
    // A first line that is not a hello at all.
    const raw = connect(h.c.socketPath, () => raw.write(line(START(67))));
    await new Promise<void>((resolve) => raw.on("close", () => resolve()));
    raw.on("error", () => undefined);
    assert.equal(h.c.stats.badLines, 2);
    assert.match(h.problems[1], /first line is not a hello/);
  });
  assert.deepEqual(events, []);
});

test("garbage lines and bad records are counted and dropped; the rest is kept", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(7);
    s.write(line(START(7)));
    s.write("this is not json\n");
    s.write('{"an":"object"}\n');
    s.write("\n"); // blank: ignored
    s.write(line(rec(1, "queue.create", "Q1", null, { objType: "Queue" }), [1, 2, 3], "nope" as unknown as Rec, rec(2, "queue.close", "Q1")));
    s.write(line(rec(3, "queue.bogus", "Q1"))); // unknown kind: dropped, seq 3 then lost
    s.write(line(rec(4, "queue.put", "Q1", "m1", { preview: 5 }))); // wrong type: dropped
    s.write(line(rec(5, "queue.put", "Q1", "m1", { preview: "x", pid: 3 }))); // reserved field: dropped
    s.write(line(rec(6, "queue.put", "Q1", "m1", { preview: "x" }, 99))); // undefined site: kept, no site
    s.write(line(rec(7, "process.exit", null, null, { exitCode: 0 })));
    await finish(h, s, 7);
    assert.equal(h.c.stats.badLines, 7);
    assert.equal(h.c.stats.lostEvents, 3);
  });
  const kinds = events.map((e) => e.kind);
  assert.deepEqual(kinds, ["process.start", "queue.create", "queue.close", "events.lost", "queue.put", "process.exit", "process.disconnect"]);
  const lost = events[3] as unknown as { fromSeq: number; count: number };
  assert.deepEqual([lost.fromSeq, lost.count], [3, 3]);
  assert.equal((events[4] as { site?: unknown }).site, undefined);
  assert.deepEqual(validateTrace(testHeader(), events), []);
});

test("problems name what was wrong", async () => {
  await withCollector(async (h) => {
    const s = await h.client(8);
    s.write(line(START(8)));
    s.write("{not json\n");
    s.write(line(rec(1, "queue.put", "Q1", "m1", { preview: 5 })));
    s.write(line([1, 2]));
    await finish(h, s, 8);
    assert.match(h.problems[0], /^pid 8: a line is not JSON \(it starts "\{not json"\); dropped$/);
    assert.match(h.problems[1], /^pid 8: queue.put: field "preview" must be a string \(it is 5\); dropped$/);
    assert.match(h.problems[2], /^pid 8: a record has 2 fields, not 8/);
  });
});

test("a seq gap is reported as events.lost and counted", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(9);
    s.write(line(START(9), rec(1, "queue.close", "Q"), rec(5, "queue.close", "Q")));
    s.write(line(rec(6, "queue.close", "Q"), rec(4, "queue.close", "Q"))); // backwards: dropped
    await finish(h, s, 9);
    assert.equal(h.c.stats.lostEvents, 3);
    assert.equal(h.c.stats.badLines, 1);
  });
  const lost = events.find((e) => e.kind === "events.lost") as unknown as Record<string, unknown>;
  assert.deepEqual(lost, { src: "collector", pid: 9, t: 1050, kind: "events.lost", fromSeq: 2, count: 3 });
  assert.deepEqual(
    events.map((e) => (e as { seq?: number }).seq),
    [0, 1, undefined, 5, 6, undefined],
    "events.lost is written just before the event that revealed the gap",
  );
});

test("a 10 MB line is handled; a line over the limit is dropped and counted, the next kept", async () => {
  const events = await withCollector(
    async (h) => {
      const s = await h.client(10);
      s.write(line(START(10)));
      // ~10 MB: one batch of many events.
      const recs: Rec[] = [];
      for (let i = 1; i <= 60_000; i++) recs.push(rec(i, "queue.put", "Q1", `m${i}`, { preview: "x".repeat(120) }));
      const big = line(...recs);
      assert.ok(big.length > 10_000_000, `line is ${big.length} characters`);
      const start = Date.now();
      s.write(big);
      // Over the limit (16 MB here): dropped, counted once.
      s.write("[" + " ".repeat(17 * 1024 * 1024) + "]\n");
      s.write(line(rec(60_001, "queue.close", "Q1")));
      await finish(h, s, 10);
      assert.ok(Date.now() - start < 20_000, "not stalled");
      assert.equal(h.c.stats.badLines, 1);
      assert.match(h.problems[0], /a line longer than 16777216 characters was dropped/);
    },
    { maxLineChars: 16 * 1024 * 1024 },
  );
  assert.equal(events.length, 1 + 60_000 + 1 + 1);
  assert.equal(events[60_001].kind, "queue.close");
});

test("a huge line over the limit with no newline before close does not grow memory or crash", async () => {
  await withCollector(
    async (h) => {
      const s = await h.client(11);
      s.write(line(START(11)));
      const chunk = "y".repeat(1024 * 1024);
      for (let i = 0; i < 8; i++) s.write(chunk);
      await finish(h, s, 11);
      assert.equal(h.c.stats.badLines, 1);
    },
    { maxLineChars: 2 * 1024 * 1024 },
  );
});

test("a connection that closes without process.exit is an unclean disconnect; a last line without newline is read", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(12);
    s.write(line(START(12)));
    s.write(JSON.stringify([rec(1, "queue.close", "Q")])); // no "\n"
    const d = await finish(h, s, 12);
    assert.equal(d.clean, false);
  });
  assert.deepEqual(events.map((e) => e.kind), ["process.start", "queue.close", "process.disconnect"]);
  assert.equal((events[2] as { clean?: boolean }).clean, false);
});

test("many concurrent connections: every event kept, per-process order intact", async () => {
  const N = 60;
  const PER = 300;
  const events = await withCollector(async (h) => {
    const clients = await Promise.all(Array.from({ length: N }, (_, i) => h.client(1000 + i)));
    // Interleave writes from all clients, in small batches.
    for (let b = 0; b < PER / 30; b++) {
      clients.forEach((s, i) => {
        const recs: Rec[] = [];
        if (b === 0) recs.push(START(1000 + i));
        for (let k = b === 0 ? 1 : 0; k < 30; k++) {
          const seq = b * 30 + k;
          recs.push(seq === PER - 1 ? rec(seq, "process.exit", null, null, { exitCode: 0 }) : rec(seq, "lock.acquire", `L${i}`, null, { ok: true }));
        }
        s.write(line(...recs));
      });
    }
    await Promise.all(clients.map((s, i) => finish(h, s, 1000 + i)));
    assert.equal(h.c.stats.connections, N);
    assert.equal(h.c.stats.badLines, 0);
  });
  assert.equal(events.length, N * PER + N);
  assert.deepEqual(validateTrace(testHeader(), events), []);
  const clean = events.filter((e) => e.kind === "process.disconnect" && (e as { clean: boolean }).clean);
  assert.equal(clean.length, N);
});

test("close() with connections still open records their disconnects and writes the footer", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, "t.jsonl");
    const c = await Collector.start({ out, header: testHeader(), t0: process.hrtime.bigint() });
    const s = connect(c.socketPath);
    s.on("error", () => undefined);
    await new Promise<void>((r) => s.on("connect", () => r()));
    const got = new Promise<void>((r) => c.once("events", () => r()));
    s.write(JSON.stringify({ hello: 1, token: c.token, pid: 99, lang: "python" }) + "\n" + line(START(99)));
    await got;
    assert.deepEqual(c.connectedPids(), [99]);
    assert.equal(await c.waitForIdle(50), false);
    c.addCollectorEvent({ src: "collector", pid: 99, t: c.now(), kind: "run.exit", exitCode: 0, signal: null, timedOut: false });
    const footer = await c.close();
    assert.equal(footer.events, 3);
    const text = readFileSync(out, "utf8").trim().split("\n");
    assert.equal(JSON.parse(text[0]).format, "ipcviz-trace");
    assert.deepEqual(text.slice(1).map((l) => JSON.parse(l).kind ?? "footer"), ["process.start", "run.exit", "process.disconnect", "footer"]);
    assert.equal(existsSync(c.dir), false);
    assert.deepEqual(await c.close(), footer, "close() is idempotent");
    s.destroy();
  } finally {
    cleanup();
  }
});

test("without an output file the collector only emits; an unwritable output throws at start", async () => {
  const c = await Collector.start({ out: null, header: testHeader(), t0: process.hrtime.bigint() });
  const got: string[] = [];
  c.on("events", (evs) => got.push(...evs.map((e) => e.kind)));
  const s = connect(c.socketPath, () => s.write(JSON.stringify({ hello: 1, token: c.token, pid: 5 }) + "\n" + line(START(5))));
  await new Promise<void>((r) => c.on("disconnect", () => r()) && s.on("data", () => undefined) && setTimeout(() => s.end(), 100));
  await c.close();
  assert.deepEqual(got, ["process.start", "process.disconnect"]);
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(Collector.start({ out: join(dir, "no", "such", "dir", "t.jsonl"), header: testHeader(), t0: 0n }), /ENOENT/);
  } finally {
    cleanup();
  }
});

/** A compact batch line made by real CPython: "M" + base64(marshal.dumps(<pyExpr>, 4)). */
function compact(pyExpr: string): string {
  const r = spawnSync("python3", ["-c", `import marshal, binascii, sys; sys.stdout.write("M" + binascii.b2a_base64(marshal.dumps(${pyExpr}, 4)).decode())`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("compact (marshal) batches: sites, seq from seq0, gaps between batches, bad ones dropped", async () => {
  const events = await withCollector(async (h) => {
    const s = await h.client(31);
    s.write(
      compact(
        `(0, [(1, "/p/prog.py", 12, "main")], [(100, 31, "process.start", None, None, None, {"name": "MainProcess", "ppid": 1, "role": "main", "startMethod": "fork"}), (110, 31, "queue.put", "Q31.1", "31.1", 1, {"preview": "'é 处'"})])`,
      ),
    );
    s.write(compact(`(5, [], [(150, 32, "queue.get", "Q31.1", "31.1", 1, {"preview": "x"})])`)); // seq 2–4 lost
    s.write("M!!!not base64 marshal\n");
    s.write(compact(`[1, 2, 3]`)); // not (seq0, sites, records)
    s.write(compact(`(6, [], [(1, 2, 3)])`)); // record of the wrong length
    s.write(compact(`(6, [], [(160, 31, "process.exit", None, None, None, {"exitCode": 0})])`));
    await finish(h, s, 31);
    assert.equal(h.c.stats.badLines, 3);
    assert.equal(h.c.stats.lostEvents, 3);
  });
  assert.deepEqual(events.map((e) => e.kind), ["process.start", "queue.put", "events.lost", "queue.get", "process.exit", "process.disconnect"]);
  assert.deepEqual(events[1], { pid: 31, tid: 31, seq: 1, t: 110, kind: "queue.put", obj: "Q31.1", msg: "31.1", site: { file: "/p/prog.py", line: 12, fn: "main" }, preview: "'é 处'" });
  assert.deepEqual({ ...events[2] }, { src: "collector", pid: 31, t: 150, kind: "events.lost", fromSeq: 2, count: 3 });
  assert.equal((events[3] as { seq: number; tid: number }).seq, 5);
  assert.equal((events[3] as { seq: number; tid: number }).tid, 32);
  assert.deepEqual(validateTrace(testHeader(), events), []);
});

/** A binary batch made by real CPython: "B<length>\n" + marshal.dumps(<pyExpr>, 4). */
function binary(pyExpr: string): Buffer {
  const r = spawnSync("python3", ["-c", `import marshal, sys; m = marshal.dumps(${pyExpr}, 4); sys.stdout.buffer.write(b"B%d\\n" % len(m) + m)`]);
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

test("compact forms: int message ids and bare extras expand to the documented fields; malformed ones are dropped", async () => {
  const pid = 4194303; // the largest pid Linux gives: (pid << 31) + n stays an exact JavaScript number
  const events = await withCollector(async (h) => {
    const s = await h.client(pid);
    s.write(
      binary(
        `(0, [], [` +
          `(0, 9, "process.start", None, None, None, {"name": "MainProcess", "ppid": 1, "role": "main", "startMethod": "fork"}),` +
          `(1, 9, "queue.put", "Q1.1", (${pid} << 31) + 7, None, 42),` +
          `(2, 9, "queue.get", "Q1.1", (${pid} << 31) + 7, None, -9007199254740991),` +
          `(3, 9, "pipe.send", "C1.1", (${pid} << 31) + (1 << 31) - 1, None, "'text'"),` +
          `(4, 9, "pipe.recv", "C1.2", "12.5", None, "[1, 2]"),` +
          `(5, 9, "value.read", "V1.1", None, None, 17),` +
          `(6, 9, "value.write", "V1.1", None, None, (17, "'b'")),` +
          `(7, 9, "lock.acquire", "L1.1", None, None, 3),` + // no bare form for this kind
          `(8, 9, "value.write", "V1.1", None, None, (1, 2, 3)),` + // not (old, new)
          `(9, 9, "queue.put", "Q1.1", -5, None, 1),` + // a negative message id
          `(10, 9, "queue.put", "Q1.1", None, None, 1.5),` + // a float preview
          `(11, 9, "process.exit", None, None, None, {"exitCode": 0})])`,
      ),
    );
    await finish(h, s, pid);
    assert.equal(h.c.stats.badLines, 4);
    assert.equal(h.c.backlogBytes, 0);
    await h.c.caughtUp();
  });
  const pick = (e: TraceEvent) => {
    const { pid: _p, tid: _t, seq: _s, t: _tt, ...rest } = e as unknown as Record<string, unknown>;
    return rest;
  };
  assert.equal(events[0].kind, "process.start");
  assert.deepEqual(events.slice(1, 7).map(pick), [
    { kind: "queue.put", obj: "Q1.1", msg: `${pid}.7`, preview: "42" },
    { kind: "queue.get", obj: "Q1.1", msg: `${pid}.7`, preview: "-9007199254740991" },
    { kind: "pipe.send", obj: "C1.1", msg: `${pid}.2147483647`, preview: "'text'", bytes: false },
    { kind: "pipe.recv", obj: "C1.2", msg: "12.5", preview: "[1, 2]", bytes: false },
    { kind: "value.read", obj: "V1.1", value: "17" },
    { kind: "value.write", obj: "V1.1", old: "17", value: "'b'" },
  ]);
  assert.deepEqual(events.slice(7).map((e) => e.kind), ["events.lost", "process.exit", "process.disconnect"]);
  assert.deepEqual(validateTrace(testHeader(), events), []);
});

test("input is read at once and decoded in slices: the event loop runs between them, and nothing is lost or reordered", async () => {
  const BATCHES = 60;
  const PER = 2000;
  const batch = (k: number) =>
    binary(`(${k * PER}, [], [(${k * PER} + i, 5, "queue.put", "Q5.1", (5 << 31) + ${k * PER} + i, None, ${k * PER} + i) for i in range(${PER})])`);
  const first = batch(0);
  // The other batches differ only in seq0, t, ids and values: made by Python once, all at once.
  const r = spawnSync("python3", [
    "-c",
    `import marshal, sys\nfor k in range(1, ${BATCHES}):\n    m = marshal.dumps((k * ${PER}, [], [(k * ${PER} + i, 5, "queue.put", "Q5.1", (5 << 31) + k * ${PER} + i, None, k * ${PER} + i) for i in range(${PER})]), 4)\n    sys.stdout.buffer.write(b"B%d\\n" % len(m) + m)`,
  ], { maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, String(r.stderr));
  let ticks = 0;
  let maxBacklog = 0;
  const events = await withCollector(async (h) => {
    const s = await h.client(5);
    let running = true;
    const tick = () => {
      ticks++;
      maxBacklog = Math.max(maxBacklog, h.c.backlogBytes);
      if (running) setImmediate(tick);
    };
    s.write(Buffer.concat([first, r.stdout]));
    setImmediate(tick);
    await finish(h, s, 5);
    running = false;
    await h.c.caughtUp();
    assert.equal(h.c.backlogBytes, 0);
  });
  assert.ok(ticks > 3, `the event loop ran between decoding slices (${ticks} turns)`);
  assert.ok(maxBacklog > 0, "input was queued before it was decoded");
  const puts = events.filter((e) => e.kind === "queue.put") as unknown as { seq: number; msg: string; preview: string }[];
  assert.equal(puts.length, BATCHES * PER);
  puts.forEach((e, i) => {
    assert.equal(e.seq, i);
    assert.equal(e.msg, `5.${i}`);
    assert.equal(e.preview, String(i));
  });
});

test("decodeWhenQuietMs: input waits while it keeps coming, is decoded once quiet, and at once when caughtUp() asks", async () => {
  const batch = (seq0: number, n: number, first = false) =>
    binary(
      `(${seq0}, [], ${first ? `[(0, 6, "process.start", None, None, None, {"name": "MainProcess", "ppid": 1, "role": "main", "startMethod": "fork"})] + ` : ""}` +
        `[(${seq0} + i, 6, "queue.put", "Q6.1", (6 << 31) + ${seq0} + i, None, i) for i in range(${first ? n - 1 : n})])`,
    );
  const b1 = batch(0, 100, true);
  const b2 = batch(100, 100);
  const events = await withCollector(
    async (h) => {
      const s = await h.client(6);
      // Budgets: the quiet period is 3 s, so "not yet" checks 120 ms in, and "at once" (well
      // under 3 s), hold on a busy machine; only waiting for the quiet (a defect) fails them.
      s.write(b1);
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(h.emitted.length, 0, "nothing is decoded before the input has been quiet for 3 s");
      assert.ok(h.c.backlogBytes > 0, "the input is queued");
      const t0 = performance.now();
      await h.c.caughtUp();
      assert.ok(performance.now() - t0 < 2500, "caughtUp() decodes at once, without waiting for the quiet");
      assert.equal(h.emitted.length, 100);
      assert.equal(h.c.backlogBytes, 0);
      s.write(b2);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.emitted.length, 100, "the second batch waits for quiet too");
      const t1 = performance.now();
      while (h.emitted.length < 200 && performance.now() - t1 < 15_000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(h.emitted.length, 200, "and is decoded once the input has been quiet");
      await finish(h, s, 6);
    },
    { decodeWhenQuietMs: 3000, spareCpu: () => 0.5 },
  );
  assert.equal(events.filter((e) => e.kind === "queue.put").length, 199);
});

test("close() while input waits for quiet decodes it and leaves no timer behind (a command-line run ends when its work is done)", async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
  const before = timers();
  const events = await withCollector(
    async (h) => {
      const s = await h.client(8);
      s.write(binary(`(0, [], [(0, 8, "process.start", None, None, None, {"name": "MainProcess", "ppid": 1, "role": "main", "startMethod": "fork"}), (1, 8, "queue.put", "Q8.1", (8 << 31) + 1, None, 1)])`));
      assert.ok(await waitFor(() => h.c.backlogBytes > 0, 10_000), "the batch arrives");
      assert.equal(h.emitted.length, 0, "the batch waits for 60 s of quiet");
    },
    { decodeWhenQuietMs: 60_000, spareCpu: () => 0 },
  );
  assert.deepEqual(events.slice(0, 2).map((e) => e.kind), ["process.start", "queue.put"], "close() decoded what was waiting");
  // Before the fix the quiet pump's timer was left running: `ipcviz run` stayed alive up to 50 ms after every run.
  assert.equal(timers(), before, `no timer is left running: ${process.getActiveResourcesInfo().join(", ")}`);
});

test("decodeWhenQuietMs with a whole core to spare: input is decoded as it comes", async () => {
  const b = binary(
    `(0, [], [(0, 7, "process.start", None, None, None, {"name": "MainProcess", "ppid": 1, "role": "main", "startMethod": "fork"})] + [(i, 7, "queue.put", "Q7.1", (7 << 31) + i, None, i) for i in range(1, 50)])`,
  );
  let asked = 0;
  await withCollector(
    async (h) => {
      const s = await h.client(7);
      s.write(b);
      const t0 = performance.now();
      // Waiting for the 5 s of quiet would take 5 s: anything well under that (a busy machine
      // included) shows it was decoded as it came.
      while (h.emitted.length < 50 && performance.now() - t0 < 4000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(h.emitted.length, 50, "decoded before the 5 s of quiet");
      await finish(h, s, 7);
    },
    {
      decodeWhenQuietMs: 5000,
      spareCpu: () => {
        asked++;
        return 1.5;
      },
    },
  );
  assert.ok(asked > 0, "the collector asked how much CPU is spare");
});

test("spare CPU: /proc/stat's cpu line, idle cores plus this process's own", () => {
  assert.deepEqual(parseProcStat("cpu  100 5 50 1000 20 0 3 0 0 0\ncpu0 1 2 3 4\n"), { idle: 1020, total: 1178 });
  assert.equal(parseProcStat("intr 1 2 3\n"), null);
  assert.equal(parseProcStat("cpu a b c d\n"), null);
  const prev = { idle: 1000, total: 2000 };
  // 4 CPUs, 400 jiffies in all, 100 of them idle: one core idle; this process used half a core.
  assert.equal(spareCores(prev, { idle: 1100, total: 2400 }, 4, 50_000, 100_000), 1.5);
  assert.equal(spareCores(prev, { idle: 1000, total: 2400 }, 4, 0, 100_000), 0);
  assert.equal(spareCores(prev, prev, 4, 10, 100_000), 0, "no time passed: nothing can be told");
  const sampler = new SpareCpu(0, () => "cpu  100 0 0 900 0 0 0 0\n");
  assert.equal(sampler.spare(), 0, "the first sample has nothing to compare with");
});

test("spare CPU: a cgroup CPU quota (v2 cpu.max, v1 cpu.cfs_quota_us) is found; none, or no cgroup files, is not", () => {
  const fs = (files: Record<string, string>) => (p: string) => {
    if (!(p in files)) throw new Error(`ENOENT ${p}`);
    return files[p];
  };
  assert.equal(underCpuQuota(fs({ "/proc/self/cgroup": "0::/user.slice/app\n", "/sys/fs/cgroup/user.slice/app/cpu.max": "200000 100000\n" })), true);
  assert.equal(underCpuQuota(fs({ "/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup/cpu.max": "max 100000\n" })), false);
  assert.equal(underCpuQuota(fs({ "/proc/self/cgroup": "4:cpu,cpuacct:/docker/abc\n", "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n" })), true);
  assert.equal(underCpuQuota(fs({ "/proc/self/cgroup": "2:cpuacct:/\n1:cpu:/\n0::/\n", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n" })), false);
  assert.equal(underCpuQuota(fs({ "/proc/self/cgroup": "1:cpu:/\n" })), false, "no quota file: no quota");
  assert.equal(underCpuQuota(fs({})), false, "no /proc/self/cgroup: no quota");
});

test("a stack answer that came in time counts, even when the collector looks late", async () => {
  await withCollector(async (h) => {
    // A process of the run in a child process: it answers every stacks request at once.
    const answer = (request: string) => `[[1,2000,77,"process.stacks",null,null,null,{"request":${request},"threads":[]}]]`;
    const script = `
      const s = require("net").connect(${JSON.stringify(h.c.socketPath)}, () => {
        s.write(JSON.stringify({ hello: 1, token: ${JSON.stringify(h.c.token)}, pid: process.pid, lang: "python" }) + "\\n");
        s.write(${JSON.stringify(line(rec(0, "process.start", null, null, { name: "P", ppid: 1, role: "child", startMethod: "fork" })))});
      });
      let buf = "";
      s.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\\n")) >= 0) {
          const req = JSON.parse(buf.slice(0, i)).stacks;
          buf = buf.slice(i + 1);
          s.write((${answer.toString()})(String(req)) + "\\n");
        }
      });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    try {
      assert.ok(await waitFor(() => h.emitted.some((e) => e.kind === "process.start" && e.pid === child.pid), 30000), "the child connected");
      const asked = h.c.requestStacks("request", child.pid!, 1000);
      // One turn of the collector's event loop takes longer than the wait (as any does when a
      // busy machine hardly runs the collector): the answer arrives meanwhile and waits in the
      // socket, and the next turn starts with the request's timer, before reading the sockets.
      setImmediate(() => {
        const until = performance.now() + 1500;
        while (performance.now() < until) {
          /* busy */
        }
      });
      const r = await asked;
      assert.deepEqual(r.missing, [], "the answer came in time: not missing");
      assert.deepEqual(r.answered, [child.pid]);
      assert.equal(h.emitted.filter((e) => e.kind === "stacks.missing").length, 0);
      assert.equal(h.emitted.filter((e) => e.kind === "process.stacks").length, 1);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
