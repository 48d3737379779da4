/** `npm run docs:kinds`: rewrite the tables of event kinds in docs/trace-format.md from trace/kinds/table.ts. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderKindTables } from "../trace/kinds/docs";

const path = join(__dirname, "..", "..", "docs", "trace-format.md");
const before = readFileSync(path, "utf8");
const after = renderKindTables(before);
if (after === before) console.log("docs/trace-format.md: the tables of kinds are up to date");
else {
  writeFileSync(path, after);
  console.log("docs/trace-format.md: tables of kinds rewritten from trace/kinds/table.ts");
}
