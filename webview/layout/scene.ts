/**
 * The scene: what is in view, in view-space coordinates, ready for either renderer (SVG under
 * the DOM threshold, canvas beyond). Built from {@link ViewData} for a domain, lane boxes and the
 * cursor. When the view holds many events, spans and arrows are merged or sampled per pixel so
 * the cost stays proportional to the plot's width, not to the trace. Pure: no DOM.
 */

import { arrowGeometry, bowFor, type ArrowGeometry } from "./arrows";
import { IntervalIndex, lowerBound } from "./intervals";
import type { LaneBox } from "./lanes";
import { ARROW_CLASSES, type ArrowClass } from "./palette";
import { toTrace, toView, type Domain } from "./scale";
import type { LaneData, ViewData } from "./viewData";

/**
 * Events in view below which lanes, arrows and spans are SVG elements with their test hooks. A
 * trace of fewer events is always drawn in SVG (every element in the DOM at any zoom); a bigger
 * trace switches to SVG only when zoomed in to fewer than SVG_EVENT_LIMIT_BIG events, which keeps
 * a pan/zoom frame (re-setting the elements' attributes) within its budget.
 */
export const SVG_EVENT_LIMIT = 5000;
export const SVG_EVENT_LIMIT_BIG = 1500;
/** Event marks are SVG elements only below this many in view (they are not test hooks). */
export const SVG_MARK_LIMIT = 800;
/** Arrows considered at most per frame on a canvas (sampled evenly beyond). */
export const ARROW_SAMPLE_LIMIT = 4000;

export interface SceneLane {
  pid: number;
  box: LaneBox;
  /** View x of the lane's start and end (clipped to the plot later). */
  x0: number;
  x1: number;
  /** The process has ended (its lane stops at its last event). */
  ended: boolean;
}

export interface SceneBlock {
  slot: number;
  pid: number;
  begin: number;
  /** −1 while open. */
  end: number;
  x0: number;
  x1: number;
  y: number;
  h: number;
  lockSlot: number;
}

export interface SceneHold {
  slot: number;
  pid: number;
  acquire: number;
  release: number;
  lockSlot: number;
  depth: number;
  x0: number;
  x1: number;
  y: number;
  h: number;
}

export interface SceneArrow {
  slot: number;
  send: number;
  recv: number;
  cls: ArrowClass;
  /** Colour slot of the channel it travels on (ChannelColours), −1 when unknown. */
  channel: number;
  g: ArrowGeometry;
  /** Sent at or before the cursor and not yet received at the cursor. */
  inFlight: boolean;
  /** Sent after the cursor. */
  future: boolean;
}

export interface SceneMark {
  index: number;
  pid: number;
  x: number;
  y: number;
}

export interface Scene {
  width: number;
  /** Lanes' contents on the canvas (else SVG elements). */
  dense: boolean;
  /** Event marks on the canvas (else SVG elements). */
  canvasMarks: boolean;
  lanes: SceneLane[];
  blocks: SceneBlock[];
  holds: SceneHold[];
  arrows: SceneArrow[];
  marks: SceneMark[];
  /** x of the cursor (view space), or null when before the first event. */
  cursorX: number | null;
  /** Counts of what is in view (drawn or merged). */
  counts: { events: number; arrows: number; lanes: number; blocks: number; holds: number };
}

export interface SceneInput {
  data: ViewData;
  domain: Domain;
  width: number;
  boxes: readonly LaneBox[];
  cursor: number;
  /** Has the process ended (lane stops at its last event)? */
  ended: (pid: number) => boolean;
  /** Force dense (canvas) or sparse (SVG) mode; default by SVG_EVENT_LIMIT. */
  dense?: boolean;
}

/** One representative position per occupied pixel column of lane events in [lo, hi). */
export function sampleByPixel(xs: ArrayLike<number>, lo: number, hi: number, domain: Domain, width: number): number[] {
  const out: number[] = [];
  let k = lo;
  while (k < hi) {
    out.push(k);
    const px = Math.floor(toView(domain, width, xs[k]));
    const next = toTrace(domain, width, px + 1);
    // The first event of a later column: galloping from k (columns hold few events when zoomed
    // in, many at the whole run), then a binary search in the last step.
    let a = k + 1;
    let b = a;
    let step = 1;
    while (b < hi && xs[b] < next) {
      a = b + 1;
      b += step;
      step *= 2;
    }
    k = lowerBound(xs, Math.min(b, hi), next, a);
  }
  return out;
}

/**
 * Visit the spans of `ix` (slot k on lane `laneOf[k]`) that meet [v0, v1] on a shown lane; a span
 * still open ends at its lane's end. Returns how many were visited.
 */
function visibleSpans(
  ix: IntervalIndex,
  laneOf: Int32Array,
  laneBox: ReadonlyArray<LaneBox | undefined>,
  laneEndX: (laneIx: number) => number,
  v0: number,
  v1: number,
  visit: (k: number, laneIx: number, box: LaneBox, a: number, b: number) => void,
): number {
  let n = 0;
  const rs = ix.ranges(v0, v1);
  for (let q = 0; q < rs.length; q += 2)
    for (let k = rs[q]; k < rs[q + 1]; k++) {
      const laneIx = laneOf[k];
      const box = laneBox[laneIx];
      if (!box) continue;
      const a = ix.a.data[k];
      let b = ix.b.data[k];
      if (b === Infinity) b = laneEndX(laneIx);
      if (a > v1 || b < v0) continue;
      n++;
      visit(k, laneIx, box, a, b);
    }
  return n;
}

/** Build the scene; see the file comment. */
export function buildScene(inp: SceneInput): Scene {
  const { data, domain, width, boxes, cursor } = inp;
  const v0 = domain.x0;
  const v1 = domain.x1;
  const boxOf = new Map<number, LaneBox>();
  for (const b of boxes) boxOf.set(b.pid, b);
  const laneBox: Array<LaneBox | undefined> = data.lanes.map((ld) => (ld ? boxOf.get(ld.pid) : undefined));
  const vx = (x: number) => toView(domain, width, x);
  const midY = (b: LaneBox) => b.y + b.h / 2;

  // Lanes and events in view.
  let events = 0;
  const lanes: SceneLane[] = [];
  const ranges: Array<[LaneData, LaneBox, number, number]> = [];
  for (const ld of data.lanes) {
    if (!ld) continue;
    const box = boxOf.get(ld.pid);
    if (!box) continue;
    const [first, last] = data.laneExtent(ld);
    const ended = inp.ended(ld.pid);
    const endX = ended ? last : Math.max(last, data.maxX);
    lanes.push({ pid: ld.pid, box, x0: vx(first), x1: vx(endX), ended });
    const [lo, hi] = data.laneRange(ld, v0, v1);
    events += hi - lo;
    ranges.push([ld, box, lo, hi]);
  }
  const total = data.processed;
  const dense = inp.dense ?? (total < SVG_EVENT_LIMIT ? false : events >= (total <= SVG_EVENT_LIMIT ? SVG_EVENT_LIMIT : SVG_EVENT_LIMIT_BIG));
  const laneEndX = (laneIx: number): number => {
    const ld = data.lanes[laneIx];
    if (!ld) return data.maxX;
    const [, last] = data.laneExtent(ld);
    return inp.ended(ld.pid) ? last : Math.max(last, data.maxX);
  };

  // Event marks (one per pixel column when there are many).
  const sampleMarks = dense || events >= SVG_MARK_LIMIT;
  const marks: SceneMark[] = [];
  const laneEvents = (ld: LaneData) => data.model.processLane(ld.pid)!.events;
  for (const [ld, box, lo, hi] of ranges) {
    const evs = laneEvents(ld);
    const y = midY(box);
    if (sampleMarks) {
      for (const k of sampleByPixel(ld.xs.data, lo, hi, domain, width)) marks.push({ index: evs[k], pid: ld.pid, x: vx(ld.xs.data[k]), y });
    } else for (let k = lo; k < hi; k++) marks.push({ index: evs[k], pid: ld.pid, x: vx(ld.xs.data[k]), y });
  }

  // Blocked spans (runs of touching spans merged per lane when dense).
  const blocks: SceneBlock[] = [];
  const gap = (v1 - v0) / Math.max(1, width);
  let blockCount = 0;
  if (dense) {
    blockCount = data.blocks.count(v0, v1);
    data.laneBlocks.forEach((lr, laneIx) => {
      const box = laneBox[laneIx];
      if (!box || !lr) return;
      const endX = laneEndX(laneIx);
      lr.runs(v0, v1, gap, (first, start, end) => {
        const slot = lr.slots.data[first];
        const e = end === Infinity ? endX : end;
        if (e < v0) return;
        blocks.push({ slot, pid: box.pid, begin: data.blockBegin.data[slot], end: data.blockEnd.data[slot], x0: vx(start), x1: vx(e), y: box.y, h: box.h, lockSlot: data.blockLock.data[slot] });
      });
    });
  } else {
    blockCount = visibleSpans(data.blocks, data.blockLane.data, laneBox, laneEndX, v0, v1, (k, _laneIx, box, a, b) => {
      blocks.push({ slot: k, pid: box.pid, begin: data.blockBegin.data[k], end: data.blockEnd.data[k], x0: vx(a), x1: vx(b), y: box.y, h: box.h, lockSlot: data.blockLock.data[k] });
    });
  }

  // Lock-holding spans: a bar per lock held, stacked in the lane's upper part.
  const holds: SceneHold[] = [];
  let holdCount = 0;
  const holdAt = (k: number, laneIx: number, box: LaneBox, x0: number, x1: number): SceneHold => {
    const level = Math.min(2, data.holdLevel.data[k]);
    const bh = box.collapsed ? box.h : Math.max(4, Math.floor(box.h * 0.22));
    const y = box.collapsed ? box.y : box.y + 1 + level * (bh + 1);
    return {
      slot: k,
      pid: box.pid,
      acquire: data.holdAcquire.data[k],
      release: data.holdRelease.data[k],
      lockSlot: data.holdLock.data[k],
      depth: data.holdDepth.data[k],
      x0,
      x1,
      y,
      h: bh,
    };
  };
  if (dense) {
    holdCount = data.holds.count(v0, v1);
    for (const [key, lr] of data.laneHolds) {
      const laneIx = Math.floor(key / 4096);
      const box = laneBox[laneIx];
      if (!box) continue;
      const endX = laneEndX(laneIx);
      lr.runs(v0, v1, gap, (first, start, end) => {
        const e = end === Infinity ? endX : end;
        if (e < v0) return;
        holds.push(holdAt(lr.slots.data[first], laneIx, box, vx(start), vx(e)));
      });
    }
  } else {
    holdCount = visibleSpans(data.holds, data.holdLane.data, laneBox, laneEndX, v0, v1, (k, laneIx, box, a, b) => {
      holds.push(holdAt(k, laneIx, box, vx(a), vx(b)));
    });
  }

  // Arrows.
  const cursorX = cursor >= 0 ? vx(data.xOf(cursor)) : null;
  const arrows: SceneArrow[] = [];
  let arrowCount = 0;
  {
    const ix = data.arrows;
    const rs = ix.ranges(v0, v1);
    const size = IntervalIndex.rangeSize(rs);
    const stride = dense && size > ARROW_SAMPLE_LIMIT ? Math.ceil(size / ARROW_SAMPLE_LIMIT) : 1;
    const seen = dense ? new Set<number>() : null;
    const m = data.model;
    if (stride > 1) arrowCount = ix.count(v0, v1);
    for (let q = 0; q < rs.length; q += 2)
    for (let k = rs[q] + ((stride - (rs[q] % stride)) % stride); k < rs[q + 1]; k += stride) {
      const a = ix.a.data[k];
      const b = ix.b.data[k];
      if (a > v1 || b < v0) continue;
      if (stride === 1) arrowCount++;
      const send = data.arrowSend.data[k];
      const recv = data.arrowRecv.data[k];
      const sBox = laneBox[m.lane(send)];
      if (!sBox) continue;
      const rBox = recv >= 0 ? laneBox[m.lane(recv)] : sBox;
      if (!rBox) continue;
      const x1 = vx(a);
      let x2 = recv >= 0 ? vx(b) : x1;
      let y2 = midY(rBox);
      const future = send > cursor;
      const inFlight = !future && (recv < 0 || recv > cursor);
      if (recv < 0) {
        // Never received (so far): a short stub above the lane.
        x2 = x1 + 14;
        y2 = midY(sBox) - Math.max(6, sBox.h * 0.35);
      }
      if (seen) {
        const key = ((Math.round(x1 / 2) * 4099 + Math.round(x2 / 2)) * 131 + sBox.y) * 131 + rBox.y;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      const bow = sBox === rBox ? 0 : bowFor(k, Math.min(12, Math.abs(midY(rBox) - midY(sBox)) / 4));
      const g = arrowGeometry(x1, midY(sBox), x2, y2, bow);
      arrows.push({ slot: k, send, recv, cls: ARROW_CLASSES[data.arrowClass.data[k]], channel: data.arrowChannel.data[k], g, inFlight, future });
    }
  }

  return {
    width,
    dense,
    canvasMarks: sampleMarks,
    lanes,
    blocks,
    holds,
    arrows,
    marks,
    cursorX,
    counts: { events, arrows: arrowCount, lanes: lanes.length, blocks: blockCount, holds: holdCount },
  };
}
