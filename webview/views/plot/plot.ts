/**
 * The plot: one lane per process, blocked and lock-holding spans, message arrows, event marks,
 * value writes, the diagnosis overlay, search matches, the cursor (everything after it dimmed)
 * and the lane headers. Each render builds one scene (layout/scene.ts) into a {@link Frame} that
 * the renderers read: SVG elements with the stable test hooks while fewer than SVG_EVENT_LIMIT
 * events are in view (svgRenderer.ts), a canvas beyond (canvasRenderer.ts), the axis and lane
 * headers (headers.ts); hit testing (hitTest.ts) and export (export.ts) read the last frame.
 * Zoom and pan are d3-zoom's (zoom.ts), x only.
 */

import { fitDomain, type Domain } from "../../layout/scale";
import { layoutLanes, type LaneBox } from "../../layout/lanes";
import { buildScene, type Scene } from "../../layout/scene";
import type { Store } from "../../store";
import type { Theme } from "../../theme";
import type { Host } from "../../host";
import { CanvasRenderer } from "./canvasRenderer";
import { exportPng, exportSvg } from "./export";
import type { Frame } from "./frame";
import { Headers } from "./headers";
import { hitTest, PlotPointer } from "./hitTest";
import { SvgRenderer } from "./svgRenderer";
import { PlotZoom } from "./zoom";

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
  private readonly svgRenderer: SvgRenderer;
  private readonly canvasRenderer: CanvasRenderer;
  private readonly headers: Headers;
  private readonly zoom: PlotZoom;
  private width = 800;
  private viewportHeight = 400;
  boxes: LaneBox[] = [];
  private totalHeight = 0;
  /** The frame drawn last (null before the first render). */
  frame: Frame | null = null;
  info: RenderInfo = { ms: 0, phases: {}, dense: false, at: 0, events: 0 };
  /** The domain the last render showed. */
  shown: Domain = { x0: 0, x1: 1 };
  private liveFitEnd = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly theme: Theme,
    host: Host,
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
    this.canvasRenderer = new CanvasRenderer(store, theme, els.plot);
    this.svgRenderer = new SvgRenderer(store, els.plot);
    this.headers = new Headers(store, els.axis, els.headers);
    const svg = this.svgRenderer.svg;
    this.zoom = new PlotZoom(svg, (d) => this.store.setDomain(d)).listen();
    // Horizontal trackpad scrolling pans (d3-zoom's wheel zooms).
    svg.addEventListener(
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
    new PlotPointer(store, host, svg, els.tooltip, () => this.frame);
    new ResizeObserver(() => this.measure()).observe(els.scroll);
    this.measure();
  }

  /** The SVG surface (on top: it takes the pointer). */
  get svg(): SVGSVGElement {
    return this.svgRenderer.svg;
  }

  /** The canvas surface (under the SVG). */
  get canvas(): HTMLCanvasElement {
    return this.canvasRenderer.canvas;
  }

  /** The scene drawn last. */
  get scene(): Scene | null {
    return this.frame?.scene ?? null;
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

  /** The whole run (the base of the zoom transform and its limits). */
  private extent(): Domain {
    const d = this.store.data;
    return fitDomain(Number.isFinite(d.minX) ? d.minX : 0, Number.isFinite(d.maxX) ? d.maxX : 1, this.store.mode);
  }

  /** Bring d3-zoom's transform in step with the domain shown (the store may have moved it). */
  private syncZoom(domain = this.currentDomain()): void {
    this.zoom.sync(this.extent(), domain, this.width, Math.max(this.totalHeight, this.viewportHeight), this.store.mode);
  }

  /** Zoom by a factor around a view x (default: the cursor, else the middle). */
  zoomBy(factor: number, anchorPx?: number): void {
    const cx = this.scene?.cursorX;
    const ax = anchorPx ?? (cx !== null && cx !== undefined && cx >= 0 && cx <= this.width ? cx : this.width / 2);
    this.syncZoom();
    this.zoom.zoomBy(factor, ax);
  }

  /** Pan by `dxPx` view pixels (positive: the content moves right). */
  panBy(dxPx: number): void {
    this.syncZoom();
    this.zoom.panBy(dxPx);
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
    const order = s.laneOrderPids();
    const hidden = s.hiddenPids();
    const lay = layoutLanes(order, s.collapsed, hidden, this.viewportHeight - 2, { maxHeight: 46, minHeight: 24 });
    this.boxes = lay.boxes;
    this.totalHeight = Math.max(lay.height, 40);
    this.els.inner.style.setProperty("height", `${this.totalHeight}px`);
    const domain = this.currentDomain();
    this.shown = domain;
    this.syncZoom(domain);
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
      data: s.data,
      domain,
      width: this.width,
      boxes: this.boxes,
      cursor: s.cursor,
      ended: (pid) => head.processes.get(pid)?.exit != null,
    });
    const f: Frame = { scene, domain, width: this.width, height: this.totalHeight, boxes: this.boxes };
    this.frame = f;
    phase("scene");
    const svg = this.svgRenderer;
    const canvas = this.canvasRenderer;
    canvas.size(f);
    svg.size(f);
    canvas.drawLaneBackgrounds(f);
    if (scene.dense) {
      svg.clearContent();
      canvas.drawContent(f);
    } else {
      svg.drawContent(f);
      if (scene.canvasMarks) canvas.drawMarks(f);
    }
    phase("draw");
    svg.drawLanes(f);
    svg.drawMatches(f);
    svg.drawDiagnosis(f);
    svg.drawNoProgress(f);
    svg.separateLabels(f.scene.width);
    svg.drawOverlay(f);
    phase("overlays");
    this.headers.drawAxis(f);
    this.headers.drawHeaders(f);
    phase("headers");
    this.info = { ms: performance.now() - t0, phases, dense: scene.dense, at: performance.now(), events: s.model.length };
  }

  /** Event nearest to a point of the plot, within 8 px, or −1. */
  hitTest(px: number, py: number): number {
    return this.frame ? hitTest(this.store, this.frame, px, py) : -1;
  }

  // ------------------------------------------------------------ export

  /** The last frame, rendering one first if there is none. */
  private drawnFrame(): Frame {
    if (!this.frame) this.render();
    return this.frame!;
  }

  /** SVG markup of what the view shows (export.ts). */
  exportSvg(): string {
    return exportSvg(this.store, this.theme, this.drawnFrame(), { svg: this.svg, axisSvg: this.headers.axisSvg, canvas: this.canvas });
  }

  /** PNG data URL of the same picture as {@link exportSvg}, at the screen's pixel ratio. */
  exportPng(): Promise<string> {
    return exportPng(this.store, this.theme, this.drawnFrame(), { svg: this.svg, axisSvg: this.headers.axisSvg, canvas: this.canvas });
  }
}
