/**
 * The extension's parts, wired together: the output channel, the features (runs.ts, views.ts,
 * traces.ts, exports.ts, debug/), the command table (commands.ts), the CodeLens, and the API
 * activate() returns. extension.ts only creates this; each feature keeps its own state.
 */

import * as vscode from "vscode";
import { join } from "node:path";
import { MainGuardCodeLensProvider } from "./codeLens";
import { commandTable, registerCommands, viewCommandTable, type Features } from "./commands";
import { registerDebugSupport, type DebugSupport, type DebugSupportTesting } from "./debug/debugSupport";
import { Disposable } from "./dispose";
import type { ExportContext } from "./exports";
import type { FeatureContext } from "./featureContext";
import type { RunInfo } from "./runSession";
import { guardRunInWorkspace, Runs } from "./runs";
import { chooseInterpreter, resolveSettings } from "./settings";
import { Traces } from "./traces";
import type { ViewInfo } from "./viewPanel";
import { Views } from "./views";

/** What the integration tests can read (documented in docs/extension.md, "Test API"). */
export interface IpcvizTestApi {
  /** The current (or last) run, or null. */
  run(): RunInfo | null;
  /** Every open view: run panels and trace editors. */
  views(): ViewInfo[];
  /** "Start Debugging with Process Lanes" (extension/debug/debugSupport.ts). */
  debug?: DebugSupportTesting;
}

/** The value activate() returns. */
export interface IpcvizApi {
  readonly testing: IpcvizTestApi;
}

/** See the file comment. */
export class Controller extends Disposable {
  private readonly output: vscode.OutputChannel;
  private readonly views: Views;
  private readonly runs: Runs;
  readonly api: IpcvizApi;

  constructor(context: vscode.ExtensionContext) {
    super();
    const output = (this.output = this._register(vscode.window.createOutputChannel("IPC Visualiser")));
    const fc: FeatureContext = {
      extension: context,
      runsDir: join(context.globalStorageUri.fsPath, "runs"),
      log: (line) => output.appendLine(`[${new Date().toISOString().slice(11, 23)}] ${line}`),
      showLog: () => output.show(),
      settings: (resource) => {
        const cfg = vscode.workspace.getConfiguration("ipcviz", resource);
        return resolveSettings((k) => cfg.get(k));
      },
      updateContextKeys: () => void this.updateContextKeys(),
    };
    const views = (this.views = this._register(new Views(fc, (command, view) => viewCommands[command](view))));
    const exports: ExportContext = {
      requireView: (v) => views.require(v),
      settings: () => fc.settings(),
      runsDir: () => fc.runsDir,
      extensionPath: () => context.extensionPath,
    };
    const traces = new Traces(fc, views, exports);
    const runs = (this.runs = this._register(new Runs(fc, views, traces)));
    const debug: DebugSupport = this._register(
      registerDebugSupport(context, {
        log: fc.log,
        settings: fc.settings,
        interpreter: (r) => runs.interpreter(r),
        runtimeDir: join(context.extensionPath, "runtime", "python"),
        newTraceFile: (program) => traces.newRunTraceFile(program),
        guardRun: guardRunInWorkspace,
        confirmReplaceRun: (program) => runs.confirmReplaceRun(program),
        adoptRun: (run, settings) => runs.adoptRun(run, settings),
        reportLaunchError: (err, python) => runs.reportLaunchError(err, chooseInterpreter(python, "")),
      }),
    );
    const features: Features = { extension: context, runs, views, traces, exports, debug, showLog: fc.showLog };
    const viewCommands = viewCommandTable(features);
    for (const d of registerCommands(commandTable(features))) this._register(d);

    const lenses = this._register(new MainGuardCodeLensProvider());
    this._register(vscode.languages.registerCodeLensProvider({ language: "python" }, lenses));
    for (const language of ["javascript", "typescript"]) this._register(vscode.languages.registerCodeLensProvider({ language, scheme: "file" }, lenses));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("ipcviz.codeLens")) lenses.refresh();
      }),
    );

    this.api = { testing: { run: () => runs.info(), views: () => views.info(), debug: debug.testing } };
    void this.updateContextKeys();
  }

  private async updateContextKeys(): Promise<void> {
    await vscode.commands.executeCommand("setContext", "ipcviz.running", this.runs?.isRunning ?? false);
    await vscode.commands.executeCommand("setContext", "ipcviz.hasView", (this.views?.size ?? 0) > 0);
  }

  /** Stop the run (the whole tree) and wait for it; then release everything. */
  async shutdown(): Promise<void> {
    await this.views.forgetHost();
    await this.runs.shutdown();
    this.views.closeAll();
    this.dispose();
  }
}
