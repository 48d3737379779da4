/**
 * One frame of the plot: the scene (everything to draw, in view space) and the geometry it was
 * built for. Every renderer of the plot (SVG, canvas, headers, export) and the hit test read a
 * frame; none of them changes it or the store.
 */

import type { LaneBox } from "../../layout/lanes";
import type { Domain } from "../../layout/scale";
import type { Scene } from "../../layout/scene";

export interface Frame {
  /** What to draw, in view space (layout/scene.ts). */
  readonly scene: Scene;
  /** The part of trace space shown. */
  readonly domain: Domain;
  /** Width of the plot in CSS pixels. */
  readonly width: number;
  /** Height of all lanes in CSS pixels (the plot scrolls when taller than the viewport). */
  readonly height: number;
  /** The lanes, top to bottom. */
  readonly boxes: readonly LaneBox[];
}

export const SVG_NS = "http://www.w3.org/2000/svg";
