/**
 * The overview (minimap) of the whole run: event density per lane, the part shown in the plot
 * as a window, the cursor, diagnoses as red ticks. Click or drag to move the cursor and the view.
 */

import { lowerBound } from "../layout/intervals";
import { fitDomain, toTrace, toView, type Domain } from "../layout/scale";
import type { Store } from "../store";
import type { Theme } from "../theme";

export class Overview {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private width = 600;
  private readonly height = 34;
  private dragging = false;
  private densityKey = "";
  private density: Float32Array[] = [];
  private densityImage: HTMLCanvasElement | null = null;
  private densityImageKey = "";

  constructor(
    private readonly store: Store,
    private readonly theme: Theme,
    host: HTMLElement,
    private readonly onSeek: (x: number, center: boolean) => void,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "overview-canvas";
    this.canvas.title = "Overview of the whole run: click or drag to move the cursor there";
    host.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    const seek = (e: PointerEvent) => {
      const r = this.canvas.getBoundingClientRect();
      this.onSeek(toTrace(this.whole(), this.width, e.clientX - r.left), true);
    };
    this.canvas.addEventListener("pointerdown", (e) => {
      this.dragging = true;
      this.canvas.setPointerCapture(e.pointerId);
      seek(e);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.dragging) seek(e);
    });
    this.canvas.addEventListener("pointerup", () => (this.dragging = false));
  }

  /** Domain of the whole run. */
  whole(): Domain {
    const d = this.store.data;
    return fitDomain(Number.isFinite(d.minX) ? d.minX : 0, Number.isFinite(d.maxX) ? d.maxX : 1, this.store.mode, 0.005);
  }

  render(width: number, shown: Domain, theme: Theme = this.theme): void {
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.max(50, Math.floor(width));
    const w = this.width;
    const h = this.height;
    if (this.canvas.width !== w * dpr || this.canvas.height !== h * dpr) {
      this.canvas.width = w * dpr;
      this.canvas.height = h * dpr;
      this.canvas.style.setProperty("width", `${w}px`);
      this.canvas.style.setProperty("height", `${h}px`);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const s = this.store;
    const whole = this.whole();
    const lanes = s.data.lanes.filter((l) => l);
    const key = `${s.model.length}|${s.mode}|${w}`;
    if (key !== this.densityKey) {
      this.densityKey = key;
      this.density = lanes.map((ld) => {
        const col = new Float32Array(w);
        const xs = ld.xs.data;
        const n = ld.xs.length;
        let k = lowerBound(xs, n, whole.x0);
        for (let px = 0; px < w && k < n; px++) {
          const end = lowerBound(xs, n, toTrace(whole, w, px + 1));
          col[px] = end - k;
          k = end;
        }
        return col;
      });
    }
    if (this.densityImageKey !== key + theme.kind) {
      // Draw the density once per data/width/theme into an offscreen canvas; frames copy it.
      this.densityImageKey = key + theme.kind;
      const img = (this.densityImage ??= document.createElement("canvas"));
      img.width = w * dpr;
      img.height = h * dpr;
      const ic = img.getContext("2d")!;
      ic.setTransform(dpr, 0, 0, dpr, 0, 0);
      ic.clearRect(0, 0, w, h);
      const rows = Math.max(1, lanes.length);
      const rh = (h - 4) / rows;
      ic.fillStyle = theme.get("--vscode-charts-blue", "#3794ff");
      this.density.forEach((col, r) => {
        let max = 1;
        for (let px = 0; px < w; px++) if (col[px] > max) max = col[px];
        for (let px = 0; px < w; px++) {
          if (!col[px]) continue;
          ic.globalAlpha = 0.25 + 0.75 * Math.min(1, Math.log1p(col[px]) / Math.log1p(max));
          ic.fillRect(px, 2 + r * rh, 1, Math.max(1, rh - (rh > 3 ? 1 : 0)));
        }
      });
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.densityImage!, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // Diagnoses.
    ctx.fillStyle = theme.get("--vscode-errorForeground", "#f48771");
    for (const i of s.diagnosisIdx) {
      const x = toView(whole, w, s.data.xOf(i));
      ctx.fillRect(x - 1, 0, 2, h);
    }
    // The window shown in the plot.
    const x0 = Math.max(0, toView(whole, w, shown.x0));
    const x1 = Math.min(w, toView(whole, w, shown.x1));
    ctx.strokeStyle = theme.get("--vscode-focusBorder", "#007fd4");
    ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 + 0.75, 0.75, Math.max(2, x1 - x0 - 1.5), h - 1.5);
    // The cursor.
    if (s.cursor >= 0) {
      const cx = toView(whole, w, s.data.xOf(s.cursor));
      ctx.fillStyle = theme.get("--vscode-editorCursor-foreground", "#aeafad");
      ctx.fillRect(cx - 1, 0, 2, h);
    }
  }
}
