/**
 * "Start Debugging with Process Lanes": the program under the Python debugger with the runtime in every
 * process and subprocess debugging on, shown live in the run view.
 *
 * - With the Python Debugger extension (ms-python.debugpy): its `debugpy` debug type; a
 *   configuration provider for `debugpy` adds the runtime to a launch configuration that
 *   carries `"ipcviz": true` (resolveDebugConfigurationWithSubstitutedVariables) and starts the
 *   recording. That extension answers debugpy's `debugpyAttach` events itself.
 * - Without it: this extension's `ipcviz-python` type, whose adapter is debugpy's from the chosen
 *   interpreter (`python -m debugpy.adapter`); child sessions (one per subprocess, from
 *   `debugpyAttach`) connect to the adapter's port. Neither available: a message saying how to
 *   get one.
 * - A DebugAdapterTracker per session of a run maps the session to its process and turns
 *   stopped/continued into the paused set the view shows (DebugStateMessage); the root session's
 *   end ends the recording.
 */

import * as vscode from "vscode";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { LaunchError, withoutIpcvizEnv } from "../../runtime/launch/launcher";
import type { IpcvizSettings } from "../settings";
import {
  baseNodeOptions,
  isNodeProgramPath,
  JS_DEBUG_TYPES,
  JS_DEBUGGER_EXTENSION,
  nodeDebugLaunchConfig,
  withNodeRuntime,
  basePythonPath,
  chooseDebugger,
  childConfig,
  connectOf,
  debugLaunchConfig,
  DEBUGPY_TYPE,
  IPCVIZ_DEBUG_TYPE,
  IPCVIZ_FLAG,
  noDebuggerMessage,
  debugpyCandidates,
  programOf,
  PYTHON_DEBUGGER_EXTENSION,
  pythonOf,
  RUN_ID_KEY,
  wantsRuntime,
  withRuntime,
  type DebugConfig,
} from "./debugConfig";
import { DebugRun } from "./debugRun";

/** What debug support needs from the rest of the extension (the controller provides it). */
export interface DebugSupportDeps {
  /** A line in the "IPC Visualiser" output channel. */
  log(line: string): void;
  /** Settings for a resource (controller.settings). */
  settings(resource?: vscode.Uri): IpcvizSettings;
  /** The interpreter a normal run of `resource` would use: the Python extension's, else ipcviz.python, else undefined (python3). */
  interpreter(resource: vscode.Uri | undefined): Promise<{ python: string | undefined; description: string }>;
  /** runtime/python inside the installed extension. */
  runtimeDir: string;
  /** A fresh trace file for a run of `program` (in the extension's runs folder, as for normal runs). */
  newTraceFile(program: string): string;
  /** Workspace trust (as Visualise IPC checks it); false: do not run. */
  guardRun(): Promise<boolean>;
  /**
   * A normal run is live: ask to stop it first (as Visualise IPC does) and stop it. True when
   * nothing is running any more. Debug runs of this module are stopped without asking (restart).
   */
  confirmReplaceRun(program: string): Promise<boolean>;
  /**
   * Make `run` the current run exactly as a normal run after RunSession.start: shown live in the
   * run panel (a fresh snapshot), Stop ends it, the hang notification, trace saving when it ends.
   */
  adoptRun(run: DebugRun, settings: IpcvizSettings): void;
  /** Report a LaunchError as a normal run does (controller.reportLaunchError). */
  reportLaunchError(err: LaunchError, python: string | undefined): void;
}

/** What the integration tests read and drive. */
export interface DebugSupportTesting {
  /** The debug runs started, oldest first. */
  runs(): DebugRun[];
  /** Resolve a configuration as VS Code does (both provider steps of its type). */
  resolve(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | null | undefined>;
  /** The configuration "Start Debugging with Process Lanes" would start for `uri` (undefined: a message was shown). */
  plannedConfig(uri: vscode.Uri): Promise<vscode.DebugConfiguration | undefined>;
  /** Pretend the Python Debugger extension is (true) or is not (false) installed; undefined: ask VS Code. */
  setPythonDebuggerInstalled(v: boolean | undefined): void;
  /** Ms to wait for a debug session after a recording started before giving up on it. */
  setSessionTimeoutMs(ms: number): void;
}

/** What registerDebugSupport returns. */
export interface DebugSupport extends vscode.Disposable {
  /** "Start Debugging with Process Lanes" on a file (the command's implementation). True when a session started. */
  debugVisualise(uri?: vscode.Uri): Promise<boolean>;
  readonly testing: DebugSupportTesting;
}

/** The command id of "Start Debugging with Process Lanes". */
export const DEBUG_COMMAND = "ipcviz.debugVisualise";

/** True when `python` can import debugpy (within 20 s). */
export function hasDebugpy(python: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(python, ["-c", "import debugpy"], { env: withoutIpcvizEnv(process.env), timeout: 20_000 }, (err) => resolve(!err));
  });
}

/** Register the command, the debug type's adapter factory, the configuration providers and the trackers. */
export function registerDebugSupport(context: vscode.ExtensionContext, deps: DebugSupportDeps): DebugSupport {
  const subs: vscode.Disposable[] = [];
  const runs = new Map<string, DebugRun>();
  const order: DebugRun[] = [];
  let pythonDebuggerOverride: boolean | undefined;
  let sessionTimeoutMs = 60_000;
  const pythonDebuggerInstalled = () => pythonDebuggerOverride ?? vscode.extensions.getExtension(PYTHON_DEBUGGER_EXTENSION) !== undefined;
  const liveDebugRun = () => order.find((r) => r.isRunning) ?? null;

  // ---------------------------------------------------------------- configuration resolution

  /** Our type: fill an empty (F5 without launch.json) configuration, the interpreter, and check it has debugpy. */
  async function resolveOwn(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc || doc.languageId !== "python" || doc.uri.scheme !== "file") {
        void vscode.window.showErrorMessage("IPC Visualiser: open the Python program to debug, or add a launch configuration (Add Configuration… › IPC Visualiser: Debug with Process Lanes).");
        return undefined;
      }
      config = debugLaunchConfig({ type: IPCVIZ_DEBUG_TYPE, program: doc.uri.fsPath, cwd: folder?.uri.fsPath ?? dirname(doc.uri.fsPath), python: undefined });
    }
    if (config.request !== "launch") return config; // a child session (attach): nothing to add
    if (config[IPCVIZ_FLAG] === undefined) config[IPCVIZ_FLAG] = true;
    if (!pythonOf(config as DebugConfig)) {
      const target = typeof config.program === "string" ? vscode.Uri.file(config.program) : folder?.uri;
      config.python = (await deps.interpreter(target)).python ?? "python3";
    }
    const python = pythonOf(config as DebugConfig)!;
    if (!(await hasDebugpy(python))) {
      void showNoDebugger(python, typeof config.program === "string" ? vscode.Uri.file(config.program) : undefined);
      return undefined;
    }
    return config;
  }

  /**
   * Start a recording for a launch configuration that asks for the runtime, and show it (the
   * run view, as for a normal run). Undefined when it must not or cannot start (a message said why).
   */
  async function startRecording(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<{ run: DebugRun; runId: string; cwd: string } | undefined> {
    if (!(await deps.guardRun())) return undefined;
    const what = programOf(config as DebugConfig);
    if ("error" in what) {
      void vscode.window.showErrorMessage(what.error);
      return undefined;
    }
    const target = what.program ? vscode.Uri.file(what.program) : folder?.uri;
    // A live debug run is being restarted or replaced: end it without asking.
    const old = liveDebugRun();
    if (old) await old.stop("stopped: the debug session restarted");
    else if (!(await deps.confirmReplaceRun(what.program ?? what.module ?? ""))) return undefined;
    const settings = deps.settings(target);
    const isNode = JS_DEBUG_TYPES.includes(config.type);
    if (isNode && !(what.program && isNodeProgramPath(what.program))) {
      void vscode.window.showErrorMessage(`IPC Visualiser: "ipcviz": true in a ${config.type} configuration needs a "program" that is a .js, .mjs, .cjs, .ts, .mts or .cts file.`);
      return undefined;
    }
    const python = isNode ? undefined : pythonOf(config as DebugConfig) ?? (await deps.interpreter(target)).python;
    const cwd = what.cwd ?? folder?.uri.fsPath ?? (what.program ? dirname(what.program) : process.cwd());
    let run: DebugRun;
    try {
      run = await DebugRun.start({
        program: what.program,
        module: what.module,
        args: what.args,
        cwd,
        python,
        basePythonPath: basePythonPath(config as DebugConfig, process.env.PYTHONPATH),
        ...(isNode
          ? {
              node: typeof config.runtimeExecutable === "string" && config.runtimeExecutable ? config.runtimeExecutable : settings.node || undefined,
              tsRunner: settings.typescriptRunner,
              baseNodeOptions: baseNodeOptions(config as DebugConfig, process.env.NODE_OPTIONS),
            }
          : {}),
        settings,
        traceFile: deps.newTraceFile(what.program ?? what.module ?? "program"),
        runtimeDir: deps.runtimeDir,
        log: (l) => deps.log(l),
      });
    } catch (err) {
      if (err instanceof LaunchError) deps.reportLaunchError(err, python);
      else void vscode.window.showErrorMessage(`IPC Visualiser could not start the recording: ${(err as Error).message}`);
      return undefined;
    }
    const runId = randomBytes(8).toString("hex");
    runs.set(runId, run);
    order.push(run);
    subs.push(run);
    deps.adoptRun(run, settings);
    // The debugger may still fail to start the program (a bad configuration): then end the recording.
    const timer = setTimeout(() => {
      if (!run.rootSession && run.isRunning) void run.stop("stopped: the debugger did not start the program");
    }, sessionTimeoutMs);
    void run.done.then(() => clearTimeout(timer));
    return { run, runId, cwd };
  }

  /** Either type, after variable substitution: start the recording and add the runtime's environment. */
  async function addRuntime(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined | null> {
    if (!wantsRuntime(config as DebugConfig)) return config;
    const rec = await startRecording(folder, config);
    if (!rec) return undefined;
    if (JS_DEBUG_TYPES.includes(config.type)) return withNodeRuntime({ ...(config as DebugConfig), cwd: rec.cwd }, rec.run.env, rec.runId);
    return withRuntime({ ...(config as DebugConfig), cwd: rec.cwd }, rec.run.env, rec.runId);
  }

  // The built-in JavaScript debugger's types: a launch configuration with "ipcviz": true gets the runtime.
  for (const type of JS_DEBUG_TYPES) {
    subs.push(vscode.debug.registerDebugConfigurationProvider(type, { resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => addRuntime(folder, config) }));
  }
  for (const type of [IPCVIZ_DEBUG_TYPE, DEBUGPY_TYPE]) {
    subs.push(
      vscode.debug.registerDebugConfigurationProvider(type, {
        resolveDebugConfiguration: (folder, config) => (type === IPCVIZ_DEBUG_TYPE ? resolveOwn(folder, config) : config),
        resolveDebugConfigurationWithSubstitutedVariables: (folder, config) => addRuntime(folder, config),
      }),
    );
  }

  // ---------------------------------------------------------------- our adapter

  subs.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(IPCVIZ_DEBUG_TYPE, {
      createDebugAdapterDescriptor(session) {
        const connect = connectOf(session.configuration as DebugConfig);
        // A subprocess's session talks to the adapter that announced it (debugpyAttach).
        if (connect) return new vscode.DebugAdapterServer(connect.port, connect.host);
        const python = pythonOf(session.configuration as DebugConfig) ?? "python3";
        return new vscode.DebugAdapterExecutable(python, ["-m", "debugpy.adapter"]);
      },
    }),
  );

  // ---------------------------------------------------------------- trackers

  /** The run of each debug session whose tracker exists (a restarted session gets a fresh run). */
  const sessionRuns = new Map<string, DebugRun>();
  const runOf = (session: vscode.DebugSession): DebugRun | undefined => {
    for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) {
      const known = sessionRuns.get(s.id);
      if (known) return known;
      const id = s.configuration[RUN_ID_KEY];
      if (typeof id === "string" && runs.has(id)) return runs.get(id);
    }
    return undefined;
  };

  const trackerFactory: vscode.DebugAdapterTrackerFactory = {
    async createDebugAdapterTracker(session) {
      let run = runOf(session);
      if (!run) return undefined;
      const isRoot = typeof session.configuration.subProcessId !== "number" && session.configuration.request === "launch";
      // VS Code restarts a session (debugpy has no restart request) by launching it again with the
      // configuration resolved the first time, which points at the old recording: start a fresh
      // recording (a fresh view) and put its environment into the new launch request.
      let restart: { env: Readonly<Record<string, string>>; runId: string } | null = null;
      if (isRoot && run.rootSession?.id === session.id && (run.restartRequested || !run.isRunning)) {
        await run.stop("stopped: the debug session restarted", false);
        const fresh = await startRecording(session.workspaceFolder, session.configuration);
        if (!fresh) return undefined;
        run = fresh.run;
        restart = { env: fresh.run.env, runId: fresh.runId };
      }
      sessionRuns.set(session.id, run);
      const state = run.pausedState;
      /** VS Code asked the root session to end (Stop, restart) before the adapter said the program ended. */
      let stopRequested = false;
      const changed = (c: boolean) => {
        if (c) run!.debugStateChanged();
      };
      return {
        onWillStartSession() {
          run.sessions.set(session.id, session);
          if (isRoot) run.rootSession = session;
          changed(state.sessionStarted(session.id, session.configuration.subProcessId));
        },
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP messages as VS Code hands them to a tracker (typed any there): their shape depends on the command
        onDidSendMessage(m: any) {
          // Adjustments VS Code sees too (the extension host hands it this same message after the
          // tracker; where it does not, nothing is lost but the polish):
          if (m?.type === "response" && m.command === "stackTrace" && Array.isArray(m.body?.stackFrames)) {
            // The runtime's frames (its wrappers, the wake-up handler) read as library code, so
            // VS Code focuses the user's frame and the view names the user's line.
            for (const f of m.body.stackFrames) {
              if (f?.source && run.isRuntimeFile(f.source.path)) {
                f.source.presentationHint = "deemphasize";
                f.presentationHint = "subtle";
              }
            }
          } else if (m?.type === "event" && m.event === "stopped" && run.revealPending.delete(session.id) && m.body) {
            // Paused from the view: take the focus, so the Call Stack selects this thread.
            m.body.preserveFocusHint = false;
          }
          changed(state.fromAdapter(session.id, m));
          if (m?.type !== "event") return;
          if (m.event === "stopped") {
            const stamp = state.pauseStamp(session.id);
            const threadId = state.pausedThread(session.id);
            if (stamp !== null && threadId !== null) {
              Promise.resolve(session.customRequest("stackTrace", { threadId, startFrame: 0, levels: 20 })).then(
                // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP messages as VS Code hands them to a tracker (typed any there): their shape depends on the command
                (r: any) => changed(state.location(session.id, stamp, r?.stackFrames ?? [])),
                () => undefined,
              );
            }
          } else if (m.event === "terminated" && isRoot && !stopRequested) {
            // The program ended by itself (the user's Stop sends disconnect/terminate first).
            run.programEnded();
          } else if (m.event === "exited" && isRoot) {
            run.setExitCode(typeof m.body?.exitCode === "number" ? m.body.exitCode : null);
          } else if (m.event === "debugpyAttach" && session.type === IPCVIZ_DEBUG_TYPE) {
            // As the Python Debugger extension does for its type: a child session per subprocess.
            void Promise.resolve(
              vscode.debug.startDebugging(session.workspaceFolder, childConfig(m.body ?? {}, IPCVIZ_DEBUG_TYPE), {
                parentSession: session,
                consoleMode: vscode.DebugConsoleMode.MergeWithParent,
                lifecycleManagedByParent: true,
              }),
            ).then(
              (ok) => {
                if (!ok) deps.log(`could not start the debug session of subprocess ${m.body?.subProcessId}`);
              },
              (err) => deps.log(`could not start the debug session of subprocess ${m.body?.subProcessId}: ${(err as Error).message}`),
            );
          }
        },
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- DAP messages as VS Code hands them to a tracker (typed any there): their shape depends on the command
        onWillReceiveMessage(m: any) {
          // The restarted launch (the extension host sends VS Code's request object as the tracker leaves it).
          if (restart && m?.type === "request" && m.command === "launch" && m.arguments) {
            Object.assign(m.arguments, withRuntime(m.arguments, restart.env, restart.runId));
            restart = null;
          }
          // VS Code's Stop (disconnect/terminate of the root session): the program is being ended.
          if (isRoot && m?.type === "request" && (m.command === "disconnect" || m.command === "terminate")) {
            stopRequested = true;
            const restarting = m.arguments?.restart === true;
            run!.sessionStopping(restarting ? "stopped: the debug session restarted" : "stopped: the debug session was stopped", restarting);
          }
        },
        onExit() {
          changed(state.sessionEnded(session.id));
          if (isRoot && run.rootSession?.id === session.id) void run.rootEnded();
        },
      };
    },
  };
  subs.push(vscode.debug.registerDebugAdapterTrackerFactory(IPCVIZ_DEBUG_TYPE, trackerFactory));
  subs.push(vscode.debug.registerDebugAdapterTrackerFactory(DEBUGPY_TYPE, trackerFactory));
  for (const type of JS_DEBUG_TYPES) subs.push(vscode.debug.registerDebugAdapterTrackerFactory(type, trackerFactory));
  subs.push(
    vscode.debug.onDidTerminateDebugSession((session) => {
      const run = runOf(session);
      if (!run) return;
      run.sessions.delete(session.id);
      if (run.pausedState.sessionEnded(session.id)) run.debugStateChanged();
      if (run.rootSession?.id === session.id) void run.rootEnded();
    }),
  );

  // ---------------------------------------------------------------- the command

  /** Interpreters on this machine that have debugpy (each checked in parallel; existing files only). */
  async function interpretersWithDebugpy(): Promise<string[]> {
    const list = (dir: string) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    const cands = debugpyCandidates({
      pyenvRoot: process.env.PYENV_ROOT,
      home: process.env.HOME,
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      list,
    }).filter((p) => existsSync(p));
    const ok = await Promise.all(cands.map((p) => hasDebugpy(p)));
    return cands.filter((_, i) => ok[i]);
  }

  /** The file a bare command name (`python3`) runs, from PATH; undefined for a path or when not found. */
  function onPath(cmd: string): string | undefined {
    if (cmd.includes("/")) return undefined;
    for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(`${dir}/${cmd}`)) return `${dir}/${cmd}`;
    return undefined;
  }

  /** No debugger for `python`: offer the plain run of `program` in the same message, the Python Debugger, and interpreters that have debugpy. */
  async function showNoDebugger(python: string, program: vscode.Uri | undefined): Promise<void> {
    const found = await interpretersWithDebugpy().catch(() => [] as string[]);
    deps.log(`interpreters with debugpy: ${found.join(", ") || "none found"}`);
    const items = program ? ["Visualise IPC", "Install Python Debugger", "Pick Interpreter"] : ["Install Python Debugger", "Pick Interpreter"];
    const c = await vscode.window.showErrorMessage(noDebuggerMessage(python, found, onPath(python)), ...items);
    if (c === "Visualise IPC" && program) void vscode.commands.executeCommand("ipcviz.visualise", program);
    else if (c === "Install Python Debugger") void vscode.commands.executeCommand("workbench.extensions.search", PYTHON_DEBUGGER_EXTENSION);
    else if (c === "Pick Interpreter") void vscode.commands.executeCommand("ipcviz.pickInterpreter");
  }

  async function plannedConfig(target: vscode.Uri): Promise<vscode.DebugConfiguration | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(target);
    const interp = await deps.interpreter(target);
    const installed = pythonDebuggerInstalled();
    const python = interp.python ?? "python3";
    const choice = chooseDebugger(installed, installed ? false : await hasDebugpy(python));
    if (choice.kind === "none") {
      deps.log(`no debugger: the Python Debugger extension is not installed and ${python} has no debugpy`);
      void showNoDebugger(python, target);
      return undefined;
    }
    return debugLaunchConfig({
      type: choice.type,
      program: target.fsPath,
      cwd: folder?.uri.fsPath ?? dirname(target.fsPath),
      python: choice.kind === "adapter" ? python : interp.python,
    });
  }

  /** The configuration for a JavaScript/TypeScript program (the built-in JavaScript debugger), or undefined when it is missing (a message said so). */
  function plannedNodeConfig(target: vscode.Uri): vscode.DebugConfiguration | undefined {
    if (!vscode.extensions.getExtension(JS_DEBUGGER_EXTENSION)) {
      deps.log(`no JavaScript debugger: ${JS_DEBUGGER_EXTENSION} is not installed or is disabled`);
      void vscode.window
        .showErrorMessage(`IPC Visualiser: VS Code's built-in JavaScript debugger (${JS_DEBUGGER_EXTENSION}) is disabled or missing; enable it to debug ${target.fsPath.split("/").pop()}, or run Visualise IPC to see the program without the debugger.`, "Visualise IPC")
        .then((c) => {
          if (c === "Visualise IPC") void vscode.commands.executeCommand("ipcviz.visualise", target);
        });
      return undefined;
    }
    const folder = vscode.workspace.getWorkspaceFolder(target);
    return nodeDebugLaunchConfig({ program: target.fsPath, cwd: folder?.uri.fsPath ?? dirname(target.fsPath), node: deps.settings(target).node || undefined });
  }

  async function debugVisualise(uri?: vscode.Uri): Promise<boolean> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const ok = target && target.scheme === "file" && (/\.pyw?$/i.test(target.fsPath) || isNodeProgramPath(target.fsPath));
    if (!target || !ok) {
      void vscode.window.showErrorMessage(
        "IPC Visualiser: open a Python (.py), JavaScript (.js, .mjs, .cjs) or TypeScript (.ts) file to debug, or right-click one in the Explorer and choose Start Debugging with Process Lanes.",
      );
      return false;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (doc?.isDirty && !(await doc.save())) {
      void vscode.window.showErrorMessage(`IPC Visualiser: could not save ${target.fsPath}; save it and try again.`);
      return false;
    }
    const config = isNodeProgramPath(target.fsPath) ? plannedNodeConfig(target) : await plannedConfig(target);
    if (!config) return false;
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), config);
  }

  subs.push(vscode.commands.registerCommand(DEBUG_COMMAND, (uri?: vscode.Uri) => debugVisualise(uri)));

  const support: DebugSupport = {
    debugVisualise,
    testing: {
      runs: () => [...order],
      async resolve(folder, config) {
        let c: vscode.DebugConfiguration | null | undefined = config;
        if (config.type === IPCVIZ_DEBUG_TYPE) c = await resolveOwn(folder, config);
        if (!c) return c;
        return addRuntime(folder, c);
      },
      plannedConfig: async (uri) => (isNodeProgramPath(uri.fsPath) ? plannedNodeConfig(uri) : plannedConfig(uri)),
      setPythonDebuggerInstalled: (v) => (pythonDebuggerOverride = v),
      setSessionTimeoutMs: (ms) => (sessionTimeoutMs = ms),
    },
    dispose() {
      for (const d of subs.splice(0).reverse()) d.dispose();
    },
  };
  context.subscriptions.push(support);
  return support;
}
