import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { catchesSignal, isRuntimeFile, wakeForPause } from "../../extension/debug/wake";
import { startCollectOnly } from "../../runtime/launch/collectOnly";
import { ROOT, waitFor } from "./launchTestUtil";

const BLOCKED = "import sys, multiprocessing as mp\nleft, right = mp.Pipe()\nsys.stdout.write('ready\\n'); sys.stdout.flush()\nprint('woke with', left.recv())\n";

test("wake: the runtime's boot handles IPCVIZ_DEBUG_WAKE's signal; the signal interrupts a blocked recv(), which goes on waiting", async () => {
  const rec = await startCollectOnly({ program: join(ROOT, "examples", "pipe_one_way.py"), cwd: ROOT, out: null });
  const base = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith("IPCVIZ_")) delete base[k];
  const withWake = spawn("python3", ["-c", BLOCKED], { env: { ...base, ...rec.env, IPCVIZ_DEBUG_WAKE: "SIGURG" }, stdio: ["ignore", "pipe", "pipe"] });
  const without = spawn("python3", ["-c", BLOCKED], { env: { ...base, ...rec.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  withWake.stdout!.on("data", (d) => (out += d));
  withWake.stderr!.on("data", (d) => (out += d));
  try {
    assert.ok(await waitFor(() => out.includes("ready"), 10_000), out);
    assert.ok(await waitFor(() => catchesSignal(withWake.pid!), 5000), "the handler is installed");
    assert.ok(await waitFor(() => rec.pids.has(without.pid!), 10_000), "the other process runs the runtime too");
    assert.equal(catchesSignal(without.pid!), false, "no handler without IPCVIZ_DEBUG_WAKE");
    assert.equal(wakeForPause(without.pid!), false, "never signalled when it has no handler");
    assert.equal(wakeForPause(withWake.pid!), true);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(withWake.exitCode, null, "still waiting after the wake-up");
    assert.doesNotMatch(out, /woke with|Error/, out);
    assert.equal(catchesSignal(999_999_999), false);
  } finally {
    withWake.kill("SIGKILL");
    without.kill("SIGKILL");
    await rec.stop();
  }
});

test("isRuntimeFile: files under the runtime folder", () => {
  assert.equal(isRuntimeFile("/ext/runtime/python/boot/sitecustomize.py", "/ext/runtime/python"), true);
  assert.equal(isRuntimeFile("/ext/runtime/python/ipcviz_runtime/traced.py", "/ext/runtime/python/"), true);
  assert.equal(isRuntimeFile("/ext/runtime/python2/x.py", "/ext/runtime/python"), false);
  assert.equal(isRuntimeFile(undefined, "/ext/runtime/python"), false);
});
