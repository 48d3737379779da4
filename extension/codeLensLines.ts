/**
 * Where the "Visualise IPC" CodeLens goes: the top-level `if __name__ == "__main__":` lines of a
 * Python file (either quote style, either operand order). Pure.
 */

const MAIN_GUARD = /^if\s+(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)\s*:/;

/** 0-based line numbers of top-level main guards in `text`. */
export function findMainGuardLines(text: string): number[] {
  const lines: number[] = [];
  let n = 0;
  let start = 0;
  let inTriple: string | null = null;
  for (;;) {
    const end = text.indexOf("\n", start);
    const line = end < 0 ? text.slice(start) : text.slice(start, end);
    if (inTriple === null) {
      if (MAIN_GUARD.test(line)) lines.push(n);
    }
    // Track triple-quoted strings roughly, so a guard inside a docstring is not taken.
    for (const m of line.matchAll(/"""|'''/g)) {
      if (inTriple === null) inTriple = m[0];
      else if (inTriple === m[0]) inTriple = null;
    }
    if (end < 0) break;
    start = end + 1;
    n++;
  }
  return lines;
}
