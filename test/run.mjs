// Runs the test tiers with Node's test runner: `node test/run.mjs [unit|runtime|…]`.
// Tests are test/<tier>/**/*.test.ts, bundled by esbuild.mjs into out/test/<tier>/.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const tiers = process.argv.slice(2);
const roots = tiers.length ? tiers.map((t) => join("out/test", t)) : ["out/test"];

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out.sort();
}

const files = roots.flatMap(findTests);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ")}: run "npm run build" first`);
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ["--enable-source-maps", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
