// Bundles every entry point with one build() helper: the CLI, the extension host, the webview,
// the tests and the benchmarks. Type-checking is a separate step (`tsc --noEmit`, see package.json).
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

/** Bundle entry points into out/, keeping their folder layout. */
async function build(entryPoints, options = {}) {
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
    ...options,
  });
}

/**
 * Node programs keep node_modules external, except the ESM-only d3 modules the pure trace code
 * uses (d3-array): bundled, so `require` of them needs no ESM support from Node.
 */
const externalButD3 = {
  name: "external-but-d3",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (/^(d3-array|internmap)(\/|$)/.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

// Node programs run from the checkout: node_modules stays external (but d3-array, see above).
await build([
  "cli/ipcviz.ts",
  "scripts/docsKinds.ts",
  ...findFiles("test", ".test.ts"),
  ...findFiles("bench", ".ts").filter((f) => !f.includes("/fixtures/")),
], { packages: undefined, plugins: [externalButD3] });

// The Node runtime: one file preloaded into every process and worker thread of a Node program.
await build(["runtime/node/src/index.ts"], { outdir: undefined, outbase: undefined, outfile: "out/runtime/node/ipcviz-node.js", sourcemap: false });

// The extension host and the in-host test suite: everything bundled but `vscode` (the .vsix
// ships no node_modules).
await build(["extension/extension.ts", ...findFiles("test/vscode/suite", "index.ts")].filter((f) => existsOrEmpty(f)), {
  packages: undefined,
  external: ["vscode"],
});

// The webview: one script for the browser (VS Code webview and the standalone report), plus its CSS.
await build(["webview/main.ts", "webview/view.css"].filter((f) => existsOrEmpty(f)), {
  platform: "browser",
  target: "chrome120",
  format: "iife",
  packages: undefined,
  sourcemap: false,
});

/** True when the file exists (entries appear as the parts are written). */
function existsOrEmpty(f) {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}
