// Bundles every entry point with one build() helper: the CLI, the tests and the benchmarks.
// Type-checking is a separate step (`tsc --noEmit`).
import * as esbuild from "esbuild";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** All files under dir whose name ends with suffix. */
function findFiles(dir, suffix) {
  const out = [];
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** Bundle entry points for Node into out/, keeping their folder layout. */
async function build(entryPoints) {
  if (entryPoints.length === 0) return;
  await esbuild.build({
    entryPoints,
    outdir: "out",
    outbase: ".",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "linked",
    packages: "external",
    logLevel: "warning",
  });
}

await build([
  "cli/ipcviz.ts",
  ...findFiles("test", ".test.ts"),
  ...findFiles("bench", ".ts").filter((f) => !f.includes("/fixtures/")),
]);
