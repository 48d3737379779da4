/**
 * The view: builds the page (toolbar, overview, axis, lanes, side panels, timeline controls),
 * dispatches the host's messages to the store, turns keys and clicks into store changes, and
 * redraws at most once per animation frame. Exposes a small test hook on `window.__ipcviz`.
 */

import { isToWebview, PROTOCOL_VERSION, type RevealMessage, type SnapshotMessage, type ToWebview } from "./protocol";
import type { Host } from "./host";
import { Store, STEP_BY, type Change, type SavedUi, type StepBy } from "./store";
import { Theme } from "./theme";
import { Plot } from "./views/plot/plot";
import { Overview } from "./views/overview";
import { el, renderDetails, renderDiagnosis, renderInspector, renderKeys, renderLegend, renderStacks } from "./views/panels";
import { moveLane } from "./layout/lanes";
import { onKey } from "./keys";
import { formatX } from "./layout/scale";

const STEP_LABELS: Record<StepBy, string> = {
  message: "message",
  lock: "lock event",
  block: "wait (block)",
  diagnosis: "diagnosis",
  process: "event of selected process",
  match: "search match",
  event: "event",
};

export class App {
  readonly store: Store;
  readonly theme: Theme;
  readonly plot: Plot;
  readonly overview: Overview;
  private frame = 0;
  private playTimer: number | null = null;
  private readonly panels: { details: HTMLElement; inspector: HTMLElement; diagnosis: HTMLElement; legend: HTMLElement; keys: HTMLElement; keysBox: HTMLDetailsElement; stacks: HTMLElement; stacksBox: HTMLDetailsElement };
  private readonly ctl: {
    play: HTMLButtonElement;
    pos: HTMLElement;
    stepBy: HTMLSelectElement;
    speed: HTMLSelectElement;
    follow: HTMLButtonElement;
    status: HTMLElement;
    title: HTMLElement;
    layout: HTMLSelectElement;
    order: HTMLSelectElement;
    search: HTMLInputElement;
    matchInfo: HTMLElement;
    onlyMatching: HTMLInputElement;
    showHidden: HTMLButtonElement;
    stop: HTMLButtonElement;
    diagCount: HTMLElement;
    empty: HTMLElement;
    emptyText: HTMLElement;
    emptyActions: HTMLElement;
  };
  private dirtyPanels = new Set<Change>();
  private exportSelect: HTMLElement | null = null;
  private countN = -1;
  private countText = "";
  /** Messages handled (for tests). */
  received = 0;

  constructor(
    readonly root: HTMLElement,
    readonly host: Host,
  ) {
    this.store = new Store((s) => host.setState(s));
    this.theme = new Theme(() => this.requestRender(true));
    root.classList.add("ipcviz");
    root.dataset.host = host.kind;
    root.tabIndex = -1;

    // ---------------------------------------------------------------- toolbar
    const bar = el("header", "toolbar");
    const title = el("span", "title", "IPC Visualiser");
    const status = el("span", "status");
    const layout = el("select", "layout-select");
    layout.title = "Layout of the x axis (t)";
    layout.append(new Option("Wall time", "time"), new Option("Logical (event order)", "logical"));
    const order = el("select", "order-select");
    order.title = "Lane order";
    order.append(new Option("Lanes: first appearance", "appearance"), new Option("Lanes: process tree", "tree"));
    const search = el("input", "search");
    search.type = "search";
    search.placeholder = "Find: text, pid:N, kind:queue, obj:q1, proc:Worker  (/)";
    search.title = "Search events by process, object, kind and payload text; Enter: next match";
    const matchInfo = el("span", "match-info");
    const onlyLbl = el("label", "only-matching");
    const onlyMatching = el("input");
    onlyMatching.type = "checkbox";
    onlyLbl.append(onlyMatching, document.createTextNode(" only matching lanes"));
    const showHidden = el("button", "show-hidden");
    const zoomOut = el("button", "icon", "−");
    zoomOut.title = "Zoom out (−)";
    const zoomFit = el("button", "", "Fit");
    zoomFit.title = "Fit the whole run (0)";
    const zoomIn = el("button", "icon", "+");
    zoomIn.title = "Zoom in (+)";
    const stacksBtn = el("button", "show-stacks", "Show All Stacks");
    stacksBtn.title = "Where is every thread of every process now (a live run is asked; a saved trace shows its last snapshot)";
    const stop = el("button", "danger", "Stop");
    stop.title = "Stop the program";
    const exportSel = el("select", "export-select");
    exportSel.title = "Save or export";
    exportSel.append(
      new Option("Export…", ""),
      new Option("Save trace", "saveTrace"),
      new Option("HTML report", "exportHtml"),
      new Option("SVG image", "exportSvg"),
      new Option("PNG image", "exportPng"),
      new Option("Perfetto trace", "exportPerfetto"),
    );
    bar.append(title, status, layout, order, search, matchInfo, onlyLbl, showHidden, zoomOut, zoomFit, zoomIn, stacksBtn, stop, exportSel);

    // ---------------------------------------------------------------- centre
    const main = el("div", "main");
    const center = el("div", "center");
    const ovRow = el("div", "overview-row");
    const ovLabel = el("div", "row-label", "overview");
    const ovHost = el("div", "overview-host");
    ovRow.append(ovLabel, ovHost);
    const axisRow = el("div", "axis-row");
    const axisLabel = el("div", "row-label axis-label");
    const axisHost = el("div", "axis-host");
    axisRow.append(axisLabel, axisHost);
    const scroll = el("div", "lanes-scroll");
    const inner = el("div", "lanes-inner");
    const headers = el("div", "lane-headers");
    const plotEl = el("div", "plot");
    inner.append(headers, plotEl);
    scroll.append(inner);
    // Shown instead of empty lanes when there is nothing to show (a restored view whose run left no trace).
    const empty = el("div", "empty-state");
    empty.dataset.emptyState = "";
    empty.hidden = true;
    const emptyText = el("p", "empty-text");
    const emptyActions = el("div", "empty-actions");
    const emptyRun = el("button", "primary", "Visualise IPC");
    emptyRun.title = "Run the program in the active editor and show its processes and messages here";
    const emptyRecent = el("button", "", "Open a Recent IPC Run…");
    emptyRecent.title = "Show a run recorded before";
    emptyActions.append(emptyRun, emptyRecent);
    empty.append(emptyText, emptyActions);
    emptyRun.addEventListener("click", () => host.post({ type: "command", command: "visualise" }));
    emptyRecent.addEventListener("click", () => host.post({ type: "command", command: "openRecentRun" }));
    center.append(ovRow, axisRow, scroll, empty);

    const side = el("aside", "side");
    const section = (name: string, titleText: string, open = true): [HTMLDetailsElement, HTMLElement] => {
      const d = el("details", "panel");
      d.open = open;
      d.dataset.panel = name;
      const sum = el("summary", undefined, titleText);
      const body = el("div", "panel-body");
      d.append(sum, body);
      side.append(d);
      return [d, body];
    };
    const [diagBox, diagnosis] = section("diagnosis", "Diagnosis");
    const diagCount = el("span", "badge");
    diagBox.querySelector("summary")!.append(diagCount);
    const [, details] = section("details", "Selected event");
    const [, inspector] = section("inspector", "State at the cursor");
    const [stacksBox, stacks] = section("stacks", "Stacks", false);
    const [, legend] = section("legend", "Legend");
    const [keysBox, keys] = section("keys", "Keys", false);
    main.append(center, side);

    // ---------------------------------------------------------------- controls
    const foot = el("footer", "controls");
    const btn = (text: string, tip: string, fn: () => void, cls = "") => {
      const b = el("button", cls, text);
      b.title = tip;
      b.addEventListener("click", () => {
        fn();
        this.root.focus();
      });
      foot.append(b);
      return b;
    };
    btn("⇤", "First event (Home)", () => this.store.home());
    btn("«", "Previous of the “Jump by” kind (Shift+←)", () => this.store.stepCursor(-1, this.store.stepBy));
    btn("‹", "Previous event (←)", () => this.store.stepCursor(-1));
    const play = btn("▶", "Play / pause (Space)", () => this.togglePlay(), "play");
    btn("›", "Next event (→)", () => this.store.stepCursor(1));
    btn("»", "Next of the “Jump by” kind (Shift+→)", () => this.store.stepCursor(1, this.store.stepBy));
    btn("⇥", "Last event (End)", () => this.store.end());
    const stepLbl = el("label", "ctl-label", "Jump by ");
    const stepBy = el("select", "step-by");
    for (const k of STEP_BY) stepBy.append(new Option(STEP_LABELS[k], k));
    stepLbl.append(stepBy);
    const speedLbl = el("label", "ctl-label", "Speed ");
    const speed = el("select", "speed");
    for (const v of [2, 5, 20, 100, 500, 5000]) speed.append(new Option(`${v} events/s`, String(v)));
    speedLbl.append(speed);
    const follow = el("button", "follow", "Follow live");
    follow.title = "Keep the cursor on the newest event (End)";
    follow.addEventListener("click", () => this.store.end());
    const pos = el("span", "pos");
    const keyHint = el("button", "link key-hint", "? keys");
    keyHint.addEventListener("click", () => {
      keysBox.open = !keysBox.open;
    });
    foot.append(stepLbl, speedLbl, follow, pos, keyHint);

    const tooltip = el("div", "tooltip");
    tooltip.hidden = true;
    root.append(bar, main, foot, tooltip);

    this.panels = { details, inspector, diagnosis, legend, keys, keysBox, stacks, stacksBox };
    stacksBtn.addEventListener("click", () => {
      if (this.store.live) host.post({ type: "command", command: "showStacks" });
      this.showStacks();
    });
    this.ctl = { play, pos, stepBy, speed, follow, status, title, layout, order, search, matchInfo, onlyMatching, showHidden, stop, diagCount, empty, emptyText, emptyActions };
    renderKeys(keys);

    this.plot = new Plot(this.store, this.theme, host, { scroll, inner, headers, plot: plotEl, axis: axisHost, tooltip }, () => this.requestRender());
    this.overview = new Overview(this.store, this.theme, ovHost, (x, center) => this.seekX(x, center));

    // ---------------------------------------------------------------- wiring
    layout.addEventListener("change", () => this.store.setMode(layout.value as "time" | "logical"));
    order.addEventListener("change", () => this.store.setLaneOrder(order.value as "appearance" | "tree"));
    let searchTimer: number | null = null;
    search.addEventListener("input", () => {
      if (searchTimer !== null) clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => this.store.setQuery(search.value), 150);
    });
    search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        if (searchTimer !== null) clearTimeout(searchTimer);
        if (this.store.query !== search.value) this.store.setQuery(search.value);
        this.store.stepCursor(e.shiftKey ? -1 : 1, "match");
        this.afterJump();
      } else if (e.key === "Escape") {
        search.blur();
        this.root.focus();
      }
    });
    onlyMatching.addEventListener("change", () => this.store.setOnlyMatchingLanes(onlyMatching.checked));
    showHidden.addEventListener("click", () => this.store.showAll());
    zoomIn.addEventListener("click", () => this.plot.zoomBy(2));
    zoomOut.addEventListener("click", () => this.plot.zoomBy(0.5));
    zoomFit.addEventListener("click", () => this.plot.fit());
    stop.addEventListener("click", () => host.post({ type: "stop" }));
    exportSel.addEventListener("change", () => {
      const v = exportSel.value;
      exportSel.value = "";
      if (v) host.post({ type: "command", command: v as "saveTrace" });
    });
    stepBy.addEventListener("change", () => {
      this.store.stepBy = stepBy.value as StepBy;
      this.store.changed("play");
    });
    speed.addEventListener("change", () => {
      this.store.speed = Number(speed.value);
      if (this.store.playing) {
        this.stopPlay();
        this.startPlay();
      }
    });
    headers.addEventListener("click", (e) => this.onHeaderClick(e));
    document.addEventListener("keydown", (e) =>
      onKey(e, {
        store: this.store,
        plot: this.plot,
        host: this.host,
        jumped: () => this.afterJump(),
        togglePlay: () => this.togglePlay(),
        layoutChanged: (mode) => (this.ctl.layout.value = mode),
        focusSearch: () => this.ctl.search.focus(),
        toggleKeys: () => (this.panels.keysBox.open = !this.panels.keysBox.open),
      }),
    );
    window.addEventListener("message", (e) => this.onMessage(e.data));

    this.store.onChange((what) => {
      for (const w of what) this.dirtyPanels.add(w);
      if (what.has("cursor") && !what.has("data")) this.plot.reveal(this.store.cursor);
      this.requestRender();
    });
    this.requestRender();
  }

  // ------------------------------------------------------------ messages

  /** Handle one host → webview message. */
  onMessage(msg: unknown): void {
    if (!isToWebview(msg)) return;
    this.received++;
    const m = msg as ToWebview;
    switch (m.type) {
      case "snapshot":
        this.load(m);
        break;
      case "append":
        this.store.append(m.events);
        break;
      case "finished":
        this.store.finish(m.footer, m.reason);
        break;
      case "status":
        this.store.setStatus(m);
        break;
      case "reveal":
        this.reveal(m.target);
        break;
      case "debugState":
        this.store.setDebugState(m);
        break;
      case "exportRequest":
        void this.exportImage(m.id, m.format);
        break;
      default: {
        const never: never = m;
        void never;
      }
    }
  }

  /** Load a snapshot, restoring saved UI state for the same trace. */
  load(m: SnapshotMessage): void {
    const saved = this.host.getState<SavedUi>();
    this.store.load(m, saved);
    this.root.dataset.readOnly = String(!!m.options?.readOnly);
    this.syncControls();
  }

  private syncControls(): void {
    const s = this.store;
    this.ctl.layout.value = s.mode;
    this.ctl.order.value = s.laneOrder;
    this.ctl.search.value = s.query;
    this.ctl.onlyMatching.checked = s.onlyMatchingLanes;
    this.ctl.stepBy.value = s.stepBy;
    this.ctl.speed.value = String(s.speed);
    this.ctl.title.textContent = s.title;
    document.title = `${s.title} — IPC Visualiser`;
  }

  /** Open the stacks panel on the newest snapshot and bring it into view. */
  private showStacks(): void {
    this.store.showStacks();
    this.panels.stacksBox.open = true;
    this.panels.stacksBox.scrollIntoView({ block: "nearest" });
  }

  private reveal(t: RevealMessage["target"]): void {
    const s = this.store;
    switch (t.kind) {
      case "diagnosis": {
        const d = s.diagnosis?.deadlocks[0];
        const i = d ? d.at : s.diagnosisIdx[0];
        if (i !== undefined) this.jumpTo(i, d ? d.pids : []);
        this.panels.diagnosis.closest("details")!.open = true;
        // A hang outside the recorded primitives, or any hang with stacks: show them too.
        if (s.stacks.latest()) this.showStacks();
        break;
      }
      case "stacks":
        this.showStacks();
        break;
      case "event":
        s.select(t.index, true);
        this.afterJump();
        break;
      case "process":
        s.hide(t.pid, false);
        s.selectProcess(t.pid);
        break;
      default: {
        const never: never = t;
        void never;
      }
    }
  }

  private async exportImage(id: number, format: "svg" | "png"): Promise<void> {
    this.renderNow();
    try {
      const data = format === "svg" ? this.plot.exportSvg() : await this.plot.exportPng();
      this.host.post({ type: "exportReply", id, format, data });
    } catch (e) {
      this.host.post({ type: "error", message: `Export as ${format.toUpperCase()} failed: ${(e as Error).message}` });
    }
  }

  // ------------------------------------------------------------ navigation

  /** Cursor to i, the view around it, the waiting processes' lanes shown. */
  jumpTo(i: number, pids: number[] = []): void {
    const s = this.store;
    for (const p of pids) s.hide(p, false);
    s.select(i, true);
    this.afterJump();
  }

  private afterJump(): void {
    this.plot.reveal(this.store.cursor);
  }

  private seekX(x: number, center: boolean): void {
    const s = this.store;
    // Nearest event at or before x (any lane).
    let best = -1;
    let bestX = -Infinity;
    for (const ld of s.data.lanes) {
      if (!ld) continue;
      const [lo, hi] = s.data.laneRange(ld, -Infinity, x);
      if (hi > lo && ld.xs.data[hi - 1] >= bestX) {
        const i = s.model.processLane(ld.pid)!.events[hi - 1];
        if (ld.xs.data[hi - 1] > bestX || i > best) best = i;
        bestX = ld.xs.data[hi - 1];
      }
    }
    s.setCursor(best);
    if (center && s.domain) {
      const span = s.domain.x1 - s.domain.x0;
      s.setDomain({ x0: x - span / 2, x1: x + span / 2 });
    }
  }

  private onHeaderClick(e: MouseEvent): void {
    const t = e.target as HTMLElement;
    const hdr = t.closest<HTMLElement>("[data-lane-header]");
    if (!hdr) return;
    const pid = Number(hdr.dataset.laneHeader);
    const s = this.store;
    if (t.closest(".lh-collapse")) s.toggleCollapsed(pid);
    else if (t.closest(".lh-up")) s.setManualOrder(moveLane(s.laneOrderPids(), pid, -1));
    else if (t.closest(".lh-down")) s.setManualOrder(moveLane(s.laneOrderPids(), pid, 1));
    else if (t.closest(".lh-hide")) s.hide(pid, true);
    else {
      s.selectProcess(pid);
      this.host.post({ type: "selectProcess", pid });
    }
  }

  // ------------------------------------------------------------ play

  togglePlay(): void {
    if (this.store.playing) this.stopPlay();
    else this.startPlay();
  }

  private startPlay(): void {
    const s = this.store;
    if (s.cursor >= s.model.length - 1) s.setCursor(-1);
    s.playing = true;
    const perTick = Math.max(1, Math.round(s.speed / 50));
    const interval = Math.max(20, 1000 / s.speed);
    this.playTimer = window.setInterval(() => {
      for (let k = 0; k < perTick; k++) {
        if (!s.stepCursor(1)) {
          this.stopPlay();
          break;
        }
      }
      this.afterJump();
    }, interval);
    s.changed("play");
  }

  private stopPlay(): void {
    if (this.playTimer !== null) clearInterval(this.playTimer);
    this.playTimer = null;
    this.store.playing = false;
    this.store.changed("play");
  }

  // ------------------------------------------------------------ render

  requestRender(themeChanged = false): void {
    if (themeChanged) {
      for (const c of ["data", "lanes"] as Change[]) this.dirtyPanels.add(c);
    }
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  /** Draw now (tests and benchmarks call it through the hook). */
  renderNow(): void {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
    }
    this.store.flush();
    const s = this.store;
    this.plot.render();
    this.overview.render(this.plot.plotWidth, this.plot.shown);
    const d = this.dirtyPanels;
    this.dirtyPanels = new Set();
    if (d.has("cursor") || d.has("data")) renderInspector(this.panels.inspector, s);
    if (d.has("selection") || d.has("data")) renderDetails(this.panels.details, s, this.host);
    if (d.has("diagnosis") || d.has("stacks")) renderDiagnosis(this.panels.diagnosis, s, (i, pids) => this.jumpTo(i, pids), () => this.showStacks());
    if (d.has("stacks") || d.has("diagnosis") || d.has("data")) {
      renderStacks(this.panels.stacks, s, this.host);
      this.root.dataset.stacks = String(s.latestStacks()?.request ?? "");
      this.root.dataset.noProgress = s.noProgress() ? "1" : "";
    }
    // The legend says nothing about the domain shown: only new data can change it (and then
    // only when a kind, channel, lock or name is new: renderLegend compares).
    if (d.has("data"))
      renderLegend(this.panels.legend, s, (q) => {
        this.ctl.search.value = q;
        s.setQuery(q);
      });
    this.renderControls();
    const sc = this.plot.scene;
    const r = this.root;
    r.dataset.cursor = String(s.cursor);
    r.dataset.events = String(s.model.length);
    r.dataset.arrows = String(sc?.counts.arrows ?? 0);
    r.dataset.lanes = String(sc?.counts.lanes ?? 0);
    r.dataset.blockedCount = String(sc?.counts.blocks ?? 0);
    r.dataset.lockHoldCount = String(sc?.counts.holds ?? 0);
    r.dataset.render = sc?.dense ? "canvas" : "svg";
    r.dataset.layout = s.mode;
    r.dataset.live = String(s.live);
    r.dataset.selected = String(s.selected);
    r.dataset.deadlocks = String(s.diagnosis?.deadlocks.length ?? 0);
    r.dataset.theme = this.theme.kind;
  }

  private renderControls(): void {
    const s = this.store;
    const c = this.ctl;
    const n = s.model.length;
    setText(c.play, s.playing ? "❚❚" : "▶");
    c.follow.classList.toggle("on", s.follow && s.live);
    setHidden(c.follow, !s.live);
    setHidden(c.stop, !(s.live && this.host.kind === "vscode" && !s.options.readOnly));
    setHidden((this.exportSelect ??= this.root.querySelector(".export-select") as HTMLElement), this.host.kind !== "vscode");
    const t = s.cursor >= 0 ? formatX("time", s.model.t(s.cursor), 1e6) : "–";
    setText(c.pos, s.cursor >= 0 ? `event ${s.cursor + 1} of ${n} · ${t}` : `before the first event (${n} events)`);
    const st = s.status;
    const parts: string[] = [];
    if (s.live) parts.push(st ? `${st.state} (${st.processes} process${st.processes === 1 ? "" : "es"} alive)` : "running");
    if (s.live && st?.note) parts.push(st.note);
    else if (s.finishedReason) parts.push(s.finishedReason);
    if (this.countN !== n) this.countText = `${(this.countN = n).toLocaleString("en")} events`;
    parts.push(this.countText);
    if (s.model.held) parts.push(`${s.model.held} waiting for their send`);
    setText(c.status, parts.join(" · "));
    const nothing = n === 0 && !s.live;
    setHidden(c.empty, !nothing);
    if (nothing) {
      setText(c.emptyText, s.finishedReason
        ? `Nothing was recorded: ${s.finishedReason}.`
        : `No run to show here${s.title ? ` (${s.title})` : ""}. Visualise IPC runs the Python or Node program in the active editor and shows each process as a lane, with its messages, locks and values.`);
      setHidden(c.emptyActions, this.host.kind !== "vscode");
    }
    const m = s.matches;
    setText(c.matchInfo, m ? `${m.length} match${m.length === 1 ? "" : "es"}` : "");
    const hidden = s.hidden.size;
    setHidden(c.showHidden, hidden === 0 && !s.onlyMatchingLanes);
    setText(c.showHidden, `Show all lanes${hidden ? ` (${hidden} hidden)` : ""}`);
    const dl = s.diagnosis;
    const stuck = s.noProgress() !== null;
    const cnt = (dl ? dl.deadlocks.length + dl.potentialDeadlocks.length + dl.hazards.length : 0) + (stuck ? 1 : 0);
    setText(c.diagCount, cnt ? String(cnt) : "");
    c.diagCount.classList.toggle("error", (!!dl && dl.deadlocks.length > 0) || stuck);
  }

  /** Post `ready` (the host answers with a snapshot). */
  ready(): void {
    this.host.post({ type: "ready", protocol: PROTOCOL_VERSION });
  }
}

/**
 * Set a control's text or visibility only when it differs: the controls are refreshed every
 * frame, and each write would invalidate the page's style and layout.
 */
function setText(e: HTMLElement, v: string): void {
  if (e.textContent !== v) e.textContent = v;
}

function setHidden(e: HTMLElement, v: boolean): void {
  if (e.hidden !== v) e.hidden = v;
}
