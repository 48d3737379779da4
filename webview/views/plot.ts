/**
 * The plot: one lane per process, blocked and lock-holding spans, message arrows, event marks,
 * value writes, the diagnosis overlay, search matches, the cursor (everything after it dimmed)
 * and the lane headers. Drawn as SVG elements (with the stable test hooks) while fewer than
 * SVG_EVENT_LIMIT events are in view, on a canvas beyond. Zoom and pan with d3-zoom (wheel,
 * pinch, drag), x only.
 */

import { select, type Selection } from "d3";
import { zoom as d3zoom, zoomIdentity, type D3ZoomEvent, type ZoomBehavior } from "d3";
import { axisTop } from "d3";
import { scaleLinear } from "d3";
import { arrowHeadPath, arrowHeadPoints, arrowPath, arrowGeometry } from "../layout/arrows";
import { layoutLanes, laneAtY, type LaneBox } from "../layout/lanes";
import { ARROW_STYLE, arrowColourVar, LockColours, type ArrowClass } from "../layout/palette";
import { clampDomain, fitDomain, formatX, MIN_SPAN, panDomain, toTrace, toView, zoomDomain, type Domain } from "../layout/scale";
import { buildScene, type Scene } from "../layout/scene";
import { lowerBound } from "../layout/intervals";
import { blockLabel, clip, exitLabel, lockName, roleLabel, eventSummary } from "../layout/labels";
import { laneIdText } from "../../trace/model/nodeWords";
import type { Store } from "../store";
import type { Theme } from "../theme";
import type { Host } from "../host";

type SVGSel = Selection<SVGGElement, unknown, null, undefined>;

const SVG_NS = "http://www.w3.org/2000/svg";

/** Test-visible counters of the last render. */
export interface RenderInfo {
  ms: number;
  /** Milliseconds per phase of the last render (for the benchmark). */
  phases: Record<string, number>;
  dense: boolean;
  at: number;
  events: number;
}

export class Plot {
  readonly svg: SVGSVGElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly gLanes: SVGSel;
  private readonly gBlocks: SVGSel;
  private readonly gHolds: SVGSel;
  private readonly gArrows: SVGSel;
  private readonly gMarks: SVGSel;
  private readonly gMatches: SVGSel;
  private readonly gDiag: SVGSel;
  private readonly gOverlay: SVGSel;
  private readonly axisSvg: SVGSVGElement;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private lastTransform = zoomIdentity;
  private width = 800;
  private viewportHeight = 400;
  boxes: LaneBox[] = [];
  private totalHeight = 0;
  scene: Scene | null = null;
  info: RenderInfo = { ms: 0, phases: {}, dense: false, at: 0, events: 0 };
  /** The domain the last render showed. */
  shown: Domain = { x0: 0, x1: 1 };
  private liveFitEnd = -Infinity;
  private labelCache = new Map<number, string>();
  private labelCacheLen = -1;

  constructor(
    private readonly store: Store,
    private readonly theme: Theme,
    private readonly host: Host,
    private readonly els: {
      scroll: HTMLElement;
      inner: HTMLElement;
      headers: HTMLElement;
      plot: HTMLElement;
      axis: HTMLElement;
      tooltip: HTMLElement;
    },
    private readonly requestRender: () => void,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "plot-canvas";
    els.plot.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.classList.add("plot-svg");
    els.plot.appendChild(this.svg);
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
    this.axisSvg = document.createElementNS(SVG_NS, "svg");
    this.axisSvg.classList.add("axis-svg");
    els.axis.appendChild(this.axisSvg);

    this.zoomBehavior = d3zoom<SVGSVGElement, unknown>()
      .scaleExtent([1e-9, 1e12])
      .filter((ev: Event) => {
        const e = ev as MouseEvent & WheelEvent;
        if (e.type === "wheel") return true;
        return !e.button && !(e.target as Element)?.closest?.("[data-nozoom]");
      })
      .wheelDelta((ev: WheelEvent) => -ev.deltaY * (ev.deltaMode === 1 ? 0.05 : ev.deltaMode ? 1 : 0.002) * (ev.ctrlKey ? 10 : 1))
      .on("zoom", (ev: D3ZoomEvent<SVGSVGElement, unknown>) => this.onZoom(ev));
    select(this.svg).call(this.zoomBehavior).on("dblclick.zoom", null);
    // Horizontal trackpad scrolling pans (d3-zoom only zooms on wheel).
    this.svg.addEventListener(
      "wheel",
      (e) => {
        if (Math.abs(e.deltaX) > Math.abs(e.deltaY) * 1.5) {
          e.preventDefault();
          e.stopImmediatePropagation();
          this.panBy(-e.deltaX);
        }
      },
      { capture: true, passive: false },
    );
    this.svg.addEventListener("mousemove", (e) => this.onMove(e));
    this.svg.addEventListener("mouseleave", () => this.hideTooltip());
    this.svg.addEventListener("click", (e) => this.onClick(e));

    new ResizeObserver(() => this.measure()).observe(els.scroll);
    this.measure();
  }

  private measure(): void {
    const w = Math.max(100, this.els.plot.clientWidth);
    const h = Math.max(80, this.els.scroll.clientHeight);
    if (w !== this.width || h !== this.viewportHeight) {
      this.width = w;
      this.viewportHeight = h;
      this.requestRender();
    }
  }

  // ------------------------------------------------------------ domain and zoom

  /** The domain to show: the user's, or the whole run (with headroom while live). */
  currentDomain(): Domain {
    const s = this.store;
    const d = s.data;
    if (s.domain) return s.domain;
    if (!Number.isFinite(d.minX)) return fitDomain(0, 1, s.mode);
    let max = d.maxX;
    if (s.live) {
      // Grow in steps so that what is on screen does not creep every frame.
      const span = Math.max(1, d.maxX - d.minX);
      if (max > this.liveFitEnd || this.liveFitEnd - max > span * 0.6) this.liveFitEnd = max + span * 0.25;
      max = this.liveFitEnd;
    }
    return fitDomain(d.minX, max, s.mode);
  }

  /** The whole run (for clamping). */
  private extent(): Domain {
    const d = this.store.data;
    return fitDomain(Number.isFinite(d.minX) ? d.minX : 0, Number.isFinite(d.maxX) ? d.maxX : 1, this.store.mode);
  }

  private onZoom(ev: D3ZoomEvent<SVGSVGElement, unknown>): void {
    const t = ev.transform;
    const prev = this.lastTransform;
    this.lastTransform = t;
    if (!ev.sourceEvent) return;
    const base = this.currentDomain();
    const w = this.width;
    // Pixel p of the new view shows what pixel prev.x + prev.k * (p - t.x) / t.k showed before.
    const p0 = prev.x + (prev.k * (0 - t.x)) / t.k;
    const p1 = prev.x + (prev.k * (w - t.x)) / t.k;
    let d: Domain = { x0: toTrace(base, w, p0), x1: toTrace(base, w, p1) };
    const min = MIN_SPAN[this.store.mode];
    if (d.x1 - d.x0 < min) d = zoomDomain(base, w, (base.x1 - base.x0) / min, (0 - p0) / ((p1 - p0) / w), this.store.mode);
    this.store.setDomain(clampDomain(d, this.extent()));
  }

  /** Zoom by a factor around a view x (default: the cursor, else the middle). */
  zoomBy(factor: number, anchorPx?: number): void {
    const base = this.currentDomain();
    const ax = anchorPx ?? (this.scene?.cursorX !== null && this.scene?.cursorX !== undefined && this.scene.cursorX >= 0 && this.scene.cursorX <= this.width ? this.scene.cursorX : this.width / 2);
    this.store.setDomain(clampDomain(zoomDomain(base, this.width, factor, ax, this.store.mode), this.extent()));
  }

  panBy(dxPx: number): void {
    this.store.setDomain(clampDomain(panDomain(this.currentDomain(), this.width, dxPx), this.extent()));
  }

  /** Show [x0, x1] of trace space. */
  showRange(x0: number, x1: number): void {
    this.store.setDomain(clampDomain({ x0, x1 }, this.extent()));
  }

  /** Make sure event i is in view (pan, keeping the zoom). */
  reveal(i: number): void {
    if (i < 0) return;
    const x = this.store.data.xOf(i);
    const d = this.currentDomain();
    const span = d.x1 - d.x0;
    if (x < d.x0 + span * 0.05 || x > d.x1 - span * 0.05) {
      if (!this.store.domain) return; // fit: everything is in view
      this.store.setDomain({ x0: x - span / 2, x1: x + span / 2 });
    }
  }

  fit(): void {
    this.store.setDomain(null);
  }

  get plotWidth(): number {
    return this.width;
  }

  // ------------------------------------------------------------ render

  render(): void {
    const t0 = performance.now();
    const s = this.store;
    const data = s.data;
    const order = s.laneOrderPids();
    const hidden = s.hiddenPids();
    const lay = layoutLanes(order, s.collapsed, hidden, this.viewportHeight - 2, { maxHeight: 46, minHeight: 24 });
    this.boxes = lay.boxes;
    this.totalHeight = Math.max(lay.height, 40);
    this.els.inner.style.setProperty("height", `${this.totalHeight}px`);
    const domain = this.currentDomain();
    this.shown = domain;
    const head = s.model.head;
    const phases: Record<string, number> = {};
    let tp = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      phases[name] = now - tp;
      tp = now;
    };
    phase("lanes");
    const scene = buildScene({
      data,
      domain,
      width: this.width,
      boxes: this.boxes,
      cursor: s.cursor,
      ended: (pid) => head.processes.get(pid)?.exit != null,
    });
    this.scene = scene;
    phase("scene");
    this.sizeSurfaces();
    this.ctx.clearRect(0, 0, this.width, this.totalHeight);
    this.drawLaneBackgrounds(scene);
    if (scene.dense) {
      this.clearSvgContent();
      this.drawCanvas(scene);
    } else {
      this.drawSvg(scene);
      if (scene.canvasMarks) this.drawCanvasMarks(scene);
    }
    phase("draw");
    this.drawLanesSvg(scene);
    this.drawMatches(scene);
    this.drawDiagnosis(scene);
    this.drawOverlay(scene);
    phase("overlays");
    this.drawAxis(domain);
    this.drawHeaders();
    phase("headers");
    this.info = { ms: performance.now() - t0, phases, dense: scene.dense, at: performance.now(), events: s.model.length };
  }

  private sizeSurfaces(): void {
    const dpr = window.devicePixelRatio || 1;
    const w = this.width;
    const h = this.totalHeight;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.setProperty("width", `${w}px`);
      this.canvas.style.setProperty("height", `${h}px`);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.svg.setAttribute("width", String(w));
    this.svg.setAttribute("height", String(h));
  }

  private clearSvgContent(): void {
    for (const g of [this.gBlocks, this.gHolds, this.gArrows, this.gMarks]) g.selectAll("*").remove();
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

  private drawLanesSvg(scene: Scene): void {
    const w = this.width;
    const head = this.store.model.head;
    const sel = this.store.selectedPid;
    const lanes = this.gLanes
      .selectAll<SVGGElement, (typeof scene.lanes)[number]>("g.lane")
      .data(scene.lanes, (d) => String(d.pid))
      .join((enter) => {
        const g = enter.append("g").attr("class", "lane");
        g.append("rect").attr("class", "lane-bg");
        g.append("line").attr("class", "lifeline");
        g.append("circle").attr("class", "lane-start").attr("r", 3);
        g.append("rect").attr("class", "lane-end").attr("width", 3);
        g.append("text").attr("class", "lane-exit");
        g.append("text").attr("class", "lane-paused");
        return g;
      })
      .attr("data-lane", (d) => d.pid)
      .classed("selected", (d) => d.pid === sel)
      .classed("collapsed", (d) => d.box.collapsed)
      .classed("paused", (d) => this.store.paused.has(d.pid));
    lanes
      .select("rect.lane-bg")
      .attr("x", 0)
      .attr("y", (d) => d.box.y - 2)
      .attr("width", w)
      .attr("height", (d) => d.box.h + 4);
    const cx = (x: number) => Math.max(-10, Math.min(w + 10, x));
    lanes
      .select("line.lifeline")
      .attr("x1", (d) => cx(d.x0))
      .attr("x2", (d) => cx(d.x1))
      .attr("y1", (d) => d.box.y + d.box.h / 2)
      .attr("y2", (d) => d.box.y + d.box.h / 2);
    lanes
      .select("circle.lane-start")
      .attr("cx", (d) => d.x0)
      .attr("cy", (d) => d.box.y + d.box.h / 2)
      .attr("display", (d) => (d.x0 >= -5 && d.x0 <= w + 5 ? null : "none"));
    lanes
      .select("rect.lane-end")
      .attr("x", (d) => d.x1 - 1)
      .attr("y", (d) => d.box.y + 2)
      .attr("height", (d) => Math.max(2, d.box.h - 4))
      .attr("display", (d) => (d.ended && d.x1 >= -5 && d.x1 <= w + 5 ? null : "none"));
    lanes
      .select("text.lane-exit")
      .attr("x", (d) => (d.x1 + 5 > w - 90 ? Math.min(d.x1, w) - 6 : d.x1 + 5))
      .attr("y", (d) => d.box.y + d.box.h / 2 + (d.x1 + 5 > w - 90 ? -5 : 4))
      .attr("text-anchor", (d) => (d.x1 + 5 > w - 90 ? "end" : "start"))
      .text((d) => (d.ended && !d.box.collapsed ? exitLabel(head.processes.get(d.pid)) ?? "" : ""))
      .classed("bad", (d) => {
        const l = exitLabel(head.processes.get(d.pid));
        return l !== null && l !== "exit 0" && l !== "exit ?";
      })
      .attr("display", (d) => (d.ended && d.x1 <= w + 5 && d.x1 >= -100 ? null : "none"));
    lanes
      .select("text.lane-paused")
      .attr("x", (d) => Math.min(Math.max(4, d.x1 - 4), w - 4))
      .attr("y", (d) => d.box.y + 10)
      .attr("text-anchor", "end")
      .text((d) => {
        const p = this.store.paused.get(d.pid);
        return p ? `❚❚ paused at ${p.file ? p.file.split(/[\\/]/).pop() : "?"}:${p.line ?? "?"}` : "";
      });
  }

  private drawSvg(scene: Scene): void {
    const m = this.store.model;
    const sel = this.store.selected;
    const selArrow = sel >= 0 ? this.store.data.arrowOf(sel) : -1;
    // Blocked spans.
    const blocks = this.gBlocks
      .selectAll<SVGGElement, (typeof scene.blocks)[number]>("g.blocked")
      .data(scene.blocks, (d) => String(d.slot))
      .join((enter) => {
        const g = enter.append("g").attr("class", "blocked");
        g.append("rect").attr("class", "blocked-rect");
        g.append("text").attr("class", "blocked-label");
        return g;
      })
      .attr("data-blocked", (d) => (m.event(d.begin) as { obj?: string }).obj ?? "")
      .attr("data-op", (d) => (m.event(d.begin) as { op?: string }).op ?? "")
      .attr("data-begin", (d) => d.begin)
      .classed("open", (d) => d.end < 0)
      .classed("lock-wait", (d) => d.lockSlot >= 0);
    blocks
      .select("rect.blocked-rect")
      .attr("x", (d) => Math.max(-2, d.x0))
      .attr("y", (d) => d.y + (d.h > 16 ? d.h * 0.3 : 0))
      .attr("width", (d) => Math.max(2, Math.min(this.width + 2, d.x1) - Math.max(-2, d.x0)))
      .attr("height", (d) => (d.h > 16 ? d.h * 0.7 : d.h))
      .style("stroke", (d) => (d.lockSlot >= 0 ? `var(${LockColours.varOf(d.lockSlot)})` : null));
    blocks
      .select("text.blocked-label")
      .attr("x", (d) => Math.max(2, d.x0) + 3)
      .attr("y", (d) => d.y + d.h - 4)
      .text((d) => {
        const w = Math.min(this.width, d.x1) - Math.max(0, d.x0);
        if (d.h < 20 || w < 40) return "";
        return clip("waits: " + this.blockText(d.begin), Math.floor(w / 6.2));
      });
    // Lock holds.
    const holds = this.gHolds
      .selectAll<SVGGElement, (typeof scene.holds)[number]>("g.hold")
      .data(scene.holds, (d) => String(d.slot))
      .join((enter) => {
        const g = enter.append("g").attr("class", "hold");
        g.append("rect").attr("class", "hold-rect");
        g.append("text").attr("class", "hold-label");
        return g;
      })
      .attr("data-lock-hold", (d) => this.lockId(d.lockSlot))
      .attr("data-acquire", (d) => d.acquire)
      .attr("data-depth", (d) => d.depth);
    holds
      .select("rect.hold-rect")
      .attr("x", (d) => Math.max(-2, d.x0))
      .attr("y", (d) => d.y)
      .attr("width", (d) => Math.max(2, Math.min(this.width + 2, d.x1) - Math.max(-2, d.x0)))
      .attr("height", (d) => d.h)
      .style("fill", (d) => `var(${LockColours.varOf(d.lockSlot)})`);
    holds
      .select("text.hold-label")
      .attr("x", (d) => Math.max(2, d.x0) + 2)
      .attr("y", (d) => d.y + d.h - 1)
      .text((d) => {
        const w = Math.min(this.width, d.x1) - Math.max(0, d.x0);
        if (d.h < 8 || w < 30) return "";
        const id = lockName(this.store.model.head, this.lockId(d.lockSlot), d.pid);
        return clip(`${id}${d.depth > 1 ? ` ×${d.depth}` : ""}`, Math.floor(w / 6));
      });
    // Arrows.
    const arrows = this.gArrows
      .selectAll<SVGGElement, (typeof scene.arrows)[number]>("g.arrow")
      .data(scene.arrows, (d) => String(d.slot))
      .join((enter) => {
        const g = enter.append("g").attr("class", "arrow");
        g.append("path").attr("class", "arrow-line");
        g.append("path").attr("class", "arrow-head");
        return g;
      })
      .attr("data-arrow", (d) => (m.event(d.send) as { msg?: string }).msg ?? String(d.send))
      .attr("data-send", (d) => d.send)
      .attr("data-recv", (d) => d.recv)
      .attr("data-class", (d) => d.cls)
      .classed("in-flight", (d) => d.inFlight)
      .classed("future", (d) => d.future)
      .classed("selected", (d) => d.slot === selArrow)
      .classed("faded", (d) => selArrow >= 0 && d.slot !== selArrow);
    arrows
      .select("path.arrow-line")
      .attr("d", (d) => arrowPath(d.g))
      .style("stroke", (d) => `var(${arrowColourVar(d.cls, d.channel)})`)
      .style("stroke-dasharray", (d) => (d.inFlight ? "3 3" : ARROW_STYLE[d.cls].dash.join(" ") || null));
    arrows
      .select("path.arrow-head")
      .attr("d", (d) => arrowHeadPath(d.g, 7))
      .style("fill", (d) => `var(${arrowColourVar(d.cls, d.channel)})`);
    // Event marks (value writes as diamonds).
    this.gMarks
      .selectAll<SVGPathElement, (typeof scene.marks)[number]>("path.mark")
      .data(scene.canvasMarks ? [] : scene.marks, (d) => String(d.index))
      .join("path")
      .attr("class", (d) => "mark " + markClass(m.kind(d.index)))
      .attr("data-event", (d) => d.index)
      .attr("d", (d) => markPath(m.kind(d.index), d.x, d.y))
      .classed("selected", (d) => d.index === sel);
  }

  /** Lane bands on the canvas, under everything (every other lane shaded, the selected one marked). */
  private drawLaneBackgrounds(scene: Scene): void {
    const ctx = this.ctx;
    const th = this.theme;
    const sel = this.store.selectedPid;
    const odd = th.get("--vscode-list-hoverBackground", "#2a2d2e");
    const selected = th.get("--vscode-list-inactiveSelectionBackground", "#37373d");
    const hc = th.kind === "high-contrast" || th.kind === "high-contrast-light";
    scene.lanes.forEach((l, k) => {
      const isSel = l.pid === sel;
      if (!isSel && (k % 2 === 0 || hc)) return;
      ctx.fillStyle = isSel ? selected : odd;
      ctx.fillRect(0, l.box.y - 2, this.width, l.box.h + 4);
    });
  }

  private drawCanvas(scene: Scene): void {
    const ctx = this.ctx;
    const th = this.theme;
    const w = this.width;
    const warn = th.get("--vscode-editorWarning-foreground", "#cca700");
    // Blocked spans.
    ctx.globalAlpha = 0.28;
    ctx.fillStyle = warn;
    for (const b of scene.blocks) {
      const x0 = Math.max(-2, b.x0);
      const x1 = Math.min(w + 2, b.x1);
      const y = b.y + (b.h > 16 ? b.h * 0.3 : 0);
      ctx.fillRect(x0, y, Math.max(1, x1 - x0), b.h > 16 ? b.h * 0.7 : b.h);
    }
    ctx.globalAlpha = 1;
    // Lock holds, grouped by colour.
    const bySlot = new Map<number, typeof scene.holds>();
    for (const h of scene.holds) {
      const k = h.lockSlot % 12;
      let l = bySlot.get(k);
      if (!l) bySlot.set(k, (l = []));
      l.push(h);
    }
    for (const [slot, list] of bySlot) {
      ctx.fillStyle = th.get(LockColours.varOf(slot), "#d18616");
      for (const h of list) {
        const x0 = Math.max(-2, h.x0);
        const x1 = Math.min(w + 2, h.x1);
        ctx.fillRect(x0, h.y, Math.max(1, x1 - x0), h.h);
      }
    }
    // Arrows, by class and channel colour.
    const byClass = new Map<string, typeof scene.arrows>();
    for (const a of scene.arrows) {
      const key = `${a.cls} ${arrowColourVar(a.cls, a.channel)}`;
      let l = byClass.get(key);
      if (!l) byClass.set(key, (l = []));
      l.push(a);
    }
    ctx.lineWidth = 1;
    for (const list of byClass.values()) {
      const st = ARROW_STYLE[list[0].cls];
      ctx.strokeStyle = ctx.fillStyle = th.get(arrowColourVar(list[0].cls, list[0].channel), "#3794ff");
      // Many arrows: straight, solid, translucent lines (dashes and curves cost too much there).
      const many = list.length > 1500;
      ctx.globalAlpha = many ? 0.4 : 0.85;
      ctx.setLineDash(many ? [] : st.dash);
      ctx.beginPath();
      for (const a of list) {
        ctx.moveTo(a.g.x1, a.g.y1);
        if (many) ctx.lineTo(a.g.x2, a.g.y2);
        else ctx.quadraticCurveTo(a.g.cx, a.g.cy, a.g.x2, a.g.y2);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      if (!many) {
        ctx.beginPath();
        for (const a of list) {
          const [p, q] = arrowHeadPoints(a.g, 6);
          ctx.moveTo(a.g.x2, a.g.y2);
          ctx.lineTo(p.x, p.y);
          ctx.lineTo(q.x, q.y);
          ctx.closePath();
        }
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
    this.drawCanvasMarks(scene);
  }

  /** Event marks on the canvas: ticks, merged into runs where they touch. */
  private drawCanvasMarks(scene: Scene): void {
    const ctx = this.ctx;
    const th = this.theme;
    ctx.fillStyle = th.get("--vscode-editor-foreground", "#cccccc");
    let runX0 = NaN;
    let runX1 = NaN;
    let runY = NaN;
    for (const mk of scene.marks) {
      if (mk.y === runY && mk.x - runX1 <= 1.5) {
        runX1 = mk.x;
        continue;
      }
      if (runY === runY) ctx.fillRect(runX0 - 0.5, runY - 4, runX1 - runX0 + 1.5, 8);
      runX0 = runX1 = mk.x;
      runY = mk.y;
    }
    if (runY === runY) ctx.fillRect(runX0 - 0.5, runY - 4, runX1 - runX0 + 1.5, 8);
  }

  private drawMatches(scene: Scene): void {
    const s = this.store;
    const matches = s.matches;
    const items: Array<{ i: number; x: number; y: number }> = [];
    if (matches && matches.length) {
      const d = this.shown;
      const boxOf = new Map(this.boxes.map((b) => [b.pid, b]));
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

  private drawDiagnosis(scene: Scene): void {
    const s = this.store;
    const dl = s.diagnosis?.deadlocks ?? [];
    const boxOf = new Map(this.boxes.map((b) => [b.pid, b]));
    const d = this.shown;
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
          .attr("x", Math.min(w - 6, colX + 40))
          .attr("y", Math.max(12, first.y + first.h * 0.62))
          .attr("text-anchor", colX + 40 > w - 300 ? "end" : "start")
          .text(clip(label, 120))
          .append("title")
          .text(dead.short ?? label);
      }
    });
  }

  private drawOverlay(scene: Scene): void {
    const s = this.store;
    const w = scene.width;
    const h = this.totalHeight;
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
      const b = this.boxes.find((bb) => bb.pid === s.model.pid(sel));
      const x = toView(this.shown, w, s.data.xOf(sel));
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

  private drawAxis(domain: Domain): void {
    const w = this.width;
    const mode = this.store.mode;
    const span = domain.x1 - domain.x0;
    const scale = scaleLinear().domain([domain.x0, domain.x1]).range([0, w]);
    const ax = select(this.axisSvg).attr("width", w).attr("height", 22);
    const g = ax.selectAll<SVGGElement, number>("g.axis").data([0]).join("g").attr("class", "axis").attr("transform", "translate(0,21)");
    g.call(
      axisTop(scale)
        .ticks(Math.max(2, Math.floor(w / 110)))
        .tickFormat((v) => formatX(mode, Number(v), span)),
    );
  }

  private drawHeaders(): void {
    const s = this.store;
    const st = s.stateAtCursor();
    const head = s.model.head;
    const hdr = select(this.els.headers);
    hdr
      .selectAll<HTMLDivElement, LaneBox>("div.lane-header")
      .data(this.boxes, (b) => String(b.pid))
      .join((enter) => {
        const d = enter.append("div").attr("class", "lane-header").attr("data-nozoom", "");
        const top = d.append("div").attr("class", "lh-top");
        top.append("button").attr("class", "lh-collapse icon").attr("title", "Collapse / expand this lane (C)");
        top.append("span").attr("class", "lh-name");
        const tools = top.append("span").attr("class", "lh-tools");
        tools.append("button").attr("class", "lh-up icon").attr("title", "Move lane up").text("↑");
        tools.append("button").attr("class", "lh-down icon").attr("title", "Move lane down").text("↓");
        tools.append("button").attr("class", "lh-hide icon").attr("title", "Hide this lane").text("×");
        const second = d.append("div").attr("class", "lh-second");
        second.append("span").attr("class", "lh-role");
        second.append("span").attr("class", "lh-status");
        return d;
      })
      .attr("data-lane-header", (b) => b.pid)
      .classed("collapsed", (b) => b.collapsed)
      .classed("selected", (b) => b.pid === s.selectedPid)
      .style("top", (b) => `${b.y - 2}px`)
      .style("height", (b) => `${b.h + 4}px`)
      .each((b, k, nodes) => {
        const el = select(nodes[k]);
        const p = head.processes.get(b.pid);
        const pc = st.processes.get(b.pid);
        el.select(".lh-collapse").text(b.collapsed ? "▸" : "▾");
        el.select(".lh-name").text(p ? s.model.processName(b.pid) : laneIdText(b.pid)).attr("title", `${p?.name ?? ""} ${laneIdText(b.pid)}${p?.target ? " — " + p.target : ""}`);
        const role = p?.role ?? "unknown";
        el.select(".lh-role")
          .text(`${roleLabel(role)} · ${role === "worker" ? laneIdText(b.pid) : b.pid}`)
          .attr("data-role", role);
        const paused = s.paused.get(b.pid);
        let status: string;
        let cls: string;
        if (paused) {
          status = `❚❚ paused at ${paused.file ? paused.file.split(/[\\/]/).pop() : "?"}:${paused.line ?? "?"}${paused.reason ? ` (${paused.reason})` : ""}`;
          cls = "paused";
        } else if (!pc || pc.firstIndex > s.cursor || s.cursor < 0) {
          status = "not started yet";
          cls = "starting";
        } else {
          const stt = st.status(pc);
          cls = stt;
          if (stt === "exited") status = exitLabel(pc) ?? "exited";
          else if (stt === "blocked") {
            const blk = [...pc.threads.values()].find((t) => t.block)?.block;
            status = blk ? `waits: ${blk.op === "mgr.call" ? "Manager call" : blockLabel(st, s.model.event(blk.since))}` : "blocked";
          } else status = stt;
        }
        el.select(".lh-status").text(b.collapsed ? "" : status).attr("data-status", cls).attr("title", status);
      });
  }

  // ------------------------------------------------------------ pointer

  /** Event nearest to a point of the plot, within 8 px, or −1. */
  hitTest(px: number, py: number): number {
    const box = laneAtY(this.boxes, py);
    if (!box) return -1;
    const s = this.store;
    const ld = s.data.laneOf(box.pid);
    if (!ld) return -1;
    const d = this.shown;
    const x = toTrace(d, this.width, px);
    const n = ld.xs.length;
    const k = lowerBound(ld.xs.data, n, x);
    let best = -1;
    let bestD = 8;
    for (const j of [k - 1, k]) {
      if (j < 0 || j >= n) continue;
      const dist = Math.abs(toView(d, this.width, ld.xs.data[j]) - px);
      if (dist <= bestD) {
        bestD = dist;
        best = j;
      }
    }
    if (best < 0) return -1;
    // Several events on one pixel: the last one before the pointer.
    return s.model.processLane(box.pid)!.events[best];
  }

  private onMove(e: MouseEvent): void {
    const r = this.svg.getBoundingClientRect();
    const i = this.hitTest(e.clientX - r.left, e.clientY - r.top);
    if (i < 0) {
      this.hideTooltip();
      return;
    }
    const s = this.store;
    const ev = s.model.event(i);
    const head = s.model.head;
    const tip = this.els.tooltip;
    const site = (ev as { site?: { file: string; line: number } }).site;
    tip.replaceChildren();
    const h = document.createElement("div");
    h.className = "tip-title";
    h.textContent = `#${i} ${eventSummary(head, ev)}`;
    const b = document.createElement("div");
    b.textContent = `${s.model.processName(ev.pid)} (${laneIdText(ev.pid)}) · ${(ev.t / 1e6).toFixed(3)} ms${site ? ` · ${site.file.split(/[\\/]/).pop()}:${site.line}` : ""}`;
    tip.append(h, b);
    tip.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - 380);
    tip.style.setProperty("left", `${x}px`);
    tip.style.setProperty("top", `${e.clientY + 16}px`);
  }

  private hideTooltip(): void {
    this.els.tooltip.hidden = true;
  }

  private onClick(e: MouseEvent): void {
    const r = this.svg.getBoundingClientRect();
    const i = this.hitTest(e.clientX - r.left, e.clientY - r.top);
    if (i >= 0) this.store.select(i, true);
    else {
      const box = laneAtY(this.boxes, e.clientY - r.top);
      if (box) {
        this.store.selectProcess(box.pid);
        this.host.post({ type: "selectProcess", pid: box.pid });
      }
    }
  }

  /** Width of the lane-name column and height of the axis in exported images. */
  private static readonly EXPORT_HEADER_W = 200;
  private static readonly EXPORT_AXIS_H = 24;

  /** A copy of an SVG element with the computed colours and fonts written on every node. */
  private resolvedClone(svg: SVGSVGElement): SVGSVGElement {
    const clone = svg.cloneNode(true) as SVGSVGElement;
    const src = svg.querySelectorAll("*");
    const dst = clone.querySelectorAll("*");
    src.forEach((el, k) => {
      const cs = getComputedStyle(el);
      const t = dst[k] as SVGElement;
      for (const p of RESOLVED_PROPS) {
        const v = cs.getPropertyValue(p);
        if (v) t.style.setProperty(p, v);
      }
    });
    return clone;
  }

  /**
   * SVG markup of what the view shows (for export): lane names and status on the left, the time
   * axis on top, and the plot — its SVG layers plus, in dense mode, the canvas as an image —
   * with colours resolved from the theme, so the file looks the same anywhere.
   */
  exportSvg(): string {
    const HW = Plot.EXPORT_HEADER_W;
    const AH = Plot.EXPORT_AXIS_H;
    const w = this.width;
    const h = this.totalHeight;
    const doc = document.implementation.createDocument(SVG_NS, "svg", null);
    const out = doc.documentElement as unknown as SVGSVGElement;
    const mk = (tag: string, attrs: Record<string, string | number>, parent: Element = out): SVGElement => {
      const e = doc.createElementNS(SVG_NS, tag) as SVGElement;
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
      parent.appendChild(e);
      return e;
    };
    out.setAttribute("width", String(HW + w));
    out.setAttribute("height", String(AH + h));
    out.setAttribute("viewBox", `0 0 ${HW + w} ${AH + h}`);
    const fg = this.theme.get("--vscode-foreground", "#cccccc");
    const muted = this.theme.get("--vscode-descriptionForeground", "#9d9d9d");
    const font = this.theme.get("--vscode-font-family", "sans-serif");
    mk("rect", { x: 0, y: 0, width: HW + w, height: AH + h, fill: this.theme.get("--vscode-editor-background", "#1e1e1e") });
    const axis = this.resolvedClone(this.axisSvg);
    axis.setAttribute("x", String(HW));
    axis.setAttribute("y", "0");
    out.appendChild(doc.importNode(axis, true));
    const model = this.store.model;
    const head = model.head;
    for (const b of this.boxes) {
      const p = head.process(b.pid);
      const name = model.processName(b.pid);
      const exit = p?.exit;
      const status = exit ? (exit.signal ? `signal ${exit.signal}` : exit.code === null ? "exited" : `exit ${exit.code}`) : "running";
      const t1 = mk("text", { x: 8, y: AH + b.y + 15, fill: fg, "font-family": font, "font-size": 12, "font-weight": 600 });
      t1.textContent = name;
      if (!b.collapsed) {
        const t2 = mk("text", { x: 8, y: AH + b.y + 29, fill: muted, "font-family": font, "font-size": 10 });
        t2.textContent = `${roleLabel(p?.role ?? "process")} · ${laneIdText(b.pid)} · ${status}`;
      }
    }
    mk("line", { x1: HW - 0.5, y1: AH, x2: HW - 0.5, y2: AH + h, stroke: this.theme.get("--vscode-panel-border", "#3c3c3c") });
    const plot = mk("svg", { x: HW, y: AH, width: w, height: h, viewBox: `0 0 ${w} ${h}` });
    if (this.scene?.dense) mk("image", { x: 0, y: 0, width: w, height: h, href: this.canvas.toDataURL("image/png") }, plot);
    const layers = this.resolvedClone(this.svg);
    for (const child of Array.from(layers.childNodes)) plot.appendChild(doc.importNode(child, true));
    return new XMLSerializer().serializeToString(out);
  }

  /** PNG data URL of the same picture as {@link exportSvg}, at the screen's pixel ratio. */
  async exportPng(): Promise<string> {
    const dpr = window.devicePixelRatio || 1;
    const svgText = this.exportSvg();
    const c = document.createElement("canvas");
    c.width = Math.round((Plot.EXPORT_HEADER_W + this.width) * dpr);
    c.height = Math.round((Plot.EXPORT_AXIS_H + this.totalHeight) * dpr);
    const ctx = c.getContext("2d")!;
    const url = URL.createObjectURL(new Blob([svgText], { type: "image/svg+xml" }));
    try {
      const img = new Image();
      await new Promise<void>((res, rej) => {
        img.onload = () => res();
        img.onerror = () => rej(new Error("could not render the exported SVG"));
        img.src = url;
      });
      ctx.drawImage(img, 0, 0, c.width, c.height);
    } finally {
      URL.revokeObjectURL(url);
    }
    return c.toDataURL("image/png");
  }
}

/** Presentation properties copied from the computed style into exported SVG (no stylesheet there). */
const RESOLVED_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linejoin",
  "paint-order", "opacity", "visibility", "display", "font-size", "font-family", "font-weight", "text-anchor", "dominant-baseline",
];

/** CSS class of an event mark by kind. */
function markClass(kind: string): string {
  if (kind === "value.write") return "mark-write";
  if (kind.startsWith("lock.")) return "mark-lock";
  if (kind === "block.begin" || kind === "block.end") return "mark-block";
  if (kind.startsWith("process.")) return "mark-process";
  if (/\.(put|send|call|reply|task\.send|result\.send)$/.test(kind)) return "mark-send";
  if (/\.(get|recv|return|task\.recv|result\.recv)$/.test(kind)) return "mark-recv";
  return "mark-other";
}

/** SVG path of an event mark: a tick; a diamond for value writes; a dot for sends and receipts. */
function markPath(kind: string, x: number, y: number): string {
  const r = (v: number) => Math.round(v * 10) / 10;
  if (kind === "value.write") return `M${r(x)},${r(y - 6)}L${r(x + 5)},${r(y)}L${r(x)},${r(y + 6)}L${r(x - 5)},${r(y)}Z`;
  if (/\.(put|send|call|reply|task\.send|result\.send|get|recv|return|task\.recv|result\.recv)$/.test(kind))
    return `M${r(x - 3)},${r(y)}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0`;
  return `M${r(x - 0.75)},${r(y - 5)}h1.5v10h-1.5Z`;
}
