/**
 * Zoom and pan of the plot, owned by d3-zoom: one zoom transform over the base scale of the whole
 * run (x only). Wheel, pinch and drag are d3-zoom's gestures; the toolbar, keys and benchmark zoom
 * and pan through the same behaviour (`scaleBy`, `translateBy`), so one set of limits applies to
 * all: `scaleExtent` (down to MIN_SPAN, out to 4× the run), and `constrain` with the run as
 * `translateExtent` (a tenth of the view always overlaps the run). The store keeps the domain the
 * user looks at; {@link PlotZoom.sync} puts the behaviour's transform back in step with it (after
 * a seek, a mode switch, a live run growing) without emitting a change.
 */

import { select, zoom as d3zoom, type D3ZoomEvent, type Selection, zoomTransform, type ZoomBehavior, type ZoomedElementBaseType, type ZoomTransform } from "d3";
import { constrainToRun, domainOf, scaleExtentFor, transformFor, type Domain, type LayoutMode } from "../../layout/scale";

/** The element zoomed (DOM-free code, such as the unit tests, passes any object). */
type Target = ZoomedElementBaseType;

/** A pointer, touch or wheel event, as far as the filter looks at it. */
interface InputEvent {
  type: string;
  button?: number;
  target?: { closest?(selector: string): unknown } | null;
}

export class PlotZoom {
  readonly behavior: ZoomBehavior<Target, unknown>;
  private readonly sel: Selection<Target, unknown, null, undefined>;
  /** The domain the transform is relative to (the whole run when the last gesture began). */
  private base: Domain = { x0: 0, x1: 1 };
  private width = 800;
  private height = 400;
  private syncing = false;
  private gesture = false;

  /**
   * `target` is the element whose pointer and wheel events zoom (`listen()` attaches them);
   * `onChange` gets each new domain.
   */
  constructor(
    target: Target,
    private readonly onChange: (d: Domain) => void,
  ) {
    this.sel = select(target);
    this.behavior = d3zoom<Target, unknown>()
      .extent(() => [
        [0, 0],
        [this.width, this.height],
      ])
      .constrain(constrainToRun)
      // Wheel always zooms; drag pans unless it starts on a control (lane headers, buttons).
      .filter((e: InputEvent) => {
        if (e.type === "wheel") return true;
        return !e.button && !e.target?.closest?.("[data-nozoom]");
      })
      .on("start", (ev: D3ZoomEvent<Target, unknown>) => {
        if (!this.syncing && ev.sourceEvent) this.gesture = true;
      })
      .on("end", () => {
        if (!this.syncing) this.gesture = false;
      })
      .on("zoom", (ev: D3ZoomEvent<Target, unknown>) => {
        if (!this.syncing) this.onChange(domainOf(this.base, ev.transform, this.width));
      });
  }

  /** Attach d3-zoom's wheel, drag and touch listeners to the target (no double-click zoom). */
  listen(): this {
    this.sel.call(this.behavior).on("dblclick.zoom", null);
    return this;
  }

  /**
   * Put the transform in step with what is shown: `run` is the whole run (the base, kept while a
   * gesture is under way so that the point under the pointer stays put), `shown` the domain in
   * view, `width`×`height` the plot in view space.
   */
  sync(run: Domain, shown: Domain, width: number, height: number, mode: LayoutMode): void {
    this.width = width;
    this.height = height;
    if (!this.gesture) this.base = run;
    this.behavior.scaleExtent(scaleExtentFor(this.base, mode)).translateExtent([
      [0, -Infinity],
      [width, Infinity],
    ]);
    const t = transformFor(this.base, shown, width);
    const cur = this.transform;
    if (Math.abs(cur.k - t.k) <= 1e-12 * t.k && Math.abs(cur.x - t.x) <= 1e-9 * Math.max(1, Math.abs(t.x)) && cur.y === 0) return;
    this.syncing = true;
    try {
      this.behavior.transform(this.sel, t);
    } finally {
      this.syncing = false;
    }
  }

  /** The behaviour's current transform. */
  get transform(): ZoomTransform {
    return zoomTransform(this.sel.node()!);
  }

  /** Zoom by `factor` (>1 zooms in), keeping view pixel `anchorPx` fixed. */
  zoomBy(factor: number, anchorPx: number): void {
    this.behavior.scaleBy(this.sel, factor, [anchorPx, 0]);
  }

  /** Move by `dx` view pixels (positive: the content moves right). */
  panBy(dx: number): void {
    this.behavior.translateBy(this.sel, dx / this.transform.k, 0);
  }
}
