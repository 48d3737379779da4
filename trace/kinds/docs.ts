/**
 * The tables of event kinds in docs/trace-format.md, rendered from the table of kinds
 * (trace/kinds/table.ts). `npm run docs:kinds` writes them into the document between
 * `<!-- kinds:<family> -->` and `<!-- /kinds -->` markers; a unit test fails when the document
 * differs from what the table renders.
 */

import { BLOCK_OP } from "./fields";
import type { Family, KindDecl } from "./fields";
import { KINDS, KIND_LIST } from "./table";

const BLOCKING = KIND_LIST.filter((k) => (KINDS[k] as KindDecl).blocks);

/** The fields cell of one kind: each field's name (`?` when optional) and its doc in parentheses, then the note. */
function fieldsCell(d: KindDecl): string {
  const parts = Object.entries(d.fields).map(([name, x]) => {
    // A blocking op's doc is the list of kinds that can block, from the table.
    const doc = x.doc || (x.types & BLOCK_OP && !d.fields.outcome ? BLOCKING.map((k) => "`" + k + "`").join(", ") : "");
    return `\`${name}${x.required ? "" : "?"}\`` + (doc ? ` (${doc})` : "");
  });
  const text = parts.length ? parts.join(", ") : "—";
  return d.note ? `${text} — ${d.note}` : text;
}

/** The markdown table of one family: consecutive kinds with the same cell share a row. */
export function renderFamilyTable(family: Family): string {
  const rows: Array<{ kinds: string[]; cell: string }> = [];
  for (const k of KIND_LIST) {
    const d = KINDS[k] as KindDecl;
    if (d.family !== family) continue;
    const cell = fieldsCell(d);
    const last = rows[rows.length - 1];
    if (last && last.cell === cell) last.kinds.push(k);
    else rows.push({ kinds: [k], cell });
  }
  const lines = ["| kind | fields |", "|---|---|"];
  for (const r of rows) lines.push(`| ${r.kinds.map((k) => "`" + k + "`").join(", ")} | ${r.cell.replace(/\|/g, "\\|")} |`);
  return lines.join("\n");
}

const MARK = /<!-- kinds:([a-z]+) -->\n[\s\S]*?<!-- \/kinds -->/g;

/**
 * The document with every `<!-- kinds:<family> -->…<!-- /kinds -->` block rendered from the
 * table. Throws when a marker names no family, or a family of the table has no block.
 */
export function renderKindTables(doc: string): string {
  const families = new Set(KIND_LIST.map((k) => (KINDS[k] as KindDecl).family));
  const seen = new Set<string>();
  const out = doc.replace(MARK, (_m, family: string) => {
    if (!families.has(family as Family)) throw new Error(`docs: <!-- kinds:${family} --> names no family of trace/kinds/table.ts (families: ${[...families].join(", ")})`);
    seen.add(family);
    return `<!-- kinds:${family} -->\n${renderFamilyTable(family as Family)}\n<!-- /kinds -->`;
  });
  const missing = [...families].filter((f) => !seen.has(f));
  if (missing.length) throw new Error(`docs: no <!-- kinds:${missing.join(" -->, <!-- kinds:")} --> block for these families of trace/kinds/table.ts`);
  return out;
}
