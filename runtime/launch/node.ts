/**
 * Node programs: which files run under Node, the Node executable (≥ 20), the runtime's preload,
 * how a TypeScript program runs (the workspace's tsx or ts-node), and the variables that load
 * the runtime into every process and worker thread (docs/wire-protocol.md, docs/node-runtime.md).
 *
 * Plain Node: no `vscode` import.
 */

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { TraceHeader } from "../../trace/format";
import { TRACE_FORMAT, TRACE_VERSION } from "../../trace/format";

/** Oldest Node the runtime supports. */
export const MIN_NODE = 20;

const JS_EXTS = new Set([".js", ".mjs", ".cjs"]);
const TS_EXTS = new Set([".ts", ".mts", ".cts"]);

/** A program that runs under Node (by its extension). */
export function isNodeProgram(file: string): boolean {
  const e = extname(file).toLowerCase();
  return JS_EXTS.has(e) || TS_EXTS.has(e);
}

export function isTypeScript(file: string): boolean {
  return TS_EXTS.has(extname(file).toLowerCase());
}

export interface NodeInfo {
  path: string;
  version: string;
  major: number;
}

/** Why a Node run could not start (same shape as the launcher's errors). */
export type NodeProblem = { code: "no-node" | "old-node" | "no-ts-runner"; message: string };

/** Run `node -p` to learn its version and real path. */
export async function probeNode(exe: string, env: NodeJS.ProcessEnv, cwd: string): Promise<NodeInfo | NodeProblem> {
  const probeEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith("IPCVIZ_") && k !== "NODE_OPTIONS") probeEnv[k] = v;
  const r = await new Promise<{ ok: boolean; out: string; why: string }>((res) => {
    execFile(exe, ["-e", "process.stdout.write(JSON.stringify({v: process.versions.node, p: process.execPath}))"], { cwd, env: probeEnv, timeout: 30_000, encoding: "utf8" }, (err, stdout, stderr) =>
      res({ ok: !err, out: stdout, why: err ? (stderr || err.message).trim().split("\n").pop() ?? "" : "" }),
    );
  });
  let info: { v?: string; p?: string } | null = null;
  try {
    info = r.ok ? JSON.parse(r.out) : null;
  } catch {
    info = null;
  }
  if (!info || typeof info.v !== "string") return { code: "no-node", message: `ipcviz: ${exe} does not run as Node.js (${r.why || "no version"}); pass --node with the path of Node ${MIN_NODE} or newer` };
  const major = Number(info.v.split(".")[0]);
  if (!(major >= MIN_NODE)) return { code: "old-node", message: `ipcviz: ${exe} is Node ${info.v}; ipcviz needs Node ${MIN_NODE} or newer: pass --node with the path of a newer one` };
  return { path: info.p || exe, version: info.v, major };
}

/** Directories from `dir` up to the root. */
function upwards(dir: string): string[] {
  const out: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

/**
 * Node's own type stripping for `version`: "" where it is on by default (Node 22.18+, 23.6+),
 * `--experimental-strip-types` where it exists behind that flag (22.6+, 23.0–23.5), null before.
 */
export function typeStripping(version: string | undefined): string | null {
  const [major, minor] = (version ?? "").split(".").map(Number);
  if (!(major >= 22)) return null;
  if (major >= 24 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) return "";
  if (major === 23 || minor >= 6) return "--experimental-strip-types";
  return null;
}

/**
 * The Node options that make a TypeScript program (and its children and workers) run:
 * tsx's loader (`--import`), or ts-node's register hook (`--require`), found in a node_modules
 * above the program or the working directory, else Node's own type stripping where the Node that
 * runs it (`nodeVersion`) has it. `runner`: "auto", "tsx", "ts-node", "node" (Node's type
 * stripping) or a loader path.
 */
export function findTsRunner(program: string, cwd: string, runner = "auto", nodeVersion?: string): { options: string; name: string } | NodeProblem {
  const quote = (p: string) => (/[\s"'\\]/.test(p) ? `"${p.replace(/(["\\])/g, "\\$1")}"` : p);
  const stripping = typeStripping(nodeVersion);
  if (runner === "node") {
    if (stripping !== null) return { options: stripping, name: "node" };
    return {
      code: "no-ts-runner",
      message: `ipcviz: cannot run the TypeScript program ${program} with Node's own type stripping: Node ${nodeVersion ?? "(unknown)"} has none (Node 22.6 or newer has it); install tsx in the workspace (npm install --save-dev tsx) or pass --ts-runner tsx`,
    };
  }
  if (runner !== "auto" && runner !== "tsx" && runner !== "ts-node") {
    const p = resolve(cwd, runner);
    if (!existsSync(p)) return { code: "no-ts-runner", message: `ipcviz: the TypeScript loader ${p} does not exist; pass --ts-runner tsx, ts-node or the path of a loader module` };
    return { options: `--import ${quote(pathToFileURL(p).href)}`, name: p };
  }
  const dirs = [...new Set([...upwards(dirname(program)), ...upwards(cwd)])];
  if (runner !== "ts-node") {
    for (const d of dirs) {
      const loader = join(d, "node_modules", "tsx", "dist", "loader.mjs");
      if (existsSync(loader)) return { options: `--import ${quote(pathToFileURL(loader).href)}`, name: "tsx" };
    }
  }
  if (runner !== "tsx") {
    for (const d of dirs) {
      const reg = join(d, "node_modules", "ts-node", "register", "index.js");
      if (existsSync(reg)) return { options: `--require ${quote(reg)}`, name: "ts-node" };
    }
  }
  if (runner === "auto" && stripping !== null) return { options: stripping, name: "node" };
  const which = runner === "auto" ? "tsx or ts-node" : runner;
  return {
    code: "no-ts-runner",
    message: `ipcviz: cannot run the TypeScript program ${program}: no ${which} found in a node_modules folder above it or above ${cwd}; install one in the workspace (npm install --save-dev tsx) or pass --ts-runner with a loader`,
  };
}

/** The preload built from runtime/node (out/runtime/node/ipcviz-node.js under the root), or null. */
export function nodePreload(root: string): string | null {
  for (const p of [join(root, "out", "runtime", "node", "ipcviz-node.js"), join(root, "runtime", "node", "ipcviz-node.js")]) if (existsSync(p)) return p;
  return null;
}

/** The variables that load the Node runtime into every process and thread of the run. */
export function nodeRuntimeEnv(p: { socketPath: string; token: string; t0: bigint; preload: string; tsOptions: string; baseNodeOptions: string | undefined; previewLength?: number }): Record<string, string> {
  const q = /[\s"'\\]/.test(p.preload) ? `"${p.preload.replace(/(["\\])/g, "\\$1")}"` : p.preload;
  const opts = [`--require ${q}`, p.tsOptions, p.baseNodeOptions ?? ""].filter((x) => x).join(" ");
  return {
    IPCVIZ_SOCK: p.socketPath,
    IPCVIZ_TOKEN: p.token,
    IPCVIZ_T0: p.t0.toString(),
    IPCVIZ_PREVIEW: String(p.previewLength ?? 80),
    IPCVIZ_NODE_PRELOAD: p.preload,
    IPCVIZ_NODE_OPTIONS: p.tsOptions,
    NODE_OPTIONS: opts,
  };
}

/** The trace header of a Node run. */
export function nodeTraceHeader(p: { program: string; args: string[]; cwd: string; node: NodeInfo; runtimeVersion: string; tsRunner: string | null }): TraceHeader {
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    program: p.program,
    args: p.args,
    cwd: p.cwd,
    interpreter: { language: "node", path: p.node.path, version: p.node.version, implementation: p.tsRunner === "node" ? "Node.js (type stripping)" : p.tsRunner ? `Node.js + ${p.tsRunner}` : "Node.js" },
    startMethod: null,
    startedAt: new Date().toISOString(),
    clock: { kind: "monotonic", unit: "ns" },
    runtime: { name: "ipcviz-node", version: p.runtimeVersion },
  };
}
