/**
 * The ipcviz Node runtime, preloaded (`--require`) into every process and worker thread of a
 * run. It installs itself only when the run's settings are present, never throws into the
 * program, and records in trace format v1 (docs/trace-format.md, docs/node-runtime.md).
 */

import * as core from "./core";
import { installAtomics } from "./atomics";
import { installPorts } from "./ports";
import { announce, installChildProcess, installWorkers, SPAWN_KEY } from "./processes";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const wt: typeof import("node:worker_threads") = require("node:worker_threads");

declare const __filename: string;

/**
 * Node's own threads (the loader-hooks thread of `--import tsx`, in a process or in a worker,
 * possibly started after a `new Worker` left its note in the environment data) have no
 * `parentPort`; every worker a program starts has one.
 */
function isNodeInternalThread(): boolean {
  return !wt.isMainThread && wt.parentPort === null;
}

function install(): void {
  const s = core.readSettings();
  if (!s) return;
  if ((globalThis as Record<string, unknown>).__ipcvizNode) return;
  (globalThis as Record<string, unknown>).__ipcvizNode = true;
  if (!s.preload) s.preload = __filename;
  // Node's own threads (the loader-hooks thread that `--import` of a loader such as tsx starts) are
  // not the program's: a program's worker always carries its parent's note (processes.ts).
  if (!wt.isMainThread) {
    const note = wt.getEnvironmentData(SPAWN_KEY) as { claim?: Int32Array } | undefined;
    if (note === undefined || isNodeInternalThread()) return;
    // A thread that finds the note already claimed was started by Node inside the worker.
    if (note.claim instanceof Int32Array && Atomics.compareExchange(note.claim, 0, 0, 1) !== 0) return;
  }
  if (!core.connect(s, __filename)) return;
  if (wt.isMainThread) {
    // Workers whose env the program replaces still find the run.
    wt.setEnvironmentData(core.ENV_KEY, { sock: s.sock, token: s.token, t0: s.t0.toString(), preview: String(s.preview), preload: s.preload, nodeOptions: s.nodeOptions });
  }
  // ts-node compiles each file with an inline source map that Node keeps (for site.ts's
  // findSourceMap) only once source maps are enabled: enabled here, before ts-node's hook loads.
  // Stack traces stay as ts-node's source-map-support writes them (it replaces prepareStackTrace).
  if (/ts-node/.test(s.nodeOptions ?? "") && typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);
  announce();
  installChildProcess();
  installPorts();
  installWorkers();
  installAtomics();
  try {
    // ESM `import { Worker } from "node:worker_threads"` sees the patched exports.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("node:module").syncBuiltinESMExports();
  } catch {
    /* older Node */
  }
  core.startFlushTimer();
}

try {
  install();
} catch (err) {
  try {
    process.stderr.write(`ipcviz: the Node runtime could not start (${(err as Error)?.message ?? err}); the program runs unrecorded\n`);
  } catch {
    /* nothing to tell with */
  }
}
