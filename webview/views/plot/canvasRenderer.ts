/**
 * The canvas renderer of the plot: lane bands always; blocked spans, lock holds, arrows and event
 * marks when too many events are in view for SVG elements (the scene says `dense`), and the
 * marks alone when only they are too many (`canvasMarks`). Colours come from the theme.
 */

import { ARROW_HEAD_SPREAD } from "../../layout/arrows";
import { ARROW_CLASSES, ARROW_STYLE, arrowColourVar, LockColours } from "../../layout/palette";
import type { Store } from "../../store";
import type { Theme } from "../../theme";
import type { Frame } from "./frame";

export class CanvasRenderer {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly holdGroups = new Map<number, Frame["scene"]["holds"]>();
  private readonly arrowGroups = new Map<number, Frame["scene"]["arrows"]>();

  constructor(
    private readonly store: Store,
    private readonly theme: Theme,
    parent: HTMLElement,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "plot-canvas";
    parent.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
  }

  /** Size the canvas to the frame (at the screen's pixel ratio) and clear it. */
  size(f: Frame): void {
    const dpr = window.devicePixelRatio || 1;
    const w = f.width;
    const h = f.height;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.setProperty("width", `${w}px`);
      this.canvas.style.setProperty("height", `${h}px`);
    }
    this.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.ctx.clearRect(0, 0, w, h);
  }

  /** Lane bands on the canvas, under everything (every other lane shaded, the selected one marked). */
  drawLaneBackgrounds(f: Frame): void {
    const scene = f.scene;
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
      ctx.fillRect(0, l.box.y - 2, f.width, l.box.h + 4);
    });
  }

  /** Blocked spans, lock holds (by colour), arrows (by class) and marks, batched per style. */
  drawContent(f: Frame): void {
    const scene = f.scene;
    const ctx = this.ctx;
    const th = this.theme;
    const w = f.width;
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
    // Lock holds, grouped by colour (the groups' arrays are reused from frame to frame).
    const bySlot = this.holdGroups;
    for (const l of bySlot.values()) l.length = 0;
    for (const h of scene.holds) {
      const k = h.lockSlot % 12;
      let l = bySlot.get(k);
      if (!l) bySlot.set(k, (l = []));
      l.push(h);
    }
    for (const [slot, list] of bySlot) {
      if (!list.length) continue;
      ctx.fillStyle = th.get(LockColours.varOf(slot), "#d18616");
      for (const h of list) {
        const x0 = Math.max(-2, h.x0);
        const x1 = Math.min(w + 2, h.x1);
        ctx.fillRect(x0, h.y, Math.max(1, x1 - x0), h.h);
      }
    }
    // Arrows, by class and channel colour: one path for the lines and one for the heads per group.
    const byClass = this.arrowGroups;
    for (const l of byClass.values()) l.length = 0;
    for (const a of scene.arrows) {
      const key = ARROW_CLASSES.indexOf(a.cls) * 65536 + (a.channel + 1);
      let l = byClass.get(key);
      if (!l) byClass.set(key, (l = []));
      l.push(a);
    }
    ctx.lineWidth = 1;
    for (const list of byClass.values()) {
      if (!list.length) continue;
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
        // Heads: triangles in one path, filled once (fill closes each subpath: no closePath).
        ctx.beginPath();
        for (const a of list) {
          const g = a.g;
          const c0 = Math.cos(g.angle - ARROW_HEAD_SPREAD) * 6;
          const s0 = Math.sin(g.angle - ARROW_HEAD_SPREAD) * 6;
          const c1 = Math.cos(g.angle + ARROW_HEAD_SPREAD) * 6;
          const s1 = Math.sin(g.angle + ARROW_HEAD_SPREAD) * 6;
          ctx.moveTo(g.x2, g.y2);
          ctx.lineTo(g.x2 - c0, g.y2 - s0);
          ctx.lineTo(g.x2 - c1, g.y2 - s1);
        }
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
    this.drawMarks(f);
  }

  /** Event marks on the canvas: ticks, merged into runs where they touch. */
  drawMarks(f: Frame): void {
    const scene = f.scene;
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

}
