/**
 * The panels around the plot: the inspector (state at the cursor), the details of the selected
 * event (with "Go to source"), the diagnosis list (each entry jumps to where it happens), the
 * legend (arrow kinds, lock colours, marks) and the key legend.
 */

import { inspectState, shortSite } from "../../trace/model/dump";
import { SEND_KINDS, type TraceEvent } from "../../trace/format";
import { channelLabel, eventFields, eventSummary } from "../layout/labels";
import { ARROW_CLASSES, ARROW_STYLE, ChannelColours, LockColours } from "../layout/palette";
import { objectLabel } from "../../trace/model/dump";
import type { Store } from "../store";
import type { Host } from "../host";

/** Create an element with a class and optional text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Inspector: the state of the program at the cursor, section by section as the model gives it (trace/model/dump.ts inspectState). */
export function renderInspector(root: HTMLElement, store: Store): void {
  const view = inspectState(store.stateAtCursor());
  root.replaceChildren();
  root.append(el("div", "insp-title", view.title));
  for (const section of view.sections) {
    const sec = el("details", "insp-section");
    sec.open = true;
    sec.dataset.inspectorSection = section.name;
    sec.append(el("summary", undefined, section.name));
    const list = el("ul");
    for (const row of section.rows) {
      const li = el("li", undefined, row.text);
      li.dataset.key = row.key;
      li.classList.toggle("blocked", row.blocked);
      li.classList.toggle("held", row.held);
      li.classList.toggle("bad", row.bad);
      list.append(li);
    }
    sec.append(list);
    root.append(sec);
  }
}

/** Details of the selected event. */
export function renderDetails(root: HTMLElement, store: Store, host: Host): void {
  root.replaceChildren();
  const i = store.selected;
  if (i < 0) {
    root.append(el("div", "muted", "Click an event (or step to one) to see its details."));
    return;
  }
  const m = store.model;
  const ev = m.event(i);
  const head = m.head;
  root.dataset.event = String(i);
  root.append(el("div", "det-title", `#${i} ${eventSummary(head, ev)}`));
  const table = el("table", "det-table");
  const max = store.options.previewLength ?? 400;
  for (const [k, v] of eventFields(head, ev)) {
    const tr = el("tr");
    tr.append(el("th", undefined, k), el("td", undefined, v.length > max ? v.slice(0, Math.max(1, max - 1)) + "…" : v));
    table.append(tr);
  }
  root.append(table);
  const links = el("div", "det-links");
  const p = m.partner(i);
  if (p >= 0) {
    const other = m.event(p);
    const label =
      ev.kind === "block.begin"
        ? `wait ended at #${p} (${((other.t - ev.t) / 1e6).toFixed(3)} ms later)`
        : ev.kind === "block.end"
          ? `wait began at #${p}`
          : p > i
            ? `→ received by ${m.processName(other.pid)} at #${p} (${((other.t - ev.t) / 1e6).toFixed(3)} ms)`
            : `← sent by ${m.processName(other.pid)} at #${p}`;
    const b = el("button", "link", label);
    b.dataset.jump = String(p);
    b.addEventListener("click", () => store.select(p, true));
    links.append(b);
    // A wait that ended: who ended it (the sender of what it received), as gotraceui does.
    if (ev.kind === "block.begin") {
      const by = unblockedBy(store, p);
      if (by >= 0) {
        const e2 = m.event(by);
        const u = el("button", "link", `unblocked by ${m.processName(e2.pid)}: ${e2.kind} at #${by}`);
        u.dataset.unblockedBy = String(by);
        u.addEventListener("click", () => store.select(by, true));
        links.append(u);
      }
    }
  } else if (ev.kind === "block.begin") links.append(el("div", "warn", "This wait never ended."));
  else if (SEND_KINDS.has(ev.kind) && (ev as { outside?: boolean }).outside === true) links.append(el("div", undefined, "Sent to a process outside the run (it records nothing)."));
  else if (SEND_KINDS.has(ev.kind)) links.append(el("div", "warn", "Not received (yet)."));
  const site = (ev as TraceEvent & { site?: { file: string; line: number; fn: string } }).site;
  if (site) {
    const b = el("button", "primary", `Go to source: ${shortSite(site)}`);
    b.title = `${site.file}:${site.line}`;
    b.dataset.goto = "";
    b.addEventListener("click", () => host.post({ type: "goToSource", file: site.file, line: site.line }));
    links.append(b);
  }
  root.append(links);
}

/**
 * The event that ended a wait: the send of the message the thread received right after its
 * block.end (queue get, pipe recv, Manager reply, Pool result), or −1.
 */
export function unblockedBy(store: Store, blockEnd: number): number {
  const m = store.model;
  const ev = m.event(blockEnd);
  const lane = m.processLane(ev.pid);
  if (!lane) return -1;
  const evs = lane.events;
  const local = m.localIndex(blockEnd);
  for (let k = local + 1; k < evs.length && k <= local + 3; k++) {
    const j = evs[k];
    const e = m.event(j) as TraceEvent & { tid?: number };
    if (e.tid !== (ev as TraceEvent & { tid?: number }).tid) continue;
    if (m.isReceipt(j)) {
      const s = m.partner(j);
      return s >= 0 && m.pid(s) !== ev.pid ? s : -1;
    }
    return -1;
  }
  return -1;
}

/** Diagnosis: no progress (opens the stacks), deadlocks and stalls, potential deadlocks, hazards (each jumps to its event). */
export function renderDiagnosis(root: HTMLElement, store: Store, onJump: (i: number, pids: number[]) => void, onShowStacks: () => void): void {
  root.replaceChildren();
  const d = store.diagnosis;
  if (!d) {
    root.append(el("div", "muted", store.live ? "Diagnosis runs when the run ends or goes idle." : "No diagnosis."));
    return;
  }
  // A hang outside the recorded primitives (trace/analysis/stacks.ts noProgress): not a deadlock,
  // but the run was stuck all the same, and this panel is where a person looks first.
  const np = store.noProgress();
  const total = d.deadlocks.length + d.potentialDeadlocks.length + d.hazards.length;
  if (total === 0 && !np) {
    root.append(el("div", "ok", "No deadlock, no potential deadlock, no hazard found."));
    return;
  }
  if (np) {
    const div = el("div", "diag-item no-progress");
    div.dataset.diagnosisItem = "no-progress:0";
    const h = el("div", "diag-head");
    h.append(el("span", "diag-kind", "No progress"));
    const b = el("button", "link", "show stacks");
    b.addEventListener("click", onShowStacks);
    h.append(b);
    div.append(h);
    for (const p of np.processes) div.append(el("div", "diag-text", p.text));
    root.append(div);
  }
  const item = (cls: string, title: string, text: string, at: number, pids: number[], k: number) => {
    const div = el("div", "diag-item " + cls);
    div.dataset.diagnosisItem = `${cls}:${k}`;
    const h = el("div", "diag-head");
    h.append(el("span", "diag-kind", title));
    const b = el("button", "link", `show (#${at})`);
    b.addEventListener("click", () => onJump(at, pids));
    h.append(b);
    div.append(h, el("div", "diag-text", text));
    root.append(div);
  };
  d.deadlocks.forEach((x, k) => item("deadlock", x.kind === "cycle" ? "Deadlock (cycle)" : "Stall", x.explanation, x.at, x.pids, k));
  d.potentialDeadlocks.forEach((x, k) => item("potential", "Potential deadlock (lock order)", x.explanation, x.at, x.edges.map((e) => e.pid), k));
  d.hazards.forEach((x, k) => item("hazard", `Hazard: ${x.kind}`, x.explanation, x.at, [], k));
}

/** Per legend root: what it shows (its key) and how far the arrows were scanned for their classes. */
const legendState = new WeakMap<HTMLElement, { key: string; data: Store["data"]; scanned: number; present: Set<number> }>();

/**
 * Legend: arrow kinds present, locks by colour, marks. Rebuilt only when what it says changes
 * (a new arrow kind, channel, lock or name): the arrows are scanned once, incrementally.
 */
export function renderLegend(root: HTMLElement, store: Store, onFind: (query: string) => void = () => {}): void {
  const data = store.data;
  let st = legendState.get(root);
  if (!st || st.data !== data || st.scanned > data.arrowClass.length) legendState.set(root, (st = { key: "", data, scanned: 0, present: new Set() }));
  const present = st.present;
  for (let k = st.scanned; k < data.arrowClass.length && present.size < ARROW_CLASSES.length; k++) present.add(data.arrowClass.data[k]);
  st.scanned = present.size < ARROW_CLASSES.length ? data.arrowClass.length : st.scanned;
  const head0 = store.model.head;
  const key = [
    [...present].sort().join(","),
    data.channels.ids.map((id, slot) => `${id}\u0001${data.channels.classes[slot]}\u0001${channelLabel(head0, id)}\u0001${head0.ends.has(id)}`).join("\u0002"),
    data.locks.ids.map((id) => {
      const o = head0.object(id);
      const extra = o && o.cls === "lock" && o.kind === "semaphore" && o.initialKnown ? `${o.value}/${o.initial}` : "";
      return `${id}\u0001${objectLabel(head0, id)}\u0001${extra}`;
    }).join("\u0002"),
  ].join("\u0003");
  if (key === st.key && root.childElementCount) return;
  st.key = key;
  root.replaceChildren();
  const arrows = el("div", "legend-group");
  arrows.append(el("div", "legend-title", "Messages"));
  ARROW_CLASSES.forEach((c, k) => {
    if (!present.has(k)) return;
    const row = el("div", "legend-row");
    const sw = el("span", "swatch-line");
    sw.style.setProperty("border-top-color", `var(${ARROW_STYLE[c].colorVar})`);
    sw.style.setProperty("border-top-style", ARROW_STYLE[c].dash.length ? "dashed" : "solid");
    row.append(sw, el("span", undefined, ARROW_STYLE[c].label));
    arrows.append(row);
  });
  const inflight = el("div", "legend-row");
  const sw0 = el("span", "swatch-line inflight");
  inflight.append(sw0, el("span", undefined, "in flight at the cursor"));
  arrows.append(inflight);
  root.append(arrows);
  if (data.channels.ids.length) {
    // Each queue, pipe, Manager and Pool in its own colour, named as the program names it.
    const g = el("div", "legend-group");
    g.append(el("div", "legend-title", "Channels (arrow colour)"));
    const head = store.model.head;
    data.channels.ids.forEach((id, slot) => {
      const row = el("div", "legend-row");
      row.dataset.legendChannel = id;
      if (!head.ends.has(id) && !id.startsWith("pipe:")) {
        row.classList.add("clickable");
        row.title = "Find the events on this channel";
        row.addEventListener("click", () => onFind(`obj:${id}`));
      }
      const sw = el("span", "swatch-line");
      sw.style.setProperty("border-top-color", `var(${ChannelColours.varOf(slot)})`);
      sw.style.setProperty("border-top-style", ARROW_STYLE[data.channels.classes[slot]].dash.length ? "dashed" : "solid");
      row.append(sw, el("span", undefined, channelLabel(head, id)));
      g.append(row);
    });
    root.append(g);
  }
  if (data.locks.ids.length) {
    const g = el("div", "legend-group");
    g.append(el("div", "legend-title", "Locks (bar = held, hatched with dashed outline = waiting for it)"));
    const head = store.model.head;
    data.locks.ids.forEach((id, slot) => {
      const row = el("div", "legend-row");
      row.dataset.legendLock = id;
      row.title = "Find this lock's events (its holders and waiters are ringed)";
      row.classList.add("clickable");
      row.addEventListener("click", () => onFind(`obj:${id}`));
      const sw = el("span", "swatch");
      sw.style.setProperty("background", `var(${LockColours.varOf(slot)})`);
      const o = head.object(id);
      let extra = "";
      if (o && o.cls === "lock" && o.kind === "semaphore") extra = o.initialKnown ? ` (value ${o.value} of ${o.initial})` : "";
      row.append(sw, el("span", undefined, objectLabel(head, id) + extra));
      g.append(row);
    });
    root.append(g);
  }
  const marks = el("div", "legend-group");
  marks.append(el("div", "legend-title", "Lanes"));
  for (const [cls, label] of [
    ["swatch blocked", "blocked: waiting (label says on what)"],
    ["swatch deadlock", "deadlocked / stalled wait"],
    ["swatch write", "◆ Value/Array write"],
    ["swatch paused", "paused in the debugger"],
  ]) {
    const row = el("div", "legend-row");
    row.append(el("span", cls), el("span", undefined, label));
    marks.append(row);
  }
  root.append(marks);
}

/** The key legend. */
export const KEYS: Array<[string, string]> = [
  ["← / →", "step one event back / forward"],
  ["Shift+← / →", "jump to previous / next of the “Jump by” kind"],
  ["[ / ]", "previous / next event of the selected process"],
  ["m / l / b / d", "next message / lock event / wait / diagnosis (Shift: previous)"],
  ["n / N", "next / previous search match"],
  ["Space", "play / pause"],
  ["Home / End", "first / last event (End follows a live run)"],
  ["+ / −", "zoom in / out around the cursor"],
  ["0", "fit the whole run"],
  ["t", "switch time / logical layout"],
  ["c", "collapse / expand the selected lane"],
  ["Enter", "go to the source of the selected event"],
  ["/", "search"],
  ["Esc", "clear the selection"],
  ["?", "show / hide these keys"],
];

export function renderKeys(root: HTMLElement): void {
  root.replaceChildren();
  const t = el("table", "keys-table");
  for (const [k, v] of KEYS) {
    const tr = el("tr");
    const th = el("th");
    th.append(el("kbd", undefined, k));
    tr.append(th, el("td", undefined, v));
    t.append(tr);
  }
  root.append(t);
}

function baseName(p: string): string {
  const i = p.lastIndexOf("/");
  return i >= 0 ? p.slice(i + 1) : p;
}

/**
 * Stacks: the newest stack snapshot (docs/trace-format.md, "Stacks"), per process and thread,
 * the innermost user frame marked; every frame goes to its source. A "no progress" report on a
 * snapshot taken because nothing was recorded comes first.
 */
export function renderStacks(root: HTMLElement, store: Store, host: Host): void {
  root.replaceChildren();
  const snap = store.latestStacks();
  const pending = store.stacks.latest();
  if (pending && !pending.complete) root.append(el("div", "muted stacks-pending", "Asking every process for its stacks…"));
  if (!snap) {
    if (!pending) root.append(el("div", "muted", store.live ? "No stacks yet: “Show All Stacks” asks every process where it is." : "This trace has no stack snapshot."));
    return;
  }
  const np = store.noProgress();
  if (np) {
    const box = el("div", "no-progress");
    box.dataset.noProgress = "1";
    box.append(el("div", "diag-kind", "No progress"));
    for (const p of np.processes) box.append(el("div", "diag-text", p.text));
    root.append(box);
  }
  root.append(el("div", "muted stacks-when", `${snap.reason === "hang" ? "Taken because nothing was recorded" : "Asked for"} at ${(snap.t / 1e9).toFixed(2)} s (request ${snap.request})`));
  for (const p of snap.processes) {
    const sec = el("div", "stacks-proc");
    sec.dataset.stacksPid = String(p.pid);
    sec.append(el("div", "stacks-proc-head", `${p.name} (pid ${p.pid}, ${p.role})`));
    if (p.threads === null) {
      const m = p.missing;
      const why = !m ? "no answer yet" : m.state === null ? "it had ended" : `did not answer within ${(m.waitedMs / 1000).toFixed(1)} s (state ${m.state}, ${m.cpuTicks ?? "?"} CPU ticks meanwhile)`;
      const last = p.lastEvent ? `; last recorded event: ${p.lastEvent.kind}${p.lastEvent.site ? ` at ${baseName(p.lastEvent.site)}` : ""}` : "";
      sec.append(el("div", "stacks-missing", why + last));
      root.append(sec);
      continue;
    }
    for (const t of p.threads) {
      const th = el("div", "stacks-thread");
      th.dataset.stacksThread = t.name;
      const call = t.call ? ` in ${t.call}` : "";
      const spin = t.spin ? ` (${t.spin.method} → ${t.spin.result} ×${t.spin.repeats})` : "";
      th.append(el("div", `stacks-thread-head state-${t.state}`, `${t.name} · ${t.state}${call}${spin}`));
      const list = el("ol", "stacks-frames");
      let libRun: HTMLElement | null = null;
      t.frames.forEach((f, k) => {
        const li = el("li", f.user ? "frame user" : "frame lib");
        if (k === t.userFrame) li.classList.add("current");
        const b = el("button", "link frame-link", `${k === t.userFrame ? "▶ " : ""}${baseName(f.file)}:${f.line}`);
        b.title = `${f.file}:${f.line} — go to source`;
        b.dataset.frame = `${f.file}:${f.line}`;
        b.addEventListener("click", () => host.post({ type: "goToSource", file: f.file, line: f.line }));
        li.append(b, el("span", "frame-fn", ` ${f.fn}`));
        if (f.user) {
          libRun = null;
          list.append(li);
        } else {
          if (libRun === null) {
            const d = el("details", "lib-frames");
            d.append(el("summary", "muted", "library frames"));
            const inner = el("ol", "stacks-frames");
            d.append(inner);
            const holder = el("li", "frame lib-group");
            holder.append(d);
            list.append(holder);
            libRun = inner;
          }
          libRun.append(li);
        }
      });
      th.append(list);
      sec.append(th);
    }
    root.append(sec);
  }
  // Children still starting: not connected yet, so they could not be asked (no stacks).
  for (const p of snap.starting) {
    const sec = el("div", "stacks-proc stacks-starting");
    sec.dataset.stacksPid = String(p.pid);
    sec.dataset.stacksStarting = "1";
    sec.append(el("div", "stacks-proc-head", `${p.name} (pid ${p.pid}, starting)`));
    const line = el("div", "stacks-missing", "still starting, cannot answer (not connected)");
    if (p.parentName !== null) line.append(document.createTextNode(`; started by ${p.parentName}`));
    if (p.site !== null) {
      const i = p.site.lastIndexOf(":");
      const file = p.site.slice(0, i);
      const lineNo = Number(p.site.slice(i + 1));
      line.append(document.createTextNode(" at "));
      const b = el("button", "link frame-link", `${baseName(file)}:${lineNo}`);
      b.title = `${p.site} — go to source`;
      b.dataset.frame = p.site;
      b.addEventListener("click", () => host.post({ type: "goToSource", file, line: lineNo }));
      line.append(b);
    }
    if (p.busy) line.append(document.createTextNode("; the OS has it running"));
    else if (p.stillCpuMs !== null && p.stillNs >= 1e9) line.append(document.createTextNode(`; ${p.stillCpuMs} ms of CPU in ${(p.stillNs / 1e9).toFixed(1)} s`));
    sec.append(line);
    root.append(sec);
  }
}
