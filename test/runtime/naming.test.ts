/**
 * The program's own names, end to end: real runs of examples/hang_dining_philosophers.py (three
 * Manager locks in a list, each child's `left` and `right`) and examples/pipe_same_end_hangs.py
 * (`left, right = Pipe()`) under every start method; the run's summary speaks those names in
 * `deadlocks[].explanation`, `short` and `objects[]`, and lists only the cycle's members as its
 * processes (main, joining a philosopher, under `alsoBlocked`); examples/hang_listener_both_recv.py
 * (`conn = listener.accept()` in a child, `client = Client(address)` in main, both in recv()) and
 * examples/naming_families.py (executors, futures, shared memory, Listener/Client, remote Manager):
 * the summary's objects carry those names and each process's own.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { cleanup, defaultPython, EXAMPLES_DIR, RUNS, runInstrumented, runtimeMissingReason, selectedMethods } from "./helpers";

interface NamedSummary {
  deadlocks?: Array<{ kind: string; processes: string[]; alsoBlocked: string[]; objects: string[]; objectNames: string[]; explanation: string; short: string }>;
  objects: Array<{ id: string; kind: string; name?: string; names?: Array<{ pid: number; process: string | null; name: string }> }>;
}

const py = defaultPython();
const skip = runtimeMissingReason() ?? (py === null ? "no Python found" : false);

describe("the program's names in the diagnosis (real runs)", { skip }, () => {
  for (const method of selectedMethods()) {
    test(`dining philosophers with Manager locks (${method})`, async () => {
      const r = await RUNS.run(() => runInstrumented(py!.path!, method, join(EXAMPLES_DIR, "hang_dining_philosophers.py"), { timeoutSec: 60 }));
      try {
        assert.deepEqual(r.leftovers, [], "no process left behind");
        const s = r.summary as unknown as NamedSummary;
        assert.ok(s, `summary: ${r.summaryError}\n${r.stderr}`);
        const forks = s.objects.filter((o) => o.name?.startsWith("forks["));
        assert.deepEqual(forks.map((o) => o.name).sort(), ["forks[0]", "forks[1]", "forks[2]"]);
        for (const o of forks) {
          const i = Number(o.name!.slice(6, -1));
          const known = Object.fromEntries((o.names ?? []).map((n) => [n.process, n.name]));
          assert.deepEqual(known, { [`phil-${i}`]: "left", [`phil-${(i + 2) % 3}`]: "right" }, `${o.name} per process`);
        }
        assert.equal(s.deadlocks?.length, 1, JSON.stringify(s.deadlocks));
        const d = s.deadlocks![0];
        assert.equal(d.kind, "cycle");
        assert.deepEqual([...d.processes].sort(), ["phil-0", "phil-1", "phil-2"], "members only");
        assert.deepEqual(d.alsoBlocked, ["MainProcess"]);
        assert.equal(d.objects.length, 3);
        assert.deepEqual([...d.objectNames].sort(), ["ManagerLock right (forks[0])", "ManagerLock right (forks[1])", "ManagerLock right (forks[2])"]);
        for (let i = 0; i < 3; i++) {
          assert.match(d.explanation, new RegExp(`phil-${i} waits to acquire ManagerLock right \\(forks\\[${(i + 1) % 3}\\]\\) \\(hang_dining_philosophers\\.py:14\\), held by phil-${(i + 1) % 3} \\(its left\\)`));
        }
        assert.doesNotMatch(d.explanation, /Mlistener|proc:/, "no ids");
        assert.match(d.explanation, /\nAlso blocked, not part of the cycle: MainProcess waits on it\.\nMainProcess waits in join\(\) for phil-\d/);
        assert.match(d.short, /^Deadlock: phil-\d holds left, waits for right \(held by phil-\d\)/);
        assert.ok(d.short.length <= 160, d.short);
      } finally {
        cleanup(r);
      }
    });

    test(`a Listener/Client pair both in recv(), named conn and client (${method})`, async () => {
      const r = await RUNS.run(() => runInstrumented(py!.path!, method, join(EXAMPLES_DIR, "hang_listener_both_recv.py"), { timeoutSec: 60 }));
      try {
        assert.deepEqual(r.leftovers, [], "no process left behind");
        const s = r.summary as unknown as NamedSummary;
        assert.ok(s, `summary: ${r.summaryError}\n${r.stderr}`);
        const ends = s.objects.filter((o) => o.kind === "PipeEnd");
        assert.deepEqual(ends.map((o) => o.name).sort(), ["client", "conn"]);
        const known = (o: (typeof ends)[number]) => (o.names ?? []).map((n) => `${n.process}:${n.name}`);
        assert.deepEqual(known(ends.find((o) => o.name === "conn")!), ["server:conn"]);
        assert.deepEqual(known(ends.find((o) => o.name === "client")!), ["MainProcess:client"]);
        assert.equal(s.deadlocks?.length, 1, JSON.stringify(s.deadlocks));
        const d = s.deadlocks![0];
        assert.deepEqual([...d.processes].sort(), ["MainProcess", "server"]);
        assert.deepEqual(d.alsoBlocked, []);
        assert.deepEqual([...d.objectNames].sort(), ["Pipe end client", "Pipe end conn"]);
        assert.match(d.explanation, /MainProcess waits in recv\(\) on Pipe end client \(hang_listener_both_recv\.py:\d+\)/);
        assert.match(d.explanation, /server waits in recv\(\) on Pipe end conn \(hang_listener_both_recv\.py:\d+\)/);
        assert.match(d.explanation, /The other end, client, is held by MainProcess;/, "the accepting process does not hold the client's end");
        assert.doesNotMatch(d.explanation, /\bL[\w.-]+\/\d+\.\d+[sc]\b|proc:/, "no ids");
        // In the order the two began to wait (timing): either first.
        assert.match(d.short, /^Stalled: /);
        assert.deepEqual(d.short.slice("Stalled: ".length).split(" · ").sort(), ["MainProcess waits in recv() on client", "server waits in recv() on conn"]);
      } finally {
        cleanup(r);
      }
    });

    test(`executors, futures, shared memory, connections and a remote Manager by their names (${method})`, async () => {
      const r = await RUNS.run(() => runInstrumented(py!.path!, method, join(EXAMPLES_DIR, "naming_families.py"), { timeoutSec: 90 }));
      try {
        assert.deepEqual(r.leftovers, [], "no process left behind");
        assert.equal(r.status, 0, r.stderr);
        const s = r.summary as unknown as NamedSummary;
        assert.ok(s, `summary: ${r.summaryError}\n${r.stderr}`);
        const byName = new Map(s.objects.filter((o) => o.name !== undefined).map((o) => [o.name!, o]));
        for (const n of ["ex", "pool", "workers", "m", "log", "shm", "numbers", "smm", "managed", "scratch", "todo", "client", "conn"]) assert.ok(byName.has(n), `an object named ${n}: ${[...byName.keys()].join(", ")}`);
        // By process: a child by its target ("Process-5 · attach" → "attach"), a worker by its kind of name.
        const who = (label: string | null) => (label ?? "?").split(" · ")[1] ?? (label ?? "?").replace(/^(ForkServer|Fork|Spawn)/, "").replace(/-\d+$/, "");
        const known = (n: string) => Object.fromEntries((byName.get(n)!.names ?? []).map((x) => [who(x.process), x.name]));
        assert.deepEqual(known("shm"), { attach: "block", given: "segment" });
        assert.deepEqual(known("numbers"), { attach: "cells", given: "row", PoolWorker: "row" });
        assert.deepEqual(known("log"), { _process_worker: "log" }, "the executor worker knows log as its parameter log");
        assert.deepEqual(known("client"), { MainProcess: "client" });
        assert.deepEqual(known("conn"), { serve: "conn" });
      } finally {
        cleanup(r);
      }
    });

    test(`recv on the end that sent, named left and right (${method})`, async () => {
      const r = await RUNS.run(() => runInstrumented(py!.path!, method, join(EXAMPLES_DIR, "pipe_same_end_hangs.py"), { timeoutSec: 60 }));
      try {
        const s = r.summary as unknown as NamedSummary;
        assert.ok(s, `summary: ${r.summaryError}\n${r.stderr}`);
        const ends = s.objects.filter((o) => o.kind === "PipeEnd").map((o) => o.name);
        assert.deepEqual(ends, ["left", "right"]);
        const d = s.deadlocks![0];
        assert.match(d.explanation, /MainProcess waits in recv\(\) on Pipe end left \(pipe_same_end_hangs\.py:\d+\)/);
        assert.match(d.explanation, /arrives only at the other end, right, never back at the end that sent it/);
        assert.match(d.explanation, /Call recv\(\) on the other end \(right\)/);
        assert.equal(d.short, "Stalled: MainProcess waits in recv() on left");
      } finally {
        cleanup(r);
      }
    });
  }
});
