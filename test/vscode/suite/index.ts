/**
 * The integration suite's entry (the `@vscode/test-electron` contract): a CommonJS module whose
 * `run()` runs the mocha suites in the real extension host and resolves when all pass (rejects
 * otherwise). Mocha is bundled in (esbuild.mjs), so the suites are registered by calling their
 * `register*()` functions after mocha has set up its globals, not by file path.
 *
 * Second result channel: when IPCVIZ_TEST_RESULTS names a file, the results are written there
 * as JSON in mocha's stats shape plus the tests:
 * { stats: { passes, failures, pending, tests }, fatal?, tests: [{ title, state, durationMs, error? }] }.
 */

import Mocha from "mocha";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { registerDebugTests } from "./debugSuite";
import { registerExtensionTests } from "./extensionSuite";
import { registerInterpreterTests } from "./interpreterSuite";
import { registerRunTests } from "./runSuite";
import { registerTraceTests } from "./traceSuite";

interface TestRecord {
  title: string;
  state: "passed" | "failed" | "pending";
  durationMs: number;
  error?: string;
}

function writeResults(path: string | undefined, tests: TestRecord[], fatal?: string): void {
  if (!path) return;
  const summary = {
    stats: {
      passes: tests.filter((t) => t.state === "passed").length,
      failures: tests.filter((t) => t.state === "failed").length + (fatal ? 1 : 0),
      pending: tests.filter((t) => t.state === "pending").length,
      tests: tests.length,
    },
    ...(fatal ? { fatal } : {}),
    tests,
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(summary, null, 2) + "\n");
  } catch (err) {
    console.error(`ipcviz suite: cannot write results to ${path}: ${(err as Error).message}`);
  }
}

export async function run(): Promise<void> {
  const resultsPath = process.env.IPCVIZ_TEST_RESULTS || undefined;
  const tests: TestRecord[] = [];
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 300_000, reporter: "spec" });
  try {
    mocha.suite.emit(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, globalThis, "ipcviz-suite", mocha);
    registerExtensionTests();
    registerRunTests();
    registerTraceTests();
    registerDebugTests();
    registerInterpreterTests();
  } catch (err) {
    writeResults(resultsPath, tests, `could not register the suites: ${(err as Error).stack ?? err}`);
    throw err;
  }
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      writeResults(resultsPath, tests);
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on("pass", (t) => tests.push({ title: t.fullTitle(), state: "passed", durationMs: t.duration ?? 0 }));
    runner.on("fail", (t, err) => tests.push({ title: t.fullTitle(), state: "failed", durationMs: t.duration ?? 0, error: String((err as Error)?.stack ?? err) }));
    runner.on("pending", (t) => tests.push({ title: t.fullTitle(), state: "pending", durationMs: 0 }));
  });
}
