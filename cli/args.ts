/**
 * Option parsing for the CLI's commands, on `node:util`'s parseArgs: its tokens say where each
 * option, value and positional argument is; this module turns what a command does not accept
 * into one usage line that names the argument and what to do.
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** A usage error: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** The options of one command, in parseArgs' form. */
export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command's arguments parsed to. */
export interface ParsedArgs {
  /** Option values by name: a string for options with a value, true for flags. */
  values: Record<string, string | boolean | undefined>;
  /** Positional arguments (without `stopAtPositional`). */
  positionals: string[];
  /** With `stopAtPositional`: the first positional (or `-m`, …) and everything after it, untouched. */
  rest: string[];
  /** With `stopAtPositional`: the options ended at `--` (so `rest` is all positional). */
  terminated: boolean;
}

export interface ParseOptions {
  /** The command, for messages: "unknown option --x for run (…)". */
  command: string;
  /** What to do, for messages: "see ipcviz --help", "usage: ipcviz summary TRACE [--json]". */
  hint: string;
  /**
   * Options end at the first positional argument, at `--`, or at one of `stopAt` (e.g. `-m`):
   * what follows belongs to the program (`ipcviz run [options] program.py --its-own-option`).
   */
  stopAtPositional?: boolean;
  stopAt?: readonly string[];
}

/** Parse `argv` against `options`; throws a {@link UsageError} for an unknown option, a missing value or a value given to a flag. */
export function parseCommandArgs(argv: string[], options: OptionSpec, how: ParseOptions): ParsedArgs {
  // Non-strict: parseArgs reports unknown options as tokens instead of throwing its own
  // messages, and takes a value that starts with "-" (e.g. --preview -3) for checking here.
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  let end = argv.length;
  let afterTerminator = false;
  for (const t of tokens) {
    if (how.stopAtPositional && (t.kind === "positional" || (t.kind === "option" && how.stopAt?.includes(t.rawName)))) {
      end = t.index;
      break;
    }
    if (t.kind === "option-terminator") {
      if (how.stopAtPositional) {
        end = t.index;
        afterTerminator = true;
        break;
      }
      continue;
    }
    if (t.kind !== "option") continue;
    const spec = Object.hasOwn(options, t.name) ? options[t.name] : undefined;
    if (!spec) throw new UsageError(`unknown option ${t.rawName} for ${how.command} (${how.hint})`);
    if (spec.type === "string" && t.value === undefined) throw new UsageError(`option ${t.rawName} needs a value (${how.hint})`);
    // parseArgs takes the word after a string option as its value, even "--": `run --summary -- prog`
    // would write the summary to a file named "--". Give the value first (or --summary=-- if meant).
    if (spec.type === "string" && t.value === "--" && !t.inlineValue) throw new UsageError(`option ${t.rawName} needs a value before -- (${how.hint})`);
    if (spec.type === "boolean" && t.value !== undefined) throw new UsageError(`option ${t.rawName} takes no value (${how.hint})`);
  }
  const head = argv.slice(0, end);
  const { values, positionals } = parseArgs({ args: head, options, strict: false, allowPositionals: true });
  return {
    values: values as ParsedArgs["values"],
    positionals: how.stopAtPositional ? [] : positionals,
    rest: how.stopAtPositional ? argv.slice(afterTerminator ? end + 1 : end) : [],
    terminated: afterTerminator,
  };
}

/** An option's string value (undefined when not given). */
export function stringOption(p: ParsedArgs, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === "string" ? v : undefined;
}
