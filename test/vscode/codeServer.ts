/**
 * A real VS Code for the vscode and e2e tiers: code-server 4.100.3 (VS Code 1.100.3, installed by
 * scripts/setup-test-tools.sh into .tools/code-server/), started with a fresh profile on a free
 * port of 127.0.0.1, quiet (no gallery, telemetry, update checks, welcome page; workspace trust off
 * unless asked for),
 * and stopped with its whole process tree, including every program the extension host started.
 */

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromiumPath } from "../chromium";
import { describeProcesses, descendantsOf, endProcesses, environOf, listProcesses, type ProcInfo } from "./procs";

/** The repository root (works from test/vscode/ and from its bundle in out/test/vscode/). */
export const REPO_ROOT: string = (() => {
  let dir = __dirname;
  for (;;) {
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === "ipc-visualiser") return dir;
    } catch {
      /* not here */
    }
    const up = resolve(dir, "..");
    if (up === dir) return resolve(__dirname, "../../..");
    dir = up;
  }
})();

export const CODE_SERVER_VERSION = "4.100.3";
const SETUP_HINT = "run `bash scripts/setup-test-tools.sh` (installs chromium, ripgrep, libkrb5-dev, python3-debugpy and code-server into .tools/)";

/** code-server's entry script (IPCVIZ_CODE_SERVER overrides; IPCVIZ_TOOLS_DIR moves .tools/). */
export function codeServerEntry(): string | null {
  if (process.env.IPCVIZ_CODE_SERVER) return existsSync(process.env.IPCVIZ_CODE_SERVER) ? process.env.IPCVIZ_CODE_SERVER : null;
  const tools = process.env.IPCVIZ_TOOLS_DIR ?? join(REPO_ROOT, ".tools");
  const entry = join(tools, "code-server", "node_modules", "code-server", "out", "node", "entry.js");
  return existsSync(entry) ? entry : null;
}

/**
 * Why the real-VS-Code tests cannot run here, or undefined when they can. Tests pass it as node:test's
 * `skip` option, so a machine without the tools says what to do instead of failing (unless
 * IPCVIZ_REQUIRE_VSCODE=1: then it throws).
 */
export function realVSCodeSkipReason(): string | undefined {
  const missing: string[] = [];
  if (!codeServerEntry()) missing.push(`code-server ${CODE_SERVER_VERSION}`);
  if (!chromiumPath()) missing.push("chromium (/usr/bin/chromium)");
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(" and ")} not installed: ${SETUP_HINT}`;
  // Where the tools must be there (CI after the setup script), a missing tool is a failure, not a skip.
  if (process.env.IPCVIZ_REQUIRE_VSCODE === "1") throw new Error(`IPCVIZ_REQUIRE_VSCODE=1 but ${reason}`);
  return reason;
}

/** Quiet user settings for a fresh profile (extra ones are merged over these). */
export const QUIET_SETTINGS: Record<string, unknown> = {
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.enableExperiments": false,
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "git.enabled": false,
  "npm.autoDetect": "off",
  "typescript.disableAutomaticTypeAcquisition": true,
  "python.experiments.enabled": false,
  "files.autoSave": "off",
  "editor.minimap.enabled": false,
  "window.restoreWindows": "none",
  "workbench.editor.enablePreview": false,
};

export interface CodeServerOptions {
  /** The folder code-server opens when a URL names none. */
  folder?: string;
  /** Extra environment for code-server, and so for the extension host and the programs it starts. */
  env?: Record<string, string>;
  /** A .vsix to install into the fresh extensions folder before starting. */
  vsix?: string;
  /**
   * Unpacked extensions (folders holding a package.json) copied into the fresh extensions folder
   * as `<publisher>.<name>-<version>` before starting, e.g. test/vscode/fixtures/fake-python.
   * (The workbench keeps one extensionDevelopmentPath of a URL's payload: its entries go into a
   * Map, so a second extension cannot come in that way.)
   */
  extensions?: string[];
  /** User settings merged over QUIET_SETTINGS. */
  settings?: Record<string, unknown>;
  /** How long to wait for the "HTTP server listening" line (ms). */
  startTimeoutMs?: number;
  /**
   * Workspace trust as a user has it (default false: trust is disabled, every folder is trusted).
   * When true, code-server runs without --disable-workspace-trust and the profile has
   * `security.workspace.trust.enabled: true`, so a folder opened for the first time is untrusted
   * until the user trusts it (the start-up trust dialog asks).
   */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** host:port, for vscode-remote:// URIs. */
  authority: string;
  userDataDir: string;
  extensionsDir: string;
  /** The value of E2E_CODE_SERVER_MARKER in the environment of code-server and all it starts. */
  marker: string;
  pid: number;
  /** code-server's output so far (stdout and stderr). */
  log(): string;
  /** A vscode-remote:// URI for an absolute path on this machine. */
  remoteUri(absPath: string): string;
  /** The URL that opens folder in the workbench, with extra query parameters. */
  folderUrl(folder: string, query?: Record<string, string>): string;
  /** Processes of this code-server (its tree and anything carrying its marker). */
  processes(): ProcInfo[];
  /**
   * Ends code-server and every process it started (found by process tree and by the marker in
   * their environment); throws when some are still there after SIGKILL. Removes the profile.
   */
  stop(): Promise<void>;
}

/** The environment code-server runs in: no gallery, no proxy, our marker, the caller's extras. */
function serverEnv(marker: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // node:test sets these for its own children; the extension host must not think it is one.
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  // Anything left over from a code-server/VS Code session this test may run inside.
  for (const k of Object.keys(env)) if (k.startsWith("VSCODE_") || k === "ELECTRON_RUN_AS_NODE") delete env[k];
  return {
    ...env,
    EXTENSIONS_GALLERY: "{}",
    VSCODE_PROXY_URI: "",
    E2E_CODE_SERVER_MARKER: marker,
    ...extra,
  };
}

/** Install a .vsix into the profile's extensions folder (synchronous; throws with the output on failure). */
export function installVsix(entry: string, userDataDir: string, extensionsDir: string, vsix: string, env: NodeJS.ProcessEnv): void {
  if (!existsSync(vsix)) throw new Error(`no .vsix at ${vsix}`);
  const r = spawnSync(
    process.execPath,
    [entry, "--user-data-dir", userDataDir, "--extensions-dir", extensionsDir, "--install-extension", vsix, "--force"],
    { env, encoding: "utf8", timeout: 120_000 },
  );
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ""}):\n${out}`);
  }
}

/** Start code-server with a fresh profile; resolves when it listens. */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const entry = codeServerEntry();
  if (!entry) throw new Error(`code-server ${CODE_SERVER_VERSION} not found: ${SETUP_HINT}`);
  const base = mkdtempSync(join(tmpdir(), "ipcviz-code-server-"));
  const userDataDir = join(base, "user-data");
  const extensionsDir = join(base, "extensions");
  mkdirSync(join(userDataDir, "User"), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const config = join(userDataDir, "config.yaml");
  // Without --config, code-server reads and writes ~/.config/code-server/config.yaml.
  writeFileSync(config, "bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n");
  const trust = options.workspaceTrust ? { "security.workspace.trust.enabled": true } : {};
  writeFileSync(join(userDataDir, "User", "settings.json"), JSON.stringify({ ...QUIET_SETTINGS, ...trust, ...options.settings }, null, 2));
  const marker = randomUUID();
  // code-server keeps its own logs and a heartbeat file in XDG_DATA_HOME: keep them in the profile.
  const env = serverEnv(marker, { XDG_DATA_HOME: join(base, "data"), XDG_CONFIG_HOME: join(base, "config"), ...options.env });

  for (const dir of options.extensions ?? []) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { publisher: string; name: string; version: string };
    cpSync(dir, join(extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), { recursive: true });
  }

  if (options.vsix) {
    try {
      installVsix(entry, userDataDir, extensionsDir, options.vsix, env);
    } catch (e) {
      rmSync(base, { recursive: true, force: true });
      throw e;
    }
  }

  const args = [
    entry,
    "--config", config,
    "--user-data-dir", userDataDir,
    "--extensions-dir", extensionsDir,
    "--auth", "none",
    "--bind-addr", "127.0.0.1:0",
    "--disable-telemetry",
    "--disable-update-check",
    ...(options.workspaceTrust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
    "--disable-proxy",
    "--ignore-last-opened",
    "--log", "info",
  ];
  if (options.folder) args.push(options.folder);
  // Its own process group, so that stop() can signal the tree at once; the marker finds the rest.
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));

  const processes = (): ProcInfo[] => {
    const all = listProcesses();
    const found = new Map<number, ProcInfo>();
    if (child.pid !== undefined) {
      const self = all.find((p) => p.pid === child.pid);
      if (self) found.set(self.pid, self);
      for (const p of descendantsOf(child.pid, all)) found.set(p.pid, p);
    }
    for (const p of all) if (!found.has(p.pid) && environOf(p.pid).E2E_CODE_SERVER_MARKER === marker) found.set(p.pid, p);
    return [...found.values()];
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* gone */
        }
      }
      const left = await endProcesses(processes, { graceMs: 3000, timeoutMs: 10_000 });
      if (left.length) throw new Error(`code-server left processes behind after SIGKILL:\n${describeProcesses(left)}`);
    } finally {
      child.stdout?.destroy();
      child.stderr?.destroy();
      rmSync(base, { recursive: true, force: true });
    }
  };

  try {
    const url = await new Promise<string>((resolvePromise, reject) => {
      const timeoutMs = options.startTimeoutMs ?? 60_000;
      const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${timeoutMs} ms; its log:\n${output}`)), timeoutMs);
      const check = () => {
        const m = /HTTP server listening on (http:\/\/[^\s/]+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolvePromise(m[1]);
        }
      };
      child.stdout!.on("data", check);
      child.stderr!.on("data", check);
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited (${code ?? signal}) before listening; its log:\n${output}`));
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const authority = new URL(url).host;
    const remoteUri = (p: string) => `vscode-remote://${authority}${p.split("/").map(encodeURIComponent).join("/")}`;
    return {
      url,
      authority,
      userDataDir,
      extensionsDir,
      marker,
      pid: child.pid!,
      log: () => output,
      remoteUri,
      folderUrl(folder, query = {}) {
        const q = new URLSearchParams({ folder, ...query });
        return `${url}/?${q.toString()}`;
      },
      processes,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
