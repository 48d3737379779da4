/**
 * The view's keyboard: stepping (arrows, [ ], m/l/b/d, n/N, Home/End), play (space), zoom
 * (+ - 0), layout (t), collapse (c), go to source (Enter), search (/), Escape, the keys panel (?).
 * The table of keys the user sees is renderKeys (views/panels.ts).
 */

import type { Host } from "./host";
import type { Store, StepBy } from "./store";
import type { Plot } from "./views/plot/plot";

/** What the keys act on (the App). */
export interface KeyTarget {
  readonly store: Store;
  readonly plot: Pick<Plot, "zoomBy" | "fit">;
  readonly host: Host;
  /** The cursor moved: scroll it into view. */
  jumped(): void;
  togglePlay(): void;
  /** The layout (time/logical) changed: show it in the toolbar. */
  layoutChanged(mode: Store["mode"]): void;
  focusSearch(): void;
  toggleKeys(): void;
}

/** Act on a key pressed outside a text field (prevents its default when it is one of the view's keys). */
export function onKey(e: KeyboardEvent, k: KeyTarget): void {
  const tgt = e.target as HTMLElement | null;
  if (tgt && (tgt.tagName === "INPUT" || tgt.tagName === "SELECT" || tgt.tagName === "TEXTAREA")) return;
  const s = k.store;
  let handled = true;
  const jump = (dir: 1 | -1, by: StepBy) => {
    s.stepCursor(dir, by);
    k.jumped();
  };
  switch (e.key) {
    case "ArrowRight":
      jump(1, e.shiftKey ? s.stepBy : "event");
      break;
    case "ArrowLeft":
      jump(-1, e.shiftKey ? s.stepBy : "event");
      break;
    case "]":
      jump(1, "process");
      break;
    case "[":
      jump(-1, "process");
      break;
    case "m":
    case "M":
      jump(e.shiftKey ? -1 : 1, "message");
      break;
    case "l":
    case "L":
      jump(e.shiftKey ? -1 : 1, "lock");
      break;
    case "b":
    case "B":
      jump(e.shiftKey ? -1 : 1, "block");
      break;
    case "d":
    case "D":
      jump(e.shiftKey ? -1 : 1, "diagnosis");
      break;
    case "n":
      jump(1, "match");
      break;
    case "N":
      jump(-1, "match");
      break;
    case " ":
      k.togglePlay();
      break;
    case "Home":
      s.home();
      k.jumped();
      break;
    case "End":
      s.end();
      k.jumped();
      break;
    case "+":
    case "=":
      k.plot.zoomBy(2);
      break;
    case "-":
    case "_":
      k.plot.zoomBy(0.5);
      break;
    case "0":
      k.plot.fit();
      break;
    case "t":
      s.setMode(s.mode === "time" ? "logical" : "time");
      k.layoutChanged(s.mode);
      break;
    case "c":
      if (s.selectedPid !== null) s.toggleCollapsed(s.selectedPid);
      break;
    case "Enter": {
      const i = s.selected;
      const site = i >= 0 ? (s.model.event(i) as { site?: { file: string; line: number } }).site : undefined;
      if (site) k.host.post({ type: "goToSource", file: site.file, line: site.line });
      break;
    }
    case "/":
      k.focusSearch();
      break;
    case "Escape":
      s.select(-1, false);
      break;
    case "?":
      k.toggleKeys();
      break;
    default:
      handled = false;
  }
  if (handled) e.preventDefault();
}
