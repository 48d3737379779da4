/**
 * No run outlives its recorder: `ipcviz run` killed with SIGKILL (it runs no code then) leaves
 * the program to its watchdog (runtime/python/watchdog/ipcviz_watchdog.py), which ends every
 * process of the run, appends `run.orphaned` to the trace, and exits itself. Under every start
 * method, with a program whose processes wait forever (a deadlock: --keep-running lets it be).
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { validateEvent, validateHeader } from "../../trace/validate";
import { CLI_JS, EXAMPLES_DIR, defaultPython, runtimeMissingReason, selectedMethods } from "./helpers";
import { listProcesses } from "../../runtime/launch/procTree";

const PROGRAM = join(EXAMPLES_DIR, "hang_lock_cycle_2.py");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Live processes whose environment has MARK=mark, as pid → command line. */
function marked(name: string, mark: string): Map<number, string> {
  const out = new Map<number, string>();
  const entry = `${name}=${mark}`;
  for (const p of listProcesses()) {
    if (p.state === "Z" || p.pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${p.pid}/environ`, "latin1").split("\0").includes(entry)) continue;
      out.set(p.pid, readFileSync(`/proc/${p.pid}/cmdline`, "latin1").split("\0").join(" ").trim());
    } catch {
      /* gone */
    }
  }
  return out;
}

async function waitFor(what: string, timeoutMs: number, fn: () => boolean, detail: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`${what} within ${timeoutMs} ms; ${detail()}`);
    await sleep(100);
  }
}

const py = defaultPython();
const skip = runtimeMissingReason() ?? (py?.path ? undefined : "no Python found");

describe("runtime: ipcviz run killed with SIGKILL: the watchdog ends the program", { skip }, () => {
  for (const method of selectedMethods()) {
    test(`${method}: every process of the run ends within 15 s, and the trace says run.orphaned`, { timeout: 120_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), "ipcviz-orphan-"));
      const trace = join(dir, "t.ipcviz.jsonl");
      const mark = randomBytes(8).toString("hex");
      const env: NodeJS.ProcessEnv = { ...process.env, ORPHAN_TEST_MARK: mark };
      for (const k of Object.keys(env)) if (k.startsWith("IPCVIZ_") || k === "NODE_OPTIONS" || k.startsWith("NODE_TEST")) delete env[k];
      const cli = spawn(process.execPath, [CLI_JS, "run", "--python", py!.path!, "--start-method", method, "--keep-running", "--out", trace, "--", PROGRAM], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      cli.stderr!.on("data", (c) => (stderr += c));
      const cliGone = new Promise((r) => cli.once("exit", r));
      const program = () => new Map([...marked("ORPHAN_TEST_MARK", mark)].filter(([pid, cmd]) => pid !== cli.pid && !cmd.includes("ipcviz_watchdog")));
      const watchdog = () => [...marked("ORPHAN_TEST_MARK", mark)].filter(([, cmd]) => cmd.includes("ipcviz_watchdog"));
      const show = (m: Map<number, string> | [number, string][]) => [...m].map(([p, c]) => `${p}: ${c}`).join("; ") || "none";
      try {
        // The deadlock is diagnosed (it is on stderr) once both children hold their first lock.
        await waitFor("the CLI did not report the deadlock", 60_000, () => /deadlock|stuck|hang/i.test(stderr), () => `stderr: ${stderr}`);
        assert.ok(program().size >= 3, `main and two children run: ${show(program())}`);
        assert.equal(watchdog().length, 1, `one watchdog: ${show(watchdog())}`);
        process.kill(cli.pid!, "SIGKILL");
        await cliGone;
        await waitFor("processes of the run are still there", 15_000, () => program().size === 0, () => show(program()));
        await waitFor("the watchdog did not exit", 15_000, () => watchdog().length === 0, () => show(watchdog()));
        const text = readFileSync(trace, "utf8");
        const last = JSON.parse(text.trimEnd().split("\n").pop()!);
        assert.equal(last.kind, "run.orphaned", `last line: ${JSON.stringify(last)}`);
        assert.equal(last.recorderPid, cli.pid);
        assert.ok(last.ended >= 3, `ended ${last.ended}`);
        // Every line is valid (the trace has no footer: it was cut off).
        const [head, ...lines] = text.trimEnd().split("\n").map((l) => JSON.parse(l));
        assert.deepEqual(validateHeader(head), []);
        for (const e of lines) assert.equal(validateEvent(e), null, JSON.stringify(e));
      } finally {
        if (cli.exitCode === null && cli.signalCode === null) cli.kill("SIGKILL");
        for (const pid of [...program().keys(), ...watchdog().map(([p]) => p)]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* gone */
          }
        }
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
