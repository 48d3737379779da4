/**
 * The fold of pipes: messages in flight per direction, which processes hold and closed each end.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";
import type { PipeState } from "../stateTypes";
import { newChannel } from "../stateTypes";

/** The pipe an end belongs to, and which side the end is. */
export function pipeOfEnd(s: ModelState, end: string, at: number): { pipe: PipeState; side: 0 | 1 } {
  const pid = s.ends.get(end);
  if (pid !== undefined) {
    const p = s.objects.get(pid);
    if (p && p.cls === "pipe") return { pipe: p, side: p.ends[0] === end ? 0 : 1 };
  }
  // A pipe end never created in the trace: invent a pipe for it.
  const other = end + "'";
  const p = newPipe(s, "pipe:" + end, [end, other], true, at, null);
  return { pipe: p, side: 0 };
}

/** A new pipe with its two ends (taking over what ends used before its creation event sent). */
export function newPipe(s: ModelState, id: string, ends: [string, string], duplex: boolean, at: number, creator: number | null): PipeState {
  // Ends used before the pipe's creation event was placed got an invented pipe: take over what they sent.
  const early: Array<[PipeState, 0 | 1]> = [];
  for (const side of [0, 1] as const) {
    const old = s.objects.get(s.ends.get(ends[side]) ?? "");
    if (old && old.cls === "pipe" && old.id.startsWith("pipe:")) early.push([old, side]);
  }
  const p: PipeState = {
    ...s.base(id, "Pipe", at, creator, null),
    cls: "pipe",
    ends,
    duplex,
    dirs: [newChannel(), newChannel()],
    holders: [new Set(creator === null ? [] : [creator]), new Set(creator === null ? [] : [creator])],
    closedBy: [new Set(), new Set()],
  };
  for (const [old, side] of early) {
    p.dirs[side] = old.dirs[0];
    for (const pid of old.holders[0]) p.holders[side].add(pid);
    for (const pid of old.users) p.users.add(pid);
    s.objects.delete(old.id);
  }
  s.objects.set(id, p);
  s.ends.set(ends[0], id);
  s.ends.set(ends[1], id);
  return p;
}

/** The other end of `p` is a process outside the run (pid `peer` when known). */
function markOutside(p: PipeState, peer: number | undefined): void {
  p.outside = true;
  if (peer !== undefined) p.peerPid = peer;
}

/** pipe.poll, pipe.eof. */
const onPipePoll: Handler<"pipe.poll" | "pipe.eof"> = (s, e, i) => {
  const { pipe, side } = pipeOfEnd(s, e.obj, i);
  pipe.users.add(e.pid);
  pipe.holders[side].add(e.pid);
};

/** Handlers of the pipes kinds (trace/kinds/table.ts family "pipes"). */
export const pipeFold = {
  "pipe.create": (s, e, i) => {
    const ends = e.ends as [string, string];
    const p = newPipe(s, e.obj, [ends[0], ends[1]], e.duplex, i, e.pid);
    // A connection a Listener accepted: the accepting process holds its own end only; the client's
    // end is the client's (its pipe.connect, or its first use).
    if (e.listener !== undefined) {
      p.accepted = true;
      p.holders[1].delete(e.pid);
    }
    if (e.outside === true) markOutside(p, e.peerPid);
  },
  "pipe.send": (s, e, i) => {
    const { pipe, side } = pipeOfEnd(s, e.obj, i);
    pipe.users.add(e.pid);
    pipe.holders[side].add(e.pid);
    // Sent to a process outside the run: it left the run, it is not in flight on this pipe.
    if (e.outside === true) pipe.outside = true;
    else s.chanPut(pipe.dirs[side], i);
  },
  "pipe.recv": (s, e, i) => {
    const { pipe, side } = pipeOfEnd(s, e.obj, i);
    pipe.users.add(e.pid);
    pipe.holders[side].add(e.pid);
    s.chanTake(pipe.dirs[1 - side], s.refs.partner(i), i);
  },
  "pipe.connect": (s, e, i) => {
    // The client's end of a Listener connection (its names: the model's generic `names`).
    const { pipe, side } = pipeOfEnd(s, e.obj, i);
    pipe.users.add(e.pid);
    pipe.holders[side].add(e.pid);
    if (e.outside === true) markOutside(pipe, e.peerPid);
  },
  "pipe.poll": onPipePoll,
  "conn.wait": (s, e) => {
    s.use(e.obj, e.pid);
  },
  "pipe.eof": onPipePoll,
  "pipe.close": (s, e, i) => {
    const { pipe, side } = pipeOfEnd(s, e.obj, i);
    pipe.holders[side].delete(e.pid);
    pipe.closedBy[side].add(e.pid);
  },
} satisfies Partial<Handlers>;
