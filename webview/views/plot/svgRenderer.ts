/**
 * The SVG renderer of the plot: lanes, and — while few enough events are in view — blocked spans,
 * lock holds, arrows and event marks as elements carrying the stable test hooks (`data-*`); then
 * search matches, the diagnosis overlay, the cursor and the selection, in every mode.
 */

import { select, type Selection } from "d3";
import { RECV_KINDS, SEND_KINDS } from "../../../trace/format";
import { arrowHeadPath, arrowPath, arrowGeometry } from "../../layout/arrows";
import { ARROW_STYLE, arrowColourVar, LockColours } from "../../layout/palette";
import { toView } from "../../layout/scale";
import { blockLabel, clip, exitLabel, lockName } from "../../layout/labels";
import type { StuckProcess } from "../../../trace/analysis/stacks";
import type { LaneBox } from "../../layout/lanes";
import type { Store } from "../../store";
import { SVG_NS, type Frame } from "./frame";
import { Keyed, memo, setAttr, setStyle, setText } from "./keyed";

type SVGSel = Selection<SVGGElement, unknown, null, undefined>;

export class SvgRenderer {
  readonly svg: SVGSVGElement;
  private readonly gLanes: SVGSel;
  private readonly gBlocks: SVGSel;
  private readonly gHolds: SVGSel;
  private readonly gArrows: SVGSel;
  private readonly gMarks: SVGSel;
  private readonly gMatches: SVGSel;
  private readonly gDiag: SVGSel;
  private readonly gOverlay: SVGSel;
  private labelCache = new Map<number, string>();
  private labelCacheLen = -1;
  private readonly blocks: Keyed;
  private readonly holds: Keyed;
  private readonly arrows: Keyed;
  private readonly marks: Keyed;
  private readonly lanes: Keyed;
  /** The domain's origin and scale the per-event layers are drawn in (see drawContent). */
  private base = { x0: 0, k: NaN, w: 0 };

  constructor(
    private readonly store: Store,
    parent: HTMLElement,
  ) {
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.classList.add("plot-svg");
    parent.appendChild(this.svg);
    const root = select(this.svg);
    const defs = root.append("defs");
    const pat = defs.append("pattern").attr("id", "ipcviz-hatch").attr("width", 6).attr("height", 6).attr("patternUnits", "userSpaceOnUse").attr("patternTransform", "rotate(45)");
    pat.append("rect").attr("class", "hatch-line").attr("width", 2).attr("height", 6);
    this.gLanes = root.append("g").attr("class", "g-lanes");
    this.gBlocks = root.append("g").attr("class", "g-blocks");
    this.gHolds = root.append("g").attr("class", "g-holds");
    this.gArrows = root.append("g").attr("class", "g-arrows");
    this.gMarks = root.append("g").attr("class", "g-marks");
    this.gMatches = root.append("g").attr("class", "g-matches");
    this.gDiag = root.append("g").attr("class", "g-diag");
    this.gOverlay = root.append("g").attr("class", "g-overlay");
    this.blocks = new Keyed(this.gBlocks.node()!, "g", ["rect.blocked-rect", "text.blocked-label"]);
    this.holds = new Keyed(this.gHolds.node()!, "g", ["rect.hold-rect", "text.hold-label"]);
    this.arrows = new Keyed(this.gArrows.node()!, "g", ["path.arrow-line", "path.arrow-head"]);
    this.marks = new Keyed(this.gMarks.node()!, "path", []);
    this.lanes = new Keyed(this.gLanes.node()!, "g", ["rect.lane-bg", "line.lifeline", "circle.lane-start r=3", "rect.lane-end width=3", "text.lane-exit", "text.lane-paused text-anchor=end"], true);
  }

  /** Size the SVG to the frame. */
  size(f: Frame): void {
    this.svg.setAttribute("width", String(f.width));
    this.svg.setAttribute("height", String(f.height));
  }

  /** Remove the per-event layers (spans, arrows, marks): the canvas draws them. */
  clearContent(): void {
    for (const p of [this.blocks, this.holds, this.arrows, this.marks]) p.clear();
  }

  private blockText(begin: number): string {
    const m = this.store.model;
    if (this.labelCacheLen !== m.length) {
      // Object names can change as the run goes on (created later): refresh with the data.
      this.labelCache.clear();
      this.labelCacheLen = m.length;
    }
    let t = this.labelCache.get(begin);
    if (t === undefined) {
      t = blockLabel(m.head, m.event(begin));
      this.labelCache.set(begin, t);
    }
    return t;
  }

  private lockId(slot: number): string {
    return this.store.data.locks.ids[slot] ?? "?";
  }

  /** Lanes: band, lifeline, start and end marks, exit status, debugger pause (only changes written). */
  drawLanes(f: Frame): void {
    const w = f.width;
    const head = this.store.model.head;
    const sel = this.store.selectedPid;
    const paused = this.store.paused;
    const cx = (x: number) => Math.max(-10, Math.min(w + 10, x));
    this.lanes.update(f.scene.lanes, (d) => d.pid, (e, d) => {
      const [bg, life, start, end, exit, pausedText] = e.kids;
      const box = d.box;
      const midY = box.y + box.h / 2;
      setAttr(e.el, "data-lane", d.pid);
      setAttr(e.el, "class", "lane" + (d.pid === sel ? " selected" : "") + (box.collapsed ? " collapsed" : "") + (paused.has(d.pid) ? " paused" : ""));
      setAttr(bg, "x", 0);
      setAttr(bg, "y", box.y - 2);
      setAttr(bg, "width", w);
      setAttr(bg, "height", box.h + 4);
      setAttr(life, "x1", cx(d.x0));
      setAttr(life, "x2", cx(d.x1));
      setAttr(life, "y1", midY);
      setAttr(life, "y2", midY);
      setAttr(start, "cx", d.x0);
      setAttr(start, "cy", midY);
      setAttr(start, "display", d.x0 >= -5 && d.x0 <= w + 5 ? null : "none");
      setAttr(end, "x", d.x1 - 1);
      setAttr(end, "y", box.y + 2);
      setAttr(end, "height", Math.max(2, box.h - 4));
      setAttr(end, "display", d.ended && d.x1 >= -5 && d.x1 <= w + 5 ? null : "none");
      const right = d.x1 + 5 > w - 90;
      setAttr(exit, "x", right ? Math.min(d.x1, w) - 6 : d.x1 + 5);
      setAttr(exit, "y", midY + (right ? -5 : 4));
      setAttr(exit, "text-anchor", right ? "end" : "start");
      const label = exitLabel(head.processes.get(d.pid));
      setText(exit, d.ended && !box.collapsed ? label ?? "" : "");
      setAttr(exit, "class", label !== null && label !== "exit 0" && label !== "exit ?" ? "lane-exit bad" : "lane-exit");
      setAttr(exit, "display", d.ended && d.x1 <= w + 5 && d.x1 >= -100 ? null : "none");
      setAttr(pausedText, "x", Math.min(Math.max(4, d.x1 - 4), w - 4));
      setAttr(pausedText, "y", box.y + 10);
      const p = paused.get(d.pid);
      setText(pausedText, p ? `❚❚ paused at ${p.file ? p.file.split(/[\\/]/).pop() : "?"}:${p.line ?? "?"}` : "");
    });
  }

  /**
   * Blocked spans, lock holds, arrows and event marks as SVG elements with the test hooks. Each
   * element is kept while its item stays in view (keyed by slot or event index) and only the
   * attributes whose value changed are set again (a pan changes positions, nothing else).
   */
  drawContent(f: Frame): void {
    const scene = f.scene;
    const m = this.store.model;
    const sel = this.store.selected;
    const selArrow = sel >= 0 ? this.store.data.arrowOf(sel) : -1;
    const fw = f.width;
    // The layers are drawn in the coordinates of a base domain and moved by one translation: a
    // pan (same scale) changes that translation and what crosses the plot's edges, nothing else.
    const k = fw / (f.domain.x1 - f.domain.x0);
    let tx = (this.base.x0 - f.domain.x0) * k;
    if (!(this.base.w === fw && Math.abs(this.base.k - k) <= 1e-9 * k && Math.abs(tx) < 1e6)) {
      this.base = { x0: f.domain.x0, k, w: fw };
      tx = 0;
    }
    const shift = tx ? `translate(${q(tx)},0)` : null;
    for (const g of [this.gBlocks, this.gHolds, this.gArrows, this.gMarks]) setAttr(g.node()!, "transform", shift);
    const lx = (x: number) => q(x - tx);
    // Blocked spans.
    this.blocks.update(scene.blocks, (d) => d.slot, (e, d, fresh) => {
      const [rect, label] = e.kids;
      if (fresh || memo(e.el).begin !== d.begin) {
        memo(e.el).begin = d.begin;
        const ev = m.event(d.begin) as { obj?: string; op?: string };
        setAttr(e.el, "data-blocked", ev.obj ?? "");
        setAttr(e.el, "data-op", ev.op ?? "");
        setAttr(e.el, "data-begin", d.begin);
      }
      setAttr(e.el, "class", d.end < 0 ? (d.lockSlot >= 0 ? "blocked open lock-wait" : "blocked open") : d.lockSlot >= 0 ? "blocked lock-wait" : "blocked");
      const x0 = Math.max(-2, d.x0);
      setAttr(rect, "x", lx(x0));
      setAttr(rect, "y", d.y + (d.h > 16 ? d.h * 0.3 : 0));
      setAttr(rect, "width", q(Math.max(2, Math.min(fw + 2, d.x1) - x0)));
      setAttr(rect, "height", d.h > 16 ? d.h * 0.7 : d.h);
      setStyle(rect, "stroke", d.lockSlot >= 0 ? `var(${LockColours.varOf(d.lockSlot)})` : null);
      setAttr(label, "x", lx(Math.max(2, d.x0) + 3));
      setAttr(label, "y", d.y + d.h - 4);
      const w = Math.min(fw, d.x1) - Math.max(0, d.x0);
      setText(label, d.h < 20 || w < 40 ? "" : clip("waits: " + this.blockText(d.begin), Math.floor(w / 6.2)));
    });
    // Lock holds.
    this.holds.update(scene.holds, (d) => d.slot, (e, d) => {
      const [rect, label] = e.kids;
      setAttr(e.el, "class", "hold");
      setAttr(e.el, "data-lock-hold", this.lockId(d.lockSlot));
      setAttr(e.el, "data-acquire", d.acquire);
      setAttr(e.el, "data-depth", d.depth);
      const x0 = Math.max(-2, d.x0);
      setAttr(rect, "x", lx(x0));
      setAttr(rect, "y", d.y);
      setAttr(rect, "width", q(Math.max(2, Math.min(fw + 2, d.x1) - x0)));
      setAttr(rect, "height", d.h);
      setStyle(rect, "fill", `var(${LockColours.varOf(d.lockSlot)})`);
      setAttr(label, "x", lx(Math.max(2, d.x0) + 2));
      setAttr(label, "y", d.y + d.h - 1);
      const w = Math.min(fw, d.x1) - Math.max(0, d.x0);
      if (d.h < 8 || w < 30) setText(label, "");
      else setText(label, clip(`${lockName(this.store.model.head, this.lockId(d.lockSlot), d.pid)}${d.depth > 1 ? ` ×${d.depth}` : ""}`, Math.floor(w / 6)));
    });
    // Arrows.
    this.arrows.update(scene.arrows, (d) => d.slot, (e, d, fresh) => {
      const [line, headEl] = e.kids;
      const mm = memo(e.el);
      if (fresh || mm.send !== d.send || mm.recv !== d.recv) {
        mm.send = d.send;
        mm.recv = d.recv;
        setAttr(e.el, "data-arrow", (m.event(d.send) as { msg?: string }).msg ?? String(d.send));
        setAttr(e.el, "data-send", d.send);
        setAttr(e.el, "data-recv", d.recv);
        setAttr(e.el, "data-class", d.cls);
      }
      const flags = (d.inFlight ? 1 : 0) | (d.future ? 2 : 0) | (d.slot === selArrow ? 4 : 0) | (selArrow >= 0 && d.slot !== selArrow ? 8 : 0);
      if (mm.flags !== flags) {
        mm.flags = flags;
        e.el.setAttribute("class", "arrow" + (flags & 1 ? " in-flight" : "") + (flags & 2 ? " future" : "") + (flags & 4 ? " selected" : "") + (flags & 8 ? " faded" : ""));
      }
      const g = d.g;
      // The path data only when the geometry moved in the layer's coordinates (a zoom moves it; a
      // pan or a cursor step does not).
      const x1 = lx(g.x1);
      const x2 = lx(g.x2);
      const cx = lx(g.cx);
      if (fresh || mm.x1 !== x1 || mm.y1 !== g.y1 || mm.x2 !== x2 || mm.y2 !== g.y2 || mm.cx !== cx || mm.cy !== g.cy) {
        mm.x1 = x1;
        mm.y1 = g.y1;
        mm.x2 = x2;
        mm.y2 = g.y2;
        mm.cx = cx;
        mm.cy = g.cy;
        const local = { ...g, x1, x2, cx };
        setAttr(line, "d", arrowPath(local));
        setAttr(headEl, "d", arrowHeadPath(local, 7));
      }
      const colour = `var(${arrowColourVar(d.cls, d.channel)})`;
      setStyle(line, "stroke", colour);
      setStyle(line, "stroke-dasharray", d.inFlight ? "3 3" : ARROW_STYLE[d.cls].dash.join(" ") || null);
      setStyle(headEl, "fill", colour);
    });
    // Event marks (value writes as diamonds).
    this.marks.update(scene.canvasMarks ? [] : scene.marks, (d) => d.index, (e, d, fresh) => {
      const kind = m.kind(d.index);
      if (fresh) setAttr(e.el, "data-event", d.index);
      setAttr(e.el, "class", "mark " + markClass(kind) + (d.index === sel ? " selected" : ""));
      const mm = memo(e.el);
      const x = lx(d.x);
      if (fresh || mm.x !== x || mm.y !== d.y) {
        mm.x = x;
        mm.y = d.y;
        setAttr(e.el, "d", markPath(kind, x, d.y));
      }
    });
  }

  /** Search matches in view (at most 2000). */
  drawMatches(f: Frame): void {
    const scene = f.scene;
    const s = this.store;
    const matches = s.matches;
    const items: Array<{ i: number; x: number; y: number }> = [];
    if (matches && matches.length) {
      const d = f.domain;
      const boxOf = new Map(f.boxes.map((b) => [b.pid, b]));
      // Matches in view (at most 2000 drawn).
      for (let k = 0; k < matches.length && items.length < 2000; k++) {
        const i = matches[k];
        const x = s.data.xOf(i);
        if (x < d.x0 || x > d.x1) continue;
        const b = boxOf.get(s.model.pid(i));
        if (!b) continue;
        items.push({ i, x: toView(d, scene.width, x), y: b.y + b.h / 2 });
      }
    }
    this.gMatches
      .selectAll<SVGCircleElement, (typeof items)[number]>("circle.match")
      .data(items, (d) => String(d.i))
      .join("circle")
      .attr("class", "match")
      .attr("data-match", (d) => d.i)
      .attr("cx", (d) => d.x)
      .attr("cy", (d) => d.y)
      .attr("r", 6);
  }

  /**
   * Keep the diagnosis labels (DEADLOCK/STALL, NO PROGRESS) off the lane labels drawn before them
   * (a lane's exit label, a wait's label) and off each other: a label that overlaps one is moved
   * to the first free place among its lane's other rows (its top, its bottom, just above it), then
   * to the left of what it overlaps; where none is free it stays in its row, moved inside the plot
   * (its halo keeps it readable). One wider than the plot is cut to fit, with "…".
   * A lane ending at the plot's right edge puts its exit label where these labels go (e.g. a hanging
   * run whose recorder died, restored in a narrow view).
   */
  separateLabels(width: number): void {
    type Box = { x: number; y: number; w: number; h: number };
    const boxOf = (el: SVGGraphicsElement): Box | null => {
      if (el.getAttribute("display") === "none" || !el.textContent) return null;
      try {
        const b = el.getBBox();
        return b.width > 0 ? { x: b.x, y: b.y, w: b.width, h: b.height } : null;
      } catch {
        return null; // not laid out (a hidden view)
      }
    };
    // Overlap: closer than 2 px side by side, or their boxes share more than 2 px of height (a
    // text's box has room below the baseline: touching boxes do not touch glyphs).
    const hits = (a: Box, b: Box) => a.x < b.x + b.w + 2 && b.x < a.x + a.w + 2 && a.y + 2 < b.y + b.h && b.y + 2 < a.y + a.h;
    // Nothing to move without a diagnosis label: skip measuring the others (getBBox forces a layout).
    const labels = this.gDiag.node()!.querySelectorAll<SVGTextElement>("text.deadlock-label, text.no-progress-label");
    if (labels.length === 0) return;
    const placed: Box[] = [];
    for (const el of this.svg.querySelectorAll<SVGTextElement>("text.lane-exit, text.blocked-label, text.hold-label")) {
      const b = boxOf(el);
      if (b) placed.push(b);
    }
    for (const el of labels) {
      // Wider than the plot (a narrow view): cut it to fit, with "…"; the full text is its tooltip.
      let b = boxOf(el);
      if (b && b.w > width - 8 && fitText(el, width - 8)) b = boxOf(el);
      if (!b) continue;
      const inPlot = (c: Box) => c.x >= 0 && c.x + c.w <= width;
      if (inPlot(b) && !placed.some((p) => hits(b, p))) {
        placed.push(b);
        continue;
      }
      const laneY = Number(el.getAttribute("data-lane-y"));
      const laneH = Number(el.getAttribute("data-lane-h"));
      const anchorEnd = el.getAttribute("text-anchor") === "end";
      // Rows: where it is, the lane's top, its bottom, just above it; places in a row: where it
      // is (kept inside the plot), left of what it hits, at the plot's right edge, at its left edge.
      const rows = [b.y, laneY, laneY + laneH - b.h, laneY - 3 - b.h].filter((y) => y >= 0);
      const blockers = placed.filter((p) => hits(b, p));
      const xs = [Math.max(2, Math.min(b.x, width - 4 - b.w)), ...blockers.map((p) => p.x - 8 - b.w), width - 4 - b.w, 2].filter((x) => x >= 0);
      let spot: Box | null = null;
      for (const y of rows) {
        for (const x of xs) {
          const c = { x, y, w: b.w, h: b.h };
          if (inPlot(c) && !placed.some((p) => hits(c, p))) {
            spot = c;
            break;
          }
        }
        if (spot) break;
      }
      if (!spot) {
        // Nowhere free: it stays in its row, inside the plot (its halo keeps it readable).
        const x = Math.max(2, Math.min(b.x, width - 4 - b.w));
        spot = { x, y: b.y, w: b.w, h: b.h };
      }
      el.setAttribute("x", String(anchorEnd ? spot.x + spot.w : spot.x));
      el.setAttribute("y", String(Number(el.getAttribute("y")) + (spot.y - b.y)));
      placed.push(spot);
    }
  }

  /** "No progress" (trace/analysis/stacks.ts): on each stuck lane, where it waits, from its stacks. */
  drawNoProgress(f: Frame): void {
    const np = this.store.noProgress();
    const head = this.store.model.head;
    const boxOf = new Map(f.boxes.map((b) => [b.pid, b]));
    // A child that never connected recorded nothing, so it has no lane of its own: its label goes
    // on the lane of the process that started it (else the first lane), below that lane's own.
    const items: { p: StuckProcess; box: LaneBox; own: boolean; row: number }[] = [];
    const rows = new Map<number, number>();
    const stuck = np?.processes ?? [];
    // Lanes' own labels first (row 0), then the guests'.
    for (const p of [...stuck.filter((q) => boxOf.has(q.pid)), ...stuck.filter((q) => !boxOf.has(q.pid))]) {
      const own = boxOf.get(p.pid);
      const box = own ?? boxOf.get(head.processes.get(p.pid)?.ppid ?? -1) ?? f.boxes[0];
      if (!box) continue;
      const row = rows.get(box.pid) ?? 0;
      rows.set(box.pid, row + 1);
      items.push({ p, box, own: own !== undefined, row });
    }
    const w = f.scene.width;
    this.gDiag
      .selectAll<SVGTextElement, (typeof items)[number]>("text.no-progress-label")
      .data(items, (x) => String(x.p.pid))
      .join("text")
      .attr("class", "no-progress-label")
      .attr("data-no-progress-pid", (x) => x.p.pid)
      .attr("data-on-lane", (x) => x.box.pid)
      .attr("data-lane-y", (x) => x.box.y)
      .attr("data-lane-h", (x) => x.box.h)
      .attr("x", w - 6)
      .attr("y", (x) => x.box.y + x.box.h * 0.62 + x.row * 11)
      .attr("text-anchor", "end")
      .text(({ p, own }) => {
        const at = p.site ? p.site.slice(p.site.lastIndexOf("/") + 1) : "?";
        if (p.how === "not-connected") return clip(own ? `NO PROGRESS: never finished starting (started at ${at}; not connected)` : `NO PROGRESS: ${p.process} never finished starting (started at ${at})`, 90);
        return clip(`NO PROGRESS: ${own ? "" : `${p.process} `}${p.how === "spinning" ? "spins" : "waits"}${p.call ? ` in ${p.call}` : ""} at ${at}`, 90);
      });
  }

  /** Deadlocks and stalls: the waits outlined, who waits for whom as arrows, a label. */
  drawDiagnosis(f: Frame): void {
    const scene = f.scene;
    const s = this.store;
    const dl = s.diagnosis?.deadlocks ?? [];
    const boxOf = new Map(f.boxes.map((b) => [b.pid, b]));
    const d = f.domain;
    const w = scene.width;
    const vx = (x: number) => toView(d, w, x);
    const head = s.model.head;
    const groups = this.gDiag
      .selectAll<SVGGElement, (typeof dl)[number]>("g.deadlock")
      .data(dl)
      .join("g")
      .attr("class", (x) => "deadlock " + x.kind)
      .attr("data-deadlock", (_x, k) => k)
      .attr("data-deadlock-kind", (x) => x.kind)
      .classed("future", (x) => s.cursor < x.at);
    groups.each((dead, k, nodes) => {
      const g = select(nodes[k]);
      g.selectAll("*").remove();
      const atX = vx(s.data.xOf(dead.at));
      const laneEnd = (pid: number) => {
        const ld = s.data.laneOf(pid);
        if (!ld) return atX;
        const [, last] = s.data.laneExtent(ld);
        return vx(head.processes.get(pid)?.exit ? last : Math.max(last, s.data.maxX));
      };
      // The waits: a red outline around each waiting span.
      for (const wr of dead.waits) {
        const b = boxOf.get(wr.pid);
        if (!b) continue;
        const x0 = vx(s.data.xOf(wr.since));
        const x1 = Math.max(x0 + 6, laneEnd(wr.pid));
        g.append("rect")
          .attr("class", wr.member === false ? "deadlock-wait also-blocked" : "deadlock-wait")
          .attr("data-deadlock-pid", wr.pid)
          .attr("x", Math.max(-4, x0) - 2)
          .attr("y", b.y - 2)
          .attr("width", Math.max(4, Math.min(w + 4, x1) - Math.max(-4, x0) + 4))
          .attr("height", b.h + 4)
          .attr("rx", 3);
      }
      // The cycle (or who is owed): an arrow from each waiter to the process that holds what it
      // waits for, in a column inside the waits (where they all overlap), kept in view.
      let startMax = -Infinity;
      let endMin = Infinity;
      for (const wr of dead.waits) {
        if (!boxOf.get(wr.pid)) continue;
        startMax = Math.max(startMax, vx(s.data.xOf(wr.since)));
        endMin = Math.min(endMin, laneEnd(wr.pid));
      }
      if (!Number.isFinite(startMax)) startMax = atX;
      if (!Number.isFinite(endMin) || endMin < startMax) endMin = startMax + 80;
      const lo = Math.max(startMax, 0) + 20;
      const hi = Math.min(endMin, w) - 20;
      const colX = hi > lo ? lo + (hi - lo) * 0.35 : Math.min(w - 30, Math.max(30, startMax + 24));
      let n = 0;
      for (const wr of dead.waits) {
        const from = boxOf.get(wr.pid);
        if (!from) continue;
        for (const h of wr.heldBy) {
          const to = boxOf.get(h.pid);
          if (!to || to === from) continue;
          const x = colX + (n++ % 4) * 14;
          const geo = arrowGeometry(x, from.y + from.h / 2, x + 2, to.y + to.h / 2, (to.y > from.y ? 1 : -1) * 22);
          g.append("path").attr("class", "deadlock-edge").attr("d", arrowPath(geo));
          g.append("path").attr("class", "deadlock-head").attr("d", arrowHeadPath(geo, 9));
        }
      }
      const first = dead.waits.map((x) => boxOf.get(x.pid)).find((b) => b);
      if (first) {
        const also = dead.alsoBlocked?.length ? ` · also blocked: ${dead.alsoBlocked.join(", ")}` : "";
        const label = (dead.kind === "cycle" ? `DEADLOCK: ${dead.cycle.join(" → ")} → ${dead.cycle[0] ?? ""}` : `STALL: ${dead.processes.join(", ")} ${dead.processes.length === 1 ? "waits" : "wait"} forever`) + also;
        g.append("text")
          .attr("class", "deadlock-label")
          .attr("data-lane-y", first.y)
          .attr("data-lane-h", first.h)
          .attr("x", Math.min(w - 6, colX + 40))
          .attr("y", Math.max(12, first.y + first.h * 0.62))
          .attr("text-anchor", colX + 40 > w - 300 ? "end" : "start")
          .text(clip(label, 120))
          .append("title")
          .text(dead.short && dead.short !== label ? `${label}\n${dead.short}` : label);
      }
    });
  }

  /** The cursor, everything after it dimmed, the selected event (and in canvas mode its arrow). */
  drawOverlay(f: Frame): void {
    const scene = f.scene;
    const s = this.store;
    const w = scene.width;
    const h = f.height;
    const cx = scene.cursorX;
    const dimX = cx === null ? 0 : Math.max(0, Math.min(w, cx + 1));
    const o = this.gOverlay;
    o.selectAll("rect.dim")
      .data([0])
      .join("rect")
      .attr("class", "dim")
      .attr("x", dimX)
      .attr("y", 0)
      .attr("width", Math.max(0, w - dimX))
      .attr("height", h);
    o.selectAll("line.cursor")
      .data(cx !== null && cx >= -1 && cx <= w + 1 ? [cx] : [])
      .join("line")
      .attr("class", "cursor")
      .attr("x1", (x) => x)
      .attr("x2", (x) => x)
      .attr("y1", 0)
      .attr("y2", h);
    // Selected event: a ring; in canvas mode also its arrow.
    const sel = s.selected;
    const items: Array<{ x: number; y: number }> = [];
    let arrowD: string[] = [];
    if (sel >= 0) {
      const b = f.boxes.find((bb) => bb.pid === s.model.pid(sel));
      const x = toView(f.domain, w, s.data.xOf(sel));
      if (b && x >= -10 && x <= w + 10) items.push({ x, y: b.y + b.h / 2 });
      if (scene.dense) {
        const slot = s.data.arrowOf(sel);
        const a = scene.arrows.find((aa) => aa.slot === slot);
        if (a) arrowD = [arrowPath(a.g)];
      }
    }
    o.selectAll("circle.selection")
      .data(items)
      .join("circle")
      .attr("class", "selection")
      .attr("cx", (d) => d.x)
      .attr("cy", (d) => d.y)
      .attr("r", 7);
    o.selectAll("path.selection-arrow").data(arrowD).join("path").attr("class", "selection-arrow").attr("d", (d) => d);
  }

}

/** A coordinate rounded to 0.01 px (what is drawn; equal when only floating-point noise differs). */
function q(v: number): number {
  return Math.round(v * 100) / 100;
}

/** CSS class of an event mark by kind (sends and receipts: the kinds table's classes). */
function markClass(kind: string): string {
  if (kind === "value.write") return "mark-write";
  if (kind.startsWith("lock.")) return "mark-lock";
  if (kind === "block.begin" || kind === "block.end") return "mark-block";
  if (kind.startsWith("process.")) return "mark-process";
  if (SEND_KINDS.has(kind)) return "mark-send";
  if (RECV_KINDS.has(kind)) return "mark-recv";
  return "mark-other";
}

/** SVG path of an event mark: a tick; a diamond for value writes; a dot for sends and receipts. */
function markPath(kind: string, x: number, y: number): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  if (kind === "value.write") return `M${r(x)},${r(y - 6)}L${r(x + 5)},${r(y)}L${r(x)},${r(y + 6)}L${r(x - 5)},${r(y)}Z`;
  if (SEND_KINDS.has(kind) || RECV_KINDS.has(kind)) return `M${r(x - 3)},${r(y)}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0`;
  return `M${r(x - 0.75)},${r(y - 5)}h1.5v10h-1.5Z`;
}

/**
 * Cut a label's own text (not its <title>) to the longest prefix that, with "…", is at most maxW
 * wide. False when it has no text to cut or cannot be measured.
 */
function fitText(el: SVGTextElement, maxW: number): boolean {
  const node = Array.from(el.childNodes).find((n) => n.nodeType === 3);
  if (!node) return false;
  const full = node.textContent ?? "";
  try {
    let lo = 0;
    let hi = full.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      node.textContent = full.slice(0, mid) + "…";
      if (el.getComputedTextLength() <= maxW) lo = mid;
      else hi = mid - 1;
    }
    node.textContent = lo >= full.length ? full : `${full.slice(0, lo).trimEnd()}…`;
    return true;
  } catch {
    node.textContent = full;
    return false;
  }
}
