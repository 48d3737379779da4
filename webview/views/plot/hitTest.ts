/**
 * Pointing at the plot: the event under a point (hit test, over the frame last drawn), the
 * tooltip that names it, and a click that selects it (or the lane's process).
 */

import { lowerBound } from "../../layout/intervals";
import { laneAtY } from "../../layout/lanes";
import { eventSummary } from "../../layout/labels";
import { toTrace, toView } from "../../layout/scale";
import { laneIdText } from "../../../trace/model/nodeWords";
import type { Host } from "../../host";
import type { Store } from "../../store";
import type { Frame } from "./frame";

/** Event nearest to point (px, py) of the plot, within 8 px on its lane, or −1. */
export function hitTest(store: Store, f: Frame, px: number, py: number): number {
  const box = laneAtY(f.boxes, py);
  if (!box) return -1;
  const ld = store.data.laneOf(box.pid);
  if (!ld) return -1;
  const d = f.domain;
  const x = toTrace(d, f.width, px);
  const n = ld.xs.length;
  const k = lowerBound(ld.xs.data, n, x);
  let best = -1;
  let bestD = 8;
  for (const j of [k - 1, k]) {
    if (j < 0 || j >= n) continue;
    const dist = Math.abs(toView(d, f.width, ld.xs.data[j]) - px);
    if (dist <= bestD) {
      bestD = dist;
      best = j;
    }
  }
  if (best < 0) return -1;
  // Several events on one pixel: the last one before the pointer.
  return store.model.processLane(box.pid)!.events[best];
}

/** Tooltip on hover and selection on click, over `target` (the plot's top surface). */
export class PlotPointer {
  constructor(
    private readonly store: Store,
    private readonly host: Host,
    private readonly target: Element,
    private readonly tooltip: HTMLElement,
    private readonly frame: () => Frame | null,
  ) {
    target.addEventListener("mousemove", (e) => this.onMove(e as MouseEvent));
    target.addEventListener("mouseleave", () => this.hideTooltip());
    target.addEventListener("click", (e) => this.onClick(e as MouseEvent));
  }

  /** Event under a client point, or −1. */
  private eventAt(e: MouseEvent): number {
    const f = this.frame();
    if (!f) return -1;
    const r = this.target.getBoundingClientRect();
    return hitTest(this.store, f, e.clientX - r.left, e.clientY - r.top);
  }

  private onMove(e: MouseEvent): void {
    const i = this.eventAt(e);
    if (i < 0) {
      this.hideTooltip();
      return;
    }
    const s = this.store;
    const ev = s.model.event(i);
    const head = s.model.head;
    const tip = this.tooltip;
    const site = (ev as { site?: { file: string; line: number } }).site;
    tip.replaceChildren();
    const h = document.createElement("div");
    h.className = "tip-title";
    h.textContent = `#${i} ${eventSummary(head, ev)}`;
    const b = document.createElement("div");
    b.textContent = `${s.model.processName(ev.pid)} (${laneIdText(ev.pid)}) · ${(ev.t / 1e6).toFixed(3)} ms${site ? ` · ${site.file.split(/[\\/]/).pop()}:${site.line}` : ""}`;
    tip.append(h, b);
    tip.hidden = false;
    const x = Math.min(e.clientX + 14, window.innerWidth - 380);
    tip.style.setProperty("left", `${x}px`);
    tip.style.setProperty("top", `${e.clientY + 16}px`);
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private onClick(e: MouseEvent): void {
    const i = this.eventAt(e);
    if (i >= 0) {
      this.store.select(i, true);
      return;
    }
    const f = this.frame();
    const box = f ? laneAtY(f.boxes, e.clientY - this.target.getBoundingClientRect().top) : null;
    if (box) {
      this.store.selectProcess(box.pid);
      this.host.post({ type: "selectProcess", pid: box.pid });
    }
  }
}
