/**
 * What frames the plot: the x axis above it (an SVG, d3-axis) and the lane headers beside it
 * (HTML: name, role and pid, the status at the cursor, and the collapse/move/hide tools).
 */

import { axisTop, scaleLinear, select } from "d3";
import type { LaneBox } from "../../layout/lanes";
import { formatX } from "../../layout/scale";
import { blockLabel, exitLabel, roleLabel } from "../../layout/labels";
import { laneIdText } from "../../../trace/model/nodeWords";
import type { Store } from "../../store";
import { SVG_NS, type Frame } from "./frame";

export class Headers {
  readonly axisSvg: SVGSVGElement;

  constructor(
    private readonly store: Store,
    axisParent: HTMLElement,
    private readonly headers: HTMLElement,
  ) {
    this.axisSvg = document.createElementNS(SVG_NS, "svg");
    this.axisSvg.classList.add("axis-svg");
    axisParent.appendChild(this.axisSvg);
  }

  /** The x axis over the plot. */
  drawAxis(f: Frame): void {
    const domain = f.domain;
    const w = f.width;
    const mode = this.store.mode;
    const span = domain.x1 - domain.x0;
    const scale = scaleLinear().domain([domain.x0, domain.x1]).range([0, w]);
    const ax = select(this.axisSvg).attr("width", w).attr("height", 22);
    const g = ax.selectAll<SVGGElement, number>("g.axis").data([0]).join("g").attr("class", "axis").attr("transform", "translate(0,21)");
    // A span too short for the labels' precision (a trace of one instant) would repeat one label
    // at every tick: each label is shown once, at its first tick.
    const seen = new Set<string>();
    const ticks = scale.ticks(Math.max(2, Math.floor(w / 110))).filter((v) => {
      const label = formatX(mode, v, span);
      if (seen.has(label)) return false;
      seen.add(label);
      return true;
    });
    g.call(
      axisTop(scale)
        .tickValues(ticks)
        .tickFormat((v) => formatX(mode, Number(v), span)),
    );
  }

  /** One header per lane: name, role and pid, status at the cursor, lane tools. */
  drawHeaders(f: Frame): void {
    const s = this.store;
    const st = s.stateAtCursor();
    const head = s.model.head;
    const hdr = select(this.headers);
    hdr
      .selectAll<HTMLDivElement, LaneBox>("div.lane-header")
      .data(f.boxes, (b) => String(b.pid))
      .join((enter) => {
        const d = enter.append("div").attr("class", "lane-header").attr("data-nozoom", "");
        const top = d.append("div").attr("class", "lh-top");
        top.append("button").attr("class", "lh-collapse icon").attr("title", "Collapse / expand this lane (C)");
        top.append("span").attr("class", "lh-name");
        const tools = top.append("span").attr("class", "lh-tools");
        tools.append("button").attr("class", "lh-up icon").attr("title", "Move lane up").text("↑");
        tools.append("button").attr("class", "lh-down icon").attr("title", "Move lane down").text("↓");
        tools.append("button").attr("class", "lh-hide icon").attr("title", "Hide this lane").text("×");
        const second = d.append("div").attr("class", "lh-second");
        second.append("span").attr("class", "lh-role");
        second.append("span").attr("class", "lh-status");
        return d;
      })
      .attr("data-lane-header", (b) => b.pid)
      .classed("collapsed", (b) => b.collapsed)
      .classed("selected", (b) => b.pid === s.selectedPid)
      .style("top", (b) => `${b.y - 2}px`)
      .style("height", (b) => `${b.h + 4}px`)
      .each((b, k, nodes) => {
        const el = select(nodes[k]);
        const p = head.processes.get(b.pid);
        const pc = st.processes.get(b.pid);
        el.select(".lh-collapse").text(b.collapsed ? "▸" : "▾");
        el.select(".lh-name").text(p ? s.model.processName(b.pid) : laneIdText(b.pid)).attr("title", `${p?.name ?? ""} ${laneIdText(b.pid)}${p?.target ? " — " + p.target : ""}`);
        const role = p?.role ?? "unknown";
        el.select(".lh-role")
          .text(`${roleLabel(role)} · ${role === "worker" ? laneIdText(b.pid) : b.pid}`)
          .attr("data-role", role);
        const paused = s.paused.get(b.pid);
        let status: string;
        let cls: string;
        if (paused) {
          status = `❚❚ paused at ${paused.file ? paused.file.split(/[\\/]/).pop() : "?"}:${paused.line ?? "?"}${paused.reason ? ` (${paused.reason})` : ""}`;
          cls = "paused";
        } else if (!pc || pc.firstIndex > s.cursor || s.cursor < 0) {
          status = "not started yet";
          cls = "starting";
        } else {
          const stt = st.status(pc);
          cls = stt;
          if (stt === "exited") status = exitLabel(pc) ?? "exited";
          else if (stt === "blocked") {
            const blk = [...pc.threads.values()].find((t) => t.block)?.block;
            status = blk ? `waits: ${blk.op === "mgr.call" ? "Manager call" : blockLabel(st, s.model.event(blk.since))}` : "blocked";
          } else status = stt;
        }
        el.select(".lh-status").text(b.collapsed ? "" : status).attr("data-status", cls).attr("title", status);
      });
  }

}
