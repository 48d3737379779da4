// Helpers for the model and analysis tests: load fixture traces, find events, compare dumps.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import assert from "node:assert/strict";
import { readTraceFileSync } from "../../trace/readFile";
import type { TraceEvent, TraceHeader } from "../../trace/format";
import { TraceModel, type TraceModelOptions } from "../../trace/model/model";

/** The repository root (the folder with package.json above this file). */
export const ROOT = (() => {
  let dir = __dirname;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "trace"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("repo root not found above " + __dirname);
    dir = up;
  }
})();

export const TRACES = join(ROOT, "test", "fixtures", "traces");
export const DUMPS = join(ROOT, "test", "fixtures", "dumps");

/** A fixture trace: header and events in file (arrival) order. */
export function loadFixture(name: string): { header: TraceHeader; events: TraceEvent[]; path: string } {
  const path = join(TRACES, name.endsWith(".jsonl") ? name : name + ".ipcviz.jsonl");
  const t = readTraceFileSync(path);
  return { header: t.header, events: t.events, path };
}

/** The model of a fixture trace. */
export function modelOf(name: string, options: TraceModelOptions = {}): TraceModel {
  const t = loadFixture(name);
  return TraceModel.fromEvents(t.events, t.header, options);
}

/** Causal index of the n-th (0-based) event matching `pred`; throws when there is none. */
export function indexOf(m: TraceModel, pred: (e: TraceEvent & Record<string, unknown>) => boolean, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < m.length; i++) {
    if (pred(m.event(i) as TraceEvent & Record<string, unknown>)) {
      if (seen === nth) return i;
      seen++;
    }
  }
  throw new Error("no matching event");
}

/**
 * Compare a readable dump with test/fixtures/dumps/<name>.txt. With UPDATE_DUMPS=1 the file is
 * (re)written instead: review the diff before committing it.
 */
export function assertDump(name: string, actual: string): void {
  const file = join(DUMPS, name + ".txt");
  if (process.env.UPDATE_DUMPS === "1") {
    mkdirSync(DUMPS, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.fail(`missing expected dump ${file} (UPDATE_DUMPS=1 writes it)`);
  assert.equal(actual, readFileSync(file, "utf8"), `dump ${name} differs from ${file} (UPDATE_DUMPS=1 rewrites it)`);
}
