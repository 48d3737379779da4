/**
 * Where the "Visualise IPC" CodeLens goes: the top-level `if __name__ == "__main__":` lines of a
 * Python file (either quote style, either operand order); in a JavaScript or TypeScript file, the
 * first line that imports or requires `worker_threads`, `child_process` or `cluster`. Pure.
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

const NODE_IPC_IMPORT = /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(['"`])(?:node:)?(worker_threads|child_process|cluster)\1/;

/** 0-based line of the first import/require of Node's worker_threads, child_process or cluster (none: []). */
export function findNodeIpcImportLines(text: string): number[] {
  const lines = text.split("\n");
  let inBlock = false;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    if (inBlock) {
      const end = line.indexOf("*/");
      if (end < 0) continue;
      line = line.slice(end + 2);
      inBlock = false;
    }
    const trimmed = line.trimStart();
    if (trimmed.startsWith("//")) continue;
    if (trimmed.startsWith("/*") && !trimmed.includes("*/")) {
      inBlock = true;
      continue;
    }
    if (NODE_IPC_IMPORT.test(line)) return [n];
  }
  return [];
}
