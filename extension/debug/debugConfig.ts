/**
 * Debug configurations of "Start Debugging with Process Lanes", pure (no `vscode` import):
 * which debugger to use (the Python Debugger extension's `debugpy` type when installed, else this
 * extension's own {@link IPCVIZ_DEBUG_TYPE}, which runs `python -m debugpy.adapter` from the
 * chosen interpreter), the launch configuration the command starts, the one a `launch.json`
 * entry with `"ipcviz": true` becomes once the runtime's environment is added, the child
 * configuration that answers debugpy's `debugpyAttach` event, and the message when neither
 * debugger is available.
 */

/** This extension's debug type (debugpy's adapter from the chosen interpreter). */
export const IPCVIZ_DEBUG_TYPE = "ipcviz-python";
/** The Python Debugger extension's debug type. */
export const DEBUGPY_TYPE = "debugpy";
/** The Python Debugger extension's id. */
export const PYTHON_DEBUGGER_EXTENSION = "ms-python.debugpy";
/** VS Code's built-in JavaScript debugger (js-debug, `ms-vscode.js-debug`): its Node type, and the legacy name it also resolves. */
export const JS_DEBUG_TYPE = "pwa-node";
export const JS_DEBUG_TYPES: readonly string[] = [JS_DEBUG_TYPE, "node"];
/** The built-in JavaScript debugger's extension id. */
export const JS_DEBUGGER_EXTENSION = "ms-vscode.js-debug";
/** Configuration key that asks for the runtime (a launch.json entry of either type). */
export const IPCVIZ_FLAG = "ipcviz";
/** Configuration key that links a session (and debugpy's child sessions, which copy it) to its recording. */
export const RUN_ID_KEY = "ipcvizRunId";

/**
 * The signal that lets a pause reach a process blocked in a system call: the runtime's boot
 * installs a Python handler for it (IPCVIZ_DEBUG_WAKE), so the blocked call is interrupted, the
 * handler's Python code runs, the debugger's pending pause stops there, and the call then goes on.
 * SIGURG: ignored by default (harmless to a process without the handler), rarely used by programs.
 */
export const WAKE_SIGNAL = "SIGURG";

/** A debug configuration as a plain object. */
export type DebugConfig = Record<string, unknown> & { type: string; request: string; name: string };

/** Which debugger "Start Debugging with Process Lanes" uses. */
export type DebuggerChoice = { kind: "extension"; type: typeof DEBUGPY_TYPE } | { kind: "adapter"; type: typeof IPCVIZ_DEBUG_TYPE } | { kind: "none" };

/** The Python Debugger extension when installed, else debugpy from the interpreter when it has it, else none. */
export function chooseDebugger(pythonDebuggerInstalled: boolean, interpreterHasDebugpy: boolean): DebuggerChoice {
  if (pythonDebuggerInstalled) return { kind: "extension", type: DEBUGPY_TYPE };
  if (interpreterHasDebugpy) return { kind: "adapter", type: IPCVIZ_DEBUG_TYPE };
  return { kind: "none" };
}

/**
 * The message when neither debugger is available: what happened, that the program can be
 * visualised without the debugger right away, the ways to get one, and which interpreters found
 * on this machine do have debugpy (`withDebugpy`, at most three named).
 */
export function noDebuggerMessage(python: string, withDebugpy: readonly string[] = [], resolved?: string): string {
  // A bare command (`python3`) is named with the file it runs, so that the list below is not read as a contradiction.
  const shown = resolved && resolved !== python ? `${python} (${resolved})` : python;
  const isDebianSystem = python === "/usr/bin/python3" || /^\/usr\/bin\/python3(\.\d+)?$/.test(python);
  const apt = isDebianSystem ? ` (Debian/Ubuntu's ${python}: \`sudo apt install python3-debugpy\`)` : "";
  const others = withDebugpy.filter((p) => p !== python && p !== resolved);
  const found =
    others.length > 0
      ? ` These interpreters have debugpy: ${others.slice(0, 3).join(", ")}${others.length > 3 ? ` and ${others.length - 3} more` : ""} (Pick Interpreter to use one).`
      : "";
  return (
    `IPC Visualiser: no Python debugger for ${shown}. Run Visualise IPC to see the program without the debugger, ` +
    `or install the Python Debugger extension (ms-python.debugpy), or debugpy for ${python}: \`${python} -m pip install debugpy\`${apt}.` +
    found
  );
}

/** Interpreters worth checking for debugpy: pyenv's, /usr/bin's and /usr/local/bin's python3.N, a workspace's .venv/venv. */
export function debugpyCandidates(p: { pyenvRoot?: string; home?: string; workspaceFolders: readonly string[]; list: (dir: string) => string[] }): string[] {
  const out: string[] = [];
  const roots = [p.pyenvRoot, p.home ? `${p.home}/.pyenv` : undefined].filter((r): r is string => !!r);
  for (const root of roots) for (const v of p.list(`${root}/versions`)) out.push(`${root}/versions/${v}/bin/python3`);
  for (const dir of ["/usr/bin", "/usr/local/bin"]) for (const f of p.list(dir)) if (/^python3(\.\d+)?$/.test(f)) out.push(`${dir}/${f}`);
  for (const ws of p.workspaceFolders) for (const v of [".venv", "venv", "env"]) out.push(`${ws}/${v}/bin/python`);
  return [...new Set(out)];
}

/** The launch configuration "Start Debugging with Process Lanes" starts for a program. */
export function debugLaunchConfig(p: { type: string; program: string; cwd: string; python: string | undefined; name?: string }): DebugConfig {
  const config: DebugConfig = {
    type: p.type,
    request: "launch",
    name: p.name ?? `Debug with Process Lanes: ${p.program.split("/").pop()}`,
    program: p.program,
    cwd: p.cwd,
    console: "integratedTerminal",
    subProcess: true,
    justMyCode: true,
    [IPCVIZ_FLAG]: true,
  };
  if (p.python) config.python = p.python;
  return config;
}

/**
 * The launch configuration "Start Debugging with Process Lanes" starts for a JavaScript or
 * TypeScript program: the built-in JavaScript debugger, which attaches to every child process
 * and worker thread by itself (`autoAttachChildProcesses`); the runtime is added to the
 * program's NODE_OPTIONS ({@link withNodeRuntime}), which js-debug keeps after its own bootloader.
 */
export function nodeDebugLaunchConfig(p: { program: string; cwd: string; node?: string; name?: string }): DebugConfig {
  const config: DebugConfig = {
    type: JS_DEBUG_TYPE,
    request: "launch",
    name: p.name ?? `Debug with Process Lanes: ${p.program.split("/").pop()}`,
    program: p.program,
    cwd: p.cwd,
    console: "internalConsole",
    autoAttachChildProcesses: true,
    skipFiles: ["<node_internals>/**"],
    [IPCVIZ_FLAG]: true,
  };
  if (p.node) config.runtimeExecutable = p.node;
  return config;
}

/** True for a JavaScript/TypeScript program (by its extension), as the Node runtime runs them. */
export function isNodeProgramPath(path: string): boolean {
  return /\.(?:[cm]?js|[cm]?ts)$/i.test(path);
}

/**
 * A js-debug launch configuration with the runtime added: the recording's variables over the
 * configuration's own `env` (their NODE_OPTIONS already ends with the configuration's own, see
 * {@link baseNodeOptions}), and the run id that links its sessions (js-debug's child sessions
 * have it as their parent's) to the recording.
 */
export function withNodeRuntime(config: DebugConfig, runEnv: Readonly<Record<string, string>>, runId: string): DebugConfig {
  return { ...config, env: { ...((config.env as Record<string, unknown> | undefined) ?? {}), ...runEnv }, [RUN_ID_KEY]: runId };
}

/** The NODE_OPTIONS the program would have without the runtime: the configuration's own, else the inherited one. */
export function baseNodeOptions(config: Partial<DebugConfig>, inherited: string | undefined): string | undefined {
  const own = (config.env as Record<string, unknown> | undefined)?.NODE_OPTIONS;
  return typeof own === "string" ? own || undefined : inherited || undefined;
}

/** True for a launch configuration that asks for the runtime (and is not a debugpy child session, nor already given its recording). */
export function wantsRuntime(config: Partial<DebugConfig>): boolean {
  return config.request === "launch" && config[IPCVIZ_FLAG] === true && typeof config.subProcessId !== "number" && config[RUN_ID_KEY] === undefined;
}

/** The interpreter a configuration names (`python` as a string or debugpy's array form), or undefined. */
export function pythonOf(config: Partial<DebugConfig>): string | undefined {
  const p = config.python ?? config.pythonPath;
  if (typeof p === "string" && p.trim()) return p.trim();
  if (Array.isArray(p) && typeof p[0] === "string" && p[0].trim()) return p[0].trim();
  return undefined;
}

/** What the recording needs from a launch configuration; an error message when it cannot be recorded. */
export function programOf(config: Partial<DebugConfig>): { program?: string; module?: string; args: string[]; cwd: string | undefined } | { error: string } {
  const args = Array.isArray(config.args) ? config.args.map(String) : typeof config.args === "string" ? config.args.split(/\s+/).filter(Boolean) : [];
  const cwd = typeof config.cwd === "string" && config.cwd ? config.cwd : undefined;
  if (typeof config.program === "string" && config.program) return { program: config.program, args, cwd };
  if (typeof config.module === "string" && config.module) return { module: config.module, args, cwd };
  return { error: 'IPC Visualiser: "ipcviz": true needs a "program" or "module" in the launch configuration (attaching to a running process cannot be visualised).' };
}

/** The PYTHONPATH the program would have without the runtime: the configuration's own, else the inherited one. */
export function basePythonPath(config: Partial<DebugConfig>, inherited: string | undefined): string | undefined {
  const own = (config.env as Record<string, unknown> | undefined)?.PYTHONPATH;
  return typeof own === "string" ? own || undefined : inherited || undefined;
}

/**
 * The configuration with the runtime's environment added (the recording's variables over the
 * configuration's own `env`; the recording's PYTHONPATH already ends with {@link basePythonPath}),
 * the wake-up signal for pausing blocked processes ({@link WAKE_SIGNAL}), subprocess debugging
 * on, and the run id that links its sessions to the recording.
 */
export function withRuntime(config: DebugConfig, runEnv: Readonly<Record<string, string>>, runId: string): DebugConfig {
  return { ...config, env: { ...((config.env as Record<string, unknown> | undefined) ?? {}), ...runEnv, IPCVIZ_DEBUG_WAKE: WAKE_SIGNAL }, subProcess: true, [RUN_ID_KEY]: runId };
}

/** The child session that answers debugpy's `debugpyAttach` event (its body is the configuration, as the Python extension does it). */
export function childConfig(body: Record<string, unknown>, type: string): DebugConfig {
  return { ...body, type, request: "attach", name: String(body.name ?? `Subprocess ${body.subProcessId}`) } as DebugConfig;
}

/** Where a child configuration's adapter listens (debugpy's `connect`), or null for a launch. */
export function connectOf(config: Partial<DebugConfig>): { host: string; port: number } | null {
  const c = config.connect as { host?: unknown; port?: unknown } | undefined;
  if (config.request !== "attach" || !c || typeof c.port !== "number") return null;
  return { host: typeof c.host === "string" ? c.host : "127.0.0.1", port: c.port };
}
