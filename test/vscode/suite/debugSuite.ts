/**
 * "Start Debugging with Process Lanes" in the real extension host (issue 6): how a debug configuration is
 * resolved with and without the Python Debugger extension (its presence is faked through the test
 * API: code-server here has no gallery), the message when no debugger is available, and a real
 * debug session through debugpy's adapter from Debian's /usr/bin/python3 (python3-debugpy): a
 * breakpoint in a child's function is hit in that child, the run's paused set says so, continuing
 * lets the program end, and no process is left.
 *
 * Needs the extension's test API to carry the debug support's testing part as `testing.debug`
 * (extension/debug/debugSupport.ts DebugSupportTesting); skipped with a message otherwise.
 */

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as vscode from "vscode";
import { closeAll, EXTENSION_ID, waitFor, withSettings } from "./helpers";

const SYSTEM_PYTHON = "/usr/bin/python3";

/** The parts of a debug run the tests read (extension/debug/debugRun.ts DebugRun). */
interface DebugRunView {
  readonly isRunning: boolean;
  readonly events: ReadonlyArray<{ kind: string; pid: number; name?: string; role?: string; request?: number; reason?: string; pids?: number[]; threads?: Array<{ main: boolean; frames: Array<{ file: string; line: number; user: boolean }>; userFrame: number | null }> }>;
  readonly debugState: ReadonlyArray<{ pid: number; file: string | null; line: number | null; reason: string }>;
  readonly sessions: Map<string, vscode.DebugSession>;
  readonly rootSession: vscode.DebugSession | null;
  readonly result: { exitCode: number | null; leftovers: number; stopped: boolean } | null;
  readonly env: Readonly<Record<string, string>>;
  readonly pausedState: { sessionOf(pid: number): string | null; pausedThread(sessionId: string): number | null };
  readonly hang: { deadlocks: Array<{ kind: string; pids: number[] }> } | null;
  stop(reason?: string): Promise<unknown>;
  selectProcess(pid: number): Promise<boolean>;
  liveProcesses(): number[];
}

/** extension/debug/debugSupport.ts DebugSupportTesting. */
interface DebugTesting {
  runs(): DebugRunView[];
  resolve(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | null | undefined>;
  plannedConfig(uri: vscode.Uri): Promise<vscode.DebugConfiguration | undefined>;
  setPythonDebuggerInstalled(v: boolean | undefined): void;
  setSessionTimeoutMs(ms: number): void;
}

async function debugTesting(): Promise<{ debug: DebugTesting | undefined; extensionPath: string }> {
  const ext = vscode.extensions.getExtension<{ testing: { debug?: DebugTesting } }>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  const exports = ext.isActive ? ext.exports : await ext.activate();
  return { debug: exports.testing.debug, extensionPath: ext.extensionPath };
}

function systemPythonHasDebugpy(): boolean {
  return existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import debugpy"], { timeout: 20_000 }).status === 0;
}

export function registerDebugTests(): void {
  describe("debug and visualise", function () {
    let debug: DebugTesting;
    let extensionPath: string;
    let examples: string;
    let tmp: string;
    let restore: () => Promise<void> = async () => undefined;

    before(async function () {
      const t = await debugTesting();
      if (!t.debug) {
        console.log("# debug suite skipped: the extension's test API has no `testing.debug` (registerDebugSupport is not wired into extension.ts yet)");
        this.skip();
      }
      debug = t.debug!;
      extensionPath = t.extensionPath;
      examples = join(extensionPath, "examples");
      tmp = mkdtempSync(join(tmpdir(), "ipcviz-debug-suite-"));
      restore = await withSettings({ "traces.save": "never", python: SYSTEM_PYTHON });
    });

    after(async () => {
      if (!debug) return;
      debug.setPythonDebuggerInstalled(undefined);
      debug.setSessionTimeoutMs(60_000);
      for (const r of debug.runs()) if (r.isRunning) await r.stop("test ended");
      if (vscode.debug.activeDebugSession) await vscode.debug.stopDebugging();
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      await restore();
      await closeAll();
      rmSync(tmp, { recursive: true, force: true });
    });

    const folder = () => vscode.workspace.workspaceFolders?.[0];

    it("without the Python Debugger extension: its own debug type, debugpy's adapter from the chosen interpreter", async function () {
      if (!systemPythonHasDebugpy()) {
        console.log(`# skipped: ${SYSTEM_PYTHON} has no debugpy (apt-get install python3-debugpy)`);
        this.skip();
      }
      debug.setPythonDebuggerInstalled(false);
      const program = join(examples, "queue_producer_consumer.py");
      const planned = await debug.plannedConfig(vscode.Uri.file(program));
      assert.ok(planned, "a configuration is planned");
      assert.equal(planned.type, "ipcviz-python");
      assert.equal(planned.request, "launch");
      assert.equal(planned.python, SYSTEM_PYTHON);
      assert.equal(planned.subProcess, true);
      assert.equal(planned.ipcviz, true);
      const before = debug.runs().length;
      const resolved = await debug.resolve(folder(), { ...planned });
      assert.ok(resolved, "resolved");
      const runs = debug.runs();
      assert.equal(runs.length, before + 1, "a recording started");
      const run = runs[runs.length - 1];
      assert.equal(resolved.env.IPCVIZ_SOCK, run.env.IPCVIZ_SOCK);
      assert.ok(String(resolved.env.PYTHONPATH).startsWith(join(extensionPath, "runtime", "python", "boot")), `PYTHONPATH ${resolved.env.PYTHONPATH}`);
      assert.equal(resolved.subProcess, true);
      assert.equal(typeof resolved.ipcvizRunId, "string");
      // No session is started for it here: the recording ends by itself when none comes.
      await run.stop("test: no session");
      assert.equal(run.isRunning, false);
    });

    it("with the Python Debugger extension (faked): its `debugpy` type; a configuration with \"ipcviz\": true gets the runtime, others are left alone", async () => {
      debug.setPythonDebuggerInstalled(true);
      const program = join(examples, "queue_producer_consumer.py");
      const planned = await debug.plannedConfig(vscode.Uri.file(program));
      assert.ok(planned);
      assert.equal(planned.type, "debugpy");
      assert.equal(planned.ipcviz, true);
      assert.equal(planned.subProcess, true);

      const plain = { type: "debugpy", request: "launch", name: "plain", program };
      const before = debug.runs().length;
      assert.deepEqual(await debug.resolve(folder(), { ...plain }), plain, "no ipcviz flag: unchanged");
      const child = { type: "debugpy", request: "attach", name: "Subprocess 9", subProcessId: 9, ipcviz: true, connect: { host: "127.0.0.1", port: 1 } };
      assert.deepEqual(await debug.resolve(folder(), { ...child }), child, "a subprocess session: unchanged");
      assert.equal(debug.runs().length, before, "no recording for those");

      debug.setSessionTimeoutMs(1500);
      const resolved = await debug.resolve(folder(), { type: "debugpy", request: "launch", name: "viz", program, ipcviz: true, env: { PYTHONPATH: "/mine", FOO: "1" } });
      assert.ok(resolved);
      const run = debug.runs()[debug.runs().length - 1];
      assert.equal(resolved.env.FOO, "1");
      assert.equal(resolved.env.IPCVIZ_TOKEN, run.env.IPCVIZ_TOKEN);
      assert.equal(resolved.env.PYTHONPATH, `${join(extensionPath, "runtime", "python", "boot")}:/mine`);
      assert.equal(resolved.subProcess, true);
      // No debugger starts it (no real debugpy type here): the recording gives up by itself.
      await waitFor("the recording to end when no session comes", () => !run.isRunning, 60_000);
      assert.equal(run.liveProcesses().length, 0);
    });

    it("neither debugger: a message, nothing starts", async () => {
      debug.setPythonDebuggerInstalled(false);
      const fake = join(tmp, "python3");
      // An interpreter without debugpy: "import debugpy" fails, everything else is python3.
      writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "-c" ] && [ "$2" = "import debugpy" ]; then exit 1; fi\nexec python3 "$@"\n`);
      chmodSync(fake, 0o755);
      const undo = await withSettings({ python: fake });
      try {
        const before = debug.runs().length;
        assert.equal(await debug.plannedConfig(vscode.Uri.file(join(examples, "queue_producer_consumer.py"))), undefined);
        assert.equal(await debug.resolve(folder(), { type: "ipcviz-python", request: "launch", name: "x", program: join(examples, "queue_producer_consumer.py"), python: fake }), undefined);
        assert.equal(debug.runs().length, before);
      } finally {
        await undo();
      }
    });

    it("a real session: a breakpoint in a child's function is hit there, shown as paused; continue; the run ends with no process left", async function () {
      this.timeout(600_000);
      if (!systemPythonHasDebugpy()) {
        console.log(`# skipped: ${SYSTEM_PYTHON} has no debugpy (apt-get install python3-debugpy)`);
        this.skip();
      }
      debug.setPythonDebuggerInstalled(false);
      debug.setSessionTimeoutMs(60_000);
      const program = join(examples, "queue_producer_consumer.py");
      const uri = vscode.Uri.file(program);
      // consumer(): print("consumer: sentinel received …") — line 32, hit once.
      vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(31, 0)))]);
      const before = debug.runs().length;
      const started = await vscode.commands.executeCommand<boolean>("ipcviz.debugVisualise", uri);
      assert.equal(started, true, "the debug session started");
      const run = await waitFor("the debug run", () => (debug.runs().length > before ? debug.runs()[debug.runs().length - 1] : null), 60_000);
      const paused = await waitFor("a process paused at the breakpoint", () => run.debugState.find((p) => p.line === 32), 60_000, () => run.debugState);
      assert.equal(paused.reason, "breakpoint");
      assert.equal(paused.file, program);
      const lane = run.events.find((e) => e.kind === "process.start" && e.pid === paused.pid);
      assert.equal(lane?.name, "consumer", "the paused process is the consumer child");
      const rootPid = run.events.find((e) => e.kind === "process.start" && e.role === "main")?.pid;
      assert.notEqual(paused.pid, rootPid);
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      const sid = run.pausedState.sessionOf(paused.pid)!;
      const session = run.sessions.get(sid)!;
      await session.customRequest("continue", { threadId: run.pausedState.pausedThread(sid) });
      await waitFor("the run to finish", () => !run.isRunning, 60_000, () => run.debugState);
      assert.equal(run.result?.exitCode, 0);
      assert.equal(run.result?.leftovers, 0);
      assert.deepEqual(run.debugState, [], "nothing paused at the end");
      assert.deepEqual(run.liveProcesses(), []);
      const names = run.events.filter((e) => e.kind === "process.start").map((e) => e.name).sort();
      assert.deepEqual(names, ["MainProcess", "consumer", "producer"]);
    });

    it("the hanging example: the stall is diagnosed and every process's stacks are taken (Show All Stacks asks again); selecting its blocked process pauses it at the user's line and focuses it; restart gives a fresh run; stop leaves no process", async function () {
      this.timeout(600_000);
      if (!systemPythonHasDebugpy()) {
        console.log(`# skipped: ${SYSTEM_PYTHON} has no debugpy (apt-get install python3-debugpy)`);
        this.skip();
      }
      debug.setPythonDebuggerInstalled(false);
      const program = join(examples, "pipe_same_end_hangs.py");
      const before = debug.runs().length;
      assert.equal(await vscode.commands.executeCommand<boolean>("ipcviz.debugVisualise", vscode.Uri.file(program)), true);
      const run = await waitFor("the debug run", () => (debug.runs().length > before ? debug.runs()[debug.runs().length - 1] : null), 60_000);
      const hang = await waitFor("the stall diagnosis", () => run.hang, 60_000);
      assert.equal(hang.deadlocks[0].kind, "stall");
      const pid = hang.deadlocks[0].pids[0];
      // The hang's stack snapshot is taken in a debug run too, and Show All Stacks asks again; the
      // debugger is not disturbed by either (the pause below still reaches the process).
      const requests = () => run.events.filter((e) => e.kind === "stacks.request");
      const answerOf = (request: number | undefined) =>
        run.events.find((e) => e.kind === "process.stacks" && e.pid === pid && e.request !== undefined && e.request === request);
      const hangRequest = await waitFor("the hang's stack snapshot request", () => requests().find((e) => e.reason === "hang"), 60_000);
      const hangAnswer = await waitFor("the blocked process's answer to it", () => answerOf(hangRequest.request), 60_000);
      const userLines = (e: NonNullable<ReturnType<typeof answerOf>>) =>
        (e.threads ?? []).filter((t) => t.main).flatMap((t) => (t.userFrame === null ? [] : [`${t.frames[t.userFrame].file}:${t.frames[t.userFrame].line}`]));
      assert.deepEqual(userLines(hangAnswer), [`${program}:19`], "the main thread's innermost user frame is the recv() line");
      const asked = requests().length;
      await vscode.commands.executeCommand("ipcviz.showAllStacks");
      const onDemand = await waitFor("Show All Stacks to ask every process", () => requests().slice(asked).find((e) => e.reason === "request"), 30_000);
      assert.ok(onDemand.pids?.includes(pid), `the blocked process was asked: ${JSON.stringify(onDemand.pids)}`);
      assert.deepEqual(userLines(await waitFor("its answer", () => answerOf(onDemand.request), 30_000)), [`${program}:19`]);
      // The view's click on the blocked lane: the process is blocked in recv(), the pause still reaches it.
      assert.equal(await run.selectProcess(pid), true);
      // Paused first, then placed (its stack is asked for when it stops).
      const paused = await waitFor("the blocked process paused and placed", () => run.debugState.find((p) => p.pid === pid && p.line !== null), 60_000, () => run.debugState);
      assert.equal(paused.reason, "pause");
      assert.equal(paused.file, program, "the view names the user's line, not the runtime's frames");
      assert.equal(paused.line, 19);
      const sid = run.pausedState.sessionOf(pid);
      await waitFor("VS Code to focus the paused process", () => vscode.debug.activeStackItem?.session.id === sid, 60_000);
      // Restart: a fresh run (and view) for the same program; the old run is over.
      await vscode.commands.executeCommand("workbench.action.debug.restart");
      const fresh = await waitFor("a fresh run after restart", () => (debug.runs().length > before + 1 ? debug.runs()[debug.runs().length - 1] : null), 60_000);
      await waitFor("the old run to end", () => !run.isRunning, 60_000);
      assert.deepEqual(run.liveProcesses(), []);
      await waitFor("the fresh run's events", () => fresh.events.length > 0, 60_000);
      assert.deepEqual(fresh.debugState, [], "nothing is paused in the fresh run");
      await vscode.debug.stopDebugging();
      await waitFor("the fresh run to end", () => !fresh.isRunning, 60_000);
      assert.deepEqual(fresh.liveProcesses(), []);
    });
  });
}
