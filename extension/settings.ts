/**
 * The extension's settings, resolved to the values a run uses, and the small decisions made
 * from them: which interpreter, where a trace is saved and under what name, how launcher errors
 * read in the editor. Pure (no `vscode` import) so node:test covers it; extension code passes a
 * `get` that reads `workspace.getConfiguration("ipcviz")`.
 */

import { basename, dirname, isAbsolute, join, resolve } from "node:path";

/** When a run's trace is saved into the workspace. */
export type SaveTraces = "recent" | "always" | "ask" | "never";

/** Start methods the runtime can make the default. */
export const START_METHODS = ["fork", "spawn", "forkserver"] as const;

/** Settings as a run uses them. */
export interface IpcvizSettings {
  /** `ipcviz.python`: interpreter path or command, "" when unset. */
  python: string;
  /** `ipcviz.traces.save`. */
  saveTraces: SaveTraces;
  /** `ipcviz.traces.folder`: relative to the program's workspace folder, or absolute. */
  tracesFolder: string;
  /** `ipcviz.deadlockGrace` in seconds: no event for this long before a hang is reported. */
  deadlockGraceSec: number;
  /** `ipcviz.payloadPreviewLength`: characters of each payload the runtime keeps. */
  previewLength: number;
  /** `ipcviz.startMethod`; undefined for the interpreter's default. */
  startMethod: (typeof START_METHODS)[number] | undefined;
  /** `ipcviz.node`: Node.js path or command for JavaScript/TypeScript programs, "" when unset (node on PATH). */
  node: string;
  /** `ipcviz.typescriptRunner`: auto, tsx, ts-node, or the path of a loader module. */
  typescriptRunner: string;
}

/** Defaults (the same as package.json's `contributes.configuration`). */
export const DEFAULT_SETTINGS: IpcvizSettings = {
  python: "",
  saveTraces: "recent",
  tracesFolder: ".ipcviz",
  deadlockGraceSec: 1,
  previewLength: 80,
  startMethod: undefined,
  node: "",
  typescriptRunner: "auto",
};

/** Read the settings through `get(key)` (keys without the `ipcviz.` prefix); bad values fall back to defaults. */
export function resolveSettings(get: (key: string) => unknown): IpcvizSettings {
  const str = (k: string, d: string) => {
    const v = get(k);
    return typeof v === "string" ? v.trim() : d;
  };
  const num = (k: string, d: number, min: number, max: number) => {
    const v = get(k);
    return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max ? v : d;
  };
  const save = str("traces.save", DEFAULT_SETTINGS.saveTraces);
  const sm = str("startMethod", "default");
  return {
    python: str("python", ""),
    saveTraces: save === "recent" || save === "always" || save === "ask" || save === "never" ? save : DEFAULT_SETTINGS.saveTraces,
    tracesFolder: str("traces.folder", DEFAULT_SETTINGS.tracesFolder) || DEFAULT_SETTINGS.tracesFolder,
    deadlockGraceSec: num("deadlockGrace", DEFAULT_SETTINGS.deadlockGraceSec, 0.1, 3600),
    previewLength: Math.round(num("payloadPreviewLength", DEFAULT_SETTINGS.previewLength, 0, 100000)),
    startMethod: (START_METHODS as readonly string[]).includes(sm) ? (sm as IpcvizSettings["startMethod"]) : undefined,
    node: str("node", ""),
    typescriptRunner: str("typescriptRunner", "auto") || "auto",
  };
}

/** Where the interpreter came from. */
export type InterpreterSource = "python-extension" | "setting" | "default";

/** The interpreter to run: `python` undefined means the launcher's default (python3, then python). */
export interface InterpreterChoice {
  python: string | undefined;
  source: InterpreterSource;
  /** For messages: "the Python extension's interpreter /usr/bin/python3.11". */
  description: string;
}

/**
 * The Python extension's interpreter when it gave one, else the `ipcviz.python` setting, else
 * the default (python3).
 */
export function chooseInterpreter(fromPythonExtension: string | undefined, setting: string): InterpreterChoice {
  const ext = fromPythonExtension?.trim();
  if (ext) return { python: ext, source: "python-extension", description: `the Python extension's interpreter ${ext}` };
  const s = setting.trim();
  if (s) return { python: s, source: "setting", description: `the interpreter in the ipcviz.python setting (${s})` };
  return { python: undefined, source: "default", description: "python3 on PATH" };
}

/** The folder traces are saved to: the setting resolved against the workspace folder (or the program's folder). */
export function resolveTraceFolder(folderSetting: string, workspaceFolder: string | undefined, program: string): string {
  const f = folderSetting.trim() || DEFAULT_SETTINGS.tracesFolder;
  if (isAbsolute(f)) return f;
  return resolve(workspaceFolder ?? dirname(program), f);
}

/** `<stem>-<YYYYMMDD-HHMMSS>.ipcviz.jsonl` for a program (local time), safe as a file name. */
export function traceFileName(program: string, now: Date = new Date()): string {
  const stem = basename(program).replace(/\.py$/, "").replace(/[^A-Za-z0-9._-]/g, "_") || "program";
  const p2 = (n: number) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
  return `${stem}-${stamp}.ipcviz.jsonl`;
}

/** `dir/name`, or `dir/<name>-2…` when that exists: never an existing file. */
export function uniquePath(dir: string, name: string, exists: (path: string) => boolean): string {
  let path = join(dir, name);
  const stem = name.replace(/\.ipcviz\.jsonl$/, "");
  const ext = name.slice(stem.length);
  for (let n = 2; exists(path); n++) path = join(dir, `${stem}-${n}${ext}`);
  return path;
}

/** Programs that run under Node (the rest, .py and .pyw, under Python). */
export function isNodeProgramFile(path: string): boolean {
  return /\.(js|mjs|cjs|ts|mts|cts)$/i.test(path);
}

/** Files Visualise IPC runs. */
export function isRunnableProgram(path: string): boolean {
  return /\.pyw?$/i.test(path) || isNodeProgramFile(path);
}

/** Launcher error codes that a different interpreter fixes. */
export const INTERPRETER_ERRORS: ReadonlySet<string> = new Set(["no-python", "bad-python", "old-python"]);

/**
 * A launcher error (written for the CLI) as the editor shows it: without the `ipcviz:` prefix
 * and with the CLI's "pass --python …" advice replaced by what to do in the editor.
 */
export function launchErrorText(code: string, message: string, choice?: InterpreterChoice): string {
  let text = message.replace(/^ipcviz:\s*/, "");
  if (INTERPRETER_ERRORS.has(code)) {
    text = text
      .replace(/;\s*(install Python 3\.9 or newer, or )?pass --python[^;]*$/, "")
      .replace(/:\s*pass --python[^;]*$/, "");
    const pick = "Pick a Python 3.9 or newer interpreter.";
    // Name the interpreter once, with where it came from.
    const where = !choice ? "" : choice.source === "setting" ? " (from the ipcviz.python setting)" : choice.source === "python-extension" ? " (the Python extension's interpreter)" : " (python3 on PATH)";
    let m: RegExpExecArray | null;
    if (code === "old-python" && (m = /^(.+) is Python (\S+);/.exec(text))) return `IPC Visualiser needs Python 3.9 or newer: ${m[1]}${where} is Python ${m[2]}. ${pick}`;
    if (code === "no-python" && (m = /^Python interpreter not found: (.+)$/.exec(text))) return `IPC Visualiser cannot find the Python interpreter ${m[1]}${where}. ${pick}`;
    if (code === "bad-python" && (m = /^(.+) does not run as a Python interpreter \((.*)\)$/.exec(text))) return `IPC Visualiser cannot run ${m[1]}${where} as Python (${m[2]}). ${pick}`;
    const from = choice ? ` (${choice.description})` : "";
    return `IPC Visualiser cannot use this Python${from}: ${text}. ${pick}`;
  }
  if (code === "no-node" || code === "old-node") {
    return `IPC Visualiser: ${text.replace(/:\s*pass --node[^;]*$/, "").replace(/;?\s*(install Node\.js 20 or newer, or )?pass --node[^;]*$/, "")}. Set the ipcviz.node setting to Node.js 20 or newer.`;
  }
  if (code === "no-ts-runner") {
    return `IPC Visualiser: ${text.replace(/ or pass --ts-runner with a loader$/, " or set the ipcviz.typescriptRunner setting")}`;
  }
  return `IPC Visualiser: ${text.replace(/choose another path with --out/, "choose another folder in the ipcviz.traces.folder setting")}`;
}
