/**
 * X coordinates of the view, in named spaces (as speedscope does): *trace space* is what the
 * layout puts on the x axis — nanoseconds since the trace's origin ("time" layout) or the causal
 * index ("logical" layout, one column per event); *view space* is CSS pixels of the plot.
 * A view domain [x0, x1] in trace space maps linearly onto [0, width] in view space.
 * Zooming and panning are d3-zoom's (webview/views/plot/zoom.ts): a zoom transform over the
 * base scale of the whole run, read back with `rescaleX`; this file holds the conversions and the
 * limits it is configured with. Pure: no DOM.
 */

import { scaleLinear, zoomIdentity, type ScaleLinear, type ZoomTransform } from "d3";

/** Which quantity is on the x axis. */
export type LayoutMode = "time" | "logical";

/** The part of trace space the plot shows. Immutable: helpers return new domains. */
export interface Domain {
  readonly x0: number;
  readonly x1: number;
}

/** Smallest span a domain may have in each mode (zoom limit): 1 µs of time, 4 events. */
export const MIN_SPAN: Record<LayoutMode, number> = { time: 1000, logical: 4 };

/** The domain that shows [minX, maxX] with a small margin on both sides (never empty). */
export function fitDomain(minX: number, maxX: number, mode: LayoutMode, margin = 0.02): Domain {
  if (!Number.isFinite(minX) || !Number.isFinite(maxX) || maxX < minX) return { x0: 0, x1: MIN_SPAN[mode] * 10 };
  let span = maxX - minX;
  if (span < MIN_SPAN[mode]) span = MIN_SPAN[mode];
  const pad = span * margin;
  return { x0: minX - pad, x1: minX + span + pad };
}

/** Trace space → view space. */
export function toView(d: Domain, width: number, x: number): number {
  return ((x - d.x0) / (d.x1 - d.x0)) * width;
}

/** View space → trace space. */
export function toTrace(d: Domain, width: number, px: number): number {
  return d.x0 + (px / width) * (d.x1 - d.x0);
}

/** The linear scale of the *base* view: `base` (usually the whole run) onto [0, width] of view space. */
export function baseScale(base: Domain, width: number): ScaleLinear<number, number> {
  return scaleLinear().domain([base.x0, base.x1]).range([0, width]);
}

/**
 * The d3-zoom transform that makes `transform.rescaleX(baseScale(base, width))` show `view`.
 * Used to start a zoom gesture from what the user looks at, while the base (the whole run) grows
 * during a live run.
 */
export function transformFor(base: Domain, view: Domain, width: number): ZoomTransform {
  const k = (base.x1 - base.x0) / (view.x1 - view.x0);
  return zoomIdentity.translate(-k * toView(base, width, view.x0), 0).scale(k);
}

/** The domain a d3-zoom transform shows over a base domain (inverse of {@link transformFor}). */
export function domainOf(base: Domain, t: ZoomTransform, width: number): Domain {
  const [x0, x1] = t.rescaleX(baseScale(base, width)).domain();
  return { x0, x1 };
}

/**
 * Zoom limits as d3-zoom scale factors over `base` (the whole run): in down to MIN_SPAN of the
 * mode, out to four times the run.
 */
export function scaleExtentFor(base: Domain, mode: LayoutMode): [number, number] {
  return [0.25, Math.max(1, (base.x1 - base.x0) / MIN_SPAN[mode])];
}

/**
 * d3-zoom `constrain` for the plot: x only (y stays 0), and the view may leave the run (the
 * translate extent, in view space of the base) only so far that a tenth of it still overlaps the
 * run — so the user can look just past either end but never lose the run entirely.
 */
export function constrainToRun(t: ZoomTransform, extent: [[number, number], [number, number]], run: [[number, number], [number, number]]): ZoomTransform {
  const v0 = t.invertX(extent[0][0]);
  const span = t.invertX(extent[1][0]) - v0;
  const lo = run[0][0] - span * 0.9;
  const hi = run[1][0] - span * 0.1;
  const x0 = Math.min(hi, Math.max(lo, v0));
  return x0 === v0 && t.y === 0 ? t : zoomIdentity.translate(-t.k * x0, 0).scale(t.k);
}

/** Axis label of a trace-space value: "12.345 ms" (time) or "#1234" (logical). */
export function formatX(mode: LayoutMode, x: number, span = 0): string {
  if (mode === "logical") return `#${Math.round(x)}`;
  const ms = x / 1e6;
  if (span > 0 && span < 2e6) return `${ms.toFixed(3)} ms`;
  if (span > 0 && span < 2e7) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) >= 10000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(1)} ms`;
}
