/**
 * Stepping through a model: from an event index to the next or previous event, event of one
 * process, message, lock event, wait (block.begin), or diagnosis. Every step is a binary search
 * in a precomputed index list: O(log n) on any trace size.
 */

import { bisectLeft, bisectRight } from "d3-array";
import type { TraceModel } from "./model";

/** What to step to. */
export type StepTarget =
  | { kind: "event" }
  | { kind: "process"; pid: number }
  | { kind: "message" }
  | { kind: "lock" }
  | { kind: "block" }
  /** Indices where diagnoses hold (from `diagnosisIndices(diagnose(model))`), ascending. */
  | { kind: "diagnosis"; indices: ArrayLike<number> };

/** Direction: 1 forwards, -1 backwards. */
export type StepDirection = 1 | -1;

/** First position in sorted `a` whose value is > v (dir 1), or last position < v (dir -1); -1 when none. */
function neighbour(a: ArrayLike<number>, v: number, dir: StepDirection): number {
  if (dir === 1) {
    const k = bisectRight(a, v);
    return k < a.length ? k : -1;
  }
  return bisectLeft(a, v) - 1;
}

/**
 * The index of the next (dir 1) or previous (dir -1) event matching `target`, strictly after or
 * before `from`; null when there is none. `from` may be -1 (before the first event) or `length`.
 */
export function step(model: TraceModel, from: number, dir: StepDirection, target: StepTarget = { kind: "event" }): number | null {
  const n = model.length;
  let list: ArrayLike<number>;
  switch (target.kind) {
    case "event": {
      const j = from + dir;
      return j >= 0 && j < n ? j : null;
    }
    case "process": {
      const lane = model.processLane(target.pid);
      if (!lane) return null;
      list = lane.events;
      break;
    }
    case "message":
      list = model.messageIndices();
      break;
    case "lock":
      list = model.lockIndices();
      break;
    case "block":
      list = model.blockIndices();
      break;
    case "diagnosis":
      list = target.indices;
      break;
    default: {
      const never: never = target;
      return never;
    }
  }
  const k = neighbour(list, from, dir);
  return k < 0 ? null : list[k];
}

/** A cursor over a model: an index plus stepping. Immutable: stepping returns a new cursor. */
export class ModelCursor {
  constructor(
    readonly model: TraceModel,
    /** Current event index (-1: before the first). */
    readonly index: number,
  ) {}

  /** Cursor at the next/previous match, or this cursor when there is none. */
  step(dir: StepDirection, target: StepTarget = { kind: "event" }): ModelCursor {
    const j = step(this.model, this.index, dir, target);
    return j === null ? this : new ModelCursor(this.model, j);
  }

  /** Cursor at an index (clamped to the model). */
  seek(i: number): ModelCursor {
    return new ModelCursor(this.model, Math.max(-1, Math.min(this.model.length - 1, i)));
  }

  /** The state at the cursor. */
  state() {
    return this.model.stateAt(this.index);
  }
}
