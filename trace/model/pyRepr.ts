/**
 * Reading Python repr text as the runtime records it (argument tuples, dict literals): the
 * fold uses it to follow Manager dicts and lists (trace/model/fold/managers.ts). Splits at the
 * top level only, respecting brackets and string quotes; never evaluates anything.
 */

/**
 * Split a Python argument tuple's repr ("(1, 'a')", "1, 'a'", "[1, 2]") into its top-level
 * items, respecting brackets and string quotes.
 */
export function splitArgs(text: string): string[] {
  let s = text.trim();
  if (s.length >= 2 && ((s[0] === "(" && s[s.length - 1] === ")") || (s[0] === "[" && s[s.length - 1] === "]"))) {
    if (closingOf(s, 0) === s.length - 1) s = s.slice(1, -1);
  }
  const out = splitTop(s, ",").map((x) => x.trim());
  if (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

/** Index of the bracket closing the one at `open`, or -1. */
function closingOf(s: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let k = open; k < s.length; k++) {
    const ch = s[k];
    if (quote) {
      if (ch === "\\") k++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Parse "{k: v, …}" into entries (Python repr text), or null. */
export function parseDictLiteral(text: string): Array<[string, string]> | null {
  const s = text.trim();
  if (!s.startsWith("{") || closingOf(s, 0) !== s.length - 1) return null;
  const inner = s.slice(1, -1);
  const out: Array<[string, string]> = [];
  for (const item of splitArgs("(" + inner + ")")) {
    const parts = splitTop(item, ":");
    if (parts.length !== 2) return null;
    out.push([parts[0].trim(), parts[1].trim()]);
  }
  return out;
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let quote = "";
  for (let k = 0; k < s.length; k++) {
    const ch = s[k];
    if (quote) {
      if (ch === "\\") k++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === sep && depth === 0) {
      out.push(s.slice(start, k));
      start = k + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
