/**
 * The fold of blocking events.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";





/** Handlers of the blocking kinds. */
export const blockingFold = {
  "block.begin": (s, e, i, p, th, site) => {
    th.block = {
      pid: e.pid,
      tid: e.tid,
      op: e.op,
      obj: e.obj,
      since: i,
      t: e.t,
      site,
      timeout: typeof e.timeout === "number" ? e.timeout : null,
      notified: false,
    };
    s.use(e.obj, e.pid);
  },
  "block.end": (s, e, i, p, th, site) => {
    th.block = null;
  },
} satisfies Partial<Handlers>;
