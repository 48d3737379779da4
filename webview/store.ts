/**
 * The view's state: the trace model (built incrementally while a run is live), what the view
 * derives from it (ViewData, diagnosis), and the UI state — cursor, selection, layout, zoom
 * domain, lanes collapsed/hidden/reordered, step target, search, debugger pauses. Views read
 * it and call its methods; it tells them what changed. The UI part is saved with the host's
 * setState and restored on reload.
 */

import type { TraceEvent, TraceFooter, TraceHeader } from "../trace/format";
import { TraceModel } from "../trace/model/model";
import type { ModelState } from "../trace/model/state";
import { step, type StepTarget } from "../trace/model/stepping";
import { diagnose, diagnosisIndices } from "../trace/analysis/diagnose";
import { noProgress, StackLog, type NoProgress, type StackSnapshot } from "../trace/analysis/stacks";
import type { Diagnosis } from "../trace/analysis/types";
import { ViewData } from "./layout/viewData";
import { orderLanes, type LaneOrder } from "./layout/lanes";
import type { Domain, LayoutMode } from "./layout/scale";
import { matchEvent, parseQuery } from "./layout/search";
import type { DebugStateMessage, SnapshotMessage, StatusMessage, ViewOptions } from "./protocol";

/** What "jump" (Shift+arrows, the ⟨ ⟩ buttons) steps to. */
export type StepBy = "event" | "process" | "message" | "lock" | "block" | "diagnosis" | "match";

export const STEP_BY: readonly StepBy[] = ["message", "lock", "block", "diagnosis", "process", "match", "event"];

/** UI state kept across reloads (vscode.setState). */
export interface SavedUi {
  v: 1;
  title: string;
  cursor: number;
  follow: boolean;
  selected: number;
  mode: LayoutMode;
  domain: Domain | null;
  collapsed: number[];
  hidden: number[];
  manualOrder: number[];
  laneOrder: LaneOrder;
  stepBy: StepBy;
  query: string;
  onlyMatchingLanes: boolean;
  speed: number;
}

export type Change = "data" | "cursor" | "selection" | "layout" | "lanes" | "search" | "diagnosis" | "status" | "debug" | "play" | "stacks";

export class Store {
  model: TraceModel = new TraceModel(null);
  data: ViewData = new ViewData(this.model, "time");
  title = "IPC Visualiser";
  header: TraceHeader | null = null;
  footer: TraceFooter | null = null;
  options: ViewOptions = {};
  live = false;
  loaded = false;
  finishedReason: string | null = null;

  /** The recorder died and the run's watchdog ended the program (a run.orphaned event): this says so. */
  private noteOrphaned(events: readonly TraceEvent[]): void {
    for (const e of events) {
      if (e.kind === "run.orphaned") {
        const x = e as TraceEvent & { recorderPid?: number; ended?: number };
        this.finishedReason = `the recorder (pid ${x.recorderPid}) died; its watchdog ended ${x.ended} process${x.ended === 1 ? "" : "es"} of the run`;
      }
    }
  }
  status: StatusMessage | null = null;

  cursor = -1;
  /** The cursor follows the newest event (live) until the user moves it. */
  follow = true;
  selected = -1;
  selectedPid: number | null = null;
  mode: LayoutMode = "time";
  /** Null: fit the whole run. */
  domain: Domain | null = null;
  collapsed = new Set<number>();
  hidden = new Set<number>();
  manualOrder: number[] = [];
  laneOrder: LaneOrder = "appearance";
  stepBy: StepBy = "message";
  query = "";
  onlyMatchingLanes = false;
  /** Causal indices matching the query, ascending (null: no query). */
  matches: Int32Array | null = null;
  matchPids = new Set<number>();
  /** The matches as a list, the model length searched so far and the process names then (see runSearch). */
  private matchList: number[] = [];
  private searchedTo = 0;
  private searchedNames = "";
  playing = false;
  /** Events per second while playing. */
  speed = 20;
  diagnosis: Diagnosis | null = null;
  /** Stack snapshots in the events (docs/trace-format.md, "Stacks"). */
  stacks = new StackLog();
  /** The stacks panel was asked for ("Show All Stacks"): it opens and shows the newest snapshot. */
  stacksWanted = false;
  diagnosisIdx: number[] = [];
  paused = new Map<number, { file: string | null; line: number | null; reason: string }>();

  private cursorState: ModelState | null = null;
  private readonly listeners: Array<(what: Set<Change>) => void> = [];
  private pending = new Set<Change>();
  private scheduled = false;
  private lastDiagnoseLen = -1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly save: (s: SavedUi) => void = () => {}) {}

  onChange(fn: (what: Set<Change>) => void): void {
    this.listeners.push(fn);
  }

  /** Note a change; listeners hear about all changes of this task together (microtask). */
  changed(...what: Change[]): void {
    for (const w of what) this.pending.add(w);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Deliver pending changes now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const what = this.pending;
    this.pending = new Set();
    for (const l of this.listeners) l(what);
    // Save the UI state at most every 300 ms (not on every frame of a pan).
    if (this.loaded && this.saveTimer === null) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = null;
        this.save(this.savedUi());
      }, 300);
    }
  }

  // ------------------------------------------------------------ data

  /** Replace everything with a snapshot; `restore` is the saved UI state (same title only). */
  load(msg: SnapshotMessage, restore?: SavedUi): void {
    this.title = msg.title;
    this.header = msg.header;
    this.footer = msg.footer;
    this.options = msg.options ?? {};
    this.live = msg.live;
    this.finishedReason = null;
    this.noteOrphaned(msg.events);
    this.model = new TraceModel(msg.header);
    this.model.append(msg.events);
    if (!msg.live) this.model.finish();
    this.stacks = new StackLog();
    this.stacks.add(msg.events);
    const r = restore && restore.v === 1 && restore.title === msg.title ? restore : undefined;
    this.mode = r?.mode ?? this.options.layout ?? "time";
    this.data = new ViewData(this.model, this.mode);
    this.cursorState = null;
    this.diagnosis = null;
    this.diagnosisIdx = [];
    this.lastDiagnoseLen = -1;
    if (r) {
      this.follow = r.follow;
      this.cursor = Math.min(r.cursor, this.model.length - 1);
      this.selected = r.selected < this.model.length ? r.selected : -1;
      this.domain = r.domain;
      this.collapsed = new Set(r.collapsed);
      this.hidden = new Set(r.hidden);
      this.manualOrder = r.manualOrder;
      this.laneOrder = r.laneOrder;
      this.stepBy = r.stepBy;
      this.query = r.query;
      this.onlyMatchingLanes = r.onlyMatchingLanes;
      this.speed = r.speed || 20;
    } else {
      this.follow = true;
      this.selected = -1;
      this.domain = null;
    }
    if (this.follow) this.cursor = this.model.length - 1;
    this.loaded = true;
    this.runSearch();
    this.diagnoseIfGrown();
    this.changed("data", "cursor", "selection", "layout", "lanes", "search", "diagnosis", "status", "stacks");
  }

  /** The newest complete snapshot, or null. */
  latestStacks(): StackSnapshot | null {
    for (let i = this.stacks.snapshots.length - 1; i >= 0; i--) if (this.stacks.snapshots[i].complete) return this.stacks.snapshots[i];
    return null;
  }

  /**
   * "No progress" on the newest snapshot taken because nothing was recorded, when the model finds
   * no deadlock (trace/analysis/stacks.ts), else null.
   */
  noProgress(): NoProgress | null {
    const s = this.latestStacks();
    if (!s || s.reason !== "hang" || (this.diagnosis?.deadlocks.length ?? 0) > 0) return null;
    // Asked for by the plot, the panels and the header on every frame: judged once per snapshot and model length.
    const memo = this.noProgressMemo;
    if (memo && memo.snapshot === s && memo.events === this.model.length) return memo.result;
    const result = noProgress(s, this.model);
    this.noProgressMemo = { snapshot: s, events: this.model.length, result };
    return result;
  }

  private noProgressMemo: { snapshot: StackSnapshot; events: number; result: NoProgress | null } | null = null;

  /** Open the stacks panel (the host asks for a fresh snapshot when the run is live). */
  showStacks(): void {
    this.stacksWanted = true;
    this.changed("stacks");
  }

  /** Events that arrived (live). */
  append(events: readonly TraceEvent[]): void {
    if (!this.loaded) return;
    this.noteOrphaned(events);
    this.model.append(events);
    const before = this.stacks.snapshots.length;
    const latest = this.stacks.latest();
    const wasComplete = latest?.complete ?? true;
    this.stacks.add(events);
    if (this.stacks.snapshots.length !== before || (latest !== null && latest.complete !== wasComplete)) {
      this.changed("stacks");
      // A hang's snapshot is judged against the model's diagnosis (noProgress): diagnose now, not
      // after the quiet second, or a deadlock reads as "no progress" until then.
      if (this.latestStacks()?.reason === "hang") this.diagnoseIfGrown();
    }
    this.data.update();
    if (this.follow) this.cursor = this.model.length - 1;
    this.cursorState = null;
    if (this.query) this.runSearch(true);
    // Diagnose once the run has been quiet for a second (a hang shows up then), not while streaming.
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.live) this.diagnoseIfGrown();
    }, 1000);
    this.changed("data", "cursor", "lanes");
  }

  /** The run ended. */
  finish(footer: TraceFooter | null, reason: string): void {
    this.footer = footer;
    this.live = false;
    this.finishedReason = reason;
    this.model.finish();
    this.data.update();
    if (this.follow) this.cursor = this.model.length - 1;
    this.cursorState = null;
    if (this.query) this.runSearch();
    this.diagnoseIfGrown();
    this.changed("data", "cursor", "lanes", "status", "diagnosis");
  }

  /** Diagnose the model, unless it has not grown since the last time. */
  private diagnoseIfGrown(): void {
    const n = this.model.length;
    if (n === this.lastDiagnoseLen) return;
    this.lastDiagnoseLen = n;
    try {
      this.diagnosis = diagnose(this.model);
      this.diagnosisIdx = diagnosisIndices(this.diagnosis);
    } catch {
      this.diagnosis = null;
      this.diagnosisIdx = [];
    }
    this.changed("diagnosis");
  }

  setStatus(s: StatusMessage): void {
    this.status = s;
    this.changed("status");
  }

  setDebugState(m: DebugStateMessage): void {
    this.paused = new Map(m.paused.map((p) => [p.pid, { file: p.file, line: p.line, reason: p.reason }]));
    this.changed("debug", "lanes");
  }

  // ------------------------------------------------------------ cursor and stepping

  /** State of the program at the cursor (cached). */
  stateAtCursor(): ModelState {
    if (!this.cursorState || this.cursorState.index !== this.cursor) this.cursorState = this.model.stateAt(this.cursor);
    return this.cursorState;
  }

  /** Move the cursor (by the user: stops following the live end unless at the end). */
  setCursor(i: number, byUser = true): void {
    const n = this.model.length;
    const c = Math.max(-1, Math.min(n - 1, i));
    if (byUser) this.follow = this.live && c === n - 1;
    if (c === this.cursor) return;
    this.cursor = c;
    this.changed("cursor");
  }

  /** Step target for a StepBy. */
  target(by: StepBy): StepTarget | null {
    switch (by) {
      case "event":
        return { kind: "event" };
      case "message":
      case "lock":
      case "block":
        return { kind: by };
      case "diagnosis":
        return { kind: "diagnosis", indices: this.diagnosisIdx };
      case "process": {
        const pid = this.selectedPid ?? (this.cursor >= 0 ? this.model.pid(this.cursor) : null);
        return pid === null ? null : { kind: "process", pid };
      }
      case "match":
        return { kind: "diagnosis", indices: this.matches ?? [] };
      default: {
        const never: never = by;
        return never;
      }
    }
  }

  /** Step the cursor; returns false when there is nothing further. */
  stepCursor(dir: 1 | -1, by: StepBy = "event"): boolean {
    const t = this.target(by);
    if (!t) return false;
    let j = step(this.model, this.cursor, dir, t);
    // Search matches wrap around (as a find in an editor does).
    if (j === null && by === "match" && this.matches && this.matches.length) j = dir === 1 ? this.matches[0] : this.matches[this.matches.length - 1];
    if (j === null) return false;
    this.setCursor(j);
    if (by !== "event") this.select(j, false);
    return true;
  }

  home(): void {
    this.setCursor(this.model.length ? 0 : -1);
  }

  end(): void {
    this.setCursor(this.model.length - 1);
    this.follow = true;
  }

  // ------------------------------------------------------------ selection

  /** Select an event (−1: none). `moveCursor`: also put the cursor there. */
  select(i: number, moveCursor: boolean): void {
    this.selected = i >= 0 && i < this.model.length ? i : -1;
    if (this.selected >= 0) this.selectedPid = this.model.pid(this.selected);
    if (moveCursor && this.selected >= 0) this.setCursor(this.selected);
    this.changed("selection");
  }

  selectProcess(pid: number | null): void {
    this.selectedPid = pid;
    this.changed("selection", "lanes");
  }

  // ------------------------------------------------------------ layout and lanes

  setMode(mode: LayoutMode): void {
    if (mode === this.mode) return;
    // Keep looking at the same events: map the domain through the cursor-independent event range.
    const d = this.domain;
    let range: [number, number] | null = null;
    if (d) range = this.indexRangeOf(d);
    this.mode = mode;
    this.data.setMode(mode);
    this.domain = range ? { x0: this.data.xOf(range[0]), x1: Math.max(this.data.xOf(range[1]), this.data.xOf(range[0]) + 4) } : null;
    this.changed("layout");
  }

  /** Causal index range roughly covering a domain (first and last event inside it). */
  private indexRangeOf(d: Domain): [number, number] | null {
    let lo = Infinity;
    let hi = -Infinity;
    for (const ld of this.data.lanes) {
      if (!ld) continue;
      const [a, b] = this.data.laneRange(ld, d.x0, d.x1);
      if (b <= a) continue;
      const evs = this.model.processLane(ld.pid)!.events;
      lo = Math.min(lo, evs[a]);
      hi = Math.max(hi, evs[b - 1]);
    }
    return Number.isFinite(lo) ? [lo, hi] : null;
  }

  setDomain(d: Domain | null): void {
    this.domain = d;
    this.changed("layout");
  }

  /** Pids in lane order, shown or not. */
  laneOrderPids(): number[] {
    const head = this.model.head;
    const procs = this.model.pids().map((pid) => ({ pid, ppid: head.processes.get(pid)?.ppid ?? null }));
    return orderLanes(procs, this.laneOrder, this.manualOrder);
  }

  /** Pids hidden (by the user, or by "only matching lanes"). */
  hiddenPids(): Set<number> {
    if (!this.onlyMatchingLanes || !this.matches) return this.hidden;
    const h = new Set(this.hidden);
    for (const pid of this.model.pids()) if (!this.matchPids.has(pid)) h.add(pid);
    return h;
  }

  toggleCollapsed(pid: number): void {
    if (this.collapsed.has(pid)) this.collapsed.delete(pid);
    else this.collapsed.add(pid);
    this.changed("lanes");
  }

  hide(pid: number, hidden: boolean): void {
    if (hidden) this.hidden.add(pid);
    else this.hidden.delete(pid);
    this.changed("lanes");
  }

  showAll(): void {
    this.hidden.clear();
    this.onlyMatchingLanes = false;
    this.changed("lanes", "search");
  }

  setManualOrder(order: number[]): void {
    this.manualOrder = order;
    this.changed("lanes");
  }

  setLaneOrder(o: LaneOrder): void {
    this.laneOrder = o;
    this.manualOrder = [];
    this.changed("lanes");
  }

  // ------------------------------------------------------------ search

  setQuery(q: string): void {
    this.query = q;
    this.runSearch();
    this.changed("search", "lanes");
  }

  setOnlyMatchingLanes(v: boolean): void {
    this.onlyMatchingLanes = v;
    this.changed("search", "lanes");
  }

  /**
   * Find the events matching the query. incremental: only the events placed since the last search
   * (the model only ever adds events at the end), unless a process's name has changed since,
   * which `proc:` terms depend on.
   */
  private runSearch(incremental = false): void {
    const terms = parseQuery(this.query);
    if (terms.length === 0) {
      this.matchPids.clear();
      this.matches = null;
      this.matchList = [];
      this.searchedTo = 0;
      return;
    }
    const m = this.model;
    const names = new Map<number, string>();
    for (const pid of m.pids()) names.set(pid, m.processName(pid));
    const namesKey = [...names].join("\n");
    let from = this.searchedTo;
    if (!incremental || namesKey !== this.searchedNames || this.matches === null) {
      from = 0;
      this.matchList = [];
      this.matchPids.clear();
    }
    const out = this.matchList;
    const head = m.head;
    const objectNames = (obj: string, pid: number) => [head.names.get(obj), head.processes.get(pid)?.names.get(obj)];
    for (let i = from; i < m.length; i++) {
      const ev = m.event(i);
      if (matchEvent(terms, ev, names.get(ev.pid) ?? "", objectNames)) {
        out.push(i);
        this.matchPids.add(ev.pid);
      }
    }
    this.searchedTo = m.length;
    this.searchedNames = namesKey;
    this.matches = Int32Array.from(out);
  }

  // ------------------------------------------------------------ saved UI

  savedUi(): SavedUi {
    return {
      v: 1,
      title: this.title,
      cursor: this.cursor,
      follow: this.follow,
      selected: this.selected,
      mode: this.mode,
      domain: this.domain,
      collapsed: [...this.collapsed],
      hidden: [...this.hidden],
      manualOrder: this.manualOrder,
      laneOrder: this.laneOrder,
      stepBy: this.stepBy,
      query: this.query,
      onlyMatchingLanes: this.onlyMatchingLanes,
      speed: this.speed,
    };
  }

}
