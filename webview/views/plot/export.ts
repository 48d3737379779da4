/**
 * Export of what the plot shows as a standalone SVG or PNG: lane names and status on the left,
 * the axis on top, the plot's SVG layers (plus, in canvas mode, the canvas as an image), with
 * colours and fonts resolved from the theme so the file looks the same anywhere.
 */

import { roleLabel } from "../../layout/labels";
import { laneIdText } from "../../../trace/model/nodeWords";
import type { Store } from "../../store";
import type { Theme } from "../../theme";
import { SVG_NS, type Frame } from "./frame";

/** Width of the lane-name column and height of the axis in exported images. */
const EXPORT_HEADER_W = 200;
const EXPORT_AXIS_H = 24;

/** Presentation properties copied from the computed style into exported SVG (no stylesheet there). */
const RESOLVED_PROPS = [
  "fill", "fill-opacity", "stroke", "stroke-width", "stroke-dasharray", "stroke-opacity", "stroke-linejoin",
  "paint-order", "opacity", "visibility", "display", "font-size", "font-family", "font-weight", "text-anchor", "dominant-baseline",
];

/** The surfaces a frame was drawn on. */
export interface Surfaces {
  readonly svg: SVGSVGElement;
  readonly axisSvg: SVGSVGElement;
  readonly canvas: HTMLCanvasElement;
}

/** A copy of an SVG element with the computed colours and fonts written on every node. */
function resolvedClone(svg: SVGSVGElement): SVGSVGElement {
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

/** SVG markup of frame `f` as drawn on `surfaces`. */
export function exportSvg(store: Store, theme: Theme, f: Frame, surfaces: Surfaces): string {
  const HW = EXPORT_HEADER_W;
  const AH = EXPORT_AXIS_H;
  const w = f.width;
  const h = f.height;
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
  const fg = theme.get("--vscode-foreground", "#cccccc");
  const muted = theme.get("--vscode-descriptionForeground", "#9d9d9d");
  const font = theme.get("--vscode-font-family", "sans-serif");
  mk("rect", { x: 0, y: 0, width: HW + w, height: AH + h, fill: theme.get("--vscode-editor-background", "#1e1e1e") });
  const axis = resolvedClone(surfaces.axisSvg);
  axis.setAttribute("x", String(HW));
  axis.setAttribute("y", "0");
  out.appendChild(doc.importNode(axis, true));
  const model = store.model;
  const head = model.head;
  for (const b of f.boxes) {
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
  mk("line", { x1: HW - 0.5, y1: AH, x2: HW - 0.5, y2: AH + h, stroke: theme.get("--vscode-panel-border", "#3c3c3c") });
  const plot = mk("svg", { x: HW, y: AH, width: w, height: h, viewBox: `0 0 ${w} ${h}` });
  if (f.scene.dense) mk("image", { x: 0, y: 0, width: w, height: h, href: surfaces.canvas.toDataURL("image/png") }, plot);
  const layers = resolvedClone(surfaces.svg);
  for (const child of Array.from(layers.childNodes)) plot.appendChild(doc.importNode(child, true));
  return new XMLSerializer().serializeToString(out);
}

/** PNG data URL of the same picture as {@link exportSvg}, at the screen's pixel ratio. */
export async function exportPng(store: Store, theme: Theme, f: Frame, surfaces: Surfaces): Promise<string> {
  const dpr = window.devicePixelRatio || 1;
  const svgText = exportSvg(store, theme, f, surfaces);
  const c = document.createElement("canvas");
  c.width = Math.round((EXPORT_HEADER_W + f.width) * dpr);
  c.height = Math.round((EXPORT_AXIS_H + f.height) * dpr);
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
