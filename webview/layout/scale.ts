/**
 * X coordinates of the view, in named spaces (as speedscope does): *trace space* is what the
 * layout puts on the x axis — nanoseconds since the trace's origin ("time" layout) or the causal
 * index ("logical" layout, one column per event); *view space* is CSS pixels of the plot.
 * A view domain [x0, x1] in trace space maps linearly onto [0, width] in view space.
 * Pure: no DOM.
 */

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

/** Zoom by `factor` (>1 zooms in) keeping the trace point under view pixel `anchorPx` fixed. */
export function zoomDomain(d: Domain, width: number, factor: number, anchorPx: number, mode: LayoutMode): Domain {
  const anchor = toTrace(d, width, anchorPx);
  let span = (d.x1 - d.x0) / factor;
  if (span < MIN_SPAN[mode]) span = MIN_SPAN[mode];
  const left = (anchorPx / width) * span;
  return { x0: anchor - left, x1: anchor - left + span };
}

/** Move the domain by `dx` view pixels (positive: content moves right, i.e. look further left). */
export function panDomain(d: Domain, width: number, dx: number): Domain {
  const shift = (dx / width) * (d.x1 - d.x0);
  return { x0: d.x0 - shift, x1: d.x1 - shift };
}

/** Keep a domain from drifting entirely off [extent.x0, extent.x1] and from being wider than 4× it. */
export function clampDomain(d: Domain, extent: Domain): Domain {
  const ext = extent.x1 - extent.x0;
  let span = d.x1 - d.x0;
  if (span > ext * 4) span = ext * 4;
  let x0 = d.x0;
  const lo = extent.x0 - span * 0.9;
  const hi = extent.x1 - span * 0.1;
  if (x0 < lo) x0 = lo;
  if (x0 > hi) x0 = hi;
  return { x0, x1: x0 + span };
}

/**
 * The d3-zoom transform (k, x) that makes `transform.rescaleX(base)` show `view`, where `base`
 * maps `baseDomain` onto [0, width]. Used to keep what the user looks at still while the base
 * (the whole run) grows during a live run.
 */
export function transformFor(baseDomain: Domain, view: Domain, width: number): { k: number; x: number } {
  const k = (baseDomain.x1 - baseDomain.x0) / (view.x1 - view.x0);
  const x = -k * toView(baseDomain, width, view.x0);
  return { k, x };
}

/** The domain a d3-zoom transform (k, x) shows over a base domain (inverse of {@link transformFor}). */
export function domainOf(baseDomain: Domain, t: { k: number; x: number }, width: number): Domain {
  const x0 = toTrace(baseDomain, width, -t.x / t.k);
  const x1 = toTrace(baseDomain, width, (width - t.x) / t.k);
  return { x0, x1 };
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
