/**
 * The fold's handler table: one handler per event kind, grouped by primitive family (one file
 * each). Its type makes the compiler check that every kind of trace/kinds/table.ts is handled.
 */

import { KIND_NAMES } from "../kinds";
import { blockingFold } from "./blocking";
import { collectorFold } from "./collector";
import { managerFold } from "./managers";
import { pipeFold } from "./pipes";
import { poolFold } from "./pools";
import { processFold } from "./process";
import { queueFold } from "./queues";
import { syncFold } from "./sync";
import type { Handlers } from "./types";
import type { CallSite, TraceEvent } from "../../format";
import type { ModelState, ProcState, ThreadState } from "../state";
import { valueFold } from "./values";

export const HANDLERS: Handlers = {
  ...processFold,
  ...queueFold,
  ...pipeFold,
  ...syncFold,
  ...valueFold,
  ...managerFold,
  ...poolFold,
  ...blockingFold,
  ...collectorFold,
};

/** The handlers by kind code (trace/model/kinds.ts); code 0, an unknown kind, has none. */
export const HANDLER_BY_CODE: ReadonlyArray<AnyHandler | undefined> = KIND_NAMES.map((k) => (HANDLERS as unknown as Record<string, AnyHandler>)[k]);

/** A handler called with an event whose kind was checked by its code. */
type AnyHandler = (s: ModelState, e: TraceEvent, i: number, p: ProcState, th: ThreadState | null, site: CallSite | null) => void;
