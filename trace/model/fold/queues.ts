/**
 * The fold of queues: items put and taken, task_done/join, close, feeder errors.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";
import { KINDS } from "../../kinds/table";
import type { QueueState } from "../stateTypes";
import { newChannel } from "../stateTypes";

/** A queue created by its creation event (or a placeholder, made by a use before it, adopted). */
export function newQueue(s: ModelState, id: string, objType: string, at: number, creator: number | null): QueueState {
  const prev = s.objects.get(id);
  if (prev && prev.cls === "queue" && prev.creator === null) {
    // Used before its creation event was placed: keep its items.
    s.adoptPlaceholder(prev, objType, at, creator);
    return prev;
  }
  const q: QueueState = {
    ...s.base(id, objType, at, creator, null),
    cls: "queue",
    maxsize: null,
    copyOf: null,
    items: newChannel(),
    unfinished: 0,
    dropped: 0,
    closed: false,
  };
  s.objects.set(id, q);
  return q;
}

/** The queue `id`, created as a placeholder on first sight. */
export function queue(s: ModelState, id: string, at: number): QueueState {
  const o = s.objects.get(id);
  if (o && o.cls === "queue") return o;
  return newQueue(s, id, "Queue", at, null);
}

/** queue.poll, queue.join. */
const onQueuePoll: Handler<"queue.poll" | "queue.join"> = (s, e, i) => {
  queue(s, e.obj, i).users.add(e.pid);
};

/** Handlers of the queues kinds (trace/kinds/table.ts family "queues"). */
export const queueFold = {
  "queue.create": (s, e, i) => {
    const q = newQueue(s, e.obj, e.objType, i, e.pid);
    q.maxsize = typeof e.maxsize === "number" && e.maxsize > 0 ? e.maxsize : null;
    q.copyOf = e.copyOf ?? null;
  },
  "queue.put": (s, e, i) => {
    const q = queue(s, e.obj, i);
    q.users.add(e.pid);
    s.chanPut(q.items, i);
    q.unfinished++;
  },
  "queue.get": (s, e, i) => {
    const q = queue(s, e.obj, i);
    q.users.add(e.pid);
    s.chanTake(q.items, s.refs.partner(i), i);
  },
  "queue.poll": onQueuePoll,
  "queue.join": onQueuePoll,
  "queue.task_done": (s, e, i) => {
    const q = queue(s, e.obj, i);
    q.users.add(e.pid);
    if (q.unfinished > 0) q.unfinished--;
  },
  "queue.close": (s, e, i) => {
    const q = queue(s, e.obj, i);
    q.closed = true;
  },
  "queue.feeder_error": (s, e, i) => {
    const q = queue(s, e.obj, i);
    if (typeof e.msg === "string") {
      const put = s.refs.findSend(KINDS["queue.feeder_error"].pairs, e.msg);
      if (put >= 0 && put < i && s.chanTake(q.items, put, i) >= 0) q.dropped++;
    }
  },
} satisfies Partial<Handlers>;
