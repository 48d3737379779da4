/**
 * The fold of waits: the open block.begin of each thread.
 */

import type { Handlers } from "./types";

/** Handlers of the blocking kinds (trace/kinds/table.ts family "blocking"). */
export const blockingFold = {
  "block.begin": (s, e, i, _p, th, site) => {
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
    if (Array.isArray(e.objects)) th.block.objects = e.objects;
    s.use(e.obj, e.pid);
  },
  "block.end": (_s, _e, _i, _p, th) => {
    th.block = null;
  },
} satisfies Partial<Handlers>;
