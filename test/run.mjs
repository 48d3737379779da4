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
// Node reads NODE_EXTRA_CA_CERTS at every start (about 0.1 s of CPU for a distribution's whole CA
// bundle, as some containers set it), and the tests start Node thousands of times (each
// `ipcviz run`). Nothing they start makes a TLS connection, so it is left out of their environment.
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;
const r = spawnSync(
  process.execPath,
  ["--enable-source-maps", "--test", "--test-concurrency=1", "--test-reporter=spec", ...files],
  { stdio: "inherit", env },
);
process.exit(r.status ?? 1);
