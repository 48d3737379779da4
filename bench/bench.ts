/**
 * `npm run bench`: every benchmark of the project, one after the other, printing its figures,
 * then the table of issue 17's figures with their targets. `npm run bench -- NAME` runs one.
 */
import { run as runtimeBench } from "./runtime.bench";
import { run as collectorBench } from "./collector.bench";
import { run as modelBench } from "./model.bench";
import { run as reportBench } from "./report.bench";
import { run as viewBench } from "./view.bench";
import { tableLines } from "./table";

async function main(): Promise<void> {
  const only = process.argv[2];
  const all: [string, () => Promise<unknown>][] = [
    ["collector", collectorBench],
    ["runtime", runtimeBench],
    ["model", modelBench],
    ["report", reportBench],
    ["view", viewBench],
  ];
  for (const [name, fn] of all) {
    if (only && only !== name) continue;
    console.log(`== ${name}`);
    await fn();
  }
  for (const l of tableLines()) console.log(l);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
