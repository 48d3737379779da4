/**
 * Entry point of the `ipcviz` command line (bundled to out/cli/ipcviz.js; bin/ipcviz.js loads
 * it). The commands are in cli/commands.ts.
 */
import { main } from "./commands";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ipcviz: internal error: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 70;
  },
);
