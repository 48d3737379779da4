/**
 * Geometry of a message arrow from its send to its receipt: a gentle curve so arrows that
 * cross can be told apart, an arrowhead at the receipt, never drawn backwards in time (a
 * receipt drawn left of its send, as clock skew can make happen, is moved to the send's x).
 * A message still in flight at the cursor ends at the cursor. Pure: no DOM.
 */

export interface Point {
  x: number;
  y: number;
}

/** An arrow in view space: a quadratic curve from (x1, y1) to (x2, y2) through control (cx, cy). */
export interface ArrowGeometry {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cx: number;
  cy: number;
  /** Angle (radians) of the curve's tangent at the head. */
  angle: number;
}

/**
 * An arrow from the send at (sx, sy) to the receipt at (rx, ry). `bow` (pixels) bends the curve
 * sideways; same-lane arrows (a process receiving what it sent) loop above the lane.
 */
export function arrowGeometry(sx: number, sy: number, rx: number, ry: number, bow = 0): ArrowGeometry {
  const x1 = sx;
  const y1 = sy;
  const x2 = rx < sx ? sx : rx;
  const y2 = ry;
  let cx: number;
  let cy: number;
  if (Math.abs(y2 - y1) < 0.5) {
    cx = (x1 + x2) / 2;
    cy = y1 - Math.max(10, Math.min(28, (x2 - x1) / 3)) - Math.abs(bow);
  } else {
    // Perpendicular offset from the chord's midpoint.
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    const dx = x2 - x1;
    const dy = y2 - y1;
    const len = Math.hypot(dx, dy) || 1;
    cx = mx + (-dy / len) * bow;
    cy = my + (dx / len) * bow;
  }
  const angle = Math.atan2(y2 - cy, x2 - cx);
  return { x1, y1, x2, y2, cx, cy, angle };
}

/** SVG path data of an arrow's curve. */
export function arrowPath(g: ArrowGeometry): string {
  return `M${r(g.x1)},${r(g.y1)}Q${r(g.cx)},${r(g.cy)} ${r(g.x2)},${r(g.y2)}`;
}

/** SVG path data of an arrowhead (a small filled triangle) at the arrow's end. */
export function arrowHeadPath(g: ArrowGeometry, size = 6): string {
  const [a, b] = arrowHeadPoints(g, size);
  return `M${r(g.x2)},${r(g.y2)}L${r(a.x)},${r(a.y)}L${r(b.x)},${r(b.y)}Z`;
}

/** Half the angle of an arrowhead's tip (radians). */
export const ARROW_HEAD_SPREAD = 0.45;

/** The two back corners of the arrowhead. */
export function arrowHeadPoints(g: ArrowGeometry, size = 6): [Point, Point] {
  const spread = ARROW_HEAD_SPREAD;
  return [
    { x: g.x2 - size * Math.cos(g.angle - spread), y: g.y2 - size * Math.sin(g.angle - spread) },
    { x: g.x2 - size * Math.cos(g.angle + spread), y: g.y2 - size * Math.sin(g.angle + spread) },
  ];
}

/** A small, deterministic bow per message so that arrows between the same lanes fan out. */
export function bowFor(slot: number, maxBow = 10): number {
  const k = ((slot * 2654435761) >>> 0) % 5; // 0..4
  return (k - 2) * (maxBow / 2);
}

function r(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}
