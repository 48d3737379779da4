/**
 * Lanes: which processes get a lane, in which order, and where each lane sits vertically.
 * Order is stable: lanes keep their place as a live run grows (new processes are added below,
 * or under their parent in the "tree" order), and a user's manual order is kept. Pure: no DOM.
 */

import { bisector } from "d3-array";

/** How lanes are ordered. */
export type LaneOrder = "appearance" | "tree";

/** What the order needs to know about a process. */
export interface LaneProcess {
  pid: number;
  /** Parent pid, when known. */
  ppid: number | null;
}

/** The vertical box of one lane in the plot (CSS pixels from the plot's top). */
export interface LaneBox {
  pid: number;
  y: number;
  h: number;
  collapsed: boolean;
}

export interface LaneLayoutOptions {
  /** Height of an expanded lane when there is room. */
  maxHeight?: number;
  /** Expanded lanes never get thinner than this (the plot scrolls instead). */
  minHeight?: number;
  /** Height of a collapsed lane. */
  collapsedHeight?: number;
  /** Space between lanes. */
  gap?: number;
  /** Space above the first lane. */
  top?: number;
}

/**
 * Lane order. `processes` is in order of first appearance. "tree" puts every process right after
 * its parent's subtree (children in appearance order). `manual`, when given, is a user's order:
 * pids in it come first in that order, the others follow in the chosen order.
 */
export function orderLanes(processes: readonly LaneProcess[], order: LaneOrder, manual: readonly number[] = []): number[] {
  let base: number[];
  if (order === "tree") {
    const known = new Set(processes.map((p) => p.pid));
    const children = new Map<number, number[]>();
    const roots: number[] = [];
    for (const p of processes) {
      if (p.ppid !== null && known.has(p.ppid) && p.ppid !== p.pid) {
        let c = children.get(p.ppid);
        if (!c) children.set(p.ppid, (c = []));
        c.push(p.pid);
      } else roots.push(p.pid);
    }
    base = [];
    const seen = new Set<number>();
    const visit = (pid: number) => {
      if (seen.has(pid)) return;
      seen.add(pid);
      base.push(pid);
      for (const c of children.get(pid) ?? []) visit(c);
    };
    for (const r of roots) visit(r);
    for (const p of processes) visit(p.pid); // cycles in bad data: still every pid once
  } else base = processes.map((p) => p.pid);
  if (manual.length === 0) return base;
  const present = new Set(base);
  const first = manual.filter((p, i) => present.has(p) && manual.indexOf(p) === i);
  const inFirst = new Set(first);
  return [...first, ...base.filter((p) => !inFirst.has(p))];
}

/** Move `pid` by `delta` places (−1 up, +1 down) in `order`; returns the new order. */
export function moveLane(order: readonly number[], pid: number, delta: number): number[] {
  const out = order.slice();
  const i = out.indexOf(pid);
  if (i < 0) return out;
  const j = Math.max(0, Math.min(out.length - 1, i + delta));
  out.splice(i, 1);
  out.splice(j, 0, pid);
  return out;
}

/**
 * Boxes of the shown lanes (hidden ones left out), fitted to `available` height: expanded lanes
 * share what collapsed lanes leave, between minHeight and maxHeight. Returns the boxes and the
 * total height (more than `available` when the plot has to scroll).
 */
export function layoutLanes(
  order: readonly number[],
  collapsed: ReadonlySet<number>,
  hidden: ReadonlySet<number>,
  available: number,
  options: LaneLayoutOptions = {},
): { boxes: LaneBox[]; height: number } {
  const maxH = options.maxHeight ?? 44;
  const minH = options.minHeight ?? 18;
  const colH = options.collapsedHeight ?? 10;
  const gap = options.gap ?? 4;
  const top = options.top ?? 4;
  const shown = order.filter((p) => !hidden.has(p));
  const nCol = shown.filter((p) => collapsed.has(p)).length;
  const nExp = shown.length - nCol;
  const room = available - top - gap * shown.length - nCol * colH;
  const h = nExp > 0 ? Math.max(minH, Math.min(maxH, Math.floor(room / nExp))) : maxH;
  const boxes: LaneBox[] = [];
  let y = top;
  for (const pid of shown) {
    const c = collapsed.has(pid);
    const bh = c ? colH : h;
    boxes.push({ pid, y, h: bh, collapsed: c });
    y += bh + gap;
  }
  return { boxes, height: y };
}

/** The lane box at vertical position y (including the gap below it), or null. */
export function laneAtY(boxes: readonly LaneBox[], y: number, gap = 4): LaneBox | null {
  // Boxes are in vertical order: the first whose bottom (with its gap) is below y.
  const b = boxes[bisector((box: LaneBox) => box.y + box.h + gap).right(boxes, y)];
  return b && y >= b.y - gap / 2 ? b : null;
}
