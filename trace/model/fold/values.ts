/**
 * The fold of shared values and arrays: the value as last read or written, element by element.
 */

import type { Handler, Handlers } from "./types";
import type { ModelState } from "../state";
import type { ValueState } from "../stateTypes";

/** The shared Value/Array `id`, created on first sight. */
export function value(s: ModelState, id: string, at: number): ValueState {
  return s.obtain(id, "value", () => ({
    ...s.base(id, "Value", at, null, null),
    cls: "value",
    ctype: "?",
    length: null,
    lock: null,
    value: "?",
    elements: new Map(),
    elementsGen: s.gen,
    lastWrite: null,
  }));
}

/** The value's elements, copied first when a checkpoint shares them (copy-on-write). */
export function mutElements(s: ModelState, v: ValueState): Map<string, string> {
  if (v.elementsGen !== s.gen) {
    v.elements = new Map(v.elements);
    v.elementsGen = s.gen;
  }
  return v.elements;
}

/** Handlers of the values kinds (trace/kinds/table.ts family "values"). */
export const valueFold = {
  "value.create": (s, e, i) => {
    const v = value(s, e.obj, i);
    v.objType = e.objType;
    v.ctype = e.ctype;
    v.length = e.length ?? null;
    v.lock = e.lock ?? null;
    v.value = e.preview;
    v.createdAt = i;
    v.creator = e.pid;
    v.users.add(e.pid);
  },
  "value.read": (s, e, i) => {
    // A read shows the current value: it is the best truth the trace has.
    const v = value(s, e.obj, i);
    v.users.add(e.pid);
    const k = e.index === undefined ? "" : String(e.index);
    if (k === "" || k === "raw" || (v.length !== null && k === `0:${v.length}`)) {
      if (v.value !== e.value) v.value = e.value;
      if (v.elements.size > 0) mutElements(s, v).clear();
    } else if (v.elements.get(k) !== e.value) mutElements(s, v).set(k, e.value);
  },
  "value.write": (s, e, i, _p, _th, site) => {
    const v = value(s, e.obj, i);
    v.users.add(e.pid);
    if (e.index === undefined || e.index === "raw") {
      v.value = e.value;
      if (v.elements.size > 0) mutElements(s, v).clear();
    } else mutElements(s, v).set(String(e.index), e.value);
    v.lastWrite = { pid: e.pid, at: i, site };
  },
} satisfies Partial<Handlers>;
