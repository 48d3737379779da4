/**
 * The shape of the fold: one handler per event kind, with that kind's own event type. The
 * handler table (trace/model/fold/index.ts) has the type {@link Handlers}, so the compiler
 * checks that every kind of the table (trace/kinds/table.ts) is handled.
 */

import type { CallSite, CollectorKind, EventIn, Kind } from "../../format";
import type { ModelState, ProcState, ThreadState } from "../state";

/**
 * Apply one event of kind K to the state: `i` is its causal index, `p` its process, `th` its
 * thread (null for collector events), `site` its call site when it has a valid one.
 */
export type Handler<K extends Kind> = (
  s: ModelState,
  e: EventIn<K>,
  i: number,
  p: ProcState,
  th: K extends CollectorKind ? null : ThreadState,
  site: CallSite | null,
) => void;

/** One handler per kind. */
export type Handlers = { [K in Kind]: Handler<K> };
