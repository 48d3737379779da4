/**
 * One webview showing a trace: a live run's panel, a restored panel, or the read-only trace
 * editor. It speaks webview/protocol.ts: the webview posts `ready` (on every load, including
 * after being hidden and shown again, since there is no `retainContextWhenHidden`), the panel
 * answers with a `snapshot` of its source's events, then streams batched `append`s, `status`
 * and `finished`. Security: scripts only with a fresh nonce per page set, resources only from
 * out/webview (`localResourceRoots`), CSP from webview/html.ts.
 */

import * as vscode from "vscode";
import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";
import { renderPage, makeNonce } from "../webview/html";
import {
  PROTOCOL_VERSION,
  isFromWebview,
  type CommandMessage,
  type DebugStateMessage,
  type FromWebview,
  type RevealMessage,
  type StatusMessage,
  type ToWebview,
  type ViewOptions,
} from "../webview/protocol";
import { AppendBatcher } from "./appendBatcher";
import { Disposable } from "./dispose";

/** What a view shows: a live run (events keep coming) or a finished trace. */
export interface ViewSource {
  readonly title: string;
  readonly header: TraceHeader | null;
  /** The host's copy of the events, in arrival order. */
  readonly events: readonly TraceEvent[];
  readonly live: boolean;
  readonly footer: TraceFooter | null;
  /** The trace file on disk, when there is one (saving copies it). */
  readonly traceFile: string | null;
  /** Only for live sources. */
  readonly onDidAppend?: vscode.Event<readonly TraceEvent[]>;
  readonly onDidFinish?: vscode.Event<{ footer: TraceFooter | null; reason: string }>;
  readonly onDidStatus?: vscode.Event<Omit<StatusMessage, "type">>;
  /** Stop the run (live sources). */
  stop?(): void;
  /** Debug runs (extension/debug): the processes the debugger has paused now, and its changes. */
  readonly debugState?: DebugStateMessage["paused"];
  readonly onDidDebugState?: vscode.Event<DebugStateMessage["paused"]>;
  /** Debug runs: a lane was clicked in the view (pause that process, show its stack). */
  selectProcess?(pid: number): unknown;
}

/** What a view asks its owner to do. */
export interface ViewHost {
  goToSource(file: string, line: number, view: ViewPanel): void;
  runCommand(command: CommandMessage["command"], view: ViewPanel): void;
  reportError(message: string, view: ViewPanel): void;
  /** The view became the active one (for export commands). */
  activated(view: ViewPanel): void;
  viewOptions(readOnly: boolean): ViewOptions;
  /**
   * The view is shown but its page has not said ready within its load budget: the webview never
   * started (see LOAD_BUDGET_MS). The host opens it again, or says so when that did not help.
   */
  stalled(view: ViewPanel): void;
}

/**
 * How long a shown view's page may take to say ready, on its first try (doubled on each try
 * after). A page says ready as soon as its script runs, before any trace is drawn, so only a
 * webview that never started takes this long: in a browser workbench (code-server) a webview
 * created while another one's service worker is being replaced, as happens when a reload
 * restores a view, can wait forever for its worker (seen about once in 15 reloads on a busy
 * machine). A webview made afterwards starts a new worker, which also frees the stuck one.
 */
export const LOAD_BUDGET_MS = 10_000;

/** Counters the integration tests read (the Test API, docs/extension.md). */
export interface ViewInfo {
  kind: "run" | "trace";
  title: string;
  /** The webview has said ready since it was last (re)loaded. */
  ready: boolean;
  /** Events the webview has been given since its last snapshot (snapshot + appends). */
  eventsPosted: number;
  /** Events the host holds for it. */
  sourceEvents: number;
  visible: boolean;
  finished: boolean;
}

/** See the file comment. */
export class ViewPanel extends Disposable {
  private ready = false;
  private eventsPosted = 0;
  private finished: { footer: TraceFooter | null; reason: string } | null = null;
  private readonly batcher: AppendBatcher;
  private nextExportId = 1;
  private readonly pendingExports = new Map<number, { resolve: (data: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  private readonly readyWaiters: Array<() => void> = [];
  private loadTimer: NodeJS.Timeout | undefined;
  private readonly _onDidDispose = this._register(new vscode.EventEmitter<void>());
  /** Fires once when the panel is closed or disposed. */
  readonly onDidDispose = this._onDidDispose.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private source: ViewSource,
    readonly kind: "run" | "trace",
    private readonly extensionUri: vscode.Uri,
    private readonly host: ViewHost,
    /** How many views before this one were opened for the same content because they stalled. */
    readonly attempt = 0,
  ) {
    super();
    this.batcher = this._register(new AppendBatcher((events) => this.post({ type: "append", events })));
    const webviewRoot = vscode.Uri.joinPath(extensionUri, "out", "webview");
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    this._register(panel.webview.onDidReceiveMessage((m) => this.onMessage(m)));
    this._register(
      panel.onDidChangeViewState(() => {
        // A hidden webview loses its document: it will post ready again when shown.
        if (!panel.visible) this.unready();
        this.watchLoad();
        if (panel.active) host.activated(this);
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this._onDidDispose.fire();
        this.dispose();
      }),
    );
    this.watch(source);
    this.setHtml();
    if (panel.active) host.activated(this);
  }

  /** The source the panel shows. */
  get currentSource(): ViewSource {
    return this.source;
  }

  /** Show another source (e.g. a new run in the same panel); the webview gets a fresh snapshot. */
  setSource(source: ViewSource): void {
    this.source = source;
    this.finished = null;
    this.watch(source);
    this.panel.title = source.title;
    if (this.ready) this.sendSnapshot();
  }

  private sourceSubscriptions: vscode.Disposable[] = [];

  private watch(source: ViewSource): void {
    for (const d of this.sourceSubscriptions) d.dispose();
    this.sourceSubscriptions = [];
    const subs = this.sourceSubscriptions;
    if (source.onDidAppend) {
      subs.push(
        source.onDidAppend((events) => {
          if (this.source === source && this.ready) this.batcher.push(events);
        }),
      );
    }
    if (source.onDidStatus) {
      subs.push(
        source.onDidStatus((s) => {
          if (this.source === source && this.ready) this.post({ type: "status", ...s });
        }),
      );
    }
    if (source.onDidDebugState) {
      subs.push(
        source.onDidDebugState((paused) => {
          if (this.source === source && this.ready) this.post({ type: "debugState", paused });
        }),
      );
    }
    if (source.onDidFinish) {
      subs.push(
        source.onDidFinish((f) => {
          if (this.source !== source) return;
          this.finished = f;
          if (this.ready) {
            this.batcher.flush();
            this.post({ type: "finished", footer: f.footer, reason: f.reason });
          }
        }),
      );
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    for (const d of this.sourceSubscriptions) d.dispose();
    for (const p of this.pendingExports.values()) {
      clearTimeout(p.timer);
      p.reject(new Error("the view was closed"));
    }
    this.pendingExports.clear();
    clearTimeout(this.loadTimer);
    super.dispose();
    this.panel.dispose();
  }

  /** Set the page (a fresh nonce every time). */
  private setHtml(): void {
    const webview = this.panel.webview;
    const root = vscode.Uri.joinPath(this.extensionUri, "out", "webview");
    this.unready();
    webview.html = renderPage({
      assets: {
        kind: "webview",
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, "main.js")).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, "view.css")).toString(),
        cspSource: webview.cspSource,
      },
      nonce: makeNonce(),
      title: this.source.title,
    });
    this.watchLoad();
  }

  /** While the view is shown and its page has not said ready, give it LOAD_BUDGET_MS (doubled per attempt). */
  private watchLoad(): void {
    clearTimeout(this.loadTimer);
    this.loadTimer = undefined;
    if (this.ready || this.isDisposed || !this.panel.visible) return;
    this.loadTimer = setTimeout(() => {
      this.loadTimer = undefined;
      if (!this.ready && !this.isDisposed && this.panel.visible) this.host.stalled(this);
    }, LOAD_BUDGET_MS * 2 ** this.attempt);
  }

  private unready(): void {
    this.ready = false;
    this.batcher.clear();
  }

  private post(message: ToWebview): void {
    if (message.type === "append") this.eventsPosted += message.events.length;
    void this.panel.webview.postMessage(message);
  }

  private sendSnapshot(): void {
    const s = this.source;
    this.batcher.clear();
    this.eventsPosted = 0;
    this.post({
      type: "snapshot",
      protocol: PROTOCOL_VERSION,
      title: s.title,
      header: s.header,
      // A copy: later appends must not change what this message carries.
      events: s.events.slice(),
      live: s.live && this.finished === null,
      footer: this.finished?.footer ?? s.footer,
      options: this.host.viewOptions(this.kind === "trace"),
    });
    this.eventsPosted = s.events.length;
    // Always (an empty set too): the webview keeps the paused set across snapshots.
    this.post({ type: "debugState", paused: s.debugState ?? [] });
    if (this.finished) this.post({ type: "finished", footer: this.finished.footer, reason: this.finished.reason });
  }

  private onMessage(raw: unknown): void {
    if (!isFromWebview(raw)) return;
    const m: FromWebview = raw;
    switch (m.type) {
      case "ready":
        this.ready = true;
        clearTimeout(this.loadTimer);
        this.loadTimer = undefined;
        this.sendSnapshot();
        for (const w of this.readyWaiters.splice(0)) w();
        break;
      case "goToSource":
        this.host.goToSource(m.file, m.line, this);
        break;
      case "stop":
        this.source.stop?.();
        break;
      case "selectProcess":
        // Debug runs pause the process and show its stack; other sources ignore it.
        void Promise.resolve(this.source.selectProcess?.(m.pid)).catch(() => undefined);
        break;
      case "exportReply": {
        const p = this.pendingExports.get(m.id);
        if (p) {
          this.pendingExports.delete(m.id);
          clearTimeout(p.timer);
          if (m.format === "svg" || m.format === "png") p.resolve(m.data);
        }
        break;
      }
      case "command":
        this.host.runCommand(m.command, this);
        break;
      case "error":
        this.host.reportError(m.message, this);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }

  /** Move the view's cursor (e.g. to the deadlock). Shows the panel first. */
  async reveal(target: RevealMessage["target"]): Promise<void> {
    this.panel.reveal(undefined, false);
    await this.whenReady(10_000);
    this.post({ type: "reveal", target });
  }

  /** Resolves once the webview is ready (or after timeoutMs, then rejects). */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("the view did not load (out/webview/main.js missing or failing?)")), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Ask the webview for an image of what it shows (SVG markup or a PNG data: URL). */
  async requestImage(format: "svg" | "png", timeoutMs = 20_000): Promise<string> {
    if (!this.panel.visible) this.panel.reveal(undefined, true);
    await this.whenReady(timeoutMs);
    const id = this.nextExportId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingExports.delete(id);
        reject(new Error(`the view did not answer the ${format.toUpperCase()} export request within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pendingExports.set(id, { resolve, reject, timer });
      this.post({ type: "exportRequest", id, format });
    });
  }

  /** Counters for the integration tests. */
  info(): ViewInfo {
    return {
      kind: this.kind,
      title: this.source.title,
      ready: this.ready,
      eventsPosted: this.eventsPosted,
      sourceEvents: this.source.events.length,
      visible: this.panel.visible,
      finished: this.finished !== null || !this.source.live,
    };
  }
}
