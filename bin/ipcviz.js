#!/usr/bin/env node
// Entry point for `npx ipcviz`: runs the bundled CLI (built by `npm run build`).
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const cli = join(__dirname, "..", "out", "cli", "ipcviz.js");
if (!existsSync(cli)) {
  console.error('ipcviz: the CLI is not built yet; run "npm install && npm run build" in ' + join(__dirname, ".."));
  process.exit(2);
}
require(cli);
