/**
 * The Python interpreter a run uses: found on PATH (or checked at a path), probed once for its
 * version, implementation and default start method (it must be Python 3.9 or newer), and what the
 * probe found cached per interpreter file.
 *
 * Plain Node: no `vscode` import.
 */

import { execFile } from "node:child_process";
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { LaunchError, withoutIpcvizEnv } from "./common";

/** Oldest Python the runtime supports. */
export const MIN_PYTHON: readonly [number, number] = [3, 9];

/** What is known about an interpreter. */
export interface InterpreterInfo {
  /** Absolute path of the executable (sys.executable). */
  path: string;
  version: string;
  implementation: string;
  major: number;
  minor: number;
  /** multiprocessing's default start method for this interpreter, or null. */
  defaultStartMethod: string | null;
}

/** Find a command on PATH (or check a path). Null when not found or not executable. */
export function whichExecutable(cmd: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const isExec = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (cmd.includes("/")) {
    const p = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return isExec(p) ? p : null;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (isExec(p)) return p;
  }
  return null;
}

// Runs without the current directory on sys.path (a local json.py must not shadow the stdlib).
const PROBE = [
  "import sys",
  "sys.path[:] = [p for p in sys.path if p not in ('', '.')]",
  "import json, platform",
  "try:\n import multiprocessing\n sm = multiprocessing.get_start_method()\nexcept Exception:\n sm = None",
  "print(json.dumps({'version': platform.python_version(), 'implementation': platform.python_implementation(), 'executable': sys.executable, 'major': sys.version_info[0], 'minor': sys.version_info[1], 'startMethod': sm}))",
].join("\n");

/**
 * Find and check the interpreter: it must run and be Python ≥ 3.9. Throws {@link LaunchError}
 * (no-python, bad-python, old-python) with a message that says what to do. What a probe finds is
 * cached per interpreter file (see {@link probeCacheKey}), so a second run does not start Python to ask.
 */
export async function probeInterpreter(python: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<InterpreterInfo> {
  const candidates = python ? [python] : ["python3", "python"];
  let exe: string | null = null;
  for (const c of candidates) {
    exe = whichExecutable(c, env, cwd);
    if (exe) break;
  }
  if (!exe) {
    throw new LaunchError(
      "no-python",
      python
        ? `ipcviz: Python interpreter not found: ${python}; pass --python with the path of Python 3.9 or newer`
        : "ipcviz: no Python found (looked for python3 and python on PATH); install Python 3.9 or newer, or pass --python PATH",
    );
  }
  const cacheKey = probeCacheKey(exe);
  const cached = cacheKey ? readProbeCache(env)[exe] : undefined;
  if (cached && cacheKey && cached.key === cacheKey) return cached.info;
  const probeEnv = withoutIpcvizEnv(env);
  // Asynchronous, so a caller such as the VS Code extension host is never blocked while Python starts.
  const r = await new Promise<{ status: number | null; stdout: string; stderr: string; error: Error | null }>((resolveProbe) => {
    execFile(exe!, ["-c", PROBE], { cwd, env: probeEnv, encoding: "utf8", timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code) : null) : 0;
      resolveProbe({ status: code, stdout, stderr, error: error && code === null ? error : null });
    });
  });
  let info: { version?: string; implementation?: string; executable?: string; major?: number; minor?: number; startMethod?: string | null } | null = null;
  if (r.status === 0) {
    try {
      info = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
    } catch {
      info = null;
    }
  }
  if (!info || typeof info.major !== "number" || typeof info.minor !== "number") {
    const why = r.error ? r.error.message : (r.stderr || r.stdout || "").trim().split("\n").pop() || `exit status ${r.status}`;
    throw new LaunchError("bad-python", `ipcviz: ${exe} does not run as a Python interpreter (${why}); pass --python with the path of Python 3.9 or newer`);
  }
  if (info.major < MIN_PYTHON[0] || (info.major === MIN_PYTHON[0] && info.minor < MIN_PYTHON[1])) {
    throw new LaunchError(
      "old-python",
      `ipcviz: ${exe} is Python ${info.version}; ipcviz needs Python ${MIN_PYTHON.join(".")} or newer: pass --python with the path of a newer one`,
    );
  }
  const result: InterpreterInfo = {
    path: info.executable || exe,
    version: String(info.version),
    implementation: String(info.implementation),
    major: info.major,
    minor: info.minor,
    defaultStartMethod: info.startMethod ?? null,
  };
  if (cacheKey) writeProbeCache(env, exe, cacheKey, result);
  return result;
}

/**
 * The interpreter probe's cache: what a probe found, per interpreter file, kept while the file
 * is the same (device, inode, size, modification and change times). Only executables that are
 * binaries (ELF) are cached: a script such as a pyenv shim or a wrapper may run a different
 * interpreter from one call to the next. The cache is a JSON file in
 * $IPCVIZ_CACHE_DIR, else $XDG_CACHE_HOME/ipcviz, else ~/.cache/ipcviz; a missing, unreadable or
 * unwritable cache only means the interpreter is probed again.
 */
interface ProbeCacheEntry {
  key: string;
  info: InterpreterInfo;
}

const PROBE_CACHE_FILE = "interpreters.json";

function probeCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.IPCVIZ_CACHE_DIR) return env.IPCVIZ_CACHE_DIR;
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, "ipcviz");
  const home = env.HOME || homedir();
  return home ? join(home, ".cache", "ipcviz") : null;
}

/** The identity of an interpreter file (null: not cacheable — not a binary, or not readable). */
export function probeCacheKey(exe: string): string | null {
  try {
    const st = statSync(exe, { bigint: true });
    if (!st.isFile()) return null;
    const fd = openSync(exe, "r");
    const magic = Buffer.alloc(4);
    try {
      readSync(fd, magic, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
    if (magic.toString("latin1") !== "\x7fELF") return null;
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return null;
  }
}

function readProbeCache(env: NodeJS.ProcessEnv): Record<string, ProbeCacheEntry | undefined> {
  const dir = probeCacheDir(env);
  if (!dir) return {};
  try {
    const data = JSON.parse(readFileSync(join(dir, PROBE_CACHE_FILE), "utf8")) as unknown;
    return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, ProbeCacheEntry | undefined>) : {};
  } catch {
    return {};
  }
}

function writeProbeCache(env: NodeJS.ProcessEnv, exe: string, key: string, info: InterpreterInfo): void {
  const dir = probeCacheDir(env);
  if (!dir) return;
  try {
    const all = readProbeCache(env);
    all[exe] = { key, info };
    mkdirSync(dir, { recursive: true });
    // Written whole then renamed: a reader never sees half a file.
    const tmp = join(dir, `${PROBE_CACHE_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(all));
    renameSync(tmp, join(dir, PROBE_CACHE_FILE));
  } catch {
    // No cache: the next run probes again.
  }
}
