/**
 * Filter/search over events: a query is words, all of which must match. `pid:123`, `kind:queue`
 * (prefix of the kind), `obj:left` (substring of the object's id or of a name the program gives
 * it: its name at creation, `forks[0]`, or the event's process's own, `left`), `proc:Worker`
 * (substring of the process name); any other word matches, case-insensitively, the kind, object
 * (id or name), process name, pid, payload preview, value, method, attribute or call-site file of
 * the event. Pure: no DOM.
 */

import type { TraceEvent } from "../../trace/format";

export interface SearchTerm {
  field: "pid" | "kind" | "obj" | "proc" | "text";
  value: string;
}

/** Parse a query (empty query: no terms, matches nothing — there is nothing to find). */
export function parseQuery(text: string): SearchTerm[] {
  const out: SearchTerm[] = [];
  for (const raw of text.trim().split(/\s+/)) {
    if (!raw) continue;
    const m = /^(pid|kind|obj|proc):(.+)$/i.exec(raw);
    if (m) out.push({ field: m[1].toLowerCase() as SearchTerm["field"], value: m[2].toLowerCase() });
    else out.push({ field: "text", value: raw.toLowerCase() });
  }
  return out;
}

const TEXT_FIELDS = ["preview", "value", "method", "attr", "args", "result", "name", "func", "error", "objType", "old", "op"];

/** The names of an object in an event's process: the program's and the process's own (either may be absent). */
export type ObjectNames = (obj: string, pid: number) => ReadonlyArray<string | null | undefined>;

/** Does the event match every term? `processName` names the event's process; `objectNames` its object's names. */
export function matchEvent(terms: readonly SearchTerm[], ev: TraceEvent, processName: string, objectNames?: ObjectNames): boolean {
  if (terms.length === 0) return false;
  const rec = ev as unknown as Record<string, unknown>;
  const named = (v: string): boolean => {
    if (!objectNames || typeof rec.obj !== "string") return false;
    for (const n of objectNames(rec.obj, ev.pid)) if (n && n.toLowerCase().includes(v)) return true;
    return false;
  };
  for (const t of terms) {
    switch (t.field) {
      case "pid":
        if (String(ev.pid) !== t.value) return false;
        break;
      case "kind":
        if (!ev.kind.toLowerCase().startsWith(t.value)) return false;
        break;
      case "obj":
        if (typeof rec.obj !== "string" || !(rec.obj.toLowerCase().includes(t.value) || named(t.value))) return false;
        break;
      case "proc":
        if (!processName.toLowerCase().includes(t.value)) return false;
        break;
      case "text": {
        const v = t.value;
        let hit =
          ev.kind.toLowerCase().includes(v) ||
          String(ev.pid) === v ||
          processName.toLowerCase().includes(v) ||
          (typeof rec.obj === "string" && (rec.obj.toLowerCase().includes(v) || named(v))) ||
          (typeof rec.msg === "string" && rec.msg.toLowerCase() === v);
        if (!hit) {
          for (const f of TEXT_FIELDS) {
            const x = rec[f];
            if (typeof x === "string" && x.toLowerCase().includes(v)) {
              hit = true;
              break;
            }
          }
        }
        if (!hit) {
          const site = rec.site as { file?: string } | undefined;
          if (site && typeof site.file === "string" && site.file.toLowerCase().includes(v)) hit = true;
        }
        if (!hit) return false;
        break;
      }
      default: {
        const never: never = t.field;
        return never;
      }
    }
  }
  return true;
}
