/**
 * The issue's table of figures: each bench records what it measured here, and `npm run bench`
 * prints the whole table at the end of the run, each row with its target and whether it is met.
 */

export interface Figure {
  /** The table's row, e.g. "loop ratio Queue (3.11.7)". */
  row: string;
  value: number;
  /** How the value prints: "x" ratio, "s", "ms", "MB". */
  unit: "x" | "s" | "ms" | "MB";
  /** The target: the value must be at most this. */
  target: number;
  /** Extra words printed after the figure (what it is made of). */
  note?: string;
}

const figures: Figure[] = [];

export function record(f: Figure): void {
  figures.push(f);
}

function fmt(v: number, unit: Figure["unit"]): string {
  if (unit === "x") return `${v.toFixed(2)}x`;
  if (unit === "s") return `${v.toFixed(3)} s`;
  if (unit === "ms") return `${v.toFixed(1)} ms`;
  return `${v.toFixed(0)} MB`;
}

/** The table as text lines (empty when nothing was recorded). */
export function tableLines(): string[] {
  if (figures.length === 0) return [];
  const w = Math.max(...figures.map((f) => f.row.length));
  const lines = ["== figures (issue 17's table; ratios measured in this run)"];
  for (const f of figures) {
    const met = f.value <= f.target ? "MET" : "NOT MET";
    lines.push(`${f.row.padEnd(w)}  ${fmt(f.value, f.unit).padStart(10)}  target <= ${fmt(f.target, f.unit)}  ${met}${f.note ? `  (${f.note})` : ""}`);
  }
  const met = figures.filter((f) => f.value <= f.target).length;
  lines.push(`${met} of ${figures.length} figures meet their target`);
  return lines;
}
